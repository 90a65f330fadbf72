"""Rules are data: another jurisdiction's framework (投入/过程/产出/效益, other rules, weights,
tiers and grade bands) scores the sample with no code change, through every consumer of a score."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evalkit.checks import check_outputs
from evalkit.scoring import (load_framework, problems_and_improvements, score_year,
                             write_scorecard)

ROOT = Path(__file__).resolve().parents[1]
HUNAN = ROOT / "tests" / "fixtures" / "hunan_county_style.yaml"
SAMPLE_2023 = ROOT / "data" / "raw" / "2023"

#: The analyst's rows for the indicators of the fixture that have no metric (2023).
ROWS_2023 = [
    {"indicator_id": "T1", "indicator_name": "在职人员控制率", "actual": "98.00"},
    {"indicator_id": "T2", "indicator_name": "“三公”经费变动率", "actual": "-3.50"},
    {"indicator_id": "T3", "indicator_name": "重点支出安排率", "actual": "85.00"},
    {"indicator_id": "P4", "indicator_name": "“三公”经费控制率", "actual": "86.40"},
    {"indicator_id": "P5", "indicator_name": "管理制度健全性", "actual": "有效执行"},
    {"indicator_id": "P6", "indicator_name": "资金使用合规性", "actual": "无"},
    {"indicator_id": "P7", "indicator_name": "预决算信息公开", "actual": "3"},
    {"indicator_id": "P8", "indicator_name": "绩效自评开展", "actual": "是"},
    {"indicator_id": "P9", "indicator_name": "资产管理规范性", "actual": "定期盘点账实相符"},
    {"indicator_id": "P10", "indicator_name": "固定资产利用率", "actual": "100"},
    {"indicator_id": "C3", "indicator_name": "年度工作任务完成情况", "actual": "基本完成",
     "score": "8.50", "reason": "个别重点任务推进滞后"},
    {"indicator_id": "E4", "indicator_name": "服务对象满意度", "actual": "91.20%",
     "score": "2.50", "reason": "服务对象问卷满意度略低于预期"},
]

#: Every indicator's score on the 2023 sample, worked out by hand from the fixture's rules.
EXPECTED_2023 = {
    "T1": "5", "T2": "5", "T3": "4",                  # 85 % is in the [80,90) band
    "P1": "2",            # |31.57| / 751.59 = 4.20 % → band (0,10]
    "P2": "2",            # 6 and 9月 checkpoints missed (the sample's nodes): 3 − 2 × 0.5
    "P3": "2",            # 98.95 %: 1.05 below 100 → one started 5-point step × 1
    "P4": "6", "P5": "2", "P6": "3", "P7": "4", "P8": "5",
    "P9": "4.5", "P10": "4",
    "C1": "10",           # 98.76 % in [95,100]
    "C2": "4.92",         # 5 × 98.48 % = 4.924
    "C3": "8.5",
    "E1": "6", "E2": "6",
    "E3": "4.99",         # 5 × 99.84 % = 4.992
    "E4": "2.5",
}


def sa_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["source_row"] = range(3, 3 + len(df))
    return df


@pytest.fixture(scope="module")
def metrics_2023(tmp_path_factory) -> dict:
    """The sample's 2023 metrics as the pipeline computes them, not scored."""
    if not (SAMPLE_2023 / "budget.xlsx").exists():
        pytest.skip("sample data not generated")
    from evalkit.pipeline import build_year
    tmp = tmp_path_factory.mktemp("hunan")
    return build_year(2023, processed_dir=tmp / "p", out_dir=tmp / "o", write=False, score=False)


@pytest.fixture(scope="module")
def result(metrics_2023):
    return score_year(metrics_2023, sa_frame(ROWS_2023), load_framework(HUNAN))


def test_the_fixture_is_another_framework():
    fw = load_framework(HUNAN)
    assert fw.module_weights() == {"投入": Decimal(15), "过程": Decimal(40), "产出": Decimal(25),
                                   "效益": Decimal(20)}
    guangzhou = load_framework("guangzhou_district")
    assert not set(fw.module_weights()) & set(guangzhou.module_weights())
    assert [g.name for g in fw.grades] != [g.name for g in guangzhou.grades]
    # what the analyst fills in: the indicators without a metric, and which of them are hand-scored
    assert [i.id for i in fw.self_assessed()] == [r["indicator_id"] for r in ROWS_2023]
    assert [i.id for i in fw.self_assessed() if i.analyst_scored] == ["C3", "E4"]


def test_every_indicator_scores_as_worked_out(result):
    assert {i.id: i.score for i in result.indicators} == {
        k: Decimal(v) for k, v in EXPECTED_2023.items()}
    assert result.warnings == []


