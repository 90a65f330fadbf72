"""Arithmetic and consistency checks on the figures a report states.

Each check records the stated value, the value recomputed from the other stated figures (or read
from ``metrics.json``), the sentences involved, and ``OK`` / ``MISMATCH`` / ``SKIP`` (not
checkable: a value it needs is not stated). All rounding goes through :mod:`evalkit.numfmt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evalkit.numfmt import change_pct, ratio_pct, round_half_up, to_decimal

from .extract import (GUANGDONG_MODULES, INDICATOR_PREFIX, MODULE_ALIASES, SCOPED, Extraction,
                      Figure, Sentence, fmt_dec, key_name)

OK, MISMATCH, SKIP = "OK", "MISMATCH", "SKIP"
DEFAULT_TOTAL_MAX = Decimal(100)
GUANGDONG_MODULE_MAX = Decimal(50)


@dataclass
class Check:
    """One check and its outcome."""

    kind: str            # rate | sum | modules | max | lost | duplicate | yoy | change | direction | unspent | indicator | metrics
    title: str
    status: str
    stated: str
    recomputed: str
    detail: str = ""
    figures: list[Figure] = field(default_factory=list)

    @property
    def sentences(self) -> list[Sentence]:
        """The distinct sentences of the figures involved, in report order."""
        seen: dict[int, Sentence] = {}
        for f in self.figures:
            seen.setdefault(f.sentence.index, f.sentence)
        return [seen[i] for i in sorted(seen)]

    def to_json(self) -> dict:
        return {"kind": self.kind, "title": self.title, "status": self.status,
                "stated": self.stated, "recomputed": self.recomputed, "detail": self.detail,
                "sentences": [s.to_json() for s in self.sentences]}


# ------------------------------------------------------------------------------------ helpers

def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` half-up to a multiple of ``step`` (one unit in the last printed digit)."""
    return round_half_up(to_decimal(value) / step, 0) * step


def same_value(a: Figure, b: Figure) -> bool:
    """Two statements agree when the finer one rounds (half-up) to the coarser one."""
    fine, coarse = (a, b) if a.step <= b.step else (b, a)
    return round_to_step(fine.value, coarse.step) == coarse.value


def _first(groups: dict[str, list[Figure]], key: str, sentence: Sentence | None = None
           ) -> Figure | None:
    """The figure of ``key`` in ``sentence`` if there is one, else its first exact statement."""
    figs = groups.get(key, [])
    if sentence is not None:
        for f in figs:
            if f.sentence.index == sentence.index and not f.approx:
                return f
    exact = [f for f in figs if not f.approx]
    return exact[0] if exact else None


def _show(value: Decimal | None, places: int, unit: str = "") -> str:
    return "—" if value is None else f"{fmt_dec(value, places)}{unit}"


def _signed(value: Decimal | None, places: int, unit: str) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{fmt_dec(abs(value), places)}{unit}"


def _module_of(key: str) -> str:
    return key.split(".", 2)[2]


# ------------------------------------------------------------------------------------- checks

def check_execution_rates(groups) -> list[Check]:
    """预算执行率 (and basic/project rates) = actual / budget, half-up, ± one last digit."""
    out = []
    specs = [("budget.execution_rate_pct", "budget.total_actual_wan", "budget.total_budget_wan"),
             ("budget.basic_execution_rate_pct", "budget.basic_actual_wan",
              "budget.basic_budget_wan"),
             ("budget.project_execution_rate_pct", "budget.project_actual_wan",
              "budget.project_budget_wan")]
    for rate_key, actual_key, budget_key in specs:
        for rate in groups.get(rate_key, []):
            actual = _first(groups, actual_key, rate.sentence)
            budget = _first(groups, budget_key, rate.sentence)
            title = f"{key_name(rate_key)} = {key_name(actual_key)} / {key_name(budget_key)}"
            if actual is None or budget is None:
                out.append(Check("rate", title, SKIP, rate.display(), "—",
                                 "未陈述实际支出或预算数，无法复算 / actual or budget not stated",
                                 [rate]))
                continue
            calc = ratio_pct(actual.value, budget.value, rate.places)
            if calc is None:
                out.append(Check("rate", title, SKIP, rate.display(), "—", "预算数为0 / zero budget",
                                 [rate, actual, budget]))
                continue
            diff = abs(rate.value - calc)
            status = OK if diff <= rate.step else MISMATCH
            detail = (f"{actual.display()} / {budget.display()} × 100% = {_show(calc, rate.places)}%"
                      " （四舍五入，容差为末位1个单位 / half-up, tolerance one unit in the last digit）")
            out.append(Check("rate", title, status, rate.display(), f"{_show(calc, rate.places)}%",
                             detail, [rate, actual, budget]))
    return out


