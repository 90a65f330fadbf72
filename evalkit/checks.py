"""Sanity checks on a metrics dict: the figures the report states side by side must agree.

The notebooks show these checks and stop when one fails (:func:`raise_if_failed`), so a
report is never produced from figures that contradict each other. Every check is computed from
the dict alone, in :mod:`evalkit.numfmt` decimals (never float ``round``):

budget
    基本支出 + 项目支出 = 实际支出 (±0.01 per addend: each figure is rounded to the cent);
    明细行实际支出之和 = 实际支出 (±0.01 per line); 执行率 recomputes from its amounts.
petitions
    网信件数 ≤ 总件数; 重件 ≤ 总件数; 已评价 ≤ 已办结 ≤ 总件数; 网信占比率, 一次性化解率 and
    群众满意率 recompute from their counts; 各月件数之和 = 总件数.
score
    the year is scored; 一级指标得分之和 = 总分; no module, submodule or indicator scores above
    its weight.
report
    the dict is for the requested year and records its input files.

>>> result = check_outputs({"budget": {"basic_actual_wan": 1.0, "project_actual_wan": 2.0,
...     "total_actual_wan": 3.0, "total_budget_wan": 4.0, "execution_rate_pct": 75.0}},
...     sections=["budget"])
>>> bool(result["ok"].all())
True
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from evalkit import numfmt

__all__ = ["SECTIONS", "CheckFailed", "check_outputs", "raise_if_failed"]

SECTIONS = ("budget", "petitions", "score", "report")
COLUMNS = ["section", "check", "ok", "detail"]
CENT = Decimal("0.01")


class CheckFailed(ValueError):
    """At least one sanity check failed; the message lists the failed ones."""


def _num(value: Any) -> bool:
    """A finite number (not a bool, not None/NaN/inf)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        return False
    try:
        numfmt.to_decimal(value)
    except (ValueError, ArithmeticError):
        return False
    return True


def _d(value: Any) -> Decimal | None:
    return numfmt.to_decimal(value) if _num(value) else None


def _fmt(value: Any) -> str:
    return "—" if value is None else str(value)


def _rate_check(label: str, num: Any, den: Any, stated: Any) -> tuple[str, bool, str]:
    """``stated`` equals ``num / den × 100`` half-up (both None when the rate is undefined)."""
    if not (_num(num) and _num(den)):
        return label, stated is None, f"stated {_fmt(stated)}, inputs missing"
    expected = numfmt.ratio_pct(num, den)
    if expected is None:
        return label, stated is None, f"denominator 0, stated {_fmt(stated)}"
    ok = _num(stated) and numfmt.round_half_up(stated) == expected
    return label, bool(ok), f"{num}/{den} → {expected}, stated {_fmt(stated)}"


def _le(label: str, *values: Any) -> tuple[str, bool, str]:
    """``values[0] <= values[1] <= …`` (missing counts fail: a count is always present)."""
    ok = all(_num(v) for v in values) and all(a <= b for a, b in zip(values, values[1:]))
    return label, bool(ok), " ≤ ".join(_fmt(v) for v in values)


def _budget(metrics: Mapping[str, Any]) -> list[tuple[str, bool, str]]:
    budget = metrics.get("budget")
    if not isinstance(budget, Mapping):
        return [("有预算数据 / budget section present", False, "no budget section")]
    actual = _d(budget.get("total_actual_wan"))
    rows: list[tuple[str, bool, str]] = []
    parts = [budget.get("basic_actual_wan"), budget.get("project_actual_wan")]
    if actual is None or not all(_num(p) for p in parts):
        rows.append(("基本支出 + 项目支出 = 实际支出 / basic + project = actual (±0.01 per addend)",
                     False, f"basic {_fmt(parts[0])}, project {_fmt(parts[1])}, "
                            f"actual {_fmt(actual)}"))
    else:
        total = numfmt.sum_wan(parts)
        rows.append(("基本支出 + 项目支出 = 实际支出 / basic + project = actual (±0.01 per addend)",
                     abs(total - actual) <= CENT * len(parts), f"{total} vs {actual}"))
    lines = [r for r in budget.get("lines") or [] if isinstance(r, Mapping)]
    if lines:
        total = numfmt.sum_wan([r.get("actual_wan") or 0.0 for r in lines])
        ok = actual is not None and abs(total - actual) <= CENT * len(lines)
        rows.append(("明细行实际支出之和 = 实际支出 / lines add up to actual (±0.01 per line)",
                     bool(ok), f"{len(lines)} lines: {total} vs {_fmt(actual)}"))
    rows.append(_rate_check("执行率 = 实际支出 / 预算 / rate recomputes from the amounts",
                            budget.get("total_actual_wan"), budget.get("total_budget_wan"),
                            budget.get("execution_rate_pct")))
    return rows


