"""Year-level loading: find the files of ``data/raw/<year>/``, load (or reuse cached) tables,
read ``department.yaml``, collect every problem and raise :class:`InputError` on errors."""

from __future__ import annotations

import functools
import hashlib
import json
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit import config
from evalkit.config import DATA_PROCESSED, DATA_RAW
from evalkit.errors import Problem, clean_text, os_problem, problem, raise_if_errors
from evalkit.fsutil import atomic_write_text, sha256_file
from evalkit.io import cache
from evalkit.io.department import FORM_KEYS, check_department, read_yaml
from evalkit.io.piiscan import NAME_HASH_BYTES, NameIndex, Scanner, map_strings, walk_strings
from evalkit.io.tables import read_table
from evalkit.rawfiles import find_file, get_salt, salt_id
from evalkit.schema import TABLES, TableSpec

SCAN_VERSION = "scan-1"
"""Part of every cache key: bump when the personal-data scan or the row/cell rules change."""
NAMES_SUFFIX = ".names.json"
"""Beside ``petitions.parquet``: the salted hashes of the register's names (for the scan)."""

REQUIRED_TABLES = ("budget", "petitions")
OPTIONAL_TABLES = ("self_assessment", "peers")


@dataclass
class SourceFile:
    """Provenance of one raw file (printed in the report footer)."""

    name: str
    path: Path
    sha256: str
    bytes: int


@dataclass
class YearData:
    """The tidy tables of one year (see docs/architecture.md for columns and dtypes)."""

    year: int
    budget: pd.DataFrame
    petitions: pd.DataFrame
    self_assessment: pd.DataFrame | None
    peers: pd.DataFrame | None
    department: dict[str, Any]
    sources: list[SourceFile] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def source_file(path: Path) -> SourceFile:
    """Provenance record of one raw file (its SHA-256 is also the cache key)."""
    digest = sha256_file(path)  # streamed, and read once per run (provenance asks again)
    return SourceFile(path.name, path, digest, path.stat().st_size)


def load_department(path: Path, scanner: Scanner | None = None
                    ) -> tuple[dict[str, Any], list[Problem]]:
    """Read ``department.yaml`` (bounded YAML, see :func:`evalkit.io.department.read_yaml`) and
    check its shape; control characters are removed from every text and personal data found in
    it is masked (a located warning each).

    Returns:
        ``(department, problems)``; the dict is ``{}`` when the file is unusable.
    """
    data, problems = read_yaml(path)
    if data is None:
        return {}, problems
    problems += check_department(data, path.name)
    data = map_strings(data, clean_text)
    return mask_department(data, scanner or Scanner(), path.name, problems)


def mask_department(data: dict[str, Any], scanner: Scanner, file: str,
                    problems: list[Problem]) -> tuple[dict[str, Any], list[Problem]]:
    """Mask personal data in the department's prose (not in ``framework``, a path, nor in the
    自评表's contact fields, see :data:`evalkit.io.department.FORM_KEYS`)."""
    found = {}
    for key_path, text in walk_strings(data):
        hit = scanner.mask(text) if key_path.split("[")[0] not in FORM_KEYS else None
        if hit is not None:
            found[text] = hit.masked
            problems.append(problem("warning", file, f"含疑似{hit.label}，已在所有输出中隐去"
                                                     "（请从该文件中删除个人信息）",
                                    f"looks like personal data ({hit.label_en}); masked",
                                    column=key_path, value=hit.masked))
    if found:
        kept = {k: data[k] for k in FORM_KEYS if k in data}
        data = {**map_strings(data, lambda s: found.get(s, s)), **kept}
    return data, problems


def _missing(year_dir: Path, stem: str, suffixes: tuple[str, ...]) -> Problem:
    names = "、".join(stem + s for s in suffixes)
    return problem("error", f"{year_dir.name}/{stem}{suffixes[0]}",
                   f"缺少必需的文件（应为 {names} 之一）", "required file missing")


def _year_of(year_dir: Path) -> int | None:
    return int(year_dir.name) if year_dir.name.isdigit() else None


@dataclass
class _Loaded:
    frame: pd.DataFrame | None
    problems: list[Problem]
    source: SourceFile | None
    names: NameIndex | None = None


def _names_file(target: Path) -> Path:
    return target.with_name(target.stem + NAMES_SUFFIX)


