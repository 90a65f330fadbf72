"""Tables in plain text: pipes, tabs, runs of spaces, and one cell per line.

:func:`find_tables` splits the lines of a text report into prose lines and tables. A table is a
list of rows of cells (strings) with the line number each row starts on; merged cells that the
flattening dropped are restored as empty cells by aligning each short row under the header
(left for a 预算资金 block, whose reason cell is merged down; right for an indicator block,
whose 一级/二级指标 cells are merged down, and for total rows, whose label spans the leading
columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import normalize_line
from .vocab import vocabulary

_PIPE = re.compile(r"\s*[|｜]\s*")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SPACES = re.compile(r"\S(?:\s{2,}|\t)\S")
_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_SECTION_END = re.compile(r"^(?:评价结论|存在问题|改进措施|项目负责人|财务负责人|填报人|联系电话|审核人|"
                          r"单位负责人|年度总体目标|总体目标|问题及改进措施|偏差原因)")
_NUMERIC = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?\s*(?:%|万元|元|分)?$|^[/—\-–]$")
_WEIGHT_TITLE = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]\s*$")


@dataclass
class TextTable:
    """A table found in a text file: rows of cells and the (1-based) line of each row."""

    rows: list[list[str]]
    lines: list[int]
    kind: str = ""                 # pipes | tabs | spaces | cells
    titles: dict[int, str] = field(default_factory=dict)   # row index → block title (预算执行情况(10分))
    form: int = 0                  # tables of one flattened form share this number


@dataclass
class Segment:
    """Either prose lines (``table`` None) or one table, in file order."""

    lines: list[tuple[int, str]]
    table: TextTable | None = None
    cells: bool = False        # each line is one cell of a flattened form: a paragraph of its own


def column_role(cell: str) -> str:
    """The column role of a header cell (``年初预算`` → initial …), "" when it is not one.

    The whole cell (brackets and units removed) must be a column term or end with one, so a
    data cell that merely mentions 预算 is not a header.
    """
    voc = vocabulary()
    c = _BRACKETS.sub("", normalize_line(cell)).strip(":|")
    if not c or len(c) > 14:
        return ""
    found = list(voc.column_re.finditer(c))
    m = found[-1] if found else None
    if m is None or m.end() < len(c) - 2 or m.start() > 4 or _WEIGHT_TITLE.search(cell):
        return ""
    return voc.column_of[m.group(0)]


def is_header_run(cells: list[str]) -> bool:
    """Three or more column terms of the forms, two of them amounts/scores/levels."""
    roles = [column_role(c) for c in cells]
    hits = [r for r in roles if r]
    strong = {r for r in hits} & {"initial", "budget", "actual", "rate", "weight", "score",
                                  "level1", "level2", "level3", "target", "achieved"}
    return len(hits) >= 3 and len(strong) >= 2 and len(hits) >= 0.6 * len([c for c in cells if c])


def _is_numeric(cell: str) -> bool:
    return bool(_NUMERIC.match(cell.strip())) or not cell.strip()


# ----------------------------------------------------------------------------- cell streams

def _header_span(cells: list[str], i: int) -> int:
    """Length of the header run starting at ``i`` (0 when none): column terms one per cell."""
    j = i
    while j < len(cells) and (column_role(cells[j]) or (j == i and _corner(cells[j]))):
        j += 1
    return j - i if j - i >= 3 and is_header_run(cells[i:j]) else 0


def _corner(cell: str) -> bool:
    """A corner header cell (the row-label column): 项目 / 指标 / 年度预算数(万元) …"""
    c = normalize_line(cell)
    return bool(c) and len(c) <= 14 and not _is_numeric(c) and not weight_title(c) and bool(
        re.search(r"项目|指标|资金|预算|类别|内容|名称", c))


def _row_label(cell: str) -> bool:
    """A cell that starts a row of a 预算资金 block (总额, 其中:财政资金, 上年结转 …)."""
    voc = vocabulary()
    c = re.sub(r"^其中:?", "", normalize_line(cell)).strip()
    words = voc.words("budget_rows.total") + voc.words("budget_rows.parts") + voc.words("total_rows")
    return normalize_line(cell).startswith("其中") or any(c.startswith(w) for w in words)


@dataclass
class _Block:
    header: list[str]
    roles: list[str]
    kind: str          # budget | indicator | table


def _block_title(cells: list[str], i: int) -> bool:
    """``绩效指标(90分)`` right before a header run (not a weighted 一级指标 cell of a row)."""
    return weight_title(cells[i]) is not None and bool(_header_span(cells, i + 1))


def _block_kind(roles: list[str]) -> str:
    s = set(roles)
    if len(s & {"initial", "budget", "actual", "rate"}) >= 2:
        return "budget"
    if s & {"level1", "level2", "level3"} or ({"weight", "score"} <= s):
        return "indicator"
    return "table"


def _row_end(cells: list[str], i: int, block: _Block) -> int:
    """Where the row starting at ``i`` ends in a cell stream under ``block``."""
    width = len(block.header)
    j = i + 1
    while j < len(cells) and j - i < width:
        c = normalize_line(cells[j])
        if _SECTION_END.match(c) or _block_title(cells, j) or _header_span(cells, j):
            break
        if block.kind == "budget" and _row_label(c) and not _is_numeric(c):
            break
        role = block.roles[j - i] if j - i < len(block.roles) else ""
        if block.kind != "indicator" and not _is_numeric(c) and role not in (
                "reason", "target", "achieved", "unit", "nature", "level1", "level2", "level3",
                "item", ""):
            break
        j += 1
    return j


def _align(row: list[str], block: _Block, total: bool) -> list[str]:
    """Pad a short row to the header width: merged cells were dropped by the flattening."""
    width = len(block.header)
    if len(row) >= width:
        return row[:width]
    pad = [""] * (width - len(row))
    if block.kind == "indicator" or (total and len(row) <= width // 2):
        return [row[0]] + pad + row[1:] if total else pad + row
    return row + pad


def assemble_cells(cells: list[str], lines: list[int]) -> list[Segment]:
    """Turn a stream of cells (one per line) into tables and prose cells (one form)."""
    out: list[Segment] = []
    prose: list[tuple[int, str]] = []
    i = 0
    while i < len(cells):
        span = _header_span(cells, i)
        if not span:
            prose.append((lines[i], cells[i]))
            i += 1
            continue
        titles = {}
        if prose and weight_title(prose[-1][1]):
            titles[0] = prose.pop()[1]
        if prose:
            out.append(Segment(prose, cells=True))
            prose = []
        header = cells[i:i + span]
        block = _Block(header, [column_role(c) for c in header], "")
        block.kind = _block_kind(block.roles)
        table = TextTable([header], [lines[i]], "cells", titles, form=lines[0])
        i += span
        while i < len(cells) and not _header_span(cells, i):
            c = normalize_line(cells[i])
            if _SECTION_END.match(c) or _block_title(cells, i):
                break
            if not c:
                i += 1
                continue
            j = _row_end(cells, i, block)
            total = bool(re.match(r"^(?:合计|总计|总分|小计|总额)", c))
            table.rows.append(_align(cells[i:j], block, total))
            table.lines.append(lines[i])
            i = j
        out.append(Segment([], table))
    if prose:
        out.append(Segment(prose, cells=True))
    return out


# ---------------------------------------------------------------------------- line tables

def _pipe_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith(("|", "｜")):
        s = s[1:]
    if s.endswith(("|", "｜")):
        s = s[:-1]
    return [c.strip() for c in _PIPE.split(s)] if s.strip() else [""]


def _line_kind(line: str) -> str:
    if "|" in line or "｜" in line:
        return "pipes"
    if "\t" in line.strip("\t ") and len([c for c in line.split("\t") if c.strip()]) >= 2:
        return "tabs"
    if len(_SPACES.findall(line)) >= 1 and len(re.split(r"\s{2,}|\t", line.strip())) >= 3:
        return "spaces"
    return ""


def _split(line: str, kind: str) -> list[str]:
    if kind == "pipes":
        return _pipe_cells(line)
    if kind == "tabs":
        return [c.strip() for c in line.strip("\n").split("\t")]
    return [c.strip() for c in re.split(r"\s{2,}|\t", line.strip())]


def _run(kinds: list[str], lines: list[str], start: int, kind: str) -> int:
    """End (exclusive) of the run of lines of ``kind`` from ``start`` (blank lines inside ok)."""
    j = start
    end = start
    while j < len(lines):
        if not lines[j].strip():
            j += 1
            continue
        if kinds[j] != kind:
            break
        j += 1
        end = j
    return end


def _table_segments(lines: list[str], start: int, end: int, kind: str) -> list[Segment]:
    rows = [(n + 1, _split(lines[n], kind)) for n in range(start, end)
            if lines[n].strip() and not _MD_RULE.match(lines[n])]
    if kind == "pipes" and all(len(r) <= 1 for _, r in rows):
        return assemble_cells([r[0] if r else "" for _, r in rows], [n for n, _ in rows])
    if kind == "spaces" and not _consistent(rows):
        return [Segment([(n + 1, lines[n]) for n in range(start, end) if lines[n].strip()])]
    return [Segment([], TextTable([r for _, r in rows], [n for n, _ in rows], kind))]


def _consistent(rows: list[tuple[int, list[str]]]) -> bool:
    """Space-separated lines are a table when several rows have the same number of short cells."""
    widths = [len(r) for _, r in rows]
    if len(rows) < 2:
        return False
    common = max(set(widths), key=widths.count)
    short = all(len(c) <= 24 for _, r in rows for c in r)
    return widths.count(common) >= 2 and common >= 3 and short


def _short_runs(lines: list[str], kinds: list[str]) -> list[int]:
    """For each line, the end of the run of short non-table lines it starts (one pass)."""
    ends = [0] * (len(lines) + 1)
    ends[len(lines)] = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        short = len(lines[i].strip()) <= 40 and not kinds[i]
        ends[i] = ends[i + 1] if short else i
    return ends


def _starts_cell_table(lines: list[str], i: int, end: int) -> bool:
    """The short lines from ``i`` start with a header run of column terms (one per line)."""
    head: list[str] = []
    k = i
    while k < end and len(head) < 16:
        if lines[k].strip():
            head.append(lines[k].strip())
        k += 1
    return bool(_header_span(head, 0))


def find_tables(lines: list[str]) -> list[Segment]:
    """Split the lines of a text file into prose and tables (see the module docstring).

    One pass: each line's kind is computed once, and each run of lines is read once.
    """
    kinds = [_line_kind(ln) if ln.strip() else "" for ln in lines]
    short_end = _short_runs(lines, kinds)
    out: list[Segment] = []
    prose: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        kind = kinds[i]
        if not kind and lines[i].strip() and short_end[i] > i + 2 \
                and _starts_cell_table(lines, i, short_end[i]):
            start = i
            if prose and weight_title(prose[-1][1]):
                start = prose.pop()[0] - 1      # the block title goes with its table
            idx = [k for k in range(start, short_end[i]) if lines[k].strip()]
            segs = assemble_cells([lines[k].strip() for k in idx], [k + 1 for k in idx])
            out, prose = _flush(out, prose, segs)
            i = short_end[i]
            continue
        end = _run(kinds, lines, i, kind) if kind else i
        if kind and (end - i >= 2 or kind == "pipes"):
            segs = _table_segments(lines, i, end, kind)
            _title_and_form(segs, prose, out)
            out, prose = _flush(out, prose, segs)
            i = end
            continue
        prose.append((i + 1, lines[i]))
        i += 1
    if prose:
        out.append(Segment(prose))
    return out


def _title_and_form(segs: list[Segment], prose: list[tuple[int, str]],
                    out: list[Segment]) -> None:
    """A block title line right above a table is its title; a table that follows another one
    with only its title between belongs to the same form (one table number)."""
    if not segs or segs[0].table is None or segs[0].table.kind == "cells":
        return
    table = segs[0].table
    while prose and not prose[-1][1].strip():
        prose.pop()
    if prose and weight_title(prose[-1][1]):
        table.titles[0] = prose.pop()[1].strip()
    if not any(t.strip() for _, t in prose) and out and out[-1].table is not None:
        prev = out[-1].table
        prev.form = prev.form or prev.lines[0]
        table.form = prev.form
    elif not table.form:
        table.form = table.lines[0]


def _flush(out: list[Segment], prose: list[tuple[int, str]], segs: list[Segment]):
    if prose:
        out.append(Segment(prose))
    out.extend(segs)
    return out, []


def weight_title(cell: str) -> str | None:
    """The weight of a block title cell (``预算执行情况(10分)`` → ``10``), else None."""
    m = _WEIGHT_TITLE.search(normalize_line(cell))
    return m.group(1) if m else None


__all__ = ["Segment", "TextTable", "assemble_cells", "column_role", "find_tables",
           "is_header_run", "weight_title"]
