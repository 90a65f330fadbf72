"""Benchmark: all petition metrics for two years from parquet, evalkit (pandas/numpy) vs DuckDB SQL.

For each size the registers of two years are generated once (``bench/gen_registers.py``), then each
side runs in its own subprocess (clean peak RSS): read both parquet files, compute every count of
every petition metric for the year, the 12 months, every 镇街, channel, purpose and 责任单位, the
rates and the 同比. The counts of the two sides are compared (they must be equal). Prints both
times, the ratio and each side's peak RSS::

    .venv/bin/python bench/bench_metrics.py --sizes 100k,1M [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen_registers import parse_size, path_for, size_label  # noqa: E402

YEARS = (2022, 2023)
COLUMNS = ["registered_on", "accepted_on", "closed_on", "due_on", "extension_days", "channel",
           "purpose", "is_repeat", "resolved_first_time", "satisfaction", "township",
           "responsible_unit", "registered_national", "is_litigation"]
LABELS = ["channel", "purpose", "satisfaction", "township", "responsible_unit"]


# --------------------------------------------------------------------------- evalkit side

def read_register(path: Path):
    """Read the metric columns; label columns straight into categoricals (no string objects)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pq.read_table(path, columns=COLUMNS, read_dictionary=LABELS)
    mapper = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype()}
    return table.to_pandas(types_mapper=mapper.get, split_blocks=True, self_destruct=True)


def run_evalkit(paths: list[Path]) -> dict:
    from evalkit.metrics import petition_metrics, yoy_table
    from evalkit.metrics.yoy import HEADLINES
    sections = {}
    for year, path in zip(YEARS, paths):
        sections[year] = petition_metrics(read_register(path), year)
    keys = [k for k in HEADLINES if k.startswith("petitions.")]
    yoy = yoy_table({"petitions": sections[YEARS[1]]}, {"petitions": sections[YEARS[0]]}, keys)
    return {str(y): summary_evalkit(s) for y, s in sections.items()} | {
        "yoy": dict(zip(yoy["metric"], yoy["change"]))}


def summary_evalkit(s: dict) -> dict:
    from evalkit.metrics.petitions import COUNTS
    scalars = {k: s["total_cases" if k == "cases" else k] for k in COUNTS}
    return {"year": scalars,
            "month": {str(r["month"]): r["cases"] for r in s["by_month"]},
            "township": {r["township"]: r["cases"] for r in s["by_township"]},
            "channel": {r["channel"]: r["cases"] for r in s["by_channel"]},
            "purpose": {r["purpose"]: r["cases"] for r in s["by_purpose"]},
            "unit": {r["responsible_unit"]: r["cases"] for r in s["by_unit"]}}


# --------------------------------------------------------------------------- DuckDB side

FLAGS_SQL = """
CREATE OR REPLACE TEMP VIEW c AS
SELECT coalesce(township, '未填写') AS township, month(registered_on) AS month, channel, purpose,
       coalesce(responsible_unit, '未填写') AS unit,
       channel NOT IN ('来信', '来访') AS online,
       is_repeat AS rep,
       purpose = '求决类' AND NOT is_repeat AS qj,
       closed_on IS NOT NULL AS closed,
       satisfaction IN ('满意', '基本满意') AS satisfied,
       satisfaction IN ('满意', '基本满意', '不满意') AS rated,
       accepted_on IS NOT NULL AS accepted,
       CAST(accepted_on AS DATE) <= CAST(registered_on AS DATE) + 15 AS timely,
       CAST(registered_on AS DATE) + 15 <= DATE '{year}-12-31' AS acc_due,
       coalesce(CAST(due_on AS DATE),
                CAST(accepted_on AS DATE) + CAST(60 + coalesce(extension_days, 0) AS INTEGER),
                CAST(registered_on AS DATE)
                  + CAST(75 + coalesce(extension_days, 0) AS INTEGER)) AS deadline,
       CAST(closed_on AS DATE) AS closed_day,
       coalesce(resolved_first_time, false) AS resolved,
       coalesce(registered_national, false) AS national
FROM read_parquet('{path}')
WHERE year(registered_on) = {year} AND NOT coalesce(is_litigation, false)
"""

COUNTS_SQL = """
SELECT township, month,
  count(*) AS cases,
  count(*) FILTER (online) AS online_cases,
  count(*) FILTER (rep) AS repeat_cases,
  count(*) FILTER (qj AND closed) AS qiujue_initial_closed,
  count(*) FILTER (qj AND closed AND resolved) AS qiujue_initial_resolved,
  count(*) FILTER (satisfied) AS satisfied_cases,
  count(*) FILTER (rated) AS rated_cases,
  count(*) FILTER (closed) AS closed_cases,
  count(*) FILTER (acc_due OR accepted) AS due_for_acceptance,
  count(*) FILTER (timely) AS timely_accepted,
  count(*) FILTER (closed OR deadline <= DATE '{year}-12-31') AS due_for_completion,
  count(*) FILTER (closed_day <= deadline) AS completed_on_time,
  count(*) FILTER (qj AND national) AS national_initial_qiujue_count
FROM c GROUP BY GROUPING SETS ((), (month), (township))
"""

