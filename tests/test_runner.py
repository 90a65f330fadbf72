"""evalkit run: failed years keep their previous outputs, located messages, parameter checks."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import nbformat
import pytest

from evalkit import runner
from test_report_batch import BROKEN_YEAR, PREVIOUS_REPORT, Batch, sample_batch

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return sample_batch(tmp_path_factory)


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
    runner.register(parser.add_subparsers(dest="command"))
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
    assert "bad year range" in capsys.readouterr().err


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
    assert runner.parse_years(text) == years


@pytest.mark.parametrize("text", ["", "2023-2021", "abc", "2021-"])
def test_parse_years_rejects(text: str) -> None:
    with pytest.raises(runner.RunnerError):
        runner.parse_years(text)


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
