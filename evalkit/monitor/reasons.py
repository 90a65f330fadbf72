"""Pre-filled 偏差原因 and 纠偏措施, only where the figures themselves say why.

Each budget row (department, 支出类型, line) and each framework indicator gets ``cause`` and
``measure`` (empty strings when the figures say nothing; the analyst fills those in 监控表.xlsx).
Causes are facts read from the data, never guesses:

* month columns not yet reported;
* a line with no spending at all to date;
* a line paid in instalments (spending in only some of the months so far);
* the same month of earlier years: a similar progress then means the gap is the department's
  usual rhythm (year-end payments); a lower progress now is stated as such;
* for a petition indicator, the count behind the rate (超期未办结 N 件, 不满意 N 件, …);
* for an indicator from self_assessment.xlsx, the analyst's own 扣分原因.

Measures are the framework's 改进措施 text for indicators, and fixed sentences for spending.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from evalkit.monitor.cutoff import month_fen
from evalkit.monitor.forecast import YearCurve
from evalkit.numfmt import FEN_PER_WAN, fmt_fixed, fmt_pct, ratio_pct, round_half_up

SIMILAR_PP = Decimal(5)     # within 5 points of the earlier years' progress counts as "usual"

MEASURE_BEHIND = "对照序时进度按月调度，加快项目实施和资金支付进度。"
MEASURE_LUMPY = "按合同约定的支付节点及时支付，确保下一考核节点支出进度达标。"
MEASURE_NONE = "核实项目实施和资金拨付情况，尽快形成支出；确实无法支出的按程序调整预算。"
MEASURE_UNREPORTED = "补录尚未填报月份的支出数据后重新运行监控。"
MEASURE_SURPLUS = "预计年末结余约{surplus}万元，及时按程序调整预算或收回结余资金。"

#: rate -> (sentence with {num} {den} {miss}); the counts behind the rate
COUNT_SENTENCES = {
    "on_time_completion_rate_pct": "到期应办结{den}件，按期办结{num}件，超期{miss}件",
    "timely_acceptance_rate_pct": "应受理{den}件，及时受理{num}件，未及时受理{miss}件",
    "first_time_resolution_rate_pct": "求决类初件办结{den}件，一次性化解{num}件，未一次性化解{miss}件",
    "satisfaction_rate_pct": "参评{den}件，{satisfied}{num}件，其余{miss}件",
    "online_share_pct": "全部{den}件中网上渠道{num}件，来信来访{miss}件",
    "participation_rate_pct": "办结{den}件，参评{num}件，未参评{miss}件",
    "repeat_rate_pct": "全部{den}件中重复信访{num}件",
}
RATE_COUNTS = {
    "on_time_completion_rate_pct": ("completed_on_time", "due_for_completion"),
    "timely_acceptance_rate_pct": ("timely_accepted", "due_for_acceptance"),
    "first_time_resolution_rate_pct": ("qiujue_initial_resolved", "qiujue_initial_closed"),
    "satisfaction_rate_pct": ("satisfied_cases", "rated_cases"),
    "online_share_pct": ("online_cases", "total_cases"),
    "participation_rate_pct": ("rated_cases", "closed_cases"),
    "repeat_rate_pct": ("repeat_cases", "total_cases"),
}


def _line_key(row: Mapping[str, Any]) -> tuple[str, str]:
    name = row.get("project_name") or row.get("subject_name") or ""
    return str(row.get("subject_code") or ""), str(name)


def _earlier_progress(earlier: Sequence[tuple[int, pd.DataFrame]], month: int,
                      key: Callable[[Mapping[str, Any]], Any]) -> dict[Any, list[Decimal]]:
    """key(row) -> the earlier years' progress at the end of ``month`` (%), one per year: lines
    (by code and name) or 支出类型 (the rows of a key are added up within a year)."""
    out: dict[Any, list[Decimal]] = {}
    for _year, df in earlier:
        spent = sum(month_fen(df, m) for m in range(1, month + 1))
        budget = (pd.to_numeric(df["budget_wan"], errors="coerce").fillna(0) * FEN_PER_WAN).round()
        sums: dict[Any, list[int]] = {}
        for i, row in enumerate(df.to_dict("records")):
            pair = sums.setdefault(key(row), [0, 0])
            pair[0] += int(spent[i])
            pair[1] += int(budget.iloc[i])
        for k, (s, b) in sums.items():
            rate = ratio_pct(s, b)
            if rate is not None:
                out.setdefault(k, []).append(rate)
    return out


def _type_key(row: Mapping[str, Any]) -> str:
    value = row.get("expense_type")
    return "未填写" if value is None or value != value or value is pd.NA else str(value)


def _compare(progress: Any, earlier: Sequence[Decimal]) -> str:
    """A sentence comparing progress with the same month of earlier years ('' without them)."""
    if progress is None or not earlier:
        return ""
    mean = round_half_up(sum(earlier, Decimal(0)) / len(earlier))
    now = round_half_up(progress)
    if abs(now - mean) <= SIMILAR_PP:
        return (f"往年同期支出进度平均{fmt_pct(mean)}，本年{fmt_pct(now)}，与往年节奏基本一致，"
                "偏差主要因支出集中在下半年")
    if now > mean:
        return (f"往年同期支出进度平均{fmt_pct(mean)}，本年{fmt_pct(now)}，快于往年同期，"
                "该项支出往年即集中在下半年")
    return f"往年同期支出进度平均{fmt_pct(mean)}，本年{fmt_pct(now)}，慢于往年同期{fmt_fixed(mean - now)}个百分点"


def _cell_fen(value: Any) -> int:
    """A month cell in 分 (blank, text or negative = 0)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    return max(int(round(number * FEN_PER_WAN)), 0) if number == number else 0


