"""绩效运行监控 (mid-year performance monitoring, 双监控): where the year stands at a date, and
where it will land.

Public API (docs/monitoring.md)::

    build_monitor(year, as_of, data_dir, processed_dir) -> dict      # the monitor.json shape
    write_monitor(monitor, out_dir) -> {name: Path}                  # <out>/<year>/monitoring/<as-of>/
    run_monitor(year, as_of, data_dir, processed_dir, out_dir) -> (dict, {name: Path})
    backtest(years, data_dir, processed_dir) -> DataFrame            # projected vs real, by month

The cut-off (:mod:`evalkit.monitor.cutoff`) turns the year's frames into what was known on the
as-of date; the ordinary metric functions of :mod:`evalkit.metrics` then compute every figure.
"""

from evalkit.monitor.core import (CHART_FILE, MONITOR_FILE, PAGE_FILE, XLSX_FILE, build_monitor,
                                  compute_monitor, monitor_dir, run_monitor, write_monitor)
from evalkit.monitor.cutoff import (AsOfError, budget_as_of, parse_as_of, register_as_of,
                                    time_progress_pct)

__all__ = ["AsOfError", "CHART_FILE", "MONITOR_FILE", "PAGE_FILE", "XLSX_FILE", "budget_as_of",
           "build_monitor", "compute_monitor", "monitor_dir", "parse_as_of", "register_as_of",
           "run_monitor", "time_progress_pct", "write_monitor"]
