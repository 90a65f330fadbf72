"""Narrative sentences of the report, drafted from the metrics dict.

Every figure in a sentence is read from the metrics dict and formatted through
:mod:`evalkit.numfmt`; nothing is typed in, so a sentence can never disagree with its table.
Functions return plain strings (the template escapes them) or lists of strings, and return an
empty result when their figures are missing so the template can print a short note instead.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import datetime as _dt

from evalkit import catalogue
from evalkit.numfmt import cn_ordinal, describe_change, fmt_count, fmt_fixed, fmt_pct, fmt_wan

NO_PREVIOUS = "无上年数据"
_MODULE_EFFECTIVENESS = "履职效能"
_MODULE_EFFICIENCY = "管理效率"


def dig(data: Mapping[str, Any] | None, dotted: str, default: Any = None) -> Any:
    """Return ``data[a][b]…`` for ``dotted = "a.b…"``, or ``default`` when any level is missing."""
    cur: Any = data
    for part in dotted.split("."):
        if not isinstance(cur, Mapping) or cur.get(part) is None:
            return default
        cur = cur[part]
    return cur


def fmt_score(value: Any) -> str:
    """Format a score with 2 decimals (``92.10``)."""
    return fmt_fixed(value, 2)


def yoy_phrase(metrics: Mapping[str, Any], key: str, prefix: str = "，同比") -> str:
    """``"，同比增长1.23%"`` from ``metrics['yoy_text'][key]``; ``""`` without a previous year."""
    texts = metrics.get("yoy_text") or {}
    text = texts.get(key) if isinstance(texts, Mapping) else None
    if not text or text == NO_PREVIOUS:
        return ""
    return f"{prefix}{text}"


def enumerate_cn(items: Iterable[str], end: str = "。") -> str:
    """Join items as 「一是…；二是…。」 (trailing punctuation of each item is normalised)."""
    parts = [str(s).strip().rstrip("。；;，,.") for s in items if s and str(s).strip()]
    if not parts:
        return ""
    return "；".join(f"{cn_ordinal(i)}是{p}" for i, p in enumerate(parts, 1)) + end


def department_short(department: Mapping[str, Any], metrics: Mapping[str, Any]) -> str:
    """The department name as given (e.g. ``增城区信访局``)."""
    return str(department.get("department") or metrics.get("department") or "本部门")


def report_title(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> str:
    """「2023年度广州市增城区信访局整体支出绩效自评报告」 from department.yaml city/district/department."""
    city = str(department.get("city") or metrics.get("city") or "")
    district = str(department.get("district") or metrics.get("district") or "")
    name = department_short(department, metrics)
    if district and not name.startswith(district):
        name = district + name
    if city and not name.startswith(city):
        name = city + name
    return f"{metrics.get('year')}年度{name}整体支出绩效自评报告"


def preamble(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> str:
    """The opening paragraph citing the notice, or ``""`` without one."""
    notice = str(department.get("notice") or "").strip()
    if not notice:
        return ""
    return (f"根据{notice}要求，我单位及时布置自评工作，对{metrics.get('year')}年度部门整体支出"
            f"绩效情况开展自评，形成本自评报告。")


def key_tasks_summary(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> str:
    """「2023年度重点工作任务：一是…；二是…。」 from the key task titles."""
    tasks = department.get("key_tasks") or []
    titles = [t.get("title", "") for t in tasks if isinstance(t, Mapping)]
    body = enumerate_cn(titles)
    return f"{metrics.get('year')}年度重点工作任务：{body}" if body else ""


def income_expenditure(metrics: Mapping[str, Any]) -> list[str]:
    """The 部门整体收支情况 paragraphs (budget, actual, execution rate, basic vs project)."""
    b = metrics.get("budget") or {}
    if b.get("total_budget_wan") is None or b.get("total_actual_wan") is None:
        return []
    year = metrics.get("year")
    first = (f"我部门{year}年全年预算拨款{fmt_wan(b['total_budget_wan'])}，实际支出"
             f"{fmt_wan(b['total_actual_wan'])}，预算执行率为{fmt_pct(b.get('execution_rate_pct'))}")
    if b.get("unspent_wan") is not None:
        first += f"，预算结余{fmt_wan(b['unspent_wan'])}"
    first += "。"
    if b.get("initial_budget_wan") is not None and b.get("adjustment_wan"):
        first += (f"其中年初预算{fmt_wan(b['initial_budget_wan'])}，年中预算调整"
                  f"{describe_change(b['adjustment_wan'], kind='wan')}。")
    first += income_sentence(metrics)
    second = f"全年实际支出数{fmt_wan(b['total_actual_wan'])}"
    if b.get("basic_actual_wan") is not None and b.get("project_actual_wan") is not None:
        second += (f"，其中：基本支出{fmt_wan(b['basic_actual_wan'])}，"
                   f"项目支出{fmt_wan(b['project_actual_wan'])}")
    second += yoy_phrase(metrics, "budget.total_actual_wan", "，实际支出同比") + "。"
    parts = [first, second]
    rates = []
    if b.get("basic_execution_rate_pct") is not None:
        rates.append(f"基本支出预算执行率为{fmt_pct(b['basic_execution_rate_pct'])}")
    if b.get("project_execution_rate_pct") is not None:
        rates.append(f"项目支出预算执行率为{fmt_pct(b['project_execution_rate_pct'])}")
    if rates:
        parts.append("，".join(rates) + "。")
    return parts


def income_sentence(metrics: Mapping[str, Any]) -> str:
    """收入 by source: 「财政拨款收入774.90万元。」, or 「本年收入合计…，其中：财政拨款收入…，其他收入…。」,
    with 年初结转和结余 when there is any; ``""`` when the budget file does not say where its money
    came from (no 资金来源, or a line left blank): the sentence is left out, never guessed."""
    b = metrics.get("budget") or {}
    fiscal, other = b.get("income_fiscal_wan"), b.get("income_other_wan")
    if fiscal is None or other is None:
        return ""

    def part(key: str) -> str:
        return f"{catalogue.label(key)}{fmt_wan(b.get(key.split('.', 1)[1]))}"

    if other:
        text = (f"{part('budget.income_total_wan')}，其中：{part('budget.income_fiscal_wan')}，"
                f"{part('budget.income_other_wan')}")
    else:
        text = part("budget.income_fiscal_wan")
    if b.get("carryover_wan"):
        text += f"；另有{part('budget.carryover_wan')}"
    return text + "。"


def month_runs(months: Iterable[int]) -> str:
    """Months as runs: ``[1, 2, 3, 5, 7, 8]`` → ``1—3月、5月、7—8月``; 12 months → ``1—12月``.

    >>> month_runs([1, 2, 3, 5, 7, 8]), month_runs(range(1, 13)), month_runs([6])
    ('1—3月、5月、7—8月', '1—12月', '6月')
    """
    ordered = sorted({int(m) for m in months})
    runs: list[list[int]] = []
    for m in ordered:
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(f"{r[0]}—{r[-1]}月" if len(r) > 1 else f"{r[0]}月" for r in runs)


def spending_progress(metrics: Mapping[str, Any]) -> str:
    """Checkpoint sentence: 「截至7月底累计支出进度为52.45%，目标为60.00%，未达到…」."""
    b = metrics.get("budget") or {}
    checks = b.get("checkpoints") or []
    if not checks:
        return ""
    bits = []
    for c in checks:
        verdict = "达到" if c.get("met") else "未达到"
        bits.append(f"截至{fmt_count(c.get('month'))}月底累计支出进度为{fmt_pct(c.get('actual_pct'))}，"
                    f"{verdict}{fmt_pct(c.get('target_pct'))}的进度要求")
    text = "；".join(bits) + "。"
    behind = b.get("months_behind") or []
    if behind:
        text += (f"全年累计支出进度低于序时进度的月份有{month_runs(behind)}，"
                 f"共{fmt_count(len(behind), '个月')}。")
    else:
        text += "全年各月累计支出进度均不低于序时进度。"
    return text


def score_conclusion(metrics: Mapping[str, Any]) -> str:
    """「本部门整体支出绩效自评总分为92.10分，等级为优。其中，履职效能自评46.80分，管理效率自评45.30分。」"""
    s = metrics.get("score") or {}
    if s.get("total") is None:
        return ""
    text = f"本部门整体支出绩效自评总分为{fmt_score(s['total'])}分"
    if s.get("grade"):
        text += f"，等级为{s['grade']}"
    text += "。"
    mods = [(d.get("name"), d.get("score")) for d in s.get("module_details") or []]
    if not mods:
        mods = list((s.get("modules") or {}).items())
    if mods:
        text += "其中，" + "，".join(f"{n}自评{fmt_score(v)}分" for n, v in mods) + "。"
    return text


def _petition_volume(metrics: Mapping[str, Any], p: Mapping[str, Any]) -> str:
    """「2023年，全区共登记信访事项3000件，…，其中网信2660件（各类网上渠道合计），网信占比率为88.67%…。」"""
    s = (f"{metrics.get('year')}年，全区共登记信访事项{fmt_count(p['total_cases'], '件')}"
         f"{yoy_phrase(metrics, 'petitions.total_cases')}")
    if p.get("online_cases") is not None:
        # 网信 = every online channel (网上信访, 手机信访, 微信 …), not the channel 网上信访 alone
        s += f"，其中网信{fmt_count(p['online_cases'], '件')}（各类网上渠道合计）"
    if p.get("online_share_pct") is not None:
        s += (f"，网信占比率为{fmt_pct(p['online_share_pct'])}"
              f"{yoy_phrase(metrics, 'petitions.online_share_pct')}")
    return s + "。"


def _petition_rate_bits(metrics: Mapping[str, Any], p: Mapping[str, Any]) -> Iterable[str]:
    """The rate clauses present: 一次性化解率, 满意率 (参评率), 及时受理率, 按期办结率, 重复信访率."""
    if p.get("first_time_resolution_rate_pct") is not None:
        yield (f"求决类初次信访事项一次性化解率为{fmt_pct(p['first_time_resolution_rate_pct'])}"
               f"（{fmt_count(p.get('qiujue_initial_resolved'))}/"
               f"{fmt_count(p.get('qiujue_initial_closed'))}件）"
               f"{yoy_phrase(metrics, 'petitions.first_time_resolution_rate_pct')}")
    if p.get("satisfaction_rate_pct") is not None:
        t = f"全系统群众满意率达到{fmt_pct(p['satisfaction_rate_pct'])}"
        t += yoy_phrase(metrics, "petitions.satisfaction_rate_pct")
        if p.get("participation_rate_pct") is not None:
            t += f"，参评率为{fmt_pct(p['participation_rate_pct'])}"
        yield t
    if p.get("timely_acceptance_rate_pct") is not None:
        yield f"及时受理率为{fmt_pct(p['timely_acceptance_rate_pct'])}"
    if p.get("on_time_completion_rate_pct") is not None:
        yield f"按期办结率为{fmt_pct(p['on_time_completion_rate_pct'])}"
    if p.get("repeat_rate_pct") is not None:
        yield (f"重复信访率为{fmt_pct(p['repeat_rate_pct'])}"
               f"{yoy_phrase(metrics, 'petitions.repeat_rate_pct')}")


def petition_overview(metrics: Mapping[str, Any]) -> list[str]:
    """Sentences on the petition metrics (volume, 网信占比, 一次性化解率, 满意率, 受理/办结, 重复)."""
    p = metrics.get("petitions") or {}
    if p.get("total_cases") is None:
        return []
    out = [_petition_volume(metrics, p)]
    bits = list(_petition_rate_bits(metrics, p))
    if bits:
        out.append("；".join(bits) + "。")
    nat = national_sentence(metrics)
    if nat:
        out.append(nat)
    return out


def national_sentence(metrics: Mapping[str, Any]) -> str:
    """「群众“到国家信访局登记求决类初次信访事项”数量为46件，同比下降43.21%，下降幅度在全市11个区中排名第3。」"""
    p = metrics.get("petitions") or {}
    count = p.get("national_initial_qiujue_count")
    if count is None:
        return ""
    text = f"群众“到国家信访局登记求决类初次信访事项”数量为{fmt_count(count, '件')}"
    change = p.get("national_initial_qiujue_yoy_pct")
    if change is not None:
        text += f"，同比{describe_change(change)}"
    else:
        text += yoy_phrase(metrics, "petitions.national_initial_qiujue_count")
    rank = p.get("national_initial_qiujue_rank")
    if rank is not None:
        n = p.get("peer_district_count")
        where = f"全市{fmt_count(n, '个区')}中" if n else "全市各区中"
        lead = "下降幅度" if change is not None and change < 0 else ""
        text += f"，{lead}在{where}排名第{fmt_count(rank)}"
    return text + "。"


def module_detail(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The ``score.module_details`` entry of module ``name``."""
    for d in dig(metrics, "score.module_details", []) or []:
        if d.get("name") == name:
            return d
    return None


