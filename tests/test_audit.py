"""Tests for ``evalkit audit`` on the reference report and on altered copies of it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from _audit_harness import HEADLINE, found, mismatches, run_cli

from evalkit.audit import audit_file, extract_file
from evalkit.audit.extract import normalize_line
from evalkit.audit.model import key_name

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
REFERENCE = REFERENCE_DIR / "zengcheng-petition-bureau-2023-self-evaluation.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audit"

pytestmark = pytest.mark.skipif(not REFERENCE.is_file(), reason="reference report not available")

EXPECTED = {
    **HEADLINE,
    "yoy:petitions.national_initial_qiujue_count": "−43.21%",
    "rank:petitions.national_initial_qiujue_count": "第3名",
}

REFERENCE_METRICS = {
    "year": 2023,
    "budget": {"total_budget_wan": 783.16, "total_actual_wan": 774.9, "execution_rate_pct": 98.95,
               "basic_actual_wan": 580.13, "project_actual_wan": 194.77, "unspent_wan": 8.26},
    "petitions": {"first_time_resolution_rate_pct": 98.1, "online_share_pct": 88.67,
                  "satisfaction_rate_pct": 99.84, "national_initial_qiujue_count": 46,
                  "national_initial_qiujue_prev_count": 81,
                  "national_initial_qiujue_yoy_pct": -43.21, "national_initial_qiujue_rank": 3},
    "yoy": {},
    "score": {"framework": "guangzhou_district", "total": 92.1, "max": 100,
              "modules": {"履职效能": 46.8, "管理效率": 45.3}},
}


# ------------------------------------------------------------------------------------ helpers

#: the title of the 执行率 check, with the quantities' names from the vocabulary / catalogue
RATE_TITLE = (f"{key_name('budget.execution_rate_pct')} = {key_name('budget.total_actual_wan')} / "
              f"{key_name('budget.total_budget_wan')}")


def ref_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def altered(tmp_path: Path, old: str, new: str, name: str = "altered.txt", count: int = 1) -> Path:
    """A copy of the reference report with ``old`` replaced by ``new`` (which must occur)."""
    text = ref_text()
    assert old in text, f"{old!r} not in the reference text"
    path = tmp_path / name
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def audit_altered(tmp_path: Path, capsys, old: str, new: str) -> tuple[int, str, object]:
    """Alter the reference report, then audit the copy by the CLI and by the API.

    Returns the CLI's exit code and output, and the :class:`AuditResult` of ``audit_file``.
    """
    path = altered(tmp_path, old, new)
    rc, out, _ = run_cli(["audit", str(path)], capsys)
    return rc, out, audit_file(path)


def write_metrics(tmp_path: Path, metrics: dict) -> Path:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- reference report

def test_reference_figures_found_and_consistent():
    result = audit_file(REFERENCE)
    figures = found(result)
    for key, value in EXPECTED.items():
        assert figures.get(key) == {value}, (key, figures.get(key))
    assert mismatches(result) == []
    assert result.exit_code == 0
    # 774.90 is stated as actual twice (and once as income); 管理效能 and 管理效率 are one module
    assert len(result.extraction.by_key()["budget.total_actual_wan"]) == 2
    assert len(result.extraction.by_key()["score.modules.管理效率"]) == 2
    assert "score.modules.管理效能" not in result.extraction.by_key()
    kinds = {c.kind for c in result.checks if c.status == "OK"}
    assert {"rate", "sum", "modules", "max", "duplicate"} <= kinds


def test_reference_cli_table(capsys):
    rc, out, err = run_cli(["audit", str(REFERENCE)], capsys)
    assert rc == 0, out
    for text in ("783.16万元", "774.90万元", "98.95%", "580.13万元", "194.77万元", "92.10分",
                 "46.80分", "45.30分", "98.10%", "88.67%", "99.84%", "−43.21%", "第3名",
                 RATE_TITLE, "数值一致"):
        assert text in out, text
    assert "MISMATCH" not in out
    assert err == ""


def test_reference_json_parses(capsys):
    rc, out, _ = run_cli(["audit", str(REFERENCE), "--json"], capsys)
    data = json.loads(out)
    assert rc == 0 and data["consistent"] is True and data["exit_code"] == 0
    assert data["summary"]["MISMATCH"] == 0
    keys = {q["key"] for q in data["quantities"]}
    assert set(EXPECTED) <= keys
    rate = next(f for f in data["figures"] if f["key"] == "budget.execution_rate_pct")
    assert rate["value"] == 98.95 and "预算执行率为98.95%" in rate["sentence"]
    assert all(c["sentences"] for c in data["checks"])


def test_sentences_are_joined_across_line_breaks():
    ex = extract_file(REFERENCE)
    rate = ex.by_key()["budget.execution_rate_pct"][0]
    assert rate.sentence.text == "我部门2023年全年预算拨款783.16万元,实际支出774.90万元,预算执行率为98.95%。"
    assert rate.sentence.where == "第104–106行"


# --------------------------------------------------------------------------------- altered copies

def test_wrong_rate_caught(tmp_path, capsys):
    rc, out, result = audit_altered(tmp_path, capsys, "预算执行率为 98.95%", "预算执行率为 98.59%")
    assert rc == 1
    assert "98.59%" in out and "不一致" in out
    assert "原句［第104–106行］：我部门2023年全年预算拨款783.16万元,实际支出774.90万元,预算执行率为98.59%。" in out
    kinds = {c.kind for c in mismatches(result)}
    assert "rate" in kinds and "duplicate" in kinds     # 98.59 vs 98.95 stated later


def test_rate_within_one_last_digit_is_ok(tmp_path):
    # 774.90 / 783.16 = 98.9453…%; printing 98.94 is within one unit of the last digit
    path = altered(tmp_path, "98.95%。财政", "98.94%。财政")
    result = audit_file(path)
    rate_checks = [c for c in result.checks if c.kind == "rate"]
    assert rate_checks[0].status == "OK"


def test_module_score_changed_caught(tmp_path, capsys):
    rc, out, result = audit_altered(tmp_path, capsys, "46.80分", "47.80分")
    assert rc == 1
    assert "其中,履职效能自评47.80分,管理效能自评45.30分。" in out
    bad = mismatches(result)
    assert [c.kind for c in bad] == ["modules"]
    assert bad[0].stated == "92.10分" and bad[0].recomputed == "93.10分"


def test_module_score_above_weight_caught(tmp_path):
    path = altered(tmp_path, "局自评得分为 45.30", "局自评得分为 55.30")
    result = audit_file(path)
    kinds = {c.kind for c in mismatches(result)}
    assert {"max", "duplicate"} <= kinds


def test_module_max_option(tmp_path, capsys):
    # with --module-max 40 (and the text's 满分为50分 removed) 46.80 is above its weight
    path = altered(tmp_path, "满分为 50分，", "")
    rc, out, _ = run_cli(["audit", str(path), "--module-max", "40"], capsys)
    assert rc == 1 and "满分40分" in out
    rc, _, _ = run_cli(["audit", str(path)], capsys)
    assert rc == 0   # Guangdong default 50


YOY_OLD = "数量同比下降 43.21%"


def test_yoy_with_counts_consistent(tmp_path):
    path = altered(tmp_path, YOY_OLD, "数量为 46件，上年为 81件，同比下降 43.21%")
    result = audit_file(path)
    yoy = [c for c in result.checks if c.kind == "yoy"]
    assert len(yoy) == 1 and yoy[0].status == "OK" and yoy[0].recomputed == "−43.21%"
    assert result.exit_code == 0


def test_yoy_direction_flipped_caught(tmp_path, capsys):
    rc, out, result = audit_altered(tmp_path, capsys, YOY_OLD,
                                    "数量为 46件，上年为 81件，同比增长 43.21%")
    assert rc == 1
    assert "同比增长43.21%" in out and "方向词「增长」与数值方向不符" in out
    bad = mismatches(result)
    assert [c.kind for c in bad] == ["yoy"]
    assert bad[0].stated == "+43.21%" and bad[0].recomputed == "−43.21%"


def test_pair_direction_word_caught(tmp_path):
    ok = altered(tmp_path, YOY_OLD, "数量由 81件下降至 46件，同比下降 43.21%", "ok.txt")
    assert audit_file(ok).exit_code == 0
    bad = altered(tmp_path, YOY_OLD, "数量由 81件增加至 46件，同比下降 43.21%", "bad.txt")
    result = audit_file(bad)
    assert [c.kind for c in mismatches(result)] == ["direction"]
    assert "由81件增加至46件" in mismatches(result)[0].sentences[0].text


def test_yoy_flipped_without_counts_caught_by_metrics(tmp_path, capsys):
    path = altered(tmp_path, YOY_OLD, "数量同比增长 43.21%")
    assert audit_file(path).exit_code == 0   # nothing in the text contradicts it …
    metrics = write_metrics(tmp_path, REFERENCE_METRICS)
    rc, out, _ = run_cli(["audit", str(path), "--metrics", str(metrics)], capsys)
    assert rc == 1 and "+43.21%" in out and "−43.21%" in out   # … but metrics.json does


def test_number_split_across_line_break_parsed(tmp_path):
    path = altered(tmp_path, "实际支出 774.90\n", "实际支出 774.\n\n90\n\n")
    result = audit_file(path)
    assert found(result)["budget.total_actual_wan"] == {"774.90万元"}
    assert result.exit_code == 0


def test_number_split_and_wrong_caught(tmp_path, capsys):
    rc, out, result = audit_altered(tmp_path, capsys, "实际支出 774.90\n",
                                    "实际支出 774.\n\n19\n\n")
    assert rc == 1
    assert "实际支出774.19万元" in out
    kinds = {c.kind for c in mismatches(result)}
    assert {"rate", "duplicate"} <= kinds


def test_actual_stated_inconsistently_caught(tmp_path, capsys):
    rc, out, result = audit_altered(tmp_path, capsys, "\n774.90万元，其中", "\n774.91万元，其中")
    assert rc == 1
    assert "全年实际支出数774.91万元,其中:基本支出580.13万元,专项经费支出194.77万元。" in out
    bad = mismatches(result)
    kinds = {c.kind for c in bad}
    assert kinds == {"duplicate"}
    # 580.13 + 194.77 = 774.90 vs 774.91 is within 0.01 per addend (a rounding residue)
    assert any(c.kind == "sum" and c.status == "OK" and c.stated == "774.91万元"
               for c in result.checks)
    dup = next(c for c in bad if c.kind == "duplicate")
    assert "774.90万元" in dup.stated and "774.91万元" in dup.stated


def test_split_parts_do_not_add_up(tmp_path):
    path = altered(tmp_path, "专项经费支出 194.77", "专项经费支出 194.97")
    bad = mismatches(audit_file(path))
    assert [c.kind for c in bad] == ["sum"]
    assert bad[0].recomputed == "775.10万元"


def test_fullwidth_and_spaced_numbers(tmp_path):
    text = ref_text().replace("98.95%。", "９８．９５ ％。").replace("783.16万元", "783.16万 元")
    path = tmp_path / "fw.txt"
    path.write_text(text, encoding="utf-8")
    result = audit_file(path)
    assert found(result)["budget.execution_rate_pct"] == {"98.95%"}
    assert found(result)["budget.total_budget_wan"] == {"783.16万元"}
    assert result.exit_code == 0


def test_gbk_and_bom_text(tmp_path):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(ref_text().encode("gbk"))
    bom = tmp_path / "bom.md"
    bom.write_bytes(ref_text().encode("utf-8-sig"))
    base = found(audit_file(REFERENCE))
    assert found(audit_file(gbk)) == base
    assert found(audit_file(bom)) == base


# ------------------------------------------------------------------------------------ --metrics

def test_metrics_consistent(tmp_path, capsys):
    metrics = write_metrics(tmp_path, REFERENCE_METRICS)
    rc, out, _ = run_cli(["audit", str(REFERENCE), "--metrics", str(metrics)], capsys)
    assert rc == 0, out
    result = audit_file(REFERENCE, metrics)
    compared = {c.title.split(" ↔ metrics ")[1] for c in result.checks if c.kind == "metrics"}
    assert {"budget.total_budget_wan", "budget.total_actual_wan", "budget.execution_rate_pct",
            "budget.basic_actual_wan", "budget.project_actual_wan",
            "petitions.first_time_resolution_rate_pct", "petitions.online_share_pct",
            "petitions.satisfaction_rate_pct", "score.total", "score.modules.履职效能",
            "score.modules.管理效率"} <= compared
    statuses = {c.title: c.status for c in result.checks if c.kind == "metrics"}
    assert set(statuses.values()) == {"OK"}, statuses
    assert any("national_initial_qiujue_yoy_pct" in t for t in statuses)
    assert any("national_initial_qiujue_rank" in t for t in statuses)


def test_metrics_value_changed(tmp_path, capsys):
    m = json.loads(json.dumps(REFERENCE_METRICS))
    m["petitions"]["satisfaction_rate_pct"] = 99.48
    m["score"]["modules"] = {"履职效能": 46.8, "管理效能": 45.2}   # alias name in metrics.json
    metrics = write_metrics(tmp_path, m)
    rc, out, _ = run_cli(["audit", str(REFERENCE), "--metrics", str(metrics)], capsys)
    assert rc == 1
    result = audit_file(REFERENCE, metrics)
    bad = {c.title for c in mismatches(result)}
    assert any(t.startswith("群众满意率") for t in bad)
    assert any(t.startswith("管理效率得分") for t in bad)
    assert "全系统群众满意率达到99.84%" in out


def test_metrics_missing_values_are_skipped(tmp_path):
    metrics = write_metrics(tmp_path, {"year": 2023, "budget": {"total_actual_wan": 774.9}})
    result = audit_file(REFERENCE, metrics)
    assert result.exit_code == 0
    statuses = [c.status for c in result.checks if c.kind == "metrics"]
    assert "OK" in statuses and "UNVERIFIED" in statuses


def test_metrics_unreadable(tmp_path, capsys):
    bad = tmp_path / "metrics.json"
    bad.write_text("{not json", encoding="utf-8")
    rc, out, err = run_cli(["audit", str(REFERENCE), "--metrics", str(bad)], capsys)
    assert rc == 2 and "metrics.json" in err and "Traceback" not in err + out


# ---------------------------------------------------------------------------------- docx / html

def _paragraph_texts() -> list[str]:
    """The reference report's paragraphs as one string each (what a Word/HTML version holds)."""
    from evalkit.audit.readers import text_to_paragraphs
    return ["".join(t for _, t in p.lines) for p in text_to_paragraphs(ref_text())]


