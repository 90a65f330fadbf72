"""``evalkit validate PATH``: list the problems of one year folder (exit 1 on errors)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evalkit.errors import format_problems


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``validate`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "validate",
        help="检查一个年度文件夹的输入文件 / check the input files of one year folder",
        description=("检查 data/raw/<年度> 中的输入文件，逐条列出问题（文件、工作表、行、列、原值）；"
                     "输入无误时再试算一次指标和得分（不写出文件），凡 metrics 会拒绝的这里都会报出。"
                     "只有警告时退出码为 0，有错误时为 1。 / Check the input files of a year "
                     "folder and list every problem, then compute its metrics and score once "
                     "(nothing written); exit 0 with warnings only, 1 on errors."),
    )
    parser.add_argument("path", type=Path,
                        help="年度文件夹，如 data/raw/2023 / year folder, e.g. data/raw/2023")
    parser.set_defaults(func=run_validate)
    return parser


def run_validate(args: argparse.Namespace) -> int:
    """Handler of ``evalkit validate``: print problems and a summary; return the exit code."""
    from evalkit.pipeline import check_year  # inputs, then metrics and score computed once

    try:
        problems = check_year(Path(args.path))
    except Exception as exc:  # last resort: never show a traceback for bad input
        print(f"[错误] 【{args.path}】：无法检查该文件夹（{exc}） / could not validate", file=sys.stderr)
        return 1
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if problems:
        print(format_problems(problems))
    status = "未通过 / failed" if errors else "通过 / passed"
    print(f"检查{status}：{errors}个错误，{warnings}个警告 / {errors} error(s), "
          f"{warnings} warning(s) in {args.path}")
    return 1 if errors else 0
