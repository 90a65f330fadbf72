#!/usr/bin/env python3
"""Set up and run evalkit with nothing but Python ≥ 3.11 (what the Makefile targets call).

    python3 tasks.py setup    # .venv with evalkit (editable) + test tools + a python3 Jupyter kernel
    python3 tasks.py report   # setup, then the whole job on the bundled sample data (2021-2023)
    python3 tasks.py test     # setup, then the fast test tier, then the end-to-end tier
                              # (with arguments: one pytest run with them)
    python3 tasks.py bench    # setup, then the benchmarks in bench/

``setup`` does nothing when ``.venv`` is newer than ``pyproject.toml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
YEARS = os.environ.get("YEARS", "2021-2023")


def run(*cmd: str | Path) -> None:
    """Run a command in the project root; stop with its exit code if it fails."""
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT)
    if code:
        sys.exit(code)


def setup() -> None:
    """Create .venv and install evalkit into it, unless it is already up to date."""
    if STAMP.exists() and STAMP.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime:
        return
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
        "--display-name", "Python 3 (evalkit)")
    STAMP.touch()


def report() -> None:
    """Run notebooks, charts and the report for the sample years."""
    setup()
    run(BIN / "evalkit", "run", "--years", YEARS)


def test(*args: str) -> None:
    """Run the tests: the fast tier, then (only if it passed) the end-to-end tier.

    With arguments, run pytest once with them instead (``python3 tasks.py test tests/test_io_load.py``,
    ``python3 tasks.py test -m "not e2e"``). The tiers are defined in ``tests/conftest.py``.
    """
    setup()
    if args:
        run(PY, "-m", "pytest", *args)
        return
    print("== 快速测试 / fast tier: units and small integrations (pytest -m 'not e2e')", flush=True)
    run(PY, "-m", "pytest", "-m", "not e2e")
    print("== 端到端测试 / end-to-end tier: notebooks, batch, browser (pytest -m e2e)", flush=True)
    run(PY, "-m", "pytest", "-m", "e2e")


def bench() -> None:
    """Run the benchmarks (each prints its ratio against a reference measured in the same run)."""
    setup()
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test,bench]")
    run(PY, "bench/bench_product.py", "--sizes", "100k,1M", "--formats", "csv,xlsx", "--big", "5M")
    run(PY, "bench/bench_load.py")
    run(PY, "bench/bench_metrics.py", "--sizes", "100k,1M")
    run(PY, "bench/bench_report.py")
    run(PY, "bench/bench_audit.py")


TASKS = {"setup": setup, "report": report, "test": test, "bench": bench}

if __name__ == "__main__":
    if sys.version_info < (3, 11):
        sys.exit("evalkit needs Python 3.11 or newer / 需要 Python 3.11 或更高版本")
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(__doc__)
    if sys.argv[1] == "test":
        test(*sys.argv[2:])
    else:
        TASKS[sys.argv[1]]()
