"""``evalkit template FOLDER --year Y [--from LAST_YEAR]``: input files for a new year."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``template`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "template",
        help="生成空白输入文件 / write empty input files for a new year",
        description=("在指定文件夹写入空白的 budget.xlsx、petitions.xlsx、self_assessment.xlsx、"
                     "peers.xlsx（含表头、说明工作表和下拉选项）以及 department.yaml 框架；"
                     "已有文件时拒绝覆盖。 / Write empty input workbooks with headers, an 说明 "
                     "sheet and drop-down lists, plus a department.yaml skeleton; never "
                     "overwrites existing files."),
    )
    parser.add_argument("folder", type=Path,
                        help="目标文件夹，如 data/raw/2024 / target folder, e.g. data/raw/2024")
    parser.add_argument("--year", type=int, required=True,
                        help="年度，如 2024 / the year, e.g. 2024")
    parser.add_argument("--from", dest="source", type=Path, metavar="LAST_YEAR_FOLDER",
                        help="上年的文件夹，如 data/raw/2023：沿用其部门概况，自评表列出上年自评值 / "
                             "last year's folder: carry over department.yaml, show last year's "
                             "self-assessment values")
    parser.set_defaults(func=run_template)
    return parser


def run_template(args: argparse.Namespace) -> int:
    """Handler of ``evalkit template``; returns the exit code."""
    from evalkit.template import (DEFAULT_FRAMEWORK, manual_indicators, next_steps,
                                  read_last_year, write_templates)

    try:
        written = write_templates(Path(args.folder), int(args.year), args.source)
    except FileExistsError as exc:
        print(f"[错误] 文件已存在，未写入任何文件：{exc} / files already exist; nothing written",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"[错误] 无法写入：{exc} / cannot write", file=sys.stderr)
        return 1
    for path in written:
        print(f"已写入 / written: {path}")
    framework = (read_last_year(args.source).department.get("framework")
                 if args.source is not None else None) or DEFAULT_FRAMEWORK
    print("\n".join(next_steps(Path(args.folder), int(args.year), written,
                               len(manual_indicators(framework)))))
    return 0
