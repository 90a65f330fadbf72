"""Read a raw xlsx/csv sheet into a columnar grid and locate its header row.

xlsx is read with fastexcel (Rust calamine straight into Arrow, never openpyxl): one pass over the
sheet, every cell as text, so no Python object is made for cells that are never looked at
(personal columns). Cell text is as fastexcel renders it: numbers without a spurious ``.0``,
date cells as ``YYYY-MM-DD HH:MM:SS``, booleans as ``true``/``false``; empty and error cells
are ``""`` (as python-calamine gave them). csv is read with Arrow's columnar reader block by block
(:func:`_read_csv`), decoded as UTF-8 (with or without BOM) or else GB18030 (a superset of GBK), as
Chinese Excel exports often are; its columns are dictionary-encoded string arrays.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import itertools
import re
import zipfile
import zlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import fastexcel
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from evalkit.errors import Problem, os_problem, problem
from evalkit.io import workbook
from evalkit.io.clean import key_of, nfkc
from evalkit.schema import Column, TableSpec

SKIPPED_PERSONAL = ("phone", "address", "complaint_text")
"""Personal columns never read at all from xlsx (name and ID number feed the pseudonymous key)."""
PEEK_MAX_SHARED = 20_000
"""The header peek gives up when a header cell is shared string number ≥ this (rare)."""
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF_RE = re.compile(r"^([A-Z]+)(\d+)$")

HEADER_SCAN_ROWS = 30
"""How many rows from the top may hold title/unit lines before the header row."""

_UNIT_LINE_RE = re.compile(r"单位\s*[:：]\s*(万元|元)")
_HEADER_UNIT_RE = re.compile(r"\((?:单位[:：])?\s*(万元|元|天|件|个|%)\s*\)$")


class ReadError(Exception):
    """A file could not be read at all; carries the located problem."""

    def __init__(self, prob: Problem):
        super().__init__(prob.format())
        self.problem = prob


@dataclass
class Grid:
    """The cells of one sheet, by column, as Arrow strings (``""`` for an empty cell).

    Attributes:
        file: file name as the analyst sees it.
        sheet: sheet name (None for csv).
        columns: 0-based sheet column (0 = Excel column A) -> its cells; position ``i`` is Excel
            row ``i + 1`` (csv line ``i + 1``). Columns without any cell may be absent; empty
            cells may be null (read as ``""``, as python-calamine gave them).
        n_rows: number of rows (every column has this length).
    """

    file: str
    sheet: str | None
    columns: dict[int, pa.Array]
    n_rows: int
    date_cells: bool = False
    """Cells were rendered from typed xlsx cells (dates as ``YYYY-MM-DD HH:MM:SS``)."""
    flags: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    """``(row, col)`` 0-based -> ``("formula", "=A1*2")`` for a formula without a computed value
    or ``("error", "#N/A")`` for an Excel error value; the grid holds ``""`` there."""
    pending: Callable[[], dict[tuple[int, int], tuple[str, str]]] | None = None
    """Formula flags still being looked for (a large sheet scanned while it is parsed): call it
    once the cells are parsed; it raises :class:`ReadError` for a far stray cell."""

    @property
    def width(self) -> int:
        """Number of columns, counting from column A."""
        return max(self.columns, default=-1) + 1

    def column(self, j: int, start: int = 0, stop: int | None = None) -> pa.Array:
        """Cells of sheet column ``j``, rows ``start:stop`` (``""`` where empty or absent)."""
        stop = self.n_rows if stop is None else min(stop, self.n_rows)
        if j in self.columns:
            cells = self.columns[j].slice(start, max(stop - start, 0))
            return pc.fill_null(cells, "") if cells.null_count else cells
        return pa.array([""] * max(stop - start, 0), type=pa.string())

    def head(self, n: int) -> list[list[Any]]:
        """The first ``n`` rows as lists of cells (for header detection)."""
        m = min(n, self.n_rows)
        cols = [self.column(j, 0, m).to_pylist() for j in range(self.width)]
        return [[c[i] for c in cols] for i in range(m)]

    @classmethod
    def from_rows(cls, file: str, sheet: str | None, rows: list[list[Any]]) -> "Grid":
        """A grid from a list of rows of text cells (csv)."""
        width = max((len(r) for r in rows), default=0)
        columns = {j: pa.array([r[j] if j < len(r) else "" for r in rows], type=pa.string())
                   for j in range(width)}
        return cls(file, sheet, columns, len(rows))


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
    try:
        if path.stat().st_size == 0:
            raise _error(path.name, "文件为空", "empty file")
        if path.suffix.lower() == ".csv":
            return _read_csv(path, spec)
        return _read_xlsx(path, spec)
    except OSError as exc:
        raise ReadError(os_problem(exc, path.name)) from exc


XLSX_ERRORS = {"NA": "#N/A", "Div0": "#DIV/0!", "Ref": "#REF!", "Value": "#VALUE!",
               "Name": "#NAME?", "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}
"""Excel error values as calamine names them (``Error(NA)``) -> as Excel shows them."""
INSTRUCTION_SHEETS = frozenset({"说明", "填表说明"})
_ERROR_DETAIL_RE = re.compile(r"Error\((\w+)\)")
_CORRUPT = ("无法读取文件（文件损坏或不是 xlsx 格式）", "unreadable or corrupt file")


def _read_xlsx(path: Path, spec: TableSpec) -> Grid:
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = workbook.list_sheets(zf)
            chosen, peeked = _choose_sheet(zf, path.name, sheets, spec)
            skipped = _skipped_columns(peeked, spec)
        guard = workbook.SheetGuard(str(path), chosen.member)
        scan = guard.check()
    except (zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, EOFError, zlib.error,
            StopIteration) as exc:
        raise _error(path.name, _CORRUPT[0], f"{_CORRUPT[1]} ({type(exc).__name__})") from exc
    if scan is not None:
        _refuse_far_cells(path, chosen.name, scan)
    grid = _load_sheet(path, chosen.name, skipped)
    if scan is not None:
        grid.flags.update({pos: ("formula", text) for pos, text in scan.formulas.items()})
    else:
        grid.pending = functools.partial(_pending_formulas, guard, path, chosen.name)
    return grid


def _pending_formulas(guard: workbook.SheetGuard, path: Path,
                      sheet: str) -> dict[tuple[int, int], tuple[str, str]]:
    """The formula flags of a sheet scanned in the background (waits for the scan)."""
    scan = guard.result()
    _refuse_far_cells(path, sheet, scan)
    return {pos: ("formula", text) for pos, text in scan.formulas.items()}


def _load_sheet(path: Path, sheet: str, skipped: set[int]) -> Grid:
    """Every cell of ``sheet`` as text (fastexcel); error cells (#N/A …) flagged."""
    use = (lambda info: info.absolute_index not in skipped) if skipped else None
    try:
        book = fastexcel.read_excel(str(path))
        # header_row=None + skip_rows=0: row 0 is Excel row 1 even when the top rows are empty;
        # every cell as text, so types never depend on a guessed schema.
        loaded = book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string",
                                 use_columns=use)
        batch, errors = loaded.to_arrow_with_errors()
        infos = loaded.selected_columns
    except Exception as exc:  # calamine raises several error types for corrupt files
        raise _error(path.name, "无法读取工作表（文件损坏）", "unreadable sheet (corrupt file)",
                     sheet=sheet) from exc
    columns = {info.absolute_index: batch.column(i) for i, info in enumerate(infos)}
    grid = Grid(path.name, sheet, columns, batch.num_rows, date_cells=True)
    for err in getattr(errors, "errors", None) or []:
        m = _ERROR_DETAIL_RE.search(str(err.detail))
        if m is not None:
            grid.flags[tuple(err.position)] = ("error", XLSX_ERRORS.get(m.group(1), m.group(1)))
    return grid


