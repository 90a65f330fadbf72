"""evalkit run: a year whose reader dies fails alone; staging folders of dead runs are removed;
load warnings are printed in the year's progress."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest

from evalkit import runner

ROOT = Path(__file__).resolve().parents[1]


def _abort_child(conn, year, data_dir, processed_dir, staging) -> None:
    """A child whose 'reader' aborts the process, as the Excel reader did on a far stray cell."""
    os.abort()


def test_a_reader_that_aborts_fails_its_year_only(tmp_path: Path) -> None:
    (tmp_path / "raw" / "2023").mkdir(parents=True)
    metrics, lines = runner._build_in_child(2023, tmp_path / "raw", tmp_path / "p",
                                            tmp_path / "s", target=_abort_child)
    assert metrics is None and len(lines) == 1
    assert "SIGABRT" in lines[0] and str(tmp_path / "raw" / "2023") in lines[0]
    # this process is alive and the next year still builds in a child of its own
    metrics, lines = runner._build_in_child(2023, tmp_path / "raw", tmp_path / "p",
                                            tmp_path / "s")
    assert metrics is None and any("budget" in l for l in lines)


def test_dead_staging_folders_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead = out / ".staging-2023-dead"
    legacy = out / ".staging-2022-old"
    mine = out / ".staging-2021-mine"
    alive = out / ".staging-2020-alive"
    for folder in (dead, legacy, mine, alive):
        (folder / "2023").mkdir(parents=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (dead / runner.OWNER_FILE).write_text(gone, encoding="utf-8")
    (mine / runner.OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (alive / runner.OWNER_FILE).write_text(str(sleeper.pid), encoding="utf-8")
        removed = runner.remove_dead_staging(out)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(removed) == sorted([dead, legacy])
    assert mine.is_dir() and alive.is_dir() and not dead.exists() and not legacy.exists()


PARAMS = ('year: int = 2023  # year\ndata_dir: str = "../data/raw"  # raw\n'
          'processed_dir: str = "../data/processed"  # cache\nout_dir: str = "../outputs"  # out')
WRITE_REPORT = """from pathlib import Path
target = Path(out_dir) / str(year)
target.mkdir(parents=True, exist_ok=True)
(target / "report.html").write_text("report " + str(year), encoding="utf-8")"""


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(PARAMS)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(WRITE_REPORT)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


BOMB = ('bomb:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"  {n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n"
                  for p, n in zip("abcdefgh", "bcdefghi")) + "more: *i\n")


def test_batch_with_a_stray_far_cell_an_alias_bomb_and_a_warning(sample_raw_copy: Path,
                                                                tmp_path: Path) -> None:
    """2021's department.yaml is an alias bomb (the report notebook used to run for minutes
    into a MemoryError); 2022's budget.xlsx has a value at XFD1048576 (the reader used to abort
    the whole batch); 2023 has a formula without a computed value (a warning printed in its
    progress) and both earlier years broken (its 同比 are 无法计算). A dead run left a staging
    folder behind."""
    dept = sample_raw_copy / "2021" / "department.yaml"
    dept.write_text(dept.read_text(encoding="utf-8") + BOMB, encoding="utf-8")
    wb = openpyxl.load_workbook(sample_raw_copy / "2022" / "budget.xlsx")
    wb.worksheets[0]["XFD1048576"] = 1
    wb.save(sample_raw_copy / "2022" / "budget.xlsx")
    wb = openpyxl.load_workbook(sample_raw_copy / "2023" / "budget.xlsx")
    wb.worksheets[0]["H4"] = "=I4-G4"
    wb.save(sample_raw_copy / "2023" / "budget.xlsx")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    _notebook(nbs / "01_report.ipynb")
    out = tmp_path / "out"
    (out / ".staging-2023-killed" / "2023").mkdir(parents=True)
    stream = io.StringIO()
    rc = runner.run_years([2021, 2022, 2023], sample_raw_copy, tmp_path / "p", out,
                          timeout=120, notebooks_dir=nbs, stream=stream, jobs=1)
    log = stream.getvalue()
    assert rc == 1, log
    assert "[2021] inputs … FAILED" in log and "别名" in log
    assert "[2022] inputs … FAILED" in log and "XFD1048576" in log and "远离表格" in log
    assert "1 ok (2023), 2 failed (2021, 2022)" in log and "Traceback" not in log
    assert "同比无法计算" in log
    lines = log.splitlines()
    at = lines.index(next(l for l in lines if l.startswith("[2023] inputs … ok")))
    assert "第4行「调整预算数」" in lines[at + 1] and "公式没有计算结果" in lines[at + 1]
    assert (out / "2023" / "report.html").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


@pytest.fixture(autouse=True)
def _no_leftover_children():
    yield
    import multiprocessing

    for child in multiprocessing.active_children():
        child.join(timeout=5)
