"""Framework files: the sample loads; each kind of malformed file gives a located error."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pydantic
import pytest
import yaml

from evalkit.config import FRAMEWORKS
from evalkit.errors import InputError
from evalkit.scoring import load_framework
from evalkit.scoring.framework import Framework

SAMPLE = FRAMEWORKS / "guangzhou_district.yaml"


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_framework(path)
    return [p.format() for p in exc.value.problems]


def test_sample_framework_loads_by_name_and_path():
    fw = load_framework("guangzhou_district")
    assert isinstance(fw, Framework)
    assert load_framework(SAMPLE).name == fw.name
    assert [m.name for m in fw.modules] == ["履职效能", "管理效率"]
    assert [m.weight for m in fw.modules] == [Decimal(50), Decimal(50)]
    assert [s.name for s in fw.modules[1].children] == [
        "预算编制", "预算执行", "信息公开", "绩效管理", "采购管理", "资产管理", "运行成本"]
    assert fw.file == "guangzhou_district.yaml"
    # every 三级 weight is marked unconfirmed: no official sheet was found
    assert all(not ind.confirmed for _, _, ind, _ in fw.walk())


def test_models_are_frozen():
    fw = load_framework("guangzhou_district")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        fw.modules[0].weight = Decimal(60)  # type: ignore[misc]


def test_unknown_key(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][1]["children"][3]["indicators"][0]["wieght"] = 3
    msgs = errors_of(write(tmp_path, data))
    assert any("broken.yaml" in m and "modules[1].children[3].indicators[0]" in m
               and "unknown key 'wieght'" in m and "未知的键" in m for m in msgs), msgs


def test_unknown_top_level_key(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["colour"] = "red"
    msgs = errors_of(write(tmp_path, data))
    assert any("(top)" in m and "unknown key 'colour'" in m for m in msgs), msgs


def test_indicator_weights_not_adding_up(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][1]["children"][3]["indicators"][0]["weight"] = 5   # 绩效管理 M4.1: 4 -> 5
    msgs = errors_of(write(tmp_path, data))
    assert any("「modules[1].children[3].weight」" in m and "add up to 13" in m for m in msgs), msgs


def test_module_weights_not_adding_up(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][0]["weight"] = 55
    msgs = errors_of(write(tmp_path, data))
    assert any("「modules[0].weight」" in m and "add up to 50, not 55" in m for m in msgs), msgs
    assert any("「total」" in m for m in msgs), msgs


def test_weight_tolerance(tmp_path, raw):
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][0]["indicators"]
    ind[0]["weight"] = 5.0004
    ind[1]["weight"] = 2.9996
    load_framework(write(tmp_path, data))          # within ±0.001


def test_missing_param(tmp_path, raw):
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][1]["indicators"][2]      # L2.3 per_point
    assert ind["rule"] == "per_point"
    del ind["params"]["k"]
    msgs = errors_of(write(tmp_path, data))
    assert any("「modules[0].children[1].indicators[2].params」" in m and "missing 'k'" in m
               for m in msgs), msgs


def test_invalid_param_value(tmp_path, raw):
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][0]["indicators"][0]      # L1.1 per_step
    ind["params"]["rounding"] = "round"
    ind["params"]["k"] = -1
    msgs = errors_of(write(tmp_path, data))
    assert any("indicators[0].params.rounding" in m for m in msgs), msgs
    assert any("indicators[0].params.k" in m for m in msgs), msgs


def test_bad_band_range_and_overlap(tmp_path, raw):
    data = copy.deepcopy(raw)
    bands = data["modules"][0]["children"][2]["indicators"][1]["params"]["bands"]   # L3.2
    bands[1]["range"] = "[90,95]"          # overlaps [95,100]
    msgs = errors_of(write(tmp_path, data))
    assert any("params.bands[1].range" in m and "overlaps bands[0]" in m for m in msgs), msgs
    bands[1]["range"] = "90-95"
    msgs = errors_of(write(tmp_path, data))
    assert any("params.bands[1].range" in m and "invalid range" in m for m in msgs), msgs


def test_unknown_rule(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][0]["children"][0]["indicators"][1]["rule"] = "ratio"
    msgs = errors_of(write(tmp_path, data))
    assert len(msgs) == 1 and "indicators[1].rule" in msgs[0] and "unknown rule" in msgs[0]


def test_duplicate_id(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][1]["children"][6]["indicators"][1]["id"] = "L1.1"
    msgs = errors_of(write(tmp_path, data))
    assert any("modules[1].children[6].indicators[1].id" in m and "duplicate id" in m
               and "modules[0].children[0].indicators[0]" in m for m in msgs), msgs


def test_unknown_text_key_and_placeholder(tmp_path, raw):
    data = copy.deepcopy(raw)
    ind = data["modules"][0]["children"][0]["indicators"][0]
    ind["text"] = "nope"
    ind["reason"] = "执行率{actul}"
    msgs = errors_of(write(tmp_path, data))
    assert any("indicators[0].text" in m and "nope" in m for m in msgs), msgs
    assert any("indicators[0].reason" in m and "actul" in m for m in msgs), msgs


def test_checklist_points_must_add_up(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][1]["children"][2]["indicators"][0]["params"]["items"][2]["points"] = 2
    msgs = errors_of(write(tmp_path, data))
    assert any("modules[1].children[2].indicators[0].params.items" in m for m in msgs), msgs


def test_manual_with_metric_rejected(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][1]["children"][3]["indicators"][1]["metric"] = "budget.execution_rate_pct"
    msgs = errors_of(write(tmp_path, data))
    assert any("modules[1].children[3].indicators[1].metric" in m for m in msgs), msgs


def test_missing_file_and_bad_yaml(tmp_path):
    assert "not found" in errors_of(tmp_path / "nope.yaml")[0]
    bad = tmp_path / "bad.yaml"
    bad.write_text("modules: [\n", encoding="utf-8")
    assert "invalid YAML" in errors_of(bad)[0]


def test_thresholds_have_no_default_in_code(tmp_path, raw):
    """Grade bands and qualitative tiers are written in the file: none is assumed in code."""
    data = copy.deepcopy(raw)
    del data["grades"]
    del data["modules"][1]["children"][3]["indicators"][0]["params"]       # M4.1 qualitative_tier
    msgs = errors_of(write(tmp_path, data))
    assert any("「(top)」" in m and "missing 'grades'" in m for m in msgs), msgs
    assert any("「modules[1].children[3].indicators[0].params」" in m and "missing 'tiers'" in m
               for m in msgs), msgs


def test_tier_bounds_checked(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][0]["children"][0]["indicators"][3]["params"]["tiers"]["达成"] = [0.8, 1.2]
    msgs = errors_of(write(tmp_path, data))
    assert any("indicators[3].params.tiers" in m and "tier 达成" in m for m in msgs), msgs


def test_ratio_capped_needs_a_numeric_target(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["modules"][0]["children"][0]["indicators"][1]["target"] = "较上年提高"      # L1.2
    msgs = errors_of(write(tmp_path, data))
    assert msgs == [m for m in msgs if "「modules[0].children[0].indicators[1].target」" in m
                    and "ratio_capped needs a numeric target" in m] and len(msgs) == 1


def test_what_the_analyst_fills_in_matches_the_sample_rows():
    """``self_assessed()`` lists the rows of self_assessment.xlsx; the sample has exactly those."""
    fw = load_framework("guangzhou_district")
    sample = yaml.safe_load((FRAMEWORKS.parents[1] / "scripts" / "sample_self_assessment.yaml")
                            .read_text(encoding="utf-8"))
    assert [i.id for i in fw.self_assessed()] == [r["indicator_id"] for r in sample[2023]]
    assert [i.id for i in fw.self_assessed() if i.analyst_scored] == ["L1.4", "M4.1", "M4.2"]
    assert len(fw.indicators()) == 25
    assert fw.module_weights() == {"履职效能": Decimal(50), "管理效率": Decimal(50)}