def _refuse_far_cells(path: Path, sheet: str, scan: workbook.SheetScan) -> None:
    """A located error when a stray value far from the table would blow up the grid."""
    if not scan.too_large():
        return
    far = scan.far[0] if scan.far else workbook.FarCell(scan.rows, scan.cols, "")
    value = far.value
    if far.shared is not None and far.shared < PEEK_MAX_SHARED:
        with contextlib.suppress(Exception), zipfile.ZipFile(path) as zf:
            value = _peek_shared_strings(zf, far.shared)[far.shared]
    others = f"（另有{len(scan.far) - 1}个远离表格的单元格）" if len(scan.far) > 1 else ""
    raise ReadError(problem(
        "error", path.name,
        f"单元格 {far.ref} 远离表格的其余数据，使工作表的读取范围扩大到 {scan.rows} 行 × "
        f"{scan.cols} 列{others}；请在 Excel 中删除该单元格（或清除其内容）后重试",
        f"stray cell {far.ref} far from the table stretches the sheet to {scan.rows} rows × "
        f"{scan.cols} columns; delete it", sheet=sheet, row=far.row,
        column=f"{workbook.column_letters(far.col)}列", value=value))


def _peek_grid(zf: zipfile.ZipFile, file: str, sheet: workbook.SheetInfo) -> Grid | None:
    """The top :data:`HEADER_SCAN_ROWS` rows of a sheet, streamed (None when unreadable)."""
    try:
        cells = _peek_cells(zf, sheet.member)
    except Exception:  # noqa: BLE001 - the peek is optional
        return None
    width = max((c for _, c in cells), default=-1) + 1
    rows = [[cells.get((r, c), "") for c in range(width)] for r in range(HEADER_SCAN_ROWS)]
    return Grid.from_rows(file, sheet.name, rows)


