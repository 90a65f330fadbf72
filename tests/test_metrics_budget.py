"""Budget metrics on small inline frames (definitions: docs/metrics.md §1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from evalkit.metrics import (MetricSettings, budget_by_type, budget_lines, budget_metrics,
                             budget_summary, monthly_progress, months_behind,
                             progress_checkpoints)

# Reference-report totals: 783.16 budget, 774.90 actual (580.13 basic + 194.77 project).
BUDGET = pd.DataFrame({
    "subject_code": ["2010301", "2010308", "2080505"],
    "subject_name": ["行政运行", "信访事务", "机关事业单位基本养老保险缴费支出"],
    "project_name": [None, "信访维稳专项经费", None],
    "expense_type": ["基本支出", "项目支出", "基本支出"],
    "initial_budget_wan": [500.00, 200.00, 80.00],
    "adjustment_wan": [3.16, 0.00, np.nan],
    "budget_wan": [503.16, 200.00, 80.00],
    "actual_wan": [500.13, 194.77, 80.00],
})

# Monthly: line 1 has 1200 budget and monthly spending; line 2 has zero budget and blank months.
MONTHLY_SPEND = [150, 90, 90, 90, 90, 90, 90, 110, 100, 100, 100, 60]
MONTHLY = pd.DataFrame({
    "subject_code": ["2010301", "2010350"], "subject_name": ["行政运行", "事业运行"],
    "project_name": [None, None], "expense_type": ["基本支出", "项目支出"],
    "initial_budget_wan": [1200.0, 0.0], "budget_wan": [1200.0, 0.0],
    "actual_wan": [1160.0, 0.0],
    **{f"m{m:02d}_wan": [float(v), np.nan] for m, v in zip(range(1, 13), MONTHLY_SPEND)},
})

ZERO_BUDGET = pd.DataFrame({"subject_code": ["2010301"], "subject_name": ["行政运行"],
                            "expense_type": ["基本支出"], "initial_budget_wan": [0.0],
                            "budget_wan": [0.0], "actual_wan": [0.0]})


def test_totals_match_reference_report():
    s = budget_summary(BUDGET)
    assert s["total_budget_wan"] == 783.16
    assert s["total_actual_wan"] == 774.90
    assert s["execution_rate_pct"] == 98.95
    assert s["unspent_wan"] == 8.26
    assert s["initial_budget_wan"] == 780.00
    assert s["adjustment_wan"] == 3.16            # blank adjustment counts as 0
    assert (s["basic_actual_wan"], s["project_actual_wan"]) == (580.13, 194.77)
    assert s["basic_budget_wan"] == 583.16
    assert s["basic_execution_rate_pct"] == 99.48   # 580.13 / 583.16 = 99.4804
    assert s["project_execution_rate_pct"] == 97.39  # 97.385 exactly -> half-up 97.39


def test_by_type_frame():
    expected = pd.DataFrame({"expense_type": ["基本支出", "项目支出"],
                             "budget_wan": [583.16, 200.00], "actual_wan": [580.13, 194.77],
                             "execution_rate_pct": [99.48, 97.39]})
    pdt.assert_frame_equal(budget_by_type(BUDGET), expected)


def test_lines_frame_keeps_file_order():
    out = budget_lines(BUDGET)
    text = {  # object columns, None where blank (pandas 3 would infer its str dtype)
        "subject_code": ["2010301", "2010308", "2080505"],
        "subject_name": ["行政运行", "信访事务", "机关事业单位基本养老保险缴费支出"],
        "project_name": [None, "信访维稳专项经费", None],
        "expense_type": ["基本支出", "项目支出", "基本支出"]}
    expected = pd.DataFrame({
        **{k: pd.Series(v, dtype=object) for k, v in text.items()},
        "budget_wan": [503.16, 200.00, 80.00], "actual_wan": [500.13, 194.77, 80.00],
        "execution_rate_pct": [99.40, 97.39, 100.00]})
    pdt.assert_frame_equal(out, expected)
    assert out["project_name"][0] is None


def test_zero_budget_rate_is_none():
    m = budget_metrics(ZERO_BUDGET)
    assert m["execution_rate_pct"] is None
    assert m["basic_execution_rate_pct"] is None and m["project_execution_rate_pct"] is None
    assert m["by_type"][1] == {"expense_type": "项目支出", "budget_wan": 0.0, "actual_wan": 0.0,
                               "execution_rate_pct": None}
    assert m["lines"][0]["execution_rate_pct"] is None


def test_no_monthly_columns():
    m = budget_metrics(BUDGET)
    assert m["progress"] == [] and m["checkpoints"] == [] and m["months_behind"] == []
    assert list(monthly_progress(BUDGET).columns) == ["month", "actual_wan", "cumulative_wan",
                                                     "progress_pct", "linear_pct", "gap_pp"]


def test_monthly_progress_frame():
    expected = pd.DataFrame({
        "month": list(range(1, 13)),
        "actual_wan": [float(v) for v in MONTHLY_SPEND],
        "cumulative_wan": [150.0, 240.0, 330.0, 420.0, 510.0, 600.0, 690.0, 800.0, 900.0,
                           1000.0, 1100.0, 1160.0],
        "progress_pct": [12.5, 20.0, 27.5, 35.0, 42.5, 50.0, 57.5, 66.67, 75.0, 83.33, 91.67,
                         96.67],
        "linear_pct": [8.33, 16.67, 25.0, 33.33, 41.67, 50.0, 58.33, 66.67, 75.0, 83.33, 91.67,
                       100.0],
        "gap_pp": [4.17, 3.33, 2.5, 1.67, 0.83, 0.0, -0.83, 0.0, 0.0, 0.0, 0.0, -3.33],
    })
    pdt.assert_frame_equal(monthly_progress(MONTHLY), expected)


def test_checkpoints_and_months_behind():
    progress = monthly_progress(MONTHLY)
    expected = pd.DataFrame({"month": [6, 9, 12], "target_pct": [50.0, 75.0, 100.0],
                             "actual_pct": [50.0, 75.0, 96.67], "met": [True, True, False]},
                            ).astype({"met": "object"})
    pdt.assert_frame_equal(progress_checkpoints(progress, {6: 50, 9: 75, 12: 100}), expected)
    assert months_behind(progress) == [7, 12]


def test_default_checkpoints_are_the_scored_nodes_only():
    """6月 50 % and 9月 75 %: the year end is the 预算执行率, not a 序时进度 node, so the report's
    checkpoint table counts the same nodes as the 支出进度 indicator of the 自评表."""
    m = budget_metrics(MONTHLY)
    assert [(c["month"], c["target_pct"]) for c in m["checkpoints"]] == [(6, 50.0), (9, 75.0)]


def test_custom_checkpoints_from_settings():
    settings = MetricSettings(checkpoints={7: 40, 11: 80.21})
    m = budget_metrics(MONTHLY, settings)
    assert m["checkpoints"] == [
        {"month": 7, "target_pct": 40.0, "actual_pct": 57.5, "met": True},
        {"month": 11, "target_pct": 80.21, "actual_pct": 91.67, "met": True}]


def test_partial_year_monthly_data_stops_at_last_month():
    half = MONTHLY.drop(columns=[f"m{m:02d}_wan" for m in range(7, 13)])
    m = budget_metrics(half)
    assert [r["month"] for r in m["progress"]] == [1, 2, 3, 4, 5, 6]
    assert [c["month"] for c in m["checkpoints"]] == [6]


@pytest.mark.parametrize("budget, actual, rate", [
    (8.00, 0.01, 0.13),        # 0.125   -> 0.13 (float round gives 0.12)
    (200.00, 197.89, 98.95),   # 98.945  -> 98.95 (float round gives 98.94)
    (400.00, 10.70, 2.68),     # 2.675   -> 2.68 (float round gives 2.67)
])
def test_half_up_where_float_rounding_is_wrong(budget, actual, rate):
    frame = pd.DataFrame({"expense_type": ["项目支出"], "budget_wan": [budget],
                          "actual_wan": [actual]})
    assert budget_summary(frame)["execution_rate_pct"] == rate


def test_exact_sum_of_many_cents():
    frame = pd.DataFrame({"expense_type": ["基本支出"] * 10, "budget_wan": [0.1] * 10,
                          "actual_wan": [0.07] * 10})
    s = budget_summary(frame)
    assert (s["total_budget_wan"], s["total_actual_wan"], s["unspent_wan"]) == (1.0, 0.7, 0.3)


# --------------------------------------------------------------------- 收入 by 资金来源

def _with_sources(*sources) -> pd.DataFrame:
    return BUDGET.assign(fund_source=pd.array(list(sources), dtype="string"))


def test_income_all_fiscal_reproduces_the_reference():
    """The reference states 财政拨款收入774.90万元: the 全年执行数 of the 财政拨款 lines."""
    m = budget_metrics(_with_sources("一般公共预算财政拨款", "一般公共预算财政拨款", "财政拨款"))
    assert (m["income_fiscal_wan"], m["income_other_wan"], m["carryover_wan"],
            m["income_total_wan"]) == (774.90, 0.0, 0.0, 774.90)
    assert [r["fund"] for r in m["by_fund"]] == ["财政拨款", "其他资金"]
    fiscal = m["by_fund"][0]
    assert (fiscal["initial_budget_wan"], fiscal["budget_wan"], fiscal["actual_wan"],
            fiscal["execution_rate_pct"]) == (780.0, 783.16, 774.90, 98.95)
    assert m["by_fund"][1]["execution_rate_pct"] is None          # no budget: no rate


def test_income_split_by_source_with_a_carryover():
    m = budget_metrics(_with_sources("政府性基金预算财政拨款", "上年结转资金", "单位资金"))
    by = {r["fund"]: r for r in m["by_fund"]}
    assert list(by) == ["财政拨款", "上年结转", "其他资金"]
    assert (by["财政拨款"]["actual_wan"], by["上年结转"]["budget_wan"],
            by["其他资金"]["actual_wan"]) == (500.13, 200.00, 80.00)
    assert m["carryover_wan"] == 200.00                      # what was carried in: its budget
    assert (m["income_fiscal_wan"], m["income_other_wan"], m["income_total_wan"]) == (
        500.13, 80.00, 580.13)


@pytest.mark.parametrize("frame", [
    BUDGET,                                                        # no 资金来源 column at all
    _with_sources("财政拨款", None, "财政拨款"),                    # one line left blank
    _with_sources("财政拨款", "  ", "财政拨款"),
], ids=["no-column", "blank-cell", "spaces"])
def test_income_unknown_when_a_source_is_missing(frame):
    m = budget_metrics(frame)
    assert m["by_fund"] == []
    assert {k: m[k] for k in ("income_total_wan", "income_fiscal_wan", "income_other_wan",
                              "carryover_wan")} == dict.fromkeys(
        ("income_total_wan", "income_fiscal_wan", "income_other_wan", "carryover_wan"))


@pytest.mark.parametrize("source, klass", [
    ("一般公共预算财政拨款", "财政拨款"), ("财政拨款（补助）", "财政拨款"), ("本级财政资金", "财政拨款"),
    ("国有资本经营预算", "财政拨款"), ("财政拨款结转", "上年结转"), ("上年结余", "上年结转"),
    ("财政专户管理资金", "其他资金"), ("事业收入", "其他资金"), ("单位资金", "其他资金")])
def test_fund_class_of_common_sources(source, klass):
    from evalkit.metrics.budget import fund_class

    assert fund_class(source) == klass


def test_existing_budget_figures_unchanged_by_the_source_column():
    plain = budget_metrics(BUDGET)
    split = budget_metrics(_with_sources("财政拨款", "单位资金", "上年结转"))
    keep = [k for k in plain if k not in ("by_fund", "income_total_wan", "income_fiscal_wan",
                                          "income_other_wan", "carryover_wan")]
    assert {k: plain[k] for k in keep} == {k: split[k] for k in keep}
