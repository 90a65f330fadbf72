"""Petition metrics on a 7-row inline register (definitions: docs/metrics.md §2).

Counted cases C1–C5 (C6 is 涉法涉诉, C7 was registered in 2022):

* C1 网上信访 求决类 初件, accepted after 7 days, closed before its deadline, 一次性化解, 满意, 国家局登记
* C2 来信 求决类 初件, accepted on day 15 (timely), **closed on the deadline day** (on time), 基本满意
* C3 电话 求决类 重件, accepted on day 16 (late), **30-day extension** makes it on time, 不满意
* C4 网上信访 咨询类, open with due_on 2023-05-11: overdue at the period end, 未评价
* C5 微信 求决类 初件, registered 2023-12-20: not yet due for acceptance nor completion, 国家局登记
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from evalkit.errors import InputError
from evalkit.metrics import (COUNTS, MetricSettings, case_flags, petition_counts,
                             petition_metrics, petition_rates, period_of)

D = pd.to_datetime
REGISTER = pd.DataFrame({
    "case_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
    "registered_on": D(["2023-01-03", "2023-01-15", "2023-03-01", "2023-03-10", "2023-12-20",
                        "2023-05-01", "2022-12-30"]),
    "accepted_on": D(["2023-01-10", "2023-01-30", "2023-03-17", "2023-03-12", None,
                      "2023-05-02", "2023-01-02"]),
    "closed_on": D(["2023-02-20", "2023-03-31", "2023-06-14", None, None, None, "2023-02-01"]),
    "due_on": D([None, None, None, "2023-05-11", None, None, None]),
    "extension_days": pd.array([0, 0, 30, 0, 0, 0, 0], dtype="Int64"),
    "channel": ["网上信访", "来信", "电话", "网上信访", "微信", "来访", "来访"],
    "purpose": ["求决类", "求决类", "求决类", "咨询类", "求决类", "求决类", "求决类"],
    "is_repeat": [False, False, True, False, False, False, False],
    "resolved_first_time": pd.array([True, False, pd.NA, pd.NA, pd.NA, True, True],
                                    dtype="boolean"),
    "satisfaction": ["满意", "基本满意", "不满意", "未评价", "未评价", "满意", "满意"],
    "township": ["荔城街道", "荔城街道", "增江街道", "增江街道", "荔城街道", "荔城街道", "增江街道"],
    "responsible_unit": ["区住建局", "区住建局", "区人社局", "区人社局", None, "区法院", "区住建局"],
    "registered_national": pd.array([True, False, True, False, True, True, True],
                                    dtype="boolean"),
    "is_litigation": pd.array([False, False, False, False, False, True, False], dtype="boolean"),
})

EXPECTED_COUNTS = {
    "cases": 5, "online_cases": 4, "repeat_cases": 1,
    "qiujue_initial_closed": 2, "qiujue_initial_resolved": 1,
    "satisfied_cases": 2, "rated_cases": 3, "closed_cases": 3,
    "due_for_acceptance": 4, "timely_accepted": 3,
    "due_for_completion": 4, "completed_on_time": 3,
    "national_initial_qiujue_count": 2,
}
EXPECTED_RATES = {
    "online_share_pct": 80.0, "first_time_resolution_rate_pct": 50.0,
    "satisfaction_rate_pct": 66.67, "participation_rate_pct": 100.0,
    "timely_acceptance_rate_pct": 75.0, "on_time_completion_rate_pct": 75.0,
    "repeat_rate_pct": 20.0,
}


def flags_of(case_id: str, frame: pd.DataFrame = REGISTER, **kw) -> dict[str, bool]:
    f = case_flags(frame, 2023, **kw).frame()
    ids = frame.loc[(frame.registered_on.dt.year == 2023) & ~frame.is_litigation.astype(bool),
                    "case_id"].tolist()
    return f.iloc[ids.index(case_id)][list(COUNTS)].to_dict()


def test_year_counts_and_rates():
    m = petition_metrics(REGISTER, 2023)
    counts = {**EXPECTED_COUNTS, "total_cases": EXPECTED_COUNTS["cases"]}
    del counts["cases"]
    assert {k: m[k] for k in counts} == counts
    assert {k: m[k] for k in EXPECTED_RATES} == EXPECTED_RATES


def test_litigation_and_other_year_excluded():
    assert len(case_flags(REGISTER, 2023)) == 5
    assert len(case_flags(REGISTER, 2022)) == 1


def test_closed_on_the_deadline_day_is_on_time():
    f = flags_of("C2")
    assert f["due_for_completion"] and f["completed_on_time"]
    one_day_late = REGISTER.assign(closed_on=REGISTER.closed_on.where(
        REGISTER.case_id != "C2", D("2023-04-01")))
    assert not flags_of("C2", one_day_late)["completed_on_time"]


def test_accepted_on_day_15_is_timely_day_16_is_not():
    assert flags_of("C2")["timely_accepted"]
    assert not flags_of("C3")["timely_accepted"] and flags_of("C3")["due_for_acceptance"]


def test_extension_of_30_days_moves_the_deadline():
    assert flags_of("C3")["completed_on_time"]
    no_extension = REGISTER.assign(extension_days=pd.array([0] * 7, dtype="Int64"))
    assert not flags_of("C3", no_extension)["completed_on_time"]


def test_extension_of_31_days_is_invalid_input():
    bad = REGISTER.assign(extension_days=pd.array([0, 0, 31, 0, 0, 0, 0], dtype="Int64"),
                          source_row=range(2, 9))
    with pytest.raises(InputError) as err:
        petition_metrics(bad, 2023)
    (p,) = err.value.errors
    assert (p.row, p.column, p.value) == (4, "延期天数", 31)


def test_open_overdue_counts_against_on_time_rate():
    f = flags_of("C4")
    assert f["due_for_completion"] and not f["completed_on_time"]


def test_not_yet_due_case_is_left_out_of_both_time_rates():
    f = flags_of("C5")
    assert not f["due_for_acceptance"] and not f["due_for_completion"]


def test_deadline_on_the_period_end_counts_as_due():
    frame = REGISTER.iloc[[3]].assign(due_on=D(["2023-12-31"]), registered_on=D(["2023-12-16"]),
                                      accepted_on=pd.NaT)
    f = case_flags(frame, 2023).frame().iloc[0]
    assert f["due_for_acceptance"] and f["due_for_completion"]


def test_no_rated_cases_gives_null_satisfaction():
    unrated = REGISTER.assign(satisfaction="未评价")
    m = petition_metrics(unrated, 2023)
    assert m["rated_cases"] == 0
    assert m["satisfaction_rate_pct"] is None and m["participation_rate_pct"] == 0.0


def test_empty_month_and_month_counts():
    expected = pd.DataFrame({"month": list(range(1, 13)),
                             "cases": [2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                             "online_cases": [1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1],
                             "repeat_cases": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]})
    got = petition_counts(REGISTER, 2023, by="month")[list(expected.columns)]
    pdt.assert_frame_equal(got, expected)
    assert petition_metrics(REGISTER, 2023)["by_month"][1] == {
        "month": 2, "cases": 0, "online_cases": 0, "repeat_cases": 0}


def test_rates_by_township_frame():
    got = petition_rates(REGISTER, 2023, by="township")[
        ["township", "cases", "online_share_pct", "first_time_resolution_rate_pct",
         "satisfaction_rate_pct", "on_time_completion_rate_pct"]]
    expected = pd.DataFrame({"township": ["增江街道", "荔城街道"], "cases": [2, 3],
                             "online_share_pct": [100.0, 66.67],
                             "first_time_resolution_rate_pct": [np.nan, 50.0],
                             "satisfaction_rate_pct": [0.0, 100.0],
                             "on_time_completion_rate_pct": [50.0, 100.0]})
    pdt.assert_frame_equal(got, expected)


def test_rollup_equals_direct_grouping():
    town_month = petition_counts(REGISTER, 2023, by=["township", "month"])
    rolled = town_month.groupby("township")[list(COUNTS)].sum().reset_index()
    direct = petition_counts(REGISTER, 2023, by="township")
    pdt.assert_frame_equal(rolled, direct)
    total = petition_counts(REGISTER, 2023)
    assert total.iloc[0].to_dict() == EXPECTED_COUNTS


def test_lists_by_channel_purpose_township_unit():
    m = petition_metrics(REGISTER, 2023)
    assert m["by_channel"] == [
        {"channel": "来信", "cases": 1, "share_pct": 20.0},
        {"channel": "网上信访", "cases": 2, "share_pct": 40.0},
        {"channel": "电话", "cases": 1, "share_pct": 20.0},
        {"channel": "微信", "cases": 1, "share_pct": 20.0}]
    assert m["by_purpose"] == [{"purpose": "求决类", "cases": 4, "share_pct": 80.0},
                               {"purpose": "咨询类", "cases": 1, "share_pct": 20.0}]
    assert m["by_township"][0] == {
        "township": "荔城街道", "cases": 3, "online_share_pct": 66.67,
        "first_time_resolution_rate_pct": 50.0, "satisfaction_rate_pct": 100.0,
        "timely_acceptance_rate_pct": 100.0,       # C1, C2 accepted in 15 days; C5 not yet due
        "on_time_completion_rate_pct": 100.0}
    assert m["by_township"][1]["first_time_resolution_rate_pct"] is None
    assert m["by_township"][1]["timely_acceptance_rate_pct"] == 50.0   # C3 on day 16, C4 on day 2
    assert m["by_unit"] == [
        {"responsible_unit": "区人社局", "cases": 2, "on_time_completion_rate_pct": 50.0},
        {"responsible_unit": "区住建局", "cases": 2, "on_time_completion_rate_pct": 100.0},
        {"responsible_unit": "未填写", "cases": 1, "on_time_completion_rate_pct": None}]


def test_configurable_offline_channels_and_qiujue_purposes():
    settings = MetricSettings(offline_channels={"来信", "来访", "电话"},
                              qiujue_purposes={"求决类", "咨询类"})
    m = petition_metrics(REGISTER, 2023, settings)
    assert m["online_share_pct"] == 60.0
    assert m["qiujue_initial_closed"] == 2     # C4 (咨询类) is open


def test_configurable_satisfied_levels():
    """满意率 counting only 满意: C1 of the rated C1 (满意), C2 (基本满意), C3 (不满意)."""
    m = petition_metrics(REGISTER, 2023, MetricSettings.from_mapping({"satisfied_levels": ["满意"]}))
    assert (m["satisfied_cases"], m["rated_cases"], m["satisfaction_rate_pct"]) == (1, 3, 33.33)
    with pytest.raises(InputError, match="satisfied_levels"):
        MetricSettings.from_mapping({"satisfied_levels": ["满意", "未评价"]})


def test_categorical_columns_give_the_same_result():
    cat = REGISTER.astype({c: "category" for c in ("channel", "purpose", "satisfaction",
                                                    "township", "responsible_unit")})
    assert petition_metrics(cat, 2023) == petition_metrics(REGISTER, 2023)


def test_statistical_month_21st_to_20th():
    reg = np.array(["2023-01-20", "2023-01-21", "2022-12-21", "2023-12-21"],
                   dtype="datetime64[D]")
    year, month = period_of(reg, MetricSettings(statistical_month_end_day=20))
    assert year.tolist() == [2023, 2023, 2023, 2024] and month.tolist() == [1, 2, 1, 1]
    shifted = REGISTER.assign(registered_on=D(["2023-01-03", "2023-01-15", "2023-03-01",
                                               "2023-03-10", "2023-12-21", "2023-05-01",
                                               "2022-12-30"]))
    m = petition_metrics(shifted, 2023, MetricSettings(statistical_month_end_day=20))
    assert m["total_cases"] == 5               # C7 (2022-12-30) moves into 2023, C5 out to 2024
    assert m["by_month"][0]["cases"] == 3


def test_empty_register():
    m = petition_metrics(REGISTER.iloc[0:0], 2023)
    assert m["total_cases"] == 0 and m["online_share_pct"] is None
    assert m["by_township"] == [] and len(m["by_month"]) == 12


def test_rates_by_month_with_inferred_year():
    got = petition_rates(REGISTER, by="month")
    assert got.loc[got.month == 3, "repeat_rate_pct"].item() == 50.0
    assert np.isnan(got.loc[got.month == 2, "online_share_pct"].item())   # empty month
