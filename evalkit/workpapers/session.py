"""One notebook's working session: parameters checked, folders resolved, the year's figures.

``wp = workpapers.open_year(year, data_dir, processed_dir, out_dir)`` is the first thing every
notebook does after its parameters cell. It refuses a misspelled papermill parameter before
anything is read or written, resolves the folders against the project, and loads the year's
metrics (``pipeline.year_metrics``: the ``metrics.json`` of ``evalkit run``, or built). The
case-level register, the previous year's figures and every table are loaded on first use.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, Callable

from evalkit.workpapers.params import Dirs, check_parameters, resolve_dirs
from evalkit.years import available_years

STAGING_PREFIX = ".staging-"
"""Name prefix of the staging folders of ``evalkit run`` (``evalkit.runner``)."""

PENDING_MARK = "待填写"
"""A department.yaml value still holding this text has not been filled in (evalkit template)."""


class Workpapers:
    """The working papers of one year (see the module docstring)."""

    def __init__(self, year: int, dirs: Dirs, metrics: dict[str, Any],
                 replay: dict[str, Any] | None = None):
        self.year, self.dirs, self.metrics = int(year), dirs, metrics
        self._tables: dict[str, Any] = {}
        #: what ``evalkit run`` already rendered for this year (a fresh batch cache,
        #: :mod:`evalkit.workpapers.batch`): call key → display outputs or written files
        self.replay = replay
        #: where display objects go: IPython's ``display`` (the batch records them instead)
        self.emit: Callable[..., None] = _display

    def _replayed(self, *call: Any) -> bool:
        """Publish the outputs the batch recorded for ``call``; False when there are none."""
        if self.replay is None:
            return False
        from evalkit.workpapers import batch

        return batch.replay_call(self.replay, self.out, call)

    def _replayed_files(self, what: str) -> dict[str, Path] | None:
        """The files the batch already wrote for ``what`` (``report``, ``workbook``), when they
        are all still there, unchanged; else None."""
        if self.replay is None:
            return None
        from evalkit.workpapers import batch

        return batch.replay_files(self.replay, self.out, what)

    # ----------------------------------------------------------------- folders and inputs

    @property
    def out(self) -> Path:
        """``<out_dir>/<year>``: where this year's outputs go."""
        return self.dirs.year_out(self.year)

    @property
    def published(self) -> Path:
        """Where this year's outputs end up: ``<out_dir>/<year>``, or, when ``evalkit run`` points
        ``out_dir`` at its staging folder (``<out>/.staging-<year>-…``), the folder it promotes
        them to."""
        base = self.dirs.out
        if base.name.startswith(STAGING_PREFIX):
            base = base.parent
        return base / str(self.year)

    @property
    def params(self) -> dict[str, Any]:
        """The run parameters as the report's footer prints them."""
        return {"year": self.year, "data_dir": str(self.dirs.data),
                "processed_dir": str(self.dirs.processed)}

    @functools.cached_property
    def data(self) -> Any:
        """The year's tidy tables (:func:`evalkit.io.load_year`; no personal column)."""
        from evalkit.io import load_year

        return load_year(self.year, self.dirs.data, self.dirs.processed)

    @functools.cached_property
    def department(self) -> dict[str, Any]:
        """The year's department.yaml."""
        from evalkit import pipeline

        return pipeline.load_department(self.year, self.dirs.data, self.dirs.processed)

    @functools.cached_property
    def settings(self) -> Any:
        """The year's metric settings (department.yaml ``settings:``)."""
        from evalkit.metrics.settings import MetricSettings

        return MetricSettings.from_department(self.department)

    @functools.cached_property
    def flags(self) -> Any:
        """Every case of the register flagged as the metrics count it (``case_flags``)."""
        from evalkit.metrics.petitions import case_flags

        return case_flags(self.data.petitions, self.year, self.settings)

    @functools.cached_property
    def previous_year(self) -> int | None:
        """``year − 1`` when it exists and may be compared (sample and real data never mix)."""
        from evalkit import pipeline

        years = pipeline.comparable_years(self.year, self.department, self.dirs.data,
                                          self.settings, warn=False)
        return self.year - 1 if self.year - 1 in years else None

    @functools.cached_property
    def previous(self) -> dict[str, Any] | None:
        """Last year's metrics dict (with its score), or None (同比 then reads 无上年数据).

        Read from ``<out_dir>/<year−1>/metrics.json`` or from the copy kept in the parquet
        cache folder (``<processed_dir>/<year−1>/metrics.json``) when still fresh (same inputs,
        framework and code), else built once and kept there: the four notebooks of a year share
        one computation of the previous year.
        """
        from evalkit import pipeline

        if self.previous_year is None:
            return None
        year = self.previous_year
        cached = pipeline.read_fresh_metrics(year, self.dirs.data, self.published.parent)
        kept = self.dirs.processed / str(year) / pipeline.METRICS_FILE
        if cached is None:
            cached = _read_fresh(kept, year, self.dirs.data)
        if cached is None:
            cached = pipeline.build_year(year, self.dirs.data, self.dirs.processed,
                                         self.dirs.out, write=False)
            _keep(kept, cached)
        return cached

    def previous_note(self) -> str:
        """Which year the 同比 compares with, or why there is none."""
        from evalkit.workpapers.compare import NO_PREVIOUS as none

        if self.previous_year is not None:
            return f"{self.previous_year}年"
        if self.year - 1 in available_years(self.dirs.data):
            kind = "示例数据" if not self.metrics.get("is_sample") else "真实数据"
            return f"{none}（{self.year - 1}年为{kind}，不与本年比较）"
        return none

    def pending_fields(self) -> list[str]:
        """Keys of department.yaml whose value still says 待填写."""
        return sorted(k for k, v in self.department.items() if PENDING_MARK in str(v))

    # ----------------------------------------------------------------- tables

    def table(self, name: str) -> Any:
        """The working-paper table ``name`` (built once; see ``registry.TABLES``)."""
        from evalkit.workpapers.registry import TABLES

        if name not in self._tables:
            if name not in TABLES:
                raise KeyError(f"unknown workpaper table {name!r}; known: {', '.join(TABLES)}")
            self._tables[name] = TABLES[name].build(self)
        return self._tables[name]

    def tables(self) -> list[Any]:
        """Every table, in 底稿.xlsx order."""
        from evalkit.workpapers.registry import TABLES

        return [self.table(name) for name in TABLES]

    def show(self, name: str, rows: int | None = None) -> None:
        """Display a table in the notebook (first ``rows`` rows, with a note when cut)."""
        if self._replayed("show", name, rows):
            return
        from IPython.display import Markdown

        table = self.table(name)
        if not len(table):
            self.emit(Markdown(f"*{table.title.name}：本年度无记录 / no rows this year*"))
            return
        self.emit(table.styled(rows))
        if rows is not None and len(table) > rows:
            self.emit(Markdown(f"*共 {len(table)} 行，此处显示前 {rows} 行；完整清单见 底稿.xlsx 的"
                               f"「{table.sheet}」工作表 / first {rows} of {len(table)} rows*"))

    def charts(self, *names: str) -> None:
        """Display the year's saved charts (drawn only when their figures changed); a chart
        without data is a one-line note (as :func:`evalkit.charts.display_charts`)."""
        for name in names:
            if self._replayed("charts", name):
                continue
            from IPython.display import Image, Markdown

            from evalkit.charts import save_all_charts

            paths = save_all_charts(self.metrics, self.out / "charts", [name])
            self.emit(Image(filename=str(paths[name])) if name in paths else
                      Markdown(f"*{name}：本年度无数据，未绘制 / no data this year*"))

    def check(self, *sections: str) -> None:
        """Run the output sanity checks (:mod:`evalkit.checks`): raise when one fails, else
        say how many passed."""
        if self._replayed("check", *sections):
            return
        from IPython.display import Markdown

        from evalkit import checks

        result = checks.raise_if_failed(checks.check_outputs(self.metrics, list(sections) or None,
                                                             year=self.year))
        self.emit(Markdown(f"核对通过：{len(result)} 项全部一致 / all {len(result)} checks passed"))

    def build_report(self) -> dict[str, Path]:
        """The year's report files (:func:`evalkit.pipeline.build_report` with this session's
        metrics and parameters; the checks are :meth:`check`'s): report.html, report.docx,
        provenance.json and the charts folder. Under ``evalkit run`` they were written by the
        runner with the same call, and are returned when still there, unchanged."""
        files = self._replayed_files("report")
        if files is not None:
            return files
        from evalkit import pipeline

        return pipeline.build_report(self.year, self.dirs.data, self.dirs.processed, self.dirs.out,
                                     metrics=self.metrics, params=self.params, check=False)

    def write_workbook(self) -> Path:
        """Write ``<out_dir>/<year>/底稿.xlsx`` (every table, atomically); return its path."""
        files = self._replayed_files("workbook")
        if files is not None:
            return files["xlsx"]
        from evalkit.workpapers.xlsx import WORKBOOK_NAME, write_workbook

        return write_workbook(self.tables(), self.out / WORKBOOK_NAME, self.metrics)

    def report_preview(self, path: Path | str, height: int = 900) -> None:
        """Show a written HTML report inline (an iframe holding the file's own HTML)."""
        import html

        from IPython.display import HTML, display

        text = Path(path).read_text(encoding="utf-8")
        # wrapped in a div: IPython warns about a bare <iframe> (it suggests IFrame, which would
        # point at the file by path and break once the executed notebook is moved or converted)
        display(HTML(f'<div><iframe srcdoc="{html.escape(text, quote=True)}" style="width:100%;'
                     f'height:{int(height)}px;border:1px solid #ccc" sandbox=""></iframe></div>'))


