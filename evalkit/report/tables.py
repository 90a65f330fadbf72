"""The report's tables, drawn from the metrics dict: formatted string cells, one model for both
renderers (the HTML template and the Word document).

Every figure is formatted here through :mod:`evalkit.numfmt` and every header read from the metric
catalogue; a table builder returns ``None`` when its figures are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from evalkit import catalogue
from evalkit.metrics.model import as_number
from evalkit.numfmt import fmt_fixed, fmt_pct
from evalkit.report import narrative as nv
from evalkit.report.narrative import fmt_count, fmt_score
from evalkit.scoring.scorecard import FUND_HEAD, INDICATOR_HEAD, OfficialForm, fund_label


@dataclass
class Table:
    """A table for the template: formatted string cells; ``num`` = right-aligned columns."""

    caption: str
    head: list[str]
    rows: list[list[str]]
    num: set[int] = field(default_factory=set)
    foot: list[str] | None = None
    unit: str = ""
    note: str = ""
    highlight: list[bool] = field(default_factory=list)
    center: set[int] = field(default_factory=set)     # short values that may wrap (目标值 …)
    widths: list[float] | None = None                 # column widths in %, for wide tables
    merge: int = 0                                    # merge equal cells down the first N columns
    spans: list[list[int]] = field(default_factory=list)
    detail: bool = False                              # an analysis table: HTML only unless asked

    def __post_init__(self) -> None:
        """Row spans: 1 = a normal cell, 0 = covered by the cell above, n > 1 = spans n rows."""
        self.spans = [[1] * len(row) for row in self.rows]
        for col in range(self.merge):
            start = 0
            for r in range(1, len(self.rows) + 1):
                same = (r < len(self.rows)
                        and all(self.rows[r][c] == self.rows[start][c] for c in range(col + 1)))
                if not same:
                    if r - start > 1:
                        self.spans[start][col] = r - start
                        for k in range(start + 1, r):
                            self.spans[k][col] = 0
                    start = r


def _s(value: Any) -> str:
    """A text cell: ``—`` for missing."""
    return "—" if value is None or value == "" else str(value)


def _w(value: Any) -> str:
    return fmt_fixed(value, 2)


def _p(value: Any) -> str:
    return fmt_pct(value)


def _h(key: str, short: bool = False, unit: bool = False) -> str:
    """A column header from the metric catalogue (units only where asked: most tables state
    their unit once, above the table)."""
    return catalogue.header(key, short, unit)


#: The rows of the headline petition table: (rate, numerator, denominator), in report order.
PETITION_RATES: tuple[tuple[str, str, str], ...] = (
    ("online_share_pct", "online_cases", "total_cases"),
    ("first_time_resolution_rate_pct", "qiujue_initial_resolved", "qiujue_initial_closed"),
    ("satisfaction_rate_pct", "satisfied_cases", "rated_cases"),
    ("participation_rate_pct", "rated_cases", "closed_cases"),
    ("timely_acceptance_rate_pct", "timely_accepted", "due_for_acceptance"),
    ("on_time_completion_rate_pct", "completed_on_time", "due_for_completion"),
    ("repeat_rate_pct", "repeat_cases", "total_cases"),
)


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------

def budget_summary_table(m: Mapping[str, Any]) -> Table | None:
    """基本支出 / 项目支出 / 合计: budget, actual, execution rate."""
    b = m.get("budget") or {}
    if b.get("total_budget_wan") is None:
        return None
    rows = [
        ["基本支出", _w(b.get("basic_budget_wan")), _w(b.get("basic_actual_wan")),
         _p(b.get("basic_execution_rate_pct"))],
        ["项目支出", _w(b.get("project_budget_wan")), _w(b.get("project_actual_wan")),
         _p(b.get("project_execution_rate_pct"))],
    ]
    head = [_h("budget.by_type.expense_type"), _h("budget.by_type.budget_wan", short=True),
            _h("budget.by_type.actual_wan", short=True), _h("budget.by_type.execution_rate_pct")]
    return Table("部门整体收支情况", head, rows, {1, 2, 3},
                 foot=["合计", _w(b.get("total_budget_wan")), _w(b.get("total_actual_wan")),
                       _p(b.get("execution_rate_pct"))], unit="万元")


def budget_lines_table(m: Mapping[str, Any]) -> Table | None:
    """One row per budget line (科目 × 项目)."""
    lines = (m.get("budget") or {}).get("lines") or []
    if not lines:
        return None
    rows = [[_s(r.get("subject_code")), _s(r.get("subject_name")), _s(r.get("project_name")),
             _s(r.get("expense_type")), _w(r.get("budget_wan")), _w(r.get("actual_wan")),
             _p(r.get("execution_rate_pct"))] for r in lines]
    head = [_h(f"budget.lines.{k}", short=k in ("budget_wan", "actual_wan"))
            for k in ("subject_code", "subject_name", "project_name", "expense_type", "budget_wan",
                      "actual_wan", "execution_rate_pct")]
    return Table(catalogue.label("budget.lines"), head, rows, {4, 5, 6}, unit="万元")


def checkpoints_table(m: Mapping[str, Any]) -> Table | None:
    """Spending-progress checkpoints (e.g. 7月 / 11月) against their targets."""
    checks = (m.get("budget") or {}).get("checkpoints") or []
    if not checks:
        return None
    rows = [[f"{fmt_count(c.get('month'))}月底", _p(c.get("target_pct")), _p(c.get("actual_pct")),
             "达到" if c.get("met") else "未达到"] for c in checks]
    head = [_h(f"budget.checkpoints.{k}") for k in ("month", "target_pct", "actual_pct", "met")]
    return Table(catalogue.label("budget.checkpoints"), head, rows, {1, 2},
                 highlight=[not c.get("met") for c in checks])


def petition_table(m: Mapping[str, Any]) -> Table | None:
    """The headline petition metrics with their populations and 同比."""
    p = m.get("petitions") or {}
    if p.get("total_cases") is None:
        return None
    yt = m.get("yoy_text") or {}

    def yoy(key: str) -> str:
        return _s(yt.get(f"petitions.{key}"))

    def ratio(num: str, den: str) -> str:
        return f"{fmt_count(p.get(num))} / {fmt_count(p.get(den))}"

    rows = [[_h("petitions.total_cases", unit=True), fmt_count(p.get("total_cases")), "—",
             yoy("total_cases")]]
    rows += [[_h(f"petitions.{rate}", unit=False), _p(p.get(rate)), ratio(num, den), yoy(rate)]
             for rate, num, den in PETITION_RATES]
    if p.get("national_initial_qiujue_count") is not None:
        change = p.get("national_initial_qiujue_yoy_pct")
        rows.append([_h("petitions.national_initial_qiujue_count", unit=True),
                     fmt_count(p.get("national_initial_qiujue_count")),
                     f"上年 {fmt_count(p.get('national_initial_qiujue_prev_count'))}",
                     nv.describe_change(change) if change is not None
                     else yoy("national_initial_qiujue_count")])
    return Table("主要信访工作指标", ["指标", "本年", "分子 / 分母（件）", "同比"], rows, {1, 2})


def channel_table(m: Mapping[str, Any]) -> Table | None:
    rows = [[_s(r.get("channel")), fmt_count(r.get("cases")), _p(r.get("share_pct"))]
            for r in (m.get("petitions") or {}).get("by_channel") or []]
    head = [_h(f"petitions.by_channel.{k}", short=True, unit=False)
            for k in ("channel", "cases", "share_pct")]
    return Table(catalogue.label("petitions.by_channel"), head, rows, {1, 2}) if rows else None


def list_table(m: Mapping[str, Any], table_key: str) -> Table | None:
    """A list table of metrics.json (``petitions.by_township`` …) with the columns its catalogue
    entry lists, in that order: a column added to the catalogue (and computed) is shown here with
    no code change. Text columns as written, counts as integers, rates as percentages."""
    section, _, name = table_key.partition(".")
    records = (m.get(section) or {}).get(name) or []
    fields = catalogue.fields(table_key)
    cells = {"count": fmt_count, "rank": fmt_count, "amount": _w}
    rows = [[_s(r.get(k)) if f.kind == "text" else cells.get(f.kind, _p)(as_number(r.get(k)))
             for k, f in fields.items()]
            for r in records if isinstance(r, Mapping)]   # a hand-edited value: shown as —
    if not rows:
        return None
    head = [_h(f.key, unit=False) for f in fields.values()]
    num = {i for i, f in enumerate(fields.values()) if f.kind != "text"}
    return Table(catalogue.label(table_key), head, rows, num)


def township_table(m: Mapping[str, Any]) -> Table | None:
    """Each 镇街's cases and rates (the columns of ``petitions.by_township`` in the catalogue)."""
    return list_table(m, "petitions.by_township")


