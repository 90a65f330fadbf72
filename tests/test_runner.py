"""evalkit run: failed years keep their previous outputs, located messages, parameter checks."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import nbformat
import pytest

from evalkit import runner
from evalkit.commands import run as run_command
from evalkit.years import YearsError, parse_years
from test_report_batch import BROKEN_YEAR, PREVIOUS_REPORT, Batch

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


# ---------------------------------------------------------------------------------------------
# the shared batch: one broken year among good ones
# ---------------------------------------------------------------------------------------------

def test_broken_year_keeps_previous_report_and_exits_nonzero(batch: Batch) -> None:
    assert batch.rc != 0
    kept = batch.out / str(BROKEN_YEAR) / "report.html"
    assert kept.read_bytes() == PREVIOUS_REPORT.encode("utf-8")
    assert sorted(p.name for p in kept.parent.iterdir()) == ["report.html"]
    # the other years still succeeded
    assert batch.report(2021).is_file() and batch.report(2023).is_file()


def test_broken_year_message_is_located(batch: Batch) -> None:
    lines = [line for line in batch.log.splitlines() if line.startswith(f"[{BROKEN_YEAR}]")
             or line.startswith("    ")]
    text = "\n".join(lines)
    assert f"[{BROKEN_YEAR}] inputs … FAILED" in text
    assert "petitions.xlsx" in text and "[错误]" in text
    assert f"[{BROKEN_YEAR}] 01_budget_execution.ipynb" not in batch.log  # no notebook ran


# ---------------------------------------------------------------------------------------------
# tiny notebooks: cell errors, promotion, parameters (cheap: one small kernel each)
# ---------------------------------------------------------------------------------------------

PARAMS = ('year: int = 2023  # year\ndata_dir: str = "../data/raw"  # raw\n'
          'processed_dir: str = "../data/processed"  # cache\nout_dir: str = "../outputs"  # out')


def _notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(PARAMS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


WRITE_OUTPUTS = """from pathlib import Path
target = Path(out_dir) / str(year)
(target / "charts").mkdir(parents=True, exist_ok=True)
(target / "charts" / "new.png").write_bytes(b"png")
(target / "report.html").write_text("new report " + str(year), encoding="utf-8")"""


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Path]:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    out = tmp_path / "outputs"
    previous = out / "2023"
    (previous / "charts").mkdir(parents=True)
    (previous / "report.html").write_text("previous report", encoding="utf-8")
    (previous / "charts" / "old.png").write_bytes(b"old")
    return {"nbs": nbs, "out": out, "processed": tmp_path / "processed", "previous": previous}


def test_cell_exception_is_short_located_and_keeps_previous(tiny: dict[str, Path]) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    _notebook(tiny["nbs"] / "02_fail.ipynb", 'x = 1\nraise ValueError("boom: 镇街缺失")')
    stream = io.StringIO()
    rc = runner.run_years([2023], RAW, tiny["processed"], tiny["out"], timeout=60,
                          notebooks_dir=tiny["nbs"], stream=stream, validate=False)
    log = stream.getvalue()
    assert rc == 1
    assert "[2023] 01_ok.ipynb … ok" in log
    assert "02_fail.ipynb cell 2: ValueError: boom: 镇街缺失" in log  # cell 1 is the injected one
    assert "Traceback" not in log and "-----" not in log
    assert (tiny["previous"] / "report.html").read_text(encoding="utf-8") == "previous report"
    assert (tiny["previous"] / "charts" / "old.png").exists()
    assert not (tiny["previous"] / "charts" / "new.png").exists()
    assert not [p for p in tiny["out"].iterdir() if p.name.startswith(".staging-")]


def test_success_replaces_outputs_and_removes_stale_charts(tiny: dict[str, Path]) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    stream = io.StringIO()
    rc = runner.run_years([2023], RAW, tiny["processed"], tiny["out"], timeout=60,
                          notebooks_dir=tiny["nbs"], stream=stream, validate=False)
    assert rc == 0, stream.getvalue()
    prev = tiny["previous"]
    assert (prev / "report.html").read_text(encoding="utf-8") == "new report 2023"
    assert (prev / "charts" / "new.png").exists() and not (prev / "charts" / "old.png").exists()
    executed = nbformat.read(prev / "notebooks" / "01_ok.ipynb", as_version=4)
    params = executed.metadata.papermill.parameters
    assert params["year"] == 2023 and Path(params["data_dir"]) == RAW.resolve()
    assert ".staging-2023-" in params["out_dir"]  # outputs were written to staging first
    assert "summary: 1 ok (2023), 0 failed" in stream.getvalue()


def test_misspelled_parameter_is_an_error(tiny: dict[str, Path]) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    with pytest.raises(runner.ParameterError, match="yaer"):
        runner.run_years([2023], RAW, tiny["processed"], tiny["out"],
                         notebooks_dir=tiny["nbs"], extra_params={"yaer": 2022})
    with pytest.raises(runner.ParameterError, match="yaer"):
        runner.execute_notebook(tiny["nbs"] / "01_ok.ipynb", tiny["out"] / "x.ipynb",
                                {"yaer": 2022})
    assert (tiny["previous"] / "report.html").read_text(encoding="utf-8") == "previous report"


def test_real_notebooks_reject_a_misspelled_parameter() -> None:
    for nb in runner.discover_notebooks():
        runner.check_parameters(nb, {"year": 2023, "data_dir": "x", "processed_dir": "x",
                                     "out_dir": "x"})
        with pytest.raises(runner.ParameterError, match="outdir"):
            runner.check_parameters(nb, {"year": 2023, "outdir": "x"})


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="evalkit")
    run_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_misspelled_parameter_exits_2(tiny: dict[str, Path], capsys) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    rc = _cli(["run", "--year", "2023", "--notebooks-dir", str(tiny["nbs"]),
               "--out-dir", str(tiny["out"]), "-p", "yaer", "2022"])
    assert rc == 2
    assert "yaer" in capsys.readouterr().err


def test_cli_years_options(tiny: dict[str, Path], capsys) -> None:
    with pytest.raises(SystemExit):
        _cli(["run", "--year", "2023", "--years", "2021-2023"])   # mutually exclusive
    assert _cli(["run", "--years", "20x1", "--out-dir", str(tiny["out"])]) == 2
    assert "bad year or range" in capsys.readouterr().err


def test_missing_year_folder_fails_that_year_only(tiny: dict[str, Path]) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    stream = io.StringIO()
    rc = runner.run_years([1999], RAW, tiny["processed"], tiny["out"],
                          notebooks_dir=tiny["nbs"], stream=stream)
    assert rc == 1 and "[1999] inputs … FAILED" in stream.getvalue()
    assert not (tiny["out"] / "1999").exists()


@pytest.mark.parametrize("text, years", [
    ("2023", [2023]), ("2021-2023", [2021, 2022, 2023]), ("2021,2023", [2021, 2023]),
    ("2023, 2021-2022", [2021, 2022, 2023]), ("2021，2023", [2021, 2023]),
])
def test_parse_years(text: str, years: list[int]) -> None:
    assert parse_years(text) == years


@pytest.mark.parametrize("text", ["", "2023-2021", "abc", "2021-", "23", "2021-2200"])
def test_parse_years_rejects(text: str) -> None:
    with pytest.raises(YearsError):
        parse_years(text)


def test_promote_moves_report_last(tmp_path: Path) -> None:
    staged, dest = tmp_path / "staged", tmp_path / "dest"
    (staged / "charts").mkdir(parents=True)
    for name in ("report.html", "metrics.json", "charts/a.png", "scorecard.xlsx"):
        (staged / name).write_text(name, encoding="utf-8")
    moved = runner.promote(staged, dest)
    assert moved[-1].name == "report.html"
    assert json.dumps(sorted(p.relative_to(dest).as_posix() for p in moved)) == json.dumps(
        ["charts/a.png", "metrics.json", "report.html", "scorecard.xlsx"])
    assert not [p for p in staged.rglob("*") if p.is_file()]


def test_parallel_years_keep_their_own_outputs(tiny: dict[str, Path]) -> None:
    _notebook(tiny["nbs"] / "01_ok.ipynb", WRITE_OUTPUTS)
    stream = io.StringIO()
    rc = runner.run_years([2022, 2023, 1999], RAW, tiny["processed"], tiny["out"], timeout=60,
                          notebooks_dir=tiny["nbs"], stream=stream, jobs=2)
    log = stream.getvalue()
    assert rc == 1, log
    for year in (2022, 2023):
        assert (tiny["out"] / str(year) / "report.html").read_text(encoding="utf-8") == \
            f"new report {year}"
    assert "[1999] inputs … FAILED" in log
    assert "summary: 2 ok (2022, 2023), 1 failed (1999)" in log


def test_cell_timeout_is_reported_in_one_line(tiny: dict[str, Path], capfd) -> None:
    _notebook(tiny["nbs"] / "01_slow.ipynb", "import time\ntime.sleep(30)")
    stream = io.StringIO()
    rc = runner.run_years([2023], RAW, tiny["processed"], tiny["out"], timeout=2,
                          notebooks_dir=tiny["nbs"], stream=stream, validate=False)
    log = stream.getvalue()
    assert rc == 1
    assert "01_slow.ipynb" in log and ("timed out" in log or "Timeout" in log), log
    assert "Traceback" not in log
    assert (tiny["previous"] / "report.html").read_text(encoding="utf-8") == "previous report"
    assert capfd.readouterr().err == ""   # nothing else on stderr (kernel or nbclient logs)


# ---------------------------------------------------------------------------------------------
# each year computed once: pipeline.year_metrics reuses a fresh metrics.json, rebuilds otherwise
# ---------------------------------------------------------------------------------------------

def _no_build(*_a, **_k):
    raise AssertionError("build_year called although metrics.json is fresh")


def test_year_metrics_reuses_fresh_and_rebuilds_stale(sample_raw_copy: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from evalkit import pipeline

    out, processed = tmp_path / "out", tmp_path / "processed"
    built = pipeline.year_metrics(2023, sample_raw_copy, processed, out)
    record = built["provenance"]
    assert set(record["inputs"]) >= {"2021/budget.xlsx", "2022/petitions.xlsx",
                                     "2023/department.yaml"}
    assert record["framework"]["sha256"] and record["code_sha256"]
    on_disk = json.loads((out / "2023" / "metrics.json").read_text(encoding="utf-8"))
    assert on_disk["provenance"] == record

    real_build = pipeline.build_year
    monkeypatch.setattr(pipeline, "build_year", _no_build)
    assert pipeline.year_metrics(2023, sample_raw_copy, processed, out) == on_disk

    calls: list[int] = []

    def counting_build(year, *a, **k):
        calls.append(year)
        return real_build(year, *a, **k)

    monkeypatch.setattr(pipeline, "build_year", counting_build)

    def stale_after(change) -> None:
        change()
        pipeline.year_metrics(2023, sample_raw_copy, processed, out)
        assert calls and calls[-1] == 2023
        calls.clear()
        pipeline.year_metrics(2023, sample_raw_copy, processed, out)   # fresh again
        assert not calls

    dept = sample_raw_copy / "2023" / "department.yaml"
    stale_after(lambda: dept.write_text(dept.read_text(encoding="utf-8") + "\n# edited\n",
                                        encoding="utf-8"))
    earlier = sample_raw_copy / "2021" / "department.yaml"             # history / 同比 input
    stale_after(lambda: earlier.write_text(earlier.read_text(encoding="utf-8") + "\n# x\n",
                                           encoding="utf-8"))
    stale_after(lambda: (out / "2023" / "scorecard.xlsx").unlink())
    stale_after(lambda: (out / "2023" / "metrics.json").write_text("{", encoding="utf-8"))
    monkeypatch.setattr(pipeline, "code_digest", lambda: "other code")
    stale_after(lambda: None)
    monkeypatch.setattr(pipeline, "__version__", "9.9.9")
    stale_after(lambda: None)


def test_year_metrics_notices_a_changed_framework(sample_raw_copy: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from evalkit import pipeline
    from evalkit.config import FRAMEWORKS

    framework = tmp_path / "fw.yaml"
    shutil.copy(FRAMEWORKS / "guangzhou_district.yaml", framework)
    dept = sample_raw_copy / "2023" / "department.yaml"
    text = dept.read_text(encoding="utf-8").replace("framework: guangzhou_district",
                                                    f"framework: {framework}")
    assert str(framework) in text
    dept.write_text(text, encoding="utf-8")
    out, processed = tmp_path / "out", tmp_path / "processed"
    pipeline.year_metrics(2023, sample_raw_copy, processed, out)
    assert pipeline.read_fresh_metrics(2023, sample_raw_copy, out) is not None
    framework.write_text(framework.read_text(encoding="utf-8") + "\n# tweaked\n",
                         encoding="utf-8")
    assert pipeline.read_fresh_metrics(2023, sample_raw_copy, out) is None


def test_prepare_year_builds_metrics_and_charts_once(sample_raw_copy: Path,
                                                     tmp_path: Path) -> None:
    from evalkit import charts, pipeline

    stream = io.StringIO()
    prepared = runner.prepare_year(2023, sample_raw_copy, tmp_path / "p", tmp_path / "out",
                                   stream)
    try:
        assert prepared.message == "" and prepared.staging is not None
        staged = prepared.staging / "2023"
        assert (staged / "scorecard.xlsx").is_file()
        metrics = pipeline.read_fresh_metrics(2023, sample_raw_copy, prepared.staging)
        assert metrics is not None          # the notebooks will read it, not rebuild it
        pngs = sorted(p.stem for p in (staged / "charts").glob("*.png"))
        assert pngs == sorted(charts.CHARTS)
        for name in pngs:
            assert charts.png_digest(staged / "charts" / f"{name}.png") == \
                charts.chart_digest(metrics, name)
        log = stream.getvalue()
        assert "[2023] inputs … ok" in log and "[2023] charts … ok" in log
    finally:
        import shutil

        shutil.rmtree(prepared.staging or tmp_path / "none", ignore_errors=True)


def test_prepare_year_failure_leaves_no_staging(sample_raw_copy: Path, tmp_path: Path) -> None:
    (sample_raw_copy / "2023" / "petitions.xlsx").write_bytes(b"not a workbook")
    stream = io.StringIO()
    out = tmp_path / "out"
    prepared = runner.prepare_year(2023, sample_raw_copy, tmp_path / "p", out, stream)
    assert prepared.staging is None and prepared.message
    assert "[2023] inputs … FAILED" in stream.getvalue() and "petitions.xlsx" in stream.getvalue()
    assert not list(out.iterdir())


def test_default_jobs_follows_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert runner.default_jobs() == 1
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3},
                        raising=False)
    assert runner.default_jobs() == 2