def _sum_check(kind: str, title: str, whole: Figure, parts: list[Figure]) -> Check:
    total = sum((p.value for p in parts), Decimal(0))
    steps = [p.step for p in parts] + [whole.step]
    tol = len(parts) * max(steps)
    status = OK if abs(total - whole.value) <= tol else MISMATCH
    places = max(p.places for p in parts + [whole])
    unit = whole.unit
    expr = " + ".join(p.display() for p in parts)
    detail = (f"{expr} = {_show(total, places, unit)}，陈述 {whole.display()}"
              f"（容差每个加数 {fmt_dec(max(steps), places)} / tolerance per addend）")
    return Check(kind, title, status, whole.display(), _show(total, places, unit), detail,
                 [whole, *parts])


def check_parts(groups) -> list[Check]:
    """基本支出 + 项目支出 = the whole (actual, budget or income), per sentence that states both."""
    from .extract import _PART_KEYS
    out = []
    for whole_key, part_keys in _PART_KEYS.items():
        basics, projects = groups.get(part_keys[0], []), groups.get(part_keys[1], [])
        if not basics or not projects or whole_key not in groups:
            continue
        title = f"{key_name(part_keys[0])} + {key_name(part_keys[1])} = {key_name(whole_key)}"
        done = False
        for b in basics:
            p = _first(groups, part_keys[1], b.sentence)
            if p is None or p.sentence.index != b.sentence.index:
                continue
            whole = _first(groups, whole_key, b.sentence)
            if whole is None:
                continue
            out.append(_sum_check("sum", title, whole, [b, p]))
            done = True
        if not done:
            b, p, whole = (_first(groups, part_keys[0]), _first(groups, part_keys[1]),
                           _first(groups, whole_key))
            if b and p and whole:
                out.append(_sum_check("sum", title, whole, [b, p]))
    return out


def check_unspent(groups) -> list[Check]:
    """结余 = 预算 − 实际支出."""
    out = []
    for f in groups.get("budget.unspent_wan", []):
        budget = _first(groups, "budget.total_budget_wan", f.sentence)
        actual = _first(groups, "budget.total_actual_wan", f.sentence)
        if budget is None or actual is None:
            continue
        calc = budget.value - actual.value
        status = OK if abs(calc - f.value) <= 2 * max(f.step, budget.step, actual.step) else MISMATCH
        out.append(Check("unspent", "结余 = 全年预算 − 实际支出", status, f.display(),
                         _show(calc, f.places, "万元"),
                         f"{budget.display()} − {actual.display()}", [f, budget, actual]))
    return out


def check_modules(groups) -> list[Check]:
    """Module scores add up to the total score."""
    module_keys = [k for k in groups if k.startswith("score.modules.")]
    total = _first(groups, "score.total")
    if total is None or len(module_keys) < 2:
        return []
    parts = [_first(groups, k) for k in module_keys]
    parts = [p for p in parts if p is not None]
    title = " + ".join(key_name(k) for k in module_keys) + " = 自评总分"
    return [_sum_check("modules", title, total, parts)]


def _module_weights(groups, module_max: Decimal | None) -> tuple[dict[str, tuple[Decimal, str]],
                                                                 list[Figure]]:
    stated = {}
    figs = []
    for key, fs in groups.items():
        if key.startswith("weight.modules."):
            stated[_module_of(key)] = fs[0].value
            figs.append(fs[0])
    weights: dict[str, tuple[Decimal, str]] = {}
    modules = {_module_of(k) for k in groups if k.startswith(("score.modules.", "lost.modules."))}
    uniform = set(stated.values())
    for m in modules:
        if m in stated:
            weights[m] = (stated[m], "报告陈述 / stated in the report")
        elif module_max is not None:
            weights[m] = (module_max, "命令行 --module-max")
        elif len(uniform) == 1:
            weights[m] = (next(iter(uniform)), "按报告中其他模块的满分 / as stated for another module")
        elif m in GUANGDONG_MODULES:
            weights[m] = (GUANGDONG_MODULE_MAX, "广东 履职效能/管理效率 框架默认 / Guangdong default")
    return weights, figs