def unit_table(m: Mapping[str, Any]) -> Table | None:
    """Each 责任单位's cases and rates (the columns of ``petitions.by_unit`` in the catalogue)."""
    return list_table(m, "petitions.by_unit")


def peers_table(m: Mapping[str, Any]) -> Table | None:
    peers = sorted(m.get("peers") or [], key=lambda r: (r.get("rank") is None, r.get("rank") or 0))
    if not peers:
        return None
    rows = [[fmt_count(r.get("rank")), _s(r.get("district")), fmt_count(r.get("previous")),
             fmt_count(r.get("current")), nv.describe_change(r.get("change_pct"))] for r in peers]
    head = [_h("peers.rank", unit=False), _h("peers.district"), _h("peers.previous", short=True, unit=True),
            _h("peers.current", short=True, unit=True), _h("peers.change_pct", unit=False)]
    return Table(catalogue.label("peers"), head, rows, {0, 2, 3},
                 highlight=[bool(r.get("is_self")) for r in peers])


def score_table(m: Mapping[str, Any]) -> Table | None:
    s = m.get("score") or {}
    details = s.get("module_details") or []
    if s.get("total") is None or not details:
        return None
    rows = [[_s(d.get("name")), fmt_score(d.get("weight")), fmt_score(d.get("score")),
             fmt_score(d.get("lost"))] for d in details]
    lost_total = sum((d.get("lost") or 0) for d in details)
    head = [_h(f"score.module_details.{k}", unit=False) for k in ("name", "weight", "score", "lost")]
    return Table("自评得分汇总", head, rows, {1, 2, 3},
                 foot=["合计", fmt_score(s.get("max")), fmt_score(s.get("total")),
                       fmt_score(lost_total)])


