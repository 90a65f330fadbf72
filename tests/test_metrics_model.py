"""The typed model of metrics.json: every catalogued key is a field, lenient on odd input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from evalkit import catalogue
from evalkit.metrics.model import Metrics

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "metrics_2023_sample.json"


def _field_model(parent: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The record type of a nested section or of a list table's rows."""
    annotation = parent.model_fields[name].annotation
    args = getattr(annotation, "__args__", ())
    for candidate in (annotation, *args):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _resolve(key: str) -> tuple[type[BaseModel], str]:
    node: type[BaseModel] = Metrics
    *parents, last = key.split(".")
    for part in parents:
        assert part in node.model_fields, key
        node = _field_model(node, part)
        assert node is not None, key
    return node, last


def test_every_catalogued_key_is_a_typed_field():
    from test_catalogue import DERIVED_PREFIXES   # monitor.json's and the workpapers' keys

    opaque = ("yoy.", "yoy_text.", "score.modules.", "provenance.", "sources.")
    for key in catalogue.keys():
        if key.startswith(opaque + DERIVED_PREFIXES):
            continue
        node, last = _resolve(key)
        assert last in node.model_fields, f"{key} is catalogued but not in the model"


def test_real_metrics_parse_with_nothing_untyped():
    """(With the catalogue test - every key of the built sample is catalogued - and the test
    above, every key of a real metrics.json is typed.)"""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    m = Metrics.of(data)

    def untyped(record: BaseModel, where: str) -> list[str]:
        found = [f"{where}.{k}" for k in (record.model_extra or {})]
        for name in type(record).model_fields:
            value = getattr(record, name)
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, BaseModel):
                    found += untyped(item, f"{where}.{name}")
        return found

    assert untyped(m, "metrics") == []
    assert m.year == data["year"]
    assert m.budget.total_actual_wan == data["budget"]["total_actual_wan"]
    assert [r.township for r in m.petitions.by_township] == \
        [r["township"] for r in data["petitions"]["by_township"]]
    assert m.petitions.total_cases == data["petitions"]["total_cases"]
    assert isinstance(m.petitions.total_cases, int)          # counts stay ints


def test_lenient_on_partial_and_odd_input():
    m = Metrics.of({"year": "2023", "budget": None, "petitions": [],
                    "peers": {"not": "a list"}, "history": [None, {"year": 2022}],
                    "score": {"modules": {"履职效能": "46.8"}, "module_details": "x"},
                    "yoy": {"budget.total_actual_wan": float("nan")}})
    assert m.year == 2023 and m.budget.lines == () and m.petitions.by_month == ()
    assert m.peers == () and [r.year for r in m.history] == [2022]
    assert m.score.modules == {"履职效能": 46.8} and m.score.module_details == ()
    assert m.yoy == {"budget.total_actual_wan": None}
    row = Metrics.of({"petitions": {"by_month": [{"month": "2023-03", "cases": True,
                                                  "online_cases": "inf"}]}}).petitions.by_month[0]
    assert (row.month, row.cases, row.online_cases) == (3, None, None)
    assert Metrics.of(None) == Metrics() and Metrics.of(m) is m


def test_the_model_is_read_only():
    m = Metrics.of({"year": 2023})
    with pytest.raises(ValidationError, match="frozen"):
        m.year = 2024
