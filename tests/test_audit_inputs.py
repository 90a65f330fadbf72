"""``evalkit audit`` inputs: the framework (module names and weights as data), a metrics.json
that is not evalkit's, control characters in the audited text, text tables of every layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _audit_harness import found, mismatches, run_cli

from evalkit.audit import audit_file
from evalkit.audit.stream import split_glued
from evalkit.audit.text import clean, normalize_line, printable
from evalkit.audit.texttables import find_tables

# --------------------------------------------------------------------------------- framework

#: a second, small framework with other module names and weights (决策 20 / 过程 30 / 绩效 50)
SMALL_FRAMEWORK = {
    "name": "small_test", "title": "测试用小框架", "total": 100,
    "grades": [{"name": "优", "min": 90}, {"name": "差", "min": 0}],
    "modules": [
        {"name": name, "weight": w, "confirmed": True, "children": [
            {"name": f"{name}一", "weight": w, "confirmed": True, "indicators": [
                {"id": f"{name}-1", "name": f"{name}指标", "weight": w, "confirmed": True,
                 "rule": "manual"}]}]}
        for name, w in (("决策", 20), ("过程", 30), ("绩效", 50))],
}
MODULE_TEXT = ("本单位整体支出绩效自评总分为88.00分。其中，决策自评18.00分，过程自评24.00分，"
               "绩效自评46.00分。\n")


def _framework(tmp_path: Path, data: dict = SMALL_FRAMEWORK) -> Path:
    path = tmp_path / "small_test.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _text(tmp_path: Path, text: str, name: str = "report.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_framework_option_gives_module_weights(tmp_path, capsys):
    fw = _framework(tmp_path)
    report = _text(tmp_path, MODULE_TEXT)
    result = audit_file(report, framework=fw)
    maxes = {c.title: (c.status, c.recomputed) for c in result.checks if c.kind == "max"}
    assert maxes["决策得分 ≤ 满分"] == ("OK", "满分20分")
    assert maxes["过程得分 ≤ 满分"] == ("OK", "满分30分")
    assert maxes["绩效得分 ≤ 满分"] == ("OK", "满分50分")
    modules = next(c for c in result.checks if c.kind == "modules")
    assert modules.status == "OK" and modules.recomputed == "88.00分"
    # 过程 above its weight of 30 in this framework: a mismatch, with no code change
    over = _text(tmp_path, MODULE_TEXT.replace("过程自评24.00分", "过程自评32.00分")
                 .replace("88.00分", "96.00分"), "over.txt")
    rc, out, _ = run_cli(["audit", str(over), "--framework", str(fw)], capsys)
    assert rc == 1 and "过程得分 ≤ 满分" in out and "满分30分" in out
    assert "small_test" in out


def test_without_framework_the_weight_is_unverified(tmp_path):
    over = _text(tmp_path, MODULE_TEXT.replace("过程自评24.00分", "过程自评32.00分")
                 .replace("88.00分", "96.00分"))
    result = audit_file(over)
    check = next(c for c in result.checks if c.title == "过程得分 ≤ 满分")
    assert check.status == "UNVERIFIED" and "满分未知" in check.reason
    assert result.exit_code == 0


def test_framework_missing_module_is_unverified(tmp_path):
    """All the framework's modules must be stated before their sum is compared with the total."""
    fw = _framework(tmp_path)
    text = "本单位自评总分为88.00分。其中，决策自评18.00分，过程自评24.00分。\n"
    result = audit_file(_text(tmp_path, text), framework=fw)
    modules = next(c for c in result.checks if c.kind == "modules")
    assert modules.status == "UNVERIFIED" and "绩效" in modules.reason


