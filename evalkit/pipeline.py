"""One year end to end without the notebooks: load, metrics, history, score, write.

``build_year`` is what ``evalkit metrics`` calls. It loads the year through
:func:`evalkit.io.load_year`, the previous year when its folder exists, and every earlier year
present (for the ``history`` series); computes the metrics dict; scores it with
the framework named in department.yaml; and writes ``outputs/<year>/metrics.json`` (and
``scorecard.xlsx``) atomically. The dict records its ``provenance`` (every raw file it was
computed from, with its SHA-256, the framework file's SHA-256, the evalkit version and a digest of
the code that computes metrics and scores).

``year_metrics`` is what the notebooks and the batch runner call: it returns the metrics of
``<out_dir>/<year>/metrics.json`` when that file is *fresh* (same raw files, same framework file,
same evalkit code, scorecard present) and only calls ``build_year`` otherwise, so a year is
computed once per batch however many notebooks read it, and a notebook run alone in JupyterLab
still recomputes whenever an input or the code changed.

The heavy modules (pandas, pydantic, the loaders) are imported only when a year is built.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import select
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

from evalkit import __version__
from evalkit.config import DATA_RAW, DATA_PROCESSED, OUTPUTS, PACKAGE_DIR, year_dir
from evalkit.errors import InputError, problem
from evalkit.fsutil import sha256_file
from evalkit.years import available_years

SCORECARD_FILE = "scorecard.xlsx"
METRICS_FILE = "metrics.json"          # = evalkit.metrics.core.METRICS_FILE
PROVENANCE_KEY = "provenance"

#: The evalkit sources whose behaviour decides the metrics dict and the score (a change in any of
#: them makes every metrics.json stale). Charts, report, audit and runner are not among them.
CODE_FILES = ("__init__.py", "config.py", "errors.py", "fsutil.py", "numfmt.py", "schema.py",
              "years.py", "channels.yaml", "catalogue/*.py", "catalogue/*.yaml", "pipeline.py", "io/*.py", "metrics/*.py",
              "scoring/*.py")


def _loader() -> Callable[..., Any]:
    from evalkit.io import load_year  # imported late: pandas only when a year is built
    return load_year


# --------------------------------------------------------------------------- provenance


def code_digest() -> str:
    """SHA-256 over the evalkit sources listed in :data:`CODE_FILES` (names and contents)."""
    h = hashlib.sha256()
    files = sorted({p for pattern in CODE_FILES for p in PACKAGE_DIR.glob(pattern) if p.is_file()})
    for path in files:
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def input_hashes(year: int, data_dir: Path | str = DATA_RAW) -> dict[str, str]:
    """``{"<y>/<file>": sha256}`` of every file ``build_year(year)`` reads.

    That is the loader's files (budget, petitions, self_assessment, peers, department.yaml) in
    ``<data_dir>/<y>/`` for each year folder ``y <= year`` (this year, the previous one and the
    earlier ones of the history series); nothing else of the folders (a scanned letter named
    after a petitioner must not reach metrics.json). Names are scanned for personal data all
    the same (:func:`safe_name`).
    """
    from evalkit.rawfiles import year_files

    base = Path(data_dir)
    found: dict[str, str] = {}
    for y in [y for y in available_years(base) if y <= int(year)]:
        for path in year_files(base / str(y)):
            found[f"{y}/{safe_name(path.name)}"] = sha256_file(path)
    return found


def safe_name(text: str) -> str:
    """A file name or path as it may appear in an output: personal data masked."""
    from evalkit.io.piiscan import Scanner

    return Scanner().clean(str(text))


def _framework_record(department: dict[str, Any]) -> dict[str, str] | None:
    name = (department or {}).get("framework")
    if not name:
        return None
    from evalkit.scoring.framework import resolve_framework_path

    path = resolve_framework_path(name).resolve()
    return {"name": safe_name(str(name)), "path": safe_name(str(path)),
            "sha256": sha256_file(path) if path.is_file() else ""}


def provenance(year: int, data_dir: Path | str, department: dict[str, Any]) -> dict[str, Any]:
    """What ``metrics.json`` of ``year`` was computed from (see :func:`is_fresh`)."""
    return {"evalkit_version": __version__, "code_sha256": code_digest(),
            "framework": _framework_record(department),
            "inputs": input_hashes(year, data_dir)}


def is_fresh(metrics: dict[str, Any], year: int, data_dir: Path | str = DATA_RAW,
             out_dir: Path | str | None = None) -> bool:
    """Whether a metrics dict read from disk still describes the current inputs and code.

    Fresh means: same year; recorded raw files (names and SHA-256) equal the current ones;
    same evalkit version and code digest; the recorded framework file is unchanged; and, when
    ``out_dir`` is given and the dict is scored, ``scorecard.xlsx`` exists beside it.
    """
    record = metrics.get(PROVENANCE_KEY) if isinstance(metrics, dict) else None
    if not isinstance(record, dict) or metrics.get("year") != int(year):
        return False
    if record.get("evalkit_version") != __version__ or record.get("code_sha256") != code_digest():
        return False
    framework = record.get("framework")
    if framework:
        path = Path(framework.get("path", ""))
        if not path.is_file() or sha256_file(path) != framework.get("sha256"):
            return False
    if record.get("inputs") != input_hashes(year, data_dir):
        return False
    if out_dir is not None and metrics.get("score"):
        if not (year_dir(Path(out_dir), year) / SCORECARD_FILE).is_file():
            return False
    return True


def read_fresh_metrics(year: int, data_dir: Path | str = DATA_RAW,
                       out_dir: Path | str = OUTPUTS) -> dict[str, Any] | None:
    """``<out_dir>/<year>/metrics.json`` when it exists, parses and :func:`is_fresh`, else None."""
    path = year_dir(Path(out_dir), year) / METRICS_FILE
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return metrics if is_fresh(metrics, year, data_dir, out_dir) else None


# --------------------------------------------------------------------------- build


# --------------------------------------------------------------------------- department.yaml


def _settings_problems(data: dict[str, Any], file: str) -> list[Any]:
    from evalkit.metrics.settings import MetricSettings

    try:
        MetricSettings.from_mapping(data.get("settings"), file)
    except InputError as exc:
        return exc.problems
    return []


def _framework_problems(data: dict[str, Any], file: str) -> list[Any]:
    name = data.get("framework")
    if not name or not isinstance(name, str):
        return []
    from evalkit.config import FRAMEWORKS
    from evalkit.scoring.framework import load_framework, resolve_framework_path

    path = resolve_framework_path(str(name))
    if not path.is_file():
        known = "、".join(sorted(p.stem for p in FRAMEWORKS.glob("*.yaml"))) or "无"
        return [problem("error", file, f"找不到评分框架「{name}」（{path}）；可用的框架：{known}",
                        f"framework {name!r} not found", column="framework", value=str(name))]
    try:
        load_framework(path)
    except InputError as exc:
        return exc.problems
    return []


def department_rules(department: dict[str, Any] | None,
                     file: str = "department.yaml") -> list[Any]:
    """Problems of department.yaml that need the metrics and the scoring packages: the
    ``settings:`` values (:class:`~evalkit.metrics.settings.MetricSettings`) and the
    ``framework`` name (found, and a valid framework file). The loader checks the shape."""
    data = department if isinstance(department, dict) else {}
    return _settings_problems(data, file) + _framework_problems(data, file)


def add_score(metrics: dict[str, Any], data: Any, out_dir: Path | None) -> Any | None:
    """Score ``metrics`` with the department's framework; write the scorecard when ``out_dir``.

    Returns:
        The ``ScoreResult``, or ``None`` when department.yaml names no framework.
    """
    from evalkit import scoring

    department = data.department or {}
    name = department.get("framework")
    if not name:
        return None
    from evalkit.scoring.scorecard import annotate_indicators

    self_assessment = getattr(data, "self_assessment", None)
    result = scoring.score_year(metrics, self_assessment, scoring.load_framework(name), department)
    metrics["score"] = annotate_indicators(result.to_json(), result, self_assessment)
    if out_dir is not None:
        scoring.write_scorecard(result, year_dir(out_dir, metrics["year"]) / SCORECARD_FILE,
                                metrics=metrics, department=department)
    return result


NO_YOY = "无法计算"
"""同比 text when the previous year's input has errors (the year is still built)."""


