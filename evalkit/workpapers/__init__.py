"""The analyst's working papers (底稿): drill-down behind every figure, 同比, and 底稿.xlsx.

The notebooks stay thin: they call these functions and show what they return.

* :func:`open_year` — the first call of every notebook: refuses a misspelled papermill parameter
  (before anything is read or written), resolves the folders against the project, loads the
  year's metrics; returns a :class:`Workpapers` whose ``show(name)`` displays a table,
  ``charts(...)`` the saved charts, ``write_workbook()`` writes ``<out>/<year>/底稿.xlsx``.
* :mod:`~evalkit.workpapers.drilldown` — the de-identified cases behind each petition rate's
  shortfall (exactly the metric's definition), every rate by 镇街 and by 责任单位, the budget
  lines furthest behind 序时进度.
* :mod:`~evalkit.workpapers.compare` — the 同比 table of every figure and indicator score, with
  the changes beyond the thresholds of the metric settings flagged.
* :mod:`~evalkit.workpapers.registry` — every table by name, in 底稿.xlsx order.
* :func:`open_monitor` — notebook 05's monitoring as of a date (:mod:`~evalkit.workpapers.
  monitoring`).
* :mod:`~evalkit.workpapers.batch` — under ``evalkit run``, what the notebooks show is rendered
  once by the runner and replayed in the kernels (no pandas there); computed otherwise.
"""

from __future__ import annotations

from evalkit.workpapers.params import (Dirs, ParameterError, check_parameters, resolve_dir,
                                       resolve_dirs)
from evalkit.workpapers.monitoring import MonitorPapers, open_monitor
from evalkit.workpapers.session import Workpapers, open_year

__all__ = ["Dirs", "MonitorPapers", "ParameterError", "Workpapers", "check_parameters",
           "open_monitor", "open_year", "resolve_dir", "resolve_dirs"]
