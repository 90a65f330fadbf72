"""The fast paths of a first run give what the plain paths give: the register's names index
built from Arrow, and the previous year loaded in a second thread (issue 15)."""

from __future__ import annotations

import os
import threading
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import evalkit.io
from evalkit import pipeline
from evalkit.io import cache
from evalkit.io.clean import Coded
from evalkit.rawfiles import get_salt, salt_id
from evalkit.io import loaders, tables
from evalkit.io.piiscan import NameIndex, Scanner
from evalkit.io.readers import _codes_with_rows_at
from evalkit.io.tables import Body, _names, _scan_candidates

ODD_NAMES = ["张三", " 张三 ", "李四四四四四四四四", "王五", "ｗａｎｇ", "A", "", "  ", "何强2",
             "欧阳·娜娜", "张三", "李　四", "abc de", "张" * 13, "—", "赵六", "Ｌｉ　Ｍｉｎｇ",
             "张三三三三三三三", "张三三三三三三三三", "一二", "nan"]
"""Blank and dash cells, padded, full-width, too short, too long (before and after
normalisation), digits, middle dot, inner full-width space, 8 and 9 ideographs."""


def test_names_index_from_arrow_equals_the_python_rule():
    arr = pa.array(ODD_NAMES)
    coded = Coded.from_arrow(arr, pd.RangeIndex(len(ODD_NAMES)))
    body = Body(pd.DataFrame(index=pd.RangeIndex(len(ODD_NAMES))), pd.DataFrame(),
                {"petitioner_name": coded})
    fast = _names(body, "salt")
    plain = NameIndex.from_names([c for c, blank in zip(ODD_NAMES, coded.blank[coded.codes])
                                  if not blank], "salt")
    assert fast.hashes == plain.hashes and fast.lengths == plain.lengths
    assert fast.digest("张三三三三三三三") in fast.hashes          # 8 ideographs: a name
    assert fast.digest("张三三三三三三三三") not in fast.hashes     # 9: not
    assert fast.digest("LIMING") in fast.hashes                   # folded, no space, upper
    assert fast.digest("何强2") not in fast.hashes


def _where() -> str:
    """Where this runs: ``main`` (main thread of the test process), ``thread`` (another thread
    of it) or ``child`` (a forked child process)."""
    if os.getpid() != _TEST_PID:
        return "child"
    return "main" if threading.current_thread() is threading.main_thread() else "thread"


_TEST_PID = os.getpid()


def _recorder(monkeypatch, tmp_path, module, name: str, year_of) -> Callable[[], list]:
    """Wrap ``module.name`` so each call appends ``(year, where)`` to a file (a forked child's
    calls included); return the reader of the records."""
    log = tmp_path / f"{name}.calls"
    original = getattr(module, name)

    def recording(*args, **kwargs):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{year_of(*args)} {_where()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return lambda: [(int(y), w) for y, w in (line.split() for line in
                                             log.read_text().splitlines())] \
        if log.exists() else []


def _record_loads(monkeypatch, tmp_path) -> Callable[[], dict[int, str]]:
    """year -> where it was loaded."""
    read = _recorder(monkeypatch, tmp_path, evalkit.io, "load_year", lambda year, *_: year)
    return lambda: dict(read())


def _record_sections(monkeypatch, tmp_path) -> Callable[[], list[tuple[int, str]]]:
    """(year, where) of every ``year_sections`` call."""
    import evalkit.metrics

    return _recorder(monkeypatch, tmp_path, evalkit.metrics, "year_sections",
                     lambda data, *_: data.year)


@pytest.fixture(params=[pytest.param((True, "child"), id="fork"),
                        pytest.param((False, "thread"), id="thread")])
def beside(request, monkeypatch) -> str:
    """Where the previous year loads: a forked child process (Linux, no other thread running)
    or a thread, each in turn (``pipeline.FORK_PREVIOUS``)."""
    fork, where = request.param
    monkeypatch.setattr(pipeline, "FORK_PREVIOUS", fork)
    return where


@pytest.mark.e2e
def test_previous_year_loads_beside_this_year_with_the_same_salt(sample_raw_copy, tmp_path,
                                                                 monkeypatch, beside):
    seen = _record_loads(monkeypatch, tmp_path)
    processed = tmp_path / "p"
    pipeline.build_year(2023, sample_raw_copy, processed, tmp_path / "o", write=False,
                        score=False)
    assert seen() == {2023: "main", 2022: beside, 2021: "main"}
    # one salt for every year, though two loads started on an empty cache folder at once
    salt = salt_id(get_salt(processed))
    for year in (2021, 2022, 2023):
        entry = cache.read_entry(processed / str(year) / "petitions.parquet")
        assert entry is not None and entry.key["salt"] == salt


@pytest.mark.e2e
def test_large_years_load_one_after_the_other_with_the_same_figures(sample_raw_copy, tmp_path,
                                                                    monkeypatch):
    together = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p1", tmp_path / "o1",
                                   write=False)
    seen = _record_loads(monkeypatch, tmp_path)
    monkeypatch.setattr(pipeline, "PREFETCH_MAX_BYTES", 0)
    apart = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p2", tmp_path / "o2",
                                write=False)
    assert seen() == {2023: "main", 2022: "main", 2021: "main"}
    assert _figures(together) == _figures(apart)


