"""Half-up rounding and report wording: the cases where float round() is wrong."""

from __future__ import annotations

import doctest
from decimal import Decimal

import pandas as pd
import pytest

from evalkit import numfmt
from evalkit.numfmt import (as_json_number, change_pct, describe_change, fmt_pct, fmt_wan,
                            ratio_pct, round_half_up, sum_wan, yuan_to_wan)


@pytest.mark.parametrize("value, expected", [
    (0.125, "0.13"),      # round(0.125, 2) == 0.12 (half-to-even)
    (2.675, "2.68"),      # round(2.675, 2) == 2.67 (binary float below .675)
    (98.945, "98.95"),    # exact decimal half goes up
    (-0.125, "-0.13"),    # half-up is away from zero for negatives, as 四舍五入 is
    (1.005, "1.01"),
    ("774.904999", "774.90"),
])
def test_round_half_up_beats_float_round(value, expected):
    assert round_half_up(value) == Decimal(expected)


def test_float_round_really_differs_on_these_cases():
    # Guard: if Python ever changes round(), the cases above stop proving anything.
    assert round(0.125, 2) == 0.12 and round(2.675, 2) == 2.67


def test_reference_report_figures():
    assert ratio_pct(Decimal("774.90"), Decimal("783.16")) == Decimal("98.95")
    assert change_pct(46, 81) == Decimal("-43.21")
    assert sum_wan(pd.Series([580.13, 194.77])) == Decimal("774.90")


def test_sum_wan_is_exact_where_float_sum_is_not():
    values = pd.Series([0.1] * 10 + [0.2] * 10)
    assert float(values.sum()) != 3.0
    assert sum_wan(values) == Decimal("3")


def test_zero_denominators_give_none():
    assert ratio_pct(5, 0) is None
    assert change_pct(5, 0) is None
    assert describe_change(None) == "无上年数据"


def test_wording():
    assert describe_change(Decimal("-43.2098")) == "下降43.21%"
    assert describe_change(12.5) == "增长12.50%"
    assert describe_change(-0.5, kind="pp") == "降低0.50个百分点"
    assert describe_change(3, kind="count") == "增加3件"
    assert describe_change(0.001) == "持平"
    assert fmt_wan(783.16) == "783.16万元" and fmt_pct(None) == "—"
    assert yuan_to_wan("7,831,600.00".replace(",", "")) == Decimal("783.16")


def test_json_numbers_never_nan():
    assert as_json_number(float("nan")) is None
    assert as_json_number(pd.NA) is None
    assert as_json_number(7) == 7 and isinstance(as_json_number(7), int)
    assert as_json_number(0.125) == 0.13


def test_doctests():
    result = doctest.testmod(numfmt)
    assert result.attempted > 10 and result.failed == 0