def test_framework_named_in_metrics(tmp_path):
    """metrics.json's score.framework names the framework (here the Guangzhou one)."""
    text = "本部门整体支出绩效自评总分为92.10分。其中，履职效能自评46.80分，管理效能自评45.30分。\n"
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"year": 2023, "score": {
        "framework": "guangzhou_district", "total": 92.1,
        "modules": {"履职效能": 46.8, "管理效率": 45.3}}}), encoding="utf-8")
    result = audit_file(_text(tmp_path, text), metrics)
    assert result.modules.certain and "guangzhou_district" in result.modules.source
    maxes = {c.title: c.recomputed for c in result.checks if c.kind == "max"}
    assert maxes["履职效能得分 ≤ 满分"] == "满分50分"
    assert result.exit_code == 0


def test_guessed_framework_never_gives_a_mismatch(tmp_path):
    """Matched by module names only, a weight is a guess: a score above it is 未核对."""
    text = ("本部门整体支出绩效自评总分为97.10分。其中，履职效能自评51.80分，管理效能自评45.30分。\n")
    result = audit_file(_text(tmp_path, text))
    check = next(c for c in result.checks if c.title == "履职效能得分 ≤ 满分")
    assert check.status == "UNVERIFIED" and "按报告中的模块名称匹配" in check.reason
    assert result.exit_code == 0


def test_unreadable_framework_exit_2(tmp_path, capsys):
    bad = _framework(tmp_path, {**SMALL_FRAMEWORK, "total": 90})     # weights do not add up
    rc, out, err = run_cli(["audit", str(_text(tmp_path, MODULE_TEXT)), "--framework", str(bad)],
                           capsys)
    assert rc == 2 and "评分框架无法读取" in err and "Traceback" not in out + err
    rc, _, err = run_cli(["audit", str(_text(tmp_path, MODULE_TEXT)), "--framework",
                          "no_such_framework"], capsys)
    assert rc == 2 and "no_such_framework" in err


# ------------------------------------------------------------------------------ --metrics

REPORT = "全年预算拨款783.16万元，实际支出774.90万元，预算执行率为98.95%。\n"


@pytest.mark.parametrize("content,where", [
    ("{}", "year"),
    ("[1, 2]", "顶层"),
    ('{"year": "2023", "budget": {}}', "year"),
    ('{"year": 2023}', "budget / petitions / score"),
    ('{"year": 2023, "budget": [774.9]}', "budget"),
    ('{"year": true, "budget": {}}', "year"),
    ('"metrics"', "顶层"),
])
def test_metrics_that_is_not_evalkits_is_refused(tmp_path, capsys, content, where):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(content, encoding="utf-8")
    rc, out, err = run_cli(["audit", str(_text(tmp_path, REPORT)), "--metrics", str(metrics)],
                           capsys)
    assert rc == 2
    assert "不是 evalkit 生成的 metrics.json" in err and "not an evalkit metrics.json" in err
    assert where in err and str(metrics) in err and "Traceback" not in out + err


def test_metrics_json_mode_error_is_json(tmp_path, capsys):
    metrics = tmp_path / "metrics.json"
    metrics.write_text("{}", encoding="utf-8")
    rc, out, _ = run_cli(["audit", str(_text(tmp_path, REPORT)), "--metrics", str(metrics),
                          "--json"], capsys)
    assert rc == 2 and json.loads(out)["exit_code"] == 2


# ----------------------------------------------------------------------- control characters

HOSTILE = ("全年预算拨款783.16万元，实际支出\x1b[2J\x1b[H774.90万元\x00，预算执行率为98.95%。\x1b]0;pwned\x07"
           "\n\x1b[32m检查通过 passed\x1b[0m 自评总分为92.10分\u200b。\n")


def test_control_characters_never_printed(tmp_path, capsys):
    path = _text(tmp_path, HOSTILE)
    for argv in (["audit", str(path)], ["audit", str(path), "--json"], ["audit", str(path), "-v"]):
        rc, out, err = run_cli(argv, capsys)
        assert rc == 0
        for bad in ("\x1b", "\x00", "\x07", "\u200b"):
            assert bad not in out + err, (argv, repr(bad))
    rc, out, _ = run_cli(["audit", str(path), "--json"], capsys)
    data = json.loads(out)
    assert "\\u001b" not in out and "\x1b" not in json.dumps(data, ensure_ascii=False)
    assert found(audit_file(path))["budget.total_actual_wan"] == {"774.90万元"}


