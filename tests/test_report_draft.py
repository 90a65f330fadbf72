"""One drafting function, two renderers: the draft, its sentences, and the HTML and the Word text.

Every paragraph both renderers show comes from :func:`evalkit.report.draft_report`; the HTML and the
.docx of the same year therefore state the same sentences. The sentences fixed for issue 11/12 are
checked here on tiny inline metrics: 网信 vs 网上信访, month runs, 收入 by source (left out when the
input lacks it), and the checkpoint count that must be the same in text, table and 自评表.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import docx
import pytest
import yaml

from evalkit.report import draft_report, render_docx, render_report
from evalkit.report import narrative as nv
from evalkit.report.draft import DOCX, HTML, Items, Para, Tasks
from test_report import text_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS = FIXTURES / "metrics_2023_sample.json"
DEPARTMENT = FIXTURES / "report" / "department_2023.yaml"


@pytest.fixture
def metrics() -> dict:
    return json.loads(METRICS.read_text(encoding="utf-8"))


@pytest.fixture
def department() -> dict:
    return yaml.safe_load(DEPARTMENT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_2023(sample_build) -> tuple[dict, dict]:
    """The bundled sample 2023 built by the pipeline (metrics with score) and its department."""
    from evalkit.pipeline import load_department

    return sample_build.metrics(2023), load_department(2023, sample_build.raw)


def body_texts(draft, where: str) -> list[str]:
    """The texts of the paragraphs, enumerations and task lists a renderer shows."""
    out = []
    for b in draft.blocks(where):
        if isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Items):
            out += [b.lead, *b.items]
        elif isinstance(b, Tasks):
            out += [b.intro, *(x for t in b.tasks for x in (t.title, t.goal, t.result))]
    return [t for t in out if t]


def docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


# --------------------------------------------------------------------------- the two renderers

def test_html_and_docx_state_the_same_sentences(metrics, department):
    draft = draft_report(metrics, department)
    html = text_of(render_report(metrics, department, None, {"year": 2023}, draft=draft))
    buf = io.BytesIO()
    render_docx(draft).save(buf)
    word = docx_text(docx.Document(io.BytesIO(buf.getvalue())))
    shared = [t for t in body_texts(draft, DOCX) if t in body_texts(draft, HTML)]
    assert len(shared) > 30
    for text in shared:
        assert text in html, text
        assert text in word, text
    for section in draft.sections:
        for s in section.walk():
            assert s.title in html and s.title in word


def test_draft_is_the_html_report_text(metrics, department):
    """render_report drafts through draft_report: passing the draft changes nothing."""
    params = {"year": 2023, "generated_at": "2024-03-01T10:00:00+08:00"}
    assert render_report(metrics, department, None, params) == render_report(
        metrics, department, None, params, draft=draft_report(metrics, department))


def test_gap_notes_name_yaml_keys_only_in_the_html(metrics, department):
    department = {k: v for k, v in department.items() if k not in ("functions", "management")}
    draft = draft_report(metrics, department)
    html = "\n".join(body_texts(draft, HTML))
    word = "\n".join(body_texts(draft, DOCX))
    assert "department.yaml 未填写部门职能（functions）。" in html
    assert "【待补充：部门职能】" in word and "【待补充：部门整体绩效管理情况】" in word
    assert "department.yaml" not in word and "functions" not in word


def test_signature_and_report_date(metrics, department):
    assert draft_report(metrics, department).signature == ("增城区信访局（盖章）", "　　年　　月　　日")
    department["report_date"] = "2024-03-15"
    draft = draft_report(metrics, department)
    assert draft.signature == ("增城区信访局（盖章）", "2024年3月15日")
    assert str(draft.report_day) == "2024-03-15"


# --------------------------------------------------------------------------- sentences

def test_online_cases_are_worded_as_wangxin_not_the_channel(metrics):
    text = nv.petition_overview(metrics)[0]
    assert "其中网信2670件（各类网上渠道合计）" in text
    assert "网上信访2670" not in text


@pytest.mark.parametrize("months, text", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "1—12月"),
    ([1, 2, 3, 5, 7, 8], "1—3月、5月、7—8月"),
    ([6], "6月"),
    ([11, 9, 10], "9—11月"),
])
def test_month_runs(months, text):
    assert nv.month_runs(months) == text


def test_progress_text_summarises_month_runs(metrics):
    text = nv.spending_progress(metrics)
    assert "全年累计支出进度低于序时进度的月份有1—12月，共12个月。" in text
    assert "1月、2月" not in text


def _budget(**income) -> dict:
    return {"year": 2023, "budget": {"total_budget_wan": 783.16, "total_actual_wan": 774.9,
                                     "execution_rate_pct": 98.95, **income}}


def test_income_only_fiscal_is_stated_as_the_reference_does():
    m = _budget(income_total_wan=774.9, income_fiscal_wan=774.9, income_other_wan=0.0,
                carryover_wan=0.0)
    assert nv.income_sentence(m) == "财政拨款收入774.90万元。"
    assert "财政拨款收入774.90万元。" in nv.income_expenditure(m)[0]


def test_income_with_other_sources_and_carryover():
    m = _budget(income_total_wan=800.0, income_fiscal_wan=760.5, income_other_wan=39.5,
                carryover_wan=12.34)
    assert nv.income_sentence(m) == ("本年收入合计800.00万元，其中：财政拨款收入760.50万元，"
                                     "其他收入39.50万元；另有年初结转和结余12.34万元。")


@pytest.mark.parametrize("income", [
    {},                                                     # an older metrics.json
    {"income_total_wan": None, "income_fiscal_wan": None, "income_other_wan": None,
     "carryover_wan": None},                                # no 资金来源 in the budget file
])
def test_income_sentence_left_out_without_its_input(income):
    m = _budget(**income)
    assert nv.income_sentence(m) == ""
    assert "收入" not in nv.income_expenditure(m)[0]


# ----------------------------------------------------------------- checkpoints: one count

def test_checkpoint_count_is_the_same_in_text_table_and_scorecard(sample_2023):
    """表 支出进度节点, the progress sentence and the 自评表's 支出进度 indicator count the same
    nodes: the checkpoints are defined once (metric settings) and the framework counts them all."""
    from evalkit.report import tables

    metrics, _ = sample_2023
    checks = metrics["budget"]["checkpoints"]
    missed = [c for c in checks if not c["met"]]
    table = tables.checkpoints_table(metrics)
    assert sum(row[-1] == "未达到" for row in table.rows) == len(missed) == 2
    text = nv.spending_progress(metrics)
    assert text.count("未达到") == len(missed)
    node = next(i for i in metrics["score"]["indicators"] if i["metric"] == "budget.checkpoints")
    assert node["actual"] == len(missed)
    assert f"{len(missed)}个节点" in node["reason"]


def test_sample_2023_draft_states_income_and_the_form(sample_2023):
    metrics, department = sample_2023
    draft = draft_report(metrics, department)
    text = draft.text(DOCX)
    assert "财政拨款收入774.90万元。" in text
    assert draft.form is not None and draft.form.funds[0].budget == 783.16
    assert draft.signature == ("增城区信访局（盖章）", "2024年3月15日")


def test_a_sample_with_other_shapes_still_drafts(sample_2023):
    """No score, no petitions, no department text: every section drafts with a gap note."""
    metrics, _ = sample_2023
    bare = copy.deepcopy(metrics)
    bare.pop("score")
    bare["petitions"] = {}
    draft = draft_report(bare, {})
    word = "\n".join(body_texts(draft, DOCX))
    assert "【待补充：自评得分】" in word and "本年度信访台账数据缺失" in word
    assert draft.form is None
    assert "暂无自评指标得分。" in "\n".join(body_texts(draft, HTML))