def check_max(groups, module_max: Decimal | None) -> list[Check]:
    """A score is not above its weight (module maximum, total maximum); 扣分 = 满分 − 得分."""
    out = []
    weights, weight_figs = _module_weights(groups, module_max)
    for key, figs in groups.items():
        if not key.startswith("score.modules."):
            continue
        m = _module_of(key)
        for f in figs[:1] + [g for g in figs[1:] if not same_value(g, figs[0])]:
            if m not in weights:
                out.append(Check("max", f"{m}得分 ≤ 满分", SKIP, f.display(), "—",
                                 "满分未知（可用 --module-max 指定） / weight unknown", [f]))
                continue
            w, why = weights[m]
            status = OK if Decimal(0) <= f.value <= w else MISMATCH
            wf = [g for g in weight_figs if _module_of(g.key) == m]
            out.append(Check("max", f"{m}得分 ≤ 满分", status, f.display(),
                             f"满分{fmt_dec(w, 0 if w == w.to_integral() else 2)}分",
                             f"满分来源：{why}", [f, *wf]))
        lost = _first(groups, f"lost.modules.{m}")
        if lost is not None and m in weights:
            score = figs[0]
            calc = weights[m][0] - score.value
            status = OK if abs(calc - lost.value) <= 2 * max(lost.step, score.step) else MISMATCH
            out.append(Check("lost", f"{m}扣分 = 满分 − 得分", status, lost.display(),
                             _show(calc, lost.places, "分"), "", [lost, score]))
    total = _first(groups, "score.total")
    if total is not None:
        wt = _first(groups, "weight.total")
        if wt is not None:
            tmax, why = wt.value, "报告陈述 / stated in the report"
        elif weights and all(_module_of(k) in weights for k in groups
                             if k.startswith("score.modules.")) and any(
                k.startswith("score.modules.") for k in groups):
            tmax = sum((weights[_module_of(k)][0] for k in groups
                        if k.startswith("score.modules.")), Decimal(0))
            why = "各模块满分之和 / sum of module weights"
        else:
            tmax, why = DEFAULT_TOTAL_MAX, "百分制默认 / 100-point default"
        for f in groups["score.total"][:1]:
            status = OK if Decimal(0) <= f.value <= tmax else MISMATCH
            out.append(Check("max", "自评总分 ≤ 满分", status, f.display(),
                             f"满分{fmt_dec(tmax, 0 if tmax == tmax.to_integral() else 2)}分",
                             f"满分来源：{why}", [f] + ([wt] if wt else [])))
    return out


_FREE_PREFIXES = ("rate:", "count:", "amount:")


def _checkable_key(key: str) -> bool:
    return not key.startswith(_FREE_PREFIXES) and "unknown" not in key \
        and not key.startswith(("weight.", "lost.total", SCOPED, INDICATOR_PREFIX))


def check_duplicates(groups) -> list[Check]:
    """The same quantity stated more than once must have the same value every time."""
    out = []
    for key, figs in groups.items():
        exact = [f for f in figs if not f.approx]
        if len(exact) < 2 or not _checkable_key(key):
            continue
        ref = exact[0]
        bad = [f for f in exact[1:] if not same_value(f, ref)]
        values = []
        for f in exact:
            if f.display() not in values:
                values.append(f.display())
        if bad:
            detail = "；".join(f"{f.display()}（{f.sentence.where}）" for f in exact)
            out.append(Check("duplicate", f"{key_name(key)}：多处陈述应一致", MISMATCH,
                             " / ".join(values), ref.display(),
                             f"同一数值多处陈述不一致 / stated differently: {detail}", exact))
        else:
            out.append(Check("duplicate", f"{key_name(key)}：多处陈述应一致", OK,
                             f"{ref.display()} ×{len(exact)}", ref.display(),
                             f"{len(exact)} 处陈述一致 / {len(exact)} statements agree", exact))
    return out