def lost_indicators(metrics: Mapping[str, Any],
                    module: str | None = None) -> list[Mapping[str, Any]]:
    """Indicators (optionally of one module) that lost points, largest loss first."""
    inds = dig(metrics, "score.indicators", []) or []
    out = [i for i in inds
           if (i.get("lost") or 0) > 0 and (module is None or i.get("module") == module)]
    return sorted(out, key=lambda i: -(i.get("lost") or 0))


def _reason(ind: Mapping[str, Any]) -> str:
    reason = str(ind.get("reason") or "").strip()
    return reason or f"{ind.get('name')}扣{fmt_score(ind.get('lost'))}分"


def effectiveness_deductions(metrics: Mapping[str, Any]) -> str:
    """「履职效能方面扣分原因：一是…；二是…。」 from the indicators that lost points."""
    inds = lost_indicators(metrics, _MODULE_EFFECTIVENESS)
    if not inds:
        return ""
    return f"{_MODULE_EFFECTIVENESS}方面扣分原因：" + enumerate_cn(_reason(i) for i in inds)


def efficiency_summary(metrics: Mapping[str, Any]) -> str:
    """「管理效率指标下设预算编制、…等模块，满分为50.00分，本部门自评得分为45.30分，扣4.70分，…」"""
    d = module_detail(metrics, _MODULE_EFFICIENCY)
    if d is None:
        return ""
    subs = d.get("submodules") or []
    text = f"{_MODULE_EFFICIENCY}指标"
    if subs:
        text += "下设" + "、".join(str(s.get("name")) for s in subs) + "等模块，"
    else:
        text += "，"
    text += f"满分为{fmt_score(d.get('weight'))}分，本部门自评得分为{fmt_score(d.get('score'))}分"
    lost = [s for s in subs if (s.get("lost") or 0) > 0]
    if lost:
        text += (f"，扣{fmt_score(d.get('lost'))}分，扣分主要集中在"
                 + "、".join(f"{s.get('name')}（扣{fmt_score(s.get('lost'))}分）" for s in lost))
    elif (d.get("lost") or 0) <= 0:
        text += "，未扣分"
    text += "。"
    inds = lost_indicators(metrics, _MODULE_EFFICIENCY)
    if inds:
        text += "扣分原因：" + enumerate_cn(_reason(i) for i in inds)
    return text


