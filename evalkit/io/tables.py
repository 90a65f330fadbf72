"""Load one input table: grid → header → data rows → typed tidy columns, with located problems."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.errors import Problem, problem
from evalkit.io import checks
from evalkit.io.clean import (_HAN, STRING, Coded, blank_arrow, blank_mask, parse_amount,
                              parse_bool, parse_category, parse_date, parse_free_text, parse_int,
                              parse_text, squeeze)
from evalkit.io.located import Locator
from evalkit.io.pii import petitioner_key
from evalkit.io.piiscan import (HAN_RE2, NAME_CELL_CHARS, NAME_CHARS, PREFILTER_RE2, NameIndex,
                                Scanner)
from evalkit.io.readers import (HEADER_SCAN_ROWS, Grid, HeaderMatch, ReadError, header_lookup,
                                locate_header, normalise_header, read_grid)
from evalkit.numfmt import FEN_PER_WAN
from evalkit.schema import Column, TableSpec

TOTAL_RE = re.compile(r"^(?:本年|全年|总)?(?:合计|总计|小计)"
                      r"|(?:合计|总计|小计)(?:[(（][^)）]*[)）])?[:：]?$")
"""A total label (squeezed): starts with 合计/总计/小计 (本年合计 …) or ends with it (基本支出小计)."""
GRAND_TOTAL_RE = re.compile(r"^(?:本年|全年|总)?(?:合计|总计)")
"""The grand total among the total rows (every other total row is a 小计 of a group)."""
FOOTER_RE = re.compile(r"^(?:注|说明|备注|制表|填表|填报|审核|负责人|单位负责人|数据来源)")
LABEL_COLUMNS = 3
"""Unmatched columns (序号 …) among the first three may also hold a 合计 label."""
MAX_CELL_CHARS = 2_000
"""Longest cell accepted in a kept column (a longer one is a located error)."""
MAX_AMOUNT_FEN = 10**14
"""Largest amount accepted: 1万亿元 (beyond it float 万元 are no longer exact to the cent)."""
_INVISIBLE = (r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{200b}-\x{200f}\x{202a}-\x{202e}"
              r"\x{2060}-\x{2064}\x{2066}-\x{2069}\x{feff}]")
"""Control, zero-width and bidi characters (RE2): removed from every cell before parsing."""

DEFAULTS: dict[str, object] = {"registered_national": False, "is_litigation": False,
                               "extension_days": 0, "satisfaction": "未评价",
                               "adjustment_wan": 0.0}
"""Values used when an optional column is absent or a cell is blank (docs/architecture.md)."""

FREE_TEXT_KEYS = frozenset({"reason", "evidence", "deviation"})
"""``text`` columns written as prose by the analyst (self-assessment 扣分原因/佐证材料): trimmed
but not NFKC-folded, so full-width punctuation such as ``，`` stays as written. Headers,
numbers, dates, codes and category values are folded."""

KEY_PERSONAL = ("petitioner_name", "id_number")
"""The only personal columns read at all: they feed ``petitioner_key`` and are then dropped."""


@dataclass
class Body:
    """The data rows of a sheet as raw cells, indexed by Excel row number.

    Attributes:
        cells: tidy key -> raw cells of the matched columns (personal ones other than name and
            ID number are never read).
        totals: raw cells of the last 合计/总计 row (one-row frame), if any.
        coded: tidy key -> the same cells factorized (each distinct cell is parsed once).
        subtotals: raw cells of the 小计 rows (and other group totals such as 项目支出合计).
        groups: 小计 row -> (first Excel row of its block, its label).
        flags: (Excel row, tidy key) -> ``("formula", text)``, ``("error", "#N/A")`` or
            ``("long", length)`` for the kept cells that cannot be read as written.
    """

    cells: pd.DataFrame
    totals: pd.DataFrame
    coded: dict[str, Coded] = field(default_factory=dict)
    subtotals: pd.DataFrame = field(default_factory=pd.DataFrame)
    groups: dict[int, tuple[int, str]] = field(default_factory=dict)
    flags: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)

    @property
    def flagged_keys(self) -> set[str]:
        """Columns with a cell that could not be read (their stated totals are not checked)."""
        return {key for _, key in self.flags}


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A zero-row tidy frame with the spec's columns and dtypes."""
    body = Body(pd.DataFrame(index=pd.Index([], dtype="int64")), pd.DataFrame())
    frame, _ = _coerce(body, spec, HeaderMatch(row_index=0), Locator("", None), None)
    return finalise(frame, spec)


