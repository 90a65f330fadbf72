"""Chinese display tables of a monitoring dict, for the notebook (05_monitoring.ipynb).

Values are formatted strings (through :mod:`evalkit.numfmt`, like the page and the workbook), so
a notebook shows exactly the figures the outputs print.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from evalkit.monitor.labels import label
from evalkit.monitor.view import (as_of_text, budget_rows, indicator_rows, month_span,
                                  rate_label, settings_of)
from evalkit.numfmt import fmt_fixed, fmt_pct


def summary_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """概要: the headline figures, one row each."""
    b, p = m["budget"], m["petitions"]
    pr = b["projection"]
    rows = [(label("as_of"), as_of_text(m)),
            *[(label(f"budget.{k}", unit=True), value) for k, value in (
                ("total_budget_wan", fmt_fixed(b["total_budget_wan"])),
                ("spent_to_date_wan", fmt_fixed(b["spent_to_date_wan"])),
                ("progress_pct", fmt_pct(b["progress_pct"])),
                ("time_progress_pct", fmt_pct(b["time_progress_pct"])),
                ("gap_pp", fmt_fixed(b["gap_pp"])),
                ("projected_execution_rate_pct", fmt_pct(b["projected_execution_rate_pct"])))],
            (label("budget.projection.label"), pr["label"]),
            ("各方法区间", f"{fmt_pct(pr['band_low_pct'])}–{fmt_pct(pr['band_high_pct'])}"),
            (label("petitions.total_cases", unit=True), str(p["total_cases"])),
            (label("petitions.projected_total_cases", unit=True), str(p["projected_total_cases"]))]
    if m.get("score"):
        rows.append((label("score.projected_total"),
                     f"{fmt_fixed(m['score']['projected_total'])}（{m['score']['grade']}）"))
    return pd.DataFrame(rows, columns=["项目", "数值"]).set_index("项目")


def warnings_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """预警: level, subject and sentence."""
    return pd.DataFrame([(w["level"], w["subject"], w["sentence"]) for w in m["warnings"]],
                        columns=["预警", "对象", "说明"])


def budget_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """预算执行情况: one row per 合计 / 支出类型 / line."""
    span = month_span(m)
    rows = [(r["number"], r["name"], fmt_fixed(r["budget"]), fmt_fixed(r["spent"]),
             fmt_pct(r["progress"]), fmt_fixed(r["gap"]), fmt_pct(r["projected_rate"]),
             r["level"], r["cause"]) for r in budget_rows(m, settings_of(m))]
    return pd.DataFrame(rows, columns=["序号", "项目", "全年预算数（万元）", f"{span}执行数（万元）",
                                       "执行进度", "偏差（个百分点）",
                                       label("budget.lines.projected_execution_rate_pct"), "预警",
                                       "偏差原因"]).set_index("序号")


def methods_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """预测方法: every method's projection and what it assumed; the one used is marked."""
    used = m["budget"]["projection"]["method"]
    rows = [(r["label"] + ("（采用）" if r["method"] == used else ""), r["basis"],
             fmt_fixed(r["projected_spending_wan"]), fmt_pct(r["projected_execution_rate_pct"]))
            for r in m["budget"]["projection"]["methods"]]
    return pd.DataFrame(rows, columns=["预测方法", "依据", "全年预计支出（万元）",
                                       label("budget.projection.methods.projected_execution_rate_pct")])


def petitions_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """信访工作指标: to date, population, projected, basis."""
    rows = [(rate_label(r["rate"]), fmt_pct(r["to_date_pct"]), r["denominator"], fmt_pct(r["projected_pct"]),
             r["basis"]) for r in m["petitions"]["projections"]]
    return pd.DataFrame(rows, columns=["指标", "截至目前", "计算基数（件）", "全年预计", "依据"])


def score_table(m: Mapping[str, Any]) -> pd.DataFrame:
    """预计自评得分: every framework indicator (empty without a framework)."""
    span = month_span(m)
    rows = [(r["number"], r["name"], r["target"], r["to_date"], r["projected"],
             f"{fmt_fixed(r['score'])}/{fmt_fixed(r['weight'])}", r["basis"], r["level"])
            for r in indicator_rows(m, settings_of(m))]
    return pd.DataFrame(rows, columns=["编号", "指标", "年度目标", f"{span}执行情况", "全年预计",
                                       label("score.indicators.score"), "依据", "预警"]
                        ).set_index("编号")


def tables(m: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """All display tables, keyed by their Chinese heading."""
    return {"概要": summary_table(m), "预警": warnings_table(m), "预算执行情况": budget_table(m),
            "全年预测方法": methods_table(m), "信访工作指标": petitions_table(m),
            label("score.projected_total"): score_table(m)}
