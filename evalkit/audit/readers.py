"""Read a written report (.txt/.md, .html/.htm, .docx) into paragraphs of raw lines.

A reader only recovers the text and where it came from; normalisation (NFKC, joining broken
lines, removing stray spaces) is done by :mod:`evalkit.audit.extract` so that every format goes
through the same rules.

Each paragraph is a list of ``(line_label, text)`` pairs: the lines that make up the paragraph as
the file breaks them (a PDF-to-text export breaks a sentence every ~30 characters), and a label
saying where the line is (``第12行``, ``第3段``, ``表1第2行``). Paragraph ends are hard sentence
breaks; line breaks inside a paragraph are joined.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED = sorted(TEXT_SUFFIXES | HTML_SUFFIXES | DOCX_SUFFIXES)

Line = tuple[str, str]  # (where, raw text)


class AuditReadError(Exception):
    """The report cannot be read; carries a Chinese and an English message (no traceback shown)."""

    def __init__(self, path: Path | str, zh: str, en: str):
        self.path = str(path)
        self.zh = zh
        self.en = en
        super().__init__(self.format())

    def format(self) -> str:
        """One line: ``[错误] 无法读取报告【file】：reason / cannot read report: reason``."""
        return f"[错误] 无法读取报告【{self.path}】：{self.zh} / cannot read report: {self.en}"


@dataclass
class Paragraph:
    """One paragraph (or table row) of the report as raw lines."""

    lines: list[Line]
    is_heading: bool = False   # a heading by markup (h1–h6, Word heading style); text rules add more
    is_table_row: bool = False
    row: "TableRow | None" = None   # the table row (cells, column labels, kind) of a table row


@dataclass
class RawReport:
    """The text of a report file, split into paragraphs, with its format."""

    path: Path
    fmt: str                        # "text" | "html" | "docx"
    paragraphs: list[Paragraph] = field(default_factory=list)
    encoding: str | None = None


# -------------------------------------------------------------------------------------- tables

_NUMERIC_CELL = re.compile(r"^[\s\d,.，．%％+-]+(?:万元|元|亿元|%|％|分)?$")
_HAS_DIGIT = re.compile(r"\d")

#: Table kinds (``data-kind`` on ``<table>``, else inferred from the header):
#: ``by-entity`` – each row is one sub-entity (镇街, 责任单位, 预算科目/项目, 区, 渠道, 年度 …);
#: ``scorecard`` – indicator rows of a 自评表 (一级/二级/三级指标, 分值, 得分 …);
#: ``totals``/``headline`` – rows are department-wide quantities (the default reading).
TABLE_KINDS = ("by-entity", "scorecard", "totals", "headline")

# a row header naming the department as a whole (or a total): its figures are headline figures
TOTAL_ROW = re.compile(r"^(?:其中[:：]?)?(?:合计|总计|共计|总分|小计|全部|总体|整体|全区|全局|全系统|"
                       r"本部门|本单位|本局|我局|我部门|部门整体|部门合计|年度资金总额|资金总额|总额)")
# first column headers of tables whose rows are sub-entities
_ENTITY_HEADER = re.compile(
    r"^(?:镇街|镇[(（]街[)）]|街镇|镇|街道|乡镇|镇街名称|责任单位|承办单位|办理单位|单位|单位名称|部门|部门名称|"
    r"区|地区|区县|县区|各区|城区|区域|渠道|信访渠道|科目|科目编码|科目名称|功能科目|项目名称|预算项目|"
    r"年度|年份|年|月份|月|时点|时间|季度|排名|序号|名次|资金来源|资金性质|资金类别)$")
# a row header that names a sub-entity (a 镇/街道/区/局 …, a year)
_ENTITY_NAME = re.compile(r"(?:镇|街道|街|乡|区|县|局|办事处|政府|委员会|委|中心|公司|大队|支队|所|院|校|"
                          r"\d{4}年?度?)$")
_SCORE_HEADER = re.compile(r"分值|权重|满分|得分|评分")
_INDICATOR_HEADER = re.compile(r"二级指标|三级指标|指标名称|具体指标|末级指标")


@dataclass
class TableRow:
    """One table row after merged cells are expanded into a grid.

    ``kind``: ``header`` (column labels), ``total`` (合计/总计/全部/the department: headline
    figures), ``entity`` (a sub-entity's row in a ``by-entity`` table: its figures are scoped to
    ``entity``), ``indicator`` (an indicator row of a ``scorecard`` table) or ``data``.
    """

    table: int
    kind: str
    table_kind: str
    cells: list[str]                 # one per grid column (a merged cell repeats its text)
    headers: list[str]               # the column label of each grid column ("" when none)
    entity: str = ""                 # the row header of an entity / indicator row
    row_head: str = ""               # the row header used to label numeric cells
    copies: list[bool] = field(default_factory=list)   # cell repeated from a merged cell
    title: str = ""                  # a block title given before the table (预算执行情况(10分))


@dataclass
class GridCell:
    """A cell placed in the table grid; ``copy`` when it repeats a merged (spanning) cell."""

    text: str
    is_th: bool = False
    scope: str = ""
    copy: bool = False          # covered by a rowspan/colspan of another cell
    col_copy: bool = False      # covered by a colspan (same row)
    spans_next_row: bool = False
    spans_cols: bool = False


def is_numeric_cell(text: str) -> bool:
    """A cell holding only a number (with an optional unit)."""
    return bool(text) and bool(_NUMERIC_CELL.match(text)) and bool(_HAS_DIGIT.search(text))


def expand_grid(rows: list[list[dict]]) -> list[list[GridCell]]:
    """Expand rows of cells with ``rowspan``/``colspan`` into a rectangular grid.

    Each input cell is ``{"text", "th", "scope", "rowspan", "colspan"}``; a spanning cell is
    repeated (``copy=True``) in every grid position it covers.
    """
    taken: dict[tuple[int, int], GridCell] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            rs = max(1, min(int(cell.get("rowspan") or 1), len(rows) - r))
            cs = max(1, min(int(cell.get("colspan") or 1), 200))
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = GridCell(
                        cell["text"], cell.get("th", False), cell.get("scope", ""),
                        copy=bool(dr or dc), col_copy=bool(dc and not dr),
                        spans_next_row=(rs > 1 and dr < rs - 1), spans_cols=cs > 1)
            c += cs
        width = max([width] + [cc + 1 for (rr, cc) in taken if rr == r])
    return [[taken.get((r, c), GridCell("", copy=True)) for c in range(width)]
            for r in range(len(rows))]


def count_header_rows(grid: list[list[GridCell]], marked: int | None = None) -> int:
    """How many leading rows are column headers.

    ``marked``: rows in ``<thead>`` (HTML). Else the leading rows made only of ``<th>`` cells;
    else the first row unless it holds a number. A header row with a merged cell reaching down
    or across (a two-level header) takes the next row too when that one holds no number.
    """
    if marked:
        return marked
    n = 0
    for row in grid:
        cells = [c for c in row if c.text]
        if cells and all(c.is_th and c.scope != "row" for c in cells):
            n += 1
        else:
            break
    if n:
        return n
    if not grid or any(is_numeric_cell(c.text) for c in grid[0]):
        return 0
    n = 1
    while n < len(grid) and any(c.spans_next_row or c.spans_cols for c in grid[n - 1]) \
            and not any(is_numeric_cell(c.text) for c in grid[n]) \
            and any(c.copy and not c.col_copy for c in grid[n]):
        n += 1
    return n


def column_labels(header_rows: list[list[GridCell]], width: int) -> list[str]:
    """The label of each column: the distinct header texts above it, top to bottom, joined."""
    labels = []
    for c in range(width):
        parts: list[str] = []
        for row in header_rows:
            text = row[c].text.strip() if c < len(row) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        labels.append("".join(parts))
    return labels


def infer_table_kind(headers: list[str], body: list[list[str]]) -> str:
    """``scorecard`` / ``by-entity`` / ``""`` from the column labels and row headers."""
    joined = " ".join(headers)
    if _INDICATOR_HEADER.search(joined) and _SCORE_HEADER.search(joined):
        return "scorecard"
    first = re.sub(r"\s+", "", headers[0]) if headers else ""
    if first and _ENTITY_HEADER.match(first):
        return "by-entity"
    heads = [_row_head(cells) for cells in body]
    heads = [h for h in heads if h and not TOTAL_ROW.match(re.sub(r"\s+", "", h))]
    if len(heads) >= 2 and sum(bool(_ENTITY_NAME.search(re.sub(r"\s+", "", h)))
                               for h in heads) * 2 > len(heads):
        return "by-entity"
    return ""


def _row_head(cells: list[str]) -> str:
    """The first non-numeric, non-empty cell (a rank or code before it is skipped)."""
    for cell in cells:
        if cell and not is_numeric_cell(cell):
            return cell
    return ""


def _entity(cells: list[str], headers: list[str]) -> str:
    """The name of an entity row: its leading text cells (before the first number), with a
    short number before them (a year, a rank, a 序号: ``2022·12月底``, ``1·从化区``)."""
    parts = []
    for cell in cells:
        if is_numeric_cell(cell):
            if parts:
                break
            if len(cell.strip()) <= 4 and "." not in cell:
                parts.append(cell.strip())
            continue
        if cell and cell not in parts:
            parts.append(cell)
        if len(parts) >= 3:
            break
    return "·".join(parts)


def grid_rows(grid: list[list[GridCell]], table: int, kind: str = "",
              header_rows: int | None = None, total_rows: set[int] | None = None
              ) -> list[TableRow]:
    """Classify the rows of an expanded table grid (see :class:`TableRow`)."""
    if not grid:
        return []
    width = max(len(r) for r in grid)
    nh = count_header_rows(grid, header_rows)
    headers = column_labels(grid[:nh], width) if nh else [""] * width
    body_cells = [[c.text for c in row] for row in grid[nh:]]
    if kind not in TABLE_KINDS:
        kind = infer_table_kind(headers, body_cells) if nh else ""
    out = []
    for r, row in enumerate(grid):
        cells = [c.text for c in row] + [""] * (width - len(row))
        copies = [c.copy for c in row] + [True] * (width - len(row))
        if r < nh:
            out.append(TableRow(table, "header", kind, cells, headers, copies=copies))
            continue
        th_row = [c.text for c in row if c.is_th and c.scope != "col" and c.text]
        head = th_row[0] if th_row else _row_head(cells)
        text_heads = [re.sub(r"\s+", "", c) for c in cells if c and not is_numeric_cell(c)]
        is_total = (total_rows is not None and r in total_rows) or \
            any(TOTAL_ROW.match(h) for h in text_heads[:3])
        if kind == "scorecard":
            names = [cells[i] for i in range(width)
                     if i < len(headers) and _INDICATOR_HEADER.search(headers[i]) and cells[i]]
            if is_total or not names or any(TOTAL_ROW.match(re.sub(r"\s+", "", n))
                                            for n in names):
                rk = "total" if is_total else "data"
                out.append(TableRow(table, rk, kind, cells, headers, "", head, copies))
            else:
                out.append(TableRow(table, "indicator", kind, cells, headers, names[-1], head,
                                    copies))
            continue
        if kind == "by-entity" and not is_total and head:
            out.append(TableRow(table, "entity", kind, cells, headers, _entity(cells, headers),
                                head, copies))
            continue
        out.append(TableRow(table, "total" if is_total else "data", kind, cells, headers, "",
                            head, copies))
    return out


def label_row(row: TableRow) -> str:
    """Join a row's cells with `` | ``, labelling each numeric cell by its row and column.

    A numeric cell carries no words, so ``合计 | 783.16`` under the header ``项目 | 全年预算拨款（万元）``
    becomes ``合计 | 合计全年预算拨款（万元）783.16``: the extractor then reads it like prose, and a
    unit in the header such as ``（元）`` applies to the number. A cell repeated from a merged cell
    is written once (a repeated number is not a second statement).
    """
    out: list[str] = []
    for i, cell in enumerate(row.cells):
        if not cell:
            continue
        copy = row.copies[i] if i < len(row.copies) else False
        numeric = is_numeric_cell(cell)
        if copy and (numeric or (out and out[-1] == cell) or row.kind == "header"):
            continue
        header = row.headers[i] if i < len(row.headers) else ""
        if row.kind != "header" and numeric and header and cell != row.row_head:
            out.append(f"{row.row_head if row.row_head != header else ''}{header}{cell}")
        else:
            out.append(cell)
    return _CELL_SEP.join(out)


def label_table_row(cells: list[str], header: list[str] | None) -> str:
    """Label one row of plain cells under a one-row header (see :func:`label_row`)."""
    row = TableRow(0, "data" if header else "header", "", list(cells),
                   list(header or []) + [""] * max(0, len(cells) - len(header or [])),
                   row_head=_row_head(cells[:1]) if cells else "", copies=[False] * len(cells))
    if not header:
        return _CELL_SEP.join(c for c in cells if c)
    return label_row(row)


# ---------------------------------------------------------------------------------------- text

_HEADING_START = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、．.]|\d{1,2}[、．.](?![\d０-９])"
    r"|第[一二三四五六七八九十]+[章节部分]|附\s*件)")
_CN_HEADING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、．.]"
                         r"|第[一二三四五六七八九十]+[章节部分]|附\s*件)")
_SENTENCE_END = re.compile(r"[。！？!?；;]\s*$")
_PAGE_NUMBER = re.compile(r"^\s*[-—–]+\s*\d+\s*[-—–]+\s*$")
_MD_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*)")


def decode_bytes(data: bytes, path: Path) -> tuple[str, str]:
    """Decode report bytes as utf-8-sig, utf-8 or gbk (GB18030), in that order."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else "gbk")
        except UnicodeDecodeError:
            continue
    raise AuditReadError(path, "文本编码无法识别（支持 UTF-8 与 GBK）",
                         "unrecognised text encoding (UTF-8 and GBK are supported)")