def test_docx_same_findings(tmp_path, capsys):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for text in _paragraph_texts():
        if text.startswith(("一、", "二、", "三、", "四、")):
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    table = document.add_table(rows=3, cols=3)
    rows = [["项目", "全年预算拨款（万元）", "实际支出（元）"], ["合计", "783.16", "7,749,000.00"],
            ["基本支出", "", "5,801,300.00"]]
    for row, texts in zip(table.rows, rows):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    path = tmp_path / "report.docx"
    document.save(path)
    rc, out, _ = run_cli(["audit", str(path)], capsys)
    assert rc == 0, out
    result = audit_file(path)
    assert found(result) == found(audit_file(REFERENCE))
    assert result.extraction.fmt == "docx"
    assert any(f.sentence.where.startswith("表1") for f in result.extraction.figures)


def test_docx_wrong_figure_caught(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for text in _paragraph_texts():
        document.add_paragraph(text.replace("98.95%。", "98.59%。"))
    path = tmp_path / "bad.docx"
    document.save(path)
    result = audit_file(path)
    assert result.exit_code == 1
    assert "rate" in {c.kind for c in mismatches(result)}


def test_html_same_findings(tmp_path, capsys):
    import html as htmllib
    body = "\n".join(f"<p>{htmllib.escape(t[:20])}\n{htmllib.escape(t[20:])}</p>"
                     for t in _paragraph_texts())
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>自评报告</title>"
            "<style>p { color: red } /* 实际支出 999.99万元 */</style>"
            "<script>var s = '实际支出 999.99万元，预算执行率为 1.00%';</script></head><body>"
            f"{body}<table><tr><th>项目</th><th>全年预算拨款</th><th>实际支出(万元)</th></tr>"
            "<tr><td>合计</td><td>783.16万元</td><td>774.90</td></tr>"
            "<tr><td>其中：基本支出</td><td></td><td>580.13</td></tr></table></body></html>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    rc, out, _ = run_cli(["audit", str(path)], capsys)
    assert rc == 0, out
    assert "999.99" not in out
    result = audit_file(path)
    assert found(result) == found(audit_file(REFERENCE))
    assert result.extraction.fmt == "html"
    table_figs = {(f.key, f.display()) for f in result.extraction.figures
                  if "表格行" in f.sentence.where}
    assert table_figs == {("budget.total_budget_wan", "783.16万元"),
                          ("budget.total_actual_wan", "774.90万元"),
                          ("budget.basic_actual_wan", "580.13万元")}


# ---------------------------------------------------------------------------------- unreadable

@pytest.mark.parametrize("name,content", [
    ("missing.txt", None),
    ("corrupt.docx", b"this is not a zip file"),
    ("broken.docx", b"PK\x03\x04garbage"),
    ("report.pdf", b"%PDF-1.4"),
    ("report.doc", b"\xd0\xcf\x11\xe0"),
    ("binary.txt", bytes(range(128, 256)) * 4),
])
def test_unreadable_file_exit_2(tmp_path, capsys, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    rc, out, err = run_cli(["audit", str(path)], capsys)
    assert rc == 2
    assert "无法读取报告" in err and "cannot read report" in err
    assert "Traceback" not in out + err


def test_unreadable_json_mode(tmp_path, capsys):
    rc, out, err = run_cli(["audit", str(tmp_path / "nope.txt"), "--json"], capsys)
    assert rc == 2
    data = json.loads(out)
    assert data["exit_code"] == 2 and data["error"]["en"] == "file not found"


def test_directory_is_unreadable(tmp_path, capsys):
    rc, _, err = run_cli(["audit", str(tmp_path)], capsys)
    assert rc == 2 and "directory" in err


# ------------------------------------------------------------------------------- small units

def test_normalize_line():
    assert normalize_line("实际支出 774. 90 万 元，执行率 ９８.９５ ％") == "实际支出774.90万元,执行率98.95%"
    assert normalize_line("Word report") == "Word report"


def _audit_text(tmp_path: Path, text: str):
    path = tmp_path / "snippet.txt"
    path.write_text(text, encoding="utf-8")
    return audit_file(path)


def test_units_yuan_and_yi(tmp_path):
    result = _audit_text(tmp_path, "全年预算拨款7,831,600.00元，实际支出0.077490亿元，预算执行率为98.95%。"
                                   "全年实际支出数774.90万元。")
    figs = found(result)
    assert figs["budget.total_budget_wan"] == {"783.16万元"} or \
        {Decimal(f.value) for f in result.extraction.figures
         if f.key == "budget.total_budget_wan"} == {Decimal("783.16")}
    assert {f.value for f in result.extraction.figures if f.key == "budget.total_actual_wan"} \
        == {Decimal("774.90")}
    assert result.exit_code == 0


def test_amount_change_and_percentage_points(tmp_path):
    text = ("本年收入792.22万元。同比上年度增加189.25万元，增长31.39%。"
            "网信占比率为88.67%，上年为87.17%，较上年提高1.50个百分点。")
    result = _audit_text(tmp_path, text)
    checks = {c.kind: c for c in result.checks if c.kind in ("yoy", "change")}
    assert checks["yoy"].status == "OK" and checks["yoy"].recomputed == "+31.39%"
    assert checks["change"].status == "OK"
    wrong = _audit_text(tmp_path, text.replace("提高1.50", "降低1.50"))
    assert [c.kind for c in mismatches(wrong)] == ["change"]


def test_chinese_numeral_rank_and_unspent(tmp_path):
    text = ("全年预算783.16万元，实际支出774.90万元，结余8.26万元。"
            "到国家信访局登记求决类初次信访事项同比下降43.21%，在全市排名第三。")
    result = _audit_text(tmp_path, text)
    assert found(result)["rank:petitions.national_initial_qiujue_count"] == {"第3名"}
    unspent = [c for c in result.checks if c.kind == "unspent"]
    assert unspent and unspent[0].status == "OK"
    assert _audit_text(tmp_path, text.replace("8.26", "8.62")).exit_code == 1


def test_cli_verbose_shows_every_sentence(capsys):
    rc, out, _ = run_cli(["audit", str(REFERENCE), "-v"], capsys)
    assert rc == 0
    assert "检查明细" in out and out.count("原句［") >= 13


@pytest.mark.e2e
def test_real_entry_point():
    """The installed ``evalkit`` command (the console script pip made from pyproject's entry
    point) runs the audit in its own process. No skip: a broken entry point fails here."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "evalkit"]
    assert script.value == "evalkit.cli:run"
    exe = Path(sys.executable).parent / "evalkit"
    assert exe.is_file(), f"{exe} missing: pip install -e . did not make the command"
    done = subprocess.run([str(exe), "audit", str(REFERENCE)], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "数值一致" in done.stdout
