"""The runner's side of the batch cache (:mod:`evalkit.workpapers.batch`): render once, in the
runner's preparing thread, what the notebooks of a year show.

:func:`prepare_cache` opens the year's working papers as a notebook does (the year's fresh
``metrics.json`` and charts are in the staging folder), records every table
(``wp.show(name, rows)`` for ``rows`` in :data:`SHOWN_ROWS`), every check of :data:`CHECKS`
and every chart, makes the writing calls of :data:`WRITERS` that a notebook of the batch makes
(the report files, 底稿.xlsx, the year-end monitoring with its display tables) and writes the
cache. A call that raises is not recorded: the notebook makes it and shows the located error.
"""

from __future__ import annotations

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
#: What the runner also writes, when a notebook of the batch makes the call (name in its source).
WRITERS = {"report": "build_report", "workbook": "write_workbook", "monitor": "open_monitor"}
#: ``as_of`` of the monitoring the batch runs (blank: the year end, as notebook 05 in the batch).
BATCH_AS_OF = ""


def _record_tables(wp: "Workpapers", calls: dict[str, Any], recorder: batch.Recorder) -> None:
    from evalkit.charts import SPECS
    from evalkit.workpapers.registry import TABLES

    for name in TABLES:
        try:
            size = len(wp.table(name))
        except Exception:  # noqa: BLE001 - the notebook shows this table's error itself
            continue
        for rows in SHOWN_ROWS:
            if rows is None and size > MAX_ROWS:
                continue
            batch.record_call(calls, recorder, ("show", name, rows),
                              lambda name=name, rows=rows: wp.show(name, rows))
    for sections in CHECKS:
        batch.record_call(calls, recorder, ("check", *sections), lambda s=sections: wp.check(*s))
    for name in SPECS:
        batch.record_call(calls, recorder, ("charts", name), lambda n=name: wp.charts(n))


def _record_files(calls: dict[str, Any], what: str, base: Path,
                  write: Callable[[], Mapping[str, Path]]) -> None:
    try:
        files = write()
    except Exception:  # noqa: BLE001 - the notebook makes the call and shows the error itself
        return
    calls[batch.call_key("files", what)] = batch.file_records(base, files)


def prepare_cache(year: int, data_dir: Path | str, processed_dir: Path | str, out_dir: Path | str,
                  writers: Iterable[str] = tuple(WRITERS)) -> Path:
    """Render the year's notebook outputs into ``<out_dir>/<year>/.workpapers-cache.json``.

    ``out_dir`` holds the year's fresh ``metrics.json`` and charts (the runner's staging
    folder). ``writers``: which of :data:`WRITERS` to also run (the report files, 底稿.xlsx, the
    year-end monitoring), those a notebook of the batch calls.
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
    writers = set(writers)
    with batch.kernel_pandas_options():
        _record_tables(wp, calls, recorder)
        if "report" in writers:
            _record_files(calls, "report", base, wp.build_report)
        if "workbook" in writers:
            _record_files(calls, "workbook", base, lambda: {"xlsx": wp.write_workbook()})
        if "monitor" in writers:
            MonitorPapers(int(year), BATCH_AS_OF, dirs).record(calls, recorder)
    return atomic_write_text(batch.cache_path(dirs, year),
                             json.dumps({"key": key, "calls": calls}, ensure_ascii=False))


def writers_called(sources: Iterable[str]) -> list[str]:
    """Which of :data:`WRITERS` the notebook sources call."""
    text = "\n".join(sources)
    return [what for what, call in WRITERS.items() if call in text]
