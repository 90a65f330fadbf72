"""``evalkit run``: execute the notebooks of one or more years (the batch is :mod:`evalkit.runner`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalkit.commands import add_folder_args
from evalkit.config import NOTEBOOKS
from evalkit.errors import os_problem
from evalkit.runner import DEFAULT_TIMEOUT, RunnerError, default_jobs, run_years
from evalkit.years import YearsError, available_years, parse_years


def _parse_value(text: str) -> Any:
    """Parse a ``-p NAME VALUE`` value like papermill does (YAML scalar)."""
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def require_chromium() -> None:
    """``--pdf`` needs Chromium: say so before any year runs."""
    from evalkit.report.pdf import find_chromium

    if not find_chromium():
        raise RunnerError("--pdf 需要 Chromium（apt-get install chromium，或设置 EVALKIT_CHROMIUM）/ "
                          "--pdf needs Chromium (apt-get install chromium, or set EVALKIT_CHROMIUM)")


def handler(args: argparse.Namespace) -> int:
    """``evalkit run``: run the requested years and return the exit code."""
    try:
        if args.year is not None:
            years = [args.year]
        elif args.years:
            years = parse_years(args.years)       # YearsError: a located message, exit 2
        else:
            years = available_years(args.data_dir)
            if not years:
                raise RunnerError(f"{args.data_dir} 下没有年度文件夹 / no year folders")
        extra = {name: _parse_value(value) for name, value in args.parameter or []}
        if getattr(args, "pdf", False):
            require_chromium()
        return run_years(years, args.data_dir, args.processed_dir, args.out_dir,
                         timeout=args.timeout, notebooks_dir=args.notebooks_dir,
                         extra_params=extra or None, jobs=args.jobs,
                         pdf=getattr(args, "pdf", False))
    except (RunnerError, YearsError) as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # out-dir read-only, a file where the folder should be, disk full
        print(os_problem(exc).format(), file=sys.stderr)
        return 1


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run", help="批量运行笔记本并生成报告 / run the notebooks for one or more years",
        description="按年度用 papermill 运行 notebooks/NN_*.ipynb，写出 outputs/<年度>/（report.html、"
                    "report.docx、provenance.json、图表、metrics.json、scorecard.xlsx、底稿.xlsx、"
                    "运行后的笔记本；加 --pdf 时还有 report.pdf）。某年输入有误时该年失败、保留其原有"
                    "输出，其余年度照常运行。 / Execute the notebooks for each year and write "
                    "outputs/<year>/; a failed year keeps its previous outputs.")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--year", type=int, help="年度，如 2023 / one year")
    group.add_argument("--years",
                       help="年度范围，如 2021-2023 或 2021,2023（默认：每个年度文件夹）/ years "
                            "(default: every year folder)")
    add_folder_args(p)
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                   help=f"每个单元格的超时秒数（默认 {DEFAULT_TIMEOUT}）/ seconds per cell")
    p.add_argument("--jobs", type=int, default=default_jobs(),
                   help="同时运行的年度数（默认：多核时 2，否则 1；本机 "
                        f"{default_jobs()}）/ years run at the same time")
    p.add_argument("--pdf", action="store_true",
                   help="同时用无头 Chromium 打印 report.pdf / also print report.pdf with headless "
                        "Chromium")
    p.add_argument("--notebooks-dir", type=Path, default=NOTEBOOKS, help=argparse.SUPPRESS)
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="其他笔记本参数（须在 parameters 单元格中声明）/ extra notebook parameter")
    p.set_defaults(func=handler)
    return p