def test_control_characters_in_html_never_printed(tmp_path, capsys):
    page = ("<html><body><p>" + HOSTILE.replace("\n", "</p><p>") + "</p><table><tr><th>项目\x1b[31m</th>"
            "<th>全年预算数</th></tr><tr><td>合计\x00</td><td>783.16\x1b[0m</td></tr></table></body></html>")
    path = _text(tmp_path, page, "report.html")
    for argv in (["audit", str(path)], ["audit", str(path), "--json"]):
        rc, out, err = run_cli(argv, capsys)
        assert rc == 0 and "\x1b" not in out + err and "\x00" not in out + err


def test_control_characters_in_the_file_name(tmp_path, capsys):
    path = tmp_path / "report\x1b[2J.txt"
    path.write_text(REPORT, encoding="utf-8")
    rc, out, err = run_cli(["audit", str(path)], capsys)
    assert rc == 0 and "\x1b" not in out and "\\x1b" in out
    rc, out, err = run_cli(["audit", str(tmp_path / "missing\x1b[31m.txt")], capsys)
    assert rc == 2 and "\x1b" not in err and "\\x1b" in err


def test_clean_and_printable():
    assert clean("a\x1b[1;31mb\x00c\u202ed") == "abcd"
    assert printable("x\x1b[0my") == "x\\x1b[0my"
    assert normalize_line("0 0 0 10 0 0") == "0 0 0 10 0 0"      # cells stay cells
    assert normalize_line("774. 90 万 元") == "774.90万元"


# ------------------------------------------------------------------------- text structure

def test_text_tables_of_every_layout_are_found():
    md = ["| 项目 | 年初预算数 | 全年预算数 | 全年执行数 |", "|---|---|---|---|", "| 合计 | 1 | 2 | 3 |"]
    tabs = ["项目\t年初预算数\t全年预算数\t全年执行数", "合计\t1\t2\t3"]
    spaces = ["项目    年初预算数    全年预算数    全年执行数", "合计    1    2    3"]
    cells = ["项目", "年初预算数", "全年预算数", "全年执行数", "合计", "1", "2", "3"]
    for lines in (md, tabs, spaces, cells):
        tables = [s.table for s in find_tables(lines) if s.table is not None]
        assert len(tables) == 1 and tables[0].rows[-1] == ["合计", "1", "2", "3"], lines


def test_prose_with_double_spaces_is_not_a_table():
    lines = ["本部门  全年预算拨款783.16万元，实际支出774.90万元。", "预算执行率为98.95%。"]
    assert all(s.table is None for s in find_tables(lines))


def test_glued_numbers_split_only_when_unambiguous():
    assert split_glued("64.864.864.8100%", 4) == ["64.8", "64.8", "64.8", "100%"]
    assert split_glued("120.00150.00138.6092.40%", 4) == ["120.00", "150.00", "138.60", "92.40%"]
    assert split_glued("1234", 2) is None           # 1|234, 12|34, 123|4: no way to tell


def test_cells_of_a_flattened_row_are_not_glued(tmp_path):
    """"年度资金总额: 0 0 0 10 0 0" is six cells, never 自评总分 1000 or 0001000."""
    text = "年度资金总额: 0 0 0 10 0 0\n43.2\n43.2\n37.24\n"
    result = audit_file(_text(tmp_path, text))
    assert not any(f.value in (1000, 1000, 43.243) for f in result.extraction.figures)
    assert not mismatches(result)


