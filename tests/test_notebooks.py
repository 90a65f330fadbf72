"""Notebook conventions (scan of notebooks/) and end-to-end papermill runs on the sample data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from test_report_batch import GOOD_YEARS, Batch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["01_budget_execution.ipynb", "02_petitions.ipynb", "03_scorecard.ipynb",
            "04_report.ipynb", "05_monitoring.ipynb"]
REQUIRED_PARAMETERS = {"year": "int", "data_dir": "str", "processed_dir": "str", "out_dir": "str"}
#: Parameters a notebook declares beyond the batch's four (each with a default the batch can use:
#: 05 runs as of the year end when ``as_of`` is left blank).
EXTRA_PARAMETERS = {"05_monitoring.ipynb": {"as_of": "str"}}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_expected_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_conventions(path: Path) -> None:
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), \
        "starts with a markdown title and outline"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert tagged[0].cell_type == "code" and tagged[0] is _code(nb)[0], \
        "the parameters cell is the first code cell"
    for cell in _code(nb):
        assert cell.outputs == [] and cell.execution_count is None, "committed without outputs"
        body = "\n".join(line for line in cell.source.splitlines()
                         if not line.lstrip().startswith("%"))
        tree = ast.parse(body)
        defs = [n for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.Lambda))]
        assert not defs, f"logic belongs in evalkit, not in a notebook cell: {cell.source[:80]}"
        assert "petitioner_key" not in cell.source
    assert not any(c.get("attachments") for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_typed_and_commented(path: Path) -> None:
    cell = next(c for c in _read(path).cells if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    declared = {n.target.id: ast.unparse(n.annotation) for n in tree.body
                if isinstance(n, ast.AnnAssign)}
    expected = {**REQUIRED_PARAMETERS, **EXTRA_PARAMETERS.get(path.name, {})}
    assert declared == expected
    for line in cell.source.splitlines():
        if re.match(r"^\w+\s*:", line):
            assert "#" in line, f"parameter without a comment: {line}"
    import papermill

    assert set(papermill.inspect_notebook(str(path))) == set(expected)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_typed_in_figures(path: Path) -> None:
    """No figure of the report is typed into a notebook (they come from the metrics dict)."""
    source = "\n".join(c.source for c in _read(path).cells)
    for figure in ("783.16", "774.9", "98.95", "580.13", "194.77", "92.1", "46.8", "45.3",
                   "98.1", "88.67", "99.84", "43.21"):
        assert figure not in source, figure


# ---------------------------------------------------------------------------------------------
# end to end: the shared batch executed every notebook with papermill on the sample data
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", GOOD_YEARS)
@pytest.mark.parametrize("name", EXPECTED)
def test_executed_notebook_round_trips_parameters(batch: Batch, year: int, name: str) -> None:
    nb = _read(batch.out / str(year) / "notebooks" / name)
    params = nb.metadata.papermill.parameters
    assert params["year"] == year
    assert Path(params["data_dir"]) == batch.raw.resolve()
    assert Path(params["processed_dir"]) == batch.processed.resolve()
    assert Path(params["out_dir"]).parent == batch.out.resolve()     # the staging folder
    assert nb.metadata.papermill.exception in (None, False)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and f"year = {year}" in injected[0].source
    for cell in _code(nb):
        assert cell.execution_count is not None
        for out in cell.outputs:
            assert out.output_type != "error", cell.source[:80]
            assert not (out.output_type == "stream" and out.name == "stderr"), \
                f"{name} cell writes to stderr: {out.text[:200]}"
            text = str(out.get("data", {}).get("text/plain", ""))
            assert "Warning" not in text and "Traceback" not in text


def test_notebooks_show_charts_and_tables(batch: Batch) -> None:
    nb = _read(batch.out / "2023" / "notebooks" / "02_petitions.ipynb")
    outputs = [o for c in _code(nb) for o in c.outputs]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4
    assert sum("text/html" in o.get("data", {}) for o in outputs) >= 5


def test_relative_default_paths_work_from_the_notebooks_folder(tmp_path: Path) -> None:
    """As in JupyterLab: cwd = notebooks/, data_dir left at its default (the project's data/raw)."""
    import papermill

    from evalkit.runner import KERNEL_ARGS, quiet_kernel_manager

    out = tmp_path / "outputs"
    papermill.execute_notebook(
        str(NOTEBOOKS[0]), str(tmp_path / NOTEBOOKS[0].name),
        parameters={"year": 2023, "processed_dir": str(tmp_path / "processed"),
                    "out_dir": str(out)},
        kernel_name="python3", cwd=str(NOTEBOOKS[0].parent), progress_bar=False,
        log_output=False, execution_timeout=300, extra_arguments=KERNEL_ARGS,
        kernel_manager_class=quiet_kernel_manager())
    assert (out / "2023" / "metrics.json").is_file()
    nb = _read(tmp_path / NOTEBOOKS[0].name)
    assert nb.metadata.papermill.parameters["year"] == 2023
    assert "data_dir" not in nb.metadata.papermill.parameters   # the default (blank) ran


def test_notebooks_show_the_saved_charts(batch: Batch) -> None:
    """01-03 display the PNGs saved once for the year (not a second rendering)."""
    import base64

    folder = batch.out / "2023"
    saved = {p.read_bytes() for p in (folder / "charts").glob("*.png")}
    shown = []
    for name in EXPECTED[:3]:
        nb = _read(folder / "notebooks" / name)
        shown += [base64.b64decode(o["data"]["image/png"]) for c in _code(nb) for o in c.outputs
                  if "image/png" in o.get("data", {})]
    assert len(shown) == len(saved) == 9
    assert set(shown) == saved
