"""Rule types on their boundaries: band edges, just over, capped at weight, never negative."""

from __future__ import annotations

import doctest
from decimal import Decimal as D

import pytest

from evalkit.scoring import base, rules
from evalkit.scoring.rules import Interval, RuleError


@pytest.mark.parametrize("module", [rules, base], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


# ratio_capped
@pytest.mark.parametrize("actual,expected", [
    ("76", "7.6"),          # Chongqing: 10 × 76 %
    ("100", "10"),          # exactly at target
    ("100.01", "10"),       # just over: capped at the weight
    ("250", "10"),
    ("0", "0"),
    ("-5", "0"),            # never negative
])
def test_ratio_capped_higher(actual, expected):
    assert rules.ratio_capped(D(10), D(actual), D(100)) == D(expected)


@pytest.mark.parametrize("actual,expected", [("2", "4"), ("1", "4"), ("0", "4"), ("4", "2"),
                                             ("2.01", "3.980099502487562189054726368")])
def test_ratio_capped_lower_is_better(actual, expected):
    assert rules.ratio_capped(D(4), D(actual), D(2), "lower") == D(expected)


def test_ratio_capped_zero_target():
    with pytest.raises(RuleError):
        rules.ratio_capped(D(5), D(1), D(0))


# per_point
@pytest.mark.parametrize("actual,expected", [
    ("100", "5"), ("100.5", "5"), ("99.99", "4.995"), ("98.95", "4.475"), ("90", "0"),
    ("89.99", "0"), ("0", "0"),
])
def test_per_point_under(actual, expected):
    assert rules.per_point(D(5), D(actual), D(100), D("0.5"), "under") == D(expected)


@pytest.mark.parametrize("actual,expected", [("100", "6"), ("99", "6"), ("100.01", "5.99"),
                                             ("103", "3"), ("120", "0")])
def test_per_point_over(actual, expected):
    assert rules.per_point(D(6), D(actual), D(100), D(1), "over") == D(expected)


# per_step
@pytest.mark.parametrize("rounding,actual,expected", [
    ("ceil", "100", "5"), ("ceil", "99.99", "3"), ("ceil", "95", "3"), ("ceil", "94.99", "1"),
    ("floor", "99.99", "5"), ("floor", "95", "3"), ("floor", "94.99", "3"), ("floor", "90", "1"),
    ("exact", "97.5", "4"), ("exact", "95", "3"),
    ("ceil", "70", "0"),  # floor at 0, never negative
])
def test_per_step_rounding_modes(rounding, actual, expected):
    # 预算完成率 style: −2 per 5 % below 100
    got = rules.per_step(D(5), D(actual), D(100), D(2), D(5), "under", rounding)
    assert got == D(expected)


def test_per_step_over_and_bad_step():
    assert rules.per_step(D(5), D(106), D(100), D(2), D(5), "over", "ceil") == D(1)
    with pytest.raises(RuleError):
        rules.count_steps(D(1), D(0), "ceil")


# banded
BANDS = [(Interval.parse("[90,100]"), D(5)), (Interval.parse("[80,90)"), D(4)),
         (Interval.parse("[70,80)"), D(3)), (Interval.parse("[0,70)"), D(0))]


@pytest.mark.parametrize("actual,expected", [
    ("100", "5"), ("90", "5"), ("89.99", "4"), ("80", "4"), ("79.999", "3"), ("70", "3"),
    ("69.99", "0"), ("0", "0"),
])
def test_banded_edges(actual, expected):
    assert rules.banded(D(5), D(actual), BANDS) == D(expected)


def test_banded_open_lower_edge_and_outside():
    bands = [(Interval.parse("[0,0]"), D(3)), (Interval.parse("(0,10]"), D(2)),
             (Interval.parse("(10,inf)"), D(0))]
    assert rules.banded(D(3), D(0), bands) == D(3)
    assert rules.banded(D(3), D("0.01"), bands) == D(2)
    assert rules.banded(D(3), D(10), bands) == D(2)
    assert rules.banded(D(3), D("10.01"), bands) == D(0)
    with pytest.raises(RuleError):
        rules.banded(D(3), D(-1), bands)
    with pytest.raises(RuleError):
        rules.banded(D(5), D("100.01"), BANDS)


def test_banded_score_capped_at_weight():
    assert rules.banded(D(2), D(95), BANDS) == D(2)


@pytest.mark.parametrize("text", ["[80,90", "80,90)", "[90,80]", "(5,5]", "[a,b]"])
def test_interval_parse_rejects(text):
    with pytest.raises(ValueError):
        Interval.parse(text)


def test_interval_overlap():
    assert Interval.parse("[80,90]").overlaps(Interval.parse("[90,100]"))
    assert not Interval.parse("[80,90)").overlaps(Interval.parse("[90,100]"))
    assert Interval.parse("[90,)").overlaps(Interval.parse("[95,100]"))


# checklist
ITEMS = [("预算公开", D(2)), ("决算公开", D(2)), ("绩效公开", D(1))]


def test_checklist_points():
    assert rules.checklist(D(5), ITEMS, [], "points") == D(5)
    assert rules.checklist(D(5), ITEMS, ["绩效公开"], "points") == D(4)
    assert rules.checklist(D(5), ITEMS, ["预算公开", "决算公开", "绩效公开"], "points") == D(0)


def test_checklist_deduct_floor_and_unknown():
    items = [(n, None) for n in "ABCDE"]
    assert rules.checklist(D(3), items, ["A"], "deduct", D(1)) == D(2)
    assert rules.checklist(D(3), items, list("ABCD"), "deduct", D(1)) == D(0)  # never negative
    with pytest.raises(RuleError):
        rules.checklist(D(3), items, ["Z"], "deduct", D(1))


# per_event / binary
@pytest.mark.parametrize("count,expected", [(0, "4"), (1, "2"), (2, "0"), (3, "0")])
def test_per_event(count, expected):
    assert rules.per_event(D(4), D(count), D(2)) == D(expected)


def test_per_event_negative_count():
    with pytest.raises(RuleError):
        rules.per_event(D(4), D(-1), D(2))


def test_binary():
    assert rules.binary(D(3), True) == D(3)
    assert rules.binary(D(3), False) == D(0)


# qualitative_tier
TIERS = {"达成": (D("0.8"), D(1)), "部分达成": (D("0.6"), D("0.8")), "未达成": (D(0), D("0.6"))}


@pytest.mark.parametrize("tier,score", [("达成", "8"), ("达成", "10"), ("部分达成", "8"),
                                        ("部分达成", "6"), ("未达成", "0"), ("未达成", "6")])
def test_qualitative_tier_edges_inclusive(tier, score):
    assert rules.qualitative_tier(D(10), tier, D(score), TIERS) == D(score)


@pytest.mark.parametrize("tier,score", [("达成", "7.99"), ("部分达成", "8.01"),
                                        ("部分达成", "5.99"), ("优秀", "9")])
def test_qualitative_tier_rejects(tier, score):
    with pytest.raises(RuleError):
        rules.qualitative_tier(D(10), tier, D(score), TIERS)


# manual
def test_manual():
    assert rules.manual(D(4), D(4), None) == D(4)
    assert rules.manual(D(4), D("2.5"), "产出指标设置数量过少") == D("2.5")
    with pytest.raises(RuleError, match="reason"):
        rules.manual(D(4), D("3.99"), "  ")
