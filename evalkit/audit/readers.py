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


@dataclass
class RawReport:
    """The text of a report file, split into paragraphs, with its format."""

    path: Path
    fmt: str                        # "text" | "html" | "docx"
    paragraphs: list[Paragraph] = field(default_factory=list)
    encoding: str | None = None


# -------------------------------------------------------------------------------------- tables

_NUMERIC_CELL = re.compile(r"^[\s\d,.，．%％-]+(?:万元|元|亿元|%|％|分)?$")


def label_table_row(cells: list[str], header: list[str] | None) -> str:
    """Join a table row's cells with `` | ``, labelling each numeric cell by its row and column.

    A numeric cell carries no words, so ``合计 | 783.16`` under the header ``项目 | 全年预算拨款（万元）``
    becomes ``合计 | 合计全年预算拨款（万元）783.16``: the extractor then reads it like prose, and a
    unit in the header such as ``（元）`` applies to the number.
    """
    if not header:
        return _CELL_SEP.join(c for c in cells if c)
    row_head = cells[0] if cells and cells[0] and not _NUMERIC_CELL.match(cells[0]) else ""
    out = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        if i > 0 and _NUMERIC_CELL.match(cell) and i < len(header) and header[i]:
            out.append(f"{row_head}{header[i]}{cell}")
        else:
            out.append(cell)
    return _CELL_SEP.join(out)


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


def text_to_paragraphs(text: str) -> list[Paragraph]:
    """Group the lines of a plain-text report into paragraphs.

    Blank lines are *not* paragraph ends (PDF exports put one after every printed line). A
    paragraph ends after a line ending with sentence punctuation (。！？；：), after a short heading
    line (``一、…``, ``（四）…``), and before a line that starts a heading or numbered item.
    """
    paragraphs: list[Paragraph] = []
    current: list[Line] = []

    def flush(heading: bool = False) -> None:
        nonlocal current
        if current:
            paragraphs.append(Paragraph(current, is_heading=heading))
        current = []

    for number, line in enumerate(text.splitlines(), start=1):
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
        self._tables: list[list[str] | None] = []   # header row of each open table

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

    def handle_starttag(self, tag, attrs):  # noqa: D102
        tag = tag.lower()
        if tag in _SKIP_TAGS and tag != "head":
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "table":
            self._flush()
            self._tables.append(None)
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("td", "th"):
            pass
        elif tag == "br":
            if self._cell is not None:
                self._cell.append(" ")
            else:
                self._lines.append("")
        elif tag in _HEADING_TAGS:
            self._flush()
            self._heading = tag != "title"
        elif tag in _BLOCK_TAGS and self._cell is None:
            self._flush()

    def handle_startendtag(self, tag, attrs):  # noqa: D102
        if tag.lower() == "br" and not self._skip:
            self.handle_starttag(tag, attrs)
        elif tag.lower() in ("hr",) and not self._skip and self._cell is None:
            self._flush()

    def handle_endtag(self, tag):  # noqa: D102
        tag = tag.lower()
        if tag in _SKIP_TAGS and tag != "head":
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            cells = self._row
            if any(cells):
                header = self._tables[-1] if self._tables else None
                if self._tables and header is None:
                    self._tables[-1] = cells
                self._count += 1
                self.paragraphs.append(Paragraph([(f"第{self._count}段（表格行）",
                                                   label_table_row(cells, header))],
                                                 is_table_row=True))
            self._row = None
        elif tag == "table":
            if self._tables:
                self._tables.pop()
            self._flush()
        elif tag == "title":
            self._lines = [""]       # the <title> repeats the heading; drop it
            self._heading = False
        elif tag in _HEADING_TAGS or (tag in _BLOCK_TAGS and self._cell is None):
            self._flush()

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
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise AuditReadError(path, "未安装 python-docx，无法读取 .docx",
                             "python-docx is not installed") from exc
    if not zipfile.is_zipfile(path):
        raise AuditReadError(path, "不是有效的 Word (.docx) 文件（文件损坏或格式不符）",
                             "not a valid .docx file (corrupt or wrong format)")
    try:
        document = docx.Document(str(path))
        paragraphs: list[Paragraph] = []
        p_count = t_count = 0
        for block in document.iter_inner_content():
            if isinstance(block, DocxParagraph):
                p_count += 1
                text = block.text
                if not text.strip():
                    continue
                style = (block.style.name if block.style is not None else "") or ""
                heading = style.lower().startswith(("heading", "title")) or style.startswith("标题")
                lines = [(f"第{p_count}段", ln) for ln in text.split("\n") if ln.strip()]
                paragraphs.append(Paragraph(lines, is_heading=heading))
            elif isinstance(block, Table):
                t_count += 1
                header: list[str] | None = None
                for r, row in enumerate(block.rows, start=1):
                    cells: list[str] = []
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:   # merged cells repeat
                            continue
                        seen.add(id(cell._tc))
                        cells.append(" ".join(cell.text.split("\n")).strip())
                    if any(cells):
                        paragraphs.append(Paragraph([(f"表{t_count}第{r}行",
                                                      label_table_row(cells, header))],
                                                    is_table_row=True))
                        if header is None:
                            header = cells
    except AuditReadError:
        raise
    except Exception as exc:
        raise AuditReadError(path, f"Word (.docx) 文件无法解析（{type(exc).__name__}）",
                             f"cannot parse the .docx file ({type(exc).__name__}: {exc})") from exc
    return RawReport(path, "docx", paragraphs, None)


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
