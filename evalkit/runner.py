"""Batch runner ``evalkit run``: execute the notebooks of each year with papermill, atomically.

For every year, in one Python process:

1. prepare the year into a staging folder ``<out_dir>/.staging-<year>-<random>/``: validate,
   load, compute and score it once (``evalkit.pipeline.build_year``: metrics.json,
   scorecard.xlsx) in a child process of its own, so whatever kills the reader of one year's
   files (a native abort, an exhausted memory) fails that year alone; then draw its charts once
   (``evalkit.charts.save_all_charts``); a bad input prints its located problems, marks the year
   failed and the runner goes on with the next year; every load warning is printed under the
   year's ``inputs … ok`` line; then, when the notebooks open the working papers, render once
   what they show (``evalkit.workpapers.prepare``: tables, checks, charts, the report files,
   底稿.xlsx, the year-end monitoring) into the staging folder's batch cache, which the kernels
   replay without importing pandas while it is fresh (``evalkit.workpapers.batch``);
2. execute each ``notebooks/NN_*.ipynb`` with papermill (kernel ``python3``, a per-cell timeout,
   parameters checked against the notebook's declared ones) with ``out_dir`` pointing at the
   staging folder, so every output of the year (report.html, executed notebooks/) lands there;
   the notebooks read the prepared metrics.json (``pipeline.year_metrics`` finds it up to date)
   and show the prepared charts (each PNG carries the digest of the figures it was drawn from);
3. only when every notebook succeeded, move the files into ``<out_dir>/<year>/`` one by one with
   ``os.replace`` (``report.html`` last), so the previous good report stays until the new one is
   complete. A failed year leaves ``<out_dir>/<year>/`` untouched and its staging folder removed.

Preparation runs in one background thread, ahead of the notebooks: while the kernels execute a
year's notebooks, the next year is already being prepared (one thread, so matplotlib and the
parquet cache are only ever used by one thread of this process). ``jobs`` years execute their
notebooks at the same time (one kernel each).

One progress line per notebook and year, a summary at the end, exit code 1 if any year failed.
Staging folders left by a run that died (killed, power cut) are removed by the next run; a
staging folder records the id of the process that owns it, so a run still alive keeps its own.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, TextIO

from evalkit.config import DATA_PROCESSED, DATA_RAW, NOTEBOOKS, OUTPUTS, year_dir
from evalkit.errors import InputError, clean_text, format_problems, one_line, os_problem

if TYPE_CHECKING:
    from concurrent.futures import Future

DEFAULT_TIMEOUT = 600          # seconds per cell
KERNEL_NAME = "python3"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
REPORT_NAME = "report.html"
PDF_NAME = "report.pdf"
# The kernel's own log goes to this process's stderr; keep only its errors (ipykernel >= 7 warns
# about unencrypted TCP on every start, which is noise for a local batch).
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]
MANAGED_SUBDIRS = ("charts", "notebooks")   # stale files here are removed after a promotion
STAGING_PREFIX = ".staging-"
OWNER_FILE = ".owner"                       # pid of the process that owns a staging folder
SWITCH_INTERVAL = 0.0005                    # seconds; see run_years
CHILD_PRELOAD = ["evalkit.pipeline", "evalkit.io", "evalkit.metrics", "evalkit.scoring"]


class RunnerError(Exception):
    """A problem of the batch itself (unknown parameter, missing notebook, missing output)."""


class ParameterError(RunnerError):
    """A parameter passed to a notebook is not declared in its ``parameters`` cell."""


class CellError(RunnerError):
    """A cell raised: carries the notebook, the cell index and the exception line."""

    def __init__(self, notebook: str, cell_index: int, exec_count: int | None, ename: str,
                 evalue: str):
        self.notebook, self.cell_index, self.exec_count = notebook, cell_index, exec_count
        self.ename, self.evalue = ename, evalue
        super().__init__(self.short())

    def short(self) -> str:
        """``01_budget_execution.ipynb cell 5: KeyError: 'x'`` (multi-line values indented)."""
        value = clean_text(str(self.evalue)).strip().replace("\n", "\n      ")
        return f"{self.notebook} cell {self.cell_index}: {self.ename}: {value}"


@dataclass
class NotebookResult:
    name: str
    ok: bool
    seconds: float
    message: str = ""


@dataclass
class YearResult:
    year: int
    ok: bool = False
    seconds: float = 0.0
    notebooks: list[NotebookResult] = field(default_factory=list)
    message: str = ""


# --------------------------------------------------------------------------------------------
# years, notebooks, parameters
# --------------------------------------------------------------------------------------------

def discover_notebooks(notebooks_dir: Path | str = NOTEBOOKS) -> list[Path]:
    """The numbered notebooks ``NN_*.ipynb`` in execution order."""
    found = sorted(Path(notebooks_dir).glob(NOTEBOOK_GLOB))
    if not found:
        raise RunnerError(f"没有找到笔记本 / no notebooks {NOTEBOOK_GLOB} in {notebooks_dir}")
    return found


def declared_parameters(notebook: Path | str) -> dict[str, Any]:
    """The parameters declared in the notebook's ``parameters`` cell (``inspect_notebook``)."""
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def check_parameters(notebook: Path | str, parameters: Mapping[str, Any]) -> None:
    """Raise :class:`ParameterError` if a parameter is not declared by the notebook.

    papermill itself only logs a warning for an unknown name and runs with the default, which
    would silently report the wrong year or folder.
    """
    declared = declared_parameters(notebook)
    if not declared:
        raise ParameterError(f"{Path(notebook).name}: 没有带 parameters 标签的单元格 / "
                             "no cell tagged 'parameters'")
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{Path(notebook).name}: 未声明的参数 / unknown parameter(s): {', '.join(unknown)} "
            f"(declared: {', '.join(declared)})")


