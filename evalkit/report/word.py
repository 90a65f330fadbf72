"""The Word renderer: draws the report's :class:`~evalkit.report.draft.Draft` as a 公文-style .docx.

The layout follows the national standard for official documents (GB/T 9704-2012, 党政机关公文格式)
as finance bureaus expect a submitted self-evaluation report:

* A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; 22 lines a page (fixed 29 pt);
* title in a 小标宋-style font (``方正小标宋简体``, 二号 22 pt, centred; a Word user without the
  方正 font sees 宋体: the font table names 宋体 as its alternative and GB2312 as its charset);
* body in 仿宋 三号 (16 pt) set as the East Asian font of every style (digits and Latin letters in
  Times New Roman), justified, first line indented by two characters;
* 「一、」 headings in 黑体 (style *Heading 1*), 「（一）」 headings in 楷体 (*Heading 2*), both at body
  size and indented like the body; the title has style *Title*;
* page numbers 「— 1 —」 in 宋体 四号, odd pages right and even pages left;
* the 落款 (单位（盖章） and 报告日期) right-aligned after the text;
* the 自评表 as 附件 on landscape pages (its own section), from the same
  :class:`~evalkit.scoring.scorecard.OfficialForm` as scorecard.xlsx.

Only what a department hands in is drawn: the ``html`` blocks of the draft (notes naming
department.yaml keys) are left out and the ``docx`` ones (「【待补充：…】」) drawn instead; analysis
tables (``detail``) and charts only when asked (:class:`WordOptions`). Sample data is marked
示例数据 in the page header and under the title. The document properties name the department,
never a tool, and carry a fixed date (no run timestamp).
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from evalkit.fsutil import atomic_write_bytes
from evalkit.report.draft import Draft, Figure, Items, Para, TableBlock, Tasks
from evalkit.report.tables import Table

# ----------------------------------------------------------------------------------- constants

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEI_FONT = "黑体"
KAI_FONT = "楷体"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_PT = 16            # 三号
TITLE_PT = 22           # 二号
PAGE_NUMBER_PT = 14     # 四号
TABLE_PT = 12           # 小四
FORM_PT = 10.5          # 五号 (the 自评表 has nine columns)
LINE_PT = 29            # 22 lines in the 225 mm type area
RED = RGBColor(0xC0, 0x00, 0x00)
SAMPLE_MARK = "示例数据"
SAMPLE_LINE = "（示例数据：本报告由示例数据生成，仅用于演示与测试，不代表真实情况）"

#: font table entries: name → (panose, family, pitch, alternative name)
FONTS = {
    TITLE_FONT: ("02000000000000000000", "auto", "variable", SONG_FONT),
    BODY_FONT: ("02010609060101010101", "modern", "fixed", "仿宋_GB2312"),
    HEI_FONT: ("02010609060101010101", "modern", "fixed", "SimHei"),
    KAI_FONT: ("02010609060101010101", "modern", "fixed", "楷体_GB2312"),
    SONG_FONT: ("02010600030101010101", "auto", "variable", "SimSun"),
}

#: The custom paragraph styles (name → east-asian font, size, bold, alignment, indent).
STYLES = {
    "表题": (HEI_FONT, 14, False, WD_ALIGN_PARAGRAPH.CENTER),
    "表格文字": (BODY_FONT, TABLE_PT, False, WD_ALIGN_PARAGRAPH.LEFT),
    "表格表头": (HEI_FONT, TABLE_PT, False, WD_ALIGN_PARAGRAPH.CENTER),
    "图题": (HEI_FONT, 14, False, WD_ALIGN_PARAGRAPH.CENTER),
    "附件标识": (HEI_FONT, BODY_PT, False, WD_ALIGN_PARAGRAPH.LEFT),
    "落款": (BODY_FONT, BODY_PT, False, WD_ALIGN_PARAGRAPH.RIGHT),
    "页码": (SONG_FONT, PAGE_NUMBER_PT, False, WD_ALIGN_PARAGRAPH.RIGHT),
    "示例数据": (HEI_FONT, 12, True, WD_ALIGN_PARAGRAPH.CENTER),
    "表单标题": (TITLE_FONT, 18, False, WD_ALIGN_PARAGRAPH.CENTER),
    "表单文字": (BODY_FONT, 12, False, WD_ALIGN_PARAGRAPH.LEFT),
}


@dataclass(frozen=True)
class WordOptions:
    """What the Word document shows beyond the text and its core tables.

    Attributes:
        charts: embed the charts (default off: most submissions are text and tables).
        detail_tables: include the analysis tables (budget lines, 镇街, 责任单位, 渠道, 各区 …).
    """

    charts: bool = False
    detail_tables: bool = False


# ----------------------------------------------------------------------------------- text

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text as Word can store it: control characters a spreadsheet cell may carry (a vertical
    tab from a pasted line break …) are not allowed in XML and become a space.

    >>> xml_text("第一行\x0b第二行")
    '第一行 第二行'
    """
    return _NOT_XML.sub(" ", str(text))