def _fits(grid: Grid | None, spec: TableSpec) -> bool:
    """The peeked rows hold a header row with every required column of ``spec``."""
    if grid is None:
        return False
    match, problems = locate_header(grid, spec)
    return match is not None and not problems


def _choose_sheet(zf: zipfile.ZipFile, file: str, sheets: list[workbook.SheetInfo],
                  spec: TableSpec) -> tuple[workbook.SheetInfo, Grid | None]:
    """The visible sheet holding the table of ``spec`` (and its peeked top rows).

    Hidden sheets are never read. Among the visible sheets (instruction sheets such as 说明
    aside), the one whose header fits the spec is chosen; several that fit are an error listing
    them. When none fits, the sheet named as in the spec (or the only visible sheet) is read, so
    its header problems are reported; a hidden sheet that would have fitted is an error.

    Raises:
        ReadError: ambiguous, hidden-only or missing sheet.
    """
    usable = [s for s in sheets if key_of(s.name) not in INSTRUCTION_SHEETS]
    visible = [s for s in usable if s.visible]
    hidden = [s for s in usable if not s.visible]
    named = [s for s in visible if key_of(s.name) == key_of(spec.sheet)]
    if len(visible) == 1 and not hidden:
        return visible[0], _peek_grid(zf, file, visible[0])
    peeks = {s.name: _peek_grid(zf, file, s) for s in visible}
    fits = [s for s in visible if _fits(peeks[s.name], spec)]
    if len(fits) == 1:
        return fits[0], peeks[fits[0].name]
    if len(fits) > 1:
        names = "、".join(f"「{s.name}」" for s in fits)
        raise _error(file, f"有多个工作表都符合「{spec.sheet}」的表头：{names}；请只保留一个"
                           "（删除或隐藏其余的）", "several sheets match the table; keep one",
                     value="、".join(s.name for s in fits))
    fallback = named or (visible if len(visible) == 1 else [])
    hidden_fit = [s for s in hidden if key_of(s.name) == key_of(spec.sheet)
                  or _fits(_peek_grid(zf, file, s), spec)]
    if hidden_fit and not named:
        shown = "、".join(s.name for s in visible) or "无"
        raise _error(file, f"工作表「{hidden_fit[0].name}」是隐藏工作表，未读取（可见的工作表："
                           f"{shown}）；如需使用，请在 Excel 中取消隐藏，并删除或隐藏其他同类工作表",
                     "the matching sheet is hidden and was not read", sheet=hidden_fit[0].name)
    if fallback:
        return fallback[0], peeks[fallback[0].name]
    listed = "、".join(s.name + ("（隐藏）" if not s.visible else "") for s in sheets)
    raise _error(file, f"缺少工作表「{spec.sheet}」，文件中的工作表：{listed}",
                 f"missing sheet {spec.sheet!r}; sheets present: {[s.name for s in sheets]}")