def check_changes(groups) -> list[Check]:
    """同比 consistent with the two years' values; direction words agree with the numbers."""
    out = _direction_checks(groups)
    for key, figs in groups.items():
        if not key.startswith(("yoy:", "change:")):
            continue
        subject = key.split(":", 1)[1]
        for f in figs:
            cur = _first(groups, subject, f.sentence)
            prev = _first(groups, f"prev:{subject}", f.sentence)
            if f.kind == "yoy":
                change = _first(groups, f"change:{subject}", f.sentence)
                check = _yoy_check(key, f, cur, prev, change)
            else:
                check = _change_check(key, f, cur, prev)
            if check is not None:
                out.append(check)
    return out


def _direction_checks(groups) -> list[Check]:
    """Pairs written as 由X下降至Y: the direction word against the two values."""
    out = []
    for key, figs in groups.items():
        for f in figs:
            if f.kind not in ("amount", "rate", "count") or not f.direction:
                continue
            prev = _first(groups, f"prev:{key}", f.sentence)
            if prev is None:
                continue
            up = f.value > prev.value
            word_up = _is_up(f.direction)
            status = OK if (f.value == prev.value or up == word_up) else MISMATCH
            out.append(Check("direction", f"{key_name(key)}：方向词与两年数值一致", status,
                             f"由{prev.display()}{f.direction}至{f.display()}",
                             "增加" if up else ("持平" if f.value == prev.value else "减少"),
                             f"{prev.display()} → {f.display()}", [f, prev]))
    return out


def _direction_note(calc: Decimal, f: Figure) -> str:
    """The remark added when the direction word says the opposite of the recomputed change."""
    if calc != 0 and (calc > 0) != (f.value > 0):
        return f"；方向词「{f.direction}」与数值方向不符 / direction word disagrees"
    return ""


def _yoy_check(key: str, f: Figure, cur: Figure | None, prev: Figure | None,
               change: Figure | None) -> Check | None:
    """同比 % = (本年 − 上年) / 上年 (上年 may come from 本年 − the stated change)."""
    title = f"{key_name(key)} = (本年 − 上年) / 上年"
    how = ""
    if cur is not None and prev is None and change is not None and change.unit == cur.unit:
        prev_value = cur.value - change.value
        how = f"上年 = {cur.display()} − ({change.display()})"
    else:
        prev_value = prev.value if prev is not None else None
    if cur is None or prev_value is None:
        return Check("yoy", title, SKIP, f.display(), "—",
                     "未同时陈述两年数值，无法复算（可用 --metrics 核对） / "
                     "both years not stated", [f])
    calc = change_pct(cur.value, prev_value, f.places)
    if calc is None:
        return None
    prev_show = prev.display() if prev is not None else _show(prev_value, cur.places, cur.unit)
    detail = f"({cur.display()} − {prev_show}) / {prev_show} × 100% = " \
             f"{_signed(calc, f.places, '%')} {how}".strip()
    detail += _direction_note(calc, f)
    status = OK if abs(calc - f.value) <= f.step else MISMATCH
    return Check("yoy", title, status, f.display(), _signed(calc, f.places, "%"), detail,
                 [f, cur] + ([prev] if prev else [change]))


def _change_check(key: str, f: Figure, cur: Figure | None,
                  prev: Figure | None) -> Check | None:
    """A stated change (万元, 件, 个百分点) = 本年 − 上年."""
    if cur is None or prev is None or cur.unit != prev.unit:
        return None
    calc = cur.value - prev.value
    unit = "个百分点" if cur.unit == "%" else cur.unit
    status = OK if abs(calc - f.value) <= f.step + max(cur.step, prev.step) else MISMATCH
    detail = f"{cur.display()} − {prev.display()} = {_signed(calc, f.places, unit)}"
    detail += _direction_note(calc, f)
    return Check("change", f"{key_name(key)} = 本年 − 上年", status, f.display(),
                 _signed(calc, f.places, unit), detail, [f, cur, prev])


def _is_up(word: str) -> bool:
    from .extract import is_up
    return is_up(word)


def _score_places(*figs: Figure | None) -> int:
    return max([f.places for f in figs if f is not None] + [0])


