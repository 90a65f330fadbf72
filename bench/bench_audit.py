"""Benchmark: ``evalkit audit`` on 0.25, 0.5 and 1 MB of report text, in one run.

Usage: ``.venv/bin/python bench/bench_audit.py [--mb 1]``

The text is built from the project's own fixture (``tests/fixtures/audit/county_archives_2023.txt``)
with its figures varied per copy, plus tables in the layouts the audit reads (Markdown pipes, one
cell per line) and a line of OCR-glued cells — so prose, tables and streams are all exercised.
Prints, per size, the audit's time (CPU and wall), and two ratios measured in the same run:

* against a reference: reading the same file and normalising every line (the floor any audit
  pays) — the audit is a constant multiple of it when it is linear;
* 1 MB against 0.5 MB: about 2 when the audit is linear in the text size (it was 10 for 4× the
  lines before issue 10: a quadratic part).

Target: 1 MB audited in under 10 s; growth ratio ≤ 2.5. The verdict uses CPU time, which a
loaded machine does not inflate (wall time is printed too).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from evalkit.audit import audit_file, render_text
from evalkit.audit.readers import read_report
from evalkit.audit.text import normalize_line

ROOT = Path(__file__).resolve().parents[1]
PROSE = ROOT / "tests" / "fixtures" / "audit" / "county_archives_2023.txt"

TABLE = """| 资金类别 | 年初预算数（万元） | 全年预算数（万元） | 全年执行数（万元） | 执行率 |
|---|---|---|---|---|
| 年度资金总额 | {a} | {b} | {c} | {r}% |
| 其中：财政拨款 | {a} | {b} | {c} | {r}% |
"""
CELLS = ["一级指标", "二级指标", "三级指标", "分值", "得分", "产出指标（50分）", "数量指标", "完成数量",
         "20", "19", "产出指标（50分）", "质量指标", "合格率", "30", "30", "总分", "", "", "50", "49"]
OCR = "年度资金总额年初预算数全年预算数全年执行数执行率{a}{b}{c}{r}%完整性4一目标明确4相关性2一按要求2\n"


def _copy(rng: random.Random, text: str) -> str:
    """One copy of the fixture with its 万元 figures and the table's numbers varied."""
    a = rng.randint(100, 900)
    b = a + rng.randint(0, 50)
    c = b - rng.randint(0, 20)
    r = f"{c / b * 100:.2f}"
    varied = text.replace("645.08", f"{c}.00").replace("660.00", f"{b}.00")
    return (varied + "\n" + TABLE.format(a=f"{a}.00", b=f"{b}.00", c=f"{c}.00", r=r)
            + "\n".join(CELLS) + "\n" + OCR.format(a=f"{a}.00", b=f"{b}.00", c=f"{c}.00", r=r))


def build(size: int, seed: int = 11) -> str:
    rng = random.Random(seed)
    base = PROSE.read_text(encoding="utf-8")
    parts, n = [], 0
    while n < size:
        part = _copy(rng, base)
        parts.append(part)
        n += len(part.encode("utf-8"))
    return "".join(parts)


def _reference(path: Path) -> float:
    start = time.perf_counter()
    report = read_report(path)
    for para in report.paragraphs:
        for _, line in para.lines:
            normalize_line(line)
    return time.perf_counter() - start


def _audit(path: Path) -> tuple[float, float, int]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = audit_file(path)
    render_text(result)
    return time.process_time() - cpu, time.perf_counter() - wall, len(result.extraction.figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0)
    args = parser.parse_args()
    full = int(args.mb * 1_000_000)
    cpus = {}
    with tempfile.TemporaryDirectory() as tmp:
        for frac in (0.25, 0.5, 1.0):
            path = Path(tmp) / f"report_{frac}.txt"
            path.write_text(build(int(full * frac)), encoding="utf-8")
            ref = _reference(path)
            cpu, wall, figs = _audit(path)
            cpus[frac] = cpu
            size = path.stat().st_size / 1e6
            print(f"{size:5.2f} MB: audit {wall:6.2f} s wall ({cpu:6.2f} s CPU), {figs} figures; "
                  f"reference (read + normalise) {ref:5.2f} s; audit / reference = {wall / ref:5.1f}")
    growth = cpus[1.0] / cpus[0.5]
    print(f"growth 1 MB / 0.5 MB = {growth:.2f} (CPU; linear ≈ 2; target ≤ 2.5); "
          f"1 MB in {cpus[1.0]:.2f} s CPU (target < 10 s): "
          f"{'OK' if growth <= 2.5 and cpus[1.0] < 10 else 'NOT MET'}")


if __name__ == "__main__":
    main()
