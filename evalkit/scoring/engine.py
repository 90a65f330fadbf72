"""Score a year: metrics dict + the analyst's self-assessment rows + a framework → ScoreResult.

Rounding order (see ``docs/scoring.md``): each indicator's score is computed exactly in
``Decimal``, checked against ``[0, weight]``, rounded half-up to 2 decimals; 二级, 一级 and the
total are plain sums of the rounded indicator scores; ``lost = weight − rounded score``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from evalkit.errors import InputError, Problem, problem
from evalkit.numfmt import as_json_number, fmt_fixed, round_half_up, to_decimal
from evalkit.schema import SELF_ASSESSMENT
from evalkit.scoring import rules
from evalkit.scoring.framework import (BandedParams, ChecklistParams, Framework, Indicator,
                                       PerEventParams, PerPointParams, PerStepParams,
                                       QualitativeTierParams, load_framework)
from evalkit.scoring.rules import RuleError

SA_FILE = f"{SELF_ASSESSMENT.file_stem}.xlsx"
ZERO = Decimal(0)
_TRUE = {"是", "达成", "已达成", "完成", "已完成", "满足", "符合", "有", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "未达成", "未完成", "不满足", "不符合", "无", "n", "no", "false", "0", "×", "✗"}
_NONE_UNMET = {"", "无", "全部满足", "均满足", "全部符合", "-", "—", "/"}
_SPLIT = re.compile(r"[；;、,，\n]+")


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


def _blank(v: Any) -> bool:
    if v is None:
        return True
    try:
        if pd.isna(v):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(v, str) and not v.strip()


def _text(v: Any) -> str:
    if _blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_number(v: Any) -> Decimal:
    """Parse ``98.95``, ``"98.95%"``, ``"１,234.5"`` into a Decimal (ValueError if not a number)."""
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return to_decimal(v)
    s = str(v).strip()
    s = s.translate(str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+"))
    s = s.replace(",", "").replace("，", "").rstrip("%％").rstrip("分件次个").strip()
    return to_decimal(s)


@dataclass(frozen=True)
class _Row:
    ind_id: str
    actual: str
    score: str
    reason: str
    evidence: str
    row: int | None


def _sa_rows(df: pd.DataFrame | None) -> tuple[dict[str, _Row], list[Problem]]:
    if df is None or len(df) == 0:
        return {}, []
    problems: list[Problem] = []
    out: dict[str, _Row] = {}
    hdr = SELF_ASSESSMENT.column("indicator_id").header
    for pos, rec in enumerate(df.to_dict("records")):
        row = rec.get("source_row")
        row = int(row) if not _blank(row) else pos + 2
        ind_id = _text(rec.get("indicator_id"))
        if not ind_id:
            continue
        if ind_id in out:
            problems.append(problem("error", SA_FILE, "指标编码重复", "duplicate indicator_id",
                                    sheet=SELF_ASSESSMENT.sheet, row=row, column=hdr, value=ind_id))
            continue
        out[ind_id] = _Row(ind_id, _text(rec.get("actual")), _text(rec.get("score")),
                           _text(rec.get("reason")), _text(rec.get("evidence")), row)
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


def _met(actual: Decimal, target: Decimal, direction: str) -> bool:
    return actual >= target if direction == "higher" else actual <= target


_MANUAL_RULES = ("manual", "qualitative_tier")   # scored by the analyst, not by a formula


@dataclass
class _Outcome:
    """What a rule made of one indicator's actual value, before the range check and rounding."""
    raw: Decimal           # the exact score
    actual: Any            # the actual as displayed (IndicatorScore.actual)
    missed: bool | None = None   # the actual misses a numeric target
    gap: Decimal | None = None   # {gap} of the reason template
    unmet: str = ""              # {unmet}
    tier: str = ""               # {tier}


