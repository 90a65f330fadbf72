"""Every key of monitor.json is catalogued (evalkit/catalogue/monitor.yaml, prefix ``monitor.``),
and every ``monitor.`` entry is a key of monitor.json."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest

from evalkit import catalogue
from evalkit.monitor import build_monitor

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
#: monitor.json parts whose children are records, not catalogued keys.
OPAQUE = {"settings"}


def monitor_keys(node, path=""):
    """Every key path of a monitoring dict; mappings are structure (their children are keyed),
    list rows are folded into their table's columns."""
    if path in OPAQUE:
        yield path
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from monitor_keys(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        yield path
        for row in node:
            if isinstance(row, dict):
                yield from (f"{path}.{k}" for k in row)
    else:
        yield path


@functools.lru_cache(maxsize=1)
def sample_keys() -> frozenset[str]:
    processed = Path(tempfile.mkdtemp(prefix="evalkit-monitor-catalogue-"))
    keys: set[str] = set()
    for as_of in ("2023-07-31", "2023-12-31"):
        keys |= set(monitor_keys(build_monitor(2023, as_of, RAW, processed)))
    return frozenset(keys)


@pytest.mark.e2e
def test_every_key_of_monitor_json_is_catalogued() -> None:
    known = {k.removeprefix("monitor.") for k in catalogue.keys() if k.startswith("monitor.")}
    assert sorted(sample_keys() - known) == []


def test_every_monitor_entry_is_a_key_of_monitor_json() -> None:
    entries = [k.removeprefix("monitor.") for k in catalogue.keys() if k.startswith("monitor.")]
    assert sorted(set(entries) - sample_keys()) == []


def test_monitor_labels_format_like_the_outputs() -> None:
    assert catalogue.format_value("monitor.budget.gap_pp", -5.625) == "-5.63个百分点"
    assert catalogue.format_value("monitor.petitions.total_cases", 1740) == "1740件"
    assert catalogue.header("monitor.budget.spent_to_date_wan") == "截至日期累计支出（万元）"
