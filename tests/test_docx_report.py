"""report.docx: a 公文-style Word document that python-docx opens, audits consistent, hands in clean.

Style checks read the document's XML through python-docx: the East Asian font of each style
(仿宋 body, 黑体 「一、」, 楷体 「（一）」, 小标宋 title with a 宋体 fallback in the font table), sizes
(三号 16 pt, 二号 22 pt), heading levels (Title / Heading 1 / Heading 2, outline levels 0 and 1),
the first-line indent of two characters, A4 with 公文 margins, page numbers on odd and even pages,
the 自评表 as 附件 on landscape pages. The end-to-end checks use the report.docx that
``evalkit run`` wrote in the shared batch (tests/test_report_batch.py).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt

from evalkit.report import WordOptions, draft_report, render_docx, write_docx
from test_report_batch import Batch

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS = FIXTURES / "metrics_2023_sample.json"
DEPARTMENT = FIXTURES / "report" / "department_2023.yaml"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADINGS_1 = ["一、部门基本情况", "二、绩效自评情况", "三、存在的主要问题", "四、下一步改进措施"]


@pytest.fixture(scope="module")
def inputs() -> tuple[dict, dict]:
    return (json.loads(METRICS.read_text(encoding="utf-8")),
            yaml.safe_load(DEPARTMENT.read_text(encoding="utf-8")))


def reopen(document) -> docx.document.Document:
    buf = io.BytesIO()
    document.save(buf)
    return docx.Document(io.BytesIO(buf.getvalue()))


@pytest.fixture(scope="module")
def doc(inputs):
    metrics, department = inputs
    return reopen(render_docx(draft_report(metrics, department)))


def east_asia(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def size_pt(style) -> float:
    return style.font.size.pt


# ------------------------------------------------------------------------------ styles

@pytest.mark.parametrize("name, font, size", [
    ("Normal", "仿宋", 16), ("Title", "方正小标宋简体", 22), ("Heading 1", "黑体", 16),
    ("Heading 2", "楷体", 16)])
def test_style_east_asian_fonts_and_sizes(doc, name, font, size):
    style = doc.styles[name]
    assert east_asia(style) == font
    assert size_pt(style) == size
    fonts = style.element.rPr.find(qn("w:rFonts"))
    assert not [a for a in fonts.attrib if a.endswith("Theme")], "theme fonts override names"
    assert style.font.color.rgb is None and not style.font.bold


def test_document_defaults_are_fangsong_zh_cn(doc):
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_body_first_line_indent_of_two_characters_and_fixed_lines(doc):
    pf = doc.styles["Normal"].paragraph_format
    assert pf.first_line_indent == Pt(32)
    ind = doc.styles["Normal"].element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert pf.line_spacing == Pt(29)


def test_heading_levels(doc):
    by_style: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Title"] == ["2023年度广州市增城区信访局整体支出绩效自评报告"]
    assert by_style["Heading 1"] == HEADINGS_1
    assert by_style["Heading 2"][:2] == ["（一）部门职能", "（二）年度总体工作和重点工作任务"]
    assert len(by_style["Heading 2"]) == 8
    assert all(re.match(r"（[一二三四五六七八九十]+）", t) for t in by_style["Heading 2"])
    levels = {name: doc.styles[name].element.pPr.find(qn("w:outlineLvl")).get(qn("w:val"))
              for name in ("Heading 1", "Heading 2")}
    assert levels == {"Heading 1": "0", "Heading 2": "1"}


def test_font_table_names_the_fallbacks(doc):
    part = doc.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable")
    xml = part.blob.decode("utf-8")
    fonts = dict(re.findall(r'<w:font w:name="([^"]+)"><w:altName w:val="([^"]+)"/>', xml))
    assert fonts["方正小标宋简体"] == "宋体"
    for name in ("仿宋", "黑体", "楷体"):
        assert name in fonts
    assert xml.count('<w:charset w:val="86"/>') >= 4


# ------------------------------------------------------------------------------ page layout

def test_a4_with_official_margins_and_landscape_appendix(doc):
    def mm(*lengths) -> tuple[float, ...]:
        return tuple(round(x.mm) for x in lengths)

    first, last = doc.sections[0], doc.sections[-1]
    assert mm(first.page_width, first.page_height) == (210, 297)
    assert mm(first.top_margin, first.bottom_margin) == (37, 35)
    assert mm(first.left_margin, first.right_margin) == (28, 26)
    assert first.orientation == WD_ORIENT.PORTRAIT
    assert last.orientation == WD_ORIENT.LANDSCAPE and mm(last.page_width) == (297,)


def test_page_numbers_on_odd_and_even_pages(doc):
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert "PAGE" in xml and "fldChar" in xml
        p = footer.paragraphs[0]
        assert p.text.startswith("—") and p.text.endswith("—")
        assert p.alignment is not None and align in str(p.alignment).lower()


def test_appendix_is_the_official_form(doc):
    texts = [p.text for p in doc.paragraphs]
    i = texts.index("附件")
    assert doc.paragraphs[i].style.name == "附件标识"
    assert "2023年度部门整体支出绩效自评表" in texts[i:]
    tables = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["资金来源", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分"] in tables
    assert ["预期目标", "实际完成情况"] in tables
    form = next(t for t in doc.tables if t.rows[0].cells[-1].text == "偏差原因分析及改进措施")
    assert [c.text for c in form.rows[0].cells][:4] == ["一级指标", "二级指标", "三级指标", "分值"]
    header = form.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None          # repeats on every page
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in form.rows)
    assert any(p.text.startswith("填报人：") for p in doc.paragraphs[i:])


def test_signature_block(doc):
    sign = [p for p in doc.paragraphs if p.style.name == "落款" and p.text]
    assert [p.text for p in sign] == ["增城区信访局（盖章）", "　　年　　月　　日"]
    assert sign[0].paragraph_format.keep_with_next


def test_sample_is_marked(doc):
    assert any("示例数据" in p.text for p in doc.sections[0].header.paragraphs)
    assert any(p.text.startswith("（示例数据：") for p in doc.paragraphs[:3])
    assert doc.core_properties.keywords == "示例数据"


def test_real_data_is_not_marked(inputs):
    metrics, department = inputs
    metrics = {**metrics, "is_sample": False}
    department = {**department, "sample": False}
    doc = reopen(render_docx(draft_report(metrics, department)))
    assert "示例数据" not in "\n".join(p.text for p in doc.paragraphs)
    assert not any(p.text for p in doc.sections[0].header.paragraphs)


# ------------------------------------------------------------------------------ switches

@pytest.mark.e2e
def test_charts_off_by_default_and_on_by_switch(inputs, tmp_path):
    from evalkit.charts import save_all_charts

    metrics, department = inputs
    charts = save_all_charts(metrics, tmp_path / "charts")
    draft = draft_report(metrics, department)
    off = write_docx(draft, tmp_path / "off.docx", charts)
    on = write_docx(draft, tmp_path / "on.docx", charts, WordOptions(charts=True))
    media = [[n for n in zipfile.ZipFile(p).namelist() if n.startswith("word/media/")]
             for p in (off, on)]
    assert media[0] == [] and len(media[1]) >= 5
    captions = [p.text for p in docx.Document(on).paragraphs if p.style.name == "图题"]
    assert any(t.startswith("图1") for t in captions)


@pytest.mark.e2e
def test_analysis_tables_only_when_asked(inputs):
    metrics, department = inputs
    draft = draft_report(metrics, department)
    core = len(reopen(render_docx(draft)).tables)
    full = len(reopen(render_docx(draft, options=WordOptions(detail_tables=True))).tables)
    assert full > core >= 6          # 收支, 节点, 信访, 得分 + the form's 3 tables


# ------------------------------------------------------------------------------ other inputs

def test_bare_inputs_still_give_a_document():
    """No score, no petitions, no department text: placeholders, no appendix form, no crash."""
    metrics = {"year": 2024, "department": "某县信访局", "is_sample": False,
               "budget": {"total_budget_wan": 100.0, "total_actual_wan": 90.0,
                          "execution_rate_pct": 90.0}}
    doc = reopen(render_docx(draft_report(metrics, {"department": "某县信访局"})))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2024年度某县信访局整体支出绩效自评报告" in text
    assert "【待补充：部门职能】" in text and "【待补充：自评得分】" in text
    assert "暂无自评指标得分。" in text and "某县信访局（盖章）" in text
    assert "department.yaml" not in text and "示例数据" not in text


def test_markup_and_control_characters_are_kept_as_text(inputs):
    metrics, department = inputs
    department = {**department, "management": "<script>alert(1)</script>\x0b第二行 & 第三行"}
    metrics = json.loads(json.dumps(metrics))
    metrics["score"]["indicators"][0]["reason"] = "原因\x01含控制符"
    metrics["score"]["indicators"][0]["lost"] = 1.0
    doc = reopen(render_docx(draft_report(metrics, department)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "<script>alert(1)</script> 第二行 & 第三行" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert any("原因 含控制符" in c for c in cells)


# ------------------------------------------------------------------------------ hand-in clean

ID = re.compile(r"\b[LM]\d+\.\d+\b")


def docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                         if n.endswith((".xml", ".rels")))


def test_hand_in_docx_is_clean(inputs, tmp_path):
    metrics, department = inputs
    path = write_docx(draft_report(metrics, department), tmp_path / "r.docx")
    xml = docx_xml(path)
    ids = {i["id"] for i in metrics["score"]["indicators"]}
    assert not set(ID.findall(xml)) & ids
    for internal in ("guangzhou_district", ".yaml", "evalkit", "python-docx", "SHA-256",
                     "provenance", "尚待主管部门确认", metrics["generated_at"][:16]):
        assert internal not in xml, internal
    assert not re.search(r"\b[0-9a-f]{64}\b", xml)
    assert not [n for n in zipfile.ZipFile(path).namelist() if "thumbnail" in n]
    core = docx.Document(path).core_properties
    assert core.author == "增城区信访局" and "python" not in (core.comments or "").lower()


# ------------------------------------------------------------------------------ end to end

def test_run_writes_report_docx_and_provenance(batch: Batch):
    for year in (2021, 2023):
        folder = batch.out / str(year)
        assert (folder / "report.docx").is_file(), batch.log
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        assert record["year"] == year and record["is_sample"] and "示例数据" in record["note"]
        assert {"report.docx", "report.html", "metrics.json", "scorecard.xlsx"} <= set(
            record["outputs"])
        assert all(len(h) == 64 for h in record["outputs"].values())
        assert record["sources"] and record["metrics_provenance"]["inputs"]


def test_run_docx_carries_the_budget_block(batch: Batch):
    doc = docx.Document(batch.out / "2023" / "report.docx")
    block = next(t for t in doc.tables if t.rows[0].cells[0].text == "资金来源")
    total = [c.text for c in block.rows[1].cells]
    assert total == ["年度资金总额", "751.59", "783.16", "774.90", "5.00", "98.95", "4.95"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "财政拨款收入774.90万元。" in text
    assert "2024年3月15日" in text and "填报人：示例填报人" in text


@pytest.mark.parametrize("year", (2021, 2023))
def test_run_docx_audits_consistent_against_metrics_json(batch: Batch, year: int, capsys):
    from evalkit.cli import main

    code = main(["audit", str(batch.out / str(year) / "report.docx"), "--metrics",
                 str(batch.out / str(year) / "metrics.json")])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "数值一致" in out


def test_run_hand_in_files_are_clean(batch: Batch):
    """report.docx and scorecard.xlsx as ``evalkit run`` wrote them: no indicator id, framework
    file, hash, run timestamp or tool name; the sample stays marked in both."""
    for year in (2021, 2023):
        folder = batch.out / str(year)
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        ids = {i["id"] for i in metrics["score"]["indicators"]}
        for name in ("report.docx", "scorecard.xlsx"):
            with zipfile.ZipFile(folder / name) as zf:
                xml = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                                if n.endswith((".xml", ".rels")))
            assert not set(ID.findall(xml)) & ids, name
            for internal in ("guangzhou_district", ".yaml", "evalkit", "python-docx",
                             "xlsxwriter", "SHA-256", metrics["generated_at"][:16]):
                assert internal not in xml, (name, internal)
            assert not re.search(r"\b[0-9a-f]{64}\b", xml), name
            assert "示例数据" in xml, name
