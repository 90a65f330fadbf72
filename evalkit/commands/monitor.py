"""``evalkit monitor``: 绩效运行监控 of a year as of a date (or the back-test of the forecast)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from evalkit.commands import add_folder_args
from evalkit.years import YearsError, parse_years


def summary(monitor: dict[str, Any]) -> str:
    """A few headline lines for the terminal (Chinese, figures via numfmt)."""
    from evalkit.numfmt import fmt_fixed, fmt_pct

    b, p = monitor["budget"], monitor["petitions"]
    pr = b["projection"]
    levels = [w["level"] for w in monitor["warnings"]]
    lines = [
        f"{monitor['year']}年 {monitor.get('department') or ''} 截至 {monitor['as_of']}",
        f"  预算 {fmt_fixed(b['total_budget_wan'])}万元，已支出 {fmt_fixed(b['spent_to_date_wan'])}万元，"
        f"支出进度 {fmt_pct(b['progress_pct'])}，序时进度 {fmt_pct(b['time_progress_pct'])}，"
        f"偏差 {fmt_fixed(b['gap_pp'])}个百分点",
        f"  全年预计执行率 {fmt_pct(b['projected_execution_rate_pct'])}（{pr['label']}）",
        f"  信访 {p['total_cases']} 件（全年预计约 {p['projected_total_cases']} 件）",
        f"  预警：红 {levels.count('红')}，黄 {levels.count('黄')}，绿 {levels.count('绿')}",
    ]
    if monitor.get("score"):
        s = monitor["score"]
        lines.append(f"  预计自评得分 {fmt_fixed(s['projected_total'])}（{s['grade']}）")
    lines += [f"  说明 / note: {n}" for n in monitor.get("notes") or []]
    return "\n".join(lines)


def _as_of_arg(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"截至日期应为 YYYY-MM-DD / as-of date must be YYYY-MM-DD: {text!r}") from None
    return text.strip()


def _backtest(args: argparse.Namespace) -> int:
    from evalkit.monitor.backtest import backtest, markdown_table

    try:
        years = parse_years(args.backtest)
    except YearsError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    table = backtest(years, args.data_dir, args.processed_dir)
    print(markdown_table(table))
    return 0


def handler(args: argparse.Namespace) -> int:
    """Run the monitor (or the back-test); an InputError propagates to ``evalkit.cli.main``."""
    from evalkit.monitor.core import run_monitor
    from evalkit.monitor.cutoff import AsOfError

    if args.backtest:
        return _backtest(args)
    if args.year is None or args.as_of is None:
        print("错误 / error: 需要 --year 和 --as-of / --year and --as-of are required",
              file=sys.stderr)
        return 2
    try:
        monitor, paths = run_monitor(args.year, args.as_of, args.data_dir, args.processed_dir,
                                     args.out_dir)
    except AsOfError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    print(summary(monitor))
    for path in paths.values():
        print(f"  -> {path}")
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``monitor`` subcommand."""
    parser = subparsers.add_parser(
        "monitor", help="绩效运行监控（截至某日）/ mid-year monitoring as of a date",
        description="截至某日的绩效运行监控：支出进度与序时进度、信访指标、全年预测、预警，写出 "
                    "outputs/<年度>/monitoring/<截至日期>/（monitor.json、监控表.xlsx、monitor.html）。"
                    " / Where the year stands at a date and where it will land.")
    parser.add_argument("--year", type=int, help="年度，如 2024")
    parser.add_argument("--as-of", type=_as_of_arg, help="截至日期 YYYY-MM-DD，如 2024-07-31")
    add_folder_args(parser)
    parser.add_argument("--backtest", metavar="YEARS",
                        help="回测：对这些年度（如 2022-2023）的每个月末预测年末执行率并与实际比较，"
                             "打印误差表 / back-test the forecast at every month end")
    parser.set_defaults(func=handler)
    return parser