RATES = {"online_share_pct": ("online_cases", "cases"),
         "first_time_resolution_rate_pct": ("qiujue_initial_resolved", "qiujue_initial_closed"),
         "satisfaction_rate_pct": ("satisfied_cases", "rated_cases"),
         "participation_rate_pct": ("rated_cases", "closed_cases"),
         "timely_acceptance_rate_pct": ("timely_accepted", "due_for_acceptance"),
         "on_time_completion_rate_pct": ("completed_on_time", "due_for_completion"),
         "repeat_rate_pct": ("repeat_cases", "cases")}


def run_duckdb(paths: list[Path]) -> dict:
    import duckdb
    con = duckdb.connect()
    rate_sql = ", ".join(f"round(CAST({n} AS DECIMAL(18,0)) * 100 / nullif({d}, 0), 2) AS {r}"
                         for r, (n, d) in RATES.items())
    out = {}
    for year, path in zip(YEARS, paths):
        con.execute(FLAGS_SQL.format(path=path, year=year))
        grouped = con.execute(f"SELECT *, {rate_sql} FROM ({COUNTS_SQL.format(year=year)})"
                              ).fetchall()
        cols = [d[0] for d in con.description]
        rows = [dict(zip(cols, r)) for r in grouped]
        total = next(r for r in rows if r["township"] is None and r["month"] is None)
        summary = {"year": {k: total[k] for k in cols[2:] if not k.endswith("_pct")},
                   "month": {str(m): 0 for m in range(1, 13)},
                   "township": {}, "_rates": {k: total[k] for k in RATES}}
        for r in rows:
            if r["month"] is not None:
                summary["month"][str(r["month"])] = r["cases"]
            elif r["township"] is not None:
                summary["township"][r["township"]] = r["cases"]
        for dim, col in (("channel", "channel"), ("purpose", "purpose"), ("unit", "unit")):
            summary[dim] = dict(con.execute(f"SELECT {col}, count(*) FROM c GROUP BY 1"
                                            ).fetchall())
        out[str(year)] = summary
    cur, prev = (out[str(y)]["_rates"] for y in (YEARS[1], YEARS[0]))
    out["yoy"] = {k: (None if cur[k] is None or prev[k] is None else float(cur[k] - prev[k]))
                  for k in RATES}
    return out


# --------------------------------------------------------------------------- harness

def peak_rss() -> int:
    """Peak RSS of this process image in bytes (VmHWM; unlike ru_maxrss it is not inherited
    from the parent across fork/exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(side: str, paths: list[Path]) -> None:
    """Run one side (imports first, then the timed work) and print a JSON line."""
    import psutil
    if side == "evalkit":
        import evalkit.metrics  # noqa: F401
        import pandas, pyarrow.parquet  # noqa: F401,E401
        work = run_evalkit
    else:
        import duckdb  # noqa: F401
        work = run_duckdb
    base = psutil.Process().memory_info().rss
    t = time.perf_counter()
    result = work(paths)
    seconds = time.perf_counter() - t
    peak = peak_rss()
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "base_rss": base,
                      "result": result}, ensure_ascii=False, default=str))


def measure(side: str, paths: list[Path]) -> dict:
    cmd = [sys.executable, __file__, "--child", side, *map(str, paths)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(ours: dict, ref: dict) -> list[str]:
    """Differences between the two sides' counts (must be none)."""
    diffs = []
    for year in map(str, YEARS):
        for part in ("year", "month", "township", "channel", "purpose", "unit"):
            if ours[year][part] != ref[year][part]:
                diffs.append(f"{year} {part}: {ours[year][part]} != {ref[year][part]}")
    return diffs


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side; the best time is kept")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], [Path(p) for p in args.child[1:]])
        return 0
    print(f"{'cases/year':>10} {'evalkit s':>10} {'duckdb s':>9} {'ratio':>6} "
          f"{'evalkit peak':>13} {'duckdb peak':>12}  counts")
    status = 0
    for size in args.sizes.split(","):
        n = parse_size(size)
        paths = [path_for(n, y) for y in YEARS]
        if not all(p.exists() for p in paths):     # in a subprocess: keeps this process small
            subprocess.run([sys.executable, str(HERE / "gen_registers.py"), "--sizes", size,
                            "--years", ",".join(map(str, YEARS))], check=True)
        runs = {side: [measure(side, paths) for _ in range(args.repeat)]
                for side in ("evalkit", "duckdb")}
        best = {side: min(r, key=lambda x: x["seconds"]) for side, r in runs.items()}
        peak = {side: max(x["peak_rss"] for x in r) for side, r in runs.items()}
        diffs = compare(best["evalkit"]["result"], best["duckdb"]["result"])
        status |= bool(diffs)
        ratio = best["evalkit"]["seconds"] / best["duckdb"]["seconds"]
        print(f"{size_label(n):>10} {best['evalkit']['seconds']:>10.3f} "
              f"{best['duckdb']['seconds']:>9.3f} {ratio:>6.2f} {mib(peak['evalkit']):>13} "
              f"{mib(peak['duckdb']):>12}  {'equal' if not diffs else 'DIFFER'}", flush=True)
        for d in diffs[:10]:
            print("   ", d[:300])
    return status


if __name__ == "__main__":
    sys.exit(main())
