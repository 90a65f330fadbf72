"""Load one input table: grid → header → data rows → typed tidy columns, with located problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from evalkit.errors import Problem
from evalkit.io import checks
from evalkit.io.clean import (STRING, Coded, blank_mask, parse_amount,
                              parse_bool, parse_category, parse_date, parse_free_text, parse_int,
                              parse_text, squeeze)
from evalkit.io.located import Locator
from evalkit.io.pii import petitioner_key
from evalkit.io.readers import Grid, HeaderMatch, ReadError, locate_header, read_grid
from evalkit.schema import PETITIONS, Column, TableSpec

TOTAL_RE = re.compile(r"^(?:本年|全年|总)?(?:合计|总计|小计)")
GRAND_TOTAL_RE = re.compile(r"^(?:本年|全年|总)?(?:合计|总计)")
FOOTER_RE = re.compile(r"^(?:注|说明|备注|制表|填表|填报|审核|负责人|单位负责人|数据来源)")
LABEL_COLUMNS = 3
"""A 合计/总计/小计 label is looked for in the first three columns of the sheet."""

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
    """

    cells: pd.DataFrame
    totals: pd.DataFrame
    coded: dict[str, Coded] = field(default_factory=dict)


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A zero-row tidy frame with the spec's columns and dtypes."""
    body = Body(pd.DataFrame(index=pd.Index([], dtype="int64")), pd.DataFrame())
    frame, _ = _coerce(body, spec, HeaderMatch(row_index=0), Locator("", None), None)
    return finalise(frame, spec)


def load_table(path: Path, spec: TableSpec, unit: str | None = None, *, year: int | None = None,
               salt: str | None = None, required: bool = True
               ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one raw table into a tidy frame.

    Args:
        path: the xlsx or csv file.
        spec: its table spec from :mod:`evalkit.schema`.
        unit: amount unit when neither a 「单位」 line nor a header suffix states it.
        year: the folder year; petitions registered in another year give a warning.
        salt: salt for ``petitioner_key``; without it the key column is left NA.
        required: whether a file without data rows is an error (else a warning, frame None).

    Returns:
        ``(frame, problems)``: the tidy frame (None if the file could not be read) and every
        problem found (errors and warnings). Personal columns are never in the frame.
    """
    try:
        grid = read_grid(Path(path), spec)
    except ReadError as exc:
        return None, [exc.problem]
    match, problems = locate_header(grid, spec)
    if match is None:
        return None, problems
    loc = Locator(grid.file, grid.sheet, dict(match.headers), problems)
    body = extract_body(grid, match, spec)
    if body.cells.empty:
        level = "error" if required else "warning"
        loc.add(level, "没有数据行（只有表头或为空表）", "no data rows", row=match.row_index + 1)
        return None, loc.problems
    units = amount_units(spec, match, unit, loc)
    frame, fen = _coerce(body, spec, match, loc, units)
    if spec.name == PETITIONS.name:
        frame["petitioner_key"] = _key(body, salt)
    checks.run(spec, frame, fen, body, units, loc, year)
    return finalise(frame, spec), loc.problems


def _key(body: Body, salt: str | None) -> pd.Series:
    index = body.cells.index
    if salt is None:
        return pd.Series(pd.NA, index=index, dtype=STRING)
    return petitioner_key(body.coded.get("petitioner_name"), body.coded.get("id_number"),
                          salt, index)


def extract_body(grid: Grid, match: HeaderMatch, spec: TableSpec) -> Body:
    """Rows below the header, without blank, total (合计/总计/小计) and footer-note rows.

    Only the columns that are used are touched: the non-personal matched columns, name and ID
    number (for ``petitioner_key``) and the first sheet columns (for 合计 labels). Each is
    dictionary-encoded once (Arrow, C++) and every row test runs on the distinct cells.
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
            by_col[j] = Coded.from_arrow(grid.column(j, start), index,
                                         date_cells=grid.date_cells)
        return by_col[j]

    cols = {k: coded(j) for k, j in used.items()}
    label_cols = [coded(j) for j in range(min(LABEL_COLUMNS, grid.width))]
    n_filled = np.zeros(n, dtype=np.int64)
    for k, c in cols.items():
        if k not in personal:
            n_filled += ~_blank_codes(c)
    total = _label_mask(label_cols, TOTAL_RE, n)
    grand = _label_mask(label_cols, GRAND_TOTAL_RE, n)
    footer = _label_mask(label_cols[:1], FOOTER_RE, n) & (n_filled <= 1)
    keep = (n_filled > 0) & ~total & ~footer
    kept_index = index[keep]
    kept = {k: c.take(keep, kept_index) for k, c in cols.items()}
    # raw cells (shown in messages) of the non-personal columns; name/ID stay coded only
    cells = pd.DataFrame({k: c.raw() for k, c in kept.items() if k not in personal},
                         index=kept_index)
    last = np.flatnonzero(grand)[-1:]
    totals = pd.DataFrame({k: c.uniques.take(c.codes[last]).to_numpy() for k, c in cols.items()
                           if k not in personal}, index=index[last])
    return Body(cells, totals, kept)


def _blank_codes(col: Coded) -> np.ndarray:
    """Blank mask of a coded column, one row each."""
    return col.blank[col.codes]


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
        cand = np.flatnonzero(pc.and_(pc.match_substring(col.arrow, "计"),
                                      pc.less_equal(pc.utf8_length(col.arrow), 20))
                              .to_numpy(zero_copy_only=False))
    else:
        cand = np.array([i for i, v in enumerate(col.uniques.tolist())
                         if isinstance(v, str) and "计" in v and len(v) <= 20], dtype=np.intp)
    if len(cand):
        hits[cand] = squeeze(col.uniques.iloc[cand]).str.match(regex).to_numpy(dtype=bool)
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
    if spec.name == PETITIONS.name:
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
