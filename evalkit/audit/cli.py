"""``evalkit audit FILE [--metrics metrics.json] [--json]``: check the figures of a written report.

Exit codes: 0 consistent, 1 at least one mismatch, 2 the report (or metrics.json) cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .checks import MISMATCH, OK, SKIP, AuditResult, metrics_path, run_checks
from .extract import extract_file, key_name
from .readers import AuditReadError

EXIT_OK, EXIT_MISMATCH, EXIT_UNREADABLE = 0, 1, 2


def audit_file(path: Path | str, metrics_file: Path | str | None = None,
               module_max: Decimal | None = None) -> AuditResult:
    """Read, extract and check a report; raises :class:`AuditReadError` when a file is unreadable."""
    metrics = None
    if metrics_file is not None:
        metrics = load_metrics(metrics_file)
    extraction = extract_file(path)
    return run_checks(extraction, metrics, module_max,
                      str(metrics_file) if metrics_file is not None else None)


def load_metrics(path: Path | str) -> dict:
    """Load a metrics.json; unreadable or not a JSON object → :class:`AuditReadError`."""
    p = Path(path)
    if not p.is_file():
        raise AuditReadError(p, "metrics.json 文件不存在", "metrics file not found")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditReadError(p, f"metrics.json 无法解析（{exc}）",
                             f"cannot parse metrics.json ({exc})") from exc
    if not isinstance(data, dict):
        raise AuditReadError(p, "metrics.json 的顶层应为对象", "metrics.json must be a JSON object")
    return data


# ------------------------------------------------------------------------------------- tables

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, w = "", 0
    for ch in text:
        cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if w + cw > width - 1:
            break
        out += ch
        w += cw
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(headers: list[str], rows: list[list[str]], max_widths: list[int]) -> str:
    """A plain-text table whose columns line up with CJK (double-width) characters."""
    rows = [[_clip(c, m) for c, m in zip(r, max_widths)] for r in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join("─" * w for w in widths)
    out = ["  ".join(_pad(h, w) for h, w in zip(headers, widths)), line]
    out += ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def _unique(items) -> list[str]:
    """The distinct items in order of first appearance."""
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _figure_rows(ex) -> list[list[str]]:
    """Table 一: one row per quantity (values, how often, where, the words around it)."""
    rows = []
    for key, figs in ex.by_key().items():
        values = _unique(("约" if f.approx else "") + f.display() for f in figs)
        wheres = _unique(f.sentence.where for f in figs)
        rows.append([key_name(key), " / ".join(values), str(len(figs)), "、".join(wheres),
                     figs[0].snippet()])
    return rows


def _check_details(checks, show_status: bool) -> list[str]:
    """Numbered checks with their calculation and full sentences."""
    lines = []
    for i, c in enumerate(checks, start=1):
        status = f"[{c.status}] " if show_status else ""
        lines.append(f"{i}. {status}{c.title}：陈述 {c.stated}，复算 {c.recomputed}")
        if c.detail:
            lines.append(f"   {c.detail}")
        lines += [f"   原句［{s.where}］：{s.text}" for s in c.sentences]
    return lines


def _conclusion(result: AuditResult) -> str:
    bad = result.mismatches
    n_ok = sum(1 for c in result.checks if c.status == OK)
    n_skip = sum(1 for c in result.checks if c.status == SKIP)
    if bad:
        return (f"结论：发现 {len(bad)} 处不一致（{n_ok} 项通过，{n_skip} 项无法复算） / "
                f"{len(bad)} mismatch(es) found")
    return f"结论：数值一致（{n_ok} 项通过，{n_skip} 项无法复算） / consistent"


def render_text(result: AuditResult, verbose: bool = False) -> str:
    """The terminal report: figures found, then checks, then the offending sentences."""
    ex = result.extraction
    parts = [f"报告 / report: {ex.path}（{ex.fmt}，{len(ex.sentences)} 句）"]
    if result.metrics_file:
        parts.append(f"对照 / against: {result.metrics_file}")
    rows = _figure_rows(ex)
    parts.append("")
    parts.append(f"一、报告中陈述的数值 / figures found（{len(ex.figures)} 处，{len(rows)} 项）")
    parts.append(render_table(["项目 item", "陈述值 stated", "次数", "位置 where", "原文 context"],
                              rows, [30, 24, 4, 34, 50]))
    if ex.unrecognised:
        parts.append("未识别的数值 / unlabelled: " + "，".join(
            f"{u['stated']}（{u['where']}）" for u in ex.unrecognised))
    parts.append("")
    parts.append(f"二、检查 / checks（{len(result.checks)} 项）")
    crow = [[c.title, c.stated, c.recomputed, c.status, "、".join(s.where for s in c.sentences)]
            for c in result.checks]
    parts.append(render_table(["检查 check", "陈述值 stated", "复算值 recomputed", "结果", "位置 where"],
                              crow, [54, 26, 22, 8, 40]))
    if verbose:
        parts += ["", "检查明细 / check details"] + _check_details(result.checks, True)
    bad = result.mismatches
    if bad:
        parts += ["", f"三、不一致明细 / mismatches（{len(bad)} 处）"] + _check_details(bad, False)
    parts += ["", _conclusion(result)]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------- CLI

def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def handler(args: argparse.Namespace) -> int:
    """Run the audit; print the table (or JSON) and return the exit code."""
    try:
        result = audit_file(args.file, args.metrics, args.module_max)
    except AuditReadError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"file": str(args.file), "error": {"zh": exc.zh, "en": exc.en,
                                                                "path": exc.path},
                              "exit_code": EXIT_UNREADABLE}, ensure_ascii=False, indent=2))
        print(exc.format(), file=sys.stderr)
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
                    "同比等数值并核对其算术一致性；可用 --metrics 与计算结果对照。退出码：0 一致，"
                    "1 发现不一致，2 文件无法读取。 / Extract the figures a report states and check "
                    "them; exit 0 consistent, 1 mismatch, 2 unreadable.")
    p.add_argument("file", type=Path, help="报告文件 / report file (.txt .md .html .htm .docx)")
    p.add_argument("--metrics", type=Path, default=None,
                   help="outputs/<year>/metrics.json：逐项对照计算值 / compare with computed figures")
    p.add_argument("--json", action="store_true", help="输出 JSON / machine-readable output")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="列出每项检查的计算过程和原句 / show every check with its sentences")
    p.add_argument("--module-max", type=_decimal, default=None, metavar="N",
                   help="模块满分（默认取报告中“满分为X分”，否则广东框架 50） / module maximum score")
    p.set_defaults(func=handler)
    return p


__all__ = ["audit_file", "load_metrics", "register", "render_text", "handler", "metrics_path",
           "MISMATCH"]
