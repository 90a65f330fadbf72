"""Scoring engine: indicator frameworks as YAML, rule types, per-year scores, the 自评表 and problems text.

Public API (``docs/architecture.md``)::

    load_framework(name_or_path) -> Framework
    score_year(metrics, self_assessment, framework, department=None) -> ScoreResult
    ScoreResult.to_json() -> dict                     # metrics["score"]
    write_scorecard(result, path, *, year=None, department=None) -> Path
    problems_and_improvements(result, department) -> (list[str], list[str])
    Framework.module_weights() / .indicators() / .self_assessed()   # for the audit and the template

A rule type is one class (its ``params`` model and its ``score`` method), registered once with
``@register_rule`` (:mod:`evalkit.scoring.registry`; built-ins in :mod:`evalkit.scoring.ruletypes`).

Imports run one way: base → rules → registry → ruletypes → framework → models → problems →
engine → (scorecard) → this package.
"""

from evalkit.scoring import rules
from evalkit.scoring.base import Dec, Entry, EntryError, Outcome
from evalkit.scoring.engine import score_year
from evalkit.scoring.framework import Framework, Indicator, load_framework, parse_framework
from evalkit.scoring.models import IndicatorScore, PartScore, ScoreResult
from evalkit.scoring.problems import problems_and_improvements
from evalkit.scoring.registry import RULES, Rule, register as register_rule, rule_names
from evalkit.scoring.rules import RuleError
from evalkit.scoring.scorecard import write_scorecard

__all__ = ["RULES", "Dec", "Entry", "EntryError", "Framework", "Indicator", "IndicatorScore",
           "Outcome", "PartScore", "Rule", "RuleError", "ScoreResult", "load_framework",
           "parse_framework", "problems_and_improvements", "register_rule", "rule_names", "rules",
           "score_year", "write_scorecard"]
