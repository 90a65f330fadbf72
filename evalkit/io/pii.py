"""Personal data: dropped at load, replaced by a salted pseudonymous key.

``petitioner_key`` = the first 16 hex characters of SHA-256(salt ‖ name ‖ ID number), both
normalised (NFKC, no spaces, upper-case). The salt is random (``secrets``), created on first use in
``<processed_dir>/.salt`` (git-ignored), so keys are stable between runs on one machine but cannot
be reversed by hashing guessed names without it.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.fsutil import atomic_write_text
from evalkit.io.clean import _ASCII_SPACE_RUN, _HAN, STRING, Coded, _parse_text_cells, nfkc

SALT_FILE = ".salt"
KEY_CHARS = 16


def get_salt(processed_dir: Path) -> str:
    """Return the salt kept in ``processed_dir/.salt``, creating it on first use."""
    path = Path(processed_dir) / SALT_FILE
    if path.exists():
        salt = path.read_text(encoding="utf-8").strip()
        if salt:
            return salt
    salt = secrets.token_hex(32)
    atomic_write_text(path, salt + "\n")
    return salt


def salt_id(salt: str) -> str:
    """A short fingerprint of the salt (part of the cache key; reveals nothing useful)."""
    return hashlib.sha256(("evalkit-salt-id:" + salt).encode()).hexdigest()[:12]


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
    """``(codes, normalised distinct values)``: parse_text, no whitespace at all, upper-case."""
    if raw is None:
        return np.zeros(len(index), dtype=np.intp), pa.array([""], type=pa.string())
    coded = raw if isinstance(raw, Coded) else Coded.from_series(raw)
    blank = coded.blank
    if coded.arrow is None:
        values = list(map(_key_text, coded.uniques.tolist(), blank.tolist()))
        return coded.codes, pa.array(values, type=pa.string())
    # ASCII cells (NFKC leaves them unchanged) in Arrow; the rest cell by cell, exactly as
    # _key_text (Python NFKC, str.split whitespace, full upper-case mapping).
    arr = coded.arrow
    out = pc.utf8_upper(pc.replace_substring_regex(arr, _ASCII_SPACE_RUN, ""))
    # ASCII cells and cells of CJK unified ideographs only (NFKC-, case- and space-stable) are
    # done; the rest cell by cell
    other = np.flatnonzero(~pc.string_is_ascii(arr).to_numpy(zero_copy_only=False))
    if len(other):
        han = pc.match_substring_regex(arr.take(pa.array(other)), f"^{_HAN}+$")
        other = other[~han.to_numpy(zero_copy_only=False)]
    if len(other):
        norm = unicodedata.normalize
        fixed = ["".join(norm("NFKC", v).split()).upper()
                 for v in arr.take(pa.array(other)).to_pylist()]
        values = out.to_pylist()
        for j, v in zip(other.tolist(), fixed):
            values[j] = v
        out = pa.array(values, type=pa.string())
    if blank.any():
        out = pc.if_else(pa.array(blank), "", out)
    return coded.codes, out


def petitioner_key(name: "pd.Series | Coded | None", id_number: "pd.Series | Coded | None",
                   salt: str, index: pd.Index) -> pd.Series:
    """Salted hash of name + ID number per row (``string[pyarrow]``); NA when both are blank.

    Hashing is done once per distinct (name, ID) pair of cells, so a 100k-row register costs only
    as many SHA-256 calls as it has distinct petitioners.
    """
    name_codes, names = _normalised(name, index)
    id_codes, ids = _normalised(id_number, index)
    pair = name_codes.astype(np.int64) * len(ids) + id_codes
    uniq, codes = np.unique(pair, return_inverse=True)
    joined = pc.binary_join_element_wise(names.take(pa.array(uniq // len(ids))),
                                         ids.take(pa.array(uniq % len(ids))), "\x1f")
    both_blank = pc.equal(pc.binary_length(joined), 1).to_numpy(zero_copy_only=False)
    prefix = (salt + "\x1e").encode()
    sha256 = hashlib.sha256
    hashed = np.array([sha256(prefix + j).hexdigest()[:KEY_CHARS]
                       for j in joined.cast(pa.binary()).to_pylist()], dtype=object)
    hashed[both_blank] = None
    # string[pyarrow] (the tidy dtype) made once per pair, then spread over the rows in C++
    return pd.Series(pd.array(hashed, dtype=STRING).take(codes.reshape(-1)), index=index)
