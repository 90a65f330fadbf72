"""Read a raw xlsx/csv sheet into a grid and locate its header row.

xlsx is read with python-calamine (Rust), never openpyxl. csv is decoded as UTF-8 (with or
without BOM) and falls back to GB18030 (a superset of GBK), as Chinese Excel exports often are.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from evalkit.errors import Problem, problem
from evalkit.io.clean import key_of, nfkc
from evalkit.schema import Column, TableSpec

HEADER_SCAN_ROWS = 30
"""How many rows from the top may hold title/unit lines before the header row."""

_UNIT_LINE_RE = re.compile(r"单位\s*[:：]\s*(万元|元)")
_HEADER_UNIT_RE = re.compile(r"\((?:单位[:：])?\s*(万元|元|天|件|个|%)\s*\)$")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class ReadError(Exception):
    """A file could not be read at all; carries the located problem."""

    def __init__(self, prob: Problem):
        super().__init__(prob.format())
        self.problem = prob


@dataclass
class Grid:
    """The cells of one sheet. ``rows[i]`` is Excel row ``i + 1`` (csv line ``i + 1``)."""

    file: str
    sheet: str | None
    rows: list[list[Any]]


@dataclass
class HeaderMatch:
    """Where the header row is and which file column feeds each tidy column.

    Attributes:
        row_index: 0-based index of the header row in ``Grid.rows``.
        columns: tidy key -> 0-based column index.
        headers: tidy key -> the header text as written in the file.
        units: tidy key -> unit stated in the header suffix (``元``/``万元``), if any.
        sheet_unit: unit stated on a 「单位：元」 line above the header, if any.
        unmatched: headers in the file that match no column of the spec (dropped).
    """

    row_index: int
    columns: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    sheet_unit: str | None = None
    unmatched: list[str] = field(default_factory=list)


def _error(file: str, zh: str, en: str, **kw: Any) -> ReadError:
    return ReadError(problem("error", file, zh, en, **kw))


def read_grid(path: Path, spec: TableSpec) -> Grid:
    """Read the sheet of ``spec`` from an xlsx or csv file.

    Args:
        path: the raw file.
        spec: the table spec (gives the preferred sheet name).

    Returns:
        The grid of cells.

    Raises:
        ReadError: unreadable/corrupt file, empty file, or missing sheet.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise _error(path.name, "文件为空", "empty file")
    if path.suffix.lower() == ".csv":
        return Grid(path.name, None, _read_csv_rows(path))
    return _read_xlsx(path, spec)


def _read_xlsx(path: Path, spec: TableSpec) -> Grid:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise _error(path.name, "无法读取文件（文件损坏或不是 xlsx 格式）",
                     f"unreadable or corrupt file ({type(exc).__name__})") from exc
    sheet = _pick_sheet(names, spec.sheet)
    if sheet is None:
        raise _error(path.name, f"缺少工作表「{spec.sheet}」，文件中的工作表：{'、'.join(names)}",
                     f"missing sheet {spec.sheet!r}; sheets present: {names}")
    try:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise _error(path.name, "无法读取工作表（文件损坏）", "unreadable sheet (corrupt file)",
                     sheet=sheet) from exc
    return Grid(path.name, sheet, rows)


def _pick_sheet(names: list[str], wanted: str) -> str | None:
    """The spec's sheet if present (ignoring spaces/width), else the only sheet, else None."""
    for name in names:
        if key_of(name) == key_of(wanted):
            return name
    visible = [n for n in names if key_of(n) not in {"说明", "填表说明"}]
    if len(visible) == 1:
        return visible[0]
    return names[0] if len(names) == 1 else None


def _read_csv_rows(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _error(path.name, "无法识别的文件编码（应为 UTF-8 或 GBK）",
                     "unrecognised text encoding (expected UTF-8 or GBK)")
    if "\x00" in text:
        raise _error(path.name, "无法读取文件（不是文本 csv）", "unreadable file (not a text csv)")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def normalise_header(text: Any) -> tuple[str, str | None]:
    """Normalise a header cell for matching; return ``(key, unit_suffix)``.

    Full-width characters are folded (NFKC), every space (including full-width and inner ones)
    is removed, and a unit suffix such as ``（元）`` or ``(万元)`` is stripped and returned.
    """
    if text is None:
        return "", None
    key = re.sub(r"\s+", "", nfkc(str(text)))
    unit = None
    m = _HEADER_UNIT_RE.search(key)
    if m:
        unit = m.group(1)
        key = key[: m.start()]
    return key.lower(), unit


def header_lookup(spec: TableSpec) -> dict[str, Column]:
    """Map normalised canonical headers and aliases to their column."""
    table: dict[str, Column] = {}
    for col in spec.columns:
        for name in (col.header, *col.aliases):
            table.setdefault(normalise_header(name)[0], col)
    return table


def _match_row(row: list[Any], lookup: dict[str, Column]) -> HeaderMatch:
    match = HeaderMatch(row_index=-1)
    for j, cell in enumerate(row):
        key, unit = normalise_header(cell)
        if not key:
            continue
        col = lookup.get(key)
        if col is None:
            match.unmatched.append(str(cell).strip())
            continue
        if col.key in match.columns:
            continue
        match.columns[col.key] = j
        match.headers[col.key] = str(cell).strip()
        if unit in ("元", "万元"):
            match.units[col.key] = unit
    return match


def locate_header(grid: Grid, spec: TableSpec) -> tuple[HeaderMatch | None, list[Problem]]:
    """Find the header row: the first row holding every required header.

    When no row holds them all, the row with the most required headers is used and each missing
    required column is reported.

    Returns:
        ``(match, problems)``; ``match`` is None when no header row is found at all.
    """
    lookup = header_lookup(spec)
    required = {c.key for c in spec.required}
    best: HeaderMatch | None = None
    best_score = 0
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        match = _match_row(row, lookup)
        match.row_index = i
        score = len(required & match.columns.keys())
        if score == len(required):
            best, best_score = match, score
            break
        if score > best_score:
            best, best_score = match, score
    if best is None:
        wanted = "、".join(c.header for c in spec.required)
        return None, [problem("error", grid.file, f"找不到表头行，缺少必填列：{wanted}",
                              "header row not found; required columns missing",
                              sheet=grid.sheet)]
    best.sheet_unit = _unit_line(grid.rows[: best.row_index + 1])
    problems = [
        problem("error", grid.file, f"缺少必填列「{c.header}」（可用别名：{'、'.join(c.aliases) or '无'}）",
                f"missing required column {c.header!r}", sheet=grid.sheet, row=best.row_index + 1)
        for c in spec.required if c.key not in best.columns
    ]
    return best, problems


def _unit_line(rows: list[list[Any]]) -> str | None:
    """The unit on a 「单位：元」/「单位：万元」 line above (or in) the header row."""
    for row in rows:
        for cell in row:
            if isinstance(cell, str):
                m = _UNIT_LINE_RE.search(nfkc(cell))
                if m:
                    return m.group(1)
    return None
