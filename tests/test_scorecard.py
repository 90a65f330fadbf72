"""The official 部门整体支出绩效自评表: the model (official_form), scorecard.xlsx, 偏差原因分析.

The sample 2023 (built once) must give the 预算资金情况 block 751.59 / 783.16 / 774.90 / 98.95 %, the
fields a department fills in from department.yaml, numbers stored as numbers with their units in
their own column, and nothing internal (indicator ids, framework file, hashes, tool names).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from evalkit.scoring.scorecard import (FUND_HEAD, INDICATOR_HEAD, date_text, execution_indicator,
                                       official_form, value_text, write_scorecard)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
ID = re.compile(r"\b[LM]\d+\.\d+\b")


@pytest.fixture(scope="module")
def built(sample_build) -> dict:
    metrics = sample_build.metrics(2023)
    return {"metrics": metrics, "xlsx": sample_build.out / "2023" / "scorecard.xlsx"}


@pytest.fixture(scope="module")
def sheet(built):
    return openpyxl.load_workbook(built["xlsx"], data_only=True)["自评表"]


def rows_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def row_starting(ws, first: str) -> list:
    return next(r for r in rows_of(ws) if r[0] == first or r[1] == first)


# ------------------------------------------------------------------------------ scorecard.xlsx

def test_title_unit_and_sample_mark(sheet):
    assert sheet["A1"].value == "2023年度部门整体支出绩效自评表（示例数据）"
    assert "示例数据" in sheet["A2"].value
    unit = row_starting(sheet, "单位名称")
    assert unit[1] == "增城区信访局（盖章）" and "主管部门" in unit and unit[7] == "增城区信访局"


def test_budget_block_carries_the_reference_figures(sheet):
    cells = rows_of(sheet)
    head = next(r for r in cells if r[2] == FUND_HEAD[0])
    assert head[2:8] == list(FUND_HEAD)
    total = next(r for r in cells if r[1] == "年度资金总额")
    initial, budget, actual, weight, rate, score = total[2:8]
    assert (initial, budget, actual) == (751.59, 783.16, 774.90)
    assert rate == 98.95 and weight == 5 and score == 4.95
    fiscal = next(r for r in cells if r[1] == "其中：财政拨款")
    assert fiscal[2:5] == [751.59, 783.16, 774.90]
    other = next(r for r in cells if r[1] == "其他资金")
    assert other[2:5] == [0, 0, 0] and other[6] is None          # no rate of a zero budget


def test_rate_is_a_number_in_percent_with_the_unit_in_the_header(built):
    ws = openpyxl.load_workbook(built["xlsx"])["自评表"]
    cell = next(c for row in ws.iter_rows() for c in row
                if c.value == "年度资金总额").offset(column=5)
    assert cell.value == 98.95 and cell.number_format == "0.00"
    assert "执行率（%）" in [c.value for row in ws.iter_rows() for c in row]


def test_goal_block_from_department_yaml(sheet, built):
    cells = rows_of(sheet)
    i = next(k for k, r in enumerate(cells) if r[0] == "年度总体目标")
    assert cells[i][1] == "预期目标" and cells[i][5] == "实际完成情况"
    expected, actual = cells[i + 1][1], cells[i + 1][5]
    assert expected.startswith("落实中央和省、市、区关于信访工作的决策部署")
    # no goal_result in the sample: the key tasks' own 完成情况, never an invented sentence
    assert actual.startswith("一是按“三到位一处理”要求化解信访事项：完成年初设定的目标")
    assert "三是维护区人民来访接待室安全和秩序：全年未发生极端恶性信访事件。" in actual


def test_indicator_rows_numbers_units_and_deviation(sheet, built):
    cells = rows_of(sheet)
    h = next(k for k, r in enumerate(cells) if r[0] == "一级指标")
    assert cells[h] == list(INDICATOR_HEAD)
    body = [r for r in cells[h + 1:] if r[2]]
    inds = built["metrics"]["score"]["indicators"]
    assert len(body) == len(inds) == 25
    by_name = {r[2]: r for r in body}
    l11 = by_name["部门预算资金支出率"]
    assert l11[3:8] == [5, "≥100", 98.95, "%", 4]            # 实际完成值 a number, unit beside it
    assert l11[8].startswith("偏差原因：部门预算资金支出率为98.95%") and "改进措施：" in l11[8]
    assert by_name["极端恶性信访事件发生次数"][5:7] == [0, "次"]
    assert by_name["年度绩效目标产出指标完成情况"][5] == "部分达成"
    # the analyst's own text (self_assessment.xlsx) is used as written
    assert by_name["绩效目标设置合理性"][8].startswith("偏差原因：年初只申报了3个产出指标")
    # an indicator at full marks has no deviation text
    assert by_name["网信占比率"][8] in (None, "")
    total = row_starting(sheet, "总分")
    assert total[3] == 100 and total[7] == 92.1 and total[8] == "评价等级：优"


def test_total_is_a_sum_formula_with_its_value_cached(built):
    ws = openpyxl.load_workbook(built["xlsx"])["自评表"]
    total = next(r for r in ws.iter_rows() if r[0].value == "总分")
    assert total[7].value.startswith("=SUM(H")


def test_filled_by_line_from_department_yaml(sheet):
    text = next(r[0] for r in rows_of(sheet) if r[0] and str(r[0]).startswith("填报人"))
    for part in ("填报人：示例填报人", "联系电话：020-00000000", "填报日期：2024年3月15日",
                 "单位负责人：示例负责人"):
        assert part in text


def test_print_setup(built):
    ws = openpyxl.load_workbook(built["xlsx"])["自评表"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows                       # the indicator header repeats
    assert "示例数据" in (ws.oddHeader.center.text or "")


def test_hand_in_file_is_clean(built):
    metrics = built["metrics"]
    ids = {i["id"] for i in metrics["score"]["indicators"]}
    with zipfile.ZipFile(built["xlsx"]) as zf:
        text = "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist())
    assert not (set(ID.findall(text)) & ids)
    for internal in ("guangzhou_district", ".yaml", "evalkit", "xlsxwriter", "confirmed",
                     "分值未经官方确认", metrics["generated_at"][:19]):
        assert internal not in text, internal
    assert not re.search(r"[0-9a-f]{64}", text)
    assert "增城区信访局" in text                     # the document properties name the unit


def test_write_scorecard_keeps_the_name_only_signature(built, tmp_path):
    """``department`` may still be just a name (no department.yaml at hand)."""
    metrics = json.loads(json.dumps(built["metrics"]))
    path = write_scorecard(_result(metrics, tmp_path / "p"), tmp_path / "s.xlsx", year=2024,
                           department="某区信访局")
    ws = openpyxl.load_workbook(path)["自评表"]
    assert ws["A1"].value == "2024年度部门整体支出绩效自评表"
    assert row_starting(ws, "单位名称")[1] == "某区信访局（盖章）"


def _result(metrics: dict, processed: Path):
    """A ScoreResult for the sample 2023 (scored from its metrics and self-assessment)."""
    from evalkit.io import load_year
    from evalkit.scoring import load_framework, score_year

    data = load_year(2023, RAW, processed)
    return score_year(metrics, data.self_assessment, load_framework("guangzhou_district"))


# ------------------------------------------------------------------------------ the model

def test_unknown_fund_split_leaves_the_rows_blank(built):
    metrics = json.loads(json.dumps(built["metrics"]))
    metrics["budget"]["by_fund"] = []
    form = official_form(metrics, {"department": "某局"})
    labels = [f.label for f in form.funds]
    assert labels == ["年度资金总额", "财政拨款", "其他资金"]
    assert all(getattr(f, k) is None for f in form.funds[1:]
               for k in ("initial", "budget", "actual", "rate"))
    assert form.funds[0].budget == 783.16


def test_carryover_row_only_when_present(built):
    metrics = json.loads(json.dumps(built["metrics"]))
    metrics["budget"]["by_fund"] = [
        {"fund": "财政拨款", "initial_budget_wan": 700, "budget_wan": 750, "actual_wan": 740,
         "execution_rate_pct": 98.67},
        {"fund": "上年结转", "initial_budget_wan": 20, "budget_wan": 20, "actual_wan": 20,
         "execution_rate_pct": 100.0},
        {"fund": "其他资金", "initial_budget_wan": 13.16, "budget_wan": 13.16,
         "actual_wan": 14.9, "execution_rate_pct": 113.22}]
    form = official_form(metrics, {})
    assert [f.label for f in form.funds] == ["年度资金总额", "财政拨款", "上年结转", "其他资金"]


def test_execution_indicator_prefers_the_rate_times_weight_score():
    rate = "budget.execution_rate_pct"
    inds = [{"id": "a", "metric": rate, "weight": 5, "score": 4.0, "actual": 98.95},
            {"id": "b", "metric": rate, "weight": 5, "score": 4.95, "actual": 98.95},
            {"id": "c", "metric": "petitions.total_cases", "weight": 5, "score": 5, "actual": 1}]
    assert execution_indicator(inds)["id"] == "b"
    assert execution_indicator(inds[:1])["id"] == "a"
    assert execution_indicator(inds[2:]) is None
    over = [{"id": "d", "metric": rate, "weight": 10, "score": 10, "actual": 103.2}]
    assert execution_indicator(over)["id"] == "d"        # capped at the weight


def test_no_score_no_form():
    assert official_form({"year": 2023, "budget": {}}, {}) is None


@pytest.mark.parametrize("value, unit, text", [
    (98.95, "%", "98.95"), (0, "次", "0"), (2.0, "个", "2"), (-43.21, "%", "-43.21"),
    ("4/4项", "", "4/4项"), (True, "", "是"), (None, "%", "")])
def test_value_text(value, unit, text):
    assert value_text(value, unit) == text


@pytest.mark.parametrize("value, text", [
    ("2024-03-15", "2024年3月15日"), ("待填写", "待填写"), ("", ""), (None, "")])
def test_date_text(value, text):
    assert date_text(value) == text
