"""``evalkit metrics``: compute and write ``outputs/<year>/metrics.json`` without the notebooks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evalkit.config import DATA_PROCESSED, DATA_RAW, OUTPUTS
from evalkit.numfmt import describe_change, fmt_fixed, fmt_pct, fmt_wan


def parse_years(text: str) -> list[int]:
    """Parse ``2023``, ``2021-2023`` or ``2021,2023``.

    >>> parse_years("2021-2023"), parse_years("2021,2023"), parse_years("2023")
    ([2021, 2022, 2023], [2021, 2023], [2023])
    """
    years: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-", 1))
            if hi < lo:
                raise argparse.ArgumentTypeError(f"bad year range {part!r}")
            years.extend(range(lo, hi + 1))
        elif part:
            years.append(int(part))
    if not years:
        raise argparse.ArgumentTypeError(f"no year in {text!r}")
    return sorted(set(years))


def _years_arg(text: str) -> list[int]:
    try:
        return parse_years(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad years {text!r}: {exc}") from exc


def summary(metrics: dict[str, Any]) -> str:
    """A few headline lines for the terminal."""
    b, p = metrics["budget"], metrics["petitions"]
    lines = [
        f"{metrics['year']}年 {metrics.get('department') or ''}",
        f"  预算 {fmt_wan(b['total_budget_wan'])}，支出 {fmt_wan(b['total_actual_wan'])}"
        f"（基本 {fmt_wan(b['basic_actual_wan'])}，项目 {fmt_wan(b['project_actual_wan'])}），"
        f"执行率 {fmt_pct(b['execution_rate_pct'])}",
        f"  信访 {p['total_cases']} 件：一次性化解率 {fmt_pct(p['first_time_resolution_rate_pct'])}，"
        f"网信占比 {fmt_pct(p['online_share_pct'])}，满意率 {fmt_pct(p['satisfaction_rate_pct'])}",
        f"  国家局登记求决类初件 {p['national_initial_qiujue_count']} 件，同比"
        f"{describe_change(p['national_initial_qiujue_yoy_pct'])}，排名 "
        f"{p['national_initial_qiujue_rank'] or '—'}/{p['peer_district_count'] or '—'}",
    ]
    if "score" in metrics:
        score = metrics["score"]
        lines.append(f"  自评得分 {fmt_fixed(score.get('total'))}（{score.get('grade')}）")
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
    parser.add_argument("--data-dir", type=Path, default=DATA_RAW,
                        help="存放各年度文件夹的目录（默认 data/raw）")
    parser.add_argument("--processed-dir", type=Path, default=DATA_PROCESSED,
                        help="缓存目录（默认 data/processed）")
    parser.add_argument("--out-dir", type=Path, default=OUTPUTS, help="输出目录（默认 outputs）")
    parser.set_defaults(func=handler)
    return parser
