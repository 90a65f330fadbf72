"""The built-in rule types: each is its ``params`` model plus its scoring function, registered once.

The formulas are the pure functions of :mod:`evalkit.scoring.rules` (doctested there); each class
here reads the indicator's actual value, calls its formula and says what the deduction wording
may show (``{gap}``, ``{unmet}``, ``{tier}``). Formulas and boundaries: ``docs/scoring.md`` §2.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from evalkit.scoring import rules
from evalkit.scoring.base import (WEIGHT_TOLERANCE, Dec, Entry, EntryError, Outcome, Strict, is_met,
                                  parse_number, text_of)
from evalkit.scoring.registry import Report, Rule, register
from evalkit.scoring.rules import Interval

#: 自评值 words read as met / not met by ``binary``.
YES_WORDS = frozenset({"是", "达成", "已达成", "完成", "已完成", "满足", "符合", "有", "y", "yes", "true",
                       "1", "√", "✓"})
NO_WORDS = frozenset({"否", "未达成", "未完成", "不满足", "不符合", "无", "n", "no", "false", "0", "×",
                      "✗"})
#: 自评值 of a ``checklist`` meaning "no item is unmet".
ALL_MET_WORDS = frozenset({"", "无", "全部满足", "均满足", "全部符合", "-", "—", "/"})
_SPLIT = re.compile(r"[；;、,，\n]+")


def _numeric_target(indicator: Any) -> Decimal | None:
    t = indicator.target
    return t if isinstance(t, Decimal) else None


@register
class RatioCapped(Rule):
    """``ratio_capped``: ``w × min(actual/target, 1)`` (inverted for lower-is-better); no params."""
    rule = "ratio_capped"

    def check(self, indicator: Any, report: Report) -> None:
        """The target must be a number, non-zero (positive for lower-is-better)."""
        target = _numeric_target(indicator)
        if target is None:
            report("target", "ratio_capped 需要数值型目标值", "ratio_capped needs a numeric target",
                   indicator.target)
        elif target == 0 or (indicator.direction == "lower" and target < 0):
            report("target", "ratio_capped 的目标值不能为 0 或负数",
                   "ratio_capped target must be non-zero (positive for lower-is-better)", target)

    def score(self, entry: Entry) -> Outcome:
        x = entry.number()
        raw = rules.ratio_capped(entry.weight, x, entry.target, entry.indicator.direction)
        return Outcome(raw, x, missed=entry.missed(x))


@register
class PerPoint(Rule):
    """``per_point``: deduct ``k`` per percentage point ``over``/``under`` ``threshold``."""
    rule = "per_point"
    threshold: Dec
    k: Annotated[Dec, Field(gt=0)]
    beyond: Literal["over", "under"]

    def score(self, entry: Entry) -> Outcome:
        x = entry.number()
        return Outcome(rules.per_point(entry.weight, x, self.threshold, self.k, self.beyond), x,
                       missed=entry.missed(x),
                       gap=rules.gap_beyond(x, self.threshold, self.beyond))


@register
class PerStep(Rule):
    """``per_step``: deduct ``k`` per ``step`` points beyond ``threshold``; partial steps by ``rounding``."""
    rule = "per_step"
    threshold: Dec
    k: Annotated[Dec, Field(gt=0)]
    step: Annotated[Dec, Field(gt=0)]
    beyond: Literal["over", "under"]
    rounding: Literal["ceil", "floor", "exact"]

    def score(self, entry: Entry) -> Outcome:
        x = entry.number()
        raw = rules.per_step(entry.weight, x, self.threshold, self.k, self.step, self.beyond,
                             self.rounding)
        return Outcome(raw, x, missed=entry.missed(x),
                       gap=rules.gap_beyond(x, self.threshold, self.beyond))


class Band(Strict):
    """One band: ``range`` like ``"[80,90)"`` and the absolute ``score`` it gives."""
    range: str
    score: Annotated[Dec, Field(ge=0)]

    @field_validator("range")
    @classmethod
    def _check_range(cls, v: str) -> str:
        Interval.parse(v)
        return v

    @property
    def interval(self) -> Interval:
        """The parsed interval."""
        return Interval.parse(self.range)


@register
class Banded(Rule):
    """``banded``: a list of bands; the first band containing the actual value wins."""
    rule = "banded"
    bands: Annotated[list[Band], Field(min_length=1)]

    def check(self, indicator: Any, report: Report) -> None:
        """No band scores above the weight or overlaps an earlier band."""
        seen: list[tuple[int, Interval]] = []
        for b_i, band in enumerate(self.bands):
            if band.score > indicator.weight:
                report(f"params.bands[{b_i}].score", f"档位得分超过分值 {indicator.weight}",
                       f"band score above weight {indicator.weight}", band.score)
            iv = band.interval
            for o_i, other in seen:
                if iv.overlaps(other):
                    report(f"params.bands[{b_i}].range", f"与 bands[{o_i}] 区间重叠",
                           f"overlaps bands[{o_i}]", band.range)
            seen.append((b_i, iv))

    def score(self, entry: Entry) -> Outcome:
        x = entry.number()
        raw = rules.banded(entry.weight, x, [(b.interval, b.score) for b in self.bands])
        return Outcome(raw, x, missed=entry.missed(x))


class ChecklistItem(Strict):
    """A checklist item: its name and (``points`` mode) its points."""
    name: str
    points: Dec | None = None


@register
class Checklist(Rule):
    """``checklist``: ``points`` (sum of satisfied items) or ``deduct`` (weight − k × violations).

    自评值 = the number of satisfied items, or the names of the unmet ones (``无`` = all met).
    """
    rule = "checklist"
    mode: Literal["points", "deduct"]
    items: Annotated[list[ChecklistItem], Field(min_length=1)]
    k: Annotated[Dec, Field(gt=0)] | None = None

    def check(self, indicator: Any, report: Report) -> None:
        """Unique item names; points add up to the weight (points mode) or ``k`` is set (deduct)."""
        names = [it.name for it in self.items]
        if len(set(names)) != len(names):
            report("params.items", "清单项名称重复", "duplicate checklist item names")
        if self.mode == "deduct":
            if self.k is None:
                report("params", "缺少参数 'k'（deduct 模式）", "missing 'k' (deduct mode)")
        elif any(it.points is None for it in self.items):
            report("params.items", "points 模式下每一项都需要 points",
                   "points mode: every item needs 'points'")
        else:
            total = sum((it.points for it in self.items), Decimal(0))
            if abs(total - indicator.weight) > WEIGHT_TOLERANCE:
                report("params.items", f"下级清单项分值合计 {total} 不等于本级分值 {indicator.weight}",
                       f"weights of the 清单项 add up to {total}, not {indicator.weight}")

    def score(self, entry: Entry) -> Outcome:
        value = entry.value
        unmet = self.unmet_items(entry, value)
        raw = rules.checklist(entry.weight, [(it.name, it.points) for it in self.items], unmet,
                              self.mode, self.k)
        named = not isinstance(value, (Decimal, int)) and not text_of(value)[:1].isdigit()
        unmet_text = "、".join(unmet) if named else f"{len(unmet)}项"
        shown = f"{len(self.items) - len(unmet)}/{len(self.items)}项"
        if unmet and named:
            shown += f"（未满足：{unmet_text}）"
        return Outcome(raw, shown, unmet=unmet_text)

    def unmet_items(self, entry: Entry, value: Any) -> list[str]:
        """The names of the unmet items, from a satisfied count or a list of names."""
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return self._unmet_from_count(entry, Decimal(value), value)
        text = text_of(value)
        try:
            count = parse_number(text)
        except ValueError:
            count = None
        if count is not None:
            return self._unmet_from_count(entry, count, text)
        if text in ALL_MET_WORDS:
            return []
        names = [it.name for it in self.items]
        unmet = [s.strip() for s in _SPLIT.split(text) if s.strip()]
        unknown = [u for u in unmet if u not in names]
        if unknown:
            ind = entry.indicator
            raise EntryError("actual", f"指标 {ind.id} 的未满足项 {'、'.join(unknown)} 不在清单中"
                             f"（清单：{'、'.join(names)}）",
                             f"indicator {ind.id}: unknown checklist item(s)", text)
        return list(dict.fromkeys(unmet))

    def _unmet_from_count(self, entry: Entry, n: Decimal, shown: Any) -> list[str]:
        """A count of satisfied items: the last ``len − n`` items are the unmet ones."""
        ind, names = entry.indicator, [it.name for it in self.items]
        if n != n.to_integral_value() or not 0 <= n <= len(names):
            raise EntryError("actual", f"指标 {ind.id} 的满足项数应为 0–{len(names)} 的整数",
                             f"indicator {ind.id}: satisfied count must be 0..{len(names)}", shown)
        n_unmet = len(names) - int(n)
        if self.mode == "points" and n_unmet and len({it.points for it in self.items}) > 1:
            raise EntryError("actual", f"指标 {ind.id} 各项分值不同，请填写未满足项的名称",
                             f"indicator {ind.id}: items differ in points; list the unmet items",
                             shown)
        return names[len(names) - n_unmet:]


@register
class PerEvent(Rule):
    """``per_event``: weight − k × count (a whole number of events)."""
    rule = "per_event"
    k: Annotated[Dec, Field(gt=0)]

    def score(self, entry: Entry) -> Outcome:
        x = entry.number()
        if x != x.to_integral_value() or x < 0:
            ind = entry.indicator
            raise EntryError("actual", f"指标 {ind.id} 的次数应为非负整数",
                             f"indicator {ind.id}: count must be a whole number >= 0", entry.value)
        return Outcome(rules.per_event(entry.weight, x, self.k), int(x), missed=entry.missed(x))


@register
class Binary(Rule):
    """``binary``: met → weight, else 0 (是/否, or a number compared with the target)."""
    rule = "binary"

    def check(self, indicator: Any, report: Report) -> None:
        """On a metric (not a counted list) the target must be a number."""
        if indicator.metric and _numeric_target(indicator) is None and indicator.where is None:
            report("target", "以 metric 计算的 binary 指标需要数值型目标值",
                   "binary on a metric needs a numeric target", indicator.target)

    def score(self, entry: Entry) -> Outcome:
        value = entry.value
        met = self.met(entry)
        shown = value if isinstance(value, Decimal) else ("是" if met else "否")
        return Outcome(rules.binary(entry.weight, met), shown, missed=not met)

    @staticmethod
    def met(entry: Entry) -> bool:
        """A bool metric as it is; a number against the target; else a yes/no word."""
        value, target = entry.value, entry.target
        if isinstance(value, bool):
            return value
        if isinstance(value, (Decimal, int)) and target is not None:
            return is_met(Decimal(value), target, entry.indicator.direction)
        text = text_of(value).lower()
        if text in YES_WORDS or text in NO_WORDS:
            return text in YES_WORDS
        if target is not None:
            try:
                return is_met(parse_number(text), target, entry.indicator.direction)
            except ValueError:
                pass
        ind = entry.indicator
        raise EntryError("actual", f"指标 {ind.id} 的自评值应为 是/否",
                         f"indicator {ind.id}: actual must be yes/no (是/否)", value)


@register
class QualitativeTier(Rule):
    """``qualitative_tier``: tier name → [lo, hi] fraction of the weight (closed at both ends).

    自评值 = the tier name, 自评得分 = the analyst's score, which must lie in the tier's range.
    """
    rule = "qualitative_tier"
    analyst_scored = True
    tiers: Annotated[dict[str, tuple[Dec, Dec]], Field(min_length=1)]

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, v: dict[str, tuple[Decimal, Decimal]]):
        for name, (lo, hi) in v.items():
            if not (0 <= lo <= hi <= 1):
                raise ValueError(f"tier {name}: need 0 <= lo <= hi <= 1, got [{lo}, {hi}]")
        return v

    def score(self, entry: Entry) -> Outcome:
        ind, tier = entry.indicator, entry.row.actual if entry.row is not None else ""
        if not tier:
            raise EntryError("actual", f"指标 {ind.id} 须在自评值中填写档次（{'/'.join(self.tiers)}）",
                             f"indicator {ind.id} needs a tier")
        raw = rules.qualitative_tier(entry.weight, tier, entry.entered_score(), dict(self.tiers))
        if raw < entry.weight and not entry.reason:
            raise EntryError("reason", f"指标 {ind.id} 得分低于分值，须填写扣分原因",
                             f"indicator {ind.id}: score below weight needs a reason")
        return Outcome(raw, entry.value, tier=tier)


@register
class Manual(Rule):
    """``manual``: the analyst's 自评得分, with a 扣分原因 when below the weight; no params."""
    rule = "manual"
    analyst_scored = True

    def score(self, entry: Entry) -> Outcome:
        return Outcome(rules.manual(entry.weight, entry.entered_score(), entry.reason),
                       entry.row.actual if entry.row is not None else entry.value)
