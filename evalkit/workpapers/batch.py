"""The batch cache: what the notebooks of a year show, rendered once by ``evalkit run``.

A notebook kernel that imports pandas, recomputes the tables and the year-end monitoring and
draws nothing new costs several times a kernel that only shows them. ``evalkit run`` prepares
each year in its own process (pandas already loaded there): after the metrics and the charts,
:func:`evalkit.workpapers.prepare.prepare_cache` opens the year's working papers exactly as a notebook does, renders every
table, check and chart the notebooks show into IPython display bundles, writes the report files,
底稿.xlsx and the year-end monitoring outputs (the same calls the notebooks make), and records it
all in ``<out_dir>/<year>/.workpapers-cache.json`` of the staging folder (a dot file: it is never
promoted, and goes with the staging folder).

The runner's side is :mod:`evalkit.workpapers.prepare`. In the kernel, :func:`read_cache` (called by ``workpapers.open_year`` and ``open_monitor``)
returns the cache only when its key still matches: same year and folders, same evalkit code
(every ``*.py``/``*.yaml`` of the package), same raw files (every file of every year folder up
to the year, by SHA-256), same framework file, same metrics.json (SHA-256), same Python environment
(so the same pandas and IPython). Every written file is checked by its SHA-256 before it is returned or shown. When the
cache is absent, stale or lacks a call (an analyst in JupyterLab, a notebook run with papermill
by hand, another ``as_of``), the notebook computes as it always did; what it shows is the same
either way (the bundles are rendered by the same code; tests/test_workpapers_batch.py).

Nothing personal is recorded: the tables are the de-identified working papers, the key holds
digests only (not even the raw files' names), the paths are relative to the year's folder.

This module imports nothing heavy: the kernel's side is ``json``, ``hashlib`` and IPython.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from evalkit import config
from evalkit.fsutil import sha256_file
from evalkit.years import available_years

if TYPE_CHECKING:
    from evalkit.workpapers.params import Dirs

CACHE_NAME = ".workpapers-cache.json"
VERSION = 1
METRICS_FILE = "metrics.json"          # = evalkit.pipeline.METRICS_FILE



# --------------------------------------------------------------------------- the key


def code_digest() -> str:
    """SHA-256 over every ``*.py`` and ``*.yaml`` of the evalkit package (names and contents)."""
    h = hashlib.sha256()
    files = sorted(p for pattern in ("**/*.py", "**/*.yaml") for p in config.PACKAGE_DIR.glob(pattern)
                   if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        h.update(path.relative_to(config.PACKAGE_DIR).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def inputs_digest(year: int, data_dir: Path) -> str:
    """SHA-256 over every file of every year folder up to ``year`` (relative names and contents):
    a superset of what the year's metrics, tables and monitoring read."""
    h = hashlib.sha256()
    for y in available_years(data_dir):
        if y > int(year):
            continue
        folder = Path(data_dir) / str(y)
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
            h.update(sha256_file(path).encode() + b"\0")
    return h.hexdigest()


def _framework_digest(metrics: Mapping[str, Any]) -> str:
    record = ((metrics.get("provenance") or {}).get("framework") or {})
    path = Path(record.get("path") or "")
    return sha256_file(path) if record.get("path") and path.is_file() else ""


def _interpreter() -> list[str]:
    """The Python that renders (the runner's) and replays (the kernel's): the same environment,
    hence the same pandas and IPython, when both are the project's ``.venv``."""
    return [sys.prefix, sys.version]


def cache_key(year: int, dirs: "Dirs", metrics_bytes: bytes,
              metrics: Mapping[str, Any]) -> dict[str, Any]:
    """What the cache of ``year`` was rendered from (see the module docstring)."""
    return {"version": VERSION, "year": int(year),
            "dirs": [str(dirs.data), str(dirs.processed), str(dirs.out)],
            "code": code_digest(), "inputs": inputs_digest(year, dirs.data),
            "framework": _framework_digest(metrics),
            "metrics": hashlib.sha256(metrics_bytes).hexdigest(), "python": _interpreter()}


def call_key(*call: Any) -> str:
    """The cache's key of a call: ``["show", "lines", null]``."""
    return json.dumps(list(call), ensure_ascii=False)


# --------------------------------------------------------------------------- the kernel's side


@dataclass
class Cached:
    """A fresh cache: the year's metrics dict and the recorded calls."""

    metrics: dict[str, Any]
    calls: dict[str, Any]