def _prose_paragraphs(lines: list[tuple[int, str]], paragraphs: list[Paragraph]) -> None:
    """Group prose lines into paragraphs (see :func:`text_to_paragraphs`)."""
    current: list[Line] = []

    def flush(heading: bool = False) -> None:
        nonlocal current
        if current:
            paragraphs.append(Paragraph(current, is_heading=heading))
        current = []

    for number, line in lines:
        stripped = line.strip()
        if not stripped or _PAGE_NUMBER.match(stripped):
            continue
        md_heading = stripped.startswith("#")
        stripped = _MD_MARKUP.sub("", stripped)
        starts_heading = md_heading or bool(_HEADING_START.match(stripped))
        if starts_heading:
            flush()
        # a heading is short: a numbered list item "1.贯彻执行…" that fills a line is not one
        limit = 22 if _CN_HEADING.match(stripped) else 12
        is_heading = (md_heading or (starts_heading and len(stripped) <= limit
                                     and not _SENTENCE_END.search(stripped)))
        current.append((f"第{number}行", stripped))
        if is_heading:
            flush(heading=True)
        elif _SENTENCE_END.search(stripped):
            flush()
    flush()


def _text_table_paragraphs(table, number: int, paragraphs: list[Paragraph]) -> None:
    """The rows of a table found in text as table-row paragraphs (like an HTML table)."""
    width = max(len(r) for r in table.rows)
    grid = [[GridCell(c) for c in r] + [GridCell("", copy=True)] * (width - len(r))
            for r in table.rows]
    header_rows = 1 if table.kind == "cells" else None
    title = next(iter(table.titles.values()), "")
    for row, line in zip(grid_rows(grid, number, "", header_rows), table.lines):
        row.title = title
        text = label_row(row)
        if text:
            paragraphs.append(Paragraph([(f"第{line}行", text)], is_table_row=True, row=row))


