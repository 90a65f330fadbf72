"""Projected score: the framework's own rules (:mod:`evalkit.scoring`) on a projected metrics dict.

The projected metrics dict has the shape of ``metrics.json`` for the keys a framework reads: the
projected year-end execution rate, the checkpoints (actual where passed, projected ahead), the
budget adjustment as it stands, the projected petition rates (to date where the population is too
small) and the 同期 同比 of the 国家信访局登记 count.

Each indicator is scored on its own (a one-indicator copy of the framework), so one indicator that
cannot be scored yet does not stop the others: an indicator read from self_assessment.xlsx uses the
analyst's current entry when the year's file has one; otherwise it cannot be foreseen and is
counted at full marks (``basis: "assumed_full"``), which the page says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

import pandas as pd

from evalkit.errors import InputError
from evalkit.monitor.petitions import projected_rates
from evalkit.numfmt import as_json_number, fmt_fixed
from evalkit.scoring import Framework, score_year


def projected_metrics(year: int, department: Mapping[str, Any], budget: Mapping[str, Any],
                      petitions: Mapping[str, Any], adjustment: Mapping[str, Any]
                      ) -> dict[str, Any]:
    """A metrics dict (``metrics.json`` shape, the keys frameworks read) of the projected year.

    Args:
        year: the year.
        department: department.yaml as a dict.
        budget: the monitor's budget section.
        petitions: the monitor's petitions section.
        adjustment: ``initial_budget_wan`` and ``adjustment_wan`` as they stand.
    """
    pet = {key: value for key, value in petitions.items()
           if not isinstance(value, (dict, list))}
    pet.update(projected_rates(petitions))
    return {
        "year": int(year),
        "department": department.get("department"),
        "budget": {
            "total_budget_wan": budget.get("total_budget_wan"),
            "total_actual_wan": budget.get("projected_spending_wan"),
            "execution_rate_pct": budget.get("projected_execution_rate_pct"),
            "checkpoints": [{k: row[k] for k in ("month", "target_pct", "actual_pct", "met")}
                            for row in budget.get("checkpoints", [])],
            **dict(adjustment),
        },
        "petitions": pet,
    }


def single_indicator(framework: Framework, module: Any, sub: Any, indicator: Any) -> Framework:
    """A copy of ``framework`` holding only ``indicator`` (same module and submodule names)."""
    sub1 = sub.model_copy(update={"indicators": [indicator]})
    mod1 = module.model_copy(update={"children": [sub1]})
    return framework.model_copy(update={"modules": [mod1]})


def _first_message(exc: InputError) -> str:
    errors = exc.errors or exc.problems
    return errors[0].format() if errors else str(exc)


def improvement(framework: Framework, sub: Any, ind: Any) -> str:
    """The framework's 改进措施 text for the indicator (its ``text``, else its submodule's)."""
    key = ind.text or getattr(sub, "text", None)
    entry = framework.texts.get(key) if key else None
    return entry.improvement if entry is not None else ""


def _target_text(ind: Any) -> str:
    """The target as the 自评表 prints it (``≥95%``), for an indicator that was not scored."""
    target = ind.target
    if isinstance(target, Decimal):
        shown = int(target) if target == target.to_integral_value() else fmt_fixed(target)
        return f"{'≥' if ind.direction == 'higher' else '≤'}{shown}{ind.unit}"
    return "—" if target is None else str(target)


def _assumed(module: Any, sub: Any, ind: Any, why: str) -> dict[str, Any]:
    return {"id": ind.id, "name": ind.name, "module": module.name, "submodule": sub.name,
            "weight": as_json_number(ind.weight), "metric": ind.metric, "rule": ind.rule,
            "target": as_json_number(ind.target) if isinstance(ind.target, Decimal)
            else ind.target, "unit": ind.unit, "actual": None, "actual_text": "—",
            "target_text": _target_text(ind), "score": as_json_number(ind.weight), "lost": 0.0,
            "reason": "", "basis": "assumed_full", "note": why, "text": ind.text,
            "direction": ind.direction}


def _scored(module: Any, sub: Any, ind: Any, result: Any) -> dict[str, Any]:
    one = result.indicators[0].to_json()
    return {"id": ind.id, "name": ind.name, "module": module.name, "submodule": sub.name,
            "weight": one["weight"], "metric": ind.metric, "rule": ind.rule,
            "target": one["target"], "unit": one["unit"], "actual": one["actual"],
            "actual_text": one["actual_text"], "target_text": one["target_text"],
            "score": one["score"], "lost": one["lost"], "reason": one["reason"],
            "basis": "projected" if one["source"] == "metric" else "self_assessment",
            "note": "", "text": ind.text, "direction": ind.direction}


def project_score(metrics: dict[str, Any], self_assessment: pd.DataFrame | None,
                  framework: Framework) -> dict[str, Any]:
    """Score every indicator of ``framework`` on the projected ``metrics``.

    Returns:
        ``{framework, projected_total, max, grade, indicators: [...], losing: [...],
        assumed_full: [ids]}``; ``losing`` lists the indicators expected to lose points
        (largest loss first).
    """
    indicators = []
    for module, sub, ind, _path in framework.walk():
        try:
            result = score_year(metrics, self_assessment,
                                single_indicator(framework, module, sub, ind))
        except InputError as exc:
            indicators.append(_assumed(module, sub, ind, _first_message(exc)))
        else:
            indicators.append(_scored(module, sub, ind, result))
        indicators[-1]["improvement"] = improvement(framework, sub, ind)
    total = sum((Decimal(str(i["score"])) for i in indicators), Decimal(0))
    losing = sorted((i for i in indicators if i["lost"] and i["lost"] > 0),
                    key=lambda i: (-i["lost"], i["id"]))
    return {"framework": framework.name, "projected_total": as_json_number(total),
            "max": as_json_number(framework.total), "grade": framework.grade_for(total),
            "indicators": indicators,
            "losing": [{k: i[k] for k in ("id", "name", "weight", "score", "lost", "actual_text",
                                         "target_text", "reason", "basis")} for i in losing],
            "assumed_full": [i["id"] for i in indicators if i["basis"] == "assumed_full"]}
