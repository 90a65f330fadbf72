"""evalkit.checks: the notebooks' sanity checks, on tiny inline metrics dicts."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from evalkit import checks


def _metrics() -> dict:
    return {
        "year": 2023,
        "sources": [{"name": "budget.xlsx", "sha256": "0" * 64, "bytes": 1}],
        "budget": {
            "total_budget_wan": 200.0, "total_actual_wan": 150.03, "execution_rate_pct": 75.02,
            "basic_actual_wan": 100.01, "project_actual_wan": 50.01,   # 150.02: 尾数 0.01
            "lines": [{"actual_wan": 100.01}, {"actual_wan": 50.01}],
        },
        "petitions": {
            "total_cases": 10, "online_cases": 7, "online_share_pct": 70.0,
            "repeat_cases": 1, "rated_cases": 4, "closed_cases": 8,
            "satisfied_cases": 3, "satisfaction_rate_pct": 75.0,
            "qiujue_initial_closed": 3, "qiujue_initial_resolved": 2,
            "first_time_resolution_rate_pct": 66.67,
            "by_month": [{"month": 1, "cases": 6}, {"month": 2, "cases": 4}],
        },
        "score": {
            "framework": "tiny", "total": 90.5,
            "module_details": [
                {"name": "A", "weight": 50, "score": 45.25,
                 "submodules": [{"name": "A1", "weight": 20, "score": 20}]},
                {"name": "B", "weight": 50, "score": 45.25, "submodules": []},
            ],
            "indicators": [{"id": "A1.1", "name": "x", "weight": 10, "score": 10}],
        },
    }


def _BLANK_ACTUAL(m: dict) -> None:   # every budget check that uses the actual fails
    m["budget"]["total_actual_wan"] = None


def _failed(result: pd.DataFrame) -> list[str]:
    return list(result.loc[~result["ok"], "check"])


def test_consistent_dict_passes_every_check() -> None:
    result = checks.check_outputs(_metrics(), year=2023)
    assert list(result.columns) == ["section", "check", "ok", "detail"]
    assert result["ok"].dtype == bool
    assert set(result["section"]) == set(checks.SECTIONS)
    assert not _failed(result), result.to_string()
    assert checks.raise_if_failed(result) is result


def test_sections_subset_and_unknown() -> None:
    result = checks.check_outputs(_metrics(), ["budget"])
    assert set(result["section"]) == {"budget"} and len(result) == 3
    with pytest.raises(KeyError):
        checks.check_outputs(_metrics(), ["budgte"])


@pytest.mark.parametrize("change, fragment", [
    (lambda m: m["budget"].update(basic_actual_wan=100.05), "basic + project"),
    (lambda m: m["budget"]["lines"].append({"actual_wan": 0.05}), "lines add up"),
    (lambda m: m["budget"].update(execution_rate_pct=75.0), "rate recomputes"),
    (_BLANK_ACTUAL, "basic + project"),
    (lambda m: m["petitions"].update(online_cases=11, online_share_pct=110.0), "online ≤ total"),
    (lambda m: m["petitions"].update(repeat_cases=12), "repeat ≤ total"),
    (lambda m: m["petitions"].update(rated_cases=9, satisfaction_rate_pct=33.33),
     "rated ≤ closed ≤ total"),
    (lambda m: m["petitions"].update(closed_cases=11), "rated ≤ closed ≤ total"),
    (lambda m: m["petitions"].update(online_share_pct=70.01), "online share"),
    (lambda m: m["petitions"].update(first_time_resolution_rate_pct=66.66),
     "first-time resolution"),
    (lambda m: m["petitions"].update(satisfaction_rate_pct=None), "satisfaction"),
    (lambda m: m["petitions"]["by_month"].append({"month": 3, "cases": 1}), "months add up"),
    (lambda m: m["score"].update(total=90.0), "module scores add up"),
    (lambda m: m["score"]["module_details"][0]["submodules"][0].update(score=20.5),
     "no score above its weight"),
    (lambda m: m["score"]["indicators"][0].update(score=11), "no score above its weight"),
    (lambda m: m.update(score={}), "scored"),
    (lambda m: m.update(year=2022), "for this year"),
    (lambda m: m.update(sources=[]), "input files recorded"),
])
def test_each_inconsistency_is_caught(change, fragment: str) -> None:
    metrics = _metrics()
    change(metrics)
    result = checks.check_outputs(metrics, year=2023)
    failed = _failed(result)
    assert failed and any(fragment in f for f in failed), result.to_string()
    assert len(failed) == 1 or change is _BLANK_ACTUAL, result.to_string()
    with pytest.raises(checks.CheckFailed, match="sanity check failed") as info:
        checks.raise_if_failed(result)
    assert fragment in str(info.value)


def test_undefined_rates_are_none_and_pass() -> None:
    metrics = _metrics()
    metrics["petitions"].update(rated_cases=0, satisfied_cases=0, satisfaction_rate_pct=None)
    assert not _failed(checks.check_outputs(metrics, ["petitions"]))
    metrics["petitions"]["satisfaction_rate_pct"] = 0.0      # a rate stated for 0/0
    assert _failed(checks.check_outputs(metrics, ["petitions"])) == [
        "群众满意率 recomputes / satisfaction"]


def test_missing_sections_fail_instead_of_raising() -> None:
    result = checks.check_outputs({"year": 2023})
    assert not result["ok"].any()
    assert checks.check_outputs({"year": 2023}, ["report"], year=2023)["ok"].tolist() == \
        [True, False]


def test_half_up_not_float_round() -> None:
    metrics = _metrics()
    metrics["budget"].update(total_budget_wan=8.0, total_actual_wan=0.01,
                             execution_rate_pct=0.13,   # 0.125 → 0.13 (round() gives 0.12)
                             basic_actual_wan=0.01, project_actual_wan=0.0,
                             lines=[{"actual_wan": 0.01}])
    assert not _failed(checks.check_outputs(metrics, ["budget"]))


def test_checks_do_not_modify_the_dict() -> None:
    metrics = _metrics()
    before = copy.deepcopy(metrics)
    checks.check_outputs(metrics, year=2023)
    assert metrics == before