# ----------------------------------------------------------------------------------- fonts

def set_fonts(rpr_parent: Any, east_asia: str, size: float | None = None,
              bold: bool | None = None, latin: str = LATIN_FONT) -> None:
    """Set the fonts of a style or run: ``east_asia`` as its East Asian font (``w:eastAsia``),
    ``latin`` for digits and Latin letters; theme fonts removed (they would override the names)."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(round(size * 2))))
    if bold is not None:
        for tag in ("w:b", "w:bCs"):
            for el in rpr.findall(qn(tag)):
                rpr.remove(el)
            if bold:
                rpr.append(OxmlElement(tag))


def _plain_run_props(style: Any) -> None:
    """Drop colour, borders, italics and theme spacing a built-in style brings."""
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:i", "w:iCs", "w:spacing", "w:kern", "w:u"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    ppr = style.element.get_or_add_pPr()
    for el in ppr.findall(qn("w:pBdr")):
        ppr.remove(el)


def _indent_chars(pf: Any, paragraph_format_owner: Any, chars: int, size: float) -> None:
    """First-line indent of ``chars`` characters (``w:firstLineChars`` and its twips)."""
    pf.first_line_indent = Pt(chars * size)
    ind = paragraph_format_owner.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), str(chars * 100))


def _exact_lines(pf: Any, points: float) -> None:
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(points)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)


def _doc_defaults(doc: Any) -> None:
    """Document defaults: 仿宋 三号, zh-CN, no theme fonts, no spacing after paragraphs."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr, value in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:cs", LATIN_FONT),
                        ("w:eastAsia", BODY_FONT)):
        fonts.set(qn(attr), value)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(BODY_PT * 2))
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")


