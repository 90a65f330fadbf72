"""``evalkit audit FILE [--metrics metrics.json] [--framework NAME] [--json]``: check a written report.

Exit codes: 0 consistent, 1 at least one mismatch, 2 the report (or metrics.json) cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.audit.readers import AuditReadError

# evalkit.audit is imported when the command runs, not when the CLI starts (every other
# command, ``evalkit metrics`` first, would pay ~0.1 s for it)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def _error_json(args: argparse.Namespace, exc: AuditReadError) -> str:
    from evalkit.audit.run import EXIT_UNREADABLE
    from evalkit.audit.text import printable

    return json.dumps({"file": printable(args.file), "error": {
        "zh": printable(exc.zh), "en": printable(exc.en), "path": printable(exc.path)},
        "exit_code": EXIT_UNREADABLE}, ensure_ascii=False, indent=2)


def handler(args: argparse.Namespace) -> int:
    """Run the audit; print the table (or JSON) and return the exit code."""
    from evalkit.audit.readers import AuditReadError
    from evalkit.audit.run import EXIT_UNREADABLE, audit_file, render_text
    from evalkit.audit.text import printable

    try:
        result = audit_file(args.file, args.metrics, args.module_max,
                            getattr(args, "framework", None))
    except AuditReadError as exc:
        if getattr(args, "json", False):
            print(_error_json(args, exc))
        print(printable(exc.format()), file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_text(result, verbose=args.verbose))
    return result.exit_code


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``audit`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "audit",
        help="核对已写成的自评报告中的数值 / check the figures of a written report",
        description="读取报告（.txt/.md/.html/.docx），提取其中陈述的预算、支出、执行率、得分、比率、"
                    "同比等数值并核对其算术一致性；可用 --metrics 与计算结果对照。只有读数确定的数值"
                    "互相矛盾才判为不一致，其余列为“未核对”并说明原因。退出码：0 未发现不一致，"
                    "1 发现不一致，2 文件无法读取。 / Extract the figures a report states and check "
                    "them; exit 0 consistent, 1 mismatch, 2 unreadable.")
    p.add_argument("file", type=Path, help="报告文件 / report file (.txt .md .html .htm .docx)")
    p.add_argument("--metrics", type=Path, default=None,
                   help="outputs/<year>/metrics.json：逐项对照计算值 / compare with computed figures")
    p.add_argument("--framework", default=None, metavar="NAME|PATH",
                   help="评分框架（evalkit/frameworks/ 中的名称或 YAML 路径），提供模块名称和满分；"
                        "默认取 metrics.json 中的框架 / scoring framework for module names and weights")
    p.add_argument("--json", action="store_true", help="输出 JSON / machine-readable output")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="列出每项检查的计算过程和原句 / show every check with its sentences")
    p.add_argument("--module-max", type=_decimal, default=None, metavar="N",
                   help="模块满分（默认取报告中“满分为X分”，否则取评分框架） / module maximum score")
    p.set_defaults(func=handler)
    return p
