"""Personal data: dropped at load, replaced by a salted pseudonymous key.

``petitioner_key`` = the first 16 hex characters of SHA-256(salt ‖ name ‖ ID number), both
normalised (NFKC, no spaces, upper-case). The salt is random (:func:`evalkit.rawfiles.get_salt`),
made on first use in ``<processed_dir>/.salt`` (git-ignored), so keys are stable between runs on
one machine but cannot be reversed by hashing guessed names without it.
"""

from __future__ import annotations

import hashlib
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.io.clean import (_ASCII_SPACE_RUN, _HAN, STRING, Coded, _parse_text_cells,
                              blank_arrow, nfkc)

KEY_CHARS = 16


def _key_text(value: object, blank: bool) -> str:
    """parse_text of one cell, then no whitespace at all and upper-case ("" when blank)."""
    if blank or value is None:
        return ""
    text = value if isinstance(value, str) else _parse_text_cells(pd.Series([value])).iloc[0]
    if text is None:
        return ""
    if not text.isascii():
        text = nfkc(text)
    return "".join(text.split()).upper()


def _normalised(raw: "pd.Series | Coded | None", index: pd.Index) -> tuple[np.ndarray, pa.Array]:
    """``(codes, distinct normalised values)``: parse_text, no whitespace at all, upper-case.

    Cells that normalise alike (``张三`` and `` 张三 ``) share one code, so a name or ID number
    read as mostly distinct cells still hashes once per person.
    """
    if raw is None:
        return np.zeros(len(index), dtype=np.intp), pa.array([""], type=pa.string())
    coded = raw if isinstance(raw, Coded) else Coded.from_series(raw)
    if coded.arrow is None:
        values = list(map(_key_text, coded.uniques.tolist(), coded.blank.tolist()))
        out = pa.array(values, type=pa.string())
        codes = coded.codes
    else:
        # the distinct cells first (a column read as mostly distinct cells is not deduplicated)
        cells = pc.dictionary_encode(coded.arrow)
        out = _normalised_arrow(cells.dictionary, blank_arrow(cells.dictionary))
        codes = cells.indices.to_numpy(zero_copy_only=False)[coded.codes]
    enc = pc.dictionary_encode(out)
    return enc.indices.to_numpy(zero_copy_only=False)[codes], enc.dictionary


_NORMAL_CELL = f"^(?:[0-9A-Z]*|{_HAN}+)$"
"""A cell :func:`_key_text` leaves as it is: digits and upper-case ASCII letters (no space),
or CJK ideographs only."""


def _normalised_arrow(arr: pa.Array, blank: np.ndarray) -> pa.Array:
    """:func:`_key_text` over Arrow strings: ASCII cells and cells of CJK ideographs only (NFKC-,
    case- and space-stable) in C++; the rest cell by cell exactly as _key_text (Python NFKC,
    ``str.split`` whitespace, full upper-case mapping)."""
    if pc.all(pc.match_substring_regex(arr, _NORMAL_CELL)).as_py() is not False:
        # every cell normal already (ID numbers, Han names): only the blanks change
        return pc.if_else(pa.array(blank), "", arr) if blank.any() else arr
    out = pc.utf8_upper(pc.replace_substring_regex(arr, _ASCII_SPACE_RUN, ""))
    other = np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False))
    if len(other):
        han = pc.match_substring_regex(arr.take(pa.array(other)), f"^{_HAN}+$")
        other = other[~han.to_numpy(zero_copy_only=False)]
    if len(other):
        norm = unicodedata.normalize
        fixed = ["".join(norm("NFKC", v).split()).upper()
                 for v in arr.take(pa.array(other)).to_pylist()]
        mask = np.zeros(len(arr), dtype=bool)
        mask[other] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(fixed, type=pa.string()))
    if blank.any():
        out = pc.if_else(pa.array(blank), "", out)
    return out


def petitioner_key(name: "pd.Series | Coded | None", id_number: "pd.Series | Coded | None",
                   salt: str, index: pd.Index) -> pd.Series:
    """Salted hash of name + ID number per row (``string[pyarrow]``); NA when both are blank.

    Hashing is done once per distinct (name, ID) pair of normalised cells, so a 100k-row
    register costs only as many SHA-256 calls as it has distinct petitioners; the only Python
    objects made from personal cells are those pairs' bytes, as the hash needs them.
    """
    codes, joined = _arrow_pairs(name, id_number) or _pairs(name, id_number, index)
    both_blank = pc.equal(pc.binary_length(joined), 1).to_numpy(zero_copy_only=False)
    salted = hashlib.sha256((salt + "\x1e").encode())   # the salt hashed once, then copied
    hashed = np.empty(len(joined), dtype=object)
    for i, j in enumerate(joined.cast(pa.binary()).to_pylist()):
        h = salted.copy()
        h.update(j)
        hashed[i] = h.hexdigest()[:KEY_CHARS]
    hashed[both_blank] = None
    # string[pyarrow] (the tidy dtype) made once per pair, then spread over the rows in C++
    return pd.Series(pd.array(hashed, dtype=STRING).take(codes), index=index)


def _pairs(name: "pd.Series | Coded | None", id_number: "pd.Series | Coded | None",
           index: pd.Index) -> tuple[np.ndarray, pa.Array]:
    """``(codes, pairs)``: per row the position of its pair in ``pairs``, the distinct
    normalised ``name ␟ ID`` texts."""
    name_codes, names = _normalised(name, index)
    id_codes, ids = _normalised(id_number, index)
    pair = name_codes.astype(np.int64) * len(ids) + id_codes
    codes, uniq = pd.factorize(pair)
    joined = pc.binary_join_element_wise(names.take(pa.array(uniq // len(ids))),
                                         ids.take(pa.array(uniq % len(ids))), "\x1f")
    return codes, joined


_RAW_SEP = "\x00"
"""Joins a raw name and ID number while deduplicating pairs (a cell holding it, never seen in a
register, sends the pair through :func:`_pairs` instead)."""


def _arrow_pairs(name: object, id_number: object) -> tuple[np.ndarray, pa.Array] | None:
    """:func:`_pairs` for two columns read from a grid: the raw (name, ID) pairs of the rows are
    deduplicated first, in one Arrow hash pass, and each distinct raw pair is normalised once
    (two raw pairs that normalise alike get the same key). None when a column is not such a
    column, or (never seen) a cell holds ``\\x00``."""
    cols = (name, id_number)
    if not all(isinstance(c, Coded) and c.arrow is not None for c in cols):
        return None
    rows = [c.cells() for c in cols]  # type: ignore[union-attr]
    raw = pc.dictionary_encode(pc.binary_join_element_wise(*rows, _RAW_SEP))
    if pc.max(pc.count_substring(raw.dictionary, _RAW_SEP)).as_py() not in (None, 1):
        return None
    parts = pc.split_pattern(raw.dictionary, _RAW_SEP, max_splits=1)
    norm = []
    for k in (0, 1):
        part = pc.list_element(parts, k)
        norm.append(_normalised_arrow(part, blank_arrow(part)))
    pairs = pc.binary_join_element_wise(*norm, "\x1f")
    return raw.indices.to_numpy(zero_copy_only=False), pairs