@dataclass
class Loaded:
    """One table as loaded: the tidy frame (None when unusable), every problem, and the names
    index of the register's 信访人姓名 column (petitions only) for the personal-data scan."""

    frame: pd.DataFrame | None
    problems: list[Problem]
    names: NameIndex | None = None


def load_table(path: Path, spec: TableSpec, unit: str | None = None, *, year: int | None = None,
               salt: str | None = None, required: bool = True, scanner: Scanner | None = None
               ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one raw table into a tidy frame.

    Args:
        path: the xlsx or csv file.
        spec: its table spec from :mod:`evalkit.schema`.
        unit: amount unit when neither a 「单位」 line nor a header suffix states it.
        year: the folder year; petitions registered in another year give a warning.
        salt: salt for ``petitioner_key``; without it the key column is left NA.
        required: whether a file without data rows is an error (else a warning, frame None).
        scanner: personal-data scanner for the kept text columns (default: ID and phone
            numbers, plus, for the petition register, the names of its 信访人姓名 column).

    Returns:
        ``(frame, problems)``: the tidy frame (None if the file could not be read) and every
        problem found (errors and warnings). Personal columns are never in the frame; personal
        data found in kept text columns is masked and reported.
    """
    loaded = read_table(path, spec, unit, year=year, salt=salt, required=required,
                        scanner=scanner)
    return loaded.frame, loaded.problems


def read_table(path: Path, spec: TableSpec, unit: str | None = None, *, year: int | None = None,
               salt: str | None = None, required: bool = True,
               scanner: Scanner | None = None) -> Loaded:
    """:func:`load_table`, also returning the register's names index (see :class:`Loaded`)."""
    try:
        grid = read_grid(Path(path), spec)
    except ReadError as exc:
        return Loaded(None, [exc.problem])
    match, problems = locate_header(grid, spec)
    if match is None or problems:
        return Loaded(None, _two_row_header(grid, match, spec) or problems)
    loc = Locator(grid.file, grid.sheet, dict(match.headers), problems)
    body = extract_body(grid, match, spec)
    if body.cells.empty:
        level = "error" if required else "warning"
        loc.add(level, "没有数据行（只有表头或为空表）", "no data rows", row=match.row_index + 1)
        return Loaded(None, loc.problems)
    units = amount_units(spec, match, unit, loc)
    frame, fen = _coerce(body, spec, match, loc, units)
    names = None
    if spec.people:
        frame["petitioner_key"] = _key(body, salt)
        names = _names(body, salt)
        scanner = Scanner(names)
    try:
        late_flags(grid, match, spec, body)
    except ReadError as exc:
        return Loaded(None, [exc.problem])
    flagged = report_flags(body, frame, fen, units, loc)
    _overflow(frame, fen, body, loc)
    checks.run(spec, frame, fen, body, units, loc, year)
    _drop_follow_on(loc, flagged)
    mask_text_columns(frame, spec, scanner or Scanner(), loc)
    return Loaded(finalise(frame, spec), loc.problems, names)


def _names(body: Body, salt: str | None) -> NameIndex:
    """The names index of the 信访人姓名 column's distinct cells (the names are never stored).

    Read from a grid, the column's cells are deduplicated in Arrow first (a register of 1M rows
    has ~150k distinct names); cells too short or long to be a name are dropped there, and
    names of 2–8 CJK ideographs (normal already: nothing to fold, trim or upper-case) are
    passed as such, so only the other cells go through the Python normalisation.
    """
    col = body.coded.get("petitioner_name")
    if col is None:
        return NameIndex.from_names([], salt)
    if col.arrow is None:
        return NameIndex.from_names([v for v, blank in zip(col.uniques.tolist(),
                                                             col.blank.tolist()) if not blank],
                                    salt)
    lo, hi = NAME_CELL_CHARS
    cells = pc.unique(col.arrow)
    length = pc.utf8_length(cells)
    cells = cells.filter(pc.and_(pc.greater_equal(length, lo), pc.less_equal(length, hi)))
    han = pc.match_substring_regex(cells, f"^{_HAN}+$").to_numpy(zero_copy_only=False)
    short = pc.less_equal(pc.utf8_length(cells), NAME_CHARS[1]).to_numpy(zero_copy_only=False)
    other = cells.filter(pa.array(~han))
    return NameIndex.from_names(other.filter(pa.array(~blank_arrow(other))).to_pylist(), salt,
                                normal=cells.filter(pa.array(han & short)).to_pylist())


def _key(body: Body, salt: str | None) -> pd.Series:
    index = body.cells.index
    if salt is None:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    return petitioner_key(body.coded.get("petitioner_name"), body.coded.get("id_number"),
                          salt, index)


# --------------------------------------------------------------------------- header


def _combined_names(upper: list, lower: list) -> list[list[str]]:
    """Per column, the header a two-row header spells (upper merged cells carried right)."""
    out, carried = [], ""
    for j in range(max(len(upper), len(lower))):
        up = str(upper[j]).strip() if j < len(upper) and upper[j] not in (None, "") else ""
        low = str(lower[j]).strip() if j < len(lower) and lower[j] not in (None, "") else ""
        carried = up or (carried if low else "")
        out.append([carried + low, low + carried, low, carried])
    return out


def _two_row_header(grid: Grid, match: HeaderMatch | None, spec: TableSpec) -> list[Problem]:
    """One clear error when the header spans two rows (merged cells such as 预算数 over
    年初/调整/全年); ``[]`` when it does not."""
    lookup = header_lookup(spec)
    required = {c.key for c in spec.required}
    head = grid.head(HEADER_SCAN_ROWS)
    rows = [match.row_index] if match is not None else range(len(head) - 1)
    for i in rows:
        for a in (i - 1, i):
            if a < 0 or a + 1 >= len(head):
                continue
            found: dict[str, str] = {}
            for names in _combined_names(head[a], head[a + 1]):
                col = next((lookup[k] for k in (normalise_header(n)[0] for n in names)
                            if k in lookup), None)
                if col is not None:
                    found.setdefault(col.key, names[0] if names[0] else names[2])
            if required <= found.keys():
                return [_two_row_problem(grid, a, found, spec)]
    return []


def _two_row_problem(grid: Grid, row: int, found: dict[str, str], spec: TableSpec) -> Problem:
    examples = "」「".join(spec.column(k).header for k in list(found)[:4])
    return problem("error", grid.file,
                   f"表头占用了两行（第{row + 1}–{row + 2}行，含合并单元格），无法逐列识别；请改为"
                   f"一行表头，每列写完整的列名（如「{examples}」）",
                   "two-row (merged) header; use one header row with a full name per column",
                   sheet=grid.sheet, row=row + 1)


# --------------------------------------------------------------------------- body


def extract_body(grid: Grid, match: HeaderMatch, spec: TableSpec) -> Body:
    """Rows below the header, without blank, total (合计/总计/小计) and footer-note rows.

    Only the columns that are used are touched: the non-personal matched columns, name and ID
    number (for ``petitioner_key``) and unmatched leading columns (for 合计 labels). Each is
    dictionary-encoded once (Arrow, C++), cleaned of control and zero-width characters, and
    every row test runs on the distinct cells. A total row is recognised by its shape: a total
    label in a label column (codes and names, never free text) with the code columns blank.
    """
    start = match.row_index + 1
    n = grid.n_rows - start
    if n <= 0:
        return Body(pd.DataFrame(index=pd.Index([], dtype="int64")), pd.DataFrame())
    index = pd.RangeIndex(start + 1, start + 1 + n)
    personal = {c.key for c in spec.columns if c.personal}
    used = {k: j for k, j in match.columns.items() if k not in personal or k in KEY_PERSONAL}
    by_col: dict[int, Coded] = {}

    def coded(j: int) -> Coded:
        if j not in by_col:
            by_col[j] = _clean(Coded.from_arrow(grid.column(j, start), index,
                                                date_cells=grid.date_cells))
        return by_col[j]

    cols = {k: coded(j) for k, j in used.items()}
    flags = _grid_flags(grid, used, personal, start)
    n_filled = np.zeros(n, dtype=np.int64)
    for k, c in cols.items():
        if k not in personal:
            _count_filled(n_filled, c)
    np.add.at(n_filled, [r - start - 1 for r, _ in flags], 1)
    labels = _label_columns(spec, match, cols, coded, grid.width)
    total, grand = _total_rows(spec, labels, cols, n)
    footer = _label_mask([coded(0)] if grid.width else [], FOOTER_RE, n) & (n_filled <= 1)
    keep = (n_filled > 0) & ~total & ~footer
    kept_index = index[keep]
    kept = {k: c.take(keep, kept_index) for k, c in cols.items()}
    flags = {pos: f for pos, f in flags.items() if keep[pos[0] - start - 1]}
    flags.update(_long_cells(kept, personal))
    if grid.sheet is None:                      # csv: Excel's error values arrive as text
        flags.update(_error_literals(kept, personal))
    # raw cells (shown in messages) of the non-personal columns; name/ID stay coded only
    cells = pd.DataFrame({k: c.raw() for k, c in kept.items() if k not in personal},
                         index=kept_index)
    last = np.flatnonzero(grand)[-1:]
    totals = _rows_of(cols, personal, index, last)
    subs = np.flatnonzero(total & ~grand)
    return Body(cells, totals, kept, _rows_of(cols, personal, index, subs),
                _groups(labels, index, total, subs), flags)


def late_flags(grid: Grid, match: HeaderMatch, spec: TableSpec, body: Body) -> None:
    """Add the formula flags of a large sheet, scanned while it was parsed, for the kept rows
    (a row holding nothing but such formulas was dropped as blank)."""
    if grid.pending is None:
        return
    flags, grid.pending = grid.pending(), None
    personal = {c.key for c in spec.columns if c.personal}
    used = {k: j for k, j in match.columns.items() if k not in personal}
    kept = set(body.cells.index)
    body.flags.update({pos: f for pos, f in
                       _grid_flags(Grid(grid.file, grid.sheet, {}, 0, flags=flags), used,
                                   personal, match.row_index + 1).items() if pos[0] in kept})


def _clean(col: Coded) -> Coded:
    """The column without control, zero-width and bidi characters (a zero-width space must not
    split one 镇街 into two, nor an escape sequence reach a terminal)."""
    if col.arrow is None or not len(col.arrow):
        return col
    if not _may_hold_invisible(col.arrow) or \
            not pc.any(pc.match_substring_regex(col.arrow, _INVISIBLE)).as_py():
        return col
    return Coded(col.codes, col.index, arrow=pc.replace_substring_regex(col.arrow, _INVISIBLE, ""))


def _whole_text(arr: pa.Array) -> pa.Array | None:
    """The whole text buffer of a string array as one cell (zero-copy), or None when ``arr``
    is not a string array (the caller then searches cell by cell).

    One search of this cell replaces a search per cell (a 1M-cell column of case numbers:
    ≈ 0.02 s instead of ≈ 0.06 s). Each cell is valid UTF-8, so no character straddles two
    cells and a match in the buffer is a match in some cell; the buffer of a slice may hold
    text outside it, which can only give a false alarm (the per-cell search then decides)."""
    if arr.type not in (pa.string(), pa.large_string()):
        return None
    data = arr.buffers()[2]
    size = 0 if data is None else data.size
    offsets = pa.py_buffer(np.array([0, size], dtype=np.int64))
    return pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data])


