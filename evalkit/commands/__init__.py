"""The command line: one module per ``evalkit`` command (``register(subparsers)`` + a handler).

Commands sit on top of everything else: they parse arguments, call the library (``pipeline``,
``runner``, ``audit``, ``monitor``, ``template``) and print; nothing in the library imports them.
``evalkit.cli`` assembles them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evalkit.config import DATA_PROCESSED, DATA_RAW, OUTPUTS


def add_folder_args(parser: argparse.ArgumentParser) -> None:
    """The three project folders every year command takes (defaults: the project's own)."""
    parser.add_argument("--data-dir", type=Path, default=DATA_RAW,
                        help="存放各年度文件夹的目录（默认 data/raw）/ raw year folders")
    parser.add_argument("--processed-dir", type=Path, default=DATA_PROCESSED,
                        help="清洗缓存目录（默认 data/processed）/ cache")
    parser.add_argument("--out-dir", type=Path, default=OUTPUTS,
                        help="输出目录（默认 outputs）/ outputs")
