"""Benchmark: the notebook batch for the three sample years against a papermill floor.

Both sides go through the same code path, ``evalkit.runner.run_years`` (papermill, kernel
``python3``, executed notebooks written to a staging folder and promoted into ``<out>/<year>/``):

* **floor**: as many notebooks as ``notebooks/`` has, each with the same ``parameters`` cell
  and one cell ``import evalkit``; no input validation: the fixed cost of a kernel per notebook.
* **floor + pandas** (reference only, the ratio stays batch / floor): the same, with
  ``import pandas`` in the cell, the import every real notebook needs for its tables; it bounds
  what any batch of table-showing notebooks can reach against the floor.
* **batch**: the real notebooks, on a scratch copy of ``data/raw`` (2021-2023), including the
  runner's input validation, metrics, scoring, charts and the report. Measured cold (empty parquet
  cache, as ``make report`` on a fresh clone) and warm (second run, cache filled).

Runs are interleaved (floor, batch, floor, batch, …; best of ``--repeat`` each) so a busy machine
slows both sides alike. Prints the times, the ratio batch / floor (limit 1.5x, goal 1.3x), where
the batch time goes (runner steps; inside the notebooks: kernel start and stop, the imports cell,
the other cells, from the executed notebooks' papermill timings) and, first, the per-chart costs
(``bench/bench_charts.py``)::

    .venv/bin/python bench/bench_report.py [--years 2021-2023] [--repeat 2] [--jobs 2] [--no-charts]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from evalkit import runner  # noqa: E402
from evalkit.config import DATA_RAW, NOTEBOOKS  # noqa: E402
from evalkit.years import available_years, parse_years  # noqa: E402

TARGET = 1.3     # the goal
LIMIT = 1.5      # at most


def make_floor_notebooks(folder: Path, count: int, body: str = "import evalkit") -> Path:
    """``count`` notebooks with the real parameters cell and a single ``import evalkit`` cell."""
    import nbformat

    first = nbformat.read(sorted(NOTEBOOKS.glob(runner.NOTEBOOK_GLOB))[0], as_version=4)
    params = next(c for c in first.cells if "parameters" in c.metadata.get("tags", []))
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, count + 1):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell(params.source)
        cell.metadata["tags"] = ["parameters"]
        nb.cells = [cell, nbformat.v4.new_code_cell(body)]
        nb.metadata["kernelspec"] = dict(first.metadata.kernelspec)
        nbformat.write(nb, folder / f"{i:02d}_floor.ipynb")
    return folder


def timed_run(years: list[int], raw: Path, processed: Path, out: Path,
              **kw) -> tuple[float, str, int]:
    stream = io.StringIO()
    start = time.perf_counter()
    rc = runner.run_years(years, raw, processed, out, stream=stream, **kw)
    return time.perf_counter() - start, stream.getvalue(), rc


def per_notebook(log: str) -> dict[str, float]:
    """Sum the seconds of each progress line by notebook / step name."""
    totals: dict[str, float] = {}
    for name, secs in re.findall(r"^\[\d{4}\] (\S+) … ok ([\d.]+)s$", log, re.M):
        totals[name] = totals.get(name, 0.0) + float(secs)
    return totals


def checked_run(what: str, years: list[int], raw: Path, processed: Path, out: Path,
                **kw) -> tuple[float, str]:
    """:func:`timed_run`; on failure print its log and stop with ``<what> failed``."""
    secs, log, rc = timed_run(years, raw, processed, out, **kw)
    if rc:
        print(log)
        raise SystemExit(f"{what} failed")
    return secs, log


def notebook_times(out: Path) -> dict[str, float]:
    """Seconds inside the executed notebooks under ``out/<year>/notebooks`` (papermill timings):
    kernel start + stop and papermill around the cells, the imports cell (the first code cell
    after the parameters), the other cells."""
    import nbformat

    totals = {"kernel start/stop + papermill": 0.0, "imports cell": 0.0, "other cells": 0.0}
    for path in sorted(out.glob("*/notebooks/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [(c.metadata.get("papermill", {}).get("duration") or 0.0,
                  set(c.metadata.get("tags", [])), c.source) for c in nb.cells
                 if c.cell_type == "code"]
        work = [(d, src) for d, tags, src in cells
                if not tags & {"parameters", "injected-parameters"}]
        total = nb.metadata.get("papermill", {}).get("duration") or 0.0
        totals["kernel start/stop + papermill"] += total - sum(d for d, _, _ in cells)
        totals["imports cell"] += work[0][0] if work else 0.0
        totals["other cells"] += sum(d for d, _ in work[1:])
        totals["parameters cells"] = totals.get("parameters cells", 0.0) + sum(
            d for d, tags, _ in cells if tags & {"parameters", "injected-parameters"})
    return totals


def time_runs(years: list[int], raw: Path, tmp: Path, floor_nbs: Path, pandas_nbs: Path,
              repeat: int) -> dict[str, Any]:
    """Interleaved runs: floor, floor + pandas, batch (cold on the first round, warm after)."""
    times: dict[str, list[float]] = {"floor": [], "floor_pandas": [], "warm": []}
    cold, cold_log, warm_log = 0.0, "", ""
    for i in range(repeat + 1):
        secs, _ = checked_run("floor run", years, raw, tmp / "floor_processed",
                              tmp / f"floor_out{i}", notebooks_dir=floor_nbs, validate=False,
                              required=())
        times["floor"].append(secs)
        secs, _ = checked_run("floor + pandas run", years, raw, tmp / "floor_processed",
                              tmp / f"floor_pd{i}", notebooks_dir=pandas_nbs, validate=False,
                              required=())
        times["floor_pandas"].append(secs)
        secs, log = checked_run("batch run", years, raw, tmp / "processed", tmp / "out")
        if i == 0:
            cold, cold_log = secs, log   # empty cache, no published charts: everything built
        else:
            times["warm"].append(secs)
            if secs == min(times["warm"]):
                warm_log = log
    best = {k: min(v) for k, v in times.items()}
    return {**best, "cold": cold, "cold_log": cold_log, "warm_log": warm_log, "all": times,
            "inside_batch": notebook_times(tmp / "out"),
            "inside_floor": notebook_times(tmp / f"floor_out{repeat}"),
            "charts_drawn": len(list((tmp / "out").glob("*/charts/*.png")))}


def time_parallel(years: list[int], raw: Path, tmp: Path, floor_nbs: Path,
                  jobs: int) -> dict[str, float]:
    """Wall time with ``jobs`` years in parallel: the floor and the (warm) batch."""
    parallel = {}
    parallel["floor"], _, _ = timed_run(years, raw, tmp / "floor_processed", tmp / "floor_outp",
                                        notebooks_dir=floor_nbs, validate=False,
                                        required=(), jobs=jobs)
    parallel["batch"], _ = checked_run("parallel batch run", years, raw, tmp / "processed",
                                       tmp / "out", jobs=jobs)
    return parallel


def print_results(r: dict[str, Any], years: list[int], count: int, jobs: int,
                  parallel: dict[str, float]) -> None:
    floor, warm, floor_pd, cold = r["floor"], r["warm"], r["floor_pandas"], r["cold"]
    n = count * len(years)
    print(f"bench_report: {len(years)} years × {count} notebooks = {n} notebook runs "
          f"(papermill, kernel python3, staging + promote); best of {len(r['all']['floor'])} "
          "interleaved runs")
    print(f"  floor (import evalkit only) : {floor:6.1f} s   ({floor / n:.2f} s per notebook)")
    print(f"  floor + import pandas       : {floor_pd:6.1f} s   ({floor_pd / floor:.2f}x the floor:"
          f" what importing pandas in every kernel costs; batch / this = {warm / floor_pd:.2f}x)")
    drawn = r["charts_drawn"]
    cold_charts = per_notebook(r["cold_log"]).get("charts", 0.0)
    print(f"  batch, cold (empty cache)   : {cold:6.1f} s   ratio {cold / floor:.2f}x   (its charts "
          f"step: {cold_charts:.1f} s for {drawn} charts, {cold_charts / max(drawn, 1):.2f} s each, "
          "in the runner's preparing thread)")
    verdict = ("goal met" if warm / floor <= TARGET else
               "limit met" if warm / floor <= LIMIT else "NOT met")
    print(f"  batch, warm                 : {warm:6.1f} s   ratio {warm / floor:.2f}x "
          f"(limit {LIMIT}x, goal {TARGET}x: {verdict})")
    if parallel:
        print(f"  with --jobs {jobs} (years in parallel): floor {parallel['floor']:.1f} s, "
              f"batch (warm) {parallel['batch']:.1f} s, "
              f"ratio {parallel['batch'] / parallel['floor']:.2f}x")
    print("  where the warm batch time goes (runner steps, sum over years):")
    for name, secs in per_notebook(r["warm_log"]).items():
        print(f"    {name:28s} {secs:6.1f} s")
    print("  inside the notebooks (papermill timings, sum over the last runs):")
    for name, secs in r["inside_batch"].items():
        print(f"    {name:28s} {secs:6.1f} s   (floor: {r['inside_floor'].get(name, 0.0):.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2021-2023")
    parser.add_argument("--repeat", type=int, default=2,
                        help="warm rounds (each: floor, floor + pandas, batch); best of each")
    parser.add_argument("--jobs", type=int, default=2, help="also time --jobs N (1 = skip)")
    parser.add_argument("--no-charts", action="store_true", help="skip bench_charts.py")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    count = len(runner.discover_notebooks())
    if not args.no_charts:
        import bench_charts

        bench_charts.main(["--years", args.years])
        print()

    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        raw = tmp / "raw"
        for year in available_years(DATA_RAW):
            shutil.copytree(DATA_RAW / str(year), raw / str(year))
        floor_nbs = make_floor_notebooks(tmp / "floor_notebooks", count)
        pandas_nbs = make_floor_notebooks(tmp / "floor_pandas_notebooks", count,
                                          "import evalkit\nimport pandas")
        r = time_runs(years, raw, tmp, floor_nbs, pandas_nbs, max(1, args.repeat))
        parallel = time_parallel(years, raw, tmp, floor_nbs, args.jobs) if args.jobs > 1 else {}

    print_results(r, years, count, args.jobs, parallel)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "years": years, "notebooks": count, "floor_s": r["floor"],
            "floor_pandas_s": r["floor_pandas"], "batch_cold_s": r["cold"],
            "batch_warm_s": r["warm"], "ratio_cold": r["cold"] / r["floor"],
            "breakdown_cold_s": per_notebook(r["cold_log"]), "charts_drawn": r["charts_drawn"],
            "ratio_warm": r["warm"] / r["floor"], "target": TARGET, "limit": LIMIT,
            "runs_s": r["all"], "breakdown_warm_s": per_notebook(r["warm_log"]),
            "inside_notebooks_s": r["inside_batch"], "inside_floor_s": r["inside_floor"],
            "parallel": {"jobs": args.jobs, **parallel}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