def _may_hold(arr: pa.Array, pattern: str, regex: bool = False) -> bool:
    """Whether any cell of a string array may hold ``pattern`` (a substring, or an RE2 regex
    matching single characters): False only when no cell does (see :func:`_whole_text`).

    A substring is looked for in the buffer's bytes by :mod:`re` (a literal: ≈ 4 ms for 15 MB,
    Arrow's substring kernel ≈ 25 ms); a regex by RE2 over the buffer as one cell."""
    whole = _whole_text(arr)
    if whole is None:
        return True
    if not regex:
        data = whole.buffers()[2]
        return data is not None and re.search(re.escape(pattern.encode()),
                                              memoryview(data)) is not None
    return bool(pc.match_substring_regex(whole, pattern)[0].as_py())


def _may_hold_invisible(arr: pa.Array) -> bool:
    """Whether any cell may hold an :data:`_INVISIBLE` character (one search of the buffer)."""
    return _may_hold(arr, _INVISIBLE, regex=True)


def _rows_of(cols: dict[str, Coded], personal: set[str], index: pd.Index,
             rows: np.ndarray) -> pd.DataFrame:
    """Raw cells of the non-personal columns at positions ``rows``."""
    return pd.DataFrame({k: c.uniques.take(c.codes[rows]).to_numpy() for k, c in cols.items()
                         if k not in personal}, index=index[rows])