def text_to_paragraphs(text: str, first_table: int = 1) -> list[Paragraph]:
    """Group the lines of a plain-text report into paragraphs and table rows.

    Lines of page chrome (``发布时间:…``) are dropped. Tables (pipes, tabs, runs of spaces, one
    cell per line: :func:`evalkit.audit.texttables.find_tables`) become table-row paragraphs.
    Prose: blank lines are *not* paragraph ends (PDF exports put one after every printed line);
    a paragraph ends after a line ending with sentence punctuation (。！？；), after a short
    heading line (``一、…``, ``（四）…``), and before a line that starts a heading or numbered
    item. A cell of a flattened form (one per line) is a paragraph of its own.
    """
    from .noise import is_chrome_line
    from .texttables import find_tables

    lines = ["" if is_chrome_line(ln) else ln for ln in text.splitlines()]
    paragraphs: list[Paragraph] = []
    number = first_table - 1
    form = None
    for seg in find_tables(lines):
        if seg.table is not None:
            if not seg.table.form or seg.table.form != form:
                number += 1      # the blocks of one flattened form are one table
            form = seg.table.form
            _text_table_paragraphs(seg.table, number, paragraphs)
        elif seg.cells:
            for n, line in seg.lines:
                if line.strip():
                    paragraphs.append(Paragraph([(f"第{n}行", line.strip())]))
        else:
            _prose_paragraphs(seg.lines, paragraphs)
    return paragraphs


