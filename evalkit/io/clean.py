"""Vectorised cell parsers: text, amounts, integers, dates, booleans and coded categories.

Every parser takes a ``pandas.Series`` of raw cells (``object`` dtype, as read from xlsx or csv:
``str``, ``float``, ``int``, ``bool``, ``datetime``/``date`` or blank) and returns the parsed
values plus a boolean mask of the cells that were *not blank but could not be parsed*. Callers turn
that mask into located problems. Work is done with pandas string methods and numpy; Python-level
work is limited to classifying the cells by type and to the (rare) odd cells.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.numfmt import FEN_PER_WAN, FEN_PER_YUAN


def _arrow_memory_pool() -> None:
    """Use jemalloc for Arrow's allocations where pyarrow ships it (Linux, macOS) unless the
    user chose a pool (``ARROW_DEFAULT_MEMORY_POOL``): on two 1M-case csv registers it keeps
    the peak RSS of ``evalkit metrics`` about 10% lower than mimalloc (bench/README.md)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowException):
        pass  # not built with jemalloc (Windows): keep the default pool


_arrow_memory_pool()

STRING = pd.StringDtype("pyarrow")
"""Tidy dtype of text columns: Arrow-backed ``string[pyarrow]`` (NA is ``pd.NA``)."""

BLANK_TEXT = {"", "-", "—", "--", "——", "/", "nan", "none", "null", "n/a", "#n/a"}
"""Text that counts as an empty cell (after NFKC, trimming and lower-casing)."""

TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "☑", "有", "对")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "☒", "无", "不是", "错")
BOOL_WORDS: dict[str, bool] = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}
"""Accepted spellings of booleans (after NFKC, trimming and lower-casing)."""

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
MIN_YEAR, MAX_YEAR = 1990, 2100
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}\s*[:时]\s*\d{1,2}\s*分?(?:\s*[:]?\s*\d{1,2}(?:\.\d+)?\s*秒?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
_SERIAL_RE = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
"""ISO dates as written by hand or rendered from date cells (fast path, checked by RE2)."""
_MIDNIGHT_RE = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"
_ISO_SERIAL_RE = r"^\d{1,6}(?:\.\d+)?$"
_UNIT_WORDS_RE = re.compile(r"(?:人民币|RMB|¥|￥)|(?:万元|元|天|日|件)$", re.IGNORECASE)
_NEG_PAREN_RE = re.compile(r"^\((.*)\)$")


def nfkc(text: str) -> str:
    """Fold full-width characters and compatibility forms (``１２３`` → ``123``, ``（`` → ``(``)."""
    return unicodedata.normalize("NFKC", text)


def cell_types(raw: pd.Series) -> pd.Series:
    """Return the Python type of each cell (a cheap C-level classification)."""
    return raw.map(type)


def _all_str(raw: pd.Series) -> bool:
    """Whether every cell is a ``str`` (always so for cells read by :mod:`evalkit.io.readers`)."""
    return len(raw) > 0 and pd.api.types.infer_dtype(raw.to_numpy(dtype=object),
                                                     skipna=False) == "string"


def _fold(text: str) -> str:
    """NFKC-fold (ASCII is already folded) and trim one string."""
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()


def _is_blank_str(text: str) -> bool:
    """One text cell is blank: short text that folds to a blank word, or long whitespace."""
    if len(text) <= 8:
        return _fold(text).lower() in BLANK_TEXT
    return text.isspace()


def _blank_strs(values: list[str]) -> np.ndarray:
    return np.fromiter(map(_is_blank_str, values), dtype=bool, count=len(values))


_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
"""The ASCII characters ``str.isspace``/``str.strip`` treat as whitespace."""
_ASCII_SPACE_RUN = r"[\t\n\r\x0b\x0c\x1c-\x1f ]+"
_BLANK_WORDS = pa.array(sorted(BLANK_TEXT), type=pa.string())
_HAN = "[\\x{4E00}-\\x{9FFF}]"
"""CJK unified ideographs (RE2 syntax): no NFKC decomposition, no case, not whitespace."""
_BOOL_CELLS = pa.array(["true", "false"], type=pa.string())


def blank_arrow(values: pa.Array) -> np.ndarray:
    """:func:`_is_blank_str` over an Arrow string array (no nulls), vectorised in C++.

    ASCII text (NFKC leaves it unchanged) is tested with Arrow kernels; text holding a CJK
    unified ideograph (NFKC-stable, never whitespace) is never blank; only the remaining
    non-ASCII cells go through the Python rule.
    """
    blank = np.zeros(len(values), dtype=bool)
    if not len(values):
        return blank
    ascii_ = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
    short = pc.less_equal(pc.utf8_length(values), 8).to_numpy(zero_copy_only=False)
    for rows, test in ((ascii_ & short, _ascii_blank_word), (ascii_ & ~short, _ascii_all_space)):
        if rows.any():
            blank[rows] = test(_where(values, rows)).to_numpy(zero_copy_only=False)
    other = ~ascii_
    if other.any():
        other[other] = ~pc.match_substring_regex(_where(values, other),
                                                 _HAN).to_numpy(zero_copy_only=False)
        if other.any():
            blank[other] = _blank_strs(_where(values, other).to_pylist())
    return blank


def _where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """The cells where ``mask`` is True (the array itself when it is True everywhere)."""
    return values if mask.all() else values.filter(pa.array(mask))


def _ascii_blank_word(values: pa.Array) -> pa.Array:
    return pc.is_in(pc.utf8_lower(pc.utf8_trim(values, characters=_ASCII_SPACE)),
                    value_set=_BLANK_WORDS)


def _ascii_all_space(values: pa.Array) -> pa.Array:
    return pc.equal(pc.utf8_length(pc.utf8_trim(values, characters=_ASCII_SPACE)), 0)


def _blank_mask_cells(raw: pd.Series, *, blank: np.ndarray | None = None) -> pd.Series:
    """True where a cell is empty: ``None``, NaN, or text that is blank/a dash after trimming.

    ``blank`` is the answer when already known (see :class:`Coded`)."""
    if blank is not None:
        return pd.Series(blank, index=raw.index)
    if _all_str(raw):
        return pd.Series(_blank_strs(raw.tolist()), index=raw.index)
    types = cell_types(raw)
    is_str = types == str
    blank = raw.isna()
    if is_str.any():
        text = raw[is_str]
        short = text.str.len() <= 8
        blank.loc[text.index[~short]] = text[~short].str.isspace().to_numpy()
        small = norm_text(text[short]).str.lower()
        blank.loc[small.index] = small.isin(BLANK_TEXT).to_numpy()
    return blank.astype(bool)


def norm_text(values: pd.Series) -> pd.Series:
    """NFKC-fold and trim a Series of ``str`` (inner spaces are kept)."""
    return values.astype(str).str.normalize("NFKC").str.strip()


def squeeze(values: pd.Series) -> pd.Series:
    """NFKC-fold, remove every whitespace character and lower-case a Series of ``str``."""
    return values.astype(str).str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.lower()


def _numbers_to_text(values: pd.Series) -> pd.Series:
    """Render numeric cells as text: integral floats without ``.0`` (codes read as numbers)."""
    arr = values.to_numpy(dtype="float64")
    integral = np.isfinite(arr) & (np.floor(arr) == arr) & (np.abs(arr) < 1e15)
    out = pd.Series(values.astype(str).to_numpy(), index=values.index, dtype=object)
    out[integral] = pd.Series(arr[integral].astype("int64"), dtype="int64").astype(str).to_numpy()
    return out


def _parse_text_cells(raw: pd.Series, *, blank: np.ndarray | None = None,
                      arrow: pa.Array | None = None) -> pd.Series:
    """Parse a text column: NFKC-folded, trimmed strings, ``None`` for blank cells.

    Numbers read from xlsx are shown without a spurious ``.0`` (``2010308.0`` → ``"2010308"``);
    dates as ``YYYY-MM-DD``.
    """
    if arrow is not None and blank is not None:
        return pd.Series(_text_arrow(arrow, blank), index=raw.index, copy=False)
    if _all_str(raw):
        values = raw.tolist()
        known = _blank_strs(values) if blank is None else blank
        return pd.Series([None if b else _fold(v) for v, b in zip(values, known)],
                         index=raw.index, dtype=object)
    out = pd.Series(None, index=raw.index, dtype=object)
    blank = _blank_mask_cells(raw, blank=blank)
    types = cell_types(raw)
    is_str = (types == str) & ~blank
    if is_str.any():
        out[is_str] = norm_text(raw[is_str])
    is_num = types.isin([float, int, np.float64, np.int64]) & ~blank
    if is_num.any():
        out[is_num] = _numbers_to_text(raw[is_num])
    other = ~blank & ~is_str & ~is_num
    if other.any():
        out[other] = raw[other].map(_other_to_text)
    return out


def _text_arrow(arrow: pa.Array, blank: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """:func:`_fold` over Arrow strings, as ``string[pyarrow]`` with NA where ``blank``.

    ASCII cells (NFKC leaves them unchanged) are trimmed in C++, and so are cells of CJK
    ideographs only (NFKC-stable, no whitespace); only the other cells are folded in Python.
    """
    out = pc.utf8_trim(arrow, characters=_ASCII_SPACE)
    other = ~pc.string_is_ascii(arrow).to_numpy(zero_copy_only=False)
    if other.any():
        other[other] = ~pc.match_substring_regex(arrow.filter(pa.array(other)),
                                                 f"^{_HAN}+$").to_numpy(zero_copy_only=False)
    if other.any():
        fixed = [_fold(v) for v in arrow.filter(pa.array(other)).to_pylist()]
        out = pc.replace_with_mask(out, pa.array(other), pa.array(fixed, type=pa.string()))
    if blank.any():
        out = pc.if_else(pa.array(blank), pa.scalar(None, type=pa.string()), out)
    return _string_array(out)


def _parse_free_text_cells(raw: pd.Series, *, blank: np.ndarray | None = None,
                           arrow: pa.Array | None = None) -> pd.Series:
    """Parse free text (reasons, evidence): trimmed but NOT NFKC-folded, ``None`` when blank.

    The analyst's full-width punctuation (``，``, ``（）``) is kept as written; only the blank test
    folds. Non-text cells are rendered as in :func:`_parse_text_cells`.
    """
    out = _parse_text_cells(raw, blank=blank, arrow=arrow)
    is_str = (cell_types(raw) == str) & out.notna()
    if is_str.any():
        out[is_str] = raw[is_str].astype(str).str.strip()
    return out


def _other_to_text(value: object) -> str:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (numeric cells and numbers typed as text) to float64.

    Returns:
        ``(values, bad)``: NaN for blank and bad cells; ``bad`` marks non-blank unparseable cells.
    """
    blank = _blank_mask_cells(raw)
    types = cell_types(raw)
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    is_num = types.isin([float, int, np.float64, np.int64]) & ~blank
    if is_num.any():
        values[is_num] = raw[is_num].astype("float64")
    is_str = (types == str) & ~blank
    if is_str.any():
        text = (squeeze(raw[is_str]).str.replace(",", "", regex=False)
                .str.replace(_UNIT_WORDS_RE, "", regex=True))
        text = text.str.replace(_NEG_PAREN_RE, r"-\1", regex=True)
        parsed = pd.to_numeric(text, errors="coerce")
        values[is_str] = parsed.to_numpy(dtype="float64")
    finite = np.isfinite(values.to_numpy())
    bad = ~blank & ~pd.Series(finite, index=raw.index)
    values[bad] = np.nan
    return values, bad


def amount_scale(unit: str) -> int:
    """分 per unit: 100 for 元, 1,000,000 for 万元."""
    return FEN_PER_YUAN if unit == "元" else FEN_PER_WAN


def _parse_amount_cells(raw: pd.Series, unit: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse an amount column given in ``unit`` (元 or 万元) to exact 分 and to 万元 floats.

    Amounts are rounded to the cent (1 分) on integer 分, so ``7831600.00`` 元 becomes exactly
    ``783160000`` 分 and the float ``783.16`` 万元 (the closest double), as ``numfmt.sum_wan``
    expects.

    Args:
        raw: raw cells.
        unit: ``"元"`` or ``"万元"``.

    Returns:
        ``(wan, fen, bad)``: float64 万元 (NaN when blank), nullable Int64 分, bad-cell mask.
    """
    values, bad = _parse_numbers(raw)
    arr = values.to_numpy()
    ok = np.isfinite(arr)
    fen_arr = np.zeros(len(arr), dtype="int64")
    fen_arr[ok] = np.rint(arr[ok] * amount_scale(unit)).astype("int64")
    fen = pd.array(fen_arr, dtype="Int64")
    fen[~ok] = pd.NA
    wan = pd.Series(np.where(ok, fen_arr / FEN_PER_WAN, np.nan), index=raw.index, dtype="float64")
    return wan, pd.Series(fen, index=raw.index), bad


def _parse_int_cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse whole numbers to ``Int64`` (``"３"``, ``"3天"``, ``3.0`` → 3); fractions are bad."""
    values, bad = _parse_numbers(raw)
    arr = values.to_numpy()
    frac = np.isfinite(arr) & (np.floor(arr) != arr)
    bad = bad | pd.Series(frac, index=raw.index)
    ok = np.isfinite(arr) & ~frac
    out = pd.array(np.where(ok, arr, 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=raw.index), bad


def _dates_from_parts(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    """Build timestamps from year/month/day Series; impossible dates (2月30日) become NaT."""
    frame = pd.DataFrame({"year": pd.to_numeric(y), "month": pd.to_numeric(m),
                          "day": pd.to_numeric(d)})
    return pd.to_datetime(frame, errors="coerce")


def _parse_date_text(text: pd.Series) -> pd.Series:
    """Parse date text: 2023-03-05, 2023/3/5, 2023.3.5, 2023年3月5日, 20230305, with optional time,
    or an Excel serial typed as text. Returns NaT where unrecognised or impossible."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for regex in (_DATE_RE, _COMPACT_DATE_RE):
        if not out.isna().any():
            break
        parts = text.str.extract(regex)
        hit = parts["y"].notna() & out.isna()
        if hit.any():
            out[hit] = _dates_from_parts(parts.loc[hit, "y"], parts.loc[hit, "m"],
                                         parts.loc[hit, "d"]).to_numpy()
    serial = out.isna() & text.str.match(_SERIAL_RE)
    if serial.any():
        out[serial] = _serial_to_dates(pd.to_numeric(text[serial])).to_numpy()
    return out


def _serial_to_dates(numbers: pd.Series) -> pd.Series:
    """Excel serial day numbers (1900 system) or yyyymmdd integers to dates; others NaT."""
    arr = numbers.to_numpy(dtype="float64")
    out = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    compact = (arr >= 19000101) & (arr <= 21001231) & (np.floor(arr) == arr)
    if compact.any():
        ymd = arr[compact].astype("int64")
        out[compact] = _dates_from_parts(pd.Series(ymd // 10000), pd.Series(ymd // 100 % 100),
                                         pd.Series(ymd % 100)).to_numpy()
    serial = (arr >= 1) & (arr < 2958466) & ~compact
    if serial.any():
        days = np.floor(arr[serial]).astype("int64")
        out[serial] = (EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).to_numpy()
    return out


def _parse_date_cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a date column to ``datetime64[ns]`` at midnight (the time of day is dropped).

    Accepts datetime cells, Excel serial numbers, yyyymmdd numbers and the text forms of
    :func:`_parse_date_text`. Dates outside 1990–2100 count as impossible.

    Returns:
        ``(dates, bad)``: NaT for blank and bad cells; ``bad`` marks unrecognised/impossible cells.
    """
    blank = _blank_mask_cells(raw)
    types = cell_types(raw)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    is_dt = types.isin([dt.datetime, dt.date, pd.Timestamp]) & ~blank
    if is_dt.any():
        out[is_dt] = pd.to_datetime(raw[is_dt].astype(object).map(_as_datetime)).to_numpy()
    is_num = types.isin([float, int, np.float64, np.int64]) & ~blank
    if is_num.any():
        out[is_num] = _serial_to_dates(raw[is_num].astype("float64")).to_numpy()
    is_str = (types == str) & ~blank
    if is_str.any():
        text = raw[is_str]
        fast, done = _fast_dates(text)
        out[is_str] = fast.to_numpy()
        rest = text[~done]
        if len(rest):
            out[rest.index] = _parse_date_text(squeeze_keep_space(rest)).to_numpy()
    out = out.dt.normalize()
    years = out.dt.year
    out = out.mask((years < MIN_YEAR) | (years > MAX_YEAR))
    bad = ~blank & out.isna()
    return out, bad.astype(bool)


def _fast_dates(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Vectorised fast paths: ISO text (``2023-03-05``, ``2023-03-05 00:00:00`` as date cells
    are read) and Excel serials typed as digits. Returns the dates and which cells were handled;
    the rest go through the general parser. Impossible ISO dates (2023-02-30) come back NaT."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    arr = pa.array(text.to_numpy(dtype=object), type=pa.string())
    iso = pc.match_substring_regex(arr, _ISO_DATE_RE).to_numpy(zero_copy_only=False)
    if iso.any():
        day = pc.utf8_slice_codeunits(arr.filter(iso), 0, 10).to_numpy(zero_copy_only=False)
        out[iso] = pd.to_datetime(day, format="%Y-%m-%d", errors="coerce").to_numpy()
    serial = pc.match_substring_regex(arr, _ISO_SERIAL_RE).to_numpy(zero_copy_only=False)
    if serial.any():
        out[serial] = _serial_to_dates(pd.to_numeric(text[serial])).to_numpy()
    return out, iso | serial


def squeeze_keep_space(values: pd.Series) -> pd.Series:
    """NFKC-fold and trim, collapsing inner whitespace runs to one space."""
    return values.astype(str).str.normalize("NFKC").str.strip().str.replace(r"\s+", " ", regex=True)


def _as_datetime(value: object) -> object:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return value
    return dt.datetime(value.year, value.month, value.day)


def _parse_bool_cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse 是/否, Y/N, √/×, ✓/✗, 1/0, True/False, 有/无 to pandas ``boolean`` (NA when blank)."""
    blank = _blank_mask_cells(raw)
    types = cell_types(raw)
    out = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    is_bool = types.isin([bool, np.bool_]) & ~blank
    if is_bool.any():
        out[is_bool] = raw[is_bool].astype(bool).to_numpy()
    is_num = types.isin([float, int, np.float64, np.int64]) & ~blank
    if is_num.any():
        nums = raw[is_num].astype("float64")
        out[is_num] = nums.map({1.0: True, 0.0: False}).astype("boolean").to_numpy()
    is_str = (types == str) & ~blank
    if is_str.any():
        out[is_str] = squeeze(raw[is_str]).map(BOOL_WORDS).astype("boolean").to_numpy()
    bad = ~blank & out.isna().to_numpy()
    return out, pd.Series(bad, index=raw.index, dtype=bool)


def category_lookup(choices: tuple[str, ...], aliases: Mapping[str, str]) -> dict[str, str]:
    """Map squeezed spellings (canonical values and aliases) to canonical values."""
    table = {key_of(c): c for c in choices}
    table.update({key_of(a): c for a, c in aliases.items()})
    return table


def key_of(text: str) -> str:
    """The squeezed form used for matching: NFKC, no whitespace, lower-case."""
    return re.sub(r"\s+", "", nfkc(str(text))).lower()


def _parse_category_cells(raw: pd.Series, choices: tuple[str, ...], aliases: Mapping[str, str],
                          *, blank: np.ndarray | None = None,
                          arrow: pa.Array | None = None) -> tuple[pd.Series, pd.Series]:
    """Map coded values to their canonical Chinese spelling (``None`` when blank).

    Returns:
        ``(values, bad)``: ``bad`` marks non-blank values that are neither a choice nor an alias.
    """
    lookup = category_lookup(choices, aliases)
    text = _parse_text_cells(raw, blank=blank, arrow=arrow)
    present = text.notna()
    out = pd.Series(None, index=raw.index, dtype=object)
    if present.any():
        out[present] = squeeze(text[present]).map(lookup).to_numpy()
    bad = present & out.isna()
    out[out.isna()] = None
    return out, bad.astype(bool)


@dataclass
class Coded:
    """A column stored once per distinct cell: row ``i`` holds ``uniques[codes[i]]``.

    Attributes:
        codes: position of each row's cell in ``uniques`` (1, 2 or 4 bytes a row when read from a
            csv grid).
        index: the rows (Excel row numbers).
        arrow: the distinct cells as an Arrow string array, when read from a grid (may repeat a
            value: a repeat is parsed twice, with the same result).
    """

    codes: np.ndarray
    index: pd.Index
    arrow: pa.Array | None = field(default=None, repr=False)
    _uniques: pd.Series | None = field(default=None, repr=False)
    _blank: np.ndarray | None = field(default=None, repr=False)

    @property
    def uniques(self) -> pd.Series:
        """The distinct cells (Series with a RangeIndex): ``string[pyarrow]`` over :attr:`arrow`
        (no Python string is made) when read from a grid, else ``object``."""
        if self._uniques is None:
            assert self.arrow is not None
            self._uniques = pd.Series(_string_array(self.arrow), copy=False)
        return self._uniques

    def objects(self) -> pd.Series:
        """The distinct cells as an ``object`` Series of ``str`` (what the generic parsers take).
        """
        values = self.uniques
        return values if values.dtype == object else pd.Series(self.arrow.to_pylist(),
                                                                dtype=object)

    @property
    def blank(self) -> np.ndarray:
        """Which distinct cells are blank (computed once, shared by every parser)."""
        if self._blank is None:
            self._blank = (blank_arrow(self.arrow) if self.arrow is not None
                           else _blank_mask_cells(self.uniques).to_numpy(dtype=bool))
        return self._blank

    @classmethod
    def from_series(cls, raw: pd.Series) -> "Coded":
        """Factorize raw cells (``pandas.factorize``, a C hash table); NA cells become None."""
        codes, uniques = pd.factorize(raw.astype(object), use_na_sentinel=True)
        values = pd.Series(list(uniques) + [None], dtype=object)
        return cls(np.where(codes < 0, len(uniques), codes), raw.index, _uniques=values)

    @classmethod
    def from_arrow(cls, cells: pa.Array, index: pd.Index, *,
                   date_cells: bool = False) -> "Coded":
        """Dictionary-encode an Arrow string column (no nulls) in C++; a dictionary array (as
        the csv reader gives) is used as it is.

        With ``date_cells`` (xlsx read as text), a date cell rendered ``2023-03-05 00:00:00``
        is shown as ``2023-03-05``, as the analyst sees it in Excel, and a TRUE/FALSE cell
        (rendered ``true``/``false``) reads as 是/否, as python-calamine's ``bool`` did.
        """
        enc = cells if pa.types.is_dictionary(cells.type) else pc.dictionary_encode(cells)
        codes = enc.indices.to_numpy(zero_copy_only=False)
        uniques = enc.dictionary
        if date_cells and len(uniques):
            if pc.any(pc.equal(pc.binary_length(uniques), 19)).as_py():
                uniques = pc.replace_substring_regex(uniques, _MIDNIGHT_RE, r"\1")
            is_bool = pc.is_in(uniques, value_set=_BOOL_CELLS)
            if pc.any(is_bool).as_py():
                uniques = pc.if_else(is_bool, pc.if_else(pc.equal(uniques, "true"), "是", "否"),
                                     uniques)
        return cls(codes, index, arrow=uniques)

    def take(self, keep: np.ndarray, index: pd.Index | None = None) -> "Coded":
        """The rows where ``keep`` is True (``index``: ``self.index[keep]`` if already known).

        When every row is kept the codes are shared, not copied."""
        codes = self.codes if keep.all() else self.codes[keep]
        return Coded(codes, self.index[keep] if index is None else index,
                     self.arrow, self._uniques, self._blank)

    def _run(self) -> int | None:
        """The first code when the rows are distinct cells in order (codes ``k, k+1, ...``, as
        for a column of mostly distinct cells read from csv), else None."""
        codes = self.codes
        if len(codes) and int(codes[-1]) - int(codes[0]) == len(codes) - 1 and (
                len(codes) < 2 or bool((np.diff(codes) == 1).all())):
            return int(codes[0])
        return None

    def cells(self) -> pa.Array:
        """The cells, one per row, as Arrow text (a zero-copy slice when :meth:`_run`)."""
        assert self.arrow is not None
        start = self._run()
        if start is not None:
            return self.arrow.slice(start, len(self.codes))
        return self.arrow.take(pa.array(self.codes))

    def spread(self, result: pd.Series) -> pd.Series:
        """Per-unique results back to one value per row (a slice, not a copy, when
        :meth:`_run`)."""
        start = self._run() if len(result) >= len(self.codes) else None
        if start is not None:
            out = result.iloc[start:start + len(self.codes)].copy(deep=False)
        else:
            out = result.take(self.codes)
        out.index = self.index
        return out

    def raw(self) -> pd.Series:
        """The cells, one per row, for messages (no copy of the text).

        Read from a grid: a ``category`` Series over the distinct cells, or, for a column of
        mostly distinct cells (case numbers), their ``string[pyarrow]`` text; else ``object``
        (shared string objects).
        """
        if self.arrow is None:
            return pd.Series(self.uniques.to_numpy()[self.codes], index=self.index, dtype=object)
        if len(self.arrow) * 4 > len(self.codes):
            return pd.Series(_string_array(self.cells()), index=self.index, copy=False)
        enc = pc.dictionary_encode(self.arrow)       # categories must be distinct
        codes = enc.indices.to_numpy(zero_copy_only=False)[self.codes]
        categories = pd.Index(enc.dictionary.to_pylist(), dtype=object)
        return pd.Series(pd.Categorical.from_codes(codes, categories=categories),
                         index=self.index, copy=False)


def _string_array(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as pandas ``string[pyarrow]`` (zero-copy)."""
    return pd.array(values, dtype=STRING)


def by_unique(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a cell parser once per distinct raw value and spread the results back.

    Registers repeat the same few values (categories, dates, townships) across 100k rows, so
    parsing the distinct values and taking the results by code is much faster than string methods
    over every cell. The wrapped parser accepts raw cells (a Series; blank None/NaN cells are
    parsed as one ``None`` value) or an already factorized :class:`Coded` column.

    With ``as_string=True`` an ``object`` (text) result is cast to ``string[pyarrow]`` per
    distinct value, before it is spread (an Arrow ``take``), instead of once per row afterwards.
    """
    takes_blank = "blank" in inspect.signature(fn).parameters
    takes_arrow = "arrow" in inspect.signature(fn).parameters

    def spread(coded: Coded, result: pd.Series, as_string: bool) -> pd.Series:
        if as_string and result.dtype == object:
            result = pd.Series(pd.array(result.to_numpy(), dtype=STRING), index=result.index)
        return coded.spread(result)

    @functools.wraps(fn)
    def wrapper(raw: "pd.Series | Coded", *args: Any, as_string: bool = False,
                **kwargs: Any) -> Any:
        coded = raw if isinstance(raw, Coded) else Coded.from_series(raw)
        if takes_blank and isinstance(raw, Coded):
            # the blank test is known: the parser needs the cells as Python objects only where
            # it has no Arrow path (a blank mask needs no cells at all)
            kwargs["blank"] = coded.blank
            if takes_arrow and coded.arrow is not None:
                kwargs["arrow"] = coded.arrow
            cells = coded.uniques
        else:
            cells = coded.objects()
        result = fn(cells, *args, **kwargs)
        if isinstance(result, tuple):
            return tuple(spread(coded, r, as_string) for r in result)
        return spread(coded, result, as_string)
    return wrapper


blank_mask = by_unique(_blank_mask_cells)
parse_text = by_unique(_parse_text_cells)
parse_free_text = by_unique(_parse_free_text_cells)
parse_amount = by_unique(_parse_amount_cells)
parse_int = by_unique(_parse_int_cells)
parse_date = by_unique(_parse_date_cells)
parse_bool = by_unique(_parse_bool_cells)
parse_category = by_unique(_parse_category_cells)