def _merge(*lists: Iterable[str] | None) -> list[str]:
    seen, out = set(), []
    for items in lists:
        for s in items or []:
            t = str(s).strip()
            if t and t not in seen:
                seen.add(t)
                out.append(t)
    return out


def problems(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> list[str]:
    """存在的主要问题: the score's problems plus the analyst's ``problems_extra`` (no duplicates)."""
    return _merge(dig(metrics, "score.problems", []), department.get("problems_extra"))


def improvements(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> list[str]:
    """下一步改进措施: the score's improvements plus ``improvements_extra`` (no duplicates)."""
    return _merge(dig(metrics, "score.improvements", []), department.get("improvements_extra"))


def report_day(department: Mapping[str, Any]) -> "_dt.date | None":
    """``department.yaml`` ``report_date`` as a date (``None`` when absent or not a date).

    >>> report_day({"report_date": "2024-03-15"}), report_day({"report_date": "待填写"})
    (datetime.date(2024, 3, 15), None)
    """
    value = department.get("report_date")
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


def report_date(department: Mapping[str, Any]) -> str:
    """The 报告日期 from ``department.yaml`` ``report_date`` (``2024年3月15日``), ``""`` when absent.

    >>> report_date({"report_date": "2024-03-15"}), report_date({})
    ('2024年3月15日', '')
    """
    from evalkit.scoring.scorecard import date_text

    return date_text(department.get("report_date"))


def signature(metrics: Mapping[str, Any], department: Mapping[str, Any]) -> tuple[str, str]:
    """The 落款: (「增城区信访局（盖章）」, 「2024年3月15日」); an unfilled date is left blank to be
    written by hand (「　　年　　月　　日」)."""
    unit = f"{department_short(department, metrics)}（盖章）"
    return unit, report_date(department) or "　　年　　月　　日"
