"""同比, peer ranking, compute_metrics assembly and metrics.json (docs/metrics.md §3–4)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import pandas.testing as pdt
import pytest

from evalkit.errors import InputError
from evalkit.metrics import (HEADLINES, MetricSettings, compute_metrics, peer_ranking,
                             write_metrics_json, yoy_table)

D = pd.to_datetime


@dataclass
class FakeYear:
    """Minimal stand-in for evalkit.io.YearData."""

    year: int
    budget: pd.DataFrame
    petitions: pd.DataFrame
    peers: pd.DataFrame | None = None
    department: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)
    self_assessment: pd.DataFrame | None = None


@dataclass
class Source:
    name: str
    sha256: str
    bytes: int


def budget(actual: float) -> pd.DataFrame:
    return pd.DataFrame({"subject_code": ["2010301", "2010308"],
                         "subject_name": ["行政运行", "信访事务"], "project_name": [None, "专项"],
                         "expense_type": ["基本支出", "项目支出"],
                         "initial_budget_wan": [600.0, 183.16], "budget_wan": [600.0, 183.16],
                         "actual_wan": [580.13, actual]})


def register(year: int, national: int, online: int) -> pd.DataFrame:
    """`national` 求决类初件 registered at the national bureau + 4 other cases; `online` 网信."""
    n = national + 4
    return pd.DataFrame({
        "registered_on": D([f"{year}-0{1 + i % 9}-05" for i in range(n)]),
        "accepted_on": D([f"{year}-0{1 + i % 9}-06" for i in range(n)]),
        "closed_on": D([f"{year}-0{1 + i % 9}-25" for i in range(n)]),
        "channel": ["网上信访"] * online + ["来信"] * (n - online),
        "purpose": ["求决类"] * n, "is_repeat": [False] * n,
        "resolved_first_time": pd.array([True] * n, dtype="boolean"),
        "satisfaction": ["满意"] * n, "township": ["荔城街道"] * n,
        "registered_national": pd.array([True] * national + [False] * 4, dtype="boolean"),
    })


PEERS = pd.DataFrame({
    "district": ["增城区", "增城区", "白云区", "白云区", "天河区", "天河区", "海珠区", "海珠区",
                 "黄埔区"],
    "year": [2022, 2023] * 4 + [2023],
    "national_initial_qiujue_count": [81, 46, 10, 5, 8, 6, 5, 6, 3],
})
DEPARTMENT = {"department": "增城区信访局", "district": "增城区", "city": "广州市", "sample": True}
THIS_YEAR = FakeYear(2023, budget(194.77), register(2023, 2, 3), PEERS, DEPARTMENT,
                     [Source("budget.xlsx", "ab" * 32, 1234)])
LAST_YEAR = FakeYear(2022, budget(100.00), register(2022, 4, 6), PEERS, DEPARTMENT)
TWO_YEARS_AGO = FakeYear(2021, budget(50.00), register(2021, 5, 2), None, DEPARTMENT)


def test_yoy_amounts_as_percent_rates_as_points():
    t = yoy_table({"budget": {"total_actual_wan": 774.90, "execution_rate_pct": 98.95}},
                  {"budget": {"total_actual_wan": 680.13, "execution_rate_pct": 97.55}},
                  keys=["budget.total_actual_wan", "budget.execution_rate_pct"])
    expected = pd.DataFrame({"metric": ["budget.total_actual_wan", "budget.execution_rate_pct"],
                             "kind": ["pct", "pp"], "current": [774.90, 98.95],
                             "previous": [680.13, 97.55], "change": [13.93, 1.40],
                             "text": ["增长13.93%", "提高1.40个百分点"]})
    pdt.assert_frame_equal(t, expected)


def test_missing_previous_year_gives_null_yoy():
    m = compute_metrics(THIS_YEAR)
    assert set(m["yoy"]) == set(HEADLINES)
    assert all(v is None for v in m["yoy"].values())
    assert set(m["yoy_text"].values()) == {"无上年数据"}
    # the national previous count then comes from peers.xlsx: (2 - 81) / 81
    assert m["petitions"]["national_initial_qiujue_prev_count"] == 81
    assert m["petitions"]["national_initial_qiujue_yoy_pct"] == -97.53


def test_peer_ranking_ties_share_the_better_rank():
    got = peer_ranking(PEERS, 2023, "增城区")
    expected = pd.DataFrame({
        "district": ["白云区", "增城区", "天河区", "海珠区", "黄埔区"],
        "previous": pd.array([10, 81, 8, 5, pd.NA], dtype="Int64"),
        "current": pd.array([5, 46, 6, 6, 3], dtype="Int64"),
        "change_pct": [-50.0, -43.21, -25.0, 20.0, float("nan")],
        "rank": pd.array([1, 2, 3, 4, pd.NA], dtype="Int64"),
        "is_self": [False, True, False, False, False]})
    pdt.assert_frame_equal(got, expected)


def test_own_registers_override_peers_and_tie():
    got = peer_ranking(PEERS, 2023, "增城区", own_current=2, own_previous=4)
    assert got.loc[got.district == "增城区", ["previous", "current", "change_pct", "rank"]
                   ].iloc[0].tolist() == [4, 2, -50.0, 1]
    assert got.loc[got.district == "白云区", "rank"].iloc[0] == 1      # tie: both rank 1
    assert got.loc[got.district == "天河区", "rank"].iloc[0] == 3      # then 3, not 2


def test_no_peers_file():
    assert peer_ranking(None, 2023, "增城区").empty
    m = compute_metrics(FakeYear(2023, budget(194.77), register(2023, 2, 3), None, DEPARTMENT),
                        previous=LAST_YEAR)
    assert m["peers"] == []
    assert m["petitions"]["national_initial_qiujue_rank"] is None
    assert m["petitions"]["national_initial_qiujue_yoy_pct"] == -50.0


def test_compute_metrics_with_previous_and_history():
    m = compute_metrics(THIS_YEAR, previous=LAST_YEAR, history=[TWO_YEARS_AGO, LAST_YEAR])
    p = m["petitions"]
    assert (p["national_initial_qiujue_count"], p["national_initial_qiujue_prev_count"]) == (2, 4)
    assert p["national_initial_qiujue_yoy_pct"] == -50.0
    assert (p["national_initial_qiujue_rank"], p["peer_district_count"]) == (1, 5)
    assert m["yoy"]["budget.total_actual_wan"] == 13.93       # 774.90 / 680.13 - 1
    assert m["yoy_text"]["budget.total_actual_wan"] == "增长13.93%"
    assert m["yoy"]["petitions.total_cases"] == -25.0         # 6 vs 8
    assert m["yoy"]["petitions.online_share_pct"] == -25.0    # 50.00 vs 75.00
    assert m["yoy_text"]["petitions.online_share_pct"] == "降低25.00个百分点"
    assert [h["year"] for h in m["history"]] == [2021, 2022, 2023]
    assert m["history"][-1]["total_actual_wan"] == 774.9
    assert m["sources"] == [{"name": "budget.xlsx", "sha256": "ab" * 32, "bytes": 1234}]
    assert (m["department"], m["district"], m["city"], m["is_sample"]) == (
        "增城区信访局", "增城区", "广州市", True)


def test_metrics_dict_has_the_documented_shape():
    m = compute_metrics(THIS_YEAR, previous=LAST_YEAR)
    assert list(m) == ["year", "department", "district", "city", "is_sample", "generated_at",
                       "sources", "budget", "petitions", "peers", "yoy", "yoy_text", "history"]
    assert {"initial_budget_wan", "adjustment_wan", "total_budget_wan", "total_actual_wan",
            "execution_rate_pct", "unspent_wan", "basic_budget_wan", "basic_actual_wan",
            "basic_execution_rate_pct", "project_budget_wan", "project_actual_wan",
            "project_execution_rate_pct", "income_total_wan", "income_fiscal_wan",
            "income_other_wan", "carryover_wan", "by_type", "by_fund", "lines", "progress",
            "checkpoints", "months_behind"} == set(m["budget"])
    assert list(m["peers"][0]) == ["district", "previous", "current", "change_pct", "rank",
                                   "is_self"]
    assert list(m["history"][0]) == [
        "year", "total_budget_wan", "total_actual_wan", "execution_rate_pct", "total_cases",
        "online_share_pct", "first_time_resolution_rate_pct", "satisfaction_rate_pct",
        "repeat_rate_pct", "national_initial_qiujue_count"]
    text = json.dumps(m, allow_nan=False)      # raises on NaN
    assert "NaN" not in text


def test_write_metrics_json_atomic_utf8(tmp_path):
    m = compute_metrics(THIS_YEAR)
    path = write_metrics_json(m, tmp_path)
    assert path == tmp_path / "2023" / "metrics.json"
    text = path.read_text(encoding="utf-8")
    assert "增城区信访局" in text and text.startswith('{\n  "year": 2023')
    assert json.loads(text)["budget"]["execution_rate_pct"] == 98.95
    assert [p.name for p in path.parent.iterdir()] == ["metrics.json"]   # no temp file left


def test_department_settings_are_applied_and_checked():
    dept = {**DEPARTMENT, "settings": {"offline_channels": ["来信"]}}
    m = compute_metrics(FakeYear(2023, budget(194.77), register(2023, 2, 3), None, dept))
    assert m["petitions"]["online_share_pct"] == 50.0
    with pytest.raises(InputError) as err:
        compute_metrics(FakeYear(2023, budget(1.0), register(2023, 2, 3), None,
                                 {"settings": {"offline_chanels": ["来信"]}}))
    assert "offline_chanels" in str(err.value) and "department.yaml" in str(err.value)


def test_settings_defaults_and_validation():
    s = MetricSettings()
    assert (s.acceptance_days, s.handling_days, s.max_extension_days) == (15, 60, 30)
    assert s.offline_channels == {"来信", "来访"} and s.statistical_month_end_day is None
    assert {m: float(t) for m, t in s.checkpoints.items()} == {6: 50.0, 9: 75.0}
    with pytest.raises(InputError):
        MetricSettings.from_mapping({"acceptance_days": "fifteen"})
    with pytest.raises(InputError):
        MetricSettings.from_mapping({"statistical_month_end_day": 31})
    with pytest.raises(InputError):
        MetricSettings.from_mapping({"offline_channels": "来信"})
    with pytest.raises(AttributeError):
        s.acceptance_days = 10          # frozen