def read_text(path: Path) -> RawReport:
    """Read a .txt/.md report (UTF-8, UTF-8 with BOM, or GBK)."""
    text, encoding = decode_bytes(path.read_bytes(), path)
    return RawReport(path, "text", text_to_paragraphs(text), encoding)


# ---------------------------------------------------------------------------------------- html

_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "section", "article", "header", "footer", "main",
               "blockquote", "pre", "table", "thead", "tbody", "tfoot", "caption", "dd", "dt",
               "dl", "figure", "figcaption", "aside", "nav", "form", "hr", "body", "html"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "title"}
_SKIP_TAGS = {"script", "style", "template", "noscript", "svg", "head"}
_CELL_SEP = " | "


class _HTMLText(HTMLParser):
    """Collect paragraphs (block elements) and table rows (cells joined by `` | ``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[Paragraph] = []
        self._lines: list[str] = [""]
        self._skip = 0
        self._heading = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._count = 0
        self._tables: list[dict] = []   # open tables: kind, rows, section of each row
        self._cell_attrs: dict = {}
        self._n_tables = 0

    # -- paragraph bookkeeping
    def _flush(self) -> None:
        lines = [ln for ln in self._lines if ln.strip()]
        if lines:
            self._count += 1
            where = f"第{self._count}段"
            self.paragraphs.append(Paragraph([(where, ln) for ln in lines],
                                             is_heading=self._heading))
        self._lines = [""]
        self._heading = False

    def _in_skipped(self, tag: str, opening: bool) -> bool:
        """Track the nesting of dropped elements (``<script>`` …); True at or inside one."""
        if tag in _SKIP_TAGS and tag != "head":
            self._skip = self._skip + 1 if opening else max(0, self._skip - 1)
            return True
        return self._skip > 0

    def handle_starttag(self, tag, attrs):  # noqa: D102
        tag = tag.lower()
        if self._in_skipped(tag, opening=True):
            return
        if tag == "table":
            self._start_table(attrs)
        elif tag in ("thead", "tbody", "tfoot") and self._tables:
            self._tables[-1]["section"] = tag
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            if self._row is not None:
                self._start_cell(tag, attrs)
        elif tag == "br":
            self._line_break()
        elif tag in _HEADING_TAGS:
            self._flush()
            self._heading = tag != "title"
        elif tag in _BLOCK_TAGS and self._cell is None:
            self._flush()

    def _start_table(self, attrs) -> None:
        self._flush()
        kind = (dict(attrs).get("data-kind") or "").strip().lower()
        self._n_tables += 1
        self._tables.append({"kind": kind, "rows": [], "sections": [], "section": "tbody",
                             "number": self._n_tables})

    def _start_cell(self, tag: str, attrs) -> None:
        self._cell = []
        a = dict(attrs)
        self._cell_attrs = {"th": tag == "th", "scope": (a.get("scope") or "").lower(),
                            "rowspan": _span(a.get("rowspan")),
                            "colspan": _span(a.get("colspan"))}

    def _line_break(self) -> None:
        if self._cell is not None:
            self._cell.append(" ")
        else:
            self._lines.append("")

    def handle_startendtag(self, tag, attrs):  # noqa: D102
        if tag.lower() == "br" and not self._skip:
            self.handle_starttag(tag, attrs)
        elif tag.lower() in ("hr",) and not self._skip and self._cell is None:
            self._flush()

    def handle_endtag(self, tag):  # noqa: D102
        tag = tag.lower()
        if self._in_skipped(tag, opening=False):
            return
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._end_cell()
        elif tag == "tr" and self._row is not None:
            self._end_row()
        elif tag in ("thead", "tbody", "tfoot") and self._tables:
            self._tables[-1]["section"] = "tbody"
        elif tag == "table":
            if self._tables:
                self._emit_table(self._tables.pop())
            self._flush()
        elif tag == "title":
            self._lines = [""]       # the <title> repeats the heading; drop it
            self._heading = False
        elif tag in _HEADING_TAGS or (tag in _BLOCK_TAGS and self._cell is None):
            self._flush()

    def _end_cell(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._cell)).strip()
        self._row.append({"text": text, **self._cell_attrs})
        self._cell = None

    def _end_row(self) -> None:
        if self._tables:
            table = self._tables[-1]
            table["rows"].append(self._row)
            table["sections"].append(table["section"])
        else:   # a row outside any table: read it as one line
            cells = [c["text"] for c in self._row]
            if any(cells):
                self._count += 1
                self.paragraphs.append(Paragraph([(f"第{self._count}段（表格行）",
                                                   _CELL_SEP.join(c for c in cells if c))],
                                                 is_table_row=True))
        self._row = None

    def _emit_table(self, table: dict) -> None:
        """Expand the merged cells of a finished table and add one paragraph per row."""
        rows = table["rows"]
        if not rows:
            return
        sections = table["sections"]
        grid = expand_grid(rows)
        thead = sum(1 for sec in sections if sec == "thead")
        marked = thead if thead and all(sec == "thead" for sec in sections[:thead]) else None
        feet = {i for i, sec in enumerate(sections) if sec == "tfoot"}
        for row in grid_rows(grid, table["number"], table["kind"], marked, feet):
            text = label_row(row)
            if not text:
                continue
            self._count += 1
            self.paragraphs.append(Paragraph([(f"第{self._count}段（表格行）", text)],
                                             is_table_row=True, row=row))

    def handle_data(self, data):  # noqa: D102
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
            return
        # newlines in HTML source are just spaces
        self._lines[-1] += re.sub(r"\s+", " ", data)

    def close(self):  # noqa: D102
        super().close()
        self._flush()


def _span(value: str | None) -> int:
    """A rowspan/colspan attribute as a count (missing, 0 or invalid → 1)."""
    try:
        return max(1, int(str(value).strip()))
    except (TypeError, ValueError):
        return 1


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)


def read_html(path: Path) -> RawReport:
    """Read an .html/.htm report: text of paragraphs, headings and table cells, no scripts/styles."""
    data = path.read_bytes()
    text = None
    m = _META_CHARSET.search(data[:4096])
    if m:
        try:
            text = data.decode(m.group(1).decode("ascii"))
            encoding = m.group(1).decode("ascii").lower()
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, encoding = decode_bytes(data, path)
    parser = _HTMLText()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this is a safety net
        raise AuditReadError(path, f"HTML 无法解析（{exc}）", f"cannot parse HTML ({exc})") from exc
    return RawReport(path, "html", parser.paragraphs, encoding)


# ---------------------------------------------------------------------------------------- docx

def read_docx(path: Path) -> RawReport:
    """Read a .docx report with python-docx: body paragraphs and table rows, in document order."""
    try:
        import docx  # python-docx
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise AuditReadError(path, "未安装 python-docx，无法读取 .docx",
                             "python-docx is not installed") from exc
    if not zipfile.is_zipfile(path):
        raise AuditReadError(path, "不是有效的 Word (.docx) 文件（文件损坏或格式不符）",
                             "not a valid .docx file (corrupt or wrong format)")
    try:
        paragraphs = _docx_paragraphs(docx.Document(str(path)))
    except AuditReadError:
        raise
    except Exception as exc:
        raise AuditReadError(path, f"Word (.docx) 文件无法解析（{type(exc).__name__}）",
                             f"cannot parse the .docx file ({type(exc).__name__}: {exc})") from exc
    return RawReport(path, "docx", paragraphs, None)


def _docx_paragraphs(document) -> list[Paragraph]:
    """The body paragraphs and table rows of a python-docx document, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    paragraphs: list[Paragraph] = []
    p_count = t_count = 0
    for block in document.iter_inner_content():
        if isinstance(block, DocxParagraph):
            p_count += 1
            if block.text.strip():
                paragraphs.append(_docx_paragraph(block, p_count))
        elif isinstance(block, Table):
            t_count += 1
            for r, row in docx_table_rows(block, t_count):
                text = label_row(row)
                if text:
                    paragraphs.append(Paragraph([(f"表{t_count}第{r}行", text)],
                                                is_table_row=True, row=row))
    return paragraphs


