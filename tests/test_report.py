"""The HTML report: self-contained, escaped, figures from the metrics dict, graceful gaps, no PII.
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from evalkit.report import render_report, write_report
from test_report_batch import PLANTED_MARKUP, PLANTED_PII, Batch

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS = FIXTURES / "metrics_2023_sample.json"
DEPARTMENT = FIXTURES / "report" / "department_2023.yaml"
REFERENCE_FIGURES = ["783.16", "774.90", "98.95", "580.13", "194.77", "92.10", "46.80", "45.30",
                     "98.10", "88.67", "99.84", "43.21", "第3"]
HEADINGS = ["一、部门基本情况", "二、绩效自评情况", "三、存在的主要问题", "四、下一步改进措施"]


@pytest.fixture
def metrics() -> dict:
    return json.loads(METRICS.read_text(encoding="utf-8"))


@pytest.fixture
def department() -> dict:
    return yaml.safe_load(DEPARTMENT.read_text(encoding="utf-8"))


class _Scan(HTMLParser):
    """Collect tags, attributes, ids, text and <style> content of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def scan(html: str) -> _Scan:
    s = _Scan()
    s.feed(html)
    return s


def text_of(html: str) -> str:
    return "".join(scan(html).text)


def assert_self_contained(html: str) -> None:
    """No http(s)://, no protocol-relative //, in src/href/url(/@import; no script; lang zh-CN."""
    assert re.search(r"https?://", html, re.I) is None
    page = scan(html)
    for tag, attrs in page.tags:
        assert tag not in {"script", "link", "iframe", "object", "embed", "base"}, tag
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            value = (attrs.get(name) or "").strip()
            if not value:
                continue
            if name == "href":
                assert value.startswith("#"), f"{tag} href={value[:60]}"
            else:
                assert value.startswith("data:image/png;base64,"), f"{tag} {name}={value[:60]}"
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert "//" not in re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert re.search(r"<html lang=\"zh-CN\">", html)


# ---------------------------------------------------------------------------------------------
# unit tests on the fixture metrics dict (fast)
# ---------------------------------------------------------------------------------------------

def test_fixture_report_structure(metrics: dict, department: dict) -> None:
    html = render_report(metrics, department, {}, {"year": 2023})
    assert html.startswith("<!DOCTYPE html>")
    assert_self_contained(html)
    text = text_of(html)
    assert "2023年度广州市增城区信访局整体支出绩效自评报告" in text
    for heading in HEADINGS + ["（一）部门职能", "（二）年度总体工作和重点工作任务",
                               "（三）部门整体支出绩效目标", "（四）部门整体收支情况",
                               "（五）部门整体绩效管理情况", "（一）自评结论", "（二）履职效能分析",
                               "（三）管理效率分析", "部门整体支出绩效自评表"]:
        assert heading in text, heading
    for figure in REFERENCE_FIGURES:
        assert figure in text, figure
    assert "我部门2023年全年预算拨款783.16万元，实际支出774.90万元，预算执行率为98.95%" in text
    assert "其中：基本支出580.13万元，项目支出194.77万元" in text
    assert "本部门整体支出绩效自评总分为92.10分，等级为优。其中，履职效能自评46.80分，管理效率自评45.30分。" in text
    assert "同比下降43.21%，下降幅度在全市11个区中排名第3" in text


def test_toc_anchors_resolve(metrics: dict, department: dict) -> None:
    page = scan(render_report(metrics, department, {}, {}))
    ids = {attrs["id"] for _, attrs in page.tags if "id" in attrs}
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a" and "href" in attrs]
    assert len(hrefs) >= 12
    for href in hrefs:
        assert href[1:] in ids, href


def test_print_css_and_font_stack(metrics: dict, department: dict) -> None:
    html = render_report(metrics, department, {}, {})
    css = "".join(scan(html).styles)
    assert "@media print" in css and "break-before: page" in css and "@page" in css
    assert '"Noto Sans CJK SC"' in css and '"Microsoft YaHei"' in css and "SimSun" in css


def test_sentences_follow_the_metrics_dict(metrics: dict, department: dict) -> None:
    """Change a figure in the dict: the sentence and table change with it (nothing typed in)."""
    changed = copy.deepcopy(metrics)
    changed["budget"]["total_actual_wan"] = 701.235
    changed["petitions"]["national_initial_qiujue_yoy_pct"] = 12.5
    changed["petitions"]["national_initial_qiujue_rank"] = 7
    text = text_of(render_report(changed, department, {}, {}))
    assert "实际支出701.24万元" in text and "实际支出774.90万元" not in text
    assert "同比增长12.50%，在全市11个区中排名第7" in text and "下降幅度" not in text