def check_indicators(extraction: Extraction) -> list[Check]:
    """Indicator rows of a 自评表: 0 ≤ 得分 ≤ 分值; 扣分 = 分值 − 得分; a complete table adds up.

    A scorecard table with a total row (合计/总分/小计) is complete: its indicator scores add up to
    that row's score, and (when the table names the 一级指标) each module's indicator scores add
    up to the module score stated elsewhere in the report.
    """
    out = []
    for ind in extraction.indicators:
        out += _indicator_row_checks(ind)
    groups = extraction.by_key()
    by_table: dict[int, list] = {}
    for ind in extraction.indicators:
        by_table.setdefault(ind.table, []).append(ind)
    for table, inds in by_table.items():
        out += _indicator_table_checks(extraction.table_totals.get(table, []), inds, groups)
    return out


def _indicator_row_checks(ind) -> list[Check]:
    """One indicator row: 0 ≤ 得分 ≤ 分值 and 扣分 = 分值 − 得分."""
    out = []
    w, sc, lost = ind.weight, ind.score, ind.lost
    name = ind.name or "指标"
    if sc is not None and w is not None:
        status = OK if Decimal(0) <= sc.value <= w.value else MISMATCH
        out.append(Check("indicator", f"［{name}］得分 ≤ 分值", status, sc.display(),
                         f"分值{w.display()}", "0 ≤ 得分 ≤ 分值", [sc, w]))
    elif sc is not None and sc.value < 0:
        out.append(Check("indicator", f"［{name}］得分 ≥ 0", MISMATCH, sc.display(), "≥ 0",
                         "", [sc]))
    if lost is not None and w is not None and sc is not None:
        calc = w.value - sc.value
        status = OK if abs(calc - lost.value) <= max(lost.step, sc.step, w.step) else MISMATCH
        out.append(Check("indicator", f"［{name}］扣分 = 分值 − 得分", status, lost.display(),
                         _show(calc, _score_places(lost, sc, w), "分"),
                         f"{w.display()} − {sc.display()}", [lost, w, sc]))
    return out


def _indicator_table_checks(table_totals: list[Figure], inds: list,
                            groups: dict[str, list[Figure]]) -> list[Check]:
    """One scorecard table with a total row: its indicator scores add up to the total, and
    each module's indicator scores to the module score stated elsewhere."""
    totals = [f for f in table_totals if f.kind == "score"]
    scores = [i.score for i in inds if i.score is not None]
    if not totals or not scores:
        return []
    total = totals[0]
    title = f"自评表指标得分之和 = {key_name(total.key)}"
    weights = [i.weight for i in inds if i.weight is not None]
    total_w = next((f for f in table_totals if f.kind == "weight"), None)
    w_sum = sum((w.value for w in weights), Decimal(0))
    if total_w is None or len(weights) != len(inds) \
            or abs(w_sum - total_w.value) > len(weights) * total_w.step:
        return [Check("indicator", title, SKIP, total.display(), "—",
                      "表中指标不完整（各指标分值之和≠合计分值），不核对得分之和 / the table "
                      f"lists only some indicators (分值 sum {fmt_dec(w_sum, 2)})",
                      [total] + ([total_w] if total_w else []))]
    out = [_sum_check("indicator", title, total, scores)]
    modules = {i.module for i in inds}
    if total.key != "score.total" or None in modules or len(modules) < 2:
        return out
    for m in sorted(modules):
        stated = _first(groups, f"score.modules.{m}")
        parts = [i.score for i in inds if i.module == m and i.score is not None]
        if stated is not None and parts:
            out.append(_sum_check("indicator", f"{m}各指标得分之和 = {key_name(stated.key)}",
                                  stated, parts))
    return out


