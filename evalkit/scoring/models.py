"""The scored year: one indicator, one module, the whole result (``metrics["score"]``).

Both :mod:`evalkit.scoring.engine` (which builds them) and :mod:`evalkit.scoring.problems` (which
reads them) import these classes from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evalkit.errors import Problem
from evalkit.numfmt import as_json_number, fmt_fixed
from evalkit.scoring.framework import Framework

__all__ = ["IndicatorScore", "PartScore", "ScoreResult"]


@dataclass(frozen=True)
class IndicatorScore:
    """The score of one 三级 indicator."""
    id: str
    name: str
    module: str
    submodule: str
    weight: Decimal
    rule: str
    source: str
    actual: Any            # Decimal, int, bool or text as entered
    target: Any            # Decimal, text or None
    score: Decimal         # rounded half-up, 2 dp
    lost: Decimal
    reason: str
    confirmed: bool
    unit: str = ""
    direction: str = "higher"
    evidence: str = ""

    @property
    def target_text(self) -> str:
        """The target as the 自评表 prints it, e.g. ``≥95%`` or ``≤0次``; ``—`` when none."""
        t = self.target
        if t is None:
            return "—"
        if isinstance(t, Decimal):
            sign = "≥" if self.direction == "higher" else "≤"
            return f"{sign}{fmt_fixed(t) if t != t.to_integral_value() else int(t)}{self.unit}"
        return str(t)

    @property
    def actual_text(self) -> str:
        """The actual value as the 自评表 prints it, e.g. ``98.95%``, ``是``, ``4/4项``."""
        a: Any = self.actual
        if isinstance(a, bool):
            return "是" if a else "否"
        if isinstance(a, Decimal):
            return f"{fmt_fixed(a)}{self.unit}"
        if isinstance(a, int):
            return f"{a}{self.unit}"
        return "" if a is None else str(a)

    def to_json(self) -> dict:
        """JSON-ready dict (numbers rounded half-up, 2 dp)."""
        def num(v):
            if isinstance(v, bool) or v is None or isinstance(v, str):
                return v
            if isinstance(v, int):
                return v
            return as_json_number(v)
        return {"id": self.id, "name": self.name, "module": self.module,
                "submodule": self.submodule, "weight": as_json_number(self.weight),
                "rule": self.rule, "source": self.source, "actual": num(self.actual),
                "target": num(self.target), "unit": self.unit,
                "target_text": self.target_text, "actual_text": self.actual_text,
                "score": as_json_number(self.score), "lost": as_json_number(self.lost),
                "reason": self.reason, "confirmed": self.confirmed}


@dataclass(frozen=True)
class PartScore:
    """A 一级 or 二级 module: weight, score (sum of rounded indicator scores), lost."""
    name: str
    weight: Decimal
    score: Decimal
    lost: Decimal
    confirmed: bool
    submodules: tuple["PartScore", ...] = ()

    def to_json(self) -> dict:
        """JSON-ready dict."""
        d = {"name": self.name, "weight": as_json_number(self.weight),
             "score": as_json_number(self.score), "lost": as_json_number(self.lost)}
        if self.submodules:
            d["submodules"] = [s.to_json() for s in self.submodules]
        return d


@dataclass
class ScoreResult:
    """The scored year. ``to_json()`` is ``metrics["score"]``."""
    framework: Framework
    year: int | None
    department: str | None
    total: Decimal
    max: Decimal
    grade: str
    modules: list[PartScore]
    indicators: list[IndicatorScore]
    problems: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def module(self, name: str) -> PartScore:
        """The 一级 module called ``name``."""
        return next(m for m in self.modules if m.name == name)

    def indicator(self, ind_id: str) -> IndicatorScore:
        """The indicator with id ``ind_id``."""
        return next(i for i in self.indicators if i.id == ind_id)

    def to_json(self) -> dict:
        """The ``score`` shape of ``docs/architecture.md``."""
        return {
            "framework": self.framework.name,
            "total": as_json_number(self.total),
            "max": as_json_number(self.max),
            "grade": self.grade,
            "modules": {m.name: as_json_number(m.score) for m in self.modules},
            "module_details": [m.to_json() for m in self.modules],
            "indicators": [i.to_json() for i in self.indicators],
            "problems": list(self.problems),
            "improvements": list(self.improvements),
        }