def _docx_paragraph(block, number: int) -> Paragraph:
    """A (non-empty) Word paragraph; ``Heading``/``Title``/``标题`` styles are headings."""
    style = (block.style.name if block.style is not None else "") or ""
    heading = style.lower().startswith(("heading", "title")) or style.startswith("标题")
    lines = [(f"第{number}段", ln) for ln in block.text.split("\n") if ln.strip()]
    return Paragraph(lines, is_heading=heading)


def docx_table_rows(table, number: int) -> list[tuple[int, TableRow]]:
    """The rows of a python-docx table as classified :class:`TableRow` (merged cells expanded).

    python-docx already repeats a merged cell in every grid position it covers (``row.cells``);
    a repeat is recognised by its XML element (same ``<w:tc>`` as the cell to the left or above).
    """
    grid: list[list[GridCell]] = []
    above: list = []
    for row in table.rows:
        cells = list(row.cells)
        out: list[GridCell] = []
        for c, cell in enumerate(cells):
            tc = cell._tc
            left = c > 0 and cells[c - 1]._tc is tc
            up = c < len(above) and above[c] is tc
            out.append(GridCell(" ".join(cell.text.split("\n")).strip(), copy=left or up,
                                col_copy=left and not up,
                                spans_cols=left or (c + 1 < len(cells) and cells[c + 1]._tc is tc)))
        if grid:
            for c, prev in enumerate(grid[-1]):
                if c < len(out) and out[c].copy and not out[c].col_copy:
                    prev.spans_next_row = True
        grid.append(out)
        above = [cell._tc for cell in cells]
    rows = grid_rows(grid, number)
    return [(r, row) for r, row in enumerate(rows, start=1) if any(row.cells)]


