"""Warnings (预警): level 红/黄/绿, the figure, the threshold and one Chinese sentence each.

The thresholds are metric settings (``monitor_*`` and ``checkpoints``, overridable in
department.yaml ``settings:``) and the framework's targets; none is written here.

* 支出进度 behind 序时进度: the department, each 支出类型 (always listed) and each budget line
  (listed when 黄 or 红): ``gap_pp <= -monitor_gap_red_pp`` 红, ``<= -monitor_gap_yellow_pp`` 黄;
* checkpoints (6月底 50%, 9月底 75% …): a passed one missed is 红, met is 绿; one still ahead
  that the primary forecast misses is 黄 (the December one is left to the year-end rate below,
  as the framework does not count it twice either);
* the projected year-end execution rate: below ``monitor_projected_red_pct`` 红, below
  ``monitor_projected_yellow_pct`` 黄;
* every petition indicator of the framework expected to lose points: 红 when it misses its
  target by more than ``monitor_rate_red_pp``, else 黄; 绿 when it meets it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Mapping

from evalkit.metrics import MetricSettings
from evalkit.monitor.labels import label
from evalkit.monitor.petitions import projection
from evalkit.numfmt import fmt_fixed, fmt_pct, to_decimal

RED, YELLOW, GREEN = "红", "黄", "绿"
ORDER = {RED: 0, YELLOW: 1, GREEN: 2}


def _when(as_of: dt.date) -> str:
    return f"截至{as_of.month}月{as_of.day}日"


def gap_level(gap: Any, settings: MetricSettings) -> str | None:
    """红/黄/绿 of a gap to 序时进度 in points (None when undefined).

    >>> s = MetricSettings()
    >>> gap_level(-20, s), gap_level(-10.5, s), gap_level(-9.99, s), gap_level(None, s)
    ('红', '黄', '绿', None)
    """
    if gap is None:
        return None
    gap = to_decimal(gap)
    if gap <= -settings.monitor_gap_red_pp:
        return RED
    if gap <= -settings.monitor_gap_yellow_pp:
        return YELLOW
    return GREEN


def _gap_warning(key: str, subject: str, row: Mapping[str, Any], as_of: dt.date,
                 settings: MetricSettings) -> dict[str, Any] | None:
    """``subject`` names what is spent: 部门整体支出, 基本支出, “<line>”支出."""
    level = gap_level(row.get("gap_pp"), settings)
    if level is None:
        return None
    gap = to_decimal(row["gap_pp"])
    if gap < 0:
        how = f"落后序时进度{fmt_fixed(-gap)}个百分点"
    else:
        how = f"超过序时进度{fmt_fixed(gap)}个百分点" if gap > 0 else "与序时进度持平"
    sentence = (f"{_when(as_of)}，{subject}进度{fmt_pct(row['progress_pct'])}，"
                f"序时进度{fmt_pct(row['time_progress_pct'])}，{how}")
    if level != GREEN:
        limit = settings.monitor_gap_red_pp if level == RED else settings.monitor_gap_yellow_pp
        sentence += f"（落后{fmt_fixed(limit, 0)}个百分点及以上为{level}色预警）"
    return {"level": level, "key": key, "subject": subject, "figure": row["gap_pp"],
            "unit": "个百分点", "threshold": -float(settings.monitor_gap_yellow_pp
                                                  if level != RED else settings.monitor_gap_red_pp),
            "sentence": sentence + "。"}


def _line_name(row: Mapping[str, Any]) -> str:
    name = row.get("project_name") or row.get("subject_name") or row.get("subject_code") or "未命名"
    return f"“{name}”支出"


def budget_warnings(budget: Mapping[str, Any], as_of: dt.date,
                    settings: MetricSettings) -> list[dict[str, Any]]:
    """Gap warnings: department and each 支出类型 always, budget lines when 黄/红."""
    out = [_gap_warning("budget", "部门整体支出", budget, as_of, settings)]
    for row in budget.get("by_type", []):
        if row.get("budget_wan"):
            out.append(_gap_warning(f"budget.by_type.{row['expense_type']}",
                                    str(row["expense_type"]), row, as_of, settings))
    for i, row in enumerate(budget.get("lines", [])):
        warning = _gap_warning(f"budget.lines.{i}", _line_name(row), row, as_of, settings)
        if warning and warning["level"] != GREEN:
            out.append(warning)
    return [w for w in out if w]


def checkpoint_warnings(budget: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Passed checkpoints (红 missed / 绿 met) and projected misses ahead (黄)."""
    out = []
    for row in budget.get("checkpoints", []):
        month, target, actual = row["month"], row["target_pct"], row["actual_pct"]
        if row.get("met") is None or month >= 12:   # the year end: projection_warning
            continue
        if row["status"] == "actual":
            level = GREEN if row["met"] else RED
            verb = "达到" if row["met"] else "未达到"
            sentence = f"{month}月底支出进度{fmt_pct(actual)}，{verb}{fmt_pct(target)}的节点要求。"
        elif not row["met"]:
            level = YELLOW
            sentence = (f"按预测，{month}月底支出进度约{fmt_pct(actual)}，低于{fmt_pct(target)}的"
                        "节点要求，需加快支出。")
        else:
            continue
        out.append({"level": level, "key": f"budget.checkpoints.{month}",
                    "subject": f"{month}月底节点", "figure": actual, "unit": "%",
                    "threshold": target, "sentence": sentence})
    return out


