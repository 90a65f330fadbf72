"""Checks on scoring tables and forms: indicator rows, weighted groups, totals, 预算资金 rows.

* every indicator: 0 ≤ 得分 ≤ 分值, 扣分 = 分值 − 得分;
* every weighted group (``产出指标(50分)``, a block title ``绩效指标(90分)``, a group of a
  flattened sheet): its members' weights add up to its weight (less: 未核对, the table may list
  only some indicators; more: a mismatch) and their scores stay within it;
* a table's total row: the weights add up to its 分值 (with the 预算执行 block's weight when the
  form counts it in), the scores to its 得分 when the table is complete, and within the bounds
  the listed indicators allow when it is not; each module's indicator scores add up to the
  module score stated elsewhere;
* a flattened sheet (PDF/OCR) with a stated 自评得分: the visible scores and the weights of the
  indicators whose score is not visible bound the total;
* a 预算资金 total row with 执行率, 分值 and 得分: 得分 = 执行率 × 分值 when the form says so.
"""

from __future__ import annotations

from decimal import Decimal

from evalkit.numfmt import round_half_up

from .checks import OK, UNVERIFIED, Check, _first, _show, make, sum_check, unverified
from .model import Extraction, Figure, Group, Indicator, fmt_dec, key_name

_SUM_ZERO = Decimal(0)


def _sum(figs) -> Decimal:
    return sum((f.value for f in figs if f is not None), _SUM_ZERO)


# ------------------------------------------------------------------------------ indicator rows

def indicator_row_checks(ind: Indicator) -> list[Check]:
    """One indicator: 0 ≤ 得分 ≤ 分值 and 扣分 = 分值 − 得分."""
    out = []
    w, sc, lost = ind.weight, ind.score, ind.lost
    name = ind.name or "指标"
    if sc is not None and w is not None and w.value == 0:
        out.append(unverified("indicator", f"［{name}］得分 ≤ 分值", sc.display(),
                              "分值读为0，读数可疑 / a weight of 0 is not a reading to trust",
                              [sc, w]))
    elif sc is not None and w is not None:
        out.append(make("indicator", f"［{name}］得分 ≤ 分值", Decimal(0) <= sc.value <= w.value,
                        sc.display(), f"分值{w.display()}", "0 ≤ 得分 ≤ 分值", [sc, w]))
    elif sc is not None and sc.value < 0:
        out.append(make("indicator", f"［{name}］得分 ≥ 0", False, sc.display(), "≥ 0", "", [sc]))
    if lost is not None and w is not None and sc is not None:
        calc = w.value - sc.value
        places = max(lost.places, sc.places, w.places)
        ok = abs(calc - lost.value) <= max(lost.step, sc.step, w.step)
        out.append(make("indicator", f"［{name}］扣分 = 分值 − 得分", ok, lost.display(),
                        _show(calc, places, "分"), f"{w.display()} − {sc.display()}",
                        [lost, w, sc]))
    return out


