"""The batch cache (evalkit.workpapers.batch / prepare): what the runner renders once, the kernels
replay; identical to what a notebook computes, never stale, nothing personal, no pandas.

One year (2023, with the planted personal data of test_report_batch) is prepared once for the
module: a built metrics.json in a scratch output folder, then ``prepare_cache`` on it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from evalkit.workpapers import batch, prepare
from evalkit.workpapers.monitoring import MonitorPapers, open_monitor
from evalkit.workpapers.params import resolve_dirs
from evalkit.workpapers.session import Workpapers, open_year
from test_report_batch import PLANTED_PII, _plant, _plant_kept

pytestmark = pytest.mark.e2e     # builds a year and renders every table (about 10 s)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
YEAR = 2023


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory):
    from evalkit import pipeline

    base = tmp_path_factory.mktemp("wp-batch")
    raw = base / "raw"
    for year in (2021, 2022, 2023):
        shutil.copytree(RAW / str(year), raw / str(year))
    _plant(raw / "2023" / "petitions.xlsx")
    _plant_kept(raw / "2023")
    # as under evalkit run: out_dir is a staging folder (outputs/.staging-<year>-…)
    dirs = resolve_dirs(raw, base / "processed", base / "out" / ".staging-2023-test")
    pipeline.build_year(YEAR, dirs.data, dirs.processed, dirs.out)
    path = prepare.prepare_cache(YEAR, dirs.data, dirs.processed, dirs.out)
    return dirs, path


class Captured:
    """Stands for IPython's display in both paths: every output as its mime bundle."""

    def __init__(self):
        from IPython.core.formatters import DisplayFormatter

        self.formatter, self.bundles = DisplayFormatter(), []

    def __call__(self, *objs, raw=False, metadata=None):
        for obj in objs:
            self.bundles.append(obj if raw else self.formatter.format(obj)[0])

    def take(self):
        out, self.bundles = self.bundles, []
        return out


def test_replayed_outputs_are_exactly_what_the_notebook_computes(prepared, monkeypatch):
    """Every recorded call against the same call computed (in a copy of the staging folder, as
    the computing path rewrites the monitoring files)."""
    import IPython.display

    dirs, path = prepared
    calls = json.loads(path.read_text("utf-8"))["calls"]
    captured = Captured()
    monkeypatch.setattr(IPython.display, "display", captured)
    replaying = open_year(YEAR, dirs.data, dirs.processed, dirs.out, check=False)
    assert replaying.replay is not None
    copy = dirs.out.parent / ".staging-2023-copy"
    shutil.copytree(dirs.out, copy)
    other = resolve_dirs(dirs.data, dirs.processed, copy)
    computing = Workpapers(YEAR, other, replaying.metrics)
    computing.emit = captured
    compared = 0
    for key in calls:
        call = json.loads(key)
        if call[0] not in ("show", "check", "charts"):
            continue
        getattr(replaying, call[0])(*call[1:])
        replayed = captured.take()
        with batch.kernel_pandas_options():
            getattr(computing, call[0])(*call[1:])
        assert replayed == captured.take(), key
        assert replayed, key
        compared += 1
    assert compared > 80
    html = [b["text/html"] for key in calls if key.startswith('["show"')
            for b in calls[key] if "text/html" in b.get("data", {}) for b in [b["data"]]]
    assert any("一次性化解率" in h for h in html)

    mon = open_monitor(YEAR, "", dirs.data, dirs.processed, dirs.out, check=False)
    assert mon.replay is not None
    fresh = MonitorPapers(YEAR, "", other)
    fresh.emit = captured
    for name, args in [("written", ()), ("chart", ()), ("notes", ()),
                       *[("show", (h,)) for h in fresh.headings()]]:
        getattr(mon, name)(*args)
        replayed = captured.take()
        with batch.kernel_pandas_options():
            getattr(fresh, name)(*args)
        assert replayed == captured.take() and replayed, (name, args)


def test_the_written_files_are_returned_only_while_unchanged(prepared):
    dirs, _ = prepared
    wp = open_year(YEAR, dirs.data, dirs.processed, dirs.out, check=False)
    files = wp.build_report()
    assert {"html", "docx", "provenance", "charts"} <= set(files)
    assert files["html"] == dirs.year_out(YEAR) / "report.html"
    assert wp.write_workbook() == dirs.year_out(YEAR) / "底稿.xlsx"
    html = files["html"].read_bytes()
    try:
        files["html"].write_bytes(html + b"<!-- edited -->")
        assert batch.replay_files(wp.replay, wp.out, "report") is None    # rebuilt then
    finally:
        files["html"].write_bytes(html)
    assert batch.replay_files(wp.replay, wp.out, "report") is not None


def test_a_stale_cache_is_never_shown(prepared, tmp_path):
    dirs, _ = prepared
    assert batch.read_cache(YEAR, dirs) is not None
    budget = dirs.data / "2022" / "budget.xlsx"          # an earlier year feeds 同比
    original = budget.read_bytes()
    try:
        budget.write_bytes(original + b"\0")
        assert batch.read_cache(YEAR, dirs) is None
    finally:
        budget.write_bytes(original)
    metrics = dirs.year_out(YEAR) / "metrics.json"
    text = metrics.read_bytes()
    try:
        metrics.write_bytes(text.replace(b'"year"', b'"year" ', 1))
        assert batch.read_cache(YEAR, dirs) is None
    finally:
        metrics.write_bytes(text)
    added = dirs.data / "2023" / "新增说明.txt"             # any new file of the year folder
    try:
        added.write_text("x", encoding="utf-8")
        assert batch.read_cache(YEAR, dirs) is None
    finally:
        added.unlink()
    elsewhere = resolve_dirs(dirs.data, tmp_path / "other-cache", dirs.out)
    assert batch.read_cache(YEAR, elsewhere) is None
    assert batch.read_cache(YEAR, dirs) is not None


