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


def prepare_cache(year: int, data_dir: Path | str, processed_dir: Path | str, out_dir: Path | str,
                  sources: Iterable[str] | None = None) -> Path:
    """Render the year's notebook outputs into ``<out_dir>/<year>/.workpapers-cache.json``.

    ``out_dir`` holds the year's fresh ``metrics.json`` and charts (the runner's staging
    folder). ``sources``: the code cells of the notebooks that will run; the calls they make
    (:func:`notebook_calls`) are recorded, and the report files, 底稿.xlsx and the year-end
    monitoring written when one of them makes that call; None: everything (:func:`all_calls`).
    """
    from evalkit.workpapers.monitoring import MonitorPapers
    from evalkit.workpapers.params import resolve_dirs
    from evalkit.workpapers.session import Workpapers

    dirs = resolve_dirs(data_dir, processed_dir, out_dir)
    base = dirs.year_out(year)
    metrics_bytes = (base / batch.METRICS_FILE).read_bytes()
    metrics = json.loads(metrics_bytes)
    key = batch.cache_key(year, dirs, metrics_bytes, metrics)
    wp = Workpapers(int(year), dirs, metrics)
    recorder = batch.Recorder(base)
    wp.emit = recorder
    calls: dict[str, Any] = {}
    wanted = all_calls() if sources is None else notebook_calls(sources)
    with batch.kernel_pandas_options():
        _record_shows(wp, calls, recorder, wanted)
        if ("build_report",) in wanted:
            _record_files(calls, "report", base, wp.build_report)
        if ("write_workbook",) in wanted:
            _record_files(calls, "workbook", base, lambda: {"xlsx": wp.write_workbook()})
        if ("open_monitor",) in wanted:
            MonitorPapers(int(year), BATCH_AS_OF, dirs).record(calls, recorder)
    return atomic_write_text(batch.cache_path(dirs, year),
                             json.dumps({"key": key, "calls": calls}, ensure_ascii=False))