def submodule_table(m: Mapping[str, Any], module: str, caption: str) -> Table | None:
    d = nv.module_detail(m, module)
    subs = (d or {}).get("submodules") or []
    if not subs:
        return None
    rows = [[_s(x.get("name")), fmt_score(x.get("weight")), fmt_score(x.get("score")),
             fmt_score(x.get("lost"))] for x in subs]
    head = [_h("score.indicators.submodule")] + [
        _h(f"score.module_details.{k}", unit=False) for k in ("weight", "score", "lost")]
    return Table(caption, head, rows, {1, 2, 3},
                 foot=["小计", fmt_score(d.get("weight")), fmt_score(d.get("score")),
                       fmt_score(d.get("lost"))],
                 highlight=[(x.get("lost") or 0) > 0 for x in subs])


def lost_table(m: Mapping[str, Any], module: str, caption: str) -> Table | None:
    inds = nv.lost_indicators(m, module)
    if not inds:
        return None
    rows = [[_s(i.get("submodule")), _s(i.get("name")), fmt_score(i.get("weight")),
             fmt_score(i.get("score")), fmt_score(i.get("lost")), _s(i.get("reason"))]
            for i in inds]
    head = [_h(f"score.indicators.{k}", short=k == "score", unit=False)
            for k in ("submodule", "name", "weight", "score", "lost", "reason")]
    return Table(caption, head, rows, {2, 3, 4},
                 widths=[11, 18, 8, 8, 8, 47])


# --------------------------------------------------------------------------------------------
# the official 自评表 (appendix): the same OfficialForm as scorecard.xlsx
# --------------------------------------------------------------------------------------------

def _blank_or(value: Any, fmt) -> str:
    """A cell of the form: ``""`` when the value is not known (left for the department to fill)."""
    return "" if value is None else fmt(value)


def form_funds_table(form: OfficialForm) -> Table:
    """预算资金情况 (万元): 年度资金总额 and its split by source of funds."""
    rows = []
    for k, r in enumerate(form.funds):
        rows.append([fund_label(r, k), _blank_or(r.initial, _w), _blank_or(r.budget, _w),
                     _blank_or(r.actual, _w),
                     _blank_or(r.weight, fmt_score) if k == 0 else "—",
                     _blank_or(r.rate, _w) if r.budget else ("—" if r.budget == 0 else ""),
                     _blank_or(r.score, fmt_score) if k == 0 else "—"])
    head = [catalogue.label("budget.by_fund.fund"), *FUND_HEAD]
    return Table("预算资金情况", head, rows, {1, 2, 3, 4, 5, 6}, unit="万元",
                 widths=[19, 14, 14, 14, 11, 14, 14])


def form_goal_table(form: OfficialForm) -> Table:
    """年度总体目标: 预期目标 and 实际完成情况."""
    return Table("年度总体目标", ["预期目标", "实际完成情况"],
                 [[form.goal_expected, form.goal_actual]], widths=[50, 50])


def form_indicator_table(form: OfficialForm, note: str = "") -> Table:
    """The indicator rows of the 自评表 (一级 and 二级 merged down), with the 总分 row."""
    rows = [[i.module, i.submodule, i.name, _blank_or(i.weight, fmt_score), i.target,
             form.actual_text(i), i.unit, _blank_or(i.score, fmt_score), i.deviation]
            for i in form.indicators]
    grade = f"评价等级：{form.grade}" if form.grade else ""
    return Table("绩效指标完成情况", list(INDICATOR_HEAD), rows, {3, 7},
                 foot=["总分", "", "", _blank_or(form.total_weight, fmt_score), "", "", "",
                       _blank_or(form.total_score, fmt_score), grade],
                 note=note, center={4, 5, 6},
                 widths=[8, 8, 15, 6, 9, 8, 6, 6, 34], merge=2)


def unconfirmed_note(m: Mapping[str, Any]) -> str:
    """「注：其中N项指标的分值或评分标准尚待主管部门确认。」 (for the analyst; not in hand-in files)."""
    inds = (m.get("score") or {}).get("indicators") or []
    unconfirmed = sum(1 for i in inds if i.get("confirmed") is False)
    return (f"注：其中{fmt_count(unconfirmed, '项')}指标的分值或评分标准尚待主管部门确认。"
            if unconfirmed else "")
