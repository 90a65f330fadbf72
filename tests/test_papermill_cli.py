"""The notebooks as the README documents them: the papermill CLI with only ``-p year``.

The folders resolve against the project, so the working directory does not matter; a misspelled
parameter stops the notebook in its first cell before anything is read or written. The executed
notebooks of the shared batch read as Chinese working papers.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import openpyxl
import pytest

from test_report_batch import GOOD_YEARS, Batch

ROOT = Path(__file__).resolve().parents[1]
PAPERMILL = Path(sys.executable).parent / "papermill"
OUTPUTS = ROOT / "outputs"


def _papermill(notebook: str, output: Path, cwd: Path, *params: str) -> subprocess.CompletedProcess:
    args = [str(PAPERMILL), notebook, str(output), "--no-progress-bar", "-k", "python3"]
    for i in range(0, len(params), 2):
        args += ["-p", params[i], params[i + 1]]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("notebook, where", [
    ("notebooks/04_report.ipynb", "root"),          # the README's command, from the repository root
    ("{root}/notebooks/01_budget_execution.ipynb", "elsewhere"),
    ("{root}/notebooks/05_monitoring.ipynb", "elsewhere"),
])   # from notebooks/ (as in JupyterLab): test_notebooks.py::test_relative_default_paths_work…
def test_papermill_cli_runs_with_only_the_year(tmp_path: Path, notebook: str, where: str) -> None:
    cwd = {"root": ROOT, "elsewhere": tmp_path}[where]
    out = tmp_path / "outputs"
    # data_dir is left at its default (the project's data/raw); only the writable folders are
    # redirected so that the test does not write into the repository
    result = _papermill(notebook.format(root=ROOT), tmp_path / "out.ipynb", cwd, "year", "2022",
                        "processed_dir", str(tmp_path / "processed"), "out_dir", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["year"] == 2022
    assert "data_dir" not in nb.metadata.papermill.parameters
    if "05_monitoring" not in notebook:
        assert (out / "2022" / "metrics.json").is_file()
    if "04_report" in notebook:
        assert (out / "2022" / "report.html").is_file() and (out / "2022" / "底稿.xlsx").is_file()
    if "05_monitoring" in notebook:       # as_of left blank: the year end
        assert (out / "2022" / "monitoring" / "2022-12-31" / "monitor.json").is_file()


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("0*.ipynb")))
def test_a_misspelled_parameter_fails_first_and_writes_nothing(tmp_path: Path,
                                                               notebook: str) -> None:
    before = _snapshot(OUTPUTS), _snapshot(ROOT / "data" / "processed")
    result = _papermill(f"notebooks/{notebook}", tmp_path / "out.ipynb", ROOT, "yeer", "2022")
    assert result.returncode != 0
    assert "unknown notebook parameter(s): yeer" in result.stderr
    assert "未声明的笔记本参数" in result.stderr and "yeer → year?" in result.stderr
    assert (_snapshot(OUTPUTS), _snapshot(ROOT / "data" / "processed")) == before
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    failed = [c for c in nb.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.get("outputs", []))]
    guard = failed[0].source if len(failed) == 1 else ""
    assert any(call in guard for call in ("open_year(", "open_monitor(", "check_parameters()"))
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert len(ran) == 3                                             # parameters, injected, guard


# ---------------------------------------------------------------------------------------------
# the executed notebooks of the shared batch
# ---------------------------------------------------------------------------------------------

def _html_outputs(nb: nbformat.NotebookNode) -> str:
    return "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("year", GOOD_YEARS)
def test_executed_notebooks_read_as_chinese_working_papers(batch: Batch, year: int) -> None:
    folder = batch.out / str(year) / "notebooks"
    petitions = nbformat.read(folder / "02_petitions.ipynb", as_version=4)
    html = _html_outputs(petitions)
    for heading in ("信访件编号", "超期天数（天）", "责任单位", "镇街", "分子件数（件）"):
        assert heading in html, heading
    assert not re.search(r">\s*[a-z]+(_[a-z]+)+\s*</th>", html), "snake_case header"
    markdown = "\n".join(c.source for c in petitions.cells if c.cell_type == "markdown")
    assert len(re.findall(r"[\u4e00-\u9fff]", markdown)) > 10 * len(re.findall(r"[A-Za-z]{4,}",
                                                                             markdown))
    report = nbformat.read(folder / "04_report.ipynb", as_version=4)
    assert "<iframe srcdoc=" in _html_outputs(report)


def test_counts_print_as_integers_and_rates_with_a_percent_sign(batch: Batch) -> None:
    nb = nbformat.read(batch.out / "2023" / "notebooks" / "02_petitions.ipynb", as_version=4)
    html = _html_outputs(nb)
    # markup planted in a 责任单位 / 镇街 of the register is shown as text, never as markup
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "text-align:left" in html
    cells = re.findall(r">([^<>]*)</td>", html)
    assert "3000" in cells and "3000.00" not in html
    assert "98.10%" in cells and "88.67%" in cells


def test_the_batch_promotes_the_workbook(batch: Batch) -> None:
    for year in GOOD_YEARS:
        path = batch.out / str(year) / "底稿.xlsx"
        book = openpyxl.load_workbook(path, read_only=True)
        assert len(book.sheetnames) > 25 and book.sheetnames[0] == "目录"
        # planted personal data of the batch never reaches the working papers
        text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
        for values in batch.register_pii.values():
            assert not any(v in text for v in values)


def test_the_readme_shows_the_papermill_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/papermill notebooks/01_budget_execution.ipynb" in readme
    assert "-p year 2023" in readme