@functools.lru_cache(maxsize=1)
def quiet_kernel_manager() -> type:
    """An ``AsyncKernelManager`` whose kernel process writes its own stdout/stderr to /dev/null.

    Cell output still reaches the executed notebook (it travels over ZMQ); only the kernel
    process's log lines (connection warnings, shutdown chatter) are dropped, so the batch prints
    nothing but its progress lines and located errors.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def execute_notebook(notebook: Path | str, output: Path | str, parameters: Mapping[str, Any], *,
                     cwd: Path | str | None = None, timeout: int | None = DEFAULT_TIMEOUT) -> Path:
    """Execute one notebook with papermill after checking its parameters.

    Args:
        notebook: the source notebook.
        output: where the executed notebook is written.
        parameters: values injected after the ``parameters`` cell (names must be declared).
        cwd: working directory of the kernel (defaults to the notebook's folder, as in JupyterLab).
        timeout: seconds allowed per cell.

    Raises:
        ParameterError: an unknown parameter name.
        CellError: a cell raised or timed out (short located message, no traceback dump).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook, output = Path(notebook), Path(output)
    check_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=dict(parameters), kernel_name=KERNEL_NAME,
            execution_timeout=timeout, cwd=str(cwd or notebook.parent), progress_bar=False,
            log_output=False, report_mode=False, extra_arguments=KERNEL_ARGS,
            request_save_on_cell_execute=False,
            # the last cell's outputs are in: stop the kernel without its interpreter teardown
            # (0.2-0.5 s per notebook once pandas/matplotlib are loaded; nothing is left to write)
            shutdown_kernel="immediate",
            kernel_manager_class=quiet_kernel_manager())
    except PapermillExecutionError as exc:
        raise CellError(notebook.name, exc.cell_index, exc.exec_count, exc.ename,
                        exc.evalue) from None
    except Exception as exc:  # noqa: BLE001 - timeouts, dead kernels: report them in one line
        name = type(exc).__name__
        if "Timeout" in name or "timed out" in str(exc).lower():
            raise RunnerError(
                f"{notebook.name}: 单元格超时 / cell timed out after {timeout}s") from None
        first = (str(exc).strip().splitlines() or [""])[0]
        raise RunnerError(f"{notebook.name}: {name}: {first}") from None
    return output


# --------------------------------------------------------------------------------------------
# staging and promotion
# --------------------------------------------------------------------------------------------

def promote(staged_year: Path, dest_year: Path) -> list[Path]:
    """Move every staged file into ``dest_year`` with ``os.replace``, ``report.html`` last.

    Files in ``charts/`` and ``notebooks/`` of ``dest_year`` that the new run did not produce are
    removed afterwards (a chart that no longer applies must not linger beside the new report).
    """
    files = sorted(p for p in staged_year.rglob("*") if p.is_file() and not p.name.startswith("."))
    files.sort(key=lambda p: p.relative_to(staged_year).as_posix() == REPORT_NAME)
    moved = []
    for src in files:
        rel = src.relative_to(staged_year)
        dst = dest_year / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        moved.append(dst)
    keep = {p.resolve() for p in moved}
    for sub in MANAGED_SUBDIRS:
        folder = dest_year / sub
        if folder.is_dir():
            for old in folder.rglob("*"):
                if old.is_file() and old.resolve() not in keep:
                    old.unlink()
    return moved


