"""Score a year: metrics dict + the analyst's self-assessment rows + a framework → ScoreResult.

Rounding order (see ``docs/scoring.md``): each indicator's score is computed exactly in
``Decimal`` by its rule type (:mod:`evalkit.scoring.ruletypes`), checked against ``[0, weight]``,
rounded half-up to 2 decimals; 二级, 一级 and the total are plain sums of the rounded indicator
scores; ``lost = weight − rounded score``. The engine knows no rule type by name: it finds the
actual value, calls ``indicator.params.score(entry)`` and locates whatever goes wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from evalkit.errors import InputError, Problem, problem
from evalkit.numfmt import fmt_fixed, round_half_up, to_decimal
from evalkit.schema import SELF_ASSESSMENT
from evalkit.scoring.base import (ZERO, Entry, EntryError, Outcome, SelfAssessmentRow, is_blank,
                                  parse_number, text_of)
from evalkit.scoring.framework import Framework, Indicator, load_framework
from evalkit.scoring.models import IndicatorScore, PartScore, ScoreResult
from evalkit.scoring.problems import problems_and_improvements
from evalkit.scoring.rules import RuleError

__all__ = ["IndicatorScore", "PartScore", "ScoreResult", "parse_number", "resolve_metric",
           "score_year"]

SA_FILE = f"{SELF_ASSESSMENT.file_stem}.xlsx"
DEFAULT_REASON = "{name}未达目标值，扣{lost}分"
"""The deduction wording of an indicator without a ``reason`` template."""

# ---------------------------------------------------------------- inputs
_MISSING = object()


def resolve_metric(metrics: dict, path: str) -> Any:
    """Follow a dotted path (``budget.execution_rate_pct``; digits index lists) into ``metrics``.

    Returns ``_MISSING`` when a key does not exist.
    """
    node: Any = metrics
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _sa_rows(df: pd.DataFrame | None) -> tuple[dict[str, SelfAssessmentRow], list[Problem]]:
    """The self-assessment rows by indicator id (a repeated id is an error)."""
    if df is None or len(df) == 0:
        return {}, []
    problems: list[Problem] = []
    out: dict[str, SelfAssessmentRow] = {}
    hdr = SELF_ASSESSMENT.column("indicator_id").header
    for pos, rec in enumerate(df.to_dict("records")):
        row = rec.get("source_row")
        row = int(row) if not is_blank(row) else pos + 2
        ind_id = text_of(rec.get("indicator_id"))
        if not ind_id:
            continue
        if ind_id in out:
            problems.append(problem("error", SA_FILE, "指标编码重复", "duplicate indicator_id",
                                    sheet=SELF_ASSESSMENT.sheet, row=row, column=hdr, value=ind_id))
            continue
        out[ind_id] = SelfAssessmentRow(ind_id, *(text_of(rec.get(k)) for k in
                                                  ("actual", "score", "reason", "evidence")), row)
    return out, problems


# ---------------------------------------------------------------- scoring one indicator
class _Located(Exception):
    def __init__(self, prob: Problem):
        super().__init__(prob.format())
        self.problem = prob


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return fmt_fixed(v)
    return "" if v is None else str(v)


def _fmt_target(v: Any) -> str:
    """Targets print without trailing zeros when whole (``100`` not ``100.00``)."""
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return str(int(v))
    return _fmt(v)


def _matches(item: Any, where: dict) -> bool:
    """``where`` filter of a list item: each key equals the value, or is in it when a list."""
    if not isinstance(item, dict):
        return False
    return all((item.get(k) in v) if isinstance(v, list) else item.get(k) == v
               for k, v in where.items())


class _Scorer:
    def __init__(self, fw: Framework, metrics: dict, rows: dict[str, SelfAssessmentRow]):
        self.fw, self.metrics, self.rows = fw, metrics, rows
        self.warnings: list[Problem] = []

    # -- location helpers
    def fw_err(self, path: str, zh: str, en: str, value: Any = ...) -> _Located:
        return _Located(problem("error", self.fw.file, zh, en, column=path, value=value))

    def sa_err(self, row: SelfAssessmentRow | None, col_key: str, zh: str, en: str,
               value: Any = ...) -> _Located:
        return _Located(problem("error", SA_FILE, zh, en, sheet=SELF_ASSESSMENT.sheet,
                                row=row.row if row else None,
                                column=SELF_ASSESSMENT.column(col_key).header, value=value))

    def need_row(self, ind: Indicator) -> SelfAssessmentRow:
        row = self.rows.get(ind.id)
        if row is None:
            raise _Located(problem(
                "error", SA_FILE, f"缺少指标 {ind.id}「{ind.name}」的自评行",
                f"no self-assessment row for indicator {ind.id}", sheet=SELF_ASSESSMENT.sheet,
                column=SELF_ASSESSMENT.column("indicator_id").header))
        return row

    # -- the actual value
    def actual_of(self, ind: Indicator, path: str) -> tuple[Any, SelfAssessmentRow | None]:
        """(value, row): value is Decimal/bool/int from a metric, or the row's text."""
        if not ind.metric:
            row = self.need_row(ind)
            return row.actual, row
        value = resolve_metric(self.metrics, ind.metric)
        if value is _MISSING:
            raise self.fw_err(f"{path}.metric", f"指标数据（metrics）中没有 {ind.metric}",
                              f"unknown metric path '{ind.metric}'", ind.metric)
        if isinstance(value, list) and value:
            if ind.where is None:
                return len(value), None
            return sum(1 for it in value if _matches(it, ind.where)), None
        if isinstance(value, dict):
            raise self.fw_err(f"{path}.metric", f"{ind.metric} 指向一组数据而非单个数值",
                              f"metric '{ind.metric}' is a mapping, not a value")
        if value is not None and not isinstance(value, list):
            return self.metric_number(ind, path, value), None
        # null or an empty list: no data this year; the analyst's row may supply it
        row = self.rows.get(ind.id)
        if row is None or not row.actual:
            raise self.fw_err(f"{path}.metric",
                              f"{ind.metric} 本年无数据（null），且自评表无该指标的自评值",
                              f"metric '{ind.metric}' is null and self_assessment has no "
                              f"actual for {ind.id}")
        return row.actual, row

    def metric_number(self, ind: Indicator, path: str, value: Any) -> Decimal | bool:
        """A scalar metric: a bool as it is, else a Decimal (``absolute``, ``per`` applied)."""
        if isinstance(value, bool):
            return value
        try:
            number = to_decimal(value)
        except ValueError:
            raise self.fw_err(f"{path}.metric", f"{ind.metric} 不是数值",
                              f"metric '{ind.metric}' is not a number", value) from None
        if ind.absolute:
            number = abs(number)
        if ind.per:
            number = self.ratio(ind, path, number)
        return number

    def ratio(self, ind: Indicator, path: str, numerator: Decimal) -> Decimal:
        """``numerator / metric(per) × 100``, half-up 2 dp (the printed percentage)."""
        den = resolve_metric(self.metrics, ind.per)
        if den is _MISSING:
            raise self.fw_err(f"{path}.per", f"指标数据（metrics）中没有 {ind.per}",
                              f"unknown metric path '{ind.per}'", ind.per)
        try:
            den_d = to_decimal(den)
        except (ValueError, TypeError):
            raise self.fw_err(f"{path}.per", f"{ind.per} 不是数值",
                              f"metric '{ind.per}' is not a number", den) from None
        if den_d == 0:
            raise self.fw_err(f"{path}.per", f"{ind.per} 为 0，无法计算比率",
                              f"metric '{ind.per}' is 0", den)
        return round_half_up(numerator * 100 / den_d, 2)

    # -- one indicator
    def score(self, mod, sub, ind: Indicator, path: str) -> IndicatorScore:
        """Score one indicator with its rule type; every problem is raised located."""
        w = ind.weight
        value, row = self.actual_of(ind, path)
        try:
            out = ind.params.score(Entry(ind, value, row))
        except EntryError as exc:
            raise self.sa_err(row, exc.column, exc.zh, exc.en, exc.value) from None
        except RuleError as exc:
            raise self.rule_error(ind, path, value, row, exc) from None
        self.check_range(ind, path, out.raw, row)
        score = round_half_up(out.raw, 2)
        lost = round_half_up(w - score, 2)
        if out.missed and lost == 0 and not ind.allow_full_on_miss:
            raise self.fw_err(path, f"指标 {ind.id}「{ind.name}」未达目标值 {_fmt(ind.target)}"
                              f"（实际 {_fmt(out.actual)}）却得满分；请修改规则参数，或设置 "
                              "allow_full_on_miss: true 明示允许",
                              f"indicator {ind.id} missed its target but scored full marks; fix the "
                              "rule or set allow_full_on_miss: true")
        reason = self.reason_for(ind, row, out, score, lost)
        self.warn_if_entered_score_differs(ind, row, score)
        return IndicatorScore(
            id=ind.id, name=ind.name, module=mod.name, submodule=sub.name, weight=w,
            rule=ind.rule, source=ind.source if row is None or ind.metric is None else "self_assessment",
            actual=out.actual, target=ind.target, score=score, lost=lost, reason=reason,
            confirmed=ind.confirmed, unit=ind.unit, direction=ind.direction,
            evidence=row.evidence if row is not None else "")

    def rule_error(self, ind: Indicator, path: str, value: Any, row: SelfAssessmentRow | None,
                   exc: RuleError) -> _Located:
        """A rule's complaint, located at the self-assessment cell or the framework params."""
        if row is not None:
            col = "score" if ind.analyst_scored else "actual"
            return self.sa_err(row, col, f"指标 {ind.id}「{ind.name}」：{exc}", str(exc),
                               row.score if col == "score" else row.actual)
        return self.fw_err(f"{path}.params", f"指标 {ind.id}：{exc}", str(exc), value)

    def check_range(self, ind: Indicator, path: str, raw: Decimal,
                    row: SelfAssessmentRow | None) -> None:
        """The unrounded score must lie in ``[0, weight]``."""
        w = ind.weight
        if raw < 0 or raw > w:
            if row is not None and ind.analyst_scored:
                raise self.sa_err(row, "score", f"指标 {ind.id} 得分 {raw} 超出 0–{w} 分",
                                  f"score {raw} outside 0..{w}", raw)
            raise self.fw_err(path, f"指标 {ind.id} 得分 {raw} 超出 0–{w} 分",
                              f"score {raw} outside 0..{w}", raw)

    def reason_for(self, ind: Indicator, row: SelfAssessmentRow | None, out: Outcome,
                   score: Decimal, lost: Decimal) -> str:
        """The analyst's reason when given; else, when points are lost, the filled template."""
        if row is not None and row.reason:
            return row.reason
        if lost <= 0:
            return ""
        ctx = {"gap": fmt_fixed(out.gap) if out.gap is not None else "", "unmet": out.unmet,
               "tier": out.tier, "name": ind.name, "actual": _fmt(out.actual),
               "target": _fmt_target(ind.target), "unit": ind.unit,
               "weight": fmt_fixed(ind.weight), "score": fmt_fixed(score), "lost": fmt_fixed(lost)}
        template = ind.reason or DEFAULT_REASON
        return template.format(**ctx)

    def warn_if_entered_score_differs(self, ind: Indicator, row: SelfAssessmentRow | None,
                                      score: Decimal) -> None:
        """A 自评得分 entered for a rule-scored indicator is ignored; warn when it differs."""
        if row is None or not row.score or ind.analyst_scored:
            return
        try:
            entered = parse_number(row.score)
        except ValueError:
            entered = None
        if entered is None or round_half_up(entered, 2) != score:
            self.warnings.append(problem(
                "warning", SA_FILE, f"指标 {ind.id} 按规则计算得分为 {score}，与填写的自评得分不同；"
                "以规则计算为准", f"indicator {ind.id}: rule gives {score}; the entered score is ignored",
                sheet=SELF_ASSESSMENT.sheet, row=row.row,
                column=SELF_ASSESSMENT.column("score").header, value=row.score))


