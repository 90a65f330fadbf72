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

Prints the times, the ratio batch / floor (target <= 1.3x) and where the batch time goes::

    .venv/bin/python bench/bench_report.py [--years 2021-2023] [--repeat 1] [--jobs 2]
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from evalkit import runner  # noqa: E402
from evalkit.config import DATA_RAW, NOTEBOOKS  # noqa: E402
from evalkit.years import available_years, parse_years  # noqa: E402

TARGET = 1.3


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


def time_floors(years: list[int], raw: Path, tmp: Path, floor_nbs: Path, pandas_nbs: Path,
                repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of each floor run and of each floor + pandas run (``repeat`` of each)."""
    floors, pandas_floors = [], []
    for i in range(repeat):
        secs, _ = checked_run("floor run", years, raw, tmp / "floor_processed",
                              tmp / f"floor_out{i}", notebooks_dir=floor_nbs, validate=False,
                              required=())
        floors.append(secs)
        secs, _ = checked_run("floor + pandas run", years, raw, tmp / "floor_processed",
                              tmp / f"floor_pd{i}", notebooks_dir=pandas_nbs, validate=False,
                              required=())
        pandas_floors.append(secs)
    return floors, pandas_floors


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2021-2023")
    parser.add_argument("--repeat", type=int, default=1,
                        help="floor/warm runs to take the best of")
    parser.add_argument("--jobs", type=int, default=2, help="also time --jobs N (1 = skip)")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    count = len(runner.discover_notebooks())

    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        tmp = Path(tmp)
        raw = tmp / "raw"
        for year in available_years(DATA_RAW):
            shutil.copytree(DATA_RAW / str(year), raw / str(year))
        floor_nbs = make_floor_notebooks(tmp / "floor_notebooks", count)
        pandas_nbs = make_floor_notebooks(tmp / "floor_pandas_notebooks", count,
                                          "import evalkit\nimport pandas")
        floors, pandas_floors = time_floors(years, raw, tmp, floor_nbs, pandas_nbs, args.repeat)
        cold, _ = checked_run("batch run", years, raw, tmp / "processed", tmp / "out")
        warms = []
        warm_log = ""
        for _ in range(args.repeat):
            secs, warm_log, _rc = timed_run(years, raw, tmp / "processed", tmp / "out")
            warms.append(secs)
        parallel = {}
        if args.jobs > 1:   # wall time with years in parallel; the floor the same way
            parallel = time_parallel(years, raw, tmp, floor_nbs, args.jobs)

    floor, warm, floor_pd = min(floors), min(warms), min(pandas_floors)
    n = count * len(years)
    print(f"bench_report: {len(years)} years × {count} notebooks = {n} notebook runs "
          f"(papermill, kernel python3, staging + promote)")
    print(f"  floor (import evalkit only) : {floor:6.1f} s   ({floor / n:.2f} s per notebook)")
    print(f"  floor + import pandas       : {floor_pd:6.1f} s   ({floor_pd / floor:.2f}x the floor: "
          f"the least a batch of table notebooks can cost; batch / this = {warm / floor_pd:.2f}x)")
    print(f"  batch, cold parquet cache   : {cold:6.1f} s   ratio {cold / floor:.2f}x")
    print(f"  batch, warm parquet cache   : {warm:6.1f} s   ratio {warm / floor:.2f}x "
          f"(target <= {TARGET}x: {'met' if warm / floor <= TARGET else 'NOT met'})")
    if parallel:
        print(f"  with --jobs {args.jobs} (years in parallel): floor {parallel['floor']:.1f} s, "
              f"batch (warm) {parallel['batch']:.1f} s, "
              f"ratio {parallel['batch'] / parallel['floor']:.2f}x")
    print("  where the warm batch time goes (sum over years):")
    for name, secs in per_notebook(warm_log).items():
        print(f"    {name:28s} {secs:6.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "years": years, "notebooks": count, "floor_s": floor, "floor_pandas_s": floor_pd, "batch_cold_s": cold,
            "batch_warm_s": warm, "ratio_cold": cold / floor, "ratio_warm": warm / floor,
            "target": TARGET, "breakdown_warm_s": per_notebook(warm_log),
            "parallel": {"jobs": args.jobs, **parallel}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
