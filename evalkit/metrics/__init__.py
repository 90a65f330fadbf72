"""Budget and petition metrics, 同比, peer ranking and ``metrics.json`` (definitions: docs/metrics.md).

Main entry points::

    compute_metrics(data, previous=None, history=None) -> dict     # the metrics.json shape
    write_metrics_json(metrics, out_dir) -> Path                   # outputs/<year>/metrics.json

Frame-level functions for notebooks and charts:

* budget: :func:`budget_totals`, :func:`budget_summary`, :func:`budget_by_type`,
  :func:`budget_lines`, :func:`monthly_progress`, :func:`progress_checkpoints`,
  :func:`months_behind`, :func:`budget_metrics`;
* petitions: :func:`case_flags`, :func:`petition_counts`, :func:`petition_rates`,
  :func:`add_rates`, :func:`petition_metrics`;
* 同比 and peers: :func:`yoy_table`, :func:`peer_ranking`.
"""

from evalkit.metrics.budget import (budget_by_type, budget_lines, budget_metrics, budget_summary,
                                    budget_totals, linear_pct, monthly_progress, months_behind,
                                    progress_checkpoints)
from evalkit.metrics.core import (YearLike, compute_metrics, metrics_json, write_metrics_json,
                                  year_sections)
from evalkit.metrics.petitions import (COUNTS, RATES, add_rates, case_flags, check_extensions,
                                       infer_year, period_end, period_of, petition_counts,
                                       petition_metrics, petition_rates)
from evalkit.metrics.settings import MetricSettings
from evalkit.metrics.yoy import HEADLINES, kind_of, peer_ranking, yoy_change, yoy_table

__all__ = [
    "COUNTS", "HEADLINES", "MetricSettings", "RATES", "YearLike", "add_rates", "budget_by_type",
    "budget_lines", "budget_metrics", "budget_summary", "budget_totals", "case_flags",
    "check_extensions", "compute_metrics", "infer_year", "kind_of", "linear_pct", "metrics_json",
    "monthly_progress", "months_behind", "peer_ranking", "period_end", "period_of",
    "petition_counts", "petition_metrics", "petition_rates", "progress_checkpoints",
    "write_metrics_json", "year_sections", "yoy_change", "yoy_table",
]