def _body_styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    set_fonts(normal.element, BODY_FONT, BODY_PT)
    pf = normal.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _exact_lines(pf, LINE_PT)
    _indent_chars(pf, normal.element, 2, BODY_PT)
    pf.widow_control = True

    title = doc.styles["Title"]
    _plain_run_props(title)
    set_fonts(title.element, TITLE_FONT, TITLE_PT, bold=False)
    tf = title.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_lines(tf, 36)
    tf.first_line_indent = Pt(0)
    tf.space_after = Pt(LINE_PT)

    for name, font in (("Heading 1", HEI_FONT), ("Heading 2", KAI_FONT)):
        style = doc.styles[name]
        _plain_run_props(style)
        set_fonts(style.element, font, BODY_PT, bold=False)
        hf = style.paragraph_format
        _exact_lines(hf, LINE_PT)
        _indent_chars(hf, style.element, 2, BODY_PT)
        hf.keep_with_next = True
        hf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _custom_styles(doc: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    for name, (font, size, bold, align) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        set_fonts(style.element, font, size, bold=bold)
        pf = style.paragraph_format
        pf.alignment = align
        pf.first_line_indent = Pt(0)
        _exact_lines(pf, max(size * 1.5, 16))
    doc.styles["落款"].paragraph_format.right_indent = Pt(4 * BODY_PT)
    doc.styles["落款"].paragraph_format.line_spacing = Pt(LINE_PT)
    doc.styles["页码"].paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
    doc.styles["示例数据"].font.color.rgb = RED
    doc.styles["表题"].paragraph_format.keep_with_next = True
    doc.styles["表题"].paragraph_format.space_before = Pt(6)
    doc.styles["表单标题"].paragraph_format.line_spacing = Pt(30)


def _font_table(doc: Any) -> None:
    """Add the fonts to the font table with their charset (GB2312) and alternative names, so a
    machine without one substitutes a Chinese font of the same kind (方正小标宋简体 → 宋体)."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    known = {el.get(qn("w:name")) for el in root.findall(qn("w:font"))}
    for name, (panose, family, pitch, alt) in FONTS.items():
        if name in known:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alt), ("w:panose1", panose), ("w:charset", "86"),
                           ("w:family", family), ("w:pitch", pitch)):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ----------------------------------------------------------------------------------- document

def _new_document(draft: Draft) -> Any:
    doc = Document()
    _doc_defaults(doc)
    _body_styles(doc)
    _custom_styles(doc)
    _font_table(doc)
    _drop_thumbnail(doc)
    _properties(doc, draft)
    section = doc.sections[0]
    _page_setup(section, landscape=False)
    doc.settings.odd_and_even_pages_header_footer = True
    _headers_and_footers(section, draft.is_sample)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):   # the template's empty first paragraph
        body.remove(p)
    return doc


def _drop_thumbnail(doc: Any) -> None:
    """The template's preview image is not this document's: leave it out."""
    rels = doc.part.package.rels
    for rid in [r for r, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
        rels.pop(rid)


def _properties(doc: Any, draft: Draft) -> None:
    cp = doc.core_properties
    cp.author = draft.department
    cp.last_modified_by = draft.department
    cp.title = draft.title
    cp.subject = "部门整体支出绩效自评报告"
    cp.comments = SAMPLE_LINE.strip("（）") if draft.is_sample else ""
    cp.keywords = SAMPLE_MARK if draft.is_sample else ""
    cp.category = ""
    cp.revision = 1
    day = _fixed_date(draft)
    cp.created = day
    cp.modified = day


def _fixed_date(draft: Draft) -> _dt.datetime:
    """The report date when given, else 1 January after the year (no run timestamp)."""
    day = draft.report_day
    if day is None:
        day = _dt.date(int(draft.year) + 1, 1, 1) if str(draft.year).isdigit() else _dt.date(2000, 1, 1)
    return _dt.datetime(day.year, day.month, day.day)


def _page_setup(section: Any, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(25), Mm(25)
        section.left_margin, section.right_margin = Mm(25), Mm(25)
        section.footer_distance = Mm(14)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(23)
    section.header_distance = Mm(15)


def _page_number(paragraph: Any) -> None:
    """「— PAGE —」 with a PAGE field."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    paragraph.add_run(" —")


def _headers_and_footers(section: Any, is_sample: bool) -> None:
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.style = "页码"
        p.alignment = align
        fmt = p.paragraph_format
        fmt.left_indent = Pt(PAGE_NUMBER_PT) if align == WD_ALIGN_PARAGRAPH.LEFT else Pt(0)
        fmt.right_indent = Pt(PAGE_NUMBER_PT) if align == WD_ALIGN_PARAGRAPH.RIGHT else Pt(0)
        _page_number(p)
    for header in (section.header, section.even_page_header):
        p = header.paragraphs[0]
        if is_sample:
            p.style = "示例数据"
            p.text = SAMPLE_MARK


# ----------------------------------------------------------------------------------- blocks

class _Writer:
    """Draws the blocks of a draft into a python-docx document."""

    def __init__(self, doc: Any, charts: Mapping[str, Path | str] | None, options: WordOptions):
        self.doc, self.options = doc, options
        self.charts = {k: Path(v) for k, v in (charts or {}).items()
                       if v is not None and Path(v).is_file()}
        self.tables = self.figures = 0
        self.width_mm = 156.0

    def para(self, text: str, style: str | None = None, bold_prefix: str = "") -> Any:
        p = self.doc.add_paragraph(style=style)
        if bold_prefix:
            r = p.add_run(bold_prefix)
            r.bold = True
        p.add_run(xml_text(text))
        return p

    def block(self, b: Any) -> None:
        if isinstance(b, Para):
            self.paragraph(b)
        elif isinstance(b, Items):
            self.items(b)
        elif isinstance(b, Tasks):
            self.tasks(b)
        elif isinstance(b, TableBlock):
            if not b.detail or self.options.detail_tables:
                self.table(b.table)
        elif isinstance(b, Figure):
            self.figure(b.name)

    def paragraph(self, b: Para) -> None:
        style = "表单文字" if b.style == "line" else None
        self.para(b.text, style)

    def items(self, b: Items) -> None:
        from evalkit.numfmt import cn_ordinal

        if b.lead:
            self.para(b.lead)
        for i, text in enumerate(b.items, 1):
            self.para(text, bold_prefix=f"{cn_ordinal(i)}是")

    def tasks(self, b: Tasks) -> None:
        from evalkit.numfmt import cn_ordinal

        self.para(b.intro)
        for i, t in enumerate(b.tasks, 1):
            self.para(t.title, bold_prefix=f"重点工作任务{cn_ordinal(i)}：")
            if t.goal:
                self.para(t.goal, bold_prefix="绩效目标：")
            if t.result:
                self.para(t.result, bold_prefix="完成情况：")

    def caption(self, t: Table, numbered: bool = True) -> None:
        if numbered:
            self.tables += 1
            text = f"表{self.tables}　{t.caption}"
        else:
            text = t.caption
        p = self.para(text, "表题")
        if t.unit:
            p.add_run(f"（单位：{t.unit}）")

    def table(self, t: Table, numbered: bool = True, size: float = TABLE_PT) -> None:
        self.caption(t, numbered)
        draw_table(self.doc, t, self.width_mm, size)

    def figure(self, name: str) -> None:
        from evalkit.report.builder import CHART_CAPTIONS

        if not self.options.charts or name not in self.charts:
            return
        self.figures += 1
        p = self.doc.add_paragraph(style="图题")
        p.add_run().add_picture(str(self.charts[name]), width=Mm(150))
        self.para(f"图{self.figures}　{CHART_CAPTIONS.get(name, name)}", "图题")


def _cell_text(cell: Any, text: str, style: Any, align: Any, bold: bool = False,
               size: float | None = None) -> None:
    p = cell.paragraphs[0]
    p.style = style
    p.alignment = align
    run = p.add_run(xml_text(text))
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)