def warning_records(problems: list[Any]) -> list[dict[str, Any]]:
    """``metrics["warnings"]``: each load warning as a JSON-ready record (personal data already
    masked by the loader; control characters removed)."""
    from evalkit.errors import one_line

    return [{"file": p.file, "sheet": p.sheet, "row": p.row, "column": p.column,
             "message": one_line(p.zh), "en": one_line(p.en),
             "value": one_line(p.value) if p.has_value else None, "text": p.format()}
            for p in problems if p.level == "warning"]


def _earlier_year_problem(year: int, this_year: int, data_dir: Path, exc: Any) -> Any:
    """The warning for a year before ``this_year`` whose input has errors (named by folder and
    file, so the analyst opens the right one)."""
    from evalkit.errors import problem

    first = exc.errors[0] if exc.errors else exc.problems[0]
    folder = year_dir(data_dir, year)
    if year == this_year - 1:
        zh = (f"上年（{year}年，文件夹 {folder}）的输入有误，同比{NO_YOY}；请先修正该文件："
              f"{first.zh}")
        en = f"the previous year's input ({folder}) has errors: year on year not computed"
    else:
        zh = f"{year}年（文件夹 {folder}）的输入有误，历年趋势中不含该年：{first.zh}"
        en = f"year {year} ({folder}) has input errors: left out of the history"
    where = f"{year}/{first.file}"
    return problem("warning", where, zh, en, sheet=first.sheet, row=first.row,
                   column=first.column)