# ---------------------------------------------------------------- the year
def score_year(metrics: dict, self_assessment: pd.DataFrame | None,
               framework: Framework | str, department: dict | None = None) -> ScoreResult:
    """Score one year.

    Args:
        metrics: the metrics dict (``metrics.json`` shape); metric paths are looked up in it.
        self_assessment: tidy self-assessment rows (``indicator_id, indicator_name, actual,
            score, reason, evidence``; optional ``source_row``), or ``None``.
        framework: a loaded :class:`Framework`, or a name/path for :func:`load_framework`.
        department: optional department dict; its ``problems_extra``/``improvements_extra``
            extend the problems and improvements.

    Returns:
        The :class:`ScoreResult`.

    Raises:
        InputError: every located problem (unknown metric path, missing self-assessment row,
            manual score below the weight without a reason, score out of range, …).
    """
    fw = load_framework(framework)
    rows, problems = _sa_rows(self_assessment)
    scorer = _Scorer(fw, metrics, rows)
    indicators: list[IndicatorScore] = []
    for mod, sub, ind, path in fw.walk():
        try:
            indicators.append(scorer.score(mod, sub, ind, path))
        except _Located as exc:
            problems.append(exc.problem)
    known = {ind.id for _, _, ind, _ in fw.walk()}
    for ind_id, row in rows.items():
        if ind_id not in known:
            problems.append(problem(
                "warning", SA_FILE, f"评分框架 {fw.name} 中没有指标 {ind_id}，该行未使用",
                f"indicator {ind_id} is not in the framework; row ignored",
                sheet=SELF_ASSESSMENT.sheet, row=row.row,
                column=SELF_ASSESSMENT.column("indicator_id").header, value=ind_id))
    problems.extend(scorer.warnings)
    if any(p.level == "error" for p in problems):
        raise InputError(problems)

    modules = _parts(fw, indicators)
    total = sum((m.score for m in modules), ZERO)
    result = ScoreResult(framework=fw, year=_int_or_none(metrics.get("year")),
                         department=metrics.get("department"), total=total, max=fw.total,
                         grade=fw.grade_for(total), modules=modules, indicators=indicators,
                         warnings=[p for p in problems if p.level == "warning"])
    result.problems, result.improvements = problems_and_improvements(result, department or {})
    return result


def _parts(fw: Framework, indicators: list[IndicatorScore]) -> list[PartScore]:
    """一级 modules with their 二级 parts: plain sums of the rounded indicator scores."""
    by_id = {i.id: i for i in indicators}
    modules: list[PartScore] = []
    for mod in fw.modules:
        subs = []
        for sub in mod.children:
            s = sum((by_id[ind.id].score for ind in sub.indicators), ZERO)
            subs.append(PartScore(sub.name, sub.weight, s, sub.weight - s, sub.confirmed))
        s = sum((x.score for x in subs), ZERO)
        modules.append(PartScore(mod.name, mod.weight, s, mod.weight - s, mod.confirmed,
                                 tuple(subs)))
    return modules


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None