def _grid_flags(grid: Grid, used: dict[str, int], personal: set[str],
                start: int) -> dict[tuple[int, str], tuple[str, str]]:
    """Formula-without-value and error cells of the kept columns, by (Excel row, key)."""
    keys = {j: k for k, j in used.items() if k not in personal}
    return {(r + 1, keys[c]): flag for (r, c), flag in grid.flags.items()
            if c in keys and r >= start}


def _long_cells(kept: dict[str, Coded], personal: set[str]) -> dict[tuple[int, str], tuple[str, str]]:
    """Cells longer than :data:`MAX_CELL_CHARS` (blanked in place, so nothing heavy follows)."""
    out: dict[tuple[int, str], tuple[str, str]] = {}
    for key, col in kept.items():
        if col.arrow is None or not len(col.arrow):
            continue
        lengths = pc.utf8_length(col.arrow).to_numpy(zero_copy_only=False)
        long = lengths > MAX_CELL_CHARS
        if not long.any():
            continue
        col.arrow = pc.if_else(pa.array(long), "", col.arrow)
        col._uniques, col._blank = None, None
        if key in personal:
            continue
        rows = np.flatnonzero(long[col.codes])
        out.update({(int(col.index[r]), key): ("long", str(int(lengths[col.codes[r]])))
                    for r in rows})
    return out