def _earlier_sections(earlier: list[int], year: int, data_dir: Path, processed_dir: Path,
                      settings: Any, notes: list[Any],
                      prefetched: dict[int, Any] | None = None) -> dict[int, dict[str, Any]]:
    """Sections of the ``earlier`` years; a year with input errors is left out with a warning.

    ``prefetched``: year -> its load, already started beside this year's (see
    :func:`_previous_year`)."""
    from evalkit.metrics import year_sections

    load_year = _loader()
    sections: dict[int, dict[str, Any]] = {}
    for y in earlier:
        try:
            loading = (prefetched or {}).get(y)
            data, ahead = loading.result() if loading is not None else (None, None)
            # sections computed beside this year's load count only under the same settings
            if ahead is not None and ahead[0] == settings:
                sections[y] = ahead[1]
                continue
            if data is None:
                data = load_year(y, data_dir, processed_dir)
            sections[y] = year_sections(data, settings)
        except InputError as exc:
            notes.append(_earlier_year_problem(y, int(year), data_dir, exc))
    return sections


PREFETCH_MAX_BYTES = 1 << 30
"""The previous year is loaded beside this year (a second thread) only when the two years'
raw files are at most this large together (xlsx counted :data:`XLSX_WEIGHT` times): two loads
at once add up their memory, so large registers (5M csv cases a year, 1M in xlsx) are loaded
one after the other (bench/README.md)."""
XLSX_WEIGHT = 10
"""An xlsx byte is compressed sheet XML: it weighs about this many csv bytes once read (a 1M-case
register is 118 MiB of xlsx with a 2.2 GiB peak, or 289 MiB of csv with a 0.85 GiB peak)."""


FORK_PREVIOUS = hasattr(os, "fork") and sys.platform.startswith("linux")
"""Load the previous year in a forked child process, not a thread, where that is safe: on
Linux, with no other Python thread running (so never inside a Jupyter kernel). The two loads
then share no GIL (a first run on two 1M-case csv years, bench/README.md)."""


CHILD_GRACE_SECONDS = 60.0
CHILD_SLOWDOWN = 4.0
"""The child loading the previous year is taken for hung, killed, and the year loaded here,
when it has not ended :data:`CHILD_GRACE_SECONDS` plus this many times this process's own
time after this process asks for it (see ``_ForkedLoad._deadline``)."""


def _raw_bytes(year: int, data_dir: Path) -> int:
    """The size of the year's raw files, xlsx weighted as csv (see :data:`XLSX_WEIGHT`)."""
    from evalkit.rawfiles import year_files

    return sum(p.stat().st_size * (XLSX_WEIGHT if p.suffix.lower() == ".xlsx" else 1)
               for p in year_files(year_dir(data_dir, year)))