def _skipped_columns(peeked: Grid | None, spec: TableSpec) -> set[int]:
    """Sheet columns (0 = A) holding personal data that is never used (phone, address, 诉求内容).

    Located from the header in the peeked top rows, so those columns are not even converted. A
    pure optimisation: on anything unexpected it returns an empty set and every column is read.
    """
    personal = {c.key for c in spec.columns if c.personal and c.key in SKIPPED_PERSONAL}
    if not personal or peeked is None:
        return set()
    match, _ = locate_header(peeked, spec)
    if match is None:
        return set()
    return {j for k, j in match.columns.items() if k in personal}


def _peek_skipped_columns(path: Path, sheet: str, spec: TableSpec) -> set[int]:
    """:func:`_skipped_columns` of the sheet named ``sheet`` of the file at ``path``."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = next(s for s in workbook.list_sheets(zf) if s.name == sheet)
            return _skipped_columns(_peek_grid(zf, path.name, info), spec)
    except Exception:  # noqa: BLE001 - the peek is optional
        return set()


def _cell_position(c: ET.Element) -> tuple[int, int]:
    """(row, col) 0-based of a ``<c r="B3">`` cell."""
    m = _CELL_REF_RE.match(c.get("r", ""))
    if m is None:
        raise ValueError("cell without reference")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _peek_row(row: ET.Element, out: dict[tuple[int, int], str],
              shared: dict[tuple[int, int], int]) -> None:
    """The cells of one ``<row>``: inline/literal text into ``out``, shared-string indexes into
    ``shared``."""
    for c in row.iter(f"{_MAIN_NS}c"):
        pos = _cell_position(c)
        kind = c.get("t")
        if kind == "inlineStr":
            out[pos] = _si_text(c.find(f"{_MAIN_NS}is"))
            continue
        v = c.find(f"{_MAIN_NS}v")
        if v is None or v.text is None:
            continue
        if kind == "s":
            shared[pos] = int(v.text)
        else:
            out[pos] = v.text


def _peek_shared_strings(zf: zipfile.ZipFile, need: int) -> list[str]:
    """The first ``need + 1`` items of the shared string table (streamed, stops there)."""
    table: list[str] = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == f"{_MAIN_NS}si":
                table.append(_si_text(el))
                el.clear()
                if len(table) > need:
                    break
    return table


def _peek_cells(zf: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    """Text of the cells in the first HEADER_SCAN_ROWS rows: (row, col) 0-based -> text."""
    out: dict[tuple[int, int], str] = {}
    shared: dict[tuple[int, int], int] = {}
    with zf.open(member) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == f"{_MAIN_NS}row":
                if int(el.get("r", "0")) > HEADER_SCAN_ROWS:
                    break
                _peek_row(el, out, shared)
                el.clear()
            elif el.tag == f"{_MAIN_NS}sheetData":
                break
    if shared:
        need = max(shared.values())
        if need >= PEEK_MAX_SHARED:
            raise ValueError("header strings far into the shared string table")
        table = _peek_shared_strings(zf, need)
        out.update({pos: table[i] for pos, i in shared.items()})
    return out


def _si_text(el: ET.Element | None) -> str:
    """Text of a shared/inline string item: its ``<t>`` runs, without phonetic (rPh) runs."""
    if el is None:
        return ""
    parts = [t.text or "" for t in el.findall(f"{_MAIN_NS}t")]
    parts += [t.text or "" for r in el.findall(f"{_MAIN_NS}r") for t in r.findall(f"{_MAIN_NS}t")]
    return "".join(parts)


# --------------------------------------------------------------------------- csv

CSV_HEAD_BYTES = 1 << 16
"""Bytes read up front to detect the encoding and find the header row."""
CSV_BLOCK_BYTES = 1 << 20
"""Block size of the columnar csv reader (memory is bounded by a few blocks, not the file)."""
_NOT_UTF8 = "invalid UTF8"


def _read_csv(path: Path, spec: TableSpec) -> Grid:
    """Read a csv with Arrow's reader, block by block, every cell as text.

    The encoding is detected as before: UTF-8 (with or without BOM), else GB18030 (a superset of
    GBK). Each block's columns are dictionary-encoded as they arrive, so a register's repeated
    values (dates, categories, 镇街) are held once, and personal columns that are never used
    (phone, address, 诉求内容: located from the header in the first rows) are not converted at
    all. Row ``i`` of the grid is csv record ``i + 1``, as the file shows in Excel/WPS: a record
    whose quoted cell holds a line break counts as one row.
    """
    with open(path, "rb") as fh:
        head = fh.read(CSV_HEAD_BYTES)
        whole = not fh.read(1)
    if b"\x00" in head:
        raise _error(path.name, "无法读取文件（不是文本 csv）", "unreadable file (not a text csv)")
    encodings = ["utf8", "gb18030"] if _head_is_utf8(head, whole) else ["gb18030"]
    for encoding in encodings:
        rows = _head_rows(head, encoding, whole)
        width = max((len(r) for r in rows), default=0) or 1
        skipped = _csv_skipped_columns(path.name, rows, spec)
        try:
            columns, n_rows = _arrow_csv(path, encoding, width, skipped)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if isinstance(exc, UnicodeDecodeError) or _NOT_UTF8 in str(exc):
                continue
            raise _error(path.name, "无法读取文件（csv 格式错误）",
                         f"unreadable csv ({exc})") from exc
        return Grid(path.name, None, columns, n_rows)
    raise _error(path.name, "无法识别的文件编码（应为 UTF-8 或 GBK）",
                 "unrecognised text encoding (expected UTF-8 or GBK)")


def _head_is_utf8(head: bytes, whole: bool) -> bool:
    """Whether the first bytes decode as UTF-8 (a character cut at the end is allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    return True


def _head_rows(head: bytes, encoding: str, whole: bool) -> list[list[str]]:
    """The first :data:`HEADER_SCAN_ROWS` records of the head (the last, possibly cut, record is
    dropped unless the head is the whole file)."""
    codec = "utf-8-sig" if encoding == "utf8" else encoding
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=whole)
    rows = list(itertools.islice(csv.reader(io.StringIO(text, newline="")), HEADER_SCAN_ROWS + 1))
    return rows if whole else rows[:-1] or rows