# ---------------------------------------------------------------------------------------- entry

def read_report(path: Path | str) -> RawReport:
    """Read a report file by its suffix.

    Raises:
        AuditReadError: missing file, directory, unknown type, bad encoding or corrupt file.
    """
    p = Path(path)
    if not p.exists():
        raise AuditReadError(p, "文件不存在", "file not found")
    if p.is_dir():
        raise AuditReadError(p, "这是一个文件夹，不是报告文件", "is a directory, not a report file")
    suffix = p.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return read_text(p)
        if suffix in HTML_SUFFIXES:
            return read_html(p)
        if suffix in DOCX_SUFFIXES:
            return read_docx(p)
    except OSError as exc:
        raise AuditReadError(p, f"文件无法打开（{exc.strerror or exc}）",
                             f"cannot open the file ({exc})") from exc
    if suffix == ".doc":
        raise AuditReadError(p, "不支持旧版 Word (.doc) 文件，请另存为 .docx",
                             "legacy .doc is not supported; save it as .docx")
    raise AuditReadError(p, f"不支持的文件类型「{suffix or '无扩展名'}」（支持 {'、'.join(SUPPORTED)}）",
                         f"unsupported file type {suffix or '(none)'!r}; supported: "
                         f"{', '.join(SUPPORTED)}")