@contextlib.contextmanager
def _previous_year(year: int, data_dir: Path, processed_dir: Path) -> Iterator[dict[int, Any]]:
    """``{previous year: its load}`` started beside this year's load (``{}`` when it is not),
    once the modules the loads need are imported.

    The raw files of this year and the previous one are hashed (a thread per year) while those
    modules import (≈ 0.4 s holding the GIL). The latest earlier year is loaded at the same time as
    this year when the two years' raw files are at most :data:`PREFETCH_MAX_BYTES` together:
    in a forked child process (:class:`_ForkedLoad`, see :data:`FORK_PREVIOUS`; forked once
    the hashing is done, so no thread runs and the child inherits modules and digests), else
    in a thread. Speculative: the year may turn out not to be comparable (sample vs real
    data), and then its load is simply not used. Its metric sections are computed there too
    (:func:`_load_ahead`). The salt is made first, so both loads share one. Leaving the block
    waits for the load."""
    from evalkit.rawfiles import get_salt

    earlier = [y for y in available_years(data_dir) if y < year]
    try:
        if not earlier or (_raw_bytes(earlier[-1], data_dir) + _raw_bytes(year, data_dir)
                           > PREFETCH_MAX_BYTES):
            earlier = []
        else:
            get_salt(processed_dir)
    except OSError:
        earlier = []  # reported by the loads themselves
    hashing = [_hash_ahead([y], data_dir) for y in [year, *earlier[-1:]]]  # a thread each
    _loader()
    import evalkit.metrics  # noqa: F401 - imported once, before a fork
    if not earlier:
        yield {}
        return
    args = (earlier[-1], year, data_dir, processed_dir)
    if FORK_PREVIOUS:
        for thread in filter(None, hashing):
            thread.join()       # no thread may run at a fork; the child inherits the digests
    if FORK_PREVIOUS and threading.active_count() == 1:
        forked = _ForkedLoad(*args)
        try:
            yield {earlier[-1]: forked}
        finally:
            forked.wait()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield {earlier[-1]: pool.submit(_load_ahead, *args)}


class _ForkedLoad:
    """The previous year loaded, and its sections computed, in a forked child process.

    Only the settings and sections come back (pickled through a pipe); the tables stay in the
    parquet cache the child writes, and the SHA-256 of the raw files it read (asked for again by
    the provenance). :meth:`result` is :func:`_load_ahead`'s ``(data, ahead)``
    with ``data`` None, or raises the child's :class:`InputError`; a child that fails
    otherwise (a crash included) gives ``(None, None)`` and the caller loads the year itself,
    meeting the failure there (from the cache when the child got that far)."""

    def __init__(self, earlier: int, year: int, data_dir: Path, processed_dir: Path) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:                                   # the child: never returns
            os.close(read_fd)
            _child_load(write_fd, earlier, year, data_dir, processed_dir)
        os.close(write_fd)
        self.pid, self.fd, self.started = pid, read_fd, time.monotonic()
        self.cache = year_dir(processed_dir, earlier)
        self.payload: tuple[str, Any] | None = None

    def wait(self) -> tuple[str, Any]:
        """The child's payload, once it has ended (waits for it, within
        :meth:`_deadline`: a child still running then is taken for hung and killed)."""
        from evalkit.fsutil import add_digests

        if self.payload is None:
            data = self._read(self._deadline())
            with contextlib.suppress(ChildProcessError):     # already reaped (SIGCHLD ignored)
                os.waitpid(self.pid, 0)
            try:
                kind, payload, digests = pickle.loads(data)   # from our own child process
            except Exception:  # noqa: BLE001 - crashed or cut short: loaded again by the caller
                kind, payload, digests = "failed", None, {}
                _remove_partial_writes(self.cache)
            add_digests(digests)          # its raw files' SHA-256, for provenance and cache
            self.payload = (kind, payload)
        return self.payload

    def _deadline(self) -> float:
        """When the child counts as hung: it does the work this process has just done for
        its own year, so it gets :data:`CHILD_SLOWDOWN` times as long again, plus
        :data:`CHILD_GRACE_SECONDS` (a fork with other libraries' threads running can, in
        rare cases, leave a lock held in the child for ever)."""
        now = time.monotonic()
        return now + CHILD_GRACE_SECONDS + CHILD_SLOWDOWN * (now - self.started)

    def _read(self, deadline: float) -> bytes:
        """Everything the child writes until it closes the pipe, or b"" once it is killed
        at ``deadline``."""
        chunks = []
        with os.fdopen(self.fd, "rb", buffering=0) as fh:
            while True:
                ready, _, _ = select.select([fh], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                    return b""
                chunk = fh.read(1 << 16)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)

    def result(self) -> tuple[None, tuple[Any, dict[str, Any]] | None]:
        kind, payload = self.wait()
        if kind == "input":
            raise InputError(payload)
        return None, payload if kind == "ok" else None


