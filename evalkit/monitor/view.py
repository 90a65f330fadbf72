"""The rows of the 监控表 (budget block and indicator block), shared by the xlsx and the page.

Numbers stay numbers (the xlsx writes them as cells); every text is formatted here through
:mod:`evalkit.numfmt`, so the workbook and the page print the same figures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from evalkit.metrics import MetricSettings
from evalkit.monitor.alerts import GREEN, gap_level, indicator_level
from evalkit.monitor.forecast import LABELS as METHOD_LABELS
from evalkit.monitor.petitions import projection
from evalkit.numfmt import fmt_fixed, fmt_pct

#: budget keys the monitor projects to the year end (the others stand as they are on the date)
PROJECTED_BUDGET = ("budget.execution_rate_pct", "budget.total_actual_wan", "budget.checkpoints")
BASIS_TEXT = {"projected": "预测", "self_assessment": "自评表", "assumed_full": "暂按满分"}


def settings_of(monitor: Mapping[str, Any]) -> MetricSettings:
    """The metric settings recorded in a monitoring dict (``settings``)."""
    recorded = monitor["settings"]
    return MetricSettings.from_mapping({k: v for k, v in recorded.items()
                                        if k.startswith("monitor_") or k == "checkpoints"})


def rate_label(rate: str) -> str:
    """The short catalogue name of a petition rate (``网信占比``)."""
    from evalkit import catalogue

    return catalogue.get(f"petitions.{rate}").short


def month_span(monitor: Mapping[str, Any]) -> str:
    """``1–7月`` (``1月`` in January)."""
    month = int(monitor["budget"]["as_of_month"])
    return "1月" if month == 1 else f"1–{month}月"


def as_of_text(monitor: Mapping[str, Any]) -> str:
    """``2023年7月31日``."""
    y, m, d = (int(x) for x in str(monitor["as_of"]).split("-"))
    return f"{y}年{m}月{d}日"


def line_name(row: Mapping[str, Any]) -> str:
    """A budget line's display name: 项目名称, else 科目名称, else 科目编码."""
    return str(row.get("project_name") or row.get("subject_name") or row.get("subject_code")
               or "未命名")


def _budget_row(key: str, number: str, name: str, kind: str, row: Mapping[str, Any],
                settings: Any) -> dict[str, Any]:
    budget = row.get("budget_wan", row.get("total_budget_wan"))    # a line / the department
    return {"key": key, "number": number, "name": name, "type": kind,
            "budget": budget, "spent": row.get("spent_to_date_wan"),
            "progress": row.get("progress_pct"), "time": row.get("time_progress_pct"),
            "gap": row.get("gap_pp"), "projected": row.get("projected_spending_wan"),
            "projected_rate": row.get("projected_execution_rate_pct"),
            "level": gap_level(row.get("gap_pp"), settings) or "",
            "cause": row.get("cause", ""), "measure": row.get("measure", "")}


def budget_rows(monitor: Mapping[str, Any], settings: Any) -> list[dict[str, Any]]:
    """合计, each 支出类型, each line (in file order), with stable keys for the analyst sheet."""
    budget = monitor["budget"]
    rows = [_budget_row("budget", "1", "部门整体支出", "合计", budget, settings)]
    for i, row in enumerate(budget["by_type"], start=1):
        if row.get("budget_wan") or row.get("spent_to_date_wan"):
            rows.append(_budget_row(f"type:{row['expense_type']}", f"1.{i}",
                                    str(row["expense_type"]), str(row["expense_type"]), row,
                                    settings))
    for i, row in enumerate(budget["lines"], start=1):
        key = f"line:{row.get('subject_code') or ''}|{line_name(row)}"
        rows.append(_budget_row(key, f"2.{i}", line_name(row), str(row.get("expense_type") or ""),
                                row, settings))
    return rows


def _checkpoint_text(budget: Mapping[str, Any]) -> str:
    parts = []
    for row in budget.get("checkpoints", []):
        if row["status"] == "actual" and row.get("actual_pct") is not None:
            verb = "达到" if row["met"] else "未达"
            parts.append(f"{row['month']}月底{fmt_pct(row['actual_pct'])}（{verb}"
                         f"{fmt_pct(row['target_pct'])}）")
    return "；".join(parts) or "尚未到考核节点"


def _to_date(ind: Mapping[str, Any], monitor: Mapping[str, Any]) -> str:
    """What the indicator stood at on the as-of date ('—' for the analyst's indicators)."""
    metric = ind.get("metric") or ""
    budget, petitions = monitor["budget"], monitor["petitions"]
    if metric == "budget.execution_rate_pct":
        return f"支出进度{fmt_pct(budget['progress_pct'])}"
    if metric == "budget.checkpoints":
        return _checkpoint_text(budget)
    if metric.startswith("petitions."):
        key = metric.split(".", 1)[1]
        record = projection(petitions, key)
        value = record["to_date_pct"] if record else petitions.get(key)
        return fmt_pct(value) if isinstance(value, (int, float)) else "—"
    return "—"


def _deviation(ind: Mapping[str, Any]) -> str:
    actual, target = ind.get("actual"), ind.get("target")
    if ind["basis"] == "assumed_full" or not isinstance(actual, (int, float)) \
            or isinstance(actual, bool) or not isinstance(target, (int, float)):
        return "—"
    diff = Decimal(str(actual)) - Decimal(str(target))
    unit = "个百分点" if ind.get("unit") == "%" else (ind.get("unit") or "")
    return f"{'+' if diff > 0 else ''}{fmt_fixed(diff)}{unit}"


def _basis(ind: Mapping[str, Any], monitor: Mapping[str, Any]) -> str:
    if ind["basis"] != "projected":
        return BASIS_TEXT[ind["basis"]]
    metric = ind.get("metric") or ""
    if metric in PROJECTED_BUDGET:
        method = monitor["budget"]["projection"].get("method")
        return f"预测（{METHOD_LABELS.get(method, '—')}）"
    if metric.startswith("budget."):
        return "截至目前"
    record = projection(monitor["petitions"], metric.split(".", 1)[-1])
    if record and record.get("method") == "to_date_only":
        return "截至目前（样本不足）"
    if metric.endswith("national_initial_qiujue_yoy_pct"):
        return "与上年同期比"
    return "预测（按截至目前）"


def indicator_rows(monitor: Mapping[str, Any], settings: Any) -> list[dict[str, Any]]:
    """Every framework indicator, in framework order (empty without a score)."""
    score = monitor.get("score") or {}
    rows = []
    for ind in score.get("indicators", []):
        projected = ind["actual_text"] if ind["basis"] != "assumed_full" else "暂无数据，按满分预估"
        level = indicator_level(ind, settings) if ind["basis"] != "assumed_full" else GREEN
        rows.append({"key": f"ind:{ind['id']}", "number": ind["id"], "name": ind["name"],
                     "parent": f"{ind['module']}／{ind['submodule']}",
                     "weight": ind["weight"], "target": ind["target_text"],
                     "to_date": _to_date(ind, monitor), "projected": projected,
                     "deviation": _deviation(ind), "score": ind["score"],
                     "basis": _basis(ind, monitor), "level": level,
                     "cause": ind.get("cause", ""), "measure": ind.get("measure", "")})
    return rows
