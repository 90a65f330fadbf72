"""Atomic file writes: a failed run never leaves a half-written file in place of a good one."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Iterable, Iterator

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only if the block succeeds.

    Args:
        target: the final path.
        suffix: suffix of the temporary file (defaults to the target's, so writers that infer the
            format from the name still work).

    Yields:
        The temporary path to write to.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give the output the permissions a plain open() would.
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_text(target: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Write text to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def atomic_write_bytes(target: Path | str, data: bytes) -> Path:
    """Write bytes to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


_DIGESTS: dict[tuple[int, ...], str] = {}
_AHEAD: dict[tuple[int, ...], Future] = {}
"""Digests being computed by :func:`hash_ahead`, by the same key as ``_DIGESTS``."""


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def sha256_file(path: Path | str) -> str:
    """Return the hex SHA-256 of a file, streamed (``hashlib.file_digest``).

    Remembered for the rest of the process while the file's device, inode, size, mtime and ctime
    are unchanged, so a run reads each raw file once to hash it however many callers (cache key,
    provenance, freshness check) ask for its digest; a digest :func:`hash_ahead` is computing
    is waited for.
    """
    with open(path, "rb") as fh:
        key = _stat_key(os.fstat(fh.fileno()))
        digest = _DIGESTS.get(key) or _ahead(key)
        if digest is None:
            digest = _DIGESTS[key] = hashlib.file_digest(fh, "sha256").hexdigest()
    return digest


def known_digests() -> dict[tuple[int, ...], str]:
    """The digests this process has computed, by file identity (device, inode, size, mtime,
    ctime): a child process that read files hands them to its parent (:func:`add_digests`)."""
    return dict(_DIGESTS)


def add_digests(digests: dict[tuple[int, ...], str]) -> None:
    """Remember digests computed by another process of this run (see :func:`known_digests`);
    a file changed since has another identity, and is hashed again when asked for."""
    _DIGESTS.update(digests)


def _ahead(key: tuple[int, ...]) -> str | None:
    """The digest :func:`hash_ahead` computed for ``key`` (None when it was not asked for it,
    or could not read the file: the caller then hashes it, and meets any error itself)."""
    pending = _AHEAD.get(key)
    if pending is None:
        return None
    return pending.result()


def hash_ahead(paths: Iterable[Path | str]) -> threading.Thread | None:
    """Start hashing ``paths`` (largest first) in a background thread, for :func:`sha256_file`.

    A command calls this before it imports the modules it needs (≈ 0.4 s, holding the GIL)
    so the second core hashes the raw files meanwhile (hashlib and file reads release the GIL);
    a file that changes in between is hashed again by its reader. Files that cannot be stat'ed
    are left to their reader. A daemon thread: a run that stops early does not wait for it.
    Returns the thread (None when there is nothing to hash).
    """
    jobs = []
    for path in paths:
        try:
            key = _stat_key(os.stat(path))
        except OSError:
            continue
        if key not in _DIGESTS and key not in _AHEAD:
            _AHEAD[key] = Future()
            jobs.append((key, Path(path)))
    if not jobs:
        return None
    jobs.sort(key=lambda job: -job[0][2])
    thread = threading.Thread(target=_hash_jobs, args=(jobs,), name="evalkit-hash-ahead",
                              daemon=True)
    thread.start()
    return thread


def _hash_jobs(jobs: list[tuple[tuple[int, ...], Path]]) -> None:
    try:
        for key, path in jobs:
            with open(path, "rb") as fh:
                if _stat_key(os.fstat(fh.fileno())) != key:
                    continue                     # changed since: its reader hashes it
                digest = _DIGESTS[key] = hashlib.file_digest(fh, "sha256").hexdigest()
            _AHEAD[key].set_result(digest)
    except Exception:  # noqa: BLE001, S110 - the readers hash the rest, and meet the error
        pass
    finally:
        for key, _ in jobs:                      # never leave a reader waiting
            if not _AHEAD[key].done():
                _AHEAD[key].set_result(None)