def _remove_partial_writes(folder: Path) -> None:
    """Remove the temporary files a killed child left in its year's cache folder: the hidden
    ``.<file>.<random><suffix>`` files of :func:`evalkit.fsutil.atomic_path` (nothing else
    there is hidden; the salt lives one folder up)."""
    for path in folder.glob(".*"):
        with contextlib.suppress(OSError):
            if path.is_file():
                path.unlink()


def _child_load(fd: int, earlier: int, year: int, data_dir: Path, processed_dir: Path) -> None:
    """In the forked child: load ``earlier``, compute its sections, send ``("ok", ahead)`` or
    ``("input", problems)`` (and the digests of the raw files) through ``fd``, and end the
    process without running the parent's exit handlers."""
    from evalkit.fsutil import known_digests

    code = 1
    try:
        try:
            payload: tuple[str, Any] = ("ok", _load_ahead(earlier, year, data_dir,
                                                          processed_dir)[1])
        except InputError as exc:
            payload = ("input", exc.problems)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pickle.dumps((*payload, known_digests())))
        code = 0
    finally:
        os._exit(code)


def _load_ahead(earlier: int, year: int, data_dir: Path, processed_dir: Path
                ) -> tuple[Any, tuple[Any, dict[str, Any]] | None]:
    """``(data, (settings, sections) or None)``: the ``earlier`` year loaded, then its metric
    sections computed under the settings of ``year``'s department.yaml, still beside this
    year's load. Speculative: :func:`_earlier_sections` uses the sections only when this
    year's settings turn out the same, and computes them itself when they are None (any
    failure here, reported there when it happens again)."""
    from evalkit.metrics import year_sections
    from evalkit.metrics.settings import MetricSettings

    data = _loader()(earlier, data_dir, processed_dir)
    try:
        settings = MetricSettings.from_department(load_department(year, data_dir,
                                                                  processed_dir))
        return data, (settings, year_sections(data, settings))
    except Exception:  # noqa: BLE001 - the main thread computes (and reports) it again
        return data, None


def _hash_ahead(years: list[int], data_dir: Path) -> threading.Thread | None:
    """Start hashing the raw files of ``years`` (:func:`evalkit.fsutil.hash_ahead`): their
    SHA-256 is the cache key and the provenance."""
    from evalkit.fsutil import hash_ahead
    from evalkit.rawfiles import year_files

    return hash_ahead(p for y in years for p in year_files(year_dir(data_dir, y)))


