"""Which files of a year folder the loader reads, and the salt of a cache folder.

Light on purpose (standard library and the table specs only): a command uses these before it
imports pandas and Arrow, to start hashing the raw files or loading the previous year in a
child process while the modules load (see :func:`evalkit.pipeline.build_year`).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from evalkit import config
from evalkit.fsutil import atomic_write_text
from evalkit.schema import TABLES

SALT_FILE = ".salt"


def find_file(year_dir: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    """The first existing ``<stem><suffix>`` in ``year_dir`` (case-insensitive suffix)."""
    for suffix in suffixes:
        for candidate in (year_dir / f"{stem}{suffix}", year_dir / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def year_files(year_dir: Path) -> list[Path]:
    """The files the loader reads in ``year_dir`` (every table's file, then department.yaml),
    and nothing else of the folder."""
    found = [find_file(Path(year_dir), spec.file_stem, config.TABLE_SUFFIXES)
             for spec in TABLES.values()]
    found.append(find_file(Path(year_dir), config.DEPARTMENT, config.DEPARTMENT_SUFFIXES))
    return [p for p in found if p is not None]


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