def _csv_skipped_columns(file: str, rows: list[list[str]], spec: TableSpec) -> set[int]:
    """Columns of personal data that is never used (phone, address, 诉求内容), located from the
    header in the head rows; empty when the header is not found there (everything is read)."""
    personal = {c.key for c in spec.columns if c.personal and c.key in SKIPPED_PERSONAL}
    if not personal or not rows:
        return set()
    match, _ = locate_header(Grid.from_rows(file, None, rows), spec)
    if match is None:
        return set()
    return {j for k, j in match.columns.items() if k in personal}


def _csv_options(encoding: str, width: int, keep: list[int], on_invalid: Any
                 ) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    names = [f"c{j}" for j in range(width)]
    # serial parsing: the invalid-row handler then gets each odd record's number (and measured
    # on 2 cores, Arrow's threaded csv parse is no faster once quoted line breaks are allowed)
    read = pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES, column_names=names,
                             encoding=encoding)
    parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                               invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                   include_columns=[names[j] for j in keep],
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    return read, parse, convert


def _arrow_csv(path: Path, encoding: str, width: int, skipped: set[int]
               ) -> tuple[dict[int, pa.Array], int]:
    """Columns (string dictionary arrays, one per kept column) and number of records.

    Records whose number of cells differs from ``width`` (title lines, ragged rows) are set
    aside by Arrow's invalid-row handler with their record number, parsed with :mod:`csv`,
    padded or cut to ``width`` and put back in place.
    """
    keep = [j for j in range(width) if j not in skipped]
    odd: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        odd.append((row.number, row.text))
        return "skip"

    columns = {j: _Column() for j in keep}
    with pacsv.open_csv(path, *_csv_options(encoding, width, keep, on_invalid)) as reader:
        for batch in reader:
            for j, col in zip(keep, batch.columns):
                columns[j].add(col)
    n_rows = sum(len(c) for c in columns[keep[0]].chunks) if keep else 0
    cells = [(next(csv.reader(io.StringIO(text, newline="")), []) + [""] * width)[:width]
             for _, text in odd]
    at = np.array([number - 1 for number, _ in odd], dtype=np.int64)
    return {j: c.finish(n_rows, at, [r[j] for r in cells]) for j, c in columns.items()}, \
        n_rows + len(odd)


