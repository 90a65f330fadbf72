"""Scoring engine: indicator frameworks as YAML, rule types, per-year scores, the 自评表 and problems text.

Public API (``docs/architecture.md``)::

    load_framework(name_or_path) -> Framework
    score_year(metrics, self_assessment, framework, department=None) -> ScoreResult
    ScoreResult.to_json() -> dict                     # metrics["score"]
    write_scorecard(result, path, *, year=None, department=None) -> Path
    problems_and_improvements(result, department) -> (list[str], list[str])
"""

from evalkit.scoring.engine import IndicatorScore, PartScore, ScoreResult, score_year
from evalkit.scoring.framework import Framework, load_framework, parse_framework
from evalkit.scoring.problems import problems_and_improvements
from evalkit.scoring.scorecard import write_scorecard

__all__ = ["Framework", "IndicatorScore", "PartScore", "ScoreResult", "load_framework",
           "parse_framework", "problems_and_improvements", "score_year", "write_scorecard"]
