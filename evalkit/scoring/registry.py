"""The rule registry: one class per rule type, registered once.

A rule type is a :class:`Rule` subclass: its pydantic fields are the ``params`` of the framework
YAML (validated strictly, with located errors), :meth:`Rule.score` scores one indicator, and
:meth:`Rule.check` adds the cross-key checks of its parameters against the indicator (optional).
``@register`` makes it available to every framework file by its ``rule`` name::

    from evalkit.scoring import Dec, Entry, Outcome, Rule, register_rule, rules

    @register_rule
    class Proportional(Rule):
        \"\"\"``proportional``: ``w × actual / full`` (``full`` = the value that earns the weight).\"\"\"
        rule = "proportional"
        full: Dec

        def score(self, entry: Entry) -> Outcome:
            x = entry.number()
            return Outcome(rules.ratio_capped(entry.weight, x, self.full), x,
                           missed=entry.missed(x))

The built-in types are in :mod:`evalkit.scoring.ruletypes`; ``docs/scoring.md`` explains each.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, TypeVar

from evalkit.scoring.base import Entry, Outcome, Strict

#: ``report(key, zh, en, value)``: record a framework problem at ``<indicator path>.<key>``.
Report = Callable[..., None]


class Rule(Strict):
    """Base class of a rule type: the model of its ``params`` and its scoring function.

    Class attributes:
        rule: the name written in the framework YAML (``rule: per_point``).
        analyst_scored: ``True`` when the score is the analyst's 自评得分 (checked, not computed):
            such an indicator takes its value from the self-assessment only (no ``metric``), a
            deduction it cannot use is located in the 自评得分 column, and its entered score is
            never reported as differing from a computed one.
    """

    rule: ClassVar[str] = ""
    analyst_scored: ClassVar[bool] = False

    def score(self, entry: Entry) -> Outcome:  # pragma: no cover - every rule type overrides it
        """Score one indicator: the exact score and what the reason template may show.

        Raise :class:`~evalkit.scoring.rules.RuleError` for a value the rule cannot score, or
        :class:`~evalkit.scoring.base.EntryError` to point at a self-assessment column. The engine
        then checks ``0 <= raw <= weight``, rounds half-up to 2 dp and fills the reason.
        """
        raise NotImplementedError(self.rule)

    def check(self, indicator: Any, report: Report) -> None:
        """Check the parameters against the indicator (weight, target, metric) when loading.

        ``report("params.bands[1].score", zh, en, value)`` records a located framework error;
        the key is relative to the indicator. The default checks nothing.
        """


RULES: dict[str, type[Rule]] = {}
R = TypeVar("R", bound=type[Rule])


def register(cls: R) -> R:
    """Register a rule type under its ``rule`` name (a class decorator); once per name.

    Raises:
        TypeError: ``cls`` is not a :class:`Rule` subclass or has no ``rule`` name.
        ValueError: another class is already registered under that name.
    """
    if not (isinstance(cls, type) and issubclass(cls, Rule)):
        raise TypeError(f"{cls!r} is not a Rule subclass")
    name = cls.__dict__.get("rule")
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"{cls.__name__}: set the class attribute rule = \"<name>\"")
    if RULES.get(name, cls) is not cls:
        raise ValueError(f"rule type {name!r} is already registered by {RULES[name].__name__}")
    RULES[name] = cls
    return cls


def rule_names() -> tuple[str, ...]:
    """The registered rule names, in registration order."""
    return tuple(RULES)