EXCEL_ERROR_TEXTS = pa.array(["#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!",
                              "#NULL!"], type=pa.string())


def _error_literals(kept: dict[str, Coded],
                    personal: set[str]) -> dict[tuple[int, str], tuple[str, str]]:
    """csv cells holding an Excel error value as text (#N/A, #DIV/0! …): as in xlsx, reported
    rather than read as blank."""
    out: dict[tuple[int, str], tuple[str, str]] = {}
    for key, col in kept.items():
        if key in personal or col.arrow is None or not _may_hold(col.arrow, "#"):
            continue
        trimmed = pc.utf8_upper(pc.utf8_trim_whitespace(col.arrow))
        hit = pc.is_in(trimmed, value_set=EXCEL_ERROR_TEXTS).to_numpy(zero_copy_only=False)
        if hit.any():
            values = trimmed.to_pylist()
            out.update({(int(col.index[r]), key): ("error", values[col.codes[r]])
                        for r in np.flatnonzero(hit[col.codes])})
    return out


def _label_columns(spec: TableSpec, match: HeaderMatch, cols: dict[str, Coded], coded,
                   width: int) -> list[tuple[str | None, Coded]]:
    """(key, column) of the columns that may hold a total label: the spec's code and name
    columns, and unmatched columns among the first :data:`LABEL_COLUMNS` (序号 …)."""
    labels: list[tuple[str | None, Coded]] = [(k, cols[k]) for k in spec.label_keys
                                              if k in cols]
    matched = set(match.columns.values())
    labels += [(None, coded(j)) for j in range(min(LABEL_COLUMNS, width)) if j not in matched]
    return labels


