"""Atomic writes: the old file stays when writing fails; new files get normal permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evalkit.fsutil import atomic_path, atomic_write_text, sha256_file


def test_failed_write_keeps_previous_file(tmp_path: Path):
    target = tmp_path / "report.html"
    target.write_text("good", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("cell failed")
    assert target.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left


def test_written_file_is_readable_like_a_plain_file(tmp_path: Path):
    path = atomic_write_text(tmp_path / "metrics.json", "{}")
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert oct(os.stat(path).st_mode & 0o777) == oct(os.stat(plain).st_mode & 0o777)


def test_sha256(tmp_path: Path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