def projection_warning(budget: Mapping[str, Any], settings: MetricSettings
                       ) -> dict[str, Any] | None:
    """The projected year-end execution rate against the 黄/红 floors."""
    rate = budget.get("projected_execution_rate_pct")
    if rate is None:
        return None
    value = to_decimal(rate)
    if value < settings.monitor_projected_red_pct:
        level, threshold = RED, settings.monitor_projected_red_pct
    elif value < settings.monitor_projected_yellow_pct:
        level, threshold = YELLOW, settings.monitor_projected_yellow_pct
    else:
        level, threshold = GREEN, settings.monitor_projected_yellow_pct
    projection = budget["projection"]
    band = ""
    if projection.get("band_low_pct") is not None and len(projection.get("methods", [])) > 1:
        band = (f"（各方法区间{fmt_pct(projection['band_low_pct'])}–"
                f"{fmt_pct(projection['band_high_pct'])}）")
    below = "低于" if level != GREEN else "不低于"
    how = ("全年预算执行率" if projection["method"] == "actual"
           else f"按{projection['label']}预测，全年预算执行率约")
    sentence = f"{how}{fmt_pct(rate)}{band}，{below}{fmt_pct(threshold)}。"
    return {"level": level, "key": "budget.projected_execution_rate_pct",
            "subject": label("budget.projected_execution_rate_pct"), "figure": rate, "unit": "%",
            "threshold": float(threshold), "sentence": sentence}


def indicator_level(ind: Mapping[str, Any], settings: MetricSettings) -> str:
    if not ind.get("lost"):
        return GREEN
    actual, target = ind.get("actual"), ind.get("target")
    if isinstance(actual, (int, float)) and isinstance(target, (int, float)):
        miss = abs(Decimal(str(actual)) - Decimal(str(target)))
        return RED if miss > settings.monitor_rate_red_pp else YELLOW
    return YELLOW


def indicator_warnings(score: Mapping[str, Any], petitions: Mapping[str, Any],
                       as_of: dt.date, settings: MetricSettings) -> list[dict[str, Any]]:
    """Each petition indicator of the framework: 绿 when on target, else 黄/红."""
    out = []
    for ind in score.get("indicators", []):
        metric = ind.get("metric") or ""
        if not metric.startswith("petitions.") or ind["basis"] != "projected":
            continue
        level = indicator_level(ind, settings)
        rate = metric.split(".", 1)[1]
        record = projection(petitions, rate)
        figure = f"{_when(as_of)}{ind['name']}{ind['actual_text']}"
        if record.get("method") == "to_date_only":
            figure += "（样本较少，仅为截至目前数值）"
        elif record.get("adjusted_pct") is not None:
            figure += f"（按往年同期变动修正为{fmt_pct(record['adjusted_pct'])}）"
        if level == GREEN:
            sentence = f"{figure}，达到目标值{ind['target_text']}。"
        else:
            sentence = f"{figure}，未达目标值{ind['target_text']}，预计扣{fmt_fixed(ind['lost'])}分。"
        out.append({"level": level, "key": metric, "subject": ind["name"],
                    "figure": ind["actual"], "unit": ind.get("unit") or "",
                    "threshold": ind["target"], "sentence": sentence})
    return out


def build_warnings(monitor: Mapping[str, Any], as_of: dt.date,
                   settings: MetricSettings) -> list[dict[str, Any]]:
    """All warnings, 红 first, then 黄, then 绿 (stable within a level)."""
    budget = monitor["budget"]
    out = budget_warnings(budget, as_of, settings) + checkpoint_warnings(budget)
    projected = projection_warning(budget, settings)
    if projected:
        out.append(projected)
    if monitor.get("score"):
        out += indicator_warnings(monitor["score"], monitor["petitions"], as_of, settings)
    return sorted(out, key=lambda w: ORDER[w["level"]])
