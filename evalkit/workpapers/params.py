"""Notebook parameters: catch a misspelled papermill parameter, resolve the folders.

papermill runs a notebook with ``-p NAME VALUE`` by inserting a cell that starts with
``# Parameters`` (tagged ``injected-parameters``, recorded in the output notebook's
``metadata.papermill.parameters``) right after the cell tagged ``parameters``. For a name the
notebook does not declare it only logs a warning and runs with the defaults, so ``-p yeer 2022``
would silently report the default year and overwrite its outputs. :func:`check_parameters`, called
by the first cell after the parameters, reads the injected cell from the kernel's input history
and raises :class:`ParameterError` (a short Chinese + English message, no traceback) before
anything is read or written.

:func:`resolve_dirs` makes the folders independent of the working directory: a blank parameter
means the project's folder (``evalkit.config``), a relative path is taken relative to the project
root, so ``papermill notebooks/01_budget_execution.ipynb out.ipynb -p year 2022`` works from the
repository root, from ``notebooks/`` and from anywhere else.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from evalkit import config

INJECTED_MARK = "# Parameters"
"""First line of the cell papermill injects (its default ``comment``)."""


class ParameterError(ValueError):
    """A parameter passed to the notebook is not declared in its ``parameters`` cell."""

    def __init__(self, unknown: Sequence[str], declared: Iterable[str]):
        self.unknown = list(unknown)
        self.declared = sorted(declared)
        hints = []
        for name in self.unknown:
            close = difflib.get_close_matches(name, self.declared, n=1, cutoff=0.6)
            if close:
                hints.append(f"{name} → {close[0]}?")
        hint = f"（是否拼错 / did you mean: {'；'.join(hints)}）" if hints else ""
        super().__init__(
            f"未声明的笔记本参数 / unknown notebook parameter(s): {', '.join(self.unknown)}{hint}。"
            f"可用参数 / declared: {', '.join(self.declared) or '—'}。"
            "未读取或写入任何文件 / nothing was read or written.")

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback (a typo needs no stack dump)."""
        return [f"ParameterError: {self}"]


def assigned_names(source: str) -> list[str]:
    """Names assigned at the top level of a cell (``x = 1``, ``x: int = 1``), in order.

    >>> assigned_names('# Parameters\\nyeer = 2022\\ndata_dir = "x"\\n')
    ['yeer', 'data_dir']
    >>> assigned_names("year: int = 2023  # 年度")
    ['year']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _injected_index(history: Sequence[str]) -> int | None:
    """Index of the latest executed cell that papermill injected, or None."""
    for i in range(len(history) - 1, -1, -1):
        if str(history[i]).lstrip().startswith(INJECTED_MARK):
            return i
    return None


def unknown_parameters(history: Sequence[str], declared: Iterable[str] = ()) -> tuple[list[str],
                                                                                   set[str]]:
    """(injected names not declared, declared names) from a kernel's input history.

    ``declared`` are the names known to be declared (the annotated names of the parameters
    cell); the names assigned by the cell executed just before the injected one (the parameters
    cell, when papermill runs the notebook) are added to them.

    >>> unknown_parameters(["", "year: int = 2023", "# Parameters\\nyeer = 2022\\n"])
    (['yeer'], {'year'})
    >>> unknown_parameters(["", "year: int = 2023", "x = 1"])    # nothing injected: nothing to check
    ([], set())
    """
    known = set(declared)
    i = _injected_index(history)
    if i is None:
        return [], known
    if i > 0:
        known |= set(assigned_names(str(history[i - 1])))
    return [n for n in assigned_names(str(history[i])) if n not in known], known


def _kernel_namespace() -> Mapping[str, Any] | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns


def check_parameters(namespace: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`ParameterError` when papermill injected a name the notebook does not declare.

    Args:
        namespace: the notebook's global namespace (default: the running IPython kernel's); its
            ``In`` history holds the executed cells and ``__annotations__`` the declared
            parameters. Outside a kernel, or when nothing was injected, nothing is checked.
    """
    ns = _kernel_namespace() if namespace is None else namespace
    if not ns:
        return
    history = ns.get("In") or []
    unknown, known = unknown_parameters(history, (ns.get("__annotations__") or {}).keys())
    if unknown:
        raise ParameterError(unknown, known)


@dataclass(frozen=True)
class Dirs:
    """The resolved, absolute folders of a notebook run."""

    data: Path
    processed: Path
    out: Path

    def year_out(self, year: int) -> Path:
        """``<out>/<year>``."""
        return config.year_dir(self.out, year)


def resolve_dir(value: str | Path | None, default: Path) -> Path:
    """A folder parameter as an absolute path: blank → ``default``; relative → project root.

    >>> resolve_dir("", config.DATA_RAW) == config.DATA_RAW
    True
    >>> resolve_dir("data/raw", config.OUTPUTS) == config.PROJECT_ROOT / "data" / "raw"
    True
    """
    if value is None or not str(value).strip():
        return Path(default).resolve()
    path = Path(str(value).strip()).expanduser()
    return (path if path.is_absolute() else config.PROJECT_ROOT / path).resolve()


def resolve_dirs(data_dir: str | Path | None = "", processed_dir: str | Path | None = "",
                 out_dir: str | Path | None = "") -> Dirs:
    """The three folder parameters resolved with :func:`resolve_dir` against the project."""
    return Dirs(resolve_dir(data_dir, config.DATA_RAW),
                resolve_dir(processed_dir, config.DATA_PROCESSED),
                resolve_dir(out_dir, config.OUTPUTS))
