"""The 同比 table of the working papers: every figure and every indicator score, with flags.

Changes follow the report's conventions (:mod:`evalkit.metrics.yoy`): amounts and counts change
in percent, rates in percentage points, scores in points. A change at least as large as the
thresholds of the metric settings (``yoy_flag_pct``, ``yoy_flag_pp``, ``yoy_flag_score`` in
department.yaml ``settings:``) is flagged; the direction (改善 / 变差) comes from the catalogue's
``better``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping, Sequence

import pandas as pd

from evalkit import catalogue
from evalkit.metrics.settings import MetricSettings
from evalkit.metrics.yoy import lookup, yoy_change
from evalkit.numfmt import describe_change, fmt_fixed, to_decimal

#: Kinds of figure that get a 同比 row.
NUMERIC_KINDS = ("amount", "count", "rate", "score")
YOY_COLUMNS: tuple[str, ...] = tuple(catalogue.fields("workpapers.yoy"))
NO_PREVIOUS = describe_change(None)
WORDS = {"better": "改善", "worse": "变差", "same": "持平"}


def _table_fields() -> set[str]:
    tables = [k for k, m in catalogue.load().items() if m.kind == "table"]
    return {f.key for t in tables for f in catalogue.get(t).fields}


def figure_keys(section: str) -> list[str]:
    """The scalar figures of a metrics.json section (``budget``, ``petitions``), catalogue order.

    >>> figure_keys("budget")[:3]
    ['budget.initial_budget_wan', 'budget.adjustment_wan', 'budget.total_budget_wan']
    """
    fields = _table_fields()
    return [k for k, m in catalogue.load().items()
            if k.startswith(section + ".") and m.kind in NUMERIC_KINDS and k not in fields]


def threshold(kind: str, settings: MetricSettings) -> Decimal:
    """The flag threshold of a change kind: ``pct``, ``pp`` or ``score``."""
    return {"pct": settings.yoy_flag_pct, "pp": settings.yoy_flag_pp,
            "score": settings.yoy_flag_score}[kind]


def judgement(change: Decimal | None, better: str | None) -> str:
    """改善 / 变差 / 持平 for a change of a figure whose ``better`` direction is known, else "".

    >>> judgement(Decimal("-1"), "lower"), judgement(Decimal("0"), "higher"), judgement(None, "higher")
    ('改善', '持平', '')
    """
    if change is None or better is None:
        return ""
    if change == 0:
        return WORDS["same"]
    up = change > 0
    return WORDS["better"] if up == (better == "higher") else WORDS["worse"]


def describe_points(change: Decimal | None) -> str:
    """A score change in words: ``增加1.50分`` / ``减少0.50分`` / ``持平``.

    >>> describe_points(Decimal("-0.5")), describe_points(Decimal("0"))
    ('减少0.50分', '持平')
    """
    if change is None:
        return NO_PREVIOUS
    if change == 0:
        return WORDS["same"]
    return f"{'增加' if change > 0 else '减少'}{fmt_fixed(abs(change))}分"


def _row(key: str, name: str, unit: str, kind: str, better: str | None, current: Any,
         previous: Any, settings: MetricSettings) -> dict[str, Any]:
    """One 同比 row; ``kind`` is ``pct``, ``pp`` or ``score``."""
    has_both = current is not None and previous is not None
    if kind == "score":
        change = to_decimal(current) - to_decimal(previous) if has_both else None
        text = describe_points(change)
    else:
        change = yoy_change(current, previous, kind)
        text = describe_change(change, kind)
        if has_both and change is None:                     # previous year 0: no percentage
            text = "上年为0" if to_decimal(current) != 0 else WORDS["same"]
    jumped = has_both and change is None and to_decimal(current) != 0
    flagged = jumped or (change is not None and abs(change) >= threshold(kind, settings))
    return {"key": key, "metric": name, "unit": unit, "current": current, "previous": previous,
            "change": None if change is None else float(change), "text": text,
            "judgement": judgement(change, better), "flagged": bool(flagged)}


def yoy_figures(current: Mapping[str, Any], previous: Mapping[str, Any] | None,
                keys: Sequence[str], settings: MetricSettings | None = None) -> pd.DataFrame:
    """同比 of every figure in ``keys`` between two metrics dicts (``previous`` None: 无上年数据).

    >>> t = yoy_figures({"petitions": {"total_cases": 110, "repeat_rate_pct": 9.1}},
    ...                 {"petitions": {"total_cases": 100, "repeat_rate_pct": 12.0}},
    ...                 ["petitions.total_cases", "petitions.repeat_rate_pct"])
    >>> t[["text", "judgement", "flagged"]].values.tolist()
    [['增长10.00%', '', True], ['降低2.90个百分点', '改善', True]]
    """
    settings = settings or MetricSettings()
    rows = []
    for key in keys:
        m = catalogue.get(key)
        kind = "score" if m.kind == "score" else catalogue.yoy_kind(key)
        prev = lookup(previous, key) if previous is not None else None
        rows.append(_row(key, m.name, m.unit, kind, m.better, lookup(current, key), prev,
                         settings))
    return pd.DataFrame(rows, columns=list(YOY_COLUMNS))


def _score_items(score: Mapping[str, Any] | None) -> dict[str, tuple[str, Any]]:
    """``{key: (name, score)}`` for the total, the modules and every indicator of a score."""
    if not score:
        return {}
    items = {"score.total": (catalogue.label("score.total"), score.get("total"))}
    for module in score.get("module_details") or []:
        items[f"module:{module['name']}"] = (module["name"], module.get("score"))
    for ind in score.get("indicators") or []:
        items[str(ind["id"])] = (f"{ind['id']} {ind['name']}", ind.get("score"))
    return items


def yoy_scores(current: Mapping[str, Any], previous: Mapping[str, Any] | None,
               settings: MetricSettings | None = None) -> pd.DataFrame:
    """同比 of the total score, each module score and each indicator score (in points).

    Rows follow this year's framework; an indicator absent last year reads 无上年数据.
    """
    settings = settings or MetricSettings()
    now = _score_items(current.get("score"))
    before = _score_items((previous or {}).get("score")) if previous is not None else {}
    unit = catalogue.unit("score.total")
    rows = [_row(key, name, unit, "score", "higher", value,
                 before.get(key, (None, None))[1], settings)
            for key, (name, value) in now.items()]
    return pd.DataFrame(rows, columns=list(YOY_COLUMNS))