def _read_fresh(path: Path, year: int, data_dir: Path) -> dict[str, Any] | None:
    """A metrics dict kept at ``path`` when it parses and still describes the inputs and code."""
    import json

    from evalkit import pipeline

    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return metrics if pipeline.is_fresh(metrics, year, data_dir) else None


def _keep(path: Path, metrics: dict[str, Any]) -> None:
    """Keep a computed metrics dict in the cache folder (atomic; a cache, so failures pass)."""
    from evalkit.fsutil import atomic_write_text
    from evalkit.metrics.core import metrics_json

    try:
        atomic_write_text(path, metrics_json(metrics))
    except OSError:
        pass


def open_year(year: int, data_dir: str | Path | None = "", processed_dir: str | Path | None = "",
              out_dir: str | Path | None = "", *, check: bool = True) -> Workpapers:
    """Start a notebook's working papers for ``year``.

    1. :func:`~evalkit.workpapers.params.check_parameters`: a papermill parameter the notebook
       does not declare stops here, before anything is read or written;
    2. the folders resolved against the project (blank = ``data/raw``, ``data/processed``,
       ``outputs``; relative = under the project root);
    3. the year's metrics: under ``evalkit run``, with everything the notebook shows, from the
       batch cache the runner wrote for this year when it is fresh (:mod:`evalkit.workpapers.
       batch`: no pandas in the kernel); otherwise ``pipeline.year_metrics``, and every table is
       computed on first use, as in JupyterLab.

    Raises:
        ParameterError: a misspelled or unknown parameter.
        InputError: the year's inputs have errors (located messages).
    """
    from evalkit.workpapers import batch

    if check:
        check_parameters()
    dirs = resolve_dirs(data_dir, processed_dir, out_dir)
    logging.getLogger("evalkit").setLevel(logging.WARNING)
    cached = batch.read_cache(int(year), dirs)
    if cached is not None:          # evalkit run rendered this year already: nothing to import
        return Workpapers(int(year), dirs, cached.metrics, replay=cached.calls)
    pandas_display_options()
    from evalkit import pipeline

    metrics = pipeline.year_metrics(int(year), dirs.data, dirs.processed, dirs.out)
    return Workpapers(int(year), dirs, metrics)


def pandas_display_options() -> None:
    """The kernel's pandas display options: two decimals half-up, long cells kept."""
    import pandas as pd

    from evalkit import numfmt

    pd.set_option("display.float_format", numfmt.fmt_fixed)
    pd.set_option("display.max_colwidth", 120)


def _display(*objs: Any) -> None:
    from IPython.display import display

    display(*objs)