def test_charts_embedded_as_data_uris(metrics: dict, department: dict, tmp_path: Path) -> None:
    from evalkit import charts

    paths = charts.save_all_charts(metrics, tmp_path / "charts", names=["budget_by_type",
                                                                        "score_modules"])
    html = render_report(metrics, department, paths, {})
    assert_self_contained(html)
    imgs = [attrs for tag, attrs in scan(html).tags if tag == "img"]
    assert len(imgs) == 2 and all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert "图1" in text_of(html) and "各一级指标自评得分与扣分" in text_of(html)


def test_non_png_chart_is_rejected(metrics: dict, department: dict, tmp_path: Path) -> None:
    fake = tmp_path / "x.png"
    fake.write_text("<svg onload=alert(1)>", encoding="utf-8")
    with pytest.raises(ValueError, match="not a PNG"):
        render_report(metrics, department, {"budget_by_type": fake}, {})


def test_strings_from_yaml_and_spreadsheets_are_escaped(metrics: dict, department: dict) -> None:
    evil = "<script>alert(1)</script>"
    department = {**department, "department": "增城区信访局" + evil,
                  "key_tasks": [{"title": evil, "goal": "<b>g</b>", "result": "&amp;"}],
                  "functions": ['"><img src=x onerror=alert(3)>']}
    metrics = copy.deepcopy(metrics)
    metrics["petitions"]["by_unit"][0]["responsible_unit"] = evil
    metrics["petitions"]["by_township"][0]["township"] = evil
    metrics["score"]["indicators"][0]["reason"] = evil
    html = render_report(metrics, department, {}, {"data_dir": evil})
    assert "<script" not in html and "<img src=x" not in html and "<b>g</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" in html
    assert_self_contained(html)


def test_sample_banner_only_for_sample_data(metrics: dict, department: dict) -> None:
    html = render_report(metrics, department, {}, {})
    assert 'class="sample-banner"' in html and 'class="watermark"' in html
    real = {**copy.deepcopy(metrics), "is_sample": False}
    html = render_report(real, {**department, "sample": False}, {}, {})
    assert "示例数据" not in text_of(html) and "sample-banner" not in html.split("</style>")[1]


def test_missing_sections_degrade_with_a_note(metrics: dict, department: dict) -> None:
    bare = copy.deepcopy(metrics)
    bare["peers"] = []
    bare.pop("score")
    for key in ("national_initial_qiujue_rank", "national_initial_qiujue_yoy_pct"):
        bare["petitions"][key] = None
    bare["yoy_text"] = {}
    html = render_report(bare, {"department": "增城区信访局"}, {}, {})
    assert_self_contained(html)
    text = text_of(html)
    assert "未提供全市各区对比数据" in text
    assert "暂无自评得分" in text and "暂无自评指标得分" in text
    assert "未填写部门职能" in text
    assert "排名" not in text.split("二、绩效自评情况")[1].split("三、")[0]


def test_footer_has_time_parameters_and_hashes(metrics: dict, department: dict) -> None:
    html = render_report(metrics, department, {}, {"year": 2023, "data_dir": "/x/raw",
                                                   "generated_at": "2024-03-01T10:00:00+08:00"})
    text = text_of(html)
    assert "2024年3月1日 10:00:00（UTC+08:00）" in text
    assert "year = 2023" in text and "data_dir = /x/raw" in text
    for source in metrics["sources"]:
        assert source["name"] in text and source["sha256"] in text


def test_write_report_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "2023" / "report.html"
    write_report("<p>old</p>", target)
    write_report("<p>新</p>", target)
    assert target.read_text(encoding="utf-8") == "<p>新</p>"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_narrative_uses_numfmt_half_up(metrics: dict) -> None:
    from evalkit.report import narrative

    m = copy.deepcopy(metrics)
    m["budget"].update(total_budget_wan=0.125, total_actual_wan=2.675, execution_rate_pct=98.945)
    first = narrative.income_expenditure(m)[0]
    assert "0.13万元" in first and "2.68万元" in first and "98.95%" in first


# ---------------------------------------------------------------------------------------------
# the real 2023 report from the shared batch on the sample data
# ---------------------------------------------------------------------------------------------

def test_sample_2023_report_states_the_reference_figures(batch: Batch) -> None:
    html = batch.report(2023).read_text(encoding="utf-8")
    assert_self_contained(html)
    text = text_of(html)
    for figure in REFERENCE_FIGURES:
        assert figure in text, figure
    assert "我部门2023年全年预算拨款783.16万元，实际支出774.90万元，预算执行率为98.95%" in text
    assert "其中：基本支出580.13万元，项目支出194.77万元" in text
    assert "自评总分为92.10分" in text and "履职效能自评46.80分" in text and "管理效率自评45.30分" in text
    assert "一次性化解率为98.10%" in text and "网信占比率为88.67%" in text
    assert "群众满意率达到99.84%" in text and "同比下降43.21%" in text and "排名第3" in text
    assert "示例数据" in text
    for tag, _ in scan(html).tags:
        assert tag not in {"pre", "code", "script"}
    assert "Traceback" not in text and "Warning" not in text


