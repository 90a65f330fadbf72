"""Command-line entry point: ``evalkit <command>``.

Each area module registers its own subcommand through ``register(subparsers)``; the handler it
sets returns the exit code. Bad input never shows a traceback: an :class:`~evalkit.errors.InputError`
is printed as its list of located problems and the command exits 1; a file-system fault (no
permission, read-only folder, a file where a folder should be, disk full) is one located line
and exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from evalkit import __version__
from evalkit.errors import InputError, format_problems, os_problem

# Modules that add a subcommand, in the order they appear in --help.
COMMAND_MODULES = (
    "evalkit.commands.validate",   # validate
    "evalkit.commands.template",   # template
    "evalkit.commands.metrics",    # metrics
    "evalkit.commands.run",        # run
    "evalkit.commands.audit",      # audit
    "evalkit.commands.monitor",    # monitor (绩效运行监控)
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="evalkit",
        description="部门整体支出绩效自评工作簿 / department performance self-evaluation workbook",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (also used by the ``evalkit`` console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        n = len(exc.errors)
        print(f"输入有 {n} 个错误，已停止 / {n} input error(s), stopped.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(os_problem(exc).format(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130


def run() -> int:
    """The ``evalkit`` console script: :func:`main`, then the process ends without the
    interpreter's final garbage collections (``gc.freeze``: ≈ 0.1 s of a run spent walking
    objects that exit frees anyway). Not for in-process callers (tests), which use :func:`main`.
    """
    import gc

    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
