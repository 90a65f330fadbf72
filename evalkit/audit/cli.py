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

from .checks import MISMATCH, OK, STATUS_LABEL, UNVERIFIED
from .document import extract
from .frameworks import resolve_modules
from .metricscheck import load_metrics
from .model import key_name
from .readers import AuditReadError, read_report
from .result import AuditResult, run_checks
from .text import printable

EXIT_OK, EXIT_MISMATCH, EXIT_UNREADABLE = 0, 1, 2


def audit_file(path: Path | str, metrics_file: Path | str | None = None,
               module_max: Decimal | None = None,
               framework: str | Path | None = None) -> AuditResult:
    """Read, extract and check a report; raises :class:`AuditReadError` when a file is unreadable.

    Module names and weights come from ``framework`` (a name in ``evalkit/frameworks/`` or a
    path), else the framework metrics.json names, else the one whose modules the report names.
    """
    metrics = load_metrics(metrics_file) if metrics_file is not None else None
    report = read_report(path)
    text = "".join(line for para in report.paragraphs for _, line in para.lines)
    modules = resolve_modules(framework, metrics, text)
    extraction = extract(report, modules)
    return run_checks(extraction, metrics, module_max,
                      str(metrics_file) if metrics_file is not None else None, modules)


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
    """The distinct items in order of first appearance (linear: a set remembers them)."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _figure_rows(ex) -> list[list[str]]:
    """Table 一: one row per quantity (values, how often, where, the words around it)."""
    rows = []
    for figs in ex.by_key().values():
        values = _unique(("约" if f.approx else "") + f.display() for f in figs)
        wheres = _unique(f.sentence.where for f in figs)
        doubt = "？" if not any(f.certain for f in figs) else ""
        rows.append([figs[0].display_name + doubt, " / ".join(values[:6]) +
                     ("…" if len(values) > 6 else ""), str(len(figs)),
                     "、".join(wheres[:4]) + ("…" if len(wheres) > 4 else ""), figs[0].snippet()])
    return rows


def _check_details(checks, show_status: bool) -> list[str]:
    """Numbered checks with their calculation and full sentences."""
    lines = []
    for i, c in enumerate(checks, start=1):
        status = f"[{STATUS_LABEL[c.status]} {c.status}] " if show_status else ""
        lines.append(f"{i}. {status}{c.title}：陈述 {c.stated}，复算 {c.recomputed}")
        if c.detail:
            lines.append(f"   {c.detail}")
        if c.reason:
            lines.append(f"   未核对原因：{c.reason}")
        lines += [f"   原句［{s.where}］：{_clip_sentence(s.text)}" for s in c.sentences[:6]]
    return lines


def _clip_sentence(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _conclusion(result: AuditResult) -> str:
    bad = result.mismatches
    n = result.summary()
    tail = f"{n[OK]} 项一致，{n[UNVERIFIED]} 项未核对"
    if bad:
        return f"结论：发现 {len(bad)} 处不一致（{tail}） / {len(bad)} mismatch(es) found"
    return f"结论：数值一致，未发现不一致（{tail}） / consistent"


def _checks_table(result: AuditResult) -> str:
    crow = [[c.title, c.stated, c.recomputed, STATUS_LABEL[c.status],
             "、".join(_unique(s.where for s in c.sentences))] for c in result.checks]
    return render_table(["检查 check", "陈述值 stated", "复算值 recomputed", "结果", "位置 where"],
                        crow, [54, 26, 22, 8, 40])


def _unverified_lines(result: AuditResult) -> list[str]:
    """One line per 未核对 check with its reason (the same reason once)."""
    lines = []
    for i, c in enumerate((c for c in result.checks if c.status == UNVERIFIED), start=1):
        where = "、".join(_unique(s.where for s in c.sentences))[:60]
        lines.append(f"{i}. {c.title}（{c.stated}；{where}）：{c.reason}")
    return lines


def render_text(result: AuditResult, verbose: bool = False) -> str:
    """The terminal report: figures found, checks, mismatches with their sentences, 未核对."""
    ex = result.extraction
    parts = [f"报告 / report: {printable(ex.path)}（{ex.fmt}，{len(ex.sentences)} 句）"]
    if result.metrics_file:
        parts.append(f"对照 / against: {printable(result.metrics_file)}")
    if result.modules is not None and result.modules.weights:
        parts.append(f"评分框架 / framework: {result.modules.source}")
    rows = _figure_rows(ex)
    parts += ["", f"一、报告中陈述的数值 / figures found（{len(ex.figures)} 处，{len(rows)} 项；"
                  "带“？”者读数不确定）",
              render_table(["项目 item", "陈述值 stated", "次数", "位置 where", "原文 context"],
                           rows, [30, 24, 4, 34, 50])]
    if ex.unrecognised:
        parts.append("未识别的数值 / unlabelled: " + "，".join(
            f"{u['stated']}（{u['where']}）" for u in ex.unrecognised[:40]))
    parts += [f"说明 / note: {n}" for n in ex.notes]
    parts += ["", f"二、检查 / checks（{len(result.checks)} 项）", _checks_table(result)]
    if verbose:
        parts += ["", "检查明细 / check details"] + _check_details(result.checks, True)
    bad = result.mismatches
    if bad:
        parts += ["", f"三、不一致明细 / mismatches（{len(bad)} 处）"] + _check_details(bad, False)
    unv = _unverified_lines(result)
    if unv:
        parts += ["", f"四、未核对及原因 / unverified（{len(unv)} 项）"] + unv
    parts += ["", _conclusion(result)]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------- CLI

def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def _error_json(args: argparse.Namespace, exc: AuditReadError) -> str:
    return json.dumps({"file": printable(args.file), "error": {
        "zh": printable(exc.zh), "en": printable(exc.en), "path": printable(exc.path)},
        "exit_code": EXIT_UNREADABLE}, ensure_ascii=False, indent=2)


def handler(args: argparse.Namespace) -> int:
    """Run the audit; print the table (or JSON) and return the exit code."""
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


__all__ = ["audit_file", "load_metrics", "register", "render_text", "handler", "MISMATCH",
           "key_name"]
