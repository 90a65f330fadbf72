"""Generate synthetic tidy petition registers (parquet) for the metrics benchmark.

One file per year and size: ``bench/out/register_<size>_<year>.parquet`` with the tidy columns of
``schema.PETITIONS`` (no personal columns), as :func:`evalkit.io.load_year` produces them.
Deterministic (fixed seed). Usage::

    .venv/bin/python bench/gen_registers.py --sizes 100k,1M --years 2022,2023
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "out"
CHANNELS = np.array(["来信", "来访", "网上信访", "电话", "手机信访", "微信", "领导信箱", "电子邮件", "其他"])
CHANNEL_P = np.array([0.07, 0.05, 0.55, 0.08, 0.12, 0.08, 0.03, 0.01, 0.01])
PURPOSES = np.array(["求决类", "申诉类", "建议意见类", "检举控告类", "咨询类", "其他"])
PURPOSE_P = np.array([0.45, 0.10, 0.10, 0.10, 0.15, 0.10])
SATISFACTION = np.array(["满意", "基本满意", "不满意", "未评价"])
SATISFACTION_P = np.array([0.38, 0.07, 0.01, 0.54])
TOWNSHIPS = np.array(["荔城街道", "增江街道", "朱村街道", "永宁街道", "新塘镇", "石滩镇", "中新镇",
                      "仙村镇", "派潭镇", "正果镇", "小楼镇", "荔湖街道", "宁西街道"])
UNITS = np.array([f"区单位{i:02d}" for i in range(40)] + [None], dtype=object)


def parse_size(text: str) -> int:
    """``100k`` -> 100000, ``1M`` -> 1000000, ``5M`` -> 5000000."""
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def register(n: int, year: int, seed: int) -> pd.DataFrame:
    """A synthetic tidy register of ``n`` cases registered in ``year`` (plus 0.5% 涉法涉诉)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{year}-01-01", "D")
    days = (np.datetime64(f"{year + 1}-01-01", "D") - start).astype(int)
    reg = start + rng.integers(0, days, n).astype("timedelta64[D]")
    acc = reg + rng.integers(0, 20, n).astype("timedelta64[D]")
    acc[rng.random(n) < 0.03] = np.datetime64("NaT")
    closed = acc + rng.integers(5, 85, n).astype("timedelta64[D]")
    closed[(rng.random(n) < 0.08) | np.isnat(acc)] = np.datetime64("NaT")
    ext = np.where(rng.random(n) < 0.08, rng.integers(1, 31, n), 0)
    due = acc + (60 + ext).astype("timedelta64[D]")
    due[rng.random(n) < 0.6] = np.datetime64("NaT")
    resolved = pd.array(rng.random(n) < 0.95, dtype="boolean")
    resolved[rng.random(n) < 0.3] = pd.NA
    return pd.DataFrame({
        "registered_on": reg.astype("datetime64[ns]"),
        "accepted_on": acc.astype("datetime64[ns]"),
        "closed_on": closed.astype("datetime64[ns]"),
        "due_on": due.astype("datetime64[ns]"),
        "extension_days": pd.array(ext, dtype="Int64"),
        "channel": rng.choice(CHANNELS, n, p=CHANNEL_P),
        "purpose": rng.choice(PURPOSES, n, p=PURPOSE_P),
        "is_repeat": rng.random(n) < 0.1,
        "resolved_first_time": resolved,
        "satisfaction": rng.choice(SATISFACTION, n, p=SATISFACTION_P),
        "township": rng.choice(TOWNSHIPS, n),
        "responsible_unit": rng.choice(UNITS, n),
        "registered_national": pd.array(rng.random(n) < 0.02, dtype="boolean"),
        "is_litigation": pd.array(rng.random(n) < 0.005, dtype="boolean"),
    })


def case_ids(n: int, year: int) -> pa.Array:
    """``XF<year><8-digit serial>`` built in Arrow (no Python string objects)."""
    serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), width=8, padding="0")
    return pc.binary_join_element_wise(f"XF{year}", serial, "")


def path_for(n: int, year: int, out: Path = OUT) -> Path:
    return out / f"register_{size_label(n)}_{year}.parquet"


def generate(n: int, years: list[int], out: Path = OUT, force: bool = False) -> list[Path]:
    """Write the registers of ``n`` cases for each year (skipped when present) and return paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in years:
        path = path_for(n, year, out)
        if force or not path.exists():
            t = time.perf_counter()
            table = pa.Table.from_pandas(register(n, year, seed=year * 7 + n % 97),
                                         preserve_index=False)
            table = table.add_column(0, "case_id", case_ids(n, year))
            tmp = path.with_suffix(".tmp")
            pq.write_table(table, tmp, row_group_size=1 << 20)
            tmp.replace(path)
            print(f"wrote {path.name} ({path.stat().st_size / 2**20:.1f} MiB, "
                  f"{time.perf_counter() - t:.1f} s)", file=sys.stderr)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--years", default="2022,2023")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    years = [int(y) for y in args.years.split(",")]
    for size in args.sizes.split(","):
        generate(parse_size(size), years, args.out, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