def cache_path(dirs: "Dirs", year: int) -> Path:
    return dirs.year_out(year) / CACHE_NAME


def read_cache(year: int, dirs: "Dirs") -> Cached | None:
    """The year's batch cache when it exists and its key matches the current inputs and code."""
    try:
        cache = json.loads(cache_path(dirs, year).read_text(encoding="utf-8"))
        metrics_bytes = (dirs.year_out(year) / METRICS_FILE).read_bytes()
        metrics = json.loads(metrics_bytes)
    except (OSError, ValueError):
        return None
    if not isinstance(cache, dict) or cache.get("key") != cache_key(year, dirs, metrics_bytes,
                                                                    metrics):
        return None
    return Cached(metrics, cache.get("calls") or {})


def _file_ok(base: Path, record: Mapping[str, Any]) -> Path | None:
    path = base / record["path"]
    if record.get("sha256") is None:
        return path if path.is_dir() else None
    return path if path.is_file() and sha256_file(path) == record["sha256"] else None


def replay_files(calls: Mapping[str, Any], base: Path, what: str) -> dict[str, Path] | None:
    """The files recorded for ``what`` under ``base`` when all are there unchanged, else None."""
    records = calls.get(call_key("files", what))
    if records is None:
        return None
    found = {name: _file_ok(base, r) for name, r in records.items()}
    return None if any(p is None for p in found.values()) else found


def replay_items(items: Iterable[Mapping[str, Any]], base: Path) -> bool:
    """Publish recorded display items; False (nothing shown) when an image is missing or changed."""
    from IPython.display import Image, display

    items = list(items)
    images = {i: _file_ok(base, item) for i, item in enumerate(items) if "path" in item}
    if any(p is None for p in images.values()):
        return False
    for i, item in enumerate(items):
        if i in images:
            display(Image(filename=str(images[i])))
        else:
            display(item["data"], raw=True, metadata=item.get("metadata") or {})
    return True


def replay_call(calls: Mapping[str, Any], base: Path, call: Iterable[Any]) -> bool:
    """Publish what was recorded for ``call``; False when nothing was (compute it then)."""
    items = calls.get(call_key(*call))
    return items is not None and replay_items(items, base)


# --------------------------------------------------------------------------- the runner's side


class Recorder:
    """Stands for IPython's ``display``: formats each object as a kernel would and keeps it.

    An image shown from a file is kept as the file (relative path and SHA-256), not its bytes.
    """

    def __init__(self, base: Path):
        from IPython.core.formatters import DisplayFormatter

        self.base, self.items = base, []
        self.formatter = DisplayFormatter()

    def __call__(self, *objs: Any) -> None:
        from IPython.display import Image

        for obj in objs:
            if isinstance(obj, Image) and getattr(obj, "filename", None):
                path = Path(obj.filename)
                self.items.append({"path": path.relative_to(self.base).as_posix(),
                                   "sha256": sha256_file(path)})
                continue
            data, metadata = self.formatter.format(obj)
            self.items.append({"data": data, "metadata": metadata})

    def take(self) -> list[dict[str, Any]]:
        items, self.items = self.items, []
        return items


def kernel_pandas_options() -> Any:
    """A context with pandas' display options as a notebook kernel has them (a terminal process
    sizes tables to its terminal) and as the notebooks set them."""
    import pandas as pd

    from evalkit import numfmt

    return pd.option_context("display.max_columns", 20, "display.width", 80,
                             "display.max_rows", 60, "display.float_format", numfmt.fmt_fixed,
                             "display.max_colwidth", 120)


def file_records(base: Path, files: Mapping[str, Path]) -> dict[str, dict[str, Any]]:
    """``{name: {"path", "sha256"}}`` of written files (a folder: sha256 None)."""
    return {name: {"path": Path(p).relative_to(base).as_posix(),
                   "sha256": None if Path(p).is_dir() else sha256_file(p)}
            for name, p in files.items()}


def record_call(calls: dict[str, Any], recorder: Recorder, call: tuple[Any, ...],
            show: Callable[[], Any]) -> None:
    """Record what ``show()`` displays under ``call``; nothing when it raises (the notebook then
    computes it and shows the located error itself)."""
    recorder.take()
    try:
        show()
    except Exception:  # noqa: BLE001 - see the docstring
        recorder.take()
        return
    calls[call_key(*call)] = recorder.take()