def test_sample_2023_report_matches_metrics_json(batch: Batch) -> None:
    metrics = json.loads((batch.out / "2023" / "metrics.json").read_text(encoding="utf-8"))
    text = text_of(batch.report(2023).read_text(encoding="utf-8"))
    from evalkit.numfmt import fmt_pct, fmt_wan

    assert fmt_wan(metrics["budget"]["total_actual_wan"]) in text
    assert fmt_pct(metrics["petitions"]["online_share_pct"]) in text
    for source in metrics["sources"]:
        assert source["sha256"] in text


def test_sample_2021_report_without_peers_degrades(batch: Batch) -> None:
    html = batch.report(2021).read_text(encoding="utf-8")
    assert_self_contained(html)
    text = text_of(html)
    assert "未提供全市各区对比数据" in text
    for heading in HEADINGS:
        assert heading in text


def test_planted_markup_comes_out_escaped(batch: Batch) -> None:
    html = batch.report(2023).read_text(encoding="utf-8")
    assert "<script" not in html
    for value in PLANTED_MARKUP.values():
        escaped = value.replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in html, escaped


_BLOB = re.compile(r"(?:[A-Za-z0-9+/]{76,}\\?n?){3,}[A-Za-z0-9+/=]*")  # base64 (PNG outputs)


def _output_texts(batch: Batch) -> dict[str, str]:
    """Every output file as text: html decoded, json/ipynb re-dumped unescaped, xlsx and docx
    members unzipped, base64 image data removed; PNGs decoded leniently (text chunks would show)."""
    texts: dict[str, str] = {}
    for path in sorted(batch.out.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix in {".xlsx", ".docx"}:
            with zipfile.ZipFile(path) as zf:
                text = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        elif path.suffix in {".json", ".ipynb"}:   # undo any \\uXXXX escaping
            text = json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        texts[str(path)] = text if path.suffix == ".png" else _BLOB.sub("", text)
    return texts


@pytest.mark.e2e
def test_no_personal_data_in_any_output(batch: Batch) -> None:
    texts = _output_texts(batch)
    assert any(p.endswith("report.html") for p in texts)
    assert any(p.endswith(".xlsx") for p in texts)
    assert any(p.endswith("report.docx") for p in texts)
    assert any(p.endswith("provenance.json") for p in texts)
    assert sum(len(t) for p, t in texts.items() if not p.endswith(".png")) < 5_000_000
    numbers = batch.register_pii["身份证号"] | batch.register_pii["联系电话"]
    words = [v for key in ("地址", "诉求内容") for v in batch.register_pii[key]]
    words += [v for v in batch.register_pii["信访人姓名"] if len(v) >= 3]
    assert len(numbers) > 1000 and len(words) > 1000
    planted = set(PLANTED_PII.values())
    for path, text in texts.items():
        leaked = [v for v in planted if v in text]
        assert not leaked, f"{path} contains planted personal data: {leaked}"
        if path.endswith(".png"):
            continue
        tokens = set(re.findall(r"\d{17}[\dXx]|\d{11}", text))
        assert not tokens & numbers, f"{path} has ID/phone numbers: {sorted(tokens & numbers)[:3]}"
        leaked = [w for w in words if w in text]
        assert not leaked, f"{path} contains register text: {leaked[:3]}"
        assert "petitioner_key" not in text, path


def test_no_personal_data_in_processed_cache(batch: Batch) -> None:
    import pandas as pd

    frames = [pd.read_parquet(p) for p in batch.processed.rglob("*.parquet")]
    assert frames
    planted = set(PLANTED_PII.values())
    for frame in frames:
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("string"):
                values = set(frame[column].dropna().astype(str))
                assert not values & planted, column


@pytest.mark.parametrize("year", (2021, 2023))
def test_generated_report_passes_its_own_audit(batch: Batch, year: int, capsys) -> None:
    """The report evalkit writes must be consistent by evalkit's own audit, against metrics.json."""
    from evalkit.cli import main

    code = main(["audit", str(batch.report(year)), "--metrics",
                 str(batch.out / str(year) / "metrics.json")])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "数值一致" in out


def test_list_tables_follow_the_catalogue_and_tolerate_hand_edits(metrics: dict) -> None:
    """The 镇街 table's columns are the catalogue fields of petitions.by_township, in order;
    a hand-edited value that is not a number prints —, a row that is not a mapping is skipped."""
    from evalkit import catalogue
    from evalkit.report import tables

    fields = catalogue.fields("petitions.by_township")
    table = tables.township_table(metrics)
    assert table.head == [catalogue.header(f.key, unit=False) for f in fields.values()]
    assert table.num == set(range(1, len(fields)))
    metrics["petitions"]["by_township"] = [{"township": "A镇", "cases": "x",
                                            "online_share_pct": "88.5"}, "junk"]
    assert tables.township_table(metrics).rows == [["A镇", "—", "88.50%"] + ["—"] * (len(fields) - 3)]
