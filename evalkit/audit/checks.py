"""Arithmetic and consistency checks on the figures a report states.

Each check records the stated value, the value recomputed from the other stated figures (or read
from ``metrics.json``), the sentences involved, and a status:

* ``OK`` — the figures agree;
* ``MISMATCH`` — they disagree, and every figure involved was read with certainty (label, unit,
  scope): a real inconsistency a person should fix (exit 1);
* ``UNVERIFIED`` (未核对) — the check could not be done or its figures are not certain (OCR
  text, a unit not printed, a figure that is only approximate, a table read from a text stream);
  the reason is given. Never an exit 1.

All rounding goes through :mod:`evalkit.numfmt`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from evalkit.numfmt import change_pct, ratio_pct, round_half_up, to_decimal

from .extract import Modules, is_up
from .model import (FREE_PREFIXES, INDICATOR_PREFIX, Breakdown, Extraction, Figure, Groups,
                    Sentence, fmt_dec, key_name)
from .vocab import vocabulary

OK, MISMATCH, UNVERIFIED = "OK", "MISMATCH", "UNVERIFIED"
#: how each status is shown to the user
STATUS_LABEL = {OK: "一致", MISMATCH: "不一致", UNVERIFIED: "未核对"}
DEFAULT_TOTAL_MAX = Decimal(100)


@dataclass
class Check:
    """One check and its outcome (``reason``: why it is 未核对)."""

    kind: str
    title: str
    status: str
    stated: str
    recomputed: str
    detail: str = ""
    figures: list[Figure] = field(default_factory=list)
    reason: str = ""

    @property
    def sentences(self) -> list[Sentence]:
        """The distinct sentences of the figures involved, in report order."""
        seen: dict[int, Sentence] = {}
        for f in self.figures:
            seen.setdefault(f.sentence.index, f.sentence)
        return [seen[i] for i in sorted(seen)]

    def to_json(self) -> dict:
        return {"kind": self.kind, "title": self.title, "status": self.status,
                "status_zh": STATUS_LABEL[self.status], "stated": self.stated,
                "recomputed": self.recomputed, "detail": self.detail,
                "reason": self.reason or None,
                "sentences": [s.to_json() for s in self.sentences]}


# ------------------------------------------------------------------------------------ helpers

def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` half-up to a multiple of ``step`` (one unit in the last printed digit)."""
    return round_half_up(to_decimal(value) / step, 0) * step


def same_value(a: Figure, b: Figure) -> bool:
    """Two statements agree when the finer one rounds (half-up) to the coarser one."""
    fine, coarse = (a, b) if a.step <= b.step else (b, a)
    return round_to_step(fine.value, coarse.step) == coarse.value


def _unique(items) -> list:
    out: list = []
    seen: set = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def verdict(ok: bool, figures: list[Figure | None]) -> tuple[str, str]:
    """OK, or MISMATCH when every figure is certain, else 未核对 with the doubts as reason."""
    if ok:
        return OK, ""
    doubts = _unique(f.why_uncertain() for f in figures if f is not None and not f.certain)
    if doubts:
        return UNVERIFIED, "读数不确定（" + "；".join(doubts) + "），不判为不一致 / uncertain reading"
    return MISMATCH, ""


def make(kind: str, title: str, ok: bool, stated: str, recomputed: str, detail: str,
         figures: list[Figure | None]) -> Check:
    """A check whose status follows :func:`verdict`."""
    figs = [f for f in figures if f is not None]
    status, reason = verdict(ok, figs)
    return Check(kind, title, status, stated, recomputed, detail, figs, reason)


def unverified(kind: str, title: str, stated: str, reason: str, figures: list[Figure]) -> Check:
    return Check(kind, title, UNVERIFIED, stated, "—", "", figures, reason)


def _first(groups: dict[str, list[Figure]], key: str, sentence: Sentence | None = None,
           scope: str = "") -> Figure | None:
    """The figure of ``key`` (in ``scope``) in ``sentence`` if there is one, else its first
    certain statement, else its first statement."""
    gkey = f"{key}@{scope}" if scope else key
    if not isinstance(groups, Groups):
        groups = Groups(groups)
    if sentence is not None:
        f = groups.in_sentence(gkey, sentence.index)
        if f is not None:
            return f
    return groups.first(gkey)


