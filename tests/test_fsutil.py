"""Atomic writes: the old file stays when writing fails; new files get normal permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import hashlib
import subprocess
import sys
from concurrent.futures import Future

from evalkit import fsutil
from evalkit.fsutil import atomic_path, atomic_write_text, hash_ahead, sha256_file


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


def test_hashed_ahead_digests_are_the_files_digests(tmp_path: Path):
    files = [tmp_path / f"{n}.csv" for n in range(3)]
    for n, f in enumerate(files):
        f.write_bytes(os.urandom(300_000 * (n + 1)))
    hash_ahead([*files, tmp_path / "missing.csv"])          # a missing file is left alone
    assert [sha256_file(f) for f in files] == [
        hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "missing.csv")


def test_a_file_changed_after_hash_ahead_is_hashed_again(tmp_path: Path):
    f = tmp_path / "petitions.csv"
    f.write_bytes(b"old" * 100_000)
    hash_ahead([f])
    f.write_bytes(b"new" * 100_001)
    assert sha256_file(f) == hashlib.sha256(b"new" * 100_001).hexdigest()


def test_hash_ahead_never_leaves_a_reader_waiting(tmp_path: Path):
    """A file gone when the hashing thread reaches it stops that thread; every digest it
    still owed resolves to None, and the readers hash (or fail) themselves."""
    gone, later = tmp_path / "gone.csv", tmp_path / "later.csv"
    gone.write_bytes(b"a" * 1000)
    later.write_bytes(b"b" * 1000)
    jobs = [(fsutil._stat_key(os.stat(f)), f) for f in (gone, later)]
    for key, _ in jobs:
        fsutil._AHEAD[key] = Future()
    gone.unlink()
    fsutil._hash_jobs(jobs)                     # in line: the thread's body
    assert [fsutil._ahead(key) for key, _ in jobs] == [None, None]
    assert sha256_file(later) == hashlib.sha256(b"b" * 1000).hexdigest()
    with pytest.raises(FileNotFoundError):
        sha256_file(gone)


def test_the_cli_parser_imports_no_data_library():
    """``evalkit metrics`` starts hashing the raw files before pandas and Arrow load (they hold
    the GIL ≈ 0.4 s): building the command line must not import them."""
    code = ("import sys, evalkit.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'matplotlib', 'openpyxl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