class _Column:
    """One csv column gathered block by block.

    A column whose first block is mostly distinct values (a case number, an ID) is kept as
    plain text; any other column is dictionary-encoded block by block, so each of its distinct
    values is held once however many rows repeat it.
    """

    def __init__(self) -> None:
        self.chunks: list[pa.Array] = []
        self.plain: bool | None = None

    def add(self, cells: pa.Array) -> None:
        if self.plain is None:
            encoded = pc.dictionary_encode(cells)
            self.plain = len(encoded.dictionary) * 2 > len(cells) > 0
            self.chunks.append(cells if self.plain else encoded)
        else:
            self.chunks.append(cells if self.plain else pc.dictionary_encode(cells))

    def finish(self, n_rows: int, at: np.ndarray, extra: list[str]) -> pa.Array:
        """The column as one dictionary array, with ``extra`` cells put in at rows ``at``.

        Its codes take 1, 2 or 4 bytes a row, as few as the number of distinct cells allows.
        The text of a plain column is copied once (its blocks and the extra cells together)."""
        extras = [pa.array(extra, type=pa.string())] if len(at) else []
        if self.plain or not self.chunks:
            values = pa.concat_arrays(self.chunks + extras) if self.chunks or extras \
                else pa.array([], pa.string())
            codes, base = None, n_rows
        else:
            merged = pa.concat_arrays(self.chunks)       # dictionaries unified
            values, base = merged.dictionary, len(merged.dictionary)
            if extras:
                values = pa.concat_arrays([values, *extras])
            codes = merged.indices.to_numpy(zero_copy_only=False)
        self.chunks = []
        dtype = _code_dtype(base + len(at))
        full = _codes_with_rows_at(np.arange(n_rows, dtype=dtype) if codes is None else codes,
                                   at, base, dtype)
        # the codes are in range by construction: no bounds check over every row
        return pa.DictionaryArray.from_arrays(pa.array(full), values, safe=False)


def _codes_with_rows_at(codes: np.ndarray, at: np.ndarray, base: int, dtype: type) -> np.ndarray:
    """``codes`` with the codes ``base, base + 1, ...`` put in at rows ``at`` (ascending)."""
    full = np.empty(len(codes) + len(at), dtype=dtype)
    if len(at) <= 64 and bool((np.diff(at) > 0).all()):
        # a few odd records (title lines): copy the runs between them, no row mask
        start = src = 0
        for row in at.tolist():
            full[start:row] = codes[src:src + row - start]
            src += row - start
            start = row + 1
        full[start:] = codes[src:]
    else:
        rows = np.ones(len(full), dtype=bool)
        rows[at] = False
        full[rows] = codes
    if len(at):
        full[at] = base + np.arange(len(at), dtype=dtype)
    return full


def _code_dtype(n: int) -> type:
    """The smallest signed integer type that numbers ``n`` distinct cells."""
    return next(t for t in (np.int8, np.int16, np.int32, np.int64) if n <= np.iinfo(t).max + 1)


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


_LOOKUPS: dict[int, tuple[TableSpec, dict[str, Column]]] = {}


def header_lookup(spec: TableSpec) -> dict[str, Column]:
    """Map normalised canonical headers and aliases to their column (built once per spec)."""
    hit = _LOOKUPS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    table: dict[str, Column] = {}
    for col in spec.columns:
        for name in (col.header, *col.aliases):
            table.setdefault(normalise_header(name)[0], col)
    _LOOKUPS[id(spec)] = (spec, table)
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
    head = grid.head(HEADER_SCAN_ROWS)
    for i, row in enumerate(head):
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
    best.sheet_unit = _unit_line(head[: best.row_index + 1])
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
