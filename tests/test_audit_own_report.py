"""``evalkit audit`` on evalkit's own HTML report: tables by sub-entity, merged cells, 自评表 rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from _audit_harness import HEADLINE, found, mismatches

from evalkit.audit import audit_file, extract_file
from evalkit.audit.readers import expand_grid, grid_rows

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS = FIXTURES / "metrics_2023_sample.json"
DEPARTMENT = FIXTURES / "report" / "department_2023.yaml"


@pytest.fixture(scope="module")
def own_html() -> str:
    from evalkit.report import render_report
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    department = yaml.safe_load(DEPARTMENT.read_text(encoding="utf-8"))
    return render_report(metrics, department, {}, {"year": 2023})


def audit_html(tmp_path: Path, html: str, name: str = "report.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return audit_file(path, METRICS)


def replace_once(html: str, pattern: str, new: str) -> str:
    """Replace the first match of the regex ``pattern`` (which must match)."""
    out, n = re.subn(pattern, new, html, count=1, flags=re.S)
    assert n == 1, pattern
    return out


# ------------------------------------------------------------------------------- own report

def test_own_report_consistent_with_its_metrics(tmp_path, own_html):
    result = audit_html(tmp_path, own_html)
    assert result.exit_code == 0, [(c.title, c.stated, c.recomputed) for c in mismatches(result)]
    figures = found(result)
    for key, value in HEADLINE.items():
        assert figures.get(key) == {value}, (key, figures.get(key))
    metric_checks = [c for c in result.checks if c.kind == "metrics" and c.status == "OK"]
    assert len(metric_checks) >= 15
    # the 自评表 rows are indicators, checked against their own 分值
    assert len(result.extraction.indicators) >= 8
    assert any(c.kind == "indicator" and c.status == "OK" for c in result.checks)
    # township / unit rows are scoped, not headline figures
    scoped = [f for f in result.extraction.figures if f.scope]
    assert any(f.scope == "新塘镇" and f.group_key == "petitions.online_share_pct@新塘镇"
               for f in scoped)


def test_narrative_rate_altered_is_caught(tmp_path, own_html):
    html = replace_once(own_html, r"预算执行率为98\.95%，预算结余", "预算执行率为98.59%，预算结余")
    result = audit_html(tmp_path, html)
    assert result.exit_code == 1
    bad = mismatches(result)
    assert {c.kind for c in bad} >= {"rate", "metrics"}
    sentences = {s.text for c in bad for s in c.sentences}
    assert any("预算执行率为98.59%" in s and "全年预算拨款783.16万元" in s for s in sentences)


def test_township_cell_is_scoped_but_total_row_is_checked(tmp_path, own_html):
    # a township's own rate is not the department's: no false mismatch
    html = replace_once(own_html, r"(<td>新塘镇</td><td class=\"num\">\d+</td>)"
                                  r"<td class=\"num\">[\d.]+%</td>",
                        r"\1<td class=\"num\">55.55%</td>")
    result = audit_html(tmp_path, html, "township.html")
    assert result.exit_code == 0, [(c.title, c.stated) for c in mismatches(result)]
    fig = next(f for f in result.extraction.figures if f.display() == "55.55%")
    assert fig.key == "petitions.online_share_pct" and fig.scope == "新塘镇"
    # the 合计 row of the 收支 table is the department's: a changed value is a mismatch
    html = replace_once(own_html, r"(<tfoot><tr><td>合计</td><td class=\"num\">783\.16</td>)"
                                  r"<td class=\"num\">774\.90</td>",
                        r"\1<td class=\"num\">774.99</td>")
    result = audit_html(tmp_path, html, "total.html")
    assert result.exit_code == 1
    bad = mismatches(result)
    assert any("合计" in s.text and "774.99" in s.text for c in bad for s in c.sentences)
    assert {c.kind for c in bad} >= {"duplicate", "metrics"}


def test_budget_line_rate_checked_within_its_row(tmp_path, own_html):
    row = re.search(r"<table data-kind=\"by-entity\">.*?<tbody>\s*<tr>(.*?)</tr>", own_html, re.S)
    assert row and "%" in row.group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    bad_row = row.group(0).replace(f">{cells[-1]}<", ">12.34%<")
    result = audit_html(tmp_path, own_html.replace(row.group(0), bad_row, 1), "line.html")
    bad = mismatches(result)
    assert len(bad) == 1 and bad[0].kind == "rate" and bad[0].stated == "12.34%"
    assert bad[0].figures[0].scope.startswith("行政运行")


def test_indicator_score_above_weight_caught(tmp_path, own_html):
    html = replace_once(own_html, r"(<td>信访事项及时受理率</td><td class=\"num\">4\.00</td>"
                                  r".*?<td class=\"num\">)4\.00(</td>)", r"\g<1>4.50\2")
    result = audit_html(tmp_path, html, "indicator.html")
    bad = mismatches(result)
    assert bad and all(c.kind == "indicator" for c in bad)
    assert any("信访事项及时受理率" in c.title and c.stated == "4.50分" for c in bad)


# ------------------------------------------------------------------ merged cells, two-row header

SCORECARD = """<html><body><h3>附件：自评表</h3><table>
<tr><th rowspan="2">一级指标</th><th rowspan="2">二级指标</th><th rowspan="2">三级指标</th>
<th colspan="3">评分</th></tr>
<tr><th>分值</th><th>得分</th><th>扣分</th></tr>
<tr><td rowspan="3">履职效能</td><td rowspan="2">产出</td><td>按期办结率</td><td>30</td><td>28</td><td>2</td></tr>
<tr><td>及时受理率</td><td>20</td><td>20</td><td>0</td></tr>
<tr><td>效益</td><td>一次性化解率</td><td>50</td><td>45</td><td>{lost}</td></tr>
<tr><td colspan="3">合计</td><td>100</td><td>93</td><td>7</td></tr>
</table>
<table><tr><th>镇街</th><th>按期办结率</th></tr><tr><td>新塘镇</td><td>97.00%</td></tr>
<tr><td>合计</td><td>98.76%</td></tr></table></body></html>"""


def test_grid_expands_rowspan_and_colspan():
    grid = expand_grid([[{"text": "a", "rowspan": 2}, {"text": "b", "colspan": 2}],
                        [{"text": "c"}, {"text": "d"}]])
    assert [[c.text for c in row] for row in grid] == [["a", "b", "b"], ["a", "c", "d"]]
    rows = grid_rows(grid, 1)
    assert [r.kind for r in rows] == ["header", "header"]
    assert rows[0].headers == ["a", "bc", "bd"]


def test_merged_scorecard_without_markup(tmp_path):
    path = tmp_path / "card.html"
    path.write_text(SCORECARD.format(lost="5"), encoding="utf-8")
    ext = extract_file(path)
    names = [(i.module, i.name, str(i.weight.value), str(i.score.value), str(i.lost.value))
             for i in ext.indicators]
    assert names == [("履职效能", "按期办结率", "30", "28", "2"),
                     ("履职效能", "及时受理率", "20", "20", "0"),
                     ("履职效能", "一次性化解率", "50", "45", "5")]
    metrics = tmp_path / "m.json"
    metrics.write_text(json.dumps({"year": 2023, "score": {"total": 93},
                                   "petitions": {"on_time_completion_rate_pct": 98.76}}),
                       encoding="utf-8")
    result = audit_file(path, metrics)
    assert result.exit_code == 0, [(c.title, c.stated, c.recomputed) for c in mismatches(result)]
    keys = {f.group_key: f.display() for f in result.extraction.figures}
    assert keys["score.total"] == "93分"
    assert keys["petitions.on_time_completion_rate_pct"] == "98.76%"    # the 合计 row
    assert keys["petitions.on_time_completion_rate_pct@新塘镇"] == "97.00%"
    path.write_text(SCORECARD.format(lost="2"), encoding="utf-8")
    bad = mismatches(audit_file(path))
    assert [c.title for c in bad] == ["［一次性化解率］扣分 = 分值 − 得分"]
