"""Personal data: dropped at load, replaced by a salted pseudonymous key.

``petitioner_key`` = the first 16 hex characters of SHA-256(salt ‖ name ‖ ID number), both
normalised (NFKC, no spaces, upper-case). The salt is random (``secrets``), created on first use in
``<processed_dir>/.salt`` (git-ignored), so keys are stable between runs on one machine but cannot
be reversed by hashing guessed names without it.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pandas as pd

from evalkit.fsutil import atomic_write_text
from evalkit.io.clean import parse_text

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


def _normalised(raw: pd.Series | None, index: pd.Index) -> pd.Series:
    if raw is None:
        return pd.Series("", index=index, dtype=object)
    text = parse_text(raw).fillna("")
    return text.str.replace(r"\s+", "", regex=True).str.upper()


def petitioner_key(name: pd.Series | None, id_number: pd.Series | None, salt: str,
                   index: pd.Index) -> pd.Series:
    """Salted hash of name + ID number per row; NA when both are blank.

    Hashing is done once per distinct (name, ID) pair, so a 100k-row register costs only as many
    SHA-256 calls as it has distinct petitioners.
    """
    names = _normalised(name, index)
    ids = _normalised(id_number, index)
    combined = names + "\x1f" + ids
    codes, uniques = pd.factorize(combined)
    prefix = (salt + "\x1e").encode()
    hashed = [hashlib.sha256(prefix + u.encode()).hexdigest()[:KEY_CHARS] for u in uniques]
    out = pd.Series(pd.array(hashed, dtype=object)[codes] if len(uniques) else [],
                    index=index, dtype=object)
    out[(names == "") & (ids == "")] = None
    return out
