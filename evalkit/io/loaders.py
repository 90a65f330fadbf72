"""Year-level loading: find the files of ``data/raw/<year>/``, load (or reuse cached) tables,
read ``department.yaml``, collect every problem and raise :class:`InputError` on errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evalkit import config
from evalkit.config import DATA_PROCESSED, DATA_RAW
from evalkit.errors import Problem, problem, raise_if_errors
from evalkit.fsutil import sha256_file
from evalkit.io import cache
from evalkit.io.pii import get_salt, salt_id
from evalkit.io.tables import load_table
from evalkit.schema import TABLES, TableSpec

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


def find_file(year_dir: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    """The first existing ``<stem><suffix>`` in ``year_dir`` (case-insensitive suffix)."""
    for suffix in suffixes:
        for candidate in (year_dir / f"{stem}{suffix}", year_dir / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def source_file(path: Path) -> SourceFile:
    """Provenance record of one raw file (its SHA-256 is also the cache key)."""
    digest = sha256_file(path)  # streamed, and read once per run (provenance asks again)
    return SourceFile(path.name, path, digest, path.stat().st_size)


def load_department(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Read ``department.yaml`` with ``yaml.safe_load``; located errors if it is not usable."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return {}, [problem("error", path.name, "文件编码不是 UTF-8", "file is not UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        return {}, [problem("error", path.name, f"YAML 格式错误：{getattr(exc, 'problem', exc)}",
                            "invalid YAML", row=row)]
    if not isinstance(data, dict):
        return {}, [problem("error", path.name, "内容应为键值映射（如 department: 增城区信访局）",
                            "content must be a mapping", value=type(data).__name__)]
    if not str(data.get("department") or "").strip():
        return data, [problem("error", path.name, "缺少必填键 department（部门名称）",
                              "missing required key 'department'", column="department")]
    return data, []


def _missing(year_dir: Path, stem: str, suffixes: tuple[str, ...]) -> Problem:
    names = "、".join(stem + s for s in suffixes)
    return problem("error", f"{year_dir.name}/{stem}{suffixes[0]}",
                   f"缺少必需的文件（应为 {names} 之一）", "required file missing")


def _year_of(year_dir: Path) -> int | None:
    return int(year_dir.name) if year_dir.name.isdigit() else None


def _load_one(path: Path, spec: TableSpec, required: bool, year: int | None,
              processed_dir: Path | None, unit: str | None, salt: str | None = None
              ) -> tuple[pd.DataFrame | None, list[Problem], SourceFile]:
    """Load a table, reusing the parquet cache when the raw file is unchanged.

    The raw file is hashed (streamed, once per run) in a second thread while the main thread
    reads the cache file, or, when there is none, parses the raw file (both release the GIL).
    A cache file is used only if its stored key, which includes that SHA-256, is the expected
    one. ``salt``: the year's salt, when the caller already has it.
    """
    if processed_dir is None:
        frame, problems = load_table(path, spec, unit, year=year, required=required)
        return frame, problems, source_file(path)
    target = config.year_dir(processed_dir, year or 0) / f"{spec.name}.parquet"
    salt = salt or get_salt(processed_dir)
    parsed = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(source_file, path)
        entry = cache.read_entry(target) if target.exists() else None
        if entry is None:
            parsed = load_table(path, spec, unit, year=year, salt=salt, required=required)
        src = hashing.result()
    key = cache.cache_key(src.sha256, table=spec.name, unit=unit, year=year, salt=salt_id(salt),
                          suffix=path.suffix.lower())
    if entry is not None and entry.key == key:
        return entry.frame, entry.warnings, src
    frame, problems = parsed or load_table(path, spec, unit, year=year, salt=salt,
                                           required=required)
    if frame is not None and not any(p.level == "error" for p in problems):
        cache.write_cached(target, frame, key, problems)
    return frame, problems, src


def collect_year(year_dir: Path, processed_dir: Path | None = None,
                 units: dict[str, str] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Load everything in one year folder; return the parts and every problem found.

    Args:
        year_dir: ``data/raw/<year>``.
        processed_dir: cache root (``None``: parse everything, write nothing).
        units: optional amount unit per table name, used when the file does not state one.

    Returns:
        ``(parts, problems)`` where ``parts`` has the tables, ``department`` and ``sources``.
    """
    year_dir = Path(year_dir)
    year = _year_of(year_dir)
    parts: dict[str, Any] = {"sources": [], "department": {}}
    if not year_dir.is_dir():
        return parts, [problem("error", str(year_dir), "年度文件夹不存在", "year folder not found")]
    problems: list[Problem] = []
    salt = get_salt(processed_dir) if processed_dir is not None else None  # read once a year
    for name in (*REQUIRED_TABLES, *OPTIONAL_TABLES):
        spec = TABLES[name]
        required = name in REQUIRED_TABLES
        path = find_file(year_dir, spec.file_stem, config.TABLE_SUFFIXES)
        parts[name] = None
        if path is None:
            if required:
                problems.append(_missing(year_dir, spec.file_stem, config.TABLE_SUFFIXES))
            continue
        frame, found, src = _load_one(path, spec, required, year, processed_dir,
                                      (units or {}).get(name), salt)
        parts[name] = frame
        parts["sources"].append(src)
        problems.extend(found)
    dept = find_file(year_dir, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES)
    if dept is None:
        problems.append(_missing(year_dir, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES))
    else:
        parts["department"], found = load_department(dept)
        parts["sources"].append(source_file(dept))
        problems.extend(found)
    return parts, problems


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