def build_year(year: int, data_dir: Path | str = DATA_RAW,
               processed_dir: Path | str = DATA_PROCESSED, out_dir: Path | str = OUTPUTS,
               write: bool = True, *, score: bool = True) -> dict[str, Any]:
    """Compute (and by default write) the metrics dict of ``year``.

    Args:
        year: the year to build.
        data_dir: folder holding the year folders (``data/raw``).
        processed_dir: parquet cache folder (``data/processed``).
        out_dir: output folder; ``metrics.json`` and ``scorecard.xlsx`` go to ``out_dir/<year>/``.
        write: write the files (``False`` only computes).
        score: add ``metrics["score"]`` (and ``scorecard.xlsx``) when department.yaml names a
            framework; ``False`` skips scoring (e.g. before the self-assessment is filled in).

    Returns:
        The metrics dict (with ``score`` when a framework is named, ``provenance``, and
        ``warnings``: every load warning of the year, one record each).

    Raises:
        InputError: when this year's input has errors. An earlier year with errors does not
            stop the build: it is left out of the history, and when it is the previous year
            every 同比 is marked 无法计算; a warning names its folder and file.
    """
    data_dir, processed_dir, out_dir = Path(data_dir), Path(processed_dir), Path(out_dir)
    remember_dirs(int(year), data_dir, processed_dir)
    with _previous_year(int(year), data_dir, processed_dir) as prefetched:
        from evalkit.metrics import compute_metrics, write_metrics_json, year_sections
        from evalkit.metrics.settings import MetricSettings

        data = _loader()(int(year), data_dir, processed_dir)
        rules = [p for p in department_rules(data.department) if p.level == "error"]
        if rules:
            raise InputError(rules)
        settings = MetricSettings.from_department(data.department)
        current = year_sections(data, settings)   # while the previous year's are computed
        earlier = comparable_years(int(year), data.department, data_dir, settings)
        notes: list[Any] = []
        sections = _earlier_sections(earlier, int(year), data_dir, processed_dir, settings,
                                     notes, prefetched)
    metrics = compute_metrics(data, previous=sections.get(int(year) - 1),
                              history=list(sections.values()), current=current)
    if any(n.file.startswith(f"{int(year) - 1}/") for n in notes):
        metrics["yoy_text"] = {k: NO_YOY for k in metrics.get("yoy_text") or {}}
    metrics["warnings"] = warning_records([*data.warnings, *notes])
    if score:
        add_score(metrics, data, out_dir if write else None)
    if score or not (data.department or {}).get("framework"):
        # An unscored build of a year that has a framework is never "fresh" for year_metrics.
        metrics[PROVENANCE_KEY] = provenance(int(year), data_dir, data.department)
    if write:
        write_metrics_json(metrics, out_dir)
    return metrics


def check_year(folder: Path | str) -> list[Any]:
    """Every problem ``build_year`` would meet in one year folder, without writing anything.

    The inputs are validated (:func:`evalkit.io.validate_year`); when they have no error and the
    folder is named by its year, the year's metrics and score are computed once (with the
    previous year's folder beside it when that loads; nothing written), so ``evalkit validate``
    rejects what ``evalkit metrics`` would reject.
    """
    from evalkit.io.loaders import collect_year

    folder = Path(folder)
    parts, problems = collect_year(folder)
    if parts.get("department"):
        problems += department_rules(parts["department"])
    if any(p.level == "error" for p in problems):
        return problems
    problems += _settings_checks(parts)
    if any(p.level == "error" for p in problems) or not folder.name.isdigit():
        return problems
    try:
        _dry_run(folder, parts)
    except InputError as exc:
        problems.extend(exc.problems)
    return problems


def _settings_checks(parts: dict[str, Any]) -> list[Any]:
    """Checks of the register against department.yaml ``settings:`` (the loader knows no
    settings): every 延期天数 within ``max_extension_days``."""
    from evalkit.metrics.petitions import check_extensions
    from evalkit.metrics.settings import MetricSettings
    from evalkit.schema import PETITIONS

    petitions = parts.get("petitions")
    if petitions is None or "extension_days" not in petitions:
        return []
    file = next((s.name for s in parts.get("sources", []) if Path(s.name).stem == "petitions"),
                "petitions.xlsx")
    try:
        check_extensions(petitions, MetricSettings.from_department(parts.get("department")),
                         file=file, sheet=None if file.lower().endswith(".csv") else PETITIONS.sheet)
    except InputError as exc:
        return list(exc.problems)
    return []


def _year_data(year: int, parts: dict[str, Any]) -> Any:
    from evalkit.io.loaders import YearData

    return YearData(year, parts["budget"], parts["petitions"], parts["self_assessment"],
                    parts["peers"], parts["department"], parts["sources"])


def _dry_run(folder: Path, parts: dict[str, Any]) -> None:
    from evalkit import scoring
    from evalkit.io.loaders import collect_year
    from evalkit.metrics import compute_metrics
    from evalkit.metrics.settings import MetricSettings

    year = int(folder.name)
    data = _year_data(year, parts)
    previous = None
    sibling = folder.parent / str(year - 1)
    settings = MetricSettings.from_department(data.department)
    if year - 1 in comparable_years(year, data.department, folder.parent, settings, warn=False):
        prev_parts, prev_problems = collect_year(sibling)
        if not any(p.level == "error" for p in prev_problems):
            previous = _year_data(year - 1, prev_parts)
    metrics = compute_metrics(data, previous=previous)
    name = (data.department or {}).get("framework")
    if name:
        scoring.score_year(metrics, data.self_assessment, scoring.load_framework(name),
                           data.department)


