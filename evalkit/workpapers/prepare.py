"""The runner's side of the batch cache (:mod:`evalkit.workpapers.batch`): render once, in the
runner's preparing thread, what the notebooks of a year show.

:func:`prepare_cache` opens the year's working papers as a notebook does (the year's fresh
``metrics.json`` and charts are in the staging folder), records every table
call the notebooks make with literal arguments (``wp.show("lines")``, ``wp.check("budget")``,
``wp.charts("budget_lines")``: :func:`notebook_calls`), makes the writing calls of
:data:`WRITERS` that a notebook of the batch makes (the report files, 底稿.xlsx, the year-end
monitoring with its display tables) and writes the cache. A call that raises is not recorded: the notebook makes it and shows the located error.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from evalkit.fsutil import atomic_write_text
from evalkit.workpapers import batch

if TYPE_CHECKING:
    from evalkit.workpapers.session import Workpapers

#: ``rows`` of every ``wp.show(name, rows)`` recorded (the notebooks show whole tables and the
#: first 10 or 20 cases of a list); a whole table is recorded up to :data:`MAX_ROWS` rows.
SHOWN_ROWS: tuple[int | None, ...] = (None, 10, 20)
MAX_ROWS = 500
#: ``wp.check(*sections)`` calls recorded.
CHECKS: tuple[tuple[str, ...], ...] = ((), ("budget",), ("petitions",), ("score",))
#: The writing calls the runner also makes when a notebook of the batch makes them: the report
#: files, 底稿.xlsx, the year-end monitoring (with its display tables).
WRITERS = {"report": "build_report", "workbook": "write_workbook", "monitor": "open_monitor"}
#: ``as_of`` of the monitoring the batch runs (blank: the year end, as notebook 05 in the batch).
BATCH_AS_OF = ""


def notebook_calls(sources: Iterable[str]) -> list[tuple[Any, ...]]:
    """The calls of the notebooks' code cells that the cache can answer, with literal arguments:
    ``("show", name, rows)``, ``("check", *sections)``, ``("charts", name)`` (one per chart),
    ``("build_report",)``, ``("write_workbook",)``, ``("open_monitor",)``; in order, once each.

    >>> notebook_calls(['wp.show("lines")\\nwp.show("cases_x", rows=20)\\nwp.charts("a", "b")',
    ...                 'wp.check()\\nwritten = wp.build_report()\\nx.show(name)'])
    [('show', 'lines', None), ('show', 'cases_x', 20), ('charts', 'a'), ('charts', 'b'), ('check',), ('build_report',)]
    """
    found: dict[tuple[Any, ...], None] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for call in _literal_calls(node):
                    found.setdefault(call, None)
    return list(found)


def _literal_calls(node: ast.Call) -> list[tuple[Any, ...]]:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name in WRITERS.values():
        return [(name,)]
    if name not in ("show", "check", "charts"):
        return []
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    except ValueError:
        return []                       # not literal: the notebook computes it
    if name == "charts" and not kwargs:
        return [("charts", a) for a in args]
    if name == "check" and not kwargs:
        return [("check", *args)]
    if name == "show" and len(args) == 1 and set(kwargs) <= {"rows"}:
        return [("show", args[0], kwargs.get("rows"))]
    if name == "show" and len(args) == 2 and not kwargs:
        return [("show", *args)]
    return []


def all_calls() -> list[tuple[Any, ...]]:
    """Every call the cache can answer (tables with :data:`SHOWN_ROWS`, :data:`CHECKS`, every
    chart, every writer): what is recorded when the notebooks are not known."""
    from evalkit.charts import SPECS
    from evalkit.workpapers.registry import TABLES

    return [*[("show", name, rows) for name in TABLES for rows in SHOWN_ROWS],
            *[("check", *sections) for sections in CHECKS],
            *[("charts", name) for name in SPECS], *[(w,) for w in WRITERS.values()]]


def _record_shows(wp: "Workpapers", calls: dict[str, Any], recorder: batch.Recorder,
                  wanted: list[tuple[Any, ...]]) -> None:
    """Record the display calls of ``wanted`` (a table longer than :data:`MAX_ROWS` shown whole
    is left to the notebook)."""
    from evalkit.workpapers.registry import TABLES

    for call in wanted:
        kind, args = call[0], call[1:]
        if kind == "show":
            if args[0] not in TABLES:
                continue
            try:
                size = len(wp.table(args[0]))
            except Exception:  # noqa: BLE001 - the notebook shows this table's error itself
                continue
            if args[1] is None and size > MAX_ROWS:
                continue
        if kind in ("show", "check", "charts"):
            batch.record_call(calls, recorder, call, lambda c=call: getattr(wp, c[0])(*c[1:]))


def _record_files(calls: dict[str, Any], what: str, base: Path,
                  write: Callable[[], Mapping[str, Path]]) -> None:
    try:
        files = write()
    except Exception:  # noqa: BLE001 - the notebook makes the call and shows the error itself
        return
    calls[batch.call_key("files", what)] = batch.file_records(base, files)


class Preparation:
    """The batch cache of one year, in two steps (see :func:`prepare_cache`).

    :meth:`shows` records the display calls (tables, checks, charts) and writes the cache: the
    notebooks that only show can run from then on. :meth:`writers` then makes the writing calls
    the notebooks make (report files, 底稿.xlsx, the year-end monitoring), records them and
    rewrites the cache; ``evalkit run`` makes it while the first notebooks of the year run.
    """

    def __init__(self, year: int, data_dir: Path | str, processed_dir: Path | str,
                 out_dir: Path | str, sources: Iterable[str] | None = None):
        from evalkit.workpapers.params import resolve_dirs
        from evalkit.workpapers.session import Workpapers

        self.year = int(year)
        self.dirs = resolve_dirs(data_dir, processed_dir, out_dir)
        self.base = self.dirs.year_out(self.year)
        metrics_bytes = (self.base / batch.METRICS_FILE).read_bytes()
        metrics = json.loads(metrics_bytes)
        self.key = batch.cache_key(self.year, self.dirs, metrics_bytes, metrics)
        self.wp = Workpapers(self.year, self.dirs, metrics)
        self.recorder = batch.Recorder(self.base)
        self.wp.emit = self.recorder
        self.calls: dict[str, Any] = {}
        self.wanted = all_calls() if sources is None else notebook_calls(sources)

    @property
    def has_writers(self) -> bool:
        """Whether a notebook makes one of the writing calls of :data:`WRITERS`."""
        return any((call,) in self.wanted for call in WRITERS.values())

    def _write(self) -> Path:
        return atomic_write_text(batch.cache_path(self.dirs, self.year),
                                 json.dumps({"key": self.key, "calls": self.calls},
                                            ensure_ascii=False))

    def shows(self) -> Path:
        """Record the display calls; write the cache."""
        with batch.kernel_pandas_options():
            _record_shows(self.wp, self.calls, self.recorder, self.wanted)
        return self._write()

    def writers(self) -> Path:
        """Make and record the writing calls; rewrite the cache."""
        from evalkit.workpapers.monitoring import MonitorPapers

        wp, base = self.wp, self.base
        with batch.kernel_pandas_options():
            if ("build_report",) in self.wanted:
                _record_files(self.calls, "report", base, wp.build_report)
            if ("write_workbook",) in self.wanted:
                _record_files(self.calls, "workbook", base, lambda: {"xlsx": wp.write_workbook()})
            if ("open_monitor",) in self.wanted:
                MonitorPapers(self.year, BATCH_AS_OF, self.dirs).record(self.calls, self.recorder)
        return self._write()


def prepare_cache(year: int, data_dir: Path | str, processed_dir: Path | str, out_dir: Path | str,
                  sources: Iterable[str] | None = None) -> Path:
    """Render the year's notebook outputs into ``<out_dir>/<year>/.workpapers-cache.json``.

    ``out_dir`` holds the year's fresh ``metrics.json`` and charts (the runner's staging
    folder). ``sources``: the code cells of the notebooks that will run; the calls they make
    (:func:`notebook_calls`) are recorded, and the report files, 底稿.xlsx and the year-end
    monitoring written when one of them makes that call; None: everything (:func:`all_calls`).
    """
    preparation = Preparation(year, data_dir, processed_dir, out_dir, sources)
    preparation.shows()
    return preparation.writers() if preparation.has_writers else preparation._write()