def _lumpy(df_row: Mapping[str, Any], months: Sequence[int]) -> str:
    """'集中支付' when a third of the months so far hold three quarters of the spending to date.

    >>> _lumpy({"m01_wan": 0.1, "m02_wan": 0.1, "m03_wan": 5.0}, [1, 2, 3])
    '该项按节点集中支付（1–3月支出的96.15%集中在3月），进度随支付节点波动'
    """
    if len(months) < 3:
        return ""
    paid = [(_cell_fen(df_row.get(f"m{m:02d}_wan")), m) for m in months]
    total = sum(v for v, _ in paid)
    top = sorted(paid, reverse=True)[:-(-len(months) // 3)]
    in_top = sum(v for v, _ in top)
    if total <= 0 or in_top * 4 < total * 3:
        return ""
    shown = "、".join(f"{m}月" for v, m in sorted(top, key=lambda x: x[1]) if v > 0)
    return (f"该项按节点集中支付（1–{months[-1]}月支出的{fmt_pct(ratio_pct(in_top, total))}"
            f"集中在{shown}），进度随支付节点波动")


def _behind(row: Mapping[str, Any], yellow: Decimal) -> bool:
    gap = row.get("gap_pp")
    return gap is not None and Decimal(str(gap)) <= -yellow


def _budget_cause(row: Mapping[str, Any], raw: Mapping[str, Any] | None, months: Sequence[int],
                  earlier: Sequence[Decimal]) -> tuple[str, str]:
    if row.get("budget_wan") and not row.get("spent_to_date_wan"):
        return f"截至{months[-1] if months else 0}月底尚未发生支出", MEASURE_NONE
    lumpy = _lumpy(raw, months) if raw is not None else ""
    if lumpy:
        return lumpy, MEASURE_LUMPY
    compared = _compare(row.get("progress_pct"), earlier)
    return compared, MEASURE_BEHIND


def _surplus(row: Mapping[str, Any]) -> str:
    budget, projected = row.get("budget_wan"), row.get("projected_spending_wan")
    if budget is None or projected is None:
        return ""
    surplus = Decimal(str(budget)) - Decimal(str(projected))
    return MEASURE_SURPLUS.format(surplus=fmt_fixed(surplus)) if surplus > 0 else ""


def _fill_budget_row(row: dict[str, Any], raw: Mapping[str, Any] | None, months: Sequence[int],
                     earlier: Sequence[Decimal], yellow: Decimal, surplus: bool = True) -> None:
    """Cause and measure of a row behind 序时进度 by the 黄 threshold or more; with
    ``surplus``, the projected year-end surplus is added to the measure."""
    row["cause"], row["measure"] = "", ""
    if not _behind(row, yellow):
        return
    row["cause"], row["measure"] = _budget_cause(row, raw, months, earlier)
    if surplus:
        row["measure"] += _surplus(row)


def _department_earlier(curves: Sequence[YearCurve], month: int) -> list[Decimal]:
    return [r for r in (ratio_pct(c.cumulative_fen[month], c.budget_fen) for c in curves)
            if r is not None]


def budget_reasons(monitor: dict[str, Any], df: pd.DataFrame, curves: Sequence[YearCurve],
                   earlier: Sequence[tuple[int, pd.DataFrame]]) -> None:
    """Fill ``cause``/``measure`` of the department, each 支出类型 and each line."""
    budget = monitor["budget"]
    yellow = Decimal(str(monitor["settings"]["monitor_gap_yellow_pp"]))
    months = list(range(1, budget["projection"]["data_through_month"] + 1))
    month = months[-1] if months else 0
    _fill_budget_row(budget, None, months, _department_earlier(curves, month), yellow)
    if budget["unreported_months"]:
        shown = "、".join(f"{m}月" for m in budget["unreported_months"])
        budget["cause"] = f"{shown}支出尚未填报；" + budget["cause"]
        budget["measure"] = MEASURE_UNREPORTED + budget["measure"]
    by_type = _earlier_progress(earlier, month, _type_key) if month else {}
    for row in budget["by_type"]:
        _fill_budget_row(row, None, months, by_type.get(row["expense_type"], []), yellow)
    by_line = _earlier_progress(earlier, month, _line_key) if month else {}
    raw_rows = df.to_dict("records")
    for row, raw in zip(budget["lines"], raw_rows):
        # a line's forecast applies the department's rhythm: no surplus sentence per line
        _fill_budget_row(row, raw, months, by_line.get(_line_key(row), []), yellow, False)


def _indicator_cause(ind: Mapping[str, Any], petitions: Mapping[str, Any],
                     satisfied: str = "满意、基本满意") -> str:
    metric = ind.get("metric") or ""
    rate = metric.split(".", 1)[1] if metric.startswith("petitions.") else ""
    if rate in RATE_COUNTS:
        num, den = (petitions.get(k) or 0 for k in RATE_COUNTS[rate])
        return "截至目前" + COUNT_SENTENCES[rate].format(num=num, den=den, miss=den - num,
                                                      satisfied=satisfied)
    if rate == "national_initial_qiujue_yoy_pct":
        prev = petitions.get("national_initial_qiujue_same_period_prev_count")
        return (f"截至目前到国家信访局登记求决类初件{petitions.get('national_initial_qiujue_count')}件，"
                f"上年同期{'—' if prev is None else prev}件")
    if ind.get("basis") == "self_assessment":
        return ind.get("reason") or ""
    return ""


def _checkpoint_cause(budget: Mapping[str, Any]) -> str:
    parts = []
    for row in budget.get("checkpoints", []):
        if row.get("met") is False and row["month"] < 12:
            word = "实际" if row["status"] == "actual" else "预计"
            parts.append(f"{row['month']}月底支出进度{word}{fmt_pct(row['actual_pct'])}，"
                         f"低于{fmt_pct(row['target_pct'])}")
    return "；".join(parts)


def _budget_indicator_cause(metric: str, budget: Mapping[str, Any]) -> str:
    if metric == "budget.checkpoints":
        return _checkpoint_cause(budget)
    if metric not in ("budget.execution_rate_pct", "budget.total_actual_wan"):
        return ""
    cause = budget.get("cause") or ""
    if budget.get("projected_execution_rate_pct") is None:
        return cause
    return (f"预计全年预算执行率{fmt_pct(budget['projected_execution_rate_pct'])}"
            + (f"；{cause}" if cause else ""))


def indicator_reasons(monitor: dict[str, Any]) -> None:
    """Fill ``cause``/``measure`` of each framework indicator expected to lose points."""
    score = monitor.get("score") or {}
    for ind in score.get("indicators", []):
        ind["cause"], ind["measure"] = "", ""
        if not ind.get("lost"):
            continue
        metric = ind.get("metric") or ""
        if metric.startswith("budget."):
            cause = _budget_indicator_cause(metric, monitor["budget"])
        else:
            levels = monitor["settings"].get("satisfied_levels") or ["满意", "基本满意"]
            cause = _indicator_cause(ind, monitor["petitions"], "、".join(levels))
        ind["cause"], ind["measure"] = cause, ind.get("improvement") or ""


def add_reasons(monitor: dict[str, Any], df: pd.DataFrame, curves: Sequence[YearCurve],
                earlier: Sequence[tuple[int, pd.DataFrame]] = ()) -> None:
    """Fill every ``cause``/``measure`` of the monitoring dict in place."""
    budget_reasons(monitor, df, curves, earlier)
    indicator_reasons(monitor)
