"""Static checks: no unused or undefined names, no bugbear findings, no function over complexity 10."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is a test dependency (pyproject [test] extra)"
    result = subprocess.run([ruff, "check", "--no-cache", "evalkit", "scripts", "bench", "tests", "tasks.py"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