class _Scorer:
    def __init__(self, fw: Framework, metrics: dict, rows: dict[str, _Row]):
        self.fw, self.metrics, self.rows = fw, metrics, rows
        self.warnings: list[Problem] = []

    # -- location helpers
    def fw_err(self, path: str, zh: str, en: str, value: Any = ...) -> _Located:
        return _Located(problem("error", self.fw.file, zh, en, column=path, value=value))

    def sa_err(self, row: _Row | None, col_key: str, zh: str, en: str, value: Any = ...) -> _Located:
        return _Located(problem("error", SA_FILE, zh, en, sheet=SELF_ASSESSMENT.sheet,
                                row=row.row if row else None,
                                column=SELF_ASSESSMENT.column(col_key).header, value=value))

    def need_row(self, ind: Indicator) -> _Row:
        row = self.rows.get(ind.id)
        if row is None:
            raise _Located(problem(
                "error", SA_FILE, f"缺少指标 {ind.id}「{ind.name}」的自评行",
                f"no self-assessment row for indicator {ind.id}", sheet=SELF_ASSESSMENT.sheet,
                column=SELF_ASSESSMENT.column("indicator_id").header))
        return row

    # -- the actual value
    def actual_of(self, ind: Indicator, path: str) -> tuple[Any, _Row | None]:
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

    def number(self, ind: Indicator, value: Any, row: _Row | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        try:
            return parse_number(value)
        except ValueError:
            raise self.sa_err(row, "actual", f"指标 {ind.id} 的自评值应为数值",
                              f"indicator {ind.id}: actual must be a number", value) from None

    def score_of(self, ind: Indicator, row: _Row) -> Decimal:
        if not row.score:
            raise self.sa_err(row, "score", f"指标 {ind.id}「{ind.name}」须填写自评得分",
                              f"indicator {ind.id} needs a score", row.score)
        try:
            return parse_number(row.score)
        except ValueError:
            raise self.sa_err(row, "score", f"指标 {ind.id} 的自评得分不是数值",
                              f"indicator {ind.id}: score is not a number", row.score) from None

    # -- one indicator
    def score(self, mod, sub, ind: Indicator, path: str) -> IndicatorScore:
        w = ind.weight
        value, row = self.actual_of(ind, path)
        try:
            out = self.outcome(ind, value, row)
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

    def outcome(self, ind: Indicator, value: Any, row: _Row | None) -> _Outcome:
        """Apply the indicator's rule (exact, unrounded); may raise RuleError."""
        if ind.rule == "manual":
            return _Outcome(rules.manual(ind.weight, self.score_of(ind, row), row.reason),
                            row.actual)
        if ind.rule == "qualitative_tier":
            return self.tier_outcome(ind, value, row)
        if ind.rule == "checklist":
            return self.checklist_outcome(ind, value, row)
        if ind.rule == "binary":
            met = self.binary_met(ind, value, row)
            shown = "是" if met else "否"
            return _Outcome(rules.binary(ind.weight, met),
                            shown if isinstance(value, bool) or not isinstance(value, Decimal)
                            else value, missed=not met)
        return self.numeric_outcome(ind, value, row)

    def tier_outcome(self, ind: Indicator, value: Any, row: _Row) -> _Outcome:
        w, p = ind.weight, ind.params
        assert isinstance(p, QualitativeTierParams)
        tier = row.actual
        if not tier:
            raise self.sa_err(row, "actual", f"指标 {ind.id} 须在自评值中填写档次（"
                              f"{'/'.join(p.tiers)}）", f"indicator {ind.id} needs a tier")
        raw = rules.qualitative_tier(w, tier, self.score_of(ind, row), dict(p.tiers))
        if raw < w and not row.reason:
            raise self.sa_err(row, "reason", f"指标 {ind.id} 得分低于分值，须填写扣分原因",
                              f"indicator {ind.id}: score below weight needs a reason")
        return _Outcome(raw, value, tier=tier)

    def checklist_outcome(self, ind: Indicator, value: Any, row: _Row | None) -> _Outcome:
        p = ind.params
        assert isinstance(p, ChecklistParams)
        unmet = self.unmet_items(ind, p, value, row)
        raw = rules.checklist(ind.weight, [(it.name, it.points) for it in p.items], unmet, p.mode,
                              p.k)
        named = not isinstance(value, (Decimal, int)) and not _text(value)[:1].isdigit()
        unmet_text = "、".join(unmet) if named else f"{len(unmet)}项"
        n_ok = len(p.items) - len(unmet)
        shown = f"{n_ok}/{len(p.items)}项"
        if unmet and named:
            shown += f"（未满足：{unmet_text}）"
        return _Outcome(raw, shown, unmet=unmet_text)

    def numeric_outcome(self, ind: Indicator, value: Any, row: _Row | None) -> _Outcome:
        """The rules on a number: ratio_capped, per_point, per_step, banded, per_event."""
        w, p = ind.weight, ind.params
        x = self.number(ind, value, row)
        out = _Outcome(ZERO, x)
        if ind.rule == "ratio_capped":
            out.raw = rules.ratio_capped(w, x, ind.target, ind.direction)
        elif ind.rule == "per_point":
            assert isinstance(p, PerPointParams)
            out.gap = rules.gap_beyond(x, p.threshold, p.beyond)
            out.raw = rules.per_point(w, x, p.threshold, p.k, p.beyond)
        elif ind.rule == "per_step":
            assert isinstance(p, PerStepParams)
            out.gap = rules.gap_beyond(x, p.threshold, p.beyond)
            out.raw = rules.per_step(w, x, p.threshold, p.k, p.step, p.beyond, p.rounding)
        elif ind.rule == "banded":
            assert isinstance(p, BandedParams)
            out.raw = rules.banded(w, x, [(b.interval, b.score) for b in p.bands])
        elif ind.rule == "per_event":
            assert isinstance(p, PerEventParams)
            if x != x.to_integral_value() or x < 0:
                raise self.sa_err(row, "actual", f"指标 {ind.id} 的次数应为非负整数",
                                  f"indicator {ind.id}: count must be a whole number >= 0", value)
            out.actual = int(x)
            out.raw = rules.per_event(w, x, p.k)
        else:  # pragma: no cover - the framework model rejects unknown rules
            raise AssertionError(ind.rule)
        if isinstance(ind.target, Decimal):
            out.missed = not _met(x, ind.target, ind.direction)
        return out

    def rule_error(self, ind: Indicator, path: str, value: Any, row: _Row | None,
                   exc: RuleError) -> _Located:
        """A rule's complaint, located at the self-assessment cell or the framework params."""
        if row is not None:
            col = "score" if ind.rule in _MANUAL_RULES else "actual"
            return self.sa_err(row, col, f"指标 {ind.id}「{ind.name}」：{exc}", str(exc),
                               row.score if col == "score" else row.actual)
        return self.fw_err(f"{path}.params", f"指标 {ind.id}：{exc}", str(exc), value)

    def check_range(self, ind: Indicator, path: str, raw: Decimal, row: _Row | None) -> None:
        """The unrounded score must lie in ``[0, weight]``."""
        w = ind.weight
        if raw < 0 or raw > w:
            if row is not None and ind.rule in _MANUAL_RULES:
                raise self.sa_err(row, "score", f"指标 {ind.id} 得分 {raw} 超出 0–{w} 分",
                                  f"score {raw} outside 0..{w}", raw)
            raise self.fw_err(path, f"指标 {ind.id} 得分 {raw} 超出 0–{w} 分",
                              f"score {raw} outside 0..{w}", raw)

    def reason_for(self, ind: Indicator, row: _Row | None, out: _Outcome, score: Decimal,
                   lost: Decimal) -> str:
        """The analyst's reason when given; else, when points are lost, the filled template."""
        if row is not None and row.reason:
            return row.reason
        if lost <= 0:
            return ""
        ctx = {"gap": fmt_fixed(out.gap) if out.gap is not None else "", "unmet": out.unmet,
               "tier": out.tier, "name": ind.name, "actual": _fmt(out.actual),
               "target": _fmt_target(ind.target), "unit": ind.unit,
               "weight": fmt_fixed(ind.weight), "score": fmt_fixed(score), "lost": fmt_fixed(lost)}
        template = ind.reason or "{name}未达目标值，扣{lost}分"
        return template.format(**ctx)

    def warn_if_entered_score_differs(self, ind: Indicator, row: _Row | None,
                                      score: Decimal) -> None:
        """A 自评得分 entered for a rule-scored indicator is ignored; warn when it differs."""
        if row is None or not row.score or ind.rule in _MANUAL_RULES:
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

    def unmet_items(self, ind: Indicator, p: ChecklistParams, value: Any, row: _Row | None) -> list[str]:
        names = [it.name for it in p.items]
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            n = Decimal(value)
            if n != n.to_integral_value() or not 0 <= n <= len(names):
                raise self.sa_err(row, "actual", f"指标 {ind.id} 的满足项数应为 0–{len(names)} 的整数",
                                  f"indicator {ind.id}: satisfied count must be 0..{len(names)}", value)
            n_unmet = len(names) - int(n)
            if p.mode == "points" and n_unmet and len({it.points for it in p.items}) > 1:
                raise self.sa_err(row, "actual", f"指标 {ind.id} 各项分值不同，请填写未满足项的名称",
                                  f"indicator {ind.id}: items differ in points; list the unmet items", value)
            return names[len(names) - n_unmet:]
        text = _text(value)
        try:
            count = parse_number(text)
        except ValueError:
            count = None
        if count is not None:
            return self.unmet_items(ind, p, count, row)
        if text in _NONE_UNMET:
            return []
        unmet = [s.strip() for s in _SPLIT.split(text) if s.strip()]
        unknown = [u for u in unmet if u not in names]
        if unknown:
            raise self.sa_err(row, "actual", f"指标 {ind.id} 的未满足项 {'、'.join(unknown)} 不在清单中"
                              f"（清单：{'、'.join(names)}）",
                              f"indicator {ind.id}: unknown checklist item(s)", text)
        return list(dict.fromkeys(unmet))

    def binary_met(self, ind: Indicator, value: Any, row: _Row | None) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (Decimal, int)) and isinstance(ind.target, Decimal):
            return _met(Decimal(value), ind.target, ind.direction)
        text = _text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if isinstance(ind.target, Decimal):
            try:
                return _met(parse_number(text), ind.target, ind.direction)
            except ValueError:
                pass
        raise self.sa_err(row, "actual", f"指标 {ind.id} 的自评值应为 是/否",
                          f"indicator {ind.id}: actual must be yes/no (是/否)", value)


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
    from evalkit.scoring.problems import problems_and_improvements

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
            problems.append(problem("warning", SA_FILE, f"评分框架 {fw.name} 中没有指标 {ind_id}，该行未使用",
                                    f"indicator {ind_id} is not in the framework; row ignored",
                                    sheet=SELF_ASSESSMENT.sheet, row=row.row,
                                    column=SELF_ASSESSMENT.column("indicator_id").header, value=ind_id))
    problems.extend(scorer.warnings)
    if any(p.level == "error" for p in problems):
        raise InputError(problems)

    modules: list[PartScore] = []
    for mod in fw.modules:
        subs = []
        for sub in mod.children:
            got = [i for i in indicators if i.module == mod.name and i.submodule == sub.name]
            s = sum((i.score for i in got), ZERO)
            subs.append(PartScore(sub.name, sub.weight, s, sub.weight - s, sub.confirmed))
        s = sum((x.score for x in subs), ZERO)
        modules.append(PartScore(mod.name, mod.weight, s, mod.weight - s, mod.confirmed, tuple(subs)))
    total = sum((m.score for m in modules), ZERO)
    result = ScoreResult(framework=fw, year=_int_or_none(metrics.get("year")),
                         department=metrics.get("department"), total=total, max=fw.total,
                         grade=fw.grade_for(total), modules=modules, indicators=indicators,
                         warnings=[p for p in problems if p.level == "warning"])
    result.problems, result.improvements = problems_and_improvements(result, department or {})
    return result


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None