def test_scan_candidates_of_a_case_number_column_match_the_distinct_first_order(monkeypatch):
    cells = [f"ZC2023-{i:08d}" for i in range(5000)]
    cells[10] = cells[4000] = "ZC 440183196008017014"          # an ID number typed in, twice
    cells[20] = "13640308568"
    cells[30] = None
    cells[40] = "张三反映"                                        # a name, with names known
    series = pd.Series(pd.array(cells, dtype="string[pyarrow]"))
    scanner = Scanner(NameIndex.from_names(["张三"], "salt"))
    rows_first = _scan_candidates(series, scanner)
    monkeypatch.setattr(tables, "DISTINCT_SAMPLE", 10**9)         # distinct values first
    assert _scan_candidates(series, scanner) == rows_first == [
        "ZC 440183196008017014", "13640308568", "张三反映"]


@pytest.mark.parametrize("n, k", [(0, 0), (5, 0), (0, 2), (10, 3), (7, 1), (1000, 70)])
def test_csv_codes_with_odd_records_put_back_in_place(n, k):
    """Title lines and ragged records (``k`` of them) go back at their record numbers, few
    (copied runs) or many (a row mask)."""
    rng = np.random.default_rng(n + k)
    codes = rng.integers(0, 50, n).astype(np.int16)
    at = np.sort(rng.choice(n + k, k, replace=False)) if k else np.array([], dtype=np.int64)
    full = _codes_with_rows_at(codes, at, 50, np.int16)
    assert len(full) == n + k
    assert full[at].tolist() == list(range(50, 50 + k))
    assert np.delete(full, at).tolist() == codes.tolist()


def _figures(metrics: dict) -> dict:
    """A metrics dict without what differs between two builds of the same inputs (time of the
    build, provenance)."""
    return {k: v for k, v in metrics.items()
            if k not in (pipeline.PROVENANCE_KEY, "generated_at")}


@pytest.fixture
def letters_only(sample_raw_copy):
    """The sample years, 2023's department.yaml counting only 来信 as offline (来访 becomes
    网信)."""
    path = sample_raw_copy / "2023" / "department.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "settings:\n  offline_channels: [来信]\n", encoding="utf-8")
    return sample_raw_copy


def _unscored(year: int, raw, folder) -> dict:
    """``build_year`` of ``year`` into ``folder`` (cache and outputs), nothing written or scored."""
    return pipeline.build_year(year, raw, folder / "p", folder / "o", write=False, score=False)


@pytest.mark.e2e
def test_previous_year_sections_are_computed_beside_this_year_under_its_settings(
        letters_only, tmp_path, monkeypatch, beside):
    default = _unscored(2022, letters_only, tmp_path / "alone")
    calls = _record_sections(monkeypatch, tmp_path)
    metrics = _unscored(2023, letters_only, tmp_path / "both")
    assert [w for y, w in calls() if y == 2022] == [beside]          # beside, and used
    by_year = {h["year"]: h for h in metrics["history"]}
    # 2022 under 2023's settings: 来访 counted online, so its share is above the default one
    assert by_year[2022]["online_share_pct"] > default["petitions"]["online_share_pct"]


