"""What the scoring modules share: strict models, ``Decimal`` fields, the self-assessment row,
and what a rule type is given (:class:`Entry`) and returns (:class:`Outcome`).

This module imports nothing from the rest of :mod:`evalkit.scoring`, so every other scoring module
can import it without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict

from evalkit.numfmt import to_decimal

ZERO = Decimal(0)
#: Weights of the parts may differ from their parent's weight by this much (framework check).
WEIGHT_TOLERANCE = Decimal("0.001")


class Strict(BaseModel):
    """A frozen pydantic model that rejects unknown keys (every framework model is one)."""
    model_config = ConfigDict(frozen=True, extra="forbid")


def _dec(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    try:
        return to_decimal(value)
    except ValueError as exc:
        raise ValueError(f"expected a number, got {value!r}") from exc


#: A framework number: YAML int/float/str → exact ``Decimal`` (booleans rejected).
Dec = Annotated[Decimal, BeforeValidator(_dec)]


def is_blank(v: Any) -> bool:
    """None, NaN/NA or a string of blanks."""
    if v is None:
        return True
    try:
        if pd.isna(v):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(v, str) and not v.strip()


def text_of(v: Any) -> str:
    """A cell as stripped text (``2.0`` → ``"2"``; blank → ``""``)."""
    if is_blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_number(v: Any) -> Decimal:
    """Parse ``98.95``, ``"98.95%"``, ``"１,234.5"`` into a Decimal (ValueError if not a number).

    >>> parse_number("９８．９５％"), parse_number("1,234.5"), parse_number("3件")
    (Decimal('98.95'), Decimal('1234.5'), Decimal('3'))
    """
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return to_decimal(v)
    s = str(v).strip()
    s = s.translate(str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+"))
    s = s.replace(",", "").replace("，", "").rstrip("%％").rstrip("分件次个").strip()
    return to_decimal(s)


def is_met(actual: Decimal, target: Decimal, direction: str) -> bool:
    """``actual >= target`` (higher is better) or ``actual <= target`` (lower is better)."""
    return actual >= target if direction == "higher" else actual <= target


@dataclass(frozen=True)
class SelfAssessmentRow:
    """One row of ``self_assessment.xlsx`` as text (``row`` is the Excel row number)."""
    ind_id: str
    actual: str
    score: str
    reason: str
    evidence: str
    row: int | None


class EntryError(ValueError):
    """An entry in the self-assessment that a rule cannot use.

    The engine locates it at the indicator's self-assessment row, in the column named by
    ``column`` (a :data:`evalkit.schema.SELF_ASSESSMENT` key: ``actual``, ``score`` or ``reason``).
    """

    def __init__(self, column: str, zh: str, en: str, value: Any = ...):
        super().__init__(f"{zh} / {en}")
        self.column, self.zh, self.en, self.value = column, zh, en, value


@dataclass
class Outcome:
    """What a rule made of one indicator, before the engine's range check and rounding."""
    raw: Decimal                 # the exact (unrounded) score
    actual: Any                  # the actual as displayed (IndicatorScore.actual)
    missed: bool | None = None   # the actual misses a numeric target (for the miss check)
    gap: Decimal | None = None   # {gap} of the reason template
    unmet: str = ""              # {unmet}
    tier: str = ""               # {tier}


@dataclass(frozen=True)
class Entry:
    """What a rule scores: one indicator of the framework and its actual value.

    Attributes:
        indicator: the framework's ``Indicator`` (``id``, ``name``, ``weight``, ``target``,
            ``direction``, ``params`` …).
        value: the actual value: a ``Decimal``/``bool``/``int`` from the metrics dict, or the text
            of the self-assessment row's 自评值.
        row: the indicator's self-assessment row, or ``None`` when the value is a metric.
    """
    indicator: Any
    value: Any
    row: SelfAssessmentRow | None

    @property
    def weight(self) -> Decimal:
        """The indicator's points."""
        return self.indicator.weight

    @property
    def target(self) -> Decimal | None:
        """The numeric target, or ``None`` when the target is text or absent."""
        t = self.indicator.target
        return t if isinstance(t, Decimal) else None

    def number(self, value: Any = ...) -> Decimal:
        """The actual (or ``value``) as a number; an :class:`EntryError` on 自评值 when it is not."""
        v = self.value if value is ... else value
        if isinstance(v, Decimal):
            return v
        if isinstance(v, int) and not isinstance(v, bool):
            return Decimal(v)
        try:
            return parse_number(v)
        except ValueError:
            ind = self.indicator
            raise EntryError("actual", f"指标 {ind.id} 的自评值应为数值",
                             f"indicator {ind.id}: actual must be a number", v) from None

    def entered_score(self) -> Decimal:
        """The analyst's 自评得分 (required); an :class:`EntryError` when blank or not a number."""
        ind, row = self.indicator, self.row
        score = row.score if row is not None else ""
        if not score:
            raise EntryError("score", f"指标 {ind.id}「{ind.name}」须填写自评得分",
                             f"indicator {ind.id} needs a score", score)
        try:
            return parse_number(score)
        except ValueError:
            raise EntryError("score", f"指标 {ind.id} 的自评得分不是数值",
                             f"indicator {ind.id}: score is not a number", score) from None

    @property
    def reason(self) -> str:
        """The analyst's 扣分原因 (``""`` without a row)."""
        return self.row.reason if self.row is not None else ""

    def missed(self, actual: Decimal) -> bool | None:
        """Whether ``actual`` misses the numeric target (``None`` without one)."""
        target = self.target
        if target is None:
            return None
        return not is_met(actual, target, self.indicator.direction)