def _read_names(target: Path, key: dict[str, Any], salt: str) -> NameIndex | None:
    """The names index cached beside the petitions table (None when missing or stale)."""
    try:
        stored = json.loads(_names_file(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    hashes = stored.get("hashes") or []
    return NameIndex(salt, frozenset(hashes), frozenset(stored.get("lengths") or []))


def _write_names(target: Path, key: dict[str, Any], names: NameIndex | None) -> None:
    if names is not None:
        atomic_write_text(_names_file(target), json.dumps(
            {"key": key, "hashes": list(names.hashes),
             "lengths": sorted(names.lengths)}))


def _load_one(path: Path, spec: TableSpec, required: bool, year: int | None,
              processed_dir: Path | None, unit: str | None, salt: str | None = None,
              scanner: Scanner | None = None, writer: _Writer | None = None) -> _Loaded:
    """Load a table, reusing the parquet cache when the raw file is unchanged.

    The raw file is hashed (streamed, once per run) in a second thread while the main thread
    reads the cache file, or, when there is none, parses the raw file (both release the GIL).
    A cache file is used only if its stored key, which includes that SHA-256, is the expected
    one. ``salt``: the year's salt, when the caller already has it; ``scanner``: the
    personal-data scanner (its names index is part of the key of every table but the register);
    ``writer``: where to put the cache write started in a thread (else written here).
    """
    if processed_dir is None:
        try:
            loaded = read_table(path, spec, unit, year=year, salt=salt, required=required,
                                scanner=scanner)
            return _Loaded(loaded.frame, loaded.problems, source_file(path), loaded.names)
        except OSError as exc:
            return _Loaded(None, [os_problem(exc, path.name)], None)
    target = config.year_dir(processed_dir, year or 0) / f"{spec.name}.parquet"
    salt = salt or get_salt(processed_dir)
    try:
        src, entry, parsed = _hash_and_read(path, spec, required, year, unit, salt, scanner,
                                            target)
    except OSError as exc:
        return _Loaded(None, [os_problem(exc, path.name)], None)
    names = scanner.names if scanner is not None and scanner.names is not None else None
    key = cache.cache_key(src.sha256, table=spec.name, unit=unit, year=year, salt=salt_id(salt),
                          suffix=path.suffix.lower(), scan=SCAN_VERSION,
                          names=_names_digest(names) if not spec.people else None)
    if entry is not None and entry.key == key:
        cached_names = _read_names(target, key, salt) if spec.people else None
        if not spec.people or cached_names is not None:
            return _Loaded(entry.frame, entry.warnings, src, cached_names)
    loaded = parsed or read_table(path, spec, unit, year=year, salt=salt, required=required,
                                  scanner=scanner)
    if loaded.frame is not None and not any(p.level == "error" for p in loaded.problems):
        _save(writer, target, key, loaded)
    return _Loaded(loaded.frame, loaded.problems, src, loaded.names)


@dataclass
class _Writer:
    """The year's cache writes, done in a thread (Arrow and the file system release the GIL)
    while the next table loads; :func:`collect_year` waits for them before it returns."""

    pool: ThreadPoolExecutor
    writes: list[Future] = field(default_factory=list)

    def finish(self) -> None:
        """Wait for every write; a failed one raises here, as it did when written in line."""
        wait(self.writes)
        for done in self.writes:
            done.result()


def _save(writer: _Writer | None, target: Path, key: dict[str, Any], loaded: Any) -> None:
    """Write the cache file and the names index beside it (in ``writer``'s thread if given)."""
    def save() -> None:
        cache.write_cached(target, loaded.frame, key, loaded.problems)
        _write_names(target, key, loaded.names)

    if writer is None:
        save()
    else:
        writer.writes.append(writer.pool.submit(save))


def _hash_and_read(path: Path, spec: TableSpec, required: bool, year: int | None,
                   unit: str | None, salt: str, scanner: Scanner | None, target: Path
                   ) -> tuple[SourceFile, cache.Entry | None, Any]:
    """``(source, cache entry or None, parsed table or None)``: the raw file hashed in a thread
    while the cache file is read, or the raw file parsed when there is no cache file."""
    parsed = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(source_file, path)
        entry = cache.read_entry(target) if target.exists() else None
        if entry is None:
            parsed = read_table(path, spec, unit, year=year, salt=salt, required=required,
                                scanner=scanner)
        return hashing.result(), entry, parsed


def _names_digest(names: NameIndex | None) -> str | None:
    """A digest of the names index that does not depend on its order: SHA-256 of its hashes'
    first 8 bytes, sorted as integers (numpy, no sort of 150k strings in Python)."""
    if names is None:
        return None
    return _set_digest(names.hashes)


@functools.lru_cache(maxsize=4)
def _set_digest(hashes: frozenset[str]) -> str:
    """Asked for by every table of the year: computed once per index. The hashes are hex
    BLAKE2b digests of one length, so their first 8 bytes are as random as the whole; any
    other set (empty, or read back altered from a cache file) is digested as sorted text."""
    try:
        if {len(h) for h in hashes} != {2 * NAME_HASH_BYTES}:
            raise ValueError("not the index's own hashes")
        raw = np.frombuffer(bytes.fromhex("".join(hashes)), dtype=np.uint8)
    except ValueError:
        return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()[:16]
    first = np.ascontiguousarray(raw.reshape(len(hashes), -1)[:, :8]).view(">u8").ravel()
    return hashlib.sha256(np.sort(first).tobytes()).hexdigest()[:16]


LOAD_ORDER = ("petitions", "budget", "self_assessment", "peers")
"""The register first: the names of its 信访人姓名 column are looked for in everything else."""


def collect_year(year_dir: Path, processed_dir: Path | None = None,
                 units: dict[str, str] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Load everything in one year folder; return the parts and every problem found.

    Args:
        year_dir: ``data/raw/<year>``.
        processed_dir: cache root (``None``: parse everything, write nothing).
        units: optional amount unit per table name, used when the file does not state one.

    Returns:
        ``(parts, problems)`` where ``parts`` has the tables, ``department`` and ``sources``
        (the files read, in the order budget, petitions, self_assessment, peers, department).
    """
    year_dir = Path(year_dir)
    year = _year_of(year_dir)
    parts: dict[str, Any] = {"sources": [], "department": {}}
    if not year_dir.is_dir():
        return parts, [problem("error", str(year_dir), "年度文件夹不存在", "year folder not found")]
    try:
        salt = get_salt(processed_dir) if processed_dir is not None else None  # read once a year
    except OSError as exc:
        return parts, [os_problem(exc)]
    problems: list[Problem] = []
    sources: dict[str, SourceFile] = {}
    scanner = Scanner()
    with ThreadPoolExecutor(max_workers=1) as pool:
        writer = _Writer(pool)
        for name in LOAD_ORDER:
            loaded = _collect_table(year_dir, name, year, processed_dir, units, salt, scanner,
                                    writer)
            parts[name] = loaded.frame
            problems.extend(loaded.problems)
            if loaded.source is not None:
                sources[name] = loaded.source
            if loaded.names is not None:
                scanner = Scanner(loaded.names)
        writer.finish()
    parts["sources"] = [sources[n] for n in (*REQUIRED_TABLES, *OPTIONAL_TABLES) if n in sources]
    parts["department"] = _collect_department(year_dir, scanner, parts["sources"], problems)
    return parts, problems


def _collect_table(year_dir: Path, name: str, year: int | None, processed_dir: Path | None,
                   units: dict[str, str] | None, salt: str | None, scanner: Scanner,
                   writer: _Writer) -> _Loaded:
    spec = TABLES[name]
    path = find_file(year_dir, spec.file_stem, config.TABLE_SUFFIXES)
    if path is None:
        missing = [_missing(year_dir, spec.file_stem, config.TABLE_SUFFIXES)]
        return _Loaded(None, missing if name in REQUIRED_TABLES else [], None)
    return _load_one(path, spec, name in REQUIRED_TABLES, year, processed_dir,
                     (units or {}).get(name), salt, scanner, writer)


def _collect_department(year_dir: Path, scanner: Scanner, sources: list[SourceFile],
                        problems: list[Problem]) -> dict[str, Any]:
    dept = find_file(year_dir, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES)
    if dept is None:
        problems.append(_missing(year_dir, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES))
        return {}
    try:
        sources.append(source_file(dept))
    except OSError as exc:
        problems.append(os_problem(exc, dept.name))
        return {}
    data, found = load_department(dept, scanner)
    problems.extend(found)
    return data


def cached_names(processed_dir: Path | None, year: int) -> NameIndex | None:
    """The names index cached by the last load of ``year`` (None when there is none)."""
    if processed_dir is None:
        return None
    try:
        salt = (Path(processed_dir) / ".salt").read_text(encoding="utf-8").strip()
        stored = json.loads(_names_file(config.year_dir(processed_dir, year)
                                        / "petitions.parquet").read_text(encoding="utf-8"))
        return NameIndex(salt, frozenset(stored["hashes"]), frozenset(stored["lengths"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def validate_year(year_dir: Path) -> list[Problem]:
    """Check one year folder without caching; return every error and warning."""
    return collect_year(Path(year_dir))[1]


def load_year(year: int, data_dir: Path = DATA_RAW,
              processed_dir: Path = DATA_PROCESSED) -> YearData:
    """Load ``data_dir/<year>`` into tidy frames (cached as parquet in ``processed_dir/<year>``).

    Raises:
        InputError: with every problem found, when any of them is an error.
    """
    parts, problems = collect_year(config.year_dir(data_dir, year), Path(processed_dir))
    warnings = raise_if_errors(problems)
    return YearData(year=int(year), budget=parts["budget"], petitions=parts["petitions"],
                    self_assessment=parts["self_assessment"], peers=parts["peers"],
                    department=parts["department"], sources=parts["sources"],
                    warnings=warnings)