def test_modules_total_and_grade_come_from_the_file(result):
    assert {m.name: m.score for m in result.modules} == {
        "投入": Decimal("14"), "过程": Decimal("34.5"), "产出": Decimal("23.42"),
        "效益": Decimal("19.49")}
    assert {s.name: s.score for s in result.module("过程").submodules} == {
        "预算执行": Decimal("12"), "预算管理": Decimal("14"), "资产管理": Decimal("8.5")}
    assert result.total == Decimal("91.41")
    assert result.grade == "良好"                 # 85 <= 91.41 < 95 in this file's bands
    assert result.max == Decimal(100)


def test_reasons_use_the_files_wording(result):
    reasons = {i.id: i.reason for i in result.indicators if i.lost > 0}
    assert reasons["T3"] == "重点支出安排率为85.00%，低于90%，扣1.00分"
    assert reasons["P1"] == "预算调整率为4.20%，扣1.00分"
    assert reasons["P2"] == "有2个进度节点未达要求，每个扣0.5分，扣1.00分"
    assert reasons["P5"] == "管理制度未满足：有效执行，扣1.00分"
    assert reasons["C3"] == "个别重点任务推进滞后"
    assert reasons["E3"] == "群众满意率未达目标值，扣0.01分"     # no template: the default wording


def test_problems_come_from_the_files_texts(result):
    problems, improvements = problems_and_improvements(result, {})
    assert problems[0] == "在预算配置方面，重点支出安排率存在失分。"
    assert any(p.startswith("在预算执行方面，预算调整率、支付进度、预算完成率未达满分：") for p in problems)
    assert "在预算管理方面，管理制度健全性、资产管理规范性未达满分。" in problems
    assert improvements[0] == "严格控制人员编制和一般性支出，优化重点支出结构。"


def test_checks_and_scorecard_need_no_module_names(result, metrics_2023, tmp_path):
    metrics = {**metrics_2023, "score": result.to_json()}
    json.dumps(metrics["score"], ensure_ascii=False)
    checks = check_outputs(metrics, sections=["score"])
    assert checks["ok"].all(), checks
    assert metrics["score"]["modules"] == {"投入": 14.0, "过程": 34.5, "产出": 23.42, "效益": 19.49}

    path = write_scorecard(result, tmp_path / "scorecard.xlsx", metrics=metrics)
    ws = openpyxl.load_workbook(path, data_only=True).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(k for k, r in enumerate(rows) if r[0] == "一级指标")
    total = next(r for r in rows if r[0] == "总分")
    # the 一级 names come from the file (merged down their indicator rows)
    assert [r[0] for r in rows[head + 1:] if r[0] and r[0] != "总分"][:4] == [
        "投入", "过程", "产出", "效益"]
    assert total[7] == pytest.approx(91.41)
    assert "良好" in total[8]


def test_a_different_reading_changes_only_its_indicator(metrics_2023):
    rows = [dict(r) for r in ROWS_2023]
    rows[0]["actual"] = "103"                     # 在职人员 3 pp over 100 → −1.5
    res = score_year(metrics_2023, sa_frame(rows), load_framework(HUNAN))
    assert res.indicator("T1").score == Decimal("3.5")
    assert res.total == Decimal("89.91")


def _write_self_assessment(path: Path, rows: list[dict]) -> None:
    from evalkit.schema import SELF_ASSESSMENT
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SELF_ASSESSMENT.sheet
    keys = [c.key for c in SELF_ASSESSMENT.columns]
    ws.append([SELF_ASSESSMENT.title])
    ws.append([c.header for c in SELF_ASSESSMENT.columns])
    for r in rows:
        ws.append([r.get(k) for k in keys])
    wb.save(path)


@pytest.mark.skipif(not (SAMPLE_2023 / "department.yaml").exists(),
                    reason="sample data not generated")
@pytest.mark.e2e
def test_end_to_end_with_the_framework_named_in_department_yaml(sample_raw_copy, tmp_path):
    """The user's path: department.yaml names the file, self_assessment.xlsx has its rows."""
    from evalkit.pipeline import build_year

    year_dir = sample_raw_copy / "2023"
    dept = year_dir / "department.yaml"
    text = dept.read_text(encoding="utf-8")
    assert "framework: guangzhou_district" in text
    dept.write_text(text.replace("framework: guangzhou_district", f"framework: {HUNAN}"),
                    encoding="utf-8")
    _write_self_assessment(year_dir / "self_assessment.xlsx", ROWS_2023)
    m = build_year(2023, sample_raw_copy, tmp_path / "p", tmp_path / "o")
    s = m["score"]
    assert s["framework"] == "hunan_county_style"
    assert s["total"] == 91.41 and s["grade"] == "良好"
    assert {i["id"]: i["score"] for i in s["indicators"]} == {
        k: float(v) for k, v in EXPECTED_2023.items()}
    assert (tmp_path / "o" / "2023" / "scorecard.xlsx").is_file()