def _located(exc: BaseException) -> str:
    """``Type: message (file.py:line)`` of an unexpected exception (innermost frame)."""
    where = exc.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    loc = (f" ({Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno})"
           if where is not None else "")
    first = (str(exc).strip().splitlines() or [""])[0]
    return one_line(f"{type(exc).__name__}: {first}{loc}")


def _build_year(year: int, data_dir: Path, processed_dir: Path, staging: Path, *,
                isolate: bool = True) -> tuple[dict[str, Any] | None, list[str]]:
    """Validate, load, compute and score the year into ``staging``; (metrics, located errors).

    With ``isolate`` (the default) this runs in a child process: a reader that aborts or runs
    out of memory on one year's files fails that year, never the batch.
    """
    if not (Path(data_dir) / str(year)).is_dir():
        return None, [f"【{Path(data_dir) / str(year)}】：年度文件夹不存在 / year folder not found"]
    if not isolate:
        kind, payload = _build_here(year, data_dir, processed_dir, staging)
        return (payload, []) if kind == "ok" else (None, payload)
    return _build_in_child(year, data_dir, processed_dir, staging)


def _build_here(year: int, data_dir: Path, processed_dir: Path,
                staging: Path) -> tuple[str, Any]:
    """``("ok", metrics)`` or ``(kind, located lines)``: never raises for a bad year."""
    from evalkit.pipeline import build_year

    try:
        return "ok", build_year(year, data_dir, processed_dir, staging)
    except InputError as exc:
        return "input", format_problems(exc.problems).splitlines()
    except OSError as exc:
        return "os", [os_problem(exc).format()]
    except Exception as exc:  # noqa: BLE001 - a loader/metrics bug fails this year, not the batch
        return "bug", [_located(exc)]


def _child_main(conn: Any, year: int, data_dir: Path, processed_dir: Path,
                staging: Path) -> None:
    """Entry point of the child process of :func:`_build_in_child`."""
    try:
        conn.send(_build_here(year, data_dir, processed_dir, staging))
    finally:
        conn.close()