def _show(value: Decimal | None, places: int, unit: str = "") -> str:
    return "—" if value is None else f"{fmt_dec(value, places)}{unit}"


def _signed(value: Decimal | None, places: int, unit: str) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{fmt_dec(abs(value), places)}{unit}"


def _module_of(key: str) -> str:
    return key.split(".", 2)[2]


def sum_check(kind: str, title: str, whole: Figure, parts: list[Figure],
              exact: bool = True) -> Check:
    """Σ parts = whole (``exact``) or Σ parts ≤ whole; tolerance one last digit per addend.

    Weights, scores and counts printed as whole numbers are exact (no tolerance): a weight of 4
    is 4, not a rounded 4.4.
    """
    total = sum((p.value for p in parts), Decimal(0))
    steps = [p.step for p in parts] + [whole.step]
    tol = len(parts) * max(steps)
    if whole.kind in ("weight", "score", "lost", "count") and max(steps) >= 1:
        tol = Decimal(0)
    ok = abs(total - whole.value) <= tol if exact else total <= whole.value + tol
    places = max(p.places for p in parts + [whole])
    expr = " + ".join(p.display() for p in parts)
    rel = "=" if exact else "≤"
    detail = (f"{expr} = {_show(total, places, whole.unit)}，陈述 {whole.display()}"
              f"（{rel}；容差每个加数 {fmt_dec(max(steps), places)} / tolerance per addend）")
    return make(kind, title, ok, whole.display(), _show(total, places, whole.unit), detail,
                [whole, *parts])


# ------------------------------------------------------------------------------------- rates

_RATE_SPECS = [("budget.execution_rate_pct", "budget.total_actual_wan", "budget.total_budget_wan"),
               ("budget.basic_execution_rate_pct", "budget.basic_actual_wan",
                "budget.basic_budget_wan"),
               ("budget.project_execution_rate_pct", "budget.project_actual_wan",
                "budget.project_budget_wan")]


def rate_range(actual: Figure, budget: Figure, places: int) -> tuple[Decimal, Decimal] | None:
    """The rates the printed (rounded) amounts allow, or None for a zero budget."""
    ha, hb = actual.step / 2, budget.step / 2
    if budget.value - hb <= 0:
        return None
    low = ratio_pct(max(actual.value - ha, Decimal(0)), budget.value + hb, places + 2)
    high = ratio_pct(actual.value + ha, budget.value - hb, places + 2)
    return low, high


def rate_check(rate: Figure, actual: Figure, budget: Figure, title: str) -> Check | None:
    """执行率 = 实际 / 预算 within one last digit of what the rounded amounts allow."""
    if actual.value == 0 and budget.value == 0:
        return None
    calc = ratio_pct(actual.value, budget.value, rate.places)
    rng = rate_range(actual, budget, rate.places)
    if calc is None or rng is None:
        return unverified("rate", title, rate.display(), "预算数为0，无法复算 / zero budget",
                          [rate, actual, budget])
    low, high = rng
    ok = abs(rate.value - calc) <= rate.step or low - rate.step <= rate.value <= high + rate.step
    detail = (f"{actual.display()} / {budget.display()} × 100% = {_show(calc, rate.places)}%"
              " （四舍五入，容差为末位1个单位 / half-up, tolerance one unit in the last digit）")
    return make("rate", title, ok, rate.display(), f"{_show(calc, rate.places)}%", detail,
                [rate, actual, budget])


def check_execution_rates(groups) -> list[Check]:
    """预算执行率 (and basic/project rates) = actual / budget, per scope."""
    out = []
    for gkey, figs in groups.items():
        for rate_key, actual_key, budget_key in _RATE_SPECS:
            if gkey.split("@", 1)[0] != rate_key:
                continue
            for rate in figs:
                out += _one_rate(groups, rate, actual_key, budget_key)
    return out