def _row_props(row: Any, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _widths(t: Table, total_mm: float) -> list[float]:
    if t.widths:
        scale = total_mm / sum(t.widths)
        return [w * scale for w in t.widths]
    lengths = [max([len(t.head[c])] + [len(r[c]) for r in t.rows] + [3]) for c in range(len(t.head))]
    lengths = [min(x, 24) for x in lengths]
    return [total_mm * x / sum(lengths) for x in lengths]


def _align(t: Table, c: int) -> Any:
    if c in t.num:
        return WD_ALIGN_PARAGRAPH.RIGHT
    if c in t.center:
        return WD_ALIGN_PARAGRAPH.CENTER
    return WD_ALIGN_PARAGRAPH.LEFT


def draw_table(doc: Any, t: Table, width_mm: float, size: float = TABLE_PT) -> Any:
    """A Word table for a :class:`Table`: header row repeated, merged runs of the first
    ``t.merge`` columns, the ``foot`` row bold, numbers right-aligned."""
    rows = [t.head, *t.rows, *([t.foot] if t.foot else [])]
    table = doc.add_table(rows=len(rows), cols=len(t.head))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _widths(t, width_mm)
    # style objects, not names: python-docx resolves a name by scanning every style, per cell
    head_style, text_style = doc.styles["表格表头"], doc.styles["表格文字"]
    for c, col in enumerate(table.columns):
        col.width = Mm(widths[c])
    for r, values in enumerate(rows):
        row = table.rows[r]
        _row_props(row, header=r == 0)
        foot = t.foot is not None and r == len(rows) - 1
        spans = t.spans[r - 1] if 0 < r <= len(t.rows) else None
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = Mm(widths[c])
            if spans is not None and spans[c] == 0:
                continue                      # covered by the merged cell above
            if r == 0:
                _cell_text(cell, value, head_style, WD_ALIGN_PARAGRAPH.CENTER, size=size)
            else:
                _cell_text(cell, value, text_style, _align(t, c), bold=foot, size=size)
    _merge_spans(table, t)
    return table


def _merge_spans(table: Any, t: Table) -> None:
    """Merge the cells a row span covers (the text is in the first cell; the others are empty)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    for r, spans in enumerate(t.spans):
        for c, span in enumerate(spans):
            if span > 1:
                top = table.cell(r + 1, c).merge(table.cell(r + span, c))
                top.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                for p in top.paragraphs[1:]:
                    p._p.getparent().remove(p._p)
                top.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


# ----------------------------------------------------------------------------------- report

def _title(w: _Writer, draft: Draft) -> None:
    w.doc.add_paragraph(xml_text(draft.title), style="Title")
    if draft.is_sample:
        w.para(SAMPLE_LINE, "示例数据")


def _body(w: _Writer, draft: Draft) -> None:
    if draft.preamble:
        w.para(draft.preamble)
    for top in draft.sections:
        for s in top.walk():
            w.doc.add_paragraph(xml_text(s.title),
                                style="Heading 1" if s.level == 1 else "Heading 2")
            for b in s.blocks:
                if b.where != "html":
                    w.block(b)


def _signature(w: _Writer, draft: Draft) -> None:
    unit, date = draft.signature
    if w.doc.paragraphs:             # 落款 and text on one page (GB/T 9704: no 「此页无正文」)
        w.doc.paragraphs[-1].paragraph_format.keep_with_next = True
    for text in ("", unit):          # the 落款 never leaves its date on the next page
        w.para(text, "落款").paragraph_format.keep_with_next = True
    w.para(date, "落款")


def _appendix(w: _Writer, draft: Draft) -> None:
    section = w.doc.add_section(WD_SECTION.NEW_PAGE)
    _page_setup(section, landscape=True)
    w.width_mm = 247.0
    w.para("附件", "附件标识")
    title = draft.form.title if draft.form else draft.appendix_title.split("：")[-1]
    w.para(title, "表单标题")
    if draft.is_sample:
        w.para(SAMPLE_LINE, "示例数据")
    for b in draft.appendix:
        if b.where == "html":
            continue
        if isinstance(b, TableBlock):
            w.table(b.table, numbered=False, size=FORM_PT)
        else:
            w.block(b)


def render_docx(draft: Draft, charts: Mapping[str, Path | str] | None = None,
                options: WordOptions | None = None) -> Any:
    """The report as a python-docx ``Document`` (see the module docstring for the layout).

    Args:
        draft: the drafted report (:func:`evalkit.report.draft.draft_report`).
        charts: chart name → PNG path (used only with ``options.charts``).
        options: charts and analysis tables (default: neither).
    """
    options = options or WordOptions()
    doc = _new_document(draft)
    w = _Writer(doc, charts, options)
    _title(w, draft)
    _body(w, draft)
    _signature(w, draft)
    _appendix(w, draft)
    return doc


def docx_bytes(draft: Draft, charts: Mapping[str, Path | str] | None = None,
               options: WordOptions | None = None) -> bytes:
    """The .docx file of :func:`render_docx` as bytes."""
    buf = io.BytesIO()
    render_docx(draft, charts, options).save(buf)
    return buf.getvalue()


def write_docx(draft: Draft, path: Path | str, charts: Mapping[str, Path | str] | None = None,
               options: WordOptions | None = None) -> Path:
    """Write the report as .docx atomically (temporary file + ``os.replace``); return the path."""
    return atomic_write_bytes(path, docx_bytes(draft, charts, options))


__all__ = ["WordOptions", "docx_bytes", "draw_table", "render_docx", "set_fonts", "write_docx"]