def check_entity_rows(extraction: Extraction) -> list[Check]:
    """Inside one sub-entity row (a budget line, a 镇街): 执行率 = 实际支出 / 预算数 of that row."""
    out = []
    rows: dict[int, list[Figure]] = {}
    for f in extraction.figures:
        if f.key.startswith(SCOPED):
            rows.setdefault(f.sentence.index, []).append(f)
    for figs in rows.values():
        base = {f.key[len(SCOPED):]: f for f in reversed(figs)}
        rates = [f for f in figs if f.kind == "rate" and "execution_rate" in f.key]
        actual = [f for k, f in base.items() if k.endswith("actual_wan") and f.kind == "amount"]
        budget = [f for k, f in base.items() if k.endswith("budget_wan") and f.kind == "amount"]
        if len(rates) != 1 or len(actual) != 1 or len(budget) != 1:
            continue
        rate, a, b = rates[0], actual[0], budget[0]
        calc = ratio_pct(a.value, b.value, rate.places)
        ha, hb = a.step / 2, b.step / 2
        if calc is None or b.value - hb <= 0:
            continue
        # small printed amounts are rounded: allow the rate of any amounts that print the same
        low = ratio_pct(max(a.value - ha, Decimal(0)), b.value + hb, rate.places + 2)
        high = ratio_pct(a.value + ha, b.value - hb, rate.places + 2)
        ok = low - rate.step <= rate.value <= high + rate.step
        out.append(Check("rate", f"［{rate.scope}］执行率 = 实际支出 / 预算数",
                         OK if ok else MISMATCH, rate.display(), f"{_show(calc, rate.places)}%",
                         f"{a.display()} / {b.display()} × 100% = {_show(calc, rate.places)}%"
                         f"（金额四舍五入后可为 {_show(low, rate.places)}%–{_show(high, rate.places)}%"
                         " / range allowed by the rounding of the amounts）", [rate, a, b]))
    return out


# ------------------------------------------------------------------------------------ metrics

METRICS_PATHS: dict[str, tuple[str, ...]] = {
    "budget.total_budget_wan": ("budget", "total_budget_wan"),
    "budget.initial_budget_wan": ("budget", "initial_budget_wan"),
    "budget.total_actual_wan": ("budget", "total_actual_wan"),
    "budget.execution_rate_pct": ("budget", "execution_rate_pct"),
    "budget.unspent_wan": ("budget", "unspent_wan"),
    "budget.basic_actual_wan": ("budget", "basic_actual_wan"),
    "budget.project_actual_wan": ("budget", "project_actual_wan"),
    "budget.basic_budget_wan": ("budget", "basic_budget_wan"),
    "budget.project_budget_wan": ("budget", "project_budget_wan"),
    "budget.basic_execution_rate_pct": ("budget", "basic_execution_rate_pct"),
    "budget.project_execution_rate_pct": ("budget", "project_execution_rate_pct"),
    "petitions.total_cases": ("petitions", "total_cases"),
    "petitions.first_time_resolution_rate_pct": ("petitions", "first_time_resolution_rate_pct"),
    "petitions.online_share_pct": ("petitions", "online_share_pct"),
    "petitions.satisfaction_rate_pct": ("petitions", "satisfaction_rate_pct"),
    "petitions.participation_rate_pct": ("petitions", "participation_rate_pct"),
    "petitions.timely_acceptance_rate_pct": ("petitions", "timely_acceptance_rate_pct"),
    "petitions.on_time_completion_rate_pct": ("petitions", "on_time_completion_rate_pct"),
    "petitions.repeat_rate_pct": ("petitions", "repeat_rate_pct"),
    "petitions.national_initial_qiujue_count": ("petitions", "national_initial_qiujue_count"),
    "prev:petitions.national_initial_qiujue_count": ("petitions",
                                                     "national_initial_qiujue_prev_count"),
    "yoy:petitions.national_initial_qiujue_count": ("petitions", "national_initial_qiujue_yoy_pct"),
    "rank:petitions.national_initial_qiujue_count": ("petitions", "national_initial_qiujue_rank"),
    "score.total": ("score", "total"),
}


def metrics_path(key: str, unit: str = "") -> tuple[str, ...] | None:
    """The metrics.json path of a figure key, or None when metrics.json has no such value."""
    if key.startswith((SCOPED, INDICATOR_PREFIX)):
        return None      # a sub-entity's or an indicator's figure: not a headline metric
    if key in METRICS_PATHS:
        return METRICS_PATHS[key]
    if key.startswith("score.modules."):
        return ("score", "modules", _module_of(key))
    if key.startswith("yoy:") and key[4:] in METRICS_PATHS and not key[4:].endswith("_pct"):
        return ("yoy", key[4:])
    if key.startswith("change:") and key[7:].endswith("_pct") and unit == "个百分点" \
            and key[7:] in METRICS_PATHS:
        return ("yoy", key[7:])
    return None