def _one_rate(groups, rate: Figure, actual_key: str, budget_key: str) -> list[Check]:
    scope = rate.scope
    actual = _first(groups, actual_key, rate.sentence, scope)
    budget = _first(groups, budget_key, rate.sentence, scope)
    where = f"［{scope}］" if scope else ""
    title = f"{where}{key_name(rate.key)} = {key_name(actual_key)} / {key_name(budget_key)}"
    if actual is None or budget is None:
        if scope:
            return []
        return [unverified("rate", title, rate.display(),
                           "未陈述实际支出或预算数，无法复算 / actual or budget not stated", [rate])]
    check = rate_check(rate, actual, budget, title)
    return [check] if check is not None else []


# ------------------------------------------------------------------------------------- parts

def _decomposition(whole: Figure, parts: list[Figure]) -> bool:
    """The parts' keys are a complete decomposition of the whole in the vocabulary."""
    keys = {p.key for p in parts}
    for w, dparts in vocabulary().decompositions:
        if (w == whole.key or (w == "*" and whole.key in _ANY_WHOLE)) and set(dparts) == keys:
            return True
    return False


#: wholes a bracket 年初 + 年中追加 breakdown may explain (not 结余, not 支出)
_ANY_WHOLE = ("budget.total_budget_wan", "income.total_wan", "income.fiscal_wan",
              "budget.funds_received_wan")


def _nested(parts: list[Figure]) -> bool:
    """Some part is a part of another listed part (人员经费 under 基本支出): no plain sum."""
    part_of = vocabulary().part_of
    keys = {p.key for p in parts}
    return any(part_of.get(p.key) in keys for p in parts) or len(keys) < len(parts) and \
        not all(p.scope for p in parts)


def check_breakdowns(ex: Extraction) -> tuple[list[Check], set[tuple[str, frozenset]]]:
    """其中 / 包括 / 含 / bracket lists: a complete list adds up to its whole; any list ≤ it."""
    out, done = [], set()
    for bd in ex.breakdowns:
        check = _breakdown_check(bd)
        if check is not None:
            out.append(check)
            done.add((bd.whole.key, frozenset(p.key for p in bd.parts)))
    return out, done


def _breakdown_check(bd: Breakdown) -> Check | None:
    whole, parts = bd.whole, bd.parts
    if whole.kind not in ("amount", "count") or any(p.unit != whole.unit for p in parts):
        return None
    names = " + ".join(_unique(p.display_name for p in parts))
    complete = _decomposition(whole, parts) or bd.catch_all
    if complete:
        return sum_check("sum", f"{names} = {whole.display_name}", whole, parts)
    if _nested(parts) or any(p.key.startswith(FREE_PREFIXES) and p.kind != "count"
                             for p in parts if p.key.startswith("amount:")):
        return None
    return sum_check("part", f"{bd.marker}：{names} ≤ {whole.display_name}", whole, parts,
                     exact=False)


def check_decompositions(groups, done: set) -> list[Check]:
    """基本 + 项目 = 支出, 年初 + 调整 = 全年 … across the report when no 其中 list checked it."""
    out = []
    for whole_key, part_keys in vocabulary().decompositions:
        if whole_key == "*" or (whole_key, frozenset(part_keys)) in done:
            continue
        whole = _first(groups, whole_key)
        parts = [_first(groups, k) for k in part_keys]
        if whole is None or any(p is None for p in parts):
            continue
        title = " + ".join(key_name(k) for k in part_keys) + f" = {key_name(whole_key)}"
        out.append(sum_check("sum", title, whole, parts))
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
        ok = abs(calc - f.value) <= 2 * max(f.step, budget.step, actual.step)
        out.append(make("unspent", "结余 = 全年预算 − 实际支出", ok, f.display(),
                        _show(calc, f.places, "万元"), f"{budget.display()} − {actual.display()}",
                        [f, budget, actual]))
    return out


def check_phases(ex: Extraction) -> list[Check]:
    """共N个 = 年初M个 + 年中增加K个."""
    out = []
    for ph in ex.phases:
        calc = ph.initial.value + ph.added.value
        unit = ph.total.unit
        out.append(make("phase", f"{ph.noun}：年初 + 年中增加 = 共计", calc == ph.total.value,
                        ph.total.display(), f"{_show(calc, 0)}{unit}",
                        f"{ph.initial.display()} + {ph.added.display()} = {_show(calc, 0)}{unit}，"
                        f"陈述共 {ph.total.display()}", [ph.total, ph.initial, ph.added]))
    return out