def check_indicators(ex: Extraction) -> list[Check]:
    """Every indicator row, then every table's totals."""
    out = []
    for ind in ex.indicators:
        out += indicator_row_checks(ind)
    groups = ex.by_key()
    tables: dict[int, list[Indicator]] = {}
    forms: dict[int, list[Indicator]] = {}
    for ind in ex.indicators:
        tables.setdefault(ind.table, []).append(ind)
        forms.setdefault(ind.table // 1000, []).append(ind)
    roots: dict[int, list[Group]] = {}
    for g in ex.groups:
        if g.level == 1:
            roots.setdefault(g.table, []).append(g)
    for table, inds in tables.items():
        totals = ex.table_totals.get(table, [])
        if table < 0:
            out += score_bounds(roots.get(table, []), inds, totals)
        elif totals:
            out += table_total_checks(totals, inds, forms[table // 1000], groups)
    return out


# ------------------------------------------------------------------------------- table totals

def _weights_check(total_w: Figure, inds: list[Indicator], siblings: list[Indicator]
                   ) -> tuple[Check | None, list[Indicator] | None]:
    """The weights add up to the total row's 分值 (or with the other blocks of the form).

    Returns the check and the indicators that make the table complete (None when it is not).
    """
    weights = [i.weight for i in inds if i.weight is not None]
    if not weights:
        return None, None
    title = f"各指标分值之和 = {total_w.display_name}分值"
    for members, how in ((inds, ""), (siblings, "（含本表其他栏目的分值）")):
        figs = [i.weight for i in members if i.weight is not None]
        if _sum(figs) == total_w.value:
            check = sum_check("table", title + how, total_w, figs)
            return check, (members if len(figs) == len(members) else None)
    s = _sum(weights)
    if s > total_w.value:
        return sum_check("table", title, total_w, weights), None
    return unverified("table", title, total_w.display(),
                      f"表中指标分值之和{fmt_dec(s, 2)}小于合计分值，表格可能只列出部分指标 / "
                      "the table may list only some indicators", [total_w, *weights]), None


def table_total_checks(totals: list[Figure], inds: list[Indicator], siblings: list[Indicator],
                       groups) -> list[Check]:
    """A scoring table with a total row: weights, scores, module sums."""
    total_s = next((f for f in totals if f.kind == "score"), None)
    total_w = next((f for f in totals if f.kind == "weight"), None)
    out = []
    complete = None
    if total_w is not None:
        check, complete = _weights_check(total_w, inds, siblings)
        if check is not None:
            out.append(check)
    members = complete or inds
    scores = [i.score for i in members if i.score is not None]
    if total_s is None:
        return out
    title = f"自评表指标得分之和 = {key_name(total_s.key)}"
    if not scores:
        return out + [unverified("table", title, total_s.display(), "表中得分栏为空 / no scores",
                                 [total_s])]
    if complete is not None and len(scores) == len(members):
        out.append(sum_check("indicator", title, total_s, scores))
        out += _module_sums(members, total_s, groups)
    else:
        out += _partial_bounds(total_s, total_w, inds, title)
    return out


def _partial_bounds(total_s: Figure, total_w: Figure | None, inds: list[Indicator],
                    title: str) -> list[Check]:
    """Only some indicators listed: their scores cannot exceed the total score."""
    scores = [i.score for i in inds if i.score is not None]
    s = _sum(scores)
    tol = len(scores) * max(f.step for f in scores + [total_s])
    if s > total_s.value + tol:
        return [make("indicator", title, False, total_s.display(), f"≥{fmt_dec(s, 2)}分",
                     "所列指标得分之和已超过总分 / listed scores exceed the total",
                     [total_s, *scores])]
    return [unverified("indicator", title, total_s.display(),
                       "表中指标不完整（各指标分值之和≠合计分值），不核对得分之和 / the table lists "
                       f"only some indicators (得分之和 {fmt_dec(s, 2)})",
                       [total_s] + ([total_w] if total_w else []))]


def _module_sums(inds: list[Indicator], total: Figure, groups) -> list[Check]:
    modules = {i.module for i in inds}
    if total.key != "score.total" or None in modules or len(modules) < 2:
        return []
    out = []
    for m in sorted(modules):
        stated = _first(groups, f"score.modules.{m}")
        parts = [i.score for i in inds if i.module == m and i.score is not None]
        if stated is not None and parts:
            out.append(sum_check("indicator", f"{m}各指标得分之和 = {key_name(stated.key)}",
                                 stated, parts))
    return out


# ------------------------------------------------------------------------------------ groups

def check_groups(ex: Extraction) -> list[Check]:
    """Weighted groups: members' weights add up to the group's weight; scores within it."""
    out = []
    for g in ex.groups:
        weights = [m.weight for m in g.members if m.weight is not None]
        if not g.members or len(weights) < len(g.members):
            continue
        title = f"［{g.name}］下级分值之和 = {g.weight.display()}"
        s = _sum(weights)
        if s >= g.weight.value or g.closed:
            out.append(sum_check("group", title, g.weight, weights))
        else:
            out.append(unverified("group", title, g.weight.display(),
                                  f"下级分值之和{fmt_dec(s, 2)}，少于本级分值：表格可能只列出部分指标"
                                  " / the table may list only some members", [g.weight, *weights]))
        scores = [_score_of(m) for m in g.members]
        if all(sc is not None for sc in scores) and isinstance(g.members[0], Indicator):
            out.append(make("group", f"［{g.name}］得分之和 ≤ 分值", _sum(scores) <= g.weight.value,
                            f"{fmt_dec(_sum(scores), 2)}分", f"≤{g.weight.display()}", "",
                            [g.weight, *scores]))
    out += _root_weights(ex)
    return out


def _score_of(member) -> Figure | None:
    return member.score if isinstance(member, Indicator) else None


def _root_weights(ex: Extraction) -> list[Check]:
    """A flattened sheet's first-level groups add up to 100."""
    out = []
    by_table: dict[int, list[Group]] = {}
    for g in ex.groups:
        if g.table < 0 and g.level == 1:
            by_table.setdefault(g.table, []).append(g)
    for roots in by_table.values():
        weights = [g.weight for g in roots]
        s = _sum(weights)
        if len(roots) < 2 or (s != 100 and not all(g.closed for g in roots)):
            continue
        title = " + ".join(g.name for g in roots) + " = 100"
        out.append(make("group", f"一级指标分值之和：{title}", s == 100, "100分",
                        f"{fmt_dec(s, 2)}分", " + ".join(w.display() for w in weights), weights))
    return out


# ------------------------------------------------------------------------------ score bounds

def _capacity(member) -> tuple[Decimal, Decimal, bool]:
    """(visible score, most it can add, fully known) of an indicator or group."""
    if isinstance(member, Indicator):
        if member.score is not None:
            return member.score.value, member.score.value, True
        cap = member.weight.value if member.weight is not None else None
        return _SUM_ZERO, cap if cap is not None else Decimal("Infinity"), False
    low = high = _SUM_ZERO
    known = True
    for m in member.members:
        a, b, k = _capacity(m)
        low, high, known = low + a, high + b, known and k
    used = sum((m.weight.value for m in member.members if m.weight is not None), _SUM_ZERO)
    rest = member.weight.value - used
    if rest > 0:
        high += rest
        known = False
    return low, high, known


def score_bounds(roots: list[Group], inds: list[Indicator], totals: list[Figure]) -> list[Check]:
    """A flattened sheet: Σ visible scores ≤ 自评得分 ≤ visible + weights whose score is unseen."""
    total = next((f for f in totals if f.kind == "score"), None)
    if total is None or not roots:
        return []
    low = high = _SUM_ZERO
    known = True
    for g in roots:
        a, b, k = _capacity(g)
        low, high, known = low + a, high + b, known and k
    title = "自评得分在各指标得分范围内"
    detail = (f"可见指标得分之和 {fmt_dec(low, 2)}分；得分不可见的指标分值共 {fmt_dec(high - low, 2)}分；"
              f"总分应在 {fmt_dec(low, 2)}–{fmt_dec(high, 2)}分 之间")
    ok = low <= total.value <= high
    figs = [total] + [i.score for i in inds if i.score is not None]
    if ok and known:
        return [Check("score", title, OK, total.display(), f"{fmt_dec(low, 2)}分", detail, figs)]
    if ok:
        return [unverified("score", title, total.display(),
                           f"部分指标得分不可见，无法核对总分（{detail}）", [total])]
    check = make("score", title, False, total.display(),
                 f"{fmt_dec(low, 2)}–{fmt_dec(high, 2)}分", detail, figs)
    if check.status == UNVERIFIED:
        check.reason = f"{detail}；{check.reason}"
    return [check]


# -------------------------------------------------------------------------------- budget rows

def check_budget_scores(ex: Extraction) -> list[Check]:
    """预算执行 得分 = 执行率 × 分值 when the form says so."""
    out = []
    rule = ex.rules.get("exec_score")
    for row in ex.budget_rows:
        rate, weight, score = (row.cells.get(k) for k in ("rate", "weight", "score"))
        if row.role != "total" or rate is None or weight is None or score is None or not rule:
            continue
        capped = min(rate.value, Decimal(100))
        calc = round_half_up(capped * weight.value / 100, score.places)
        ok = abs(calc - score.value) <= score.step
        out.append(make("budget_score", "预算执行得分 = 执行率 × 分值", ok, score.display(),
                        _show(calc, score.places, "分"),
                        f"{rate.display()} × {weight.display()}（表中注明：{rule}）",
                        [score, rate, weight]))
    return out


__all__ = ["check_budget_scores", "check_groups", "check_indicators", "indicator_row_checks",
           "score_bounds", "table_total_checks"]