def _petitions(metrics: Mapping[str, Any]) -> list[tuple[str, bool, str]]:
    p = metrics.get("petitions")
    if not isinstance(p, Mapping):
        return [("有信访数据 / petitions section present", False, "no petitions section")]
    rows = [
        _le("网信件数 ≤ 总件数 / online ≤ total", p.get("online_cases"), p.get("total_cases")),
        _le("重件 ≤ 总件数 / repeat ≤ total", p.get("repeat_cases"), p.get("total_cases")),
        _le("已评价 ≤ 已办结 ≤ 总件数 / rated ≤ closed ≤ total", p.get("rated_cases"),
            p.get("closed_cases"), p.get("total_cases")),
        _rate_check("网信占比率 recomputes / online share", p.get("online_cases"),
                    p.get("total_cases"), p.get("online_share_pct")),
        _rate_check("一次性化解率 recomputes / first-time resolution",
                    p.get("qiujue_initial_resolved"), p.get("qiujue_initial_closed"),
                    p.get("first_time_resolution_rate_pct")),
        _rate_check("群众满意率 recomputes / satisfaction", p.get("satisfied_cases"),
                    p.get("rated_cases"), p.get("satisfaction_rate_pct")),
    ]
    by_month = [r for r in p.get("by_month") or [] if isinstance(r, Mapping)]
    if by_month:
        total = sum(int(r.get("cases") or 0) for r in by_month)
        rows.append(("各月件数之和 = 总件数 / months add up to the total",
                     total == p.get("total_cases"), f"{total} vs {_fmt(p.get('total_cases'))}"))
    return rows


def _not_above_weight(parts: Iterable[Mapping[str, Any]]) -> tuple[bool, str]:
    over = [str(x.get("name") or x.get("id")) for x in parts
            if _num(x.get("score")) and _num(x.get("weight"))
            and _d(x["score"]) > _d(x["weight"])]
    return not over, ("above weight: " + ", ".join(over)) if over else "all within weight"


def _score(metrics: Mapping[str, Any]) -> list[tuple[str, bool, str]]:
    score = metrics.get("score")
    if not isinstance(score, Mapping) or not score:
        return [("已打分 / scored", False, "no score (department.yaml names no framework?)")]
    modules = [m for m in score.get("module_details") or [] if isinstance(m, Mapping)]
    subs = [s for m in modules for s in m.get("submodules") or [] if isinstance(s, Mapping)]
    indicators = [i for i in score.get("indicators") or [] if isinstance(i, Mapping)]
    rows = [("已打分 / scored", True, f"framework {score.get('framework')}")]
    if _num(score.get("total")) and modules and all(_num(m.get("score")) for m in modules):
        total = sum(numfmt.round_half_up(m["score"]) for m in modules)
        rows.append(("一级指标得分之和 = 总分 / module scores add up to the total",
                     total == numfmt.round_half_up(score["total"]),
                     f"{total} vs {score['total']}"))
    else:
        rows.append(("一级指标得分之和 = 总分 / module scores add up to the total", False,
                     "total or module scores missing"))
    ok, detail = _not_above_weight([*modules, *subs, *indicators])
    rows.append(("得分不超过分值 / no score above its weight", ok, detail))
    return rows


def _report(metrics: Mapping[str, Any], year: int | None) -> list[tuple[str, bool, str]]:
    rows = [("有输入文件记录 / input files recorded", bool(metrics.get("sources")),
             f"{len(metrics.get('sources') or [])} files")]
    if year is not None:
        rows.insert(0, ("年度一致 / metrics are for this year", metrics.get("year") == int(year),
                        f"{_fmt(metrics.get('year'))} vs {year}"))
    return rows


def check_outputs(metrics: Mapping[str, Any], sections: Iterable[str] | None = None, *,
                  year: int | None = None) -> pd.DataFrame:
    """Run the named checks on a metrics dict.

    Args:
        metrics: the metrics dict (``metrics.json`` shape).
        sections: any of :data:`SECTIONS` (default: all).
        year: the year the caller asked for (checked by the ``report`` section).

    Returns:
        One row per check: ``section``, ``check`` (bilingual name), ``ok`` (bool) and ``detail``
        (the figures compared).
    """
    builders: dict[str, Callable[[], list[tuple[str, bool, str]]]] = {
        "budget": lambda: _budget(metrics),
        "petitions": lambda: _petitions(metrics),
        "score": lambda: _score(metrics),
        "report": lambda: _report(metrics, year),
    }
    chosen = list(sections) if sections is not None else list(SECTIONS)
    unknown = [s for s in chosen if s not in builders]
    if unknown:
        raise KeyError(f"unknown check section(s) {unknown}; known: {', '.join(SECTIONS)}")
    rows = [(section, name, bool(ok), detail)
            for section in chosen for name, ok, detail in builders[section]()]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"ok": bool})


def raise_if_failed(checks: pd.DataFrame) -> pd.DataFrame:
    """Return ``checks`` when every check passed; raise :class:`CheckFailed` listing the others."""
    failed = checks[~checks["ok"]]
    if len(failed):
        lines = [f"[{r.section}] {r.check}: {r.detail}" for r in failed.itertuples()]
        raise CheckFailed("自检未通过 / sanity check failed:\n" + "\n".join(lines))
    return checks