def check_count_lists(ex: Extraction) -> list[Check]:
    """A count against the list it counts (``10个，即…``)."""
    out = []
    for cl in ex.count_lists:
        n = len(cl.items)
        count = cl.count
        title = f"{count.name}：所述数量 = 列举项数"
        shown = "、".join(cl.items[:6]) + ("…" if n > 6 else "")
        detail = f"列举 {n} 项：{shown}"
        if n == count.value:
            out.append(Check("count", title, OK, count.display(), f"{n}项", detail, [count]))
        elif cl.pattern == "listed" or (cl.partial and n < count.value):
            out.append(Check("count", title, UNVERIFIED, count.display(), f"{n}项", detail,
                             [count], "列表起止不明（顿号列举可能含非计数对象），不判为不一致 / "
                             "where the list starts is unclear"))
        else:
            out.append(make("count", title, False, count.display(), f"{n}项", detail, [count]))
    return out


# ---------------------------------------------------------------------------------- unit slips

_SLIP_KEYS = ("budget.total_actual_wan", "budget.total_budget_wan", "income.total_wan",
              "income.fiscal_wan", "budget.initial_budget_wan")


def check_unit_slips(ex: Extraction) -> list[Check]:
    """An amount printed in 元 among 万元 figures of its kind, at 1/10000 of their scale."""
    out = []
    wan: dict[int, Figure] = {}     # paragraph → its largest 万元 amount of these keys
    amounts = [f for f in ex.figures if f.kind == "amount" and not f.scope and f.certain
               and f.key in _SLIP_KEYS]
    for g in amounts:
        p = g.sentence.paragraph
        if g.printed_unit == "万元" and g.value > 0 and (p not in wan or g.value > wan[p].value):
            wan[p] = g
    for f in amounts:
        if f.printed_unit != "元":
            continue
        near = [wan[p] for p in range(f.sentence.paragraph - 3, f.sentence.paragraph + 4)
                if p in wan]
        if not near:
            continue
        peer = max(near, key=lambda g: g.value)
        as_wan = f.value * 10000
        if f.value < peer.value / 1000 and peer.value / 5 <= as_wan <= peer.value * 5:
            out.append(Check("unit", f"{f.name}：单位与同类金额不符（疑似“万元”误为“元”）", MISMATCH,
                             f.raw, f"{fmt_dec(as_wan, 2)}万元？",
                             f"{f.raw} = {f.display()}，仅为{peer.name} {peer.display()} 的"
                             f"{fmt_dec(f.value / peer.value * 100, 4)}%；按万元读为 "
                             f"{fmt_dec(as_wan, 2)}万元，与之同一量级 / probable unit slip",
                             [f, peer]))
    return out


# ------------------------------------------------------------------------------------ scores

def check_modules(groups, modules: Modules, ex: Extraction | None = None) -> list[Check]:
    """Module scores add up to the total score: the scores listed under it (其中…), or every
    module of the framework. Without either, whether all modules are stated is unknown."""
    known = set(modules.weights)
    for bd in (ex.breakdowns if ex is not None else []):
        listed = {_module_of(p.key) for p in bd.parts if p.key.startswith("score.modules.")}
        if bd.whole.key == "score.total" and len(bd.parts) >= 2 and \
                all(p.kind == "score" for p in bd.parts) and not (known and listed < known):
            title = " + ".join(p.display_name for p in bd.parts) + " = 自评总分"
            return [sum_check("modules", title, bd.whole, bd.parts)]
    module_keys = [k for k in groups if k.startswith("score.modules.")]
    total = _first(groups, "score.total")
    if total is None or len(module_keys) < 2:
        return []
    parts = [p for p in (_first(groups, k) for k in module_keys) if p is not None]
    title = " + ".join(key_name(k) for k in module_keys) + " = 自评总分"
    stated = {_module_of(k) for k in module_keys}
    if not known or stated < known:
        missing = "、".join(sorted(known - stated)) if known else ""
        why = (f"未陈述模块 {missing} 的得分" if missing else "不知道报告是否列出了全部模块（可用 "
               "--framework 指定评分框架）")
        return [unverified("modules", title, total.display(), f"{why}，无法核对总分 / not every "
                           "module is known to be stated", [total, *parts])]
    return [sum_check("modules", title, total, parts)]


