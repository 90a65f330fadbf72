"""Notebook 05's session: the monitoring (双监控) of a year as of a date, computed or replayed.

``mon = workpapers.open_monitor(year, as_of, data_dir, processed_dir, out_dir)`` checks the
papermill parameters and resolves the folders as ``open_year`` does. Its display calls show what
``evalkit.monitor.run_monitor`` computed and wrote (monitor.json, 监控表.xlsx, monitor.html, the
progress chart under ``<out_dir>/<year>/monitoring/<as-of>/``): ``mon.written()``,
``mon.show("概要")`` (any heading of :func:`evalkit.monitor.tables.tables`), ``mon.chart()``,
``mon.notes()``.

Under ``evalkit run`` the runner made exactly these calls for the year end when it prepared the
year (:mod:`evalkit.workpapers.batch`); when the cache is fresh and the written files are there
unchanged, the kernel shows the recorded outputs and computes nothing. Otherwise (another
``as_of``, a run by hand) the first call runs the monitor, as the notebook always did.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Any, Callable

from evalkit.workpapers.params import Dirs, check_parameters, resolve_dirs


def _display(*objs: Any) -> None:
    from IPython.display import display

    display(*objs)


_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


def _as_shown(obj: Any) -> Any:
    """A DataFrame as the working papers print tables (:class:`~evalkit.workpapers.tables.Shown`:
    text columns left-aligned, rows numbered from 1); anything else unchanged."""
    import pandas as pd

    if not isinstance(obj, pd.DataFrame):
        return obj
    from evalkit.workpapers.tables import Shown

    frame = obj
    if isinstance(frame.index, pd.RangeIndex):
        frame = frame.set_axis(pd.RangeIndex(1, len(frame) + 1), axis=0)
    text = [j for j, col in enumerate(frame.columns)
            if not frame[col].dropna().astype(str).str.match(_NUMBER).all()]
    return Shown(frame, text)


class MonitorPapers:
    """The monitoring of one year as of one date (see the module docstring)."""

    def __init__(self, year: int, as_of: str, dirs: Dirs, replay: dict[str, Any] | None = None):
        self.year, self.as_of, self.dirs = int(year), str(as_of or ""), dirs
        self.replay = replay
        self.emit: Callable[..., None] = _display

    # ----------------------------------------------------------------- computed on first use

    @functools.cached_property
    def _run(self) -> tuple[dict[str, Any], dict[str, Path]]:
        from evalkit import monitor

        return monitor.run_monitor(self.year, self.as_of, self.dirs.data, self.dirs.processed,
                                   self.dirs.out)

    @property
    def result(self) -> dict[str, Any]:
        """The monitoring dict (monitor.json)."""
        files = self.files()
        if files is not None and "monitor.json" in files:
            import json

            return json.loads(files["monitor.json"].read_text(encoding="utf-8"))
        return self._run[0]

    @property
    def paths(self) -> dict[str, Path]:
        """The written files by name."""
        files = self.files()
        return files if files is not None else self._run[1]

    def files(self) -> dict[str, Path] | None:
        """The files the batch wrote for this monitoring, when all are there unchanged."""
        if self.replay is None:
            return None
        from evalkit.workpapers import batch

        return batch.replay_files(self.replay, self.dirs.year_out(self.year),
                                  f"monitor:{self.as_of}")

    @functools.cached_property
    def _tables(self) -> dict[str, Any]:
        from evalkit.monitor import tables

        return tables.tables(self.result)

    def _replayed(self, *call: Any) -> bool:
        if self.replay is None:
            return False
        from evalkit.workpapers import batch

        return batch.replay_call(self.replay, self.dirs.year_out(self.year),
                                 ("monitor", self.as_of, *call))

    # ----------------------------------------------------------------- what the notebook shows

    def written(self) -> None:
        """The files written (已写出)."""
        if self._replayed("written"):
            return
        import pandas as pd

        self.emit(_as_shown(pd.Series({name: path.name for name, path in self.paths.items()},
                                      name="已写出").to_frame()))

    def headings(self) -> list[str]:
        """The headings of the display tables (概要, 预警, …)."""
        return list(self._tables)

    def show(self, heading: str) -> None:
        """One display table by its Chinese heading."""
        if self._replayed("show", heading):
            return
        self.emit(_as_shown(self._tables[heading]))

    def chart(self) -> None:
        """The progress chart (支出进度与序时进度)."""
        if self._replayed("chart"):
            return
        from IPython.display import Image

        from evalkit.monitor import CHART_FILE

        self.emit(Image(filename=str(self.paths[CHART_FILE])))

    def notes(self) -> None:
        """说明 (无 when there is none)."""
        if self._replayed("notes"):
            return
        import pandas as pd

        self.emit(_as_shown(pd.Series(self.result["notes"] or ["无"], name="说明",
                                      dtype="object").to_frame()))

    # ----------------------------------------------------------------- the batch's side

    def record(self, calls: dict[str, Any], recorder: Any) -> None:
        """Run the monitor and record every display call and the written files into ``calls``
        (:func:`evalkit.workpapers.batch.prepare_cache`); nothing when the monitor fails (the
        notebook then runs it and shows the located error itself)."""
        from evalkit.workpapers import batch

        try:
            paths = self._run[1]
        except Exception:  # noqa: BLE001 - see the docstring
            return
        self.emit = recorder
        shows: list[tuple[tuple[Any, ...], Callable[[], None]]] = [
            (("written",), self.written), (("chart",), self.chart), (("notes",), self.notes)]
        shows += [(("show", h), lambda h=h: self.show(h)) for h in self.headings()]
        for call, show in shows:
            batch.record_call(calls, recorder, ("monitor", self.as_of, *call), show)
        calls[batch.call_key("files", f"monitor:{self.as_of}")] = batch.file_records(
            self.dirs.year_out(self.year), paths)


def open_monitor(year: int, as_of: str | None = "", data_dir: str | Path | None = "",
                 processed_dir: str | Path | None = "", out_dir: str | Path | None = "", *,
                 check: bool = True) -> MonitorPapers:
    """Start notebook 05's monitoring of ``year`` as of ``as_of`` (blank: 12月31日).

    A papermill parameter the notebook does not declare stops here, before anything is read or
    written (:func:`~evalkit.workpapers.params.check_parameters`); the folders are resolved
    against the project. Nothing is computed yet: the first display call runs the monitor
    (or shows what ``evalkit run`` rendered for it).
    """
    from evalkit.workpapers import batch
    from evalkit.workpapers.session import pandas_display_options

    if check:
        check_parameters()
    dirs = resolve_dirs(data_dir, processed_dir, out_dir)
    logging.getLogger("evalkit").setLevel(logging.WARNING)
    cached = batch.read_cache(int(year), dirs)
    mon = MonitorPapers(int(year), str(as_of or ""), dirs, cached.calls if cached else None)
    if mon.files() is None:          # nothing usable recorded for this as_of: compute
        mon.replay = None
        pandas_display_options()
    return mon