@pytest.mark.e2e
def test_previous_year_sections_are_computed_again_when_the_speculation_fails(
        letters_only, tmp_path, monkeypatch, beside):
    ahead = _unscored(2023, letters_only, tmp_path / "ahead")
    read = pipeline.load_department

    def unreadable_beside(*args, **kwargs):
        if _where() != "main":
            raise OSError("department.yaml unreadable at that moment")
        return read(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load_department", unreadable_beside)
    calls = _record_sections(monkeypatch, tmp_path)
    again = _unscored(2023, letters_only, tmp_path / "again")
    assert (2022, "main") in calls()                                 # computed again here
    assert _figures(ahead) == _figures(again)


@pytest.mark.e2e
def test_a_killed_child_leaves_the_previous_year_to_this_process(sample_raw_copy, tmp_path,
                                                                 monkeypatch):
    """The child that loads the previous year dies (as when the system kills it for memory):
    this process loads that year itself, with the same figures."""
    import signal

    beside = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p1", tmp_path / "o1",
                                 write=False)
    monkeypatch.setattr(pipeline, "FORK_PREVIOUS", True)
    partial = tmp_path / "p2" / "2022" / ".petitions.parquet.x1y2z3.parquet"

    def killed(*args):
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(b"half a cache file")         # killed while writing
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(pipeline, "_load_ahead", killed)
    seen = _record_loads(monkeypatch, tmp_path)
    alone = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p2", tmp_path / "o2",
                                write=False)
    assert seen() == {2023: "main", 2022: "main", 2021: "main"}
    assert not partial.exists()                             # its temporary file removed
    assert _figures(beside) == _figures(alone)


@pytest.mark.e2e
def test_input_errors_of_the_previous_year_come_back_from_beside(sample_raw_copy, tmp_path,
                                                                 monkeypatch, beside):
    """A broken previous year, loaded in the child or the thread: this year still builds, its
    同比 marked 无法计算, and the warning names the previous year's file."""
    (sample_raw_copy / "2022" / "budget.xlsx").write_bytes(b"not a workbook")
    metrics = _unscored(2023, sample_raw_copy, tmp_path)
    assert set(metrics["yoy_text"].values()) == {pipeline.NO_YOY}
    (warning,) = metrics["warnings"]
    assert warning["file"] == "2022/budget.xlsx" and "文件损坏或不是 xlsx 格式" in warning["message"]


def test_names_digest_depends_on_the_set_not_its_order():
    index = NameIndex.from_names(["张三", "李四", "王五五", "Li Ming"], "salt")
    reordered = NameIndex(index.salt, frozenset(sorted(index.hashes, reverse=True)),
                          index.lengths)
    one_less = NameIndex(index.salt, frozenset(sorted(index.hashes)[1:]), index.lengths)
    digest = loaders._names_digest(index)
    assert loaders._names_digest(reordered) == digest
    assert loaders._names_digest(one_less) != digest
    # a set read back altered from a cache file (not the index's own hashes) still digests
    odd = NameIndex(index.salt, frozenset({"xyz", *index.hashes}), index.lengths)
    assert loaders._names_digest(odd) not in (digest, None)
    assert loaders._names_digest(NameIndex("salt")) != digest


@pytest.mark.e2e
def test_a_hung_child_is_killed_and_the_previous_year_loaded_here(sample_raw_copy, tmp_path,
                                                                  monkeypatch):
    """A child that never ends (a lock left held by the fork) does not hang the run: past its
    deadline it is killed and this process loads the year itself, with the same figures."""
    import time

    beside = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p1", tmp_path / "o1",
                                 write=False)
    monkeypatch.setattr(pipeline, "FORK_PREVIOUS", True)
    monkeypatch.setattr(pipeline, "CHILD_GRACE_SECONDS", 0.5)
    partial = tmp_path / "p2" / "2022" / ".petitions.parquet.x1y2z3.parquet"

    def hang(*args):
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(b"half a cache file")         # as if killed while writing
        time.sleep(3600)

    monkeypatch.setattr(pipeline, "_load_ahead", hang)
    seen = _record_loads(monkeypatch, tmp_path)
    started = time.monotonic()
    alone = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p2", tmp_path / "o2",
                                write=False)
    assert time.monotonic() - started < 60
    assert not partial.exists()                             # its temporary file removed
    assert seen() == {2023: "main", 2022: "main", 2021: "main"}
    assert _figures(beside) == _figures(alone)
