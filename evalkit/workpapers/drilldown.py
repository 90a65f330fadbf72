"""Drill-down behind the rates: which cases, which 镇街 and 责任单位, which budget lines.

Every case list is selected with the metric's own flags (:func:`evalkit.metrics.petitions.
case_flags`), so a list is exactly the cases a rate misses: for a rate where higher is better the
cases in its denominator but not in its numerator (``denominator − numerator`` rows); for the
重复信访率 (lower is better) the repeat cases themselves (``numerator`` rows).

The lists are de-identified: they are built from the tidy register (the loader has already
dropped every personal column) and keep only the whitelisted columns of :data:`CASE_COLUMNS`
(never ``petitioner_key``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from evalkit import catalogue
from evalkit.metrics import petitions as pm
from evalkit.metrics.budget import _fen, linear_pct, monthly_months
from evalkit.metrics.settings import MetricSettings
from evalkit.numfmt import as_json_number, fen_to_wan, ratio_pct
from evalkit.schema import MONTH_KEYS, REPEAT_FLAGS

#: Columns of a case list, in order (catalogue ``workpapers.cases``). Nothing personal.
CASE_COLUMNS: tuple[str, ...] = tuple(catalogue.fields("workpapers.cases"))

#: Columns of the rates by 镇街 / 责任单位 after the group column (catalogue ``workpapers.group_rates``).
GROUP_VALUES: tuple[str, ...] = tuple(k for k in catalogue.fields("workpapers.group_rates")
                                      if k not in ("township", "responsible_unit"))

#: Columns of the budget lines behind schedule (catalogue ``workpapers.lines_behind``).
LINE_COLUMNS: tuple[str, ...] = tuple(catalogue.fields("workpapers.lines_behind"))

#: The case-list columns shown for each rate (in the notebook and in 底稿.xlsx).
COMMON_SHOWN = ("case_id", "registered_on", "channel", "purpose", "township", "responsible_unit")
SHOWN_FOR_RATE: dict[str, tuple[str, ...]] = {
    "online_share_pct": (),
    "first_time_resolution_rate_pct": ("closed_on", "handle_days", "resolved_first_time"),
    "satisfaction_rate_pct": ("closed_on", "handle_days", "satisfaction"),
    "participation_rate_pct": ("closed_on", "satisfaction"),
    "timely_acceptance_rate_pct": ("accepted_on", "accept_days"),
    "on_time_completion_rate_pct": ("accepted_on", "closed_on", "deadline", "handle_days",
                                    "overdue_days"),
    "repeat_rate_pct": ("closed_on", "satisfaction"),
}


def shown_columns(rate: str) -> tuple[str, ...]:
    """The case-list columns a notebook shows for ``rate``, in :data:`CASE_COLUMNS` order."""
    wanted = set(COMMON_SHOWN) | set(SHOWN_FOR_RATE.get(rate, ()))
    return tuple(c for c in CASE_COLUMNS if c in wanted)


SHORTFALL_COLUMNS = ("rate", "value_pct", "numerator", "denominator", "listed", "sheet",
                     "definition")


def lists_numerator(rate: str) -> bool:
    """Whether the shortfall list of ``rate`` is its numerator (a rate where lower is better).

    >>> lists_numerator("repeat_rate_pct"), lists_numerator("satisfaction_rate_pct")
    (True, False)
    """
    return catalogue.get(f"petitions.{rate}").better == "lower"


#: Every petition rate that has a case list, in the order of ``metrics.petitions``.
SHORTFALL_RATES: tuple[str, ...] = tuple(pm.RATES)


def shortfall_mask(flags: pm.CaseFlags, rate: str) -> np.ndarray:
    """Rows of the register behind the shortfall of ``rate`` (see the module docstring)."""
    numerator, denominator = pm.RATES[rate]
    num = flags.flags[numerator]
    chosen = num if lists_numerator(rate) else flags.flags[denominator] & ~num
    return flags.counted & chosen


def _day_diff(later: np.ndarray, earlier: np.ndarray) -> pd.Series:
    days = (later - earlier).astype("timedelta64[D]")
    out = pd.Series(days.astype("float64"), dtype="float64")
    out[np.isnat(days)] = np.nan
    return out.astype("Int64")


def _date_series(values: np.ndarray) -> pd.Series:
    return pd.Series(values.astype("datetime64[ns]"))


def _text(df: pd.DataFrame, column: str, rows: np.ndarray) -> pd.Series:
    if column not in df.columns:
        return pd.Series([None] * len(rows), dtype="object")
    s = df[column].iloc[rows].astype("object").reset_index(drop=True)
    return s.where(s.notna(), None)


def _flag(df: pd.DataFrame, column: str, rows: np.ndarray) -> pd.Series:
    if column not in df.columns:
        return pd.Series([None] * len(rows), dtype="object")
    s = df[column].iloc[rows].astype("boolean").reset_index(drop=True)
    return pd.Series([None if v is pd.NA else bool(v) for v in s], dtype="object")


def case_list(df: pd.DataFrame, rows: np.ndarray, as_of: Any,
              settings: MetricSettings | None = None) -> pd.DataFrame:
    """The de-identified case list of the register rows ``rows`` (positions), in date order.

    Columns :data:`CASE_COLUMNS`: dates, effective deadline (``due_on``, else accepted + 60 days +
    extension, as the metric computes it), days to acceptance, days to closure, days overdue
    (closed — or, when open, ``as_of`` — after the deadline), satisfaction, 初件/重件 and
    一次性化解. Nothing personal is ever selected.
    """
    settings = settings or MetricSettings()
    rows = np.asarray(rows, dtype="int64")
    reg, acc, closed, due = (pm._dates(df, c)[rows] for c in
                             ("registered_on", "accepted_on", "closed_on", "due_on"))
    deadline = pm._deadline(reg, acc, due, pm._int(df, "extension_days")[rows], settings)
    end = np.where(np.isnat(closed), np.datetime64(as_of, "D"), closed)
    overdue = _day_diff(end, deadline)
    due_now = ~np.isnat(closed) | (deadline <= np.datetime64(as_of, "D"))
    overdue[(overdue.fillna(0) <= 0).to_numpy() | ~due_now] = pd.NA
    repeat = pm._bool(df, "is_repeat")[rows]
    out = pd.DataFrame({
        "case_id": _text(df, "case_id", rows),
        "registered_on": _date_series(reg), "accepted_on": _date_series(acc),
        "closed_on": _date_series(closed), "deadline": _date_series(deadline),
        **{c: _text(df, c, rows) for c in ("channel", "purpose", "township", "responsible_unit")},
        "accept_days": _day_diff(acc, reg),
        "handle_days": _day_diff(closed, np.where(np.isnat(acc), reg, acc)),
        "overdue_days": overdue,
        "satisfaction": _text(df, "satisfaction", rows),
        "repeat": [REPEAT_FLAGS[int(r)] for r in repeat],
        "resolved_first_time": _flag(df, "resolved_first_time", rows),
    }, columns=list(CASE_COLUMNS))
    return out.sort_values(["registered_on", "case_id"], kind="stable").reset_index(drop=True)


def shortfall_cases(df: pd.DataFrame, year: int, rate: str,
                    settings: MetricSettings | None = None,
                    flags: pm.CaseFlags | None = None) -> pd.DataFrame:
    """The cases behind the shortfall of ``rate`` in ``year`` (see the module docstring).

    >>> df = pd.DataFrame({"case_id": ["A", "B"], "registered_on": pd.to_datetime(["2023-01-02"] * 2),
    ...     "closed_on": pd.to_datetime(["2023-01-20"] * 2), "channel": ["来信", "网上信访"],
    ...     "purpose": ["咨询类"] * 2, "is_repeat": [False, False], "township": ["甲", "乙"],
    ...     "satisfaction": ["不满意", "满意"]})
    >>> shortfall_cases(df, 2023, "satisfaction_rate_pct")["case_id"].tolist()
    ['A']
    """
    if rate not in pm.RATES:
        raise KeyError(f"unknown rate {rate!r}; use one of {', '.join(pm.RATES)}")
    flags = flags or pm.case_flags(df, year, settings)
    return case_list(df, np.flatnonzero(shortfall_mask(flags, rate)), flags.as_of, settings)


def shortfall_summary(df: pd.DataFrame, year: int, settings: MetricSettings | None = None,
                      flags: pm.CaseFlags | None = None) -> pd.DataFrame:
    """One row per rate: its value, numerator, denominator and the number of cases listed.

    ``listed`` equals ``denominator − numerator`` (``numerator`` for the 重复信访率): the lists
    use the metric's own definition.
    """
    flags = flags or pm.case_flags(df, year, settings)
    rows = []
    for rate, (num, den) in pm.RATES.items():
        n = int((flags.counted & flags.flags[num]).sum())
        d = int((flags.counted & flags.flags[den]).sum())
        title = catalogue.get(f"workpapers.cases_{rate}")
        rows.append({"rate": catalogue.label(f"petitions.{rate}"),
                     "value_pct": as_json_number(ratio_pct(n, d)) if d else None,
                     "numerator": n, "denominator": d,
                     "listed": int(shortfall_mask(flags, rate).sum()),
                     "sheet": title.short, "definition": title.definition})
    return pd.DataFrame(rows, columns=list(SHORTFALL_COLUMNS))


def group_rates(df: pd.DataFrame, year: int, by: str,
                settings: MetricSettings | None = None) -> pd.DataFrame:
    """Counts and every rate per 镇街 (``by="township"``) or 责任单位 (``"responsible_unit"``).

    Rows by number of cases (most first), then name; blank groups are 未填写.

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-01-05"] * 3),
    ...     "channel": ["网上信访", "来信", "电话"], "purpose": ["咨询类"] * 3,
    ...     "is_repeat": [False, True, False], "township": ["甲", "甲", "乙"]})
    >>> group_rates(df, 2023, "township")[["township", "cases", "repeat_rate_pct"]].values.tolist()
    [['甲', 2, 50.0], ['乙', 1, 0.0]]
    """
    rates = pm.petition_rates(df, year, by=by, settings=settings)
    rates["late_cases"] = rates["due_for_completion"] - rates["completed_on_time"]
    rates["unsatisfied_cases"] = rates["rated_cases"] - rates["satisfied_cases"]
    rates = rates.sort_values(["cases", by], ascending=[False, True], kind="stable")
    return rates[[by, *GROUP_VALUES]].reset_index(drop=True)


# --------------------------------------------------------------------------- budget lines


def _line_behind(budget_fen: int, month_fen: np.ndarray, months: list[int]) -> dict[str, Any]:
    """Worst month of one line against 序时进度 (printed progress − printed schedule)."""
    cumulative = np.cumsum(month_fen)
    gaps = []
    for i, month in enumerate(months):
        progress = ratio_pct(int(cumulative[i]), budget_fen)
        gaps.append((progress - linear_pct(month), month, progress, int(cumulative[i])))
    gap, month, progress, spent = min(gaps, key=lambda g: (g[0], g[1]))
    behind = fen_to_wan(int((Decimal(budget_fen) * month / 12).to_integral_value()) - spent)
    return {"worst_month": month, "progress_pct": as_json_number(progress),
            "linear_pct": as_json_number(linear_pct(month)), "gap_pp": as_json_number(gap),
            "behind_wan": as_json_number(behind),
            "months_behind": sum(1 for g in gaps if g[0] < 0)}


def lines_behind_schedule(budget: pd.DataFrame) -> pd.DataFrame:
    """Budget lines whose cumulative 支出进度 fell below 序时进度 in some month, worst first.

    For each line with a budget and monthly columns: the month where its printed progress was
    furthest below the printed 序时进度 (month ÷ 12), that progress, the gap in 个百分点, the
    amount behind (序时 share of the budget − cumulative spending, 万元) and the number of
    months behind. Lines never behind are left out; empty without monthly columns.

    >>> b = pd.DataFrame({"subject_code": ["1", "2"], "subject_name": ["甲", "乙"],
    ...     "expense_type": ["项目支出"] * 2, "budget_wan": [12.0, 12.0], "actual_wan": [12.0, 12.0],
    ...     "m01_wan": [0.0, 1.0], "m02_wan": [12.0, 11.0]})
    >>> lines_behind_schedule(b)[["subject_code", "worst_month", "gap_pp", "behind_wan"]].values.tolist()
    [['1', 1, -8.33, 1.0]]
    """
    months = monthly_months(budget)
    columns = list(LINE_COLUMNS)
    if not months or budget.empty:
        return pd.DataFrame(columns=columns)
    from evalkit.metrics.budget import budget_lines

    lines = budget_lines(budget)
    budget_fen = _fen(budget, "budget_wan")
    month_fen = np.column_stack([_fen(budget, MONTH_KEYS[m - 1]) for m in months])
    rows = []
    for i in range(len(budget)):
        if budget_fen[i] <= 0:
            continue
        worst = _line_behind(int(budget_fen[i]), month_fen[i], months)
        if worst["months_behind"]:
            rows.append({**lines.iloc[i].to_dict(), **worst})
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    out = out.sort_values(["gap_pp", "behind_wan"], ascending=[True, False], kind="stable")
    return out.reset_index(drop=True)
