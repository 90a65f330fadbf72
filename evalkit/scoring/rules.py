"""Scoring rule types: pure functions, ``Decimal`` in and ``Decimal`` out.

Each function returns the *unrounded* score of one indicator. The engine
(:mod:`evalkit.scoring.engine`) checks that it lies in ``[0, weight]`` and then rounds it half-up
to 2 decimals with :func:`evalkit.numfmt.round_half_up`. No function here rounds with ``round()``.

The rule types follow ``domain-notes.md`` A.3–A.6; formulas and boundary semantics are documented
in ``docs/scoring.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Literal, Sequence

ZERO = Decimal(0)
ONE = Decimal(1)

Direction = Literal["higher", "lower"]
Beyond = Literal["over", "under"]
StepRounding = Literal["ceil", "floor", "exact"]


class RuleError(ValueError):
    """An actual value or parameter that the rule cannot score (the engine locates it)."""


def _clamp(score: Decimal, weight: Decimal) -> Decimal:
    return max(ZERO, min(score, weight))


def ratio_capped(weight: Decimal, actual: Decimal, target: Decimal,
                 direction: Direction = "higher") -> Decimal:
    """``weight × min(actual / target, 1)``; for lower-is-better ``weight × min(target / actual, 1)``.

    A negative result is floored at 0. For lower-is-better an actual of 0 (or below) meets any
    positive target and scores the weight.

    Args:
        weight: points of the indicator.
        actual: the achieved value.
        target: the target value (must not be 0 for higher-is-better).
        direction: ``"higher"`` or ``"lower"`` is better.

    Returns:
        The unrounded score.

    Raises:
        RuleError: a zero target (higher-is-better) or a non-positive target (lower-is-better).

    >>> ratio_capped(Decimal(10), Decimal("76"), Decimal(100))
    Decimal('7.60')
    >>> ratio_capped(Decimal(5), Decimal("98.95"), Decimal(100))
    Decimal('4.9475')
    >>> ratio_capped(Decimal(5), Decimal("120"), Decimal(100))
    Decimal('5')
    >>> ratio_capped(Decimal(4), Decimal("2.5"), Decimal(2), direction="lower")
    Decimal('3.2')
    """
    if direction == "higher":
        if target == 0:
            raise RuleError("ratio_capped: target is 0")
        frac = actual / target
    else:
        if target <= 0:
            raise RuleError("ratio_capped (lower is better): target must be > 0")
        frac = ONE if actual <= 0 else target / actual
    return _clamp(weight * min(frac, ONE), weight)


def gap_beyond(actual: Decimal, threshold: Decimal, beyond: Beyond) -> Decimal:
    """How far ``actual`` lies beyond ``threshold`` on the penalised side (0 when not beyond).

    >>> gap_beyond(Decimal("98.95"), Decimal(100), "under")
    Decimal('1.05')
    >>> gap_beyond(Decimal("101"), Decimal(100), "under")
    Decimal('0')
    """
    gap = threshold - actual if beyond == "under" else actual - threshold
    return max(gap, ZERO)


def per_point(weight: Decimal, actual: Decimal, threshold: Decimal, k: Decimal,
              beyond: Beyond) -> Decimal:
    """Deduct ``k`` per percentage point beyond ``threshold``: ``max(0, weight − k × gap)``.

    ``beyond="under"`` penalises values below the threshold (e.g. 执行率 below 100%);
    ``"over"`` penalises values above it (e.g. 在职人员控制率 over 100%). Exactly at the threshold
    nothing is deducted. Partial points count proportionally.

    >>> per_point(Decimal(5), Decimal("98.95"), Decimal(100), Decimal("0.5"), "under")
    Decimal('4.475')
    >>> per_point(Decimal(5), Decimal(100), Decimal(100), Decimal("0.5"), "under")
    Decimal('5.0')
    >>> per_point(Decimal(5), Decimal(80), Decimal(100), Decimal("0.5"), "under")
    Decimal('0')
    >>> per_point(Decimal(5), Decimal("103"), Decimal(100), Decimal(1), "over")
    Decimal('2')
    """
    return _clamp(weight - k * gap_beyond(actual, threshold, beyond), weight)


def count_steps(gap: Decimal, step: Decimal, rounding: StepRounding) -> Decimal:
    """Number of steps of size ``step`` in ``gap``: ``ceil``, ``floor`` or ``exact`` (fractional).

    >>> [count_steps(Decimal("1.05"), Decimal(1), r) for r in ("ceil", "floor", "exact")]
    [Decimal('2'), Decimal('1'), Decimal('1.05')]
    >>> count_steps(Decimal(10), Decimal(5), "ceil")
    Decimal('2')
    """
    if step <= 0:
        raise RuleError("per_step: step must be > 0")
    raw = gap / step
    if rounding == "exact":
        return raw
    return Decimal(math.ceil(raw) if rounding == "ceil" else math.floor(raw))


def per_step(weight: Decimal, actual: Decimal, threshold: Decimal, k: Decimal, step: Decimal,
             beyond: Beyond, rounding: StepRounding) -> Decimal:
    """Deduct ``k`` per step of ``step`` points beyond ``threshold``, floor 0.

    ``rounding`` decides partial steps: ``ceil`` (不足一档按一档计), ``floor`` (不足一档不扣) or
    ``exact`` (proportional).

    >>> per_step(Decimal(5), Decimal("98.95"), Decimal(100), Decimal("0.5"), Decimal(1), "under", "ceil")
    Decimal('4.0')
    >>> per_step(Decimal(5), Decimal("98.95"), Decimal(100), Decimal("0.5"), Decimal(1), "under", "floor")
    Decimal('4.5')
    >>> per_step(Decimal(5), Decimal(90), Decimal(100), Decimal(2), Decimal(5), "under", "ceil")
    Decimal('1')
    """
    steps = count_steps(gap_beyond(actual, threshold, beyond), step, rounding)
    return _clamp(weight - k * steps, weight)


_BOUND = r"\s*([+-]?(?:inf|\d+(?:\.\d+)?))?\s*"
_RANGE_RE = re.compile(r"^\s*([\[\(])" + _BOUND + "," + _BOUND + r"([\]\)])\s*$")


@dataclass(frozen=True)
class Interval:
    """A numeric interval with explicit inclusivity, parsed from ``"[80,90)"``-style text.

    A missing bound or ``inf`` means unbounded (``"[90,)"`` = 90 and above).
    """

    lo: Decimal | None
    hi: Decimal | None
    lo_closed: bool
    hi_closed: bool

    @classmethod
    def parse(cls, text: str) -> "Interval":
        """Parse ``"[90,100]"``, ``"[80,90)"``, ``"(0,10]"``, ``"(-inf,60)"``, ``"[90,)"``.

        >>> Interval.parse("[80,90)").contains(Decimal(90))
        False
        >>> Interval.parse("[90,100]").contains(Decimal(90))
        True
        """
        m = _RANGE_RE.match(str(text))
        if not m:
            raise ValueError(f"invalid range {text!r}; write e.g. \"[80,90)\" or \"[90,100]\"")
        lb, lo, hi, rb = m.groups()

        def bound(s: str | None) -> Decimal | None:
            if s is None or s.lstrip("+-") == "inf":
                return None
            return Decimal(s)

        lo_d, hi_d = bound(lo), bound(hi)
        if lo_d is not None and hi_d is not None and (lo_d > hi_d or (
                lo_d == hi_d and not (lb == "[" and rb == "]"))):
            raise ValueError(f"empty range {text!r}")
        return cls(lo_d, hi_d, lb == "[", rb == "]")

    def contains(self, x: Decimal) -> bool:
        """Whether ``x`` lies in the interval."""
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
            return False
        if self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)):
            return False
        return True

    def overlaps(self, other: "Interval") -> bool:
        """Whether the two intervals share a point."""
        def before(a: "Interval", b: "Interval") -> bool:  # a entirely below b
            if a.hi is None or b.lo is None:
                return False
            return a.hi < b.lo or (a.hi == b.lo and not (a.hi_closed and b.lo_closed))
        return not (before(self, other) or before(other, self))

    def __str__(self) -> str:
        lo = "-inf" if self.lo is None else f"{self.lo}"
        hi = "inf" if self.hi is None else f"{self.hi}"
        return f"{'[' if self.lo_closed else '('}{lo},{hi}{']' if self.hi_closed else ')'}"


def banded(weight: Decimal, actual: Decimal,
           bands: Sequence[tuple[Interval, Decimal]]) -> Decimal:
    """Look ``actual`` up in ``(interval, score)`` bands; the first band containing it wins.

    Raises:
        RuleError: when no band contains the value.

    >>> bands = [(Interval.parse("[90,100]"), Decimal(5)), (Interval.parse("[80,90)"), Decimal(4)),
    ...          (Interval.parse("[0,80)"), Decimal(0))]
    >>> banded(Decimal(5), Decimal(90), bands), banded(Decimal(5), Decimal("89.99"), bands)
    (Decimal('5'), Decimal('4'))
    """
    for interval, score in bands:
        if interval.contains(actual):
            return _clamp(score, weight)
    raise RuleError(f"value {actual} is in no band ({', '.join(str(b[0]) for b in bands)})")


def checklist(weight: Decimal, items: Sequence[tuple[str, Decimal | None]],
              unmet: Iterable[str], mode: Literal["points", "deduct"],
              k: Decimal | None = None) -> Decimal:
    """Score a checklist from the names of the unmet items.

    ``mode="points"``: the sum of the points of satisfied items. ``mode="deduct"``:
    ``max(0, weight − k × violations)``.

    >>> items = [("有制度", Decimal(1)), ("合法合规", Decimal(1)), ("有效执行", Decimal(1))]
    >>> checklist(Decimal(3), items, ["有效执行"], "points")
    Decimal('2')
    >>> checklist(Decimal(3), items, ["有效执行", "有制度"], "deduct", Decimal("0.5"))
    Decimal('2.0')
    """
    unmet = set(unmet)
    names = {name for name, _ in items}
    unknown = unmet - names
    if unknown:
        raise RuleError(f"unknown checklist item(s): {'、'.join(sorted(unknown))}")
    if mode == "points":
        return _clamp(sum((p or ZERO for n, p in items if n not in unmet), ZERO), weight)
    if k is None:
        raise RuleError("checklist deduct mode needs k")
    return _clamp(weight - k * len(unmet), weight)


def per_event(weight: Decimal, count: Decimal, k: Decimal) -> Decimal:
    """``max(0, weight − k × count)`` for a count of events (late 专项, incidents, …).

    >>> per_event(Decimal(3), Decimal(2), Decimal("0.5"))
    Decimal('2.0')
    >>> per_event(Decimal(3), Decimal(10), Decimal(1))
    Decimal('0')
    """
    if count < 0:
        raise RuleError("per_event: count must be >= 0")
    return _clamp(weight - k * count, weight)


def binary(weight: Decimal, met: bool) -> Decimal:
    """Met → ``weight``, else 0.

    >>> binary(Decimal(2), True), binary(Decimal(2), False)
    (Decimal('2'), Decimal('0'))
    """
    return weight if met else ZERO


def qualitative_tier(weight: Decimal, tier: str, score: Decimal,
                     tiers: dict[str, tuple[Decimal, Decimal]]) -> Decimal:
    """Check the analyst's ``score`` against the fraction range of the chosen ``tier``.

    The range is closed at both ends (``达成`` 80–100 % accepts both 80 % and 100 % of the weight).

    Raises:
        RuleError: unknown tier, or a score outside the tier's range.

    >>> tiers = {"达成": (Decimal("0.8"), Decimal(1)), "部分达成": (Decimal("0.6"), Decimal("0.8")),
    ...          "未达成": (Decimal(0), Decimal("0.6"))}
    >>> qualitative_tier(Decimal(10), "部分达成", Decimal("7.8"), tiers)
    Decimal('7.8')
    >>> qualitative_tier(Decimal(10), "达成", Decimal("7.8"), tiers)
    Traceback (most recent call last):
    ...
    evalkit.scoring.rules.RuleError: score 7.8 is outside tier 达成 [8.0, 10] / 自评得分不在该档次范围内
    """
    if tier not in tiers:
        raise RuleError(f"unknown tier {tier!r}; expected one of {'、'.join(tiers)}")
    lo, hi = tiers[tier]
    lo_pts, hi_pts = weight * lo, weight * hi
    if not lo_pts <= score <= hi_pts:
        raise RuleError(f"score {score} is outside tier {tier} [{lo_pts}, {hi_pts}] / "
                        "自评得分不在该档次范围内")
    return score


def manual(weight: Decimal, score: Decimal, reason: str | None) -> Decimal:
    """A score entered by the analyst; below the weight a reason is required.

    >>> manual(Decimal(4), Decimal("2.5"), "产出指标设置数量过少")
    Decimal('2.5')
    >>> manual(Decimal(4), Decimal("2.5"), "")
    Traceback (most recent call last):
    ...
    evalkit.scoring.rules.RuleError: score below weight needs a reason / 得分低于分值，须填写扣分原因
    """
    if score < weight and not (reason or "").strip():
        raise RuleError("score below weight needs a reason / 得分低于分值，须填写扣分原因")
    return score