def test_a_changed_chart_is_not_replayed(prepared, monkeypatch):
    import IPython.display

    dirs, path = prepared
    calls = json.loads(path.read_text("utf-8"))["calls"]
    key = batch.call_key("charts", "budget_by_type")
    png = dirs.year_out(YEAR) / calls[key][0]["path"]
    data = png.read_bytes()
    captured = Captured()
    monkeypatch.setattr(IPython.display, "display", captured)
    try:
        png.write_bytes(data + b"\0")
        assert batch.replay_call(calls, dirs.year_out(YEAR), ["charts", "budget_by_type"]) is False
        assert captured.take() == []
    finally:
        png.write_bytes(data)
    assert batch.replay_call(calls, dirs.year_out(YEAR), ["charts", "budget_by_type"]) is True


def test_the_cache_holds_no_personal_data(prepared):
    dirs, path = prepared
    text = path.read_text("utf-8")
    for value in PLANTED_PII.values():
        assert value not in text
    assert str(dirs.data / "2023") not in json.dumps(json.loads(text)["key"])
    assert "来信扫描" not in text                     # the file named after a petitioner


def test_replaying_imports_neither_pandas_nor_matplotlib(prepared):
    dirs, _ = prepared
    code = f"""
import sys
from evalkit import workpapers
wp = workpapers.open_year({YEAR}, {str(dirs.data)!r}, {str(dirs.processed)!r}, {str(dirs.out)!r})
assert wp.replay is not None
for name in ("overview", "lines", "township_rates", "yoy_score"):
    wp.show(name)
wp.show("cases_satisfaction_rate_pct", rows=20)
wp.check(); wp.check("budget")
wp.charts("budget_by_type", "petitions_by_month")
wp.build_report(); wp.write_workbook()
mon = workpapers.open_monitor({YEAR}, "", {str(dirs.data)!r}, {str(dirs.processed)!r},
                              {str(dirs.out)!r})
mon.written(); mon.show("概要"); mon.chart(); mon.notes()
print("HEAVY", sorted(m for m in ("pandas", "matplotlib", "numpy", "pydantic") if m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


def test_the_batch_kernels_import_no_pandas(tmp_path):
    """Run through the runner (two years at a time, as ``evalkit run`` on two cores): every
    notebook ends without pandas or matplotlib loaded in its kernel (a last cell added to
    scratch copies of the notebooks says so)."""
    from evalkit import runner

    raw, notebooks = tmp_path / "raw", tmp_path / "notebooks"
    for year in (2022, 2023):
        shutil.copytree(RAW / str(year), raw / str(year))
    notebooks.mkdir()
    probe = ('import sys\nprint("HEAVY", sorted(m for m in ("pandas", "matplotlib") '
             'if m in sys.modules))')
    for path in sorted((ROOT / "notebooks").glob(runner.NOTEBOOK_GLOB)):
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(probe))
        nbformat.write(nb, notebooks / path.name)
    log = io.StringIO()
    rc = runner.run_years([2022, YEAR], raw, tmp_path / "processed", tmp_path / "out",
                          notebooks_dir=notebooks, stream=log, jobs=2)
    assert rc == 0, log.getvalue()
    executed = sorted((tmp_path / "out").glob("*/notebooks/*.ipynb"))
    assert len(executed) == 10
    for year in (2022, YEAR):
        assert f"[{year}] workpapers … ok" in log.getvalue()
        assert f"[{year}] files … ok" in log.getvalue()
    for path in executed:
        last = nbformat.read(path, as_version=4).cells[-1]
        assert "".join(o.get("text", "") for o in last.outputs).strip() == "HEAVY []", path
    assert not list((tmp_path / "out").rglob(batch.CACHE_NAME))      # never promoted


def test_a_failed_preparation_leaves_the_notebooks_to_compute(tmp_path, monkeypatch):
    """The cache is only a speed-up: when its writing step fails, the year still completes and
    the notebook makes the call itself (here 04 alone: report files and 底稿.xlsx)."""
    from evalkit import runner

    raw, notebooks = tmp_path / "raw", tmp_path / "notebooks"
    for year in (2022, 2023):
        shutil.copytree(RAW / str(year), raw / str(year))
    notebooks.mkdir()
    shutil.copy(ROOT / "notebooks" / "04_report.ipynb", notebooks)

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(prepare.Preparation, "writers", broken)
    log = io.StringIO()
    rc = runner.run_years([YEAR], raw, tmp_path / "processed", tmp_path / "out",
                          notebooks_dir=notebooks, stream=log)
    assert rc == 0, log.getvalue()
    assert f"[{YEAR}] workpapers … ok" in log.getvalue()
    assert f"[{YEAR}] files … skipped (RuntimeError: disk full" in log.getvalue()
    year = tmp_path / "out" / str(YEAR)
    assert (year / "report.html").is_file() and (year / "底稿.xlsx").is_file()