def comparable_years(year: int, department: dict[str, Any] | None, data_dir: Path | str,
                     settings: Any = None, *, warn: bool = True) -> list[int]:
    """The earlier year folders ``year`` may be compared with (同比 and the history series).

    Sample and real data never mix: a real year (``sample`` not true in its department.yaml)
    leaves out every earlier year whose department.yaml says ``sample: true``, and a sample year
    every real one, with a warning naming them (logger ``evalkit.pipeline``), so its 同比 reads
    无上年数据 instead of a change against synthetic figures. ``settings.compare_with_sample``
    (department.yaml ``settings: {compare_with_sample: true}``) keeps them.

    >>> comparable_years(2024, {"sample": False}, "/nonexistent")
    []
    """
    earlier = [y for y in available_years(data_dir) if y < int(year)]
    if getattr(settings, "compare_with_sample", False):
        return earlier
    own = bool((department or {}).get("sample", False))
    other = [y for y in earlier if _is_sample(y, data_dir) not in (own, None)]
    if other and warn:
        import logging

        names = "、".join(map(str, other))
        sample, real = (year, names) if own else (names, year)
        logging.getLogger(__name__).warning(
            "%s年为示例数据（sample: true），%s年为真实数据：两者不作比较，同比按“无上年数据”处理 / "
            "%s: sample data, %s: real data; no year-on-year comparison between them (department.yaml "
            "settings: {compare_with_sample: true} compares them anyway)",
            sample, real, sample, real)
    return [y for y in earlier if y not in other]


def _is_sample(year: int, data_dir: Path | str) -> bool | None:
    """Whether ``year``'s department.yaml says ``sample: true`` (None when it cannot be read:
    the year is then loaded, and its errors reported, like any other)."""

    try:
        return bool(load_department(year, data_dir).get("sample", False))
    except InputError:
        return None


def year_metrics(year: int, data_dir: Path | str = DATA_RAW,
                 processed_dir: Path | str = DATA_PROCESSED,
                 out_dir: Path | str = OUTPUTS) -> dict[str, Any]:
    """The metrics of ``year``: from a fresh ``<out_dir>/<year>/metrics.json``, else built.

    ``evalkit run`` builds each year once (in its own process, before the notebooks), so the
    notebooks read the file; a notebook run alone rebuilds when an input, the framework or the
    code changed since the file was written (see :func:`is_fresh`).

    Raises:
        InputError: when the year has to be built and its inputs have errors.
    """
    remember_dirs(int(year), data_dir, processed_dir)
    cached = read_fresh_metrics(int(year), data_dir, out_dir)
    if cached is not None:
        return cached
    return build_year(int(year), data_dir, processed_dir, out_dir)


_PROCESSED_FOR: dict[tuple[int, str], Path] = {}
"""(year, raw folder) -> the cache folder last used for it in this process (see
:func:`load_department`, which notebooks call with the raw folder only)."""


def remember_dirs(year: int, data_dir: Path | str, processed_dir: Path | str) -> None:
    """Remember which cache folder holds ``year``'s names index for :func:`load_department`."""
    _PROCESSED_FOR[(int(year), str(Path(data_dir).resolve()))] = Path(processed_dir)


def load_department(year: int, data_dir: Path | str = DATA_RAW,
                    processed_dir: Path | str | None = None) -> dict[str, Any]:
    """``<data_dir>/<year>/department.yaml`` as a dict (without loading the spreadsheets).

    Personal data in its texts is masked as in :func:`build_year`: ID and phone numbers, and
    the register's names from the cache of the last load of the year (``processed_dir``;
    default: the folder :func:`year_metrics` or :func:`build_year` last used for this year in
    this process, else ``data/processed``).

    Raises:
        InputError: when the file is missing or not usable (located problems).
    """
    from evalkit import config
    from evalkit.errors import InputError, problem
    from evalkit.io.loaders import cached_names, load_department as read_department
    from evalkit.rawfiles import find_file
    from evalkit.io.piiscan import Scanner

    folder = year_dir(Path(data_dir), year)
    path = find_file(folder, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES)
    if path is None:
        raise InputError([problem("error", f"{folder.name}/{config.DEPARTMENT}.yaml",
                                  "缺少必需的文件", "required file missing")])
    if processed_dir is None:
        processed_dir = _PROCESSED_FOR.get((int(year), str(Path(data_dir).resolve())),
                                           DATA_PROCESSED)
    department, problems = read_department(path, Scanner(cached_names(Path(processed_dir),
                                                                      int(year))))
    if any(p.level == "error" for p in problems):
        raise InputError(problems)
    return department


