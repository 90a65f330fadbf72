"""``evalkit metrics``: compute and write ``outputs/<year>/metrics.json`` without the notebooks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evalkit.commands import add_folder_args
from evalkit.years import YearsError, parse_years


def _years_arg(text: str) -> list[int]:
    try:
        return parse_years(text)
    except YearsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


#: The figures of the terminal summary, one line each (labels and units from the catalogue).
SUMMARY_LINES: tuple[tuple[str, ...], ...] = (
    ("budget.total_budget_wan", "budget.total_actual_wan", "budget.execution_rate_pct"),
    ("budget.basic_actual_wan", "budget.project_actual_wan"),
    ("petitions.total_cases", "petitions.first_time_resolution_rate_pct",
     "petitions.online_share_pct", "petitions.satisfaction_rate_pct"),
    ("petitions.national_initial_qiujue_count", "petitions.national_initial_qiujue_yoy_pct",
     "petitions.national_initial_qiujue_rank"),
    ("score.total", "score.grade"),
)


def _part(key: str, value: Any) -> str:
    """``执行率 98.95%``; a 同比 reads ``同比下降43.21%``."""
    from evalkit import catalogue

    text = catalogue.format_value(key, value)
    if catalogue.get(key).kind == "change":
        return f"同比{text}"
    return f"{catalogue.label(key, short=True)} {text}"


def summary(metrics: dict[str, Any]) -> str:
    """A few headline lines for the terminal, labelled from the metric catalogue."""
    from evalkit.metrics.yoy import lookup

    lines = [f"{metrics['year']}年 {metrics.get('department') or ''}"]
    for keys in SUMMARY_LINES:
        parts = [_part(k, lookup(metrics, k)) for k in keys if lookup(metrics, k) is not None]
        if parts:
            lines.append("  " + "，".join(parts))
    return "\n".join(lines)


def handler(args: argparse.Namespace) -> int:
    """Build every requested year and print its summary and load warnings; a year with input
    errors prints them and the others still build (exit 1 when any year failed)."""
    import sys

    from evalkit.errors import InputError, format_problems
    from evalkit.pipeline import build_year
    years = [args.year] if args.year is not None else args.years
    failed = []
    for year in years:
        try:
            metrics = build_year(year, args.data_dir, args.processed_dir, args.out_dir)
        except InputError as exc:
            if len(years) == 1:
                raise
            print(f"{year}年：\n{format_problems(exc.problems)}", file=sys.stderr)
            failed.append(year)
            continue
        print(summary(metrics))
        for warning in metrics.get("warnings") or []:
            print(f"  {warning['text']}")
        print(f"  -> {Path(args.out_dir) / str(year) / 'metrics.json'}")
    if failed:
        print(f"输入有误、未生成 / failed: {', '.join(map(str, failed))}", file=sys.stderr)
    return 1 if failed else 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``metrics`` subcommand."""
    parser = subparsers.add_parser(
        "metrics", help="计算指标并写出 metrics.json / compute metrics.json",
        description="计算年度预算与信访指标，写出 outputs/<年度>/metrics.json（不运行 notebooks）。")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", type=int, help="年度，如 2023")
    which.add_argument("--years", type=_years_arg, help="年度范围，如 2021-2023")
    add_folder_args(parser)
    parser.set_defaults(func=handler)
    return parser