def test_header_word_does_not_label_another_columns_number(tmp_path):
    """…得分|原因|总额|238.93|… (a one-cell-per-line form): 238.93 is 年初预算数, not a score."""
    cells = ["年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因",
             "总额", "238.93", "251.89", "251.89", "100.00%", "10", "", "说明"]
    text = "\n".join(f"{c} |" if c else "|" for c in cells) + "\n"
    result = audit_file(_text(tmp_path, text))
    figs = found(result)
    assert "score.total" not in figs
    assert figs["budget.initial_budget_wan"] == {"238.93万元"}
    assert figs["budget.execution_rate_pct"] == {"100.00%"}


# ----------------------------------------------------------------- wordings from the issue

@pytest.mark.parametrize("text", [
    "预算执行率未达到90%的需说明原因。",
    "预算执行率=(预算执行数/预算数)×100%。",
    "《某县部门项目支出绩效自评表.docx(5页珍藏版)》请在文库上搜索。",
    "发布时间:2022-04-15 浏览量:1024\n",
    "按照县财〔2022〕2号文件，于2022年4月15日前报送。",
    "评分标准：每发现一处问题扣0.5分，扣完为止，以财政部门复核结果为准。",
])
def test_noise_is_never_a_figure(tmp_path, text):
    result = audit_file(_text(tmp_path, text))
    assert result.extraction.figures == [], [(f.key, f.raw) for f in result.extraction.figures]


def test_weight_in_brackets_is_a_weight(tmp_path):
    """产出指标(50分) is the module's weight, not its score."""
    text = "产出指标(50分)自评得分45.00分，效益指标(30分)自评得分28.00分。\n"
    figs = found(audit_file(_text(tmp_path, text)))
    assert figs["weight.modules.产出"] == {"50分"} and figs["score.modules.产出"] == {"45.00分"}
    assert figs["weight.modules.效益"] == {"30分"} and figs["score.modules.效益"] == {"28.00分"}


@pytest.mark.parametrize("text,key,value", [
    ("项目全年预算数2.03万元，执行数为2.03万元，完成预算的100%。", "budget.execution_rate_pct", "100%"),
    ("支出:799.12万元。其中:人员经费支出434.89万元。", "budget.personnel_actual_wan", "434.89万元"),
    ("调整预算后项目预算861.46万元，实际到位资金334.67万元。", "budget.funds_received_wan",
     "334.67万元"),
    ("年初预算安排1161.21万元，年中追加258.88万元。", "budget.initial_budget_wan", "1161.21万元"),
    ("决算总收入为1432.33万元，其中财政拨款收入1420.09万元。", "income.fiscal_wan", "1420.09万元"),
])
def test_wordings_of_real_reports_are_labelled(tmp_path, text, key, value):
    assert value in found(audit_file(_text(tmp_path, text))).get(key, set()), key


def test_income_and_its_part_are_not_one_figure(tmp_path):
    text = "决算总收入为1432.33万元，其中财政拨款收入1420.09万元，其他收入12.24万元。\n"
    result = audit_file(_text(tmp_path, text))
    assert not any(c.kind == "duplicate" for c in result.checks)
    part = next(c for c in result.checks if c.kind == "sum")
    assert part.status == "OK" and part.stated == "1432.33万元"


def test_a_figure_of_another_year_is_not_this_years(tmp_path):
    """2022年实际支出 in a 2023 report is last year's; 2021年… another year's: never repeats."""
    text = ("示例单位2023年度部门整体支出绩效自评报告\n"
            "2023年全年预算660.00万元，实际支出645.08万元，预算执行率为97.74%。\n"
            "2022年实际支出624.77万元。2021年实际支出600.00万元。\n")
    result = audit_file(_text(tmp_path, text))
    figs = found(result)
    assert figs["budget.total_actual_wan"] == {"645.08万元"}
    assert figs["prev:budget.total_actual_wan"] == {"624.77万元"}
    assert figs["budget.total_actual_wan@2021年"] == {"600.00万元"}
    assert result.exit_code == 0 and not any(c.kind == "duplicate" for c in result.checks)
