"""Shared fixtures: paths of the bundled sample data and scratch copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture
def sample_raw_copy(tmp_path: Path) -> Path:
    """A scratch copy of data/raw (all sample years), safe to alter in a test."""
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst
