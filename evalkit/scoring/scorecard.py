"""The official 部门整体支出绩效自评表: one model, drawn in scorecard.xlsx, the docx and the HTML.

:func:`official_form` reads the form from the metrics dict (with its ``score``) and department.yaml:
单位名称 and 主管部门; the 预算资金情况 block (年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分 for
年度资金总额, split into 财政拨款, 上年结转 when present, and 其他资金); 年度总体目标 (预期目标 and
实际完成情况); one row per indicator (年度指标值, 实际完成值 as a number with its 计量单位, 分值, 得分,
偏差原因分析及改进措施); 总分; and the 填报人, 联系电话, 填报日期 and 单位负责人 a department fills in.
:func:`write_scorecard` draws it as ``outputs/<year>/scorecard.xlsx``; the report's docx and HTML
appendices draw the same :class:`OfficialForm` (``evalkit.report.tables.form_tables``).

The form is a hand-in file: it carries no indicator id, framework file name, hash, timestamp or tool
name (those are in ``provenance.json`` and the HTML report's 报告信息). Sample data is marked
示例数据 in its title and page header.

:func:`annotate_indicators` adds to each indicator of ``metrics["score"]`` the metrics path it is
scored from (``metric``) and its 偏差原因分析及改进措施 (``deviation``): the analyst's text from the
self-assessment sheet when given, else, for an indicator that lost points, drafted from its deduction
reason and the framework's improvement text.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Mapping

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from evalkit.fsutil import atomic_path
from evalkit.numfmt import fmt_count, fmt_fixed, round_half_up

SHEET = "自评表"
FORM_NAME = "部门整体支出绩效自评表"
SAMPLE_MARK = "示例数据"
EXECUTION_RATE = "budget.execution_rate_pct"
FUND_TOTAL = "年度资金总额"
FUND_ORDER = ("财政拨款", "上年结转", "其他资金")     # = evalkit.metrics.budget FUND_* classes
#: Columns of the indicator block (the 自评表's own wording).
INDICATOR_HEAD = ("一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "计量单位",
                  "得分", "偏差原因分析及改进措施")
#: Columns of the 预算资金情况 block (amounts in 万元, the block's unit; the rate in percent).
FUND_HEAD = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分")
WIDTHS = (11, 12, 26, 7, 14, 12, 8, 8, 46)
NCOL = len(INDICATOR_HEAD)


# ----------------------------------------------------------------------------------- the model

@dataclass(frozen=True)
class FundRow:
    """One row of 预算资金情况 (万元; ``rate`` in percent). ``None`` = not known / not applicable."""

    label: str
    initial: float | None
    budget: float | None
    actual: float | None
    rate: float | None
    weight: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class FormIndicator:
    """One indicator row of the form. ``actual`` is a number when the indicator is measured."""

    module: str
    submodule: str
    name: str
    weight: float | None
    target: str
    actual: float | int | str | None
    unit: str
    score: float | None
    deviation: str


@dataclass(frozen=True)
class OfficialForm:
    """The 部门整体支出绩效自评表 of one year (see the module docstring)."""

    year: int | None
    unit_name: str
    supervisor: str
    is_sample: bool
    funds: tuple[FundRow, ...]
    goal_expected: str
    goal_actual: str
    indicators: tuple[FormIndicator, ...]
    total_weight: float | None
    total_score: float | None
    grade: str
    filled_by: str
    phone: str
    fill_date: str
    head: str

    @property
    def title(self) -> str:
        """「2023年度部门整体支出绩效自评表」."""
        return f"{self.year}年度{FORM_NAME}" if self.year else FORM_NAME

    def actual_text(self, ind: FormIndicator) -> str:
        """实际完成值 as printed (numbers half-up: 2 decimals, whole counts without)."""
        return value_text(ind.actual, ind.unit)

    def signature_fields(self) -> list[tuple[str, str]]:
        """(label, value) of the fields a department fills in by hand, in form order."""
        return [("填报人", self.filled_by), ("联系电话", self.phone), ("填报日期", self.fill_date),
                ("单位负责人", self.head)]


def value_text(value: Any, unit: str = "") -> str:
    """A value of the form as printed: ``98.95`` (rates, amounts), ``0`` (counts), text as given.

    >>> value_text(98.95, "%"), value_text(0, "次"), value_text(2.0, "个"), value_text("是")
    ('98.95', '0', '2', '是')
    """
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) or (isinstance(value, float) and unit in COUNT_UNITS
                                  and value == int(value)):
        return fmt_count(value)
    if isinstance(value, float):
        return fmt_fixed(value, 2)
    return str(value)


COUNT_UNITS = ("次", "个", "件", "人", "名", "项", "家")


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` (Excel column units) needs for ``text`` (a Chinese
    character is two units wide).

    >>> text_lines("", 10), text_lines("一二三四五", 10), text_lines("一二三四五六", 10)
    (1, 1, 2)
    """
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text or "")
    usable = max(int(width), 1)
    return max(1, -(-units // usable))


def date_text(value: Any) -> str:
    """``2024-03-15`` (a date or ISO text) → ``2024年3月15日``; other text as given; ``""`` when blank.

    >>> date_text("2024-03-15"), date_text(_dt.date(2024, 3, 5)), date_text(None)
    ('2024年3月15日', '2024年3月5日', '')
    """
    if value is None or str(value).strip() == "":
        return ""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if not isinstance(value, _dt.date):
        try:
            value = _dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return str(value).strip()
    return f"{value.year}年{value.month}月{value.day}日"


def _text(department: Mapping[str, Any], key: str) -> str:
    value = department.get(key)
    return "" if value is None else str(value).strip()


def _target_text(ind: Mapping[str, Any]) -> str:
    """年度指标值 without the unit (the unit has its own column): ``≥100``, ``≤0``, text as given."""
    target, printed = ind.get("target"), str(ind.get("target_text") or "")
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        sign = printed[:1] if printed[:1] in ("≥", "≤") else ""
        number = Decimal(str(target))
        shown = fmt_count(int(number)) if number == number.to_integral_value() else fmt_fixed(number)
        return sign + shown
    return "" if printed in ("", "—") else printed


def _deviation(ind: Mapping[str, Any]) -> str:
    if ind.get("deviation") is not None:
        return str(ind["deviation"])
    return str(ind.get("reason") or "") if (ind.get("lost") or 0) > 0 else ""


def _indicator(ind: Mapping[str, Any]) -> FormIndicator:
    actual = ind.get("actual")
    return FormIndicator(
        module=str(ind.get("module") or ""), submodule=str(ind.get("submodule") or ""),
        name=str(ind.get("name") or ""), weight=ind.get("weight"), target=_target_text(ind),
        actual=actual if actual != "" else None, unit=str(ind.get("unit") or ""),
        score=ind.get("score"), deviation=_deviation(ind))


def execution_indicator(indicators: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The indicator whose 分值 and 得分 the 预算资金情况 block shows: one scored from the 预算执行率,
    preferring the one whose 得分 is 分值 × 执行率 (the official form's formula).

    >>> inds = [{"id": "a", "metric": EXECUTION_RATE, "weight": 5, "score": 4, "actual": 98.95},
    ...         {"id": "b", "metric": EXECUTION_RATE, "weight": 5, "score": 4.95, "actual": 98.95}]
    >>> execution_indicator(inds)["id"], execution_indicator(inds[:1])["id"]
    ('b', 'a')
    """
    found = [i for i in indicators if i.get("metric") == EXECUTION_RATE]
    found.sort(key=lambda i: not _weight_times_rate(i))
    return found[0] if found else None


def _weight_times_rate(ind: Mapping[str, Any]) -> bool:
    weight, score, rate = ind.get("weight"), ind.get("score"), ind.get("actual")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
               for v in (weight, score, rate)):
        return False
    expected = round_half_up(Decimal(str(weight)) * min(Decimal(str(rate)), Decimal(100)) / 100)
    return expected == round_half_up(score)


def fund_label(row: FundRow, position: int) -> str:
    """The row header: 年度资金总额, then 「其中：财政拨款」 and the other sources."""
    return f"其中：{row.label}" if position == 1 else row.label


def _fund_rows(metrics: Mapping[str, Any]) -> tuple[FundRow, ...]:
    b = metrics.get("budget") or {}
    inds = (metrics.get("score") or {}).get("indicators") or []
    rate_ind = execution_indicator(inds) or {}
    rows = [FundRow(FUND_TOTAL, b.get("initial_budget_wan"), b.get("total_budget_wan"),
                    b.get("total_actual_wan"), b.get("execution_rate_pct"),
                    rate_ind.get("weight"), rate_ind.get("score"))]
    by_fund = {r.get("fund"): r for r in b.get("by_fund") or []}
    for fund in FUND_ORDER:
        r = by_fund.get(fund)
        if r is None and (by_fund or fund == "上年结转"):
            continue            # 上年结转 only when present; blank rows when the split is unknown
        r = r or {}
        rows.append(FundRow(fund, r.get("initial_budget_wan"), r.get("budget_wan"),
                            r.get("actual_wan"), r.get("execution_rate_pct")))
    return tuple(rows)


def _goal_actual(department: Mapping[str, Any]) -> str:
    """年度总体目标 实际完成情况: ``goal_result``, else the key tasks' 完成情况 in their own words
    (「一是…：…；二是…：…。」)."""
    from evalkit.numfmt import cn_ordinal

    given = _text(department, "goal_result")
    if given:
        return given
    done = [f"{str(t.get('title')).strip()}：{str(t.get('result')).strip().rstrip('。；;')}"
            for t in department.get("key_tasks") or []
            if isinstance(t, Mapping) and t.get("title") and t.get("result")]
    if not done:
        return ""
    return "；".join(f"{cn_ordinal(i)}是{text}" for i, text in enumerate(done, 1)) + "。"


def official_form(metrics: Mapping[str, Any], department: Mapping[str, Any] | None
                  ) -> OfficialForm | None:
    """The 自评表 of a scored year (``None`` without ``metrics["score"]``)."""
    score = metrics.get("score") or {}
    if not score.get("indicators"):
        return None
    d = department or {}
    unit_name = _text(d, "department") or str(metrics.get("department") or "")
    return OfficialForm(
        year=metrics.get("year"), unit_name=unit_name,
        supervisor=_text(d, "supervisor") or unit_name,
        is_sample=bool(metrics.get("is_sample") or d.get("sample")),
        funds=_fund_rows(metrics),
        goal_expected=_text(d, "performance_goal"), goal_actual=_goal_actual(d),
        indicators=tuple(_indicator(i) for i in score["indicators"]),
        total_weight=score.get("max"), total_score=score.get("total"),
        grade=str(score.get("grade") or ""),
        filled_by=_text(d, "filled_by"), phone=_text(d, "phone"),
        fill_date=date_text(d.get("report_date")), head=_text(d, "head"))


# ------------------------------------------------------------------ 偏差原因分析及改进措施

def _improvement(fw, ind, sub, mod, scored) -> str:
    key = ind.text or sub.text or mod.text
    text = fw.texts.get(key) if key else None
    if text is None:
        return ""
    return text.improvement.format(indicators=scored.name, reasons=scored.reason or "")


def _drafted(scored, improvement: str) -> str:
    """「偏差原因：…。改进措施：…。」 from the deduction reason and the improvement text."""
    parts = []
    if scored.reason:
        parts.append(f"偏差原因：{scored.reason.rstrip('。；;')}。")
    if improvement:
        parts.append(f"改进措施：{improvement.rstrip('。；;')}。")
    return "".join(parts)


def _analyst_notes(self_assessment: Any) -> dict[str, str]:
    """indicator id → the analyst's 偏差原因分析及改进措施 (self_assessment ``deviation`` column)."""
    if self_assessment is None or "deviation" not in getattr(self_assessment, "columns", ()):
        return {}
    notes = {}
    for ind_id, text in zip(self_assessment["indicator_id"], self_assessment["deviation"]):
        if isinstance(ind_id, str) and isinstance(text, str) and text.strip():
            notes[ind_id.strip()] = text.strip()
    return notes


def deviation_notes(result, self_assessment: Any = None) -> dict[str, str]:
    """indicator id → 偏差原因分析及改进措施 for every indicator of ``result``.

    The analyst's text (self_assessment.xlsx, column 偏差原因分析及改进措施) when given; else, for an
    indicator that lost points, drafted from its deduction reason and the framework's improvement
    text (the indicator's ``text`` key, else its 二级's, else its 一级's); else ``""``.
    """
    given = _analyst_notes(self_assessment)
    by_id = {s.id: s for s in result.indicators}
    notes: dict[str, str] = {}
    for mod, sub, ind, _ in result.framework.walk():
        scored = by_id.get(ind.id)
        if scored is None:
            continue
        if ind.id in given:
            notes[ind.id] = given[ind.id]
        elif scored.lost > 0:
            notes[ind.id] = _drafted(scored, _improvement(result.framework, ind, sub, mod, scored))
        else:
            notes[ind.id] = ""
    return notes


def annotate_indicators(score: dict, result, self_assessment: Any = None) -> dict:
    """Add ``metric`` (the metrics path scored, or ``None``) and ``deviation`` to each indicator
    of ``score`` (= ``result.to_json()``, changed in place and returned)."""
    metric_of = {ind.id: ind.metric for _, _, ind, _ in result.framework.walk()}
    notes = deviation_notes(result, self_assessment)
    for ind in score.get("indicators") or []:
        ind["metric"] = metric_of.get(ind.get("id"))
        ind["deviation"] = notes.get(ind.get("id"), "")
    return score


# ------------------------------------------------------------------------------- scorecard.xlsx

def write_scorecard(result, path: Path | str, *, metrics: Mapping[str, Any] | None = None,
                    department: Mapping[str, Any] | str | None = None,
                    year: int | None = None, self_assessment: Any = None) -> Path:
    """Write the official 自评表 of a scored year as xlsx, atomically, and return the path.

    Args:
        result: the :class:`~evalkit.scoring.engine.ScoreResult`.
        path: the target file, normally ``outputs/<year>/scorecard.xlsx``.
        metrics: the year's metrics dict (for the 预算资金情况 block; its ``score`` is used when it
            has one, else ``result.to_json()`` annotated with :func:`annotate_indicators`).
        department: department.yaml as a dict (单位名称, 主管部门, 年度总体目标, 填报人 …), or
            just the department's name.
        year: the year in the title (default: the metrics' or the result's year).
        self_assessment: the self-assessment frame (the analyst's 偏差原因分析及改进措施).

    Layout (A4 landscape, one page wide): title; 单位名称 / 主管部门; 预算资金情况 (万元); 年度总体目标;
    the indicator rows (一级 and 二级 names merged down their rows, numbers as numbers, the
    indicator header repeated on every printed page); 总分 (SUM formulas with cached values); the
    填报人 line.
    """
    data = dict(metrics or {})
    if not (data.get("score") or {}).get("indicators"):
        data["score"] = annotate_indicators(result.to_json(), result, self_assessment)
    data["year"] = year or data.get("year") or result.year
    dept = dict(department) if isinstance(department, Mapping) else {
        "department": department or result.department or ""}
    form = official_form(data, dept)
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        try:
            _XlsxForm(wb, form).write()
        finally:
            wb.close()
    return path


def _created(form: OfficialForm) -> _dt.datetime:
    """A fixed creation date for the file's properties (no run timestamp in a hand-in file)."""
    try:
        day = _dt.date.fromisoformat(form.fill_date.replace("年", "-").replace("月", "-")
                                     .replace("日", "")) if form.fill_date else None
    except ValueError:
        day = None
    if day is None:
        day = _dt.date(int(form.year) + 1, 1, 1) if form.year else _dt.date(2000, 1, 1)
    return _dt.datetime(day.year, day.month, day.day)


class _XlsxForm:
    """Draws an :class:`OfficialForm` on one worksheet."""

    def __init__(self, wb: xlsxwriter.Workbook, form: OfficialForm):
        self.wb, self.form = wb, form
        self.ws = wb.add_worksheet(SHEET)
        self.f = self._formats()
        self.row = 0

    def _formats(self) -> dict[str, Any]:
        add = self.wb.add_format
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter",
                "text_wrap": True}
        return {
            "title": add({"font_name": "宋体", "bold": True, "font_size": 16, "align": "center",
                          "valign": "vcenter"}),
            "sample": add({"font_name": "宋体", "bold": True, "font_size": 11, "align": "center",
                           "font_color": "#C00000"}),
            "plain": add({"font_name": "宋体", "font_size": 10, "valign": "vcenter"}),
            "head": add({**base, "bold": True, "align": "center"}),
            "text": add(base),
            "center": add({**base, "align": "center"}),
            "num": add({**base, "num_format": "0.00"}),
            "count": add({**base, "num_format": "0"}),
            "total": add({**base, "bold": True, "align": "center"}),
            "total_num": add({**base, "bold": True, "num_format": "0.00"}),
        }

    def write(self) -> None:
        self._title()
        self._unit()
        self._funds()
        self._goal()
        first, last = self._indicators()
        self._total(first, last)
        self._signature()
        self._page_setup()

    def _merge(self, c0: int, c1: int, value: Any, fmt: Any, r1: int | None = None) -> None:
        r0 = self.row
        r1 = r0 if r1 is None else r1
        if (c0, r0) == (c1, r1):
            self.ws.write(r0, c0, value, fmt)
        else:
            self.ws.merge_range(r0, c0, r1, c1, value, fmt)

    def _title(self) -> None:
        title = self.form.title + (f"（{SAMPLE_MARK}）" if self.form.is_sample else "")
        self._merge(0, NCOL - 1, title, self.f["title"])
        self.ws.set_row(self.row, 32)
        self.row += 1
        if self.form.is_sample:
            self._merge(0, NCOL - 1, f"{SAMPLE_MARK}：本表由示例数据生成，仅用于演示与测试，不代表真实情况。",
                        self.f["sample"])
            self.row += 1

    def _unit(self) -> None:
        f = self.f
        self.ws.write(self.row, 0, "单位名称", f["head"])
        self._merge(1, 4, f"{self.form.unit_name}（盖章）", f["text"])
        self._merge(5, 6, "主管部门", f["head"])
        self._merge(7, NCOL - 1, self.form.supervisor, f["text"])
        self.ws.set_row(self.row, 22)
        self.row += 1

    def _funds(self) -> None:
        f, rows = self.f, self.form.funds
        top = self.row
        self.ws.merge_range(top, 0, top + len(rows), 0, "预算资金情况（万元）", f["head"])
        self.ws.write(top, 1, "", f["head"])
        for c, label in enumerate(FUND_HEAD):
            self.ws.write(top, 2 + c, label, f["head"])
        self.ws.write(top, NCOL - 1, "", f["head"])
        for k, r in enumerate(rows, start=1):
            self.ws.write(top + k, 1, fund_label(r, k - 1), f["center"])
            for c, v in enumerate((r.initial, r.budget, r.actual, r.weight), start=2):
                self._number(top + k, c, v, "num")
            self._number(top + k, 6, r.rate, "num")
            self._number(top + k, 7, r.score, "num")
            self.ws.write(top + k, NCOL - 1, "", f["text"])
        self.row = top + len(rows) + 1

    def _number(self, r: int, c: int, value: Any, fmt: str) -> None:
        if value is None:
            self.ws.write_blank(r, c, None, self.f["text"])
        else:
            self.ws.write_number(r, c, float(value), self.f[fmt])

    def _goal(self) -> None:
        f = self.f
        top = self.row
        self.ws.merge_range(top, 0, top + 1, 0, "年度总体目标", f["head"])
        self._merge(1, 4, "预期目标", f["head"])
        self._merge(5, NCOL - 1, "实际完成情况", f["head"])
        self.row += 1
        self._merge(1, 4, self.form.goal_expected, f["text"])
        self._merge(5, NCOL - 1, self.form.goal_actual, f["text"])
        self._fit_height(self.row, ((self.form.goal_expected, sum(WIDTHS[1:5])),
                                    (self.form.goal_actual, sum(WIDTHS[5:]))))
        self.row += 1

    def _indicators(self) -> tuple[int, int]:
        f = self.f
        self.header_row = self.row
        for c, label in enumerate(INDICATOR_HEAD):
            self.ws.write(self.row, c, label, f["head"])
        self.ws.set_row(self.row, 28)
        self.row += 1
        first = self.row
        for ind in self.form.indicators:
            self._indicator(ind)
            self.row += 1
        last = self.row - 1
        for col in (0, 1):
            self._merge_down(first, last, col)
        return first, last

    def _fit_height(self, r: int, texts: Iterable[tuple[str, float]], base: float = 14.0) -> None:
        """Give row ``r`` the height its wrapped texts need (Excel and LibreOffice do not grow a
        row for wrapped text in a file they did not lay out themselves)."""
        lines = max((text_lines(text, width) for text, width in texts), default=1)
        self.ws.set_row(r, base * max(lines, 1) + 2)

    def _indicator(self, ind: FormIndicator) -> None:
        f, r = self.f, self.row
        self._fit_height(r, ((ind.name, WIDTHS[2]), (ind.target, WIDTHS[4]),
                             (self.form.actual_text(ind), WIDTHS[5]), (ind.deviation, WIDTHS[8])))
        self.ws.write_string(r, 0, ind.module, f["center"])
        self.ws.write_string(r, 1, ind.submodule, f["center"])
        self.ws.write_string(r, 2, ind.name, f["text"])
        self._number(r, 3, ind.weight, "num")
        self.ws.write_string(r, 4, ind.target, f["center"])
        actual = ind.actual
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            self.ws.write_string(r, 5, self.form.actual_text(ind), f["center"])
        else:
            whole = isinstance(actual, int) or (ind.unit in COUNT_UNITS and actual == int(actual))
            self._number(r, 5, actual, "count" if whole else "num")
        self.ws.write_string(r, 6, ind.unit, f["center"])
        self._number(r, 7, ind.score, "num")
        self.ws.write_string(r, 8, ind.deviation, f["text"])

    def _merge_down(self, first: int, last: int, col: int) -> None:
        """Merge runs of equal 一级 (col 0) / 二级 (col 1, within the same 一级) names."""
        names = [(i.module, i.submodule if col else "") for i in self.form.indicators]
        start = 0
        for k in range(1, len(names) + 1):
            if k == len(names) or names[k] != names[start]:
                if k - start > 1:
                    text = names[start][col] if col else names[start][0]
                    self.ws.merge_range(first + start, col, first + k - 1, col, text,
                                        self.f["center"])
                start = k

    def _total(self, first: int, last: int) -> None:
        f, r = self.f, self.row
        self.ws.merge_range(r, 0, r, 2, "总分", f["total"])
        for col, value in ((3, self.form.total_weight), (7, self.form.total_score)):
            rng = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
            self.ws.write_formula(r, col, f"=SUM({rng})", f["total_num"],
                                  float(value) if value is not None else 0.0)
        for col in (4, 5, 6):
            self.ws.write_blank(r, col, None, f["total"])
        grade = f"评价等级：{self.form.grade}" if self.form.grade else ""
        self.ws.write_string(r, 8, grade, f["total"])
        self.row += 1

    def _signature(self) -> None:
        self.row += 1
        text = "　　　　".join(f"{k}：{v or '　　　　　'}" for k, v in self.form.signature_fields())
        self._merge(0, NCOL - 1, text, self.f["plain"])
        self.row += 1

    def _page_setup(self) -> None:
        ws = self.ws
        for c, w in enumerate(WIDTHS):
            ws.set_column(c, c, w)
        ws.repeat_rows(self.header_row)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.center_horizontally()
        if self.form.is_sample:
            ws.set_header(f"&C{SAMPLE_MARK}")
        ws.set_footer("&C第 &P 页，共 &N 页")
        self.wb.set_properties({"title": self.form.title, "author": self.form.unit_name,
                                "company": self.form.unit_name, "created": _created(self.form)})


__all__ = ["FORM_NAME", "FormIndicator", "FundRow", "OfficialForm", "annotate_indicators",
           "date_text", "deviation_notes", "execution_indicator", "fund_label", "official_form",
           "value_text", "write_scorecard"]
