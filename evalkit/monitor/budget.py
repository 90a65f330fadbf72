"""The ``budget`` section of ``monitor.json``: spending to date against 序时进度, and the forecast.

Every figure to date comes from the ordinary budget metrics (:mod:`evalkit.metrics.budget`) run
on the budget frame cut back to the as-of month (:func:`evalkit.monitor.cutoff.budget_as_of`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Sequence

import numpy as np
import pandas as pd

from evalkit.metrics import (MetricSettings, budget_by_type, budget_lines, budget_totals,
                             monthly_progress, progress_checkpoints)
from evalkit.metrics.budget import records
from evalkit.monitor import forecast as fc
from evalkit.monitor.cutoff import (MonthColumns, budget_as_of, cumulative_fen, month_columns,
                                    time_progress_pct)
from evalkit.numfmt import FEN_PER_WAN, as_json_number, fen_to_wan, ratio_pct, round_half_up
from evalkit.schema import EXPENSE_TYPES

NO_MONTHLY = ("预算执行表没有月度支出数据：已支出数取“实际支出数”，请确认其为截至日期的累计支出 / "
              "no monthly columns: 实际支出数 is taken as the spending to date")


def _num(value: Any) -> float | int | None:
    return as_json_number(value)


def _gap(progress: Any, time_pct: Decimal) -> float | None:
    """Printed progress − printed 序时进度 (so the figures on the page add up)."""
    if progress is None or (isinstance(progress, float) and np.isnan(progress)):
        return None
    return _num(round_half_up(progress) - time_pct)


def _fen(df: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.rint(np.nan_to_num(values, nan=0.0) * FEN_PER_WAN).astype("int64")


def year_curve(year: int, df: pd.DataFrame) -> fc.YearCurve | None:
    """An earlier year's profile, or None unless all twelve month columns hold figures."""
    if month_columns(df, 12).blank:
        return None
    return fc.YearCurve(int(year), int(_fen(df, "budget_wan").sum()), tuple(cumulative_fen(df)))


def _notes(months: MonthColumns) -> list[str]:
    notes = []
    if months.blank:
        names = "、".join(f"{m}月" for m in months.blank)
        notes.append(f"{names}支出列为空，视为尚未填报（未计入已支出数）/ month column(s) "
                     f"{', '.join(map(str, months.blank))} blank: not yet reported")
    if months.later:
        notes.append(f"{months.later[0]}–{months.later[-1]}月已有支出数据，在截至日期之后，未计入"
                     " / months after the as-of date are left out")
    return notes


def _rows_with_gap(frame: pd.DataFrame, time_pct: Decimal) -> list[dict[str, Any]]:
    out = []
    for row in records(frame):
        row["spent_to_date_wan"] = row.pop("actual_wan")
        row["progress_pct"] = row.pop("execution_rate_pct")
        row["time_progress_pct"] = _num(time_pct)
        row["gap_pp"] = _gap(row["progress_pct"], time_pct)
        out.append(row)
    return out


def _projection_fields(rows: list[dict[str, Any]], fen: Sequence[int]) -> None:
    for row, value in zip(rows, fen):
        row["projected_spending_wan"] = _num(fen_to_wan(value))
        budget = int(round(Decimal(str(row["budget_wan"] or 0)) * FEN_PER_WAN))
        row["projected_execution_rate_pct"] = _num(ratio_pct(value, budget))


def _type_fen(types: Sequence[str], values: Sequence[int], order: Sequence[str]) -> list[int]:
    return [sum(v for t, v in zip(types, values) if t == name) for name in order]


def _projected_path(line_fc: fc.LineForecast, budget_fen: int) -> list[dict[str, Any]]:
    """Projected department spending and progress at the end of each month d..12."""
    return [{"month": month, "cumulative_wan": _num(fen_to_wan(sum(values))),
             "progress_pct": _num(ratio_pct(sum(values), budget_fen))}
            for month, values in sorted(line_fc.by_month.items())]


def _method_record(line_fc: fc.LineForecast, budget_fen: int) -> dict[str, Any]:
    total = line_fc.total()
    return {"method": line_fc.method.key, "label": line_fc.method.label,
            "basis": line_fc.method.basis,
            "projected_spending_wan": _num(fen_to_wan(total)),
            "projected_execution_rate_pct": _num(ratio_pct(total, budget_fen)),
            "capped": line_fc.capped, "path": _projected_path(line_fc, budget_fen)}


