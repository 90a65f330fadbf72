"""Benchmark: the cost of each chart, against matplotlib's standard tight save in the same run.

For each sample year (metrics built once into a scratch folder) and each chart:

* **draw**: building the figure (``spec.draw``: artists, labels from the catalogue);
* **reference**: ``fig.savefig(bbox_inches="tight")`` in the house style, how evalkit saved
  charts before (an extra full "dry" draw to lay out and measure, then the real draw);
* **one pass**: :func:`evalkit.charts.write_png` (constrained layout once, tight crop measured on
  the same renderer, one draw). Its PNG is checked byte-identical to the reference's.
* **+ shared**: the same with the Agg renderers reused between charts of the same size
  (:func:`evalkit.charts.style.share_renderers`), as :func:`evalkit.charts.save_all_charts` draws.
* **up to date** / **reused**: :func:`evalkit.charts.save_all_charts` when the PNG already
  carries the digest of the same figures (read the digest only) or when an earlier run's PNG is
  copied (``reuse=``): what a re-run of the batch costs per chart.

CPU seconds of this process (``time.process_time``: steadier than wall time on a shared machine),
best of ``--repeat``. Also the fixed cost of a fresh process drawing its first chart (import
matplotlib, register the bundled font, first layout), against a process that only imports
matplotlib::

    .venv/bin/python bench/bench_charts.py [--years 2021-2023] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from evalkit import charts, pipeline  # noqa: E402
from evalkit.charts.style import share_renderers  # noqa: E402
from evalkit.config import DATA_RAW  # noqa: E402
from evalkit.years import parse_years  # noqa: E402


def cpu(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best CPU seconds of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = func()
        best = min(best, time.process_time() - start)
    return best, result


def reference_png(fig: Any) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(charts.STYLE):
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def one_pass_png(fig: Any) -> bytes:
    buf = io.BytesIO()
    with matplotlib.rc_context(charts.STYLE):
        charts.write_png(fig, buf)
    return buf.getvalue()


def time_chart(spec: charts.ChartSpec, typed: Any, repeat: int) -> dict[str, float]:
    """Seconds to draw, to save the reference way, in one pass, with shared renderers."""
    draw, _ = cpu(lambda: spec.draw(typed), repeat)
    ref, ref_png = cpu(lambda: reference_png(spec.draw(typed)), repeat)
    fast, fast_png = cpu(lambda: one_pass_png(spec.draw(typed)), repeat)
    shared, shared_png = cpu(lambda: one_pass_png(share_renderers(spec.draw(typed))), repeat)
    if not ref_png == fast_png == shared_png:
        raise SystemExit(f"{spec.name}: a PNG differs from savefig(bbox_inches='tight')")
    return {"draw": draw, "reference": ref, "one_pass": fast, "shared": shared}


def time_saved(metrics: dict, folder: Path, repeat: int) -> dict[str, float]:
    """Per-chart seconds of save_all_charts when up to date and when reusing a published PNG."""
    published = charts.save_all_charts(metrics, folder / "published")
    n = len(published)
    up_to_date, _ = cpu(lambda: charts.save_all_charts(metrics, folder / "published"), repeat)

    def reuse() -> None:
        staging = folder / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        charts.save_all_charts(metrics, staging, reuse=folder / "published")

    reused, _ = cpu(reuse, repeat)
    return {"up_to_date": up_to_date / n, "reused": reused / n}


FIRST_CHART = """
import io, json, sys, time
t = time.perf_counter(); c = time.process_time()
{body}
print(json.dumps([time.perf_counter() - t, time.process_time() - c]))
"""


def cold_process(metrics_file: Path, repeat: int) -> dict[str, float]:
    """CPU seconds of a fresh process: import matplotlib only vs draw and save a first chart."""
    bodies = {
        "import_matplotlib": "import matplotlib.figure, matplotlib.backends.backend_agg",
        "first_chart": ("from evalkit import charts\n"
                        f"m = json.load(open({str(metrics_file)!r}, encoding='utf-8'))\n"
                        "charts.write_png(charts.budget_by_type(m), io.BytesIO())"),
    }
    out = {}
    for name, body in bodies.items():
        runs = [json.loads(subprocess.run([sys.executable, "-c", FIRST_CHART.format(body=body)],
                                          capture_output=True, text=True, check=True,
                                          cwd=ROOT).stdout) for _ in range(repeat)]
        out[name] = min(r[1] for r in runs)
    return out


def build_metrics(years: list[int], tmp: Path) -> dict[int, dict]:
    return {y: pipeline.build_year(y, DATA_RAW, tmp / "processed", tmp / "outputs")
            for y in years}


def report(rows: dict[str, dict[str, float]], saved: dict[str, float],
           cold: dict[str, float]) -> None:
    print(f"  {'chart':22s} {'draw':>6s} {'+ tight save':>13s} {'+ one pass':>11s} "
          f"{'+ shared':>9s} {'ratio':>6s}")
    tot = {"ref": 0.0, "fast": 0.0, "shared": 0.0}
    for name, r in rows.items():
        ref, fast, shared = (r["draw"] + r[k] for k in ("reference", "one_pass", "shared"))
        tot = {"ref": tot["ref"] + ref, "fast": tot["fast"] + fast,
               "shared": tot["shared"] + shared}
        print(f"  {name:22s} {r['draw']:6.3f} {ref:13.3f} {fast:11.3f} {shared:9.3f} "
              f"{shared / ref:6.2f}")
    n = len(rows)
    print(f"  {'mean per chart':22s} {'':6s} {tot['ref'] / n:13.3f} {tot['fast'] / n:11.3f} "
          f"{tot['shared'] / n:9.3f} {tot['shared'] / tot['ref']:6.2f}")
    print(f"  already saved for the same figures: {saved['up_to_date'] * 1000:.1f} ms per chart;"
          f" copied from an earlier run (reuse=): {saved['reused'] * 1000:.1f} ms per chart")
    print(f"  fresh process: import matplotlib {cold['import_matplotlib']:.2f} s; import evalkit."
          f"charts + first chart {cold['first_chart']:.2f} s (CPU)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2021-2023")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        tmp = Path(tmp)
        metrics = build_metrics(years, tmp)
        charts.save_all_charts(metrics[years[-1]], tmp / "warm")   # font, caches: steady state
        per: dict[str, list[dict[str, float]]] = {}
        for m in metrics.values():
            typed = charts.spec.model(m)
            for name, spec in charts.SPECS.items():
                if spec.has_data(typed):
                    per.setdefault(name, []).append(time_chart(spec, typed, args.repeat))
        rows = {name: {k: sum(r[k] for r in rs) / len(rs) for k in rs[0]}
                for name, rs in per.items()}
        saved = time_saved(metrics[years[-1]], tmp / "saved", args.repeat)
        metrics_file = tmp / "metrics.json"
        metrics_file.write_text(json.dumps(metrics[years[-1]], ensure_ascii=False),
                                encoding="utf-8")
        cold = cold_process(metrics_file, args.repeat)
    print(f"bench_charts: {len(years)} years, CPU seconds per chart (best of {args.repeat}, "
          "mean over the years); every one-pass PNG byte-identical to the tight save")
    report(rows, saved, cold)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"years": years, "per_chart_s": rows, "saved": saved,
                                         "cold_process_s": cold}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
