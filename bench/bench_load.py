"""Benchmark: parse a synthetic 100k-row petition register (xlsx) four ways, in one run.

Usage: ``.venv/bin/python bench/bench_load.py [--rows 100000]``

Writes ``bench/out/petitions_100k.xlsx`` (git-ignored; fake personal columns included) with
xlsxwriter in constant-memory mode, then times: evalkit's loader (cold, no cache), pandas +
openpyxl, fastexcel (``pip install fastexcel``), and evalkit's cached re-read (the first one, and
the median of five more, since one ~20 ms sample on a shared machine is noisy). The cached re-read
hashes the xlsx (SHA-256, the cache key) while reading the parquet, and returns the same frame as
the first parse (text columns ``string[pyarrow]``). Targets: loader ≤ 1.5× fastexcel; cached
re-read ≥ 50× faster than the first parse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import xlsxwriter

from evalkit.io.loaders import _load_one
from evalkit.schema import CHANNELS, PETITIONS, PURPOSES, SATISFACTION

OUT = Path(__file__).resolve().parent / "out"


def generate(path: Path, rows: int, seed: int = 7) -> Path:
    """Write a register with a title row and ``rows`` cases (personal columns are fake)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(PETITIONS.sheet)
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    headers = [c.header for c in PETITIONS.columns]
    sheet.write_row(0, 0, ["信访事项登记台账（合成数据）"])
    sheet.write_row(1, 0, headers)
    start = dt.datetime(2023, 1, 1)
    for i in range(rows):
        reg = start + dt.timedelta(days=rng.randrange(365))
        closed = rng.random() < 0.9
        values = {
            "case_id": f"XF2023-{i:07d}", "extension_days": rng.choice((0, 0, 0, 15, 30)),
            "channel": rng.choice(CHANNELS), "purpose": rng.choice(PURPOSES),
            "is_repeat": rng.choice(("初件", "初件", "重件")),
            "resolved_first_time": rng.choice(("是", "否", "")),
            "satisfaction": rng.choice(SATISFACTION), "township": f"镇街{rng.randrange(12)}",
            "responsible_unit": f"单位{rng.randrange(40)}",
            "registered_national": rng.choice(("是", "否", "否", "否")), "is_litigation": "否",
            "petitioner_name": f"测试{rng.randrange(30000)}",
            "id_number": f"44018319{rng.randrange(10**10):010d}",
            "phone": f"139{rng.randrange(10**8):08d}", "address": f"测试路{rng.randrange(999)}号",
            "complaint_text": "反映某小区物业管理问题，请求协调处理。" * rng.randint(1, 4),
        }
        dates = {"registered_on": reg, "accepted_on": reg + dt.timedelta(days=rng.randrange(10)),
                 "closed_on": reg + dt.timedelta(days=rng.randrange(20, 80)) if closed else None,
                 "due_on": reg + dt.timedelta(days=60)}
        for j, col in enumerate(PETITIONS.columns):
            if col.key in dates:
                if dates[col.key] is not None:
                    sheet.write_datetime(i + 2, j, dates[col.key], date_fmt)
            else:
                sheet.write(i + 2, j, values[col.key])
    book.close()
    return path


def timed(fn: Callable[[], object]) -> float:
    """Seconds taken by ``fn()``."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    """Generate the register (if missing) and print the timings and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    path = OUT / f"petitions_{args.rows // 1000}k.xlsx"
    if not path.exists():
        print(f"generating {path} … {timed(lambda: generate(path, args.rows)):.1f} s")
    cache_dir = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    try:
        results: dict[str, float] = {}
        results["evalkit loader (cold)"] = timed(
            lambda: _load_one(path, PETITIONS, True, 2023, cache_dir, None))
        results["evalkit cached re-read"] = timed(
            lambda: _load_one(path, PETITIONS, True, 2023, cache_dir, None))
        results["cached re-read (median)"] = statistics.median(
            timed(lambda: _load_one(path, PETITIONS, True, 2023, cache_dir, None))
            for _ in range(5))
        try:
            import fastexcel
            results["fastexcel -> pandas"] = timed(
                lambda: fastexcel.read_excel(str(path)).load_sheet(
                    PETITIONS.sheet, header_row=1).to_pandas())
        except ImportError:
            print("fastexcel not installed (pip install fastexcel)")
        results["pandas + openpyxl"] = timed(
            lambda: pd.read_excel(path, sheet_name=PETITIONS.sheet, header=1, engine="openpyxl"))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    for name, secs in results.items():
        print(f"{name:<24} {secs:8.3f} s")
    cold = results["evalkit loader (cold)"]
    if "fastexcel -> pandas" in results:
        print(f"loader / fastexcel        {cold / results['fastexcel -> pandas']:8.2f} x  (target ≤ 1.5)")
    print(f"openpyxl / loader         {results['pandas + openpyxl'] / cold:8.2f} x")
    print(f"first parse / cached      {cold / results['evalkit cached re-read']:8.1f} x  (target ≥ 50)")
    print(f"first parse / cached med  {cold / results['cached re-read (median)']:8.1f} x")


if __name__ == "__main__":
    main()