@functools.lru_cache(maxsize=1)
def _child_context() -> Any:
    """A forkserver context (children start from a clean, single-threaded server with evalkit
    and pandas already imported; fork from this threaded process would be unsafe)."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(CHILD_PRELOAD)
    return ctx


def _build_in_child(year: int, data_dir: Path, processed_dir: Path, staging: Path, *,
                    target: Callable[..., None] | None = None
                    ) -> tuple[dict[str, Any] | None, list[str]]:
    """:func:`_build_here` in a child process (``target``: its entry point, for tests)."""
    ctx = _child_context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target or _child_main,
                       args=(send, year, data_dir, processed_dir, staging),
                       name=f"evalkit-year-{year}", daemon=True)
    proc.start()
    send.close()
    try:
        kind, payload = receive.recv()
    except (EOFError, OSError):
        proc.join()
        return None, [_died(year, data_dir, proc.exitcode)]
    finally:
        receive.close()
    proc.join()
    return (payload, []) if kind == "ok" else (None, payload)


def _died(year: int, data_dir: Path, exitcode: int | None) -> str:
    """The located line for a year whose reader process died."""
    if exitcode is not None and exitcode < 0:
        try:
            reason = signal.Signals(-exitcode).name
        except ValueError:
            reason = f"signal {-exitcode}"
    else:
        reason = f"exit code {exitcode}"
    return (f"【{Path(data_dir) / str(year)}】：读取与计算该年度时进程异常终止（{reason}），其他年度"
            f"不受影响；请检查该年度的输入文件是否损坏或过大 / the process reading this year "
            f"died ({reason}); the other years go on")


def _new_staging(out_dir: Path, year: int) -> Path:
    """A new staging folder in ``out_dir``, marked with this process's id."""
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{year}-", dir=out_dir))
    (staging / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders of runs that are no longer alive; return them.

    A folder without an owner file (an older run) or whose owner process is gone is dead.
    """
    removed = []
    for folder in sorted(Path(out_dir).glob(f"{STAGING_PREFIX}*")):
        if not folder.is_dir():
            continue
        try:
            pid = int((folder / OWNER_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            pid = 0
        if pid == os.getpid() or (pid and _alive(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


@dataclass
class Prepared:
    """A year prepared in staging (``message`` empty), or why it could not be."""

    staging: Path | None
    message: str = ""
    seconds: float = 0.0
    #: what is left of the preparation: the writing calls of the notebooks (report files,
    #: 底稿.xlsx, monitoring), made before the first notebook that makes one runs
    rest: Callable[[], None] | None = None


def prepare_year(year: int, data_dir: Path, processed_dir: Path, out_dir: Path,
                 stream: TextIO = sys.stdout, *, charts: bool = True,
                 isolate: bool = True, notebooks: Sequence[Path] = ()) -> Prepared:
    """Build the year (metrics.json, scorecard.xlsx) and its charts into a new staging folder.

    Prints ``[year] inputs … ok`` with one line per load warning under it (or ``FAILED`` with
    the located problems) and ``[year] charts … ok``. On failure the staging folder is removed
    and ``message`` says why. ``isolate``: build in a child process (see :func:`_build_year`).
    ``notebooks``: the notebooks that will run; when one of them opens the working papers, what
    they show is rendered here once (:func:`_prepare_workpapers`).
    """
    start = time.perf_counter()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = _new_staging(out_dir, year)
    except OSError as exc:
        line = os_problem(exc).format()
        print(f"[{year}] inputs … FAILED\n    {line}", file=stream, flush=True)
        return Prepared(None, line, time.perf_counter() - start)

    def failed(step: str, problems: list[str], message: str) -> Prepared:
        lines = [f"[{year}] {step} … FAILED {time.perf_counter() - t0:.1f}s"]
        lines += [f"    {line}" for line in problems]
        print("\n".join(lines), file=stream, flush=True)
        shutil.rmtree(staging, ignore_errors=True)
        return Prepared(None, message, time.perf_counter() - start)

    t0 = time.perf_counter()
    metrics, problems = _build_year(year, data_dir, processed_dir, staging, isolate=isolate)
    if metrics is None:
        return failed("inputs", problems, "输入有误 / input errors")
    lines = [f"[{year}] inputs … ok {time.perf_counter() - t0:.1f}s"]
    lines += [f"    {one_line(w.get('text', ''))}" for w in metrics.get("warnings") or []]
    print("\n".join(lines), file=stream, flush=True)
    if charts:
        t0 = time.perf_counter()
        try:
            from evalkit.charts import save_all_charts

            # charts: a PNG already published for the same figures is copied, not redrawn
            save_all_charts(metrics, year_dir(staging, year) / "charts",
                            reuse=year_dir(out_dir, year) / "charts")
        except Exception as exc:  # noqa: BLE001 - a chart bug fails this year, not the batch
            return failed("charts", [_located(exc)], "图表绘制失败 / charts failed")
        print(f"[{year}] charts … ok {time.perf_counter() - t0:.1f}s", file=stream, flush=True)
    rest = _prepare_workpapers(year, data_dir, processed_dir, staging, notebooks, stream)
    return Prepared(staging, "", time.perf_counter() - start, rest)


def _code_sources(notebook: Path) -> list[str]:
    """The code cells of a notebook (none when it cannot be read: papermill reports that)."""
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells") or []
    except (OSError, ValueError, AttributeError):
        return []
    return ["".join(c.get("source") or "") for c in cells if c.get("cell_type") == "code"]


def _makes_writer_calls(notebook: Path) -> bool:
    """Whether the notebook makes a writing call the batch cache prepares (report files,
    底稿.xlsx, monitoring): it then waits for :attr:`Prepared.rest`."""
    from evalkit.workpapers import prepare

    calls = prepare.notebook_calls(_code_sources(notebook))
    return any((w,) in calls for w in prepare.WRITERS.values())


def _prepare_workpapers(year: int, data_dir: Path, processed_dir: Path, staging: Path,
                        notebooks: Sequence[Path], stream: TextIO) -> Callable[[], None] | None:
    """Render what the notebooks show into the year's batch cache
    (:class:`evalkit.workpapers.prepare.Preparation`), so their kernels import and compute
    nothing; return the rest (the report files, 底稿.xlsx and the year-end monitoring, when a
    notebook makes that call), or None. Only a speed-up: on any failure the notebooks compute
    as without it (and report the located error themselves), so this never fails the year."""
    sources = [source for nb in notebooks for source in _code_sources(nb)]
    if not any("open_year" in s or "open_monitor" in s for s in sources):
        return None
    from evalkit.workpapers import prepare

    t0 = time.perf_counter()
    try:
        preparation = prepare.Preparation(year, data_dir, processed_dir, staging, sources)
        preparation.shows()
    except Exception as exc:  # noqa: BLE001 - see the docstring
        print(f"[{year}] workpapers … skipped ({_located(exc)})", file=stream, flush=True)
        return None
    print(f"[{year}] workpapers … ok {time.perf_counter() - t0:.1f}s", file=stream, flush=True)
    if not preparation.has_writers:
        return None

    def rest() -> None:
        t0 = time.perf_counter()
        try:
            preparation.writers()
        except Exception as exc:  # noqa: BLE001 - see the docstring
            print(f"[{year}] files … skipped ({_located(exc)})", file=stream, flush=True)
            return
        print(f"[{year}] files … ok {time.perf_counter() - t0:.1f}s", file=stream, flush=True)

    return rest


def run_year(year: int, data_dir: Path, processed_dir: Path, out_dir: Path, *,
             notebooks: Sequence[Path], timeout: int | None = DEFAULT_TIMEOUT,
             extra_params: Mapping[str, Any] | None = None, stream: TextIO = sys.stdout,
             validate: bool = True, required: Sequence[str] = (REPORT_NAME,),
             prepared: Prepared | None = None, pdf: bool = False,
             rest: Future | None = None) -> YearResult:
    """Run one year into a staging folder and promote it on success (see the module docstring).

    ``prepared``: the year already prepared by :func:`prepare_year` (its staging folder is used
    and removed here); otherwise, with ``validate``, it is prepared first. ``rest``: the rest of
    its preparation (:attr:`Prepared.rest`) running elsewhere; the first notebook that makes a
    writing call waits for it (without ``rest``, it is made here before the notebooks).
    ``pdf``: also print ``report.pdf`` from the staged report.html (headless Chromium) before
    promotion.
    """
    result = YearResult(year)
    start = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{year}] {text}", file=stream, flush=True)

    if prepared is None and validate:
        prepared = prepare_year(year, data_dir, processed_dir, out_dir, stream,
                                notebooks=notebooks)
    if prepared is not None and prepared.staging is None:
        result.message = prepared.message
        result.seconds = time.perf_counter() - start + prepared.seconds
        return result
    if prepared is not None and prepared.rest is not None and rest is None:
        prepared.rest()

    out_dir.mkdir(parents=True, exist_ok=True)
    if prepared is not None:
        staging = prepared.staging
        start -= prepared.seconds
    else:
        staging = _new_staging(out_dir, year)
    staged_year = year_dir(staging, year)
    params = {"year": int(year), "data_dir": str(data_dir), "processed_dir": str(processed_dir),
              "out_dir": str(staging)}
    params.update(extra_params or {})
    waiting = [rest]
    try:
        if not _execute_all(notebooks, staged_year, params, timeout, waiting, result, stream):
            return result
        missing = [name for name in required if not (staged_year / name).is_file()]
        if pdf and not missing and not _print_pdf(staged_year, result, say):
            return result
        if missing:
            result.message = (f"没有生成 / the notebooks did not write: {', '.join(missing)}")
            say(f"outputs … FAILED: {result.message}")
            return result
        promote(staged_year, year_dir(out_dir, year))
        result.ok = True
        return result
    finally:
        if waiting[0] is not None and not waiting[0].cancel():
            _wait(waiting[0])            # it writes into the staging folder removed here
        shutil.rmtree(staging, ignore_errors=True)
        result.seconds = time.perf_counter() - start


def _execute_all(notebooks: Sequence[Path], staged_year: Path, params: Mapping[str, Any],
                 timeout: int | None, waiting: list[Future | None], result: YearResult,
                 stream: TextIO) -> bool:
    """Execute the notebooks in order into ``staged_year/notebooks``; False at the first that
    fails (its located error printed). ``waiting[0]``: the rest of the year's preparation,
    waited for (and cleared) before the first notebook that makes a writing call."""

    def say(text: str) -> None:
        print(f"[{result.year}] {text}", file=stream, flush=True)

    for nb in notebooks:
        if waiting[0] is not None and _makes_writer_calls(nb):
            _wait(waiting[0])
            waiting[0] = None
        t0 = time.perf_counter()
        try:
            execute_notebook(nb, staged_year / "notebooks" / nb.name, params,
                             cwd=nb.parent, timeout=timeout)
        except RunnerError as exc:
            secs = time.perf_counter() - t0
            result.notebooks.append(NotebookResult(nb.name, False, secs, str(exc)))
            say(f"{nb.name} … FAILED {secs:.1f}s")
            print(f"    {exc}", file=stream, flush=True)
            result.message = str(exc).splitlines()[0]
            return False
        secs = time.perf_counter() - t0
        result.notebooks.append(NotebookResult(nb.name, True, secs))
        say(f"{nb.name} … ok {secs:.1f}s")
    return True


def _wait(future: Future) -> None:
    """Wait for the rest of a preparation (it never raises; cancelled: the notebooks compute)."""
    with contextlib.suppress(Exception):
        future.result()


def _print_pdf(staged_year: Path, result: YearResult, say: Callable[[str], None]) -> bool:
    """Print the staged report.html to report.pdf; on failure set the year's message."""
    from evalkit.report.pdf import PdfError, html_to_pdf

    t0 = time.perf_counter()
    try:
        html_to_pdf(staged_year / REPORT_NAME, staged_year / PDF_NAME)
    except PdfError as exc:
        result.message = str(exc)
        say(f"{PDF_NAME} … FAILED: {exc}")
        return False
    say(f"{PDF_NAME} … ok {time.perf_counter() - t0:.1f}s")
    return True


@contextlib.contextmanager
def _quiet_loggers() -> Iterable[None]:
    """Silence papermill/nbclient/traitlets logging during a batch (the runner reports errors)."""
    names = ("papermill", "nbclient", "traitlets", "jupyter_client", "asyncio")
    saved = {n: logging.getLogger(n).level for n in names}
    try:
        for n in names:
            logging.getLogger(n).setLevel(logging.CRITICAL)
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def _check_extra_parameters(notebooks: Sequence[Path], extra_params: Mapping[str, Any] | None
                            ) -> None:
    """Every extra parameter must be declared by every notebook: a misspelled name fails before
    any year runs."""
    if extra_params:
        for nb in notebooks:
            check_parameters(nb, {"year": 0, "data_dir": "", "processed_dir": "", "out_dir": "",
                                  **extra_params})


def _print_year_result(r: YearResult, out_dir: Path, stream: TextIO) -> None:
    if r.ok:
        report = year_dir(out_dir, r.year) / REPORT_NAME
        print(f"[{r.year}] 完成 / done {r.seconds:.1f}s → {report}", file=stream, flush=True)
    else:
        print(f"[{r.year}] 失败 / FAILED: {r.message}（{year_dir(out_dir, r.year)} 未改动 / "
              "left unchanged）", file=stream, flush=True)


def _run_each(years: Sequence[int], one: Callable[[int], YearResult],
              finish: Callable[[YearResult], None], jobs: int) -> None:
    """``finish(one(year))`` for every year: in order, or ``jobs`` at a time as they complete."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    if jobs <= 1:
        for year in years:
            finish(one(year))
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(one, year) for year in years]
        for future in as_completed(futures):
            finish(future.result())


def _finish_preparing(prepared: Future) -> None:
    """The rest of a prepared year (:attr:`Prepared.rest`), in the preparing thread."""
    ready = prepared.result()
    if ready.rest is not None:
        ready.rest()


def _remove_unused_staging(prepared: Mapping[int, Future]) -> None:
    """Remove the staging folders of the prepared years that no run got to use."""
    for future in prepared.values():
        if future.done() and not future.cancelled() and future.exception() is None:
            staging = future.result().staging
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)


def _print_summary(ordered: Sequence[YearResult], seconds: float, stream: TextIO) -> None:
    ok = [r.year for r in ordered if r.ok]
    bad = [r.year for r in ordered if not r.ok]
    line = f"汇总 / summary: {len(ok)} ok" + (f" ({', '.join(map(str, ok))})" if ok else "")
    line += f", {len(bad)} failed" + (f" ({', '.join(map(str, bad))})" if bad else "")
    print(f"{line} in {seconds:.1f}s", file=stream, flush=True)


def run_years(years: Iterable[int], data_dir: Path | str = DATA_RAW,
              processed_dir: Path | str = DATA_PROCESSED, out_dir: Path | str = OUTPUTS,
              timeout: int | None = DEFAULT_TIMEOUT, *, notebooks_dir: Path | str = NOTEBOOKS,
              extra_params: Mapping[str, Any] | None = None, stream: TextIO = sys.stdout,
              validate: bool = True, required: Sequence[str] = (REPORT_NAME,),
              jobs: int = 1, pdf: bool = False) -> int:
    """Run every notebook for each year; return 0 when every year succeeded, else 1.

    Args:
        years: the years to run, in order.
        data_dir, processed_dir, out_dir: the folders (made absolute before they reach the
            notebooks, whose kernel runs in ``notebooks_dir``).
        timeout: seconds allowed per cell.
        notebooks_dir: folder of the ``NN_*.ipynb`` notebooks.
        extra_params: more notebook parameters (each must be declared by every notebook).
        stream: where progress lines go.
        validate: prepare each year in this process first (located input errors, warm cache,
            metrics.json, scorecard.xlsx and charts built once; see :func:`prepare_year`).
        required: files the notebooks must have written to ``<year>/`` for the year to count as
            done (default: ``report.html``).
        jobs: years whose notebooks run at the same time (threads in this process, one
            kernel each); the notebooks of one year always run in order. The years are
            prepared one at a time, in order, in a background thread.
        pdf: also print each year's report.pdf (``evalkit run --pdf``).
    """
    data_dir, processed_dir, out_dir = (Path(p).resolve()
                                        for p in (data_dir, processed_dir, out_dir))
    notebooks = discover_notebooks(notebooks_dir)
    _check_extra_parameters(notebooks, extra_params)
    out_dir.mkdir(parents=True, exist_ok=True)   # an OSError here is one line (see handler)
    remove_dead_staging(out_dir)
    years = [int(y) for y in years]
    results: dict[int, YearResult] = {}
    start = time.perf_counter()

    def finish(r: YearResult) -> None:
        results[r.year] = r
        _print_year_result(r, out_dir, stream)

    from concurrent.futures import ThreadPoolExecutor

    # One preparing thread, ahead of the kernels: matplotlib, pandas and the parquet cache are
    # used by this thread only, while the kernels (other processes) run the notebooks.
    prep_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evalkit-prepare")
    prepared: dict[int, Future] = {}
    rests: dict[int, Future] = {}
    if validate:
        for year in years:
            prepared[year] = prep_pool.submit(prepare_year, year, data_dir, processed_dir,
                                              out_dir, stream, notebooks=notebooks)
            # the year's writing calls next, while its first notebooks already run
            rests[year] = prep_pool.submit(_finish_preparing, prepared[year])

    def one(year: int) -> YearResult:
        ready = prepared[year].result() if year in prepared else None
        return run_year(year, data_dir, processed_dir, out_dir, notebooks=notebooks,
                        timeout=timeout, extra_params=extra_params, stream=stream,
                        validate=False, required=required, prepared=ready, pdf=pdf,
                        rest=rests.get(year))

    # The preparing thread runs Python (pandas, the report, the workbook) while papermill's
    # client in this process answers the kernel's messages: hand the interpreter lock over
    # every 0.5 ms rather than every 5 ms, or each message of each cell waits for it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        with _quiet_loggers():
            _run_each(years, one, finish, jobs)
    finally:
        sys.setswitchinterval(interval)
        # Interrupted: stop preparing and remove the staging folders no year got to use.
        prep_pool.shutdown(wait=True, cancel_futures=True)
        _remove_unused_staging(prepared)
    ordered = [results[y] for y in years if y in results]
    _print_summary(ordered, time.perf_counter() - start, stream)
    return 1 if any(not r.ok for r in ordered) else 0


# --------------------------------------------------------------------------------------------
# defaults of the command (evalkit.commands.run)
# --------------------------------------------------------------------------------------------

def default_jobs() -> int:
    """2 when more than one core is available to this process, else 1.

    Two kernels keep two cores busy (each notebook is mostly one kernel process); more only
    adds memory and contention on a workstation.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores > 1 else 1
