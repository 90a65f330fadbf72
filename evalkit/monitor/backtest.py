"""Back-test of the forecast: as of every month end of a complete year, what the monitor projected
against what the year really gave (the year's own metrics).

Only what the monitor would have known is used: the year's frames are cut back to each month end
(:mod:`evalkit.monitor.cutoff`), and the profile comes from the years before it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from evalkit.config import DATA_PROCESSED, DATA_RAW
from evalkit.monitor import forecast as fc

RATES = ("online_share_pct", "first_time_resolution_rate_pct", "satisfaction_rate_pct",
         "on_time_completion_rate_pct")


def _error(projected: Any, real: Any) -> float | None:
    if projected is None or real is None:
        return None
    return float(Decimal(str(projected)) - Decimal(str(real)))


def _month_rows(data: Any, earlier: list[Any], settings: Any) -> list[dict[str, Any]]:
    from evalkit.metrics import budget_totals, petition_metrics
    from evalkit.monitor.budget import budget_section, year_curve
    from evalkit.monitor.petitions import petition_section, projection

    keep = earlier[:settings.monitor_profile_years]
    curves = [c for c in (year_curve(e.year, e.budget) for e in keep) if c is not None]
    real = budget_totals(data.budget)["execution_rate_pct"]
    real_pet = petition_metrics(data.petitions, data.year, settings)
    rows = []
    for month in range(1, 13):
        as_of = dt.date(data.year, month, calendar.monthrange(data.year, month)[1])
        budget, _ = budget_section(data.budget, as_of, settings, curves)
        pet = petition_section(data.petitions, data.year, as_of, settings,
                               [(e.year, e.petitions) for e in keep])
        row = {"year": data.year, "month": month, "real_pct": float(real),
               "primary": budget["projection"]["method"],
               "projected_pct": budget["projected_execution_rate_pct"]}
        row["error_pp"] = _error(row["projected_pct"], real)
        methods = {m["method"]: m["projected_execution_rate_pct"]
                   for m in budget["projection"]["methods"]}
        for key in fc.METHODS:
            row[f"{key}_error_pp"] = _error(methods.get(key), real)
        for rate in RATES:
            record = projection(pet, rate)
            row[f"{rate}_error_pp"] = _error(record["projected_pct"], real_pet[rate])
            row[f"{rate}_adjusted_error_pp"] = _error(record["adjusted_pct"], real_pet[rate])
        rows.append(row)
    return rows


def backtest(years: Iterable[int], data_dir: Path | str = DATA_RAW,
             processed_dir: Path | str = DATA_PROCESSED) -> pd.DataFrame:
    """One row per year and month end: real and projected year-end execution rate, the error of
    the primary method and of every method (projected − real, points), and the error of the
    projected petition rates of :data:`RATES`.

    Raises:
        InputError: when a year's input has errors.
    """
    from evalkit.io import load_year
    from evalkit.metrics import MetricSettings
    from evalkit.monitor.core import earlier_years

    rows: list[dict[str, Any]] = []
    for year in years:
        data = load_year(int(year), Path(data_dir), Path(processed_dir))
        settings = MetricSettings.from_department(data.department)
        earlier = earlier_years(int(year), Path(data_dir), Path(processed_dir),
                           settings.monitor_profile_years)
        rows += _month_rows(data, earlier, settings)
    return pd.DataFrame(rows)


def _cell(value: Any) -> str:
    from evalkit.numfmt import fmt_fixed

    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{'+' if value > 0 else ''}{fmt_fixed(value)}"


def markdown_table(table: pd.DataFrame) -> str:
    """The back-test as a Markdown table (errors in points, projected − real)."""
    from evalkit.monitor.view import rate_label

    head = ["年度", "截至", "实际执行率", "预测（采用方法）", "误差", *[fc.LABELS[k] for k in fc.METHODS],
            *[rate_label(rate) for rate in RATES]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table.to_dict("records"):
        projected = "—" if r["projected_pct"] is None else f"{r['projected_pct']:.2f}%"
        cells = [str(r["year"]), f"{r['month']}月底", f"{r['real_pct']:.2f}%",
                 f"{projected}（{fc.LABELS.get(r['primary'], '—')}）", _cell(r["error_pp"]),
                 *[_cell(r[f"{k}_error_pp"]) for k in fc.METHODS],
                 *[_cell(r[f"{rate}_error_pp"]) for rate in RATES]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