def _lookup(metrics: dict, path: tuple[str, ...]) -> Any:
    node: Any = metrics
    for i, part in enumerate(path):
        if not isinstance(node, dict):
            return None
        if part in node:
            node = node[part]
            continue
        if i == len(path) - 1 and path[:2] == ("score", "modules"):
            # 管理效能 / 管理效率 are the same module
            for alias, canon in MODULE_ALIASES.items():
                if canon == part and alias in node:
                    return node[alias]
        if path[0] == "yoy" and i == 1:
            return node.get(part)
        return None
    return node


def check_metrics(groups, metrics: dict) -> list[Check]:
    """Every stated figure equals the computed one in metrics.json (at the stated precision)."""
    out = []
    for key, figs in groups.items():
        seen: list[Figure] = []
        for f in figs:
            if f.approx or any(same_value(f, g) for g in seen):
                continue
            seen.append(f)
            path = metrics_path(key, f.unit)
            if path is None:
                continue
            title = f"{key_name(key)} ↔ metrics {'.'.join(path)}"
            raw = _lookup(metrics, path)
            if raw is None or isinstance(raw, (dict, list, bool)):
                out.append(Check("metrics", title, SKIP, f.display(), "—",
                                 "metrics.json 中无此值 / not in metrics.json", [f]))
                continue
            try:
                computed = to_decimal(raw)
            except ValueError:
                out.append(Check("metrics", title, SKIP, f.display(), str(raw),
                                 "metrics.json 中的值不是数字 / not a number", [f]))
                continue
            if f.kind == "rank":
                status = OK if computed == f.value else MISMATCH
                shown = f"第{computed}名"
            else:
                rounded = round_to_step(computed, f.step)
                status = OK if (rounded == f.value or abs(computed - f.value) <= Decimal("0.005")) \
                    else MISMATCH
                if f.kind in ("yoy", "change"):
                    shown = _signed(computed, max(f.places, 2), f.unit)
                else:
                    shown = _show(computed, max(f.places, 2), f.unit)
            out.append(Check("metrics", title, status, f.display(), shown,
                             f"metrics.json：{'.'.join(path)} = {raw}", [f]))
    return out


# ---------------------------------------------------------------------------------------- run

@dataclass
class AuditResult:
    """The figures found and the checks run on them."""

    extraction: Extraction
    checks: list[Check]
    metrics_file: str | None = None

    @property
    def mismatches(self) -> list[Check]:
        return [c for c in self.checks if c.status == MISMATCH]

    @property
    def exit_code(self) -> int:
        return 1 if self.mismatches else 0

    def to_json(self) -> dict:
        groups = self.extraction.by_key()
        return {
            "file": self.extraction.path,
            "format": self.extraction.fmt,
            "metrics": self.metrics_file,
            "consistent": not self.mismatches,
            "exit_code": self.exit_code,
            "summary": {s: sum(1 for c in self.checks if c.status == s) for s in (OK, MISMATCH, SKIP)},
            "quantities": [
                {"key": k, "name": key_name(k), "values": sorted({f.display() for f in fs}),
                 "count": len(fs), "metrics_path": ".".join(metrics_path(k, fs[0].unit) or ()) or None}
                for k, fs in groups.items()],
            "figures": [f.to_json() for f in self.extraction.figures],
            "checks": [c.to_json() for c in self.checks],
            "unrecognised": self.extraction.unrecognised,
            "indicators": [i.to_json() for i in self.extraction.indicators],
        }


def run_checks(extraction: Extraction, metrics: dict | None = None,
               module_max: Decimal | None = None, metrics_file: str | None = None) -> AuditResult:
    """Run every check on an extraction (and against ``metrics`` when given)."""
    groups = extraction.by_key()
    checks: list[Check] = []
    checks += check_execution_rates(groups)
    checks += check_parts(groups)
    checks += check_unspent(groups)
    checks += check_modules(groups)
    checks += check_max(groups, module_max)
    checks += check_duplicates(groups)
    checks += check_changes(groups)
    checks += check_indicators(extraction)
    checks += check_entity_rows(extraction)
    if metrics is not None:
        checks += check_metrics(groups, metrics)
    return AuditResult(extraction, checks, metrics_file)