def _total_rows(spec: TableSpec, labels: list[tuple[str | None, Coded]],
                cols: dict[str, Coded], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(total, grand)`` row masks: a total label in a label column, every code blank."""
    total = np.zeros(n, dtype=bool)
    grand = np.zeros(n, dtype=bool)
    codes = [k for k in spec.code_keys if k in cols]
    for key, col in labels:
        hits = _label_hits(col, TOTAL_RE)
        if not hits.any():
            continue  # nor a grand total (every grand total label is a total label)
        others = np.ones(n, dtype=bool)
        for k in codes:
            if k != key:
                others &= _blank_codes(cols[k])
        total |= hits[col.codes] & others
        grand |= _label_hits(col, GRAND_TOTAL_RE)[col.codes] & others
    return total, grand & total


def _groups(labels: list[tuple[str | None, Coded]], index: pd.Index, total: np.ndarray,
            subs: np.ndarray) -> dict[int, tuple[int, str]]:
    """Each 小计 row -> (first Excel row after the previous total row, its label)."""
    out: dict[int, tuple[int, str]] = {}
    totals = np.flatnonzero(total)
    for pos in subs:
        before = totals[totals < pos]
        first = int(index[before[-1] + 1]) if len(before) else int(index[0])
        label = next((str(col.uniques.iloc[col.codes[pos]]) for _, col in labels
                      if _label_hits(col, TOTAL_RE)[col.codes[pos]]), "")
        out[int(index[pos])] = (first, label)
    return out


def _blank_codes(col: Coded) -> np.ndarray:
    """Blank mask of a coded column, one row each."""
    return col.blank[col.codes]


def _count_filled(n_filled: np.ndarray, col: Coded) -> None:
    """Add 1 to ``n_filled`` where ``col`` is not blank (without a per-row gather when none or
    every one of its distinct cells is blank, as for most columns of a large register)."""
    blank = col.blank
    if not blank.any():
        n_filled += 1
    elif not blank.all():
        n_filled += ~blank[col.codes]


def _label_mask(columns: list[Coded], regex: re.Pattern[str], n: int) -> np.ndarray:
    """True where any of ``columns`` holds short text matching ``regex`` (e.g. 合计)."""
    out = np.zeros(n, dtype=bool)
    for col in columns:
        out |= _label_hits(col, regex)[col.codes]
    return out


def _label_hits(col: Coded, regex: re.Pattern[str]) -> np.ndarray:
    """Per distinct cell: short text containing 计 whose squeezed form matches ``regex``."""
    hits = np.zeros(len(col.uniques), dtype=bool)
    if col.arrow is not None:
        if not _may_hold(col.arrow, "计"):
            return hits
        cand = np.flatnonzero(pc.and_(pc.match_substring(col.arrow, "计"),
                                      pc.less_equal(pc.utf8_length(col.arrow), 20))
                              .to_numpy(zero_copy_only=False))
    else:
        cand = np.array([i for i, v in enumerate(col.uniques.tolist())
                         if isinstance(v, str) and "计" in v and len(v) <= 20], dtype=np.intp)
    if len(cand):
        hits[cand] = squeeze(col.uniques.iloc[cand]).str.contains(regex).to_numpy(dtype=bool)
    return hits


def amount_units(spec: TableSpec, match: HeaderMatch, unit: str | None,
                 loc: Locator) -> dict[str, str]:
    """Unit of each amount column: header suffix, else 「单位」 line, else ``unit``, else 元."""
    keys = [c.key for c in spec.columns if c.kind == "amount" and c.key in match.columns]
    fallback = match.sheet_unit or unit
    if keys and fallback is None and any(k not in match.units for k in keys):
        loc.add("warning", "未注明金额单位（无「单位：元/万元」行或表头单位），按“元”处理",
                "amount unit not stated; assumed 元 (yuan)", row=match.row_index + 1)
    return {k: match.units.get(k) or fallback or "元" for k in keys}


def _coerce(body: Body, spec: TableSpec, match: HeaderMatch, loc: Locator,
            units: dict[str, str] | None) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Parse every non-personal column; report bad and missing required cells.

    Returns:
        ``(frame, fen)``: parsed columns indexed by Excel row, and exact 分 of amount columns.
    """
    index = body.cells.index
    out: dict[str, pd.Series] = {}
    fen: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.personal:
            continue
        raw = body.cells[col.key] if col.key in body.cells else None
        cells = body.coded.get(col.key, raw)
        out[col.key] = _parse_column(col, cells, raw, index, (units or {}).get(col.key, "元"),
                                     loc, fen)
        if raw is not None and col.required:
            _required(loc, col, cells, raw)
    return pd.DataFrame(out, index=index), fen


def _required(loc: Locator, col: Column, cells: "pd.Series | Coded", raw: pd.Series) -> None:
    loc.rows("error", blank_mask(cells), col.key, raw, "必填项为空", "required value is blank")


def report_flags(body: Body, frame: pd.DataFrame, fen: dict[str, pd.Series],
                 units: dict[str, str], loc: Locator) -> set[tuple[int, str]]:
    """Report the cells that cannot be read as written (formula without a computed value,
    Excel error value, over-long text); return their (row, header) positions.

    A 调整预算数 that cannot be read is taken as 全年预算数 − 年初预算数 (what it means), with a
    warning that says so; every other such cell is an error: never a blank or a zero.
    """
    positions: set[tuple[int, str]] = set()
    for (row, key), (kind, text) in sorted(body.flags.items()):
        positions.add((row, loc.headers.get(key, key)))
        what = _flag_words(kind, text)
        shown = {} if kind == "long" else {"value": text}
        if key == "adjustment_wan" and kind != "long" and _derive_adjustment(frame, fen, row):
            value = checks.format_fen(int(fen[key].loc[row]), units.get(key, "元"))
            loc.add("warning", f"{what[0]}；已按 全年预算数−年初预算数 计为{value}",
                    f"{what[1]}; taken as full-year − initial budget = {value}", key=key,
                    row=row, **shown)
        else:
            loc.add("error", what[0], what[1], key=key, row=row, **shown)
    return positions


def _flag_words(kind: str, text: str) -> tuple[str, str]:
    if kind == "formula":
        return ("公式没有计算结果（文件未经 Excel 计算保存），请在 Excel 中打开并保存，或填入数值",
                "formula without a computed value; open and save the file in Excel, or type the "
                "value")
    if kind == "error":
        return f"单元格为错误值 {text}，请修正公式或填入数值", f"cell holds the error value {text}"
    return (f"单元格内容过长（{text}个字符，上限{MAX_CELL_CHARS}个），请只填写该列应有的内容",
            f"cell too long ({text} characters, at most {MAX_CELL_CHARS})")


def _derive_adjustment(frame: pd.DataFrame, fen: dict[str, pd.Series], row: int) -> bool:
    """Set 调整预算数 of ``row`` to 全年预算数 − 年初预算数 when both are known."""
    if "budget_wan" not in fen or "initial_budget_wan" not in fen:
        return False
    budget, initial = fen["budget_wan"].loc[row], fen["initial_budget_wan"].loc[row]
    if pd.isna(budget) or pd.isna(initial):
        return False
    value = int(budget) - int(initial)
    fen["adjustment_wan"].loc[row] = value
    frame.loc[row, "adjustment_wan"] = value / FEN_PER_WAN
    return True


def _overflow(frame: pd.DataFrame, fen: dict[str, pd.Series], body: Body, loc: Locator) -> None:
    """An amount beyond :data:`MAX_AMOUNT_FEN` is an error of its own (not "negative")."""
    for key, values in fen.items():
        big = ((values > MAX_AMOUNT_FEN) | (values < -MAX_AMOUNT_FEN)).fillna(False)
        if not big.any():
            continue
        loc.rows("error", big, key, body.cells[key], "金额超出可计算的范围（绝对值超过1万亿元），"
                 "请检查单元格的数值或格式", "amount out of range (over 1e12 yuan)")
        values[big] = pd.NA
        frame.loc[big[big].index, key] = np.nan
        body.flags.update({(int(r), key): ("overflow", "") for r in big[big].index})


def _drop_follow_on(loc: Locator, flagged: set[tuple[int, str]]) -> None:
    """Drop the generic messages (必填项为空 …) about cells already reported by
    :func:`report_flags`: one message per cell, the one that says what is wrong."""
    if not flagged:
        return
    own = ("公式没有计算结果", "单元格为错误值", "单元格内容过长")
    loc.problems[:] = [p for p in loc.problems
                       if (p.row, p.column) not in flagged or p.zh.startswith(own)]


TEXT_KINDS = ("str", "text")


def mask_text_columns(frame: pd.DataFrame, spec: TableSpec, scanner: Scanner,
                      loc: Locator) -> None:
    """Mask personal data found in the kept text columns; one located warning per cell
    (the value shown is the masked text). Problems' shown values are masked too."""
    for col in spec.columns:
        if col.personal or col.kind not in TEXT_KINDS or col.key not in frame:
            continue
        series = frame[col.key]
        found = {v: f for v in _scan_candidates(series, scanner)
                 if (f := scanner.mask(v)) is not None}
        if not found:
            continue
        frame[col.key] = series.replace({v: f.masked for v, f in found.items()})
        for value, f in found.items():
            mask = series.eq(value).fillna(False)
            loc.rows("warning", mask, col.key, frame[col.key],
                     f"含疑似{f.label}，已在所有输出中隐去（请从输入文件中删除个人信息）",
                     f"looks like personal data ({f.label_en}); masked in every output")
    loc.problems[:] = [_masked_problem(p, scanner) for p in loc.problems]


def _scan_candidates(series: pd.Series, scanner: Scanner) -> list[str]:
    """Distinct values worth scanning in Python: those the Arrow (RE2) prefilter flags as
    possibly holding an ID or phone number, or, when the scanner knows names, two Han
    characters in a row."""
    pattern = PREFILTER_RE2 + (f"|{HAN_RE2}" if scanner.names and scanner.names.hashes else "")
    cells = pa.chunked_array(pa.array(pd.array(series, dtype=STRING)))   # no copy
    if _mostly_distinct(cells):
        # a case number column: the prefilter over the cells first, the few hits made distinct
        arr = pc.unique(cells.filter(pc.match_substring_regex(cells, pattern))).drop_null()
        return arr.to_pylist()
    arr = pc.unique(cells).drop_null()   # the distinct values first, then the prefilter
    if not len(arr):
        return []
    hit = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
    return arr.filter(pa.array(hit)).to_pylist()


DISTINCT_SAMPLE = 4096
"""Rows of a column looked at to tell a column of mostly distinct values (case numbers)."""


def _mostly_distinct(cells: pa.ChunkedArray) -> bool:
    """Whether the first :data:`DISTINCT_SAMPLE` cells are mostly distinct (only decides the
    order of work in :func:`_scan_candidates`, never its result)."""
    head = cells.slice(0, DISTINCT_SAMPLE)
    return len(head) == DISTINCT_SAMPLE and len(pc.unique(head)) * 2 > DISTINCT_SAMPLE


def _masked_problem(p: Problem, scanner: Scanner) -> Problem:
    value = scanner.clean(p.value) if isinstance(p.value, str) else p.value
    zh = scanner.clean(p.zh)
    if value is p.value and zh == p.zh:
        return p
    return dataclasses.replace(p, value=value, zh=zh)


BAD_MESSAGES: dict[str, tuple[str, str]] = {
    "amount": ("不是有效的金额", "not a valid amount"),
    "int": ("不是有效的整数", "not a whole number"),
    "date": ("无法识别的日期或日期不存在", "unrecognised or impossible date"),
    "bool": ("无法识别的是/否值（可用：是/否、Y/N、√/×、1/0、有/无）", "unrecognised yes/no value"),
}


def _parse_column(col: Column, cells: "pd.Series | Coded | None", raw: pd.Series | None,
                  index: pd.Index, unit: str, loc: Locator,
                  fen: dict[str, pd.Series]) -> pd.Series:
    """Parse one column (or build its default when absent) and report bad cells.

    ``cells`` is what is parsed (the coded column, or the raw cells); ``raw`` is shown in
    messages.
    """
    if raw is None or cells is None:
        return _absent(col, index)
    bad: pd.Series | None = None
    if col.kind == "amount":
        with np.errstate(invalid="ignore", over="ignore"):  # overflow: reported by _overflow
            values, fen[col.key], bad = parse_amount(cells, unit)
    elif col.kind == "int":
        values, bad = parse_int(cells)
    elif col.kind == "date":
        values, bad = parse_date(cells)
    elif col.kind == "bool":
        values, bad = parse_bool(cells)
    elif col.kind == "category":
        values, bad = parse_category(cells, col.choices, col.choice_aliases, as_string=True)
        accepted = "、".join(col.choices)
        loc.rows("error", bad, col.key, raw, f"不在可选值中（可选：{accepted}）",
                 f"unknown value; accepted: {', '.join(col.choices)}")
        bad = None
    elif col.kind == "text" and col.key in FREE_TEXT_KEYS:
        values = parse_free_text(cells, as_string=True)
    else:
        values = parse_text(cells, as_string=True)
    if bad is not None:
        zh, en = BAD_MESSAGES[col.kind]
        loc.rows("error", bad, col.key, raw, zh, en)
    return values


def _absent(col: Column, index: pd.Index) -> pd.Series:
    dtype = {"amount": "float64", "int": "Int64", "date": "datetime64[ns]",
             "bool": "boolean"}.get(col.kind, STRING)
    default = DEFAULTS.get(col.key)
    if default is None:
        return pd.Series(np.nan if dtype == "float64" else pd.NA, index=index, dtype=dtype)
    return pd.Series(default, index=index, dtype=dtype)


def finalise(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Apply defaults and tidy dtypes; add ``source_row``; drop anything personal."""
    cols: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.personal:
            continue
        s = frame[col.key] if col.key in frame else _absent(col, frame.index)
        cols[col.key] = _tidy_dtype(col, s)
    if spec.people:
        key = frame["petitioner_key"] if "petitioner_key" in frame else None
        cols["petitioner_key"] = _as_string(key if key is not None else
                                            pd.Series(pd.NA, index=frame.index, dtype=STRING))
    cols["source_row"] = (frame["source_row"] if "source_row" in frame
                          else pd.Series(frame.index, index=frame.index)).astype("int64")
    # one frame from the column arrays, renumbered 0..n-1 (no per-column inserts or copies)
    return pd.DataFrame({k: v.array for k, v in cols.items()},
                        index=pd.RangeIndex(len(frame)), copy=False)


def _tidy_dtype(col: Column, s: pd.Series) -> pd.Series:
    """Cast one parsed column to its tidy dtype with defaults (see docs/architecture.md)."""
    default = DEFAULTS.get(col.key)
    if col.key == "is_repeat":
        if s.dtype == bool:
            return s
        return s.eq("重件").fillna(False).astype(bool)
    if col.kind == "amount":
        s = s.astype("float64")
        return s.fillna(default) if default is not None else s
    if col.kind == "int":
        s = s.astype("Int64")
        return s.fillna(default) if default is not None else s
    if col.kind == "date":
        return s if s.dtype == "datetime64[ns]" else pd.to_datetime(s).astype("datetime64[ns]")
    if col.kind == "bool":
        s = s.astype("boolean")
        return s.fillna(default) if default is not None else s
    return _as_string(s, default)


def _as_string(s: pd.Series, default: object = None) -> pd.Series:
    """A text column (``str`` or blank cells) as ``string[pyarrow]``; blanks become ``default``
    (NA when there is none)."""
    if s.dtype != STRING:
        s = pd.Series(pd.array(s.to_numpy(dtype=object), dtype=STRING), index=s.index, copy=False)
    return s.fillna(default) if default is not None and s.hasnans else s
