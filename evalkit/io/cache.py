"""Parquet cache of loaded tidy tables, keyed on the raw file's SHA-256.

One file per table, ``<processed_dir>/<year>/<table>.parquet``, read back with the tidy dtypes
(text as ``string[pyarrow]``: the same frame a first parse gives). The cache key (raw SHA-256,
loader version, unit override, year, salt fingerprint) and the warnings found at parse time are
stored in the parquet schema metadata, so one atomic write keeps table and key together, one read
gets both, and a cached load still reports its warnings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evalkit.errors import Problem, problem
from evalkit.fsutil import atomic_path
from evalkit.schema import CHANNELS_DIGEST

LOADER_VERSION = "io-4"
"""Bump when parsing or tidy output changes, to invalidate every cache entry."""

_META_KEY = b"evalkit"


def cache_key(sha256: str, **parts: Any) -> dict[str, Any]:
    """The cache key of one table load."""
    return {"loader_version": LOADER_VERSION, "sha256": sha256, "channels": CHANNELS_DIGEST,
            **parts}


def _problem_to_json(p: Problem) -> dict[str, Any]:
    return {"level": p.level, "file": p.file, "zh": p.zh, "en": p.en, "sheet": p.sheet,
            "row": p.row, "column": p.column,
            "value": None if not p.has_value else str(p.value), "has_value": p.has_value}


def _problem_from_json(d: dict[str, Any]) -> Problem:
    kw = {"value": d["value"]} if d.get("has_value") else {}
    return problem(d["level"], d["file"], d["zh"], d["en"], sheet=d.get("sheet"),
                   row=d.get("row"), column=d.get("column"), **kw)


_STRING = pd.StringDtype("pyarrow")
_TYPES = {pa.string(): _STRING, pa.large_string(): _STRING}
"""Arrow text columns come back as ``string[pyarrow]`` (the tidy dtype) without copying."""


@dataclass
class Entry:
    """One cache file as read: its stored key, tidy frame and parse-time warnings."""

    key: dict[str, Any]
    frame: pd.DataFrame
    warnings: list[Problem]


def read_entry(path: Path) -> Entry | None:
    """Read a cache file once (footer, key and table together) into an :class:`Entry`.

    Text columns become ``string[pyarrow]`` without copying. None if the file is missing or
    unreadable; the caller compares :attr:`Entry.key` with the key it expects.
    """
    try:
        table = pq.read_table(path)
        stored = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
        if not isinstance(stored, dict) or not isinstance(stored.get("key"), dict):
            return None
        frame = table.to_pandas(types_mapper=_TYPES.get)
        warnings = [_problem_from_json(d) for d in stored.get("warnings", [])]
    except (OSError, ValueError, TypeError, KeyError, pa.ArrowException):
        return None  # missing or unreadable cache: parse again
    return Entry(stored["key"], frame, warnings)


def read_cached(path: Path, key: dict[str, Any]) -> tuple[pd.DataFrame, list[Problem]] | None:
    """Return the cached table and its warnings if ``path`` exists with the same key, else None."""
    entry = read_entry(path)
    if entry is None or entry.key != key:
        return None
    return entry.frame, entry.warnings


def write_cached(path: Path, frame: pd.DataFrame, key: dict[str, Any],
                 warnings: list[Problem]) -> Path:
    """Write ``frame`` with its key and warnings to ``path`` atomically.

    Uncompressed (the cache is local; dictionary pages keep repeated values small), so a re-read
    does no decompression; no column statistics (a re-read never filters on them).
    """
    # text columns are string[pyarrow] already (zero-copy); nthreads=1 avoids a thread pool
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    meta = dict(table.schema.metadata or {})
    meta[_META_KEY] = json.dumps({"key": key, "warnings": [_problem_to_json(p) for p in warnings]},
                                 ensure_ascii=False).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="none", write_statistics=False)
    return Path(path)