def _module_weights(groups, modules: Modules, module_max: Decimal | None):
    """Each module's maximum and where it comes from (the report, the option, the framework)."""
    stated = {}
    for key, fs in groups.items():
        if key.startswith("weight.modules."):
            stated[_module_of(key)] = fs[0]
    uniform = {f.value for f in stated.values()}
    weights: dict[str, tuple[Decimal, str, bool]] = {}
    names = {_module_of(k) for k in groups if k.startswith(("score.modules.", "lost.modules."))}
    for m in names:
        if m in stated:
            weights[m] = (stated[m].value, "报告陈述 / stated in the report", True)
        elif module_max is not None:
            weights[m] = (module_max, "命令行 --module-max", True)
        elif m in modules.weights:
            weights[m] = (modules.weights[m], f"框架 {modules.source}", modules.certain)
        elif len(uniform) == 1:
            weights[m] = (next(iter(uniform)), "按报告中其他模块的满分 / as stated for another "
                          "module", False)
    return weights, list(stated.values())


def check_max(groups, modules: Modules, module_max: Decimal | None) -> list[Check]:
    """A module score is within its weight; 扣分 = 满分 − 得分; the total within its maximum."""
    out = []
    weights, weight_figs = _module_weights(groups, modules, module_max)
    for key, figs in groups.items():
        if key.startswith("score.modules."):
            out += _module_max(key, figs, weights, weight_figs, groups)
    out += _total_max(groups, weights, modules)
    return out


def _module_max(key, figs, weights, weight_figs, groups) -> list[Check]:
    m = _module_of(key)
    out = []
    for f in figs[:1] + [g for g in figs[1:] if not same_value(g, figs[0])]:
        title = f"{m}得分 ≤ 满分"
        if m not in weights:
            out.append(unverified("max", title, f.display(),
                                  "满分未知（报告未写明，可用 --framework 或 --module-max 指定） / "
                                  "weight unknown", [f]))
            continue
        w, why, sure = weights[m]
        wf = [g for g in weight_figs if _module_of(g.key) == m]
        ok = Decimal(0) <= f.value <= w
        check = make("max", title, ok, f.display(), f"满分{_show(w, 0 if w == w.to_integral() else 2)}分",
                     f"满分来源：{why}", [f, *wf])
        if not ok and not sure and check.status == MISMATCH:
            check.status, check.reason = UNVERIFIED, f"满分来源不确定（{why}），不判为不一致"
        out.append(check)
    lost = _first(groups, f"lost.modules.{m}")
    if lost is not None and m in weights:
        score = figs[0]
        calc = weights[m][0] - score.value
        ok = abs(calc - lost.value) <= 2 * max(lost.step, score.step)
        out.append(make("lost", f"{m}扣分 = 满分 − 得分", ok, lost.display(),
                        _show(calc, lost.places, "分"), "", [lost, score]))
    return out


def _total_max(groups, weights, modules: Modules) -> list[Check]:
    total = _first(groups, "score.total")
    if total is None:
        return []
    wt = _first(groups, "weight.total")
    mods = [k for k in groups if k.startswith("score.modules.")]
    if wt is not None:
        tmax, why = wt.value, "报告陈述 / stated in the report"
    elif modules.total is not None:
        tmax, why = modules.total, f"框架 {modules.source}"
    elif mods and all(_module_of(k) in weights for k in mods):
        tmax = sum((weights[_module_of(k)][0] for k in mods), Decimal(0))
        why = "各模块满分之和 / sum of module weights"
    else:
        tmax, why = DEFAULT_TOTAL_MAX, "百分制默认 / 100-point default"
    ok = Decimal(0) <= total.value <= tmax
    return [make("max", "自评总分 ≤ 满分", ok, total.display(),
                 f"满分{_show(tmax, 0 if tmax == tmax.to_integral() else 2)}分",
                 f"满分来源：{why}", [total] + ([wt] if wt else []))]