def _forecast(section: dict[str, Any], cut: pd.DataFrame, d: int,
              curves: Sequence[fc.YearCurve], settings: MetricSettings) -> dict[str, fc.LineForecast]:
    """Add the projection fields to ``section`` (and its lines / types); return the forecasts.

    ``d``: the month the spending to date (``cut.actual_wan``) runs up to."""
    spent = [int(v) for v in _fen(cut, "actual_wan")]
    budget = [int(v) for v in _fen(cut, "budget_wan")]
    budget_total = sum(budget)
    methods = fc.available_methods(d, curves)
    forecasts = {key: fc.project_lines(m, spent, budget) for key, m in methods.items()}
    key = fc.choose(methods, settings.monitor_projection)
    rates = [_num(ratio_pct(f.total(), budget_total)) for f in forecasts.values()]
    rates = [r for r in rates if r is not None]
    section["projection"] = {
        "method": key, "label": fc.LABELS.get(key or "", "无法预测"),
        "basis": methods[key].basis if key else "尚无月度支出数据，无法预测",
        "setting": settings.monitor_projection, "data_through_month": d,
        "profile_years": [c.year for c in curves],
        "methods": [_method_record(f, budget_total) for f in forecasts.values()],
        "band_low_pct": min(rates, default=None), "band_high_pct": max(rates, default=None),
        "path": _projected_path(forecasts[key], budget_total) if key else [],
    }
    if key is None:
        section["projected_spending_wan"] = section["projected_execution_rate_pct"] = None
        return forecasts
    primary = forecasts[key].by_month[12]
    section["projected_spending_wan"] = _num(fen_to_wan(sum(primary)))
    section["projected_execution_rate_pct"] = _num(ratio_pct(sum(primary), budget_total))
    _projection_fields(section["lines"], primary)
    types = [str(t) if pd.notna(t) else "未填写" for t in cut["expense_type"].astype("object")]
    order = [row["expense_type"] for row in section["by_type"]]
    _projection_fields(section["by_type"], _type_fen(types, primary, order))
    return forecasts


def _checkpoints(progress: pd.DataFrame, section: dict[str, Any],
                 settings: MetricSettings) -> list[dict[str, Any]]:
    """Checkpoints up to the last reported month (actual) and after it (projected on the
    primary method's path; none without a forecast)."""
    month = section["projection"]["data_through_month"]
    passed = records(progress_checkpoints(progress[progress["month"] <= month],
                                          settings.checkpoints))
    for row in passed:
        row["status"] = "actual"
    path = pd.DataFrame(section["projection"]["path"] or [], columns=["month", "progress_pct"])
    ahead = path[path["month"] > month]
    future = records(progress_checkpoints(ahead, settings.checkpoints))
    for row in future:
        row["status"] = "projected"
    return passed + future


def budget_section(df: pd.DataFrame, as_of: dt.date, settings: MetricSettings,
                   curves: Sequence[fc.YearCurve] = ()) -> tuple[dict[str, Any], list[str]]:
    """The ``budget`` section as of ``as_of`` and the notes it gives rise to.

    Args:
        df: the year's tidy budget frame (complete or partial).
        as_of: the as-of date (its month is the last month counted).
        settings: metric settings (序时进度 mode, projection method, checkpoints).
        curves: earlier years' profiles (:func:`year_curve`), most recent first.

    Returns:
        ``(section, notes)``; notes are bilingual sentences (blank month columns, …).
    """
    months = month_columns(df, as_of.month)
    no_monthly = not months.reported and not months.later
    cut = df.copy() if no_monthly else budget_as_of(df, as_of.month)
    totals = budget_totals(cut)
    time_pct = time_progress_pct(as_of, settings.monitor_time_progress)
    section: dict[str, Any] = {
        "total_budget_wan": _num(totals["total_budget_wan"]),
        "spent_to_date_wan": _num(totals["total_actual_wan"]),
        "progress_pct": _num(totals["execution_rate_pct"]),
        "time_progress_pct": _num(time_pct),
        "time_progress_mode": settings.monitor_time_progress,
        "gap_pp": _gap(totals["execution_rate_pct"], time_pct),
        "unspent_wan": _num(totals["unspent_wan"]),
        "as_of_month": as_of.month,
        "reported_months": list(months.reported),
        "unreported_months": list(months.blank),
        "by_type": _rows_with_gap(budget_by_type(cut), time_pct),
        "lines": _rows_with_gap(budget_lines(cut), time_pct),
    }
    progress = monthly_progress(cut)
    section["progress"] = records(progress)
    if no_monthly:     # a file without month columns: 实际支出数 is the spending to date
        section["unreported_months"] = []
        _forecast(section, cut, as_of.month, curves, settings)
        return {**section, "checkpoints": []}, [NO_MONTHLY]
    _forecast(section, cut, months.data_month, curves, settings)
    section["checkpoints"] = _checkpoints(progress, section, settings)
    return section, _notes(months)


def basic_and_project(section: dict[str, Any]) -> dict[str, Any]:
    """``{basic,project}_{budget,spent_to_date}_wan`` and progress from ``by_type``."""
    out: dict[str, Any] = {}
    by_type = {row["expense_type"]: row for row in section["by_type"]}
    for prefix, name in zip(("basic", "project"), EXPENSE_TYPES):
        row = by_type.get(name, {})
        out[f"{prefix}_budget_wan"] = row.get("budget_wan")
        out[f"{prefix}_spent_to_date_wan"] = row.get("spent_to_date_wan")
        out[f"{prefix}_progress_pct"] = row.get("progress_pct")
    return out