# --------------------------------------------------------------------------- report


REPORT_HTML, REPORT_DOCX, REPORT_PDF = "report.html", "report.docx", "report.pdf"
PROVENANCE_FILE = "provenance.json"


def word_options(department: dict[str, Any], charts: bool | None = None) -> Any:
    """The Word document's options: department.yaml ``report_docx: {charts, detail_tables}``
    (both off by default); ``charts`` given here overrides the file."""
    from evalkit.report import WordOptions

    given = (department or {}).get("report_docx") or {}
    given = given if isinstance(given, dict) else {}
    return WordOptions(charts=bool(given.get("charts", False)) if charts is None else bool(charts),
                       detail_tables=bool(given.get("detail_tables", False)))


def build_report(year: int, data_dir: Path | str = DATA_RAW,
                 processed_dir: Path | str = DATA_PROCESSED, out_dir: Path | str = OUTPUTS, *,
                 metrics: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                 check: bool = True, pdf: bool = False,
                 docx_charts: bool | None = None) -> dict[str, Path]:
    """Build the year's report files from its metrics and charts; return the written files.

    This is the one function that makes the report: notebook ``04_report`` and any command call
    it. It takes the year's metrics (``metrics``, else :func:`year_metrics`), runs the output
    sanity checks (``check``), draws the charts not already saved for these figures into
    ``<out_dir>/<year>/charts/``, drafts the report once (:func:`evalkit.report.draft_report`) and
    writes, each atomically: ``report.docx`` (the 公文-style hand-in, with the 自评表 as 附件),
    ``report.html`` (the shareable page with charts and 报告信息), ``report.pdf`` when ``pdf``
    (the HTML printed by headless Chromium) and ``provenance.json`` (inputs, hashes,
    parameters, versions and the SHA-256 of the files just written).

    Args:
        year: the year.
        data_dir, processed_dir, out_dir: the folders (as for :func:`build_year`).
        metrics: the metrics dict when the caller has it already.
        params: the run parameters shown in the HTML's 报告信息 and provenance.json (default:
            year and folders).
        check: run :func:`evalkit.checks.check_outputs` first (raises ``CheckFailed``).
        pdf: also print ``report.pdf`` (raises ``PdfError`` without Chromium).
        docx_charts: put the charts in the Word document (default: department.yaml
            ``report_docx.charts``, else off).

    Returns:
        ``{"html", "docx", "provenance", "charts"}`` paths, and ``"pdf"`` when printed.

    Raises:
        InputError: when the year has to be built and its inputs have errors.
    """
    from evalkit import charts, checks, report

    out_dir = Path(out_dir)
    if metrics is None:
        metrics = year_metrics(year, data_dir, processed_dir, out_dir)
    if check:
        checks.raise_if_failed(checks.check_outputs(metrics, year=int(year)))
    department = load_department(year, data_dir, processed_dir)
    target = year_dir(out_dir, year)
    chart_paths = charts.save_all_charts(metrics, target / "charts")
    if params is None:
        params = {"year": int(year), "data_dir": str(data_dir),
                  "processed_dir": str(processed_dir)}
    draft = report.draft_report(metrics, department)
    written = {"docx": report.write_docx(draft, target / REPORT_DOCX, chart_paths,
                                         word_options(department, docx_charts))}
    html = report.render_report(metrics, department, chart_paths, params, draft=draft)
    written["html"] = report.write_report(html, target / REPORT_HTML)
    if pdf:
        written["pdf"] = report.html_to_pdf(written["html"], target / REPORT_PDF)
    outputs = {**{p.name: p for p in written.values()},
               **{name: target / name for name in (METRICS_FILE, SCORECARD_FILE)}}
    written["provenance"] = report.write_provenance(metrics, target / PROVENANCE_FILE, params,
                                                    outputs)
    written["charts"] = target / "charts"
    return written