# ------------------------------------------------------------------------------- duplicates

def _checkable_key(key: str) -> bool:
    return not key.startswith(FREE_PREFIXES) and "unknown" not in key \
        and not key.startswith(("weight.", "lost.total", INDICATOR_PREFIX))


def check_duplicates(groups) -> list[Check]:
    """The same quantity (in one scope) stated more than once has the same value every time."""
    out = []
    for gkey, figs in groups.items():
        exact = [f for f in figs if not f.approx]
        if len(exact) < 2 or not _checkable_key(gkey.split("@", 1)[0]):
            continue
        ref = next((f for f in exact if f.certain), exact[0])
        bad = [f for f in exact if not same_value(f, ref)]
        values = _unique(f.display() for f in exact)
        name = exact[0].display_name
        title = f"{name}：多处陈述应一致"
        if not bad:
            out.append(Check("duplicate", title, OK, f"{ref.display()} ×{len(exact)}",
                             ref.display(), f"{len(exact)} 处陈述一致 / {len(exact)} statements agree",
                             exact))
            continue
        detail = "；".join(f"{f.display()}（{f.sentence.where}）" for f in exact)
        check = make("duplicate", title, False, " / ".join(values), ref.display(),
                     f"同一数值多处陈述不一致 / stated differently: {detail}", [ref, *bad])
        check.figures = exact
        out.append(check)
    return out


# ---------------------------------------------------------------------------------- changes

def check_changes(groups) -> list[Check]:
    """同比 consistent with the two years' values; direction words agree with the numbers."""
    out = _direction_checks(groups)
    for key, figs in groups.items():
        if not key.startswith(("yoy:", "change:")) or key.split("@")[0].endswith("unknown"):
            continue        # a change of nothing named: listed, nothing to check it against
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
            ok = f.value == prev.value or up == is_up(f.direction)
            out.append(make("direction", f"{key_name(key)}：方向词与两年数值一致", ok,
                            f"由{prev.display()}{f.direction}至{f.display()}",
                            "增加" if up else ("持平" if f.value == prev.value else "减少"),
                            f"{prev.display()} → {f.display()}", [f, prev]))
    return out


def _direction_note(calc: Decimal, f: Figure) -> str:
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
        return unverified("yoy", title, f.display(),
                          "未同时陈述两年数值，无法复算（可用 --metrics 核对） / both years not stated",
                          [f])
    calc = change_pct(cur.value, prev_value, f.places)
    if calc is None:
        return None
    prev_show = prev.display() if prev is not None else _show(prev_value, cur.places, cur.unit)
    detail = f"({cur.display()} − {prev_show}) / {prev_show} × 100% = " \
             f"{_signed(calc, f.places, '%')} {how}".strip() + _direction_note(calc, f)
    return make("yoy", title, abs(calc - f.value) <= f.step, f.display(),
                _signed(calc, f.places, "%"), detail, [f, cur, prev if prev else change])


def _change_check(key: str, f: Figure, cur: Figure | None, prev: Figure | None) -> Check | None:
    """A stated change (万元, 件, 个百分点) = 本年 − 上年."""
    if cur is None or prev is None or cur.unit != prev.unit:
        return None
    calc = cur.value - prev.value
    unit = "个百分点" if cur.unit == "%" else cur.unit
    ok = abs(calc - f.value) <= f.step + max(cur.step, prev.step)
    detail = f"{cur.display()} − {prev.display()} = {_signed(calc, f.places, unit)}" \
        + _direction_note(calc, f)
    return make("change", f"{key_name(key)} = 本年 − 上年", ok, f.display(),
                _signed(calc, f.places, unit), detail, [f, cur, prev])


__all__ = ["Check", "MISMATCH", "OK", "STATUS_LABEL", "UNVERIFIED", "check_breakdowns",
           "check_changes", "check_count_lists", "check_decompositions", "check_duplicates",
           "check_execution_rates", "check_max", "check_modules", "check_phases",
           "check_unit_slips", "check_unspent", "make", "round_to_step", "same_value",
           "sum_check", "unverified", "verdict"]
