"""The report as a structured draft: sections of paragraphs, lists, tables and figures.

:func:`draft_report` is the one drafting function. It reads the metrics dict and department.yaml
once (every sentence from :mod:`evalkit.report.narrative`, every table from
:mod:`evalkit.report.tables`) and returns a :class:`Draft` that two renderers draw: the HTML
report (:mod:`evalkit.report.builder`) and the Word document (:mod:`evalkit.report.word`). The text
of both is therefore the same text; they differ only in what each medium shows:

* a block with ``where="html"`` is for the analyst (a note that names a department.yaml key, a
  missing input file) and a block with ``where="docx"`` is its hand-in wording (「【待补充：…】」);
* a table marked ``detail`` (budget lines, 镇街, 责任单位, 渠道, 各区, sub-scores) is an analysis
  table: in the HTML always, in the Word document only when asked (``detail_tables``);
* figures are in the HTML always, in the Word document only when asked (``charts``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator, Mapping, Union

from evalkit.numfmt import cn_ordinal
from evalkit.report import narrative as nv
from evalkit.report import tables as tb
from evalkit.scoring.scorecard import OfficialForm, official_form

BOTH, HTML, DOCX = "both", "html", "docx"
APPENDIX_TITLE = "附件：部门整体支出绩效自评表"
EFFECTIVENESS, EFFICIENCY = "履职效能", "管理效率"


@dataclass
class Para:
    """A paragraph of body text (``note``: a gap note, printed in a box in the HTML; ``style``
    ``"line"``: a line of the form, not indented)."""

    block: ClassVar[str] = "para"
    text: str
    note: bool = False
    where: str = BOTH
    style: str = ""


@dataclass
class Items:
    """An enumeration printed 「一是…」「二是…」, with an optional lead paragraph."""

    block: ClassVar[str] = "items"
    items: list[str]
    lead: str = ""
    where: str = BOTH


@dataclass
class Task:
    title: str
    goal: str = ""
    result: str = ""


@dataclass
class Tasks:
    """The key tasks with their 绩效目标 and 完成情况, after an introductory paragraph."""

    block: ClassVar[str] = "tasks"
    intro: str
    tasks: list[Task]
    where: str = BOTH


@dataclass
class TableBlock:
    """A table; ``kind`` tells the audit how to read its rows (``data-kind`` in the HTML)."""

    block: ClassVar[str] = "table"
    table: tb.Table
    kind: str = ""
    where: str = BOTH

    @property
    def detail(self) -> bool:
        return self.table.detail


@dataclass
class Figure:
    """A chart, by its name in :mod:`evalkit.charts` (drawn only when the chart exists)."""

    block: ClassVar[str] = "figure"
    name: str
    where: str = BOTH


Block = Union[Para, Items, Tasks, TableBlock, Figure]


@dataclass
class Section:
    """A numbered section: level 1 「一、…」, level 2 「（一）…」."""

    id: str
    title: str
    level: int
    blocks: list[Block] = field(default_factory=list)
    children: list["Section"] = field(default_factory=list)

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Draft:
    """The whole report, ready for a renderer."""

    year: Any
    title: str
    department: str
    is_sample: bool
    preamble: str
    sections: list[Section]
    signature: tuple[str, str]
    form: OfficialForm | None
    appendix: list[Block]
    appendix_title: str = APPENDIX_TITLE
    report_day: _dt.date | None = None

    def blocks(self, where: str) -> Iterator[Block]:
        """Every block of the body and the appendix a renderer ``where`` shows."""
        for section in self.sections:
            for s in section.walk():
                yield from (b for b in s.blocks if b.where in (BOTH, where))
        yield from (b for b in self.appendix if b.where in (BOTH, where))

    def text(self, where: str = DOCX) -> str:
        """The plain text of the draft as ``where`` shows it (tests, previews)."""
        out = [self.title, self.preamble]
        for s in (x for top in self.sections for x in top.walk()):
            out.append(s.title)
            out.extend(_block_text(b) for b in s.blocks if b.where in (BOTH, where))
        out.extend(self.signature)
        out.extend(_block_text(b) for b in self.appendix if b.where in (BOTH, where))
        return "\n".join(t for t in out if t)


def _block_text(block: Block) -> str:
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Items):
        return "\n".join([block.lead, *block.items])
    if isinstance(block, Tasks):
        return "\n".join([block.intro, *(f"{t.title} {t.goal} {t.result}" for t in block.tasks)])
    if isinstance(block, TableBlock):
        t = block.table
        rows = [t.head, *t.rows, *([t.foot] if t.foot else [])]
        return "\n".join([t.caption, *("\t".join(r) for r in rows)])
    return ""


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def missing(html: str, hand_in: str) -> list[Para]:
    """A gap note: the analyst's wording (names the department.yaml key) in the HTML, a
    「【待补充：…】」 placeholder for the department to fill in the Word document."""
    return [Para(html, note=True, where=HTML), Para(f"【待补充：{hand_in}】", where=DOCX)]


def gap(text: str) -> list[Para]:
    """A data gap stated the same way in both (no file or key names in it)."""
    return [Para(text, note=True)]


def _table(t: tb.Table | None, kind: str = "", detail: bool = False) -> list[Block]:
    if t is None:
        return []
    t.detail = detail
    return [TableBlock(t, kind)]


def _text(d: Mapping[str, Any], key: str) -> str:
    return str(d.get(key) or "")


# --------------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------------

def _functions(d: Mapping[str, Any]) -> list[Block]:
    functions = [str(x) for x in d.get("functions") or []]
    if not functions:
        return missing("department.yaml 未填写部门职能（functions）。", "部门职能")
    return [Para(f"{i}.{f}") for i, f in enumerate(functions, 1)]


def _work(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Block]:
    annual, tasks = _text(d, "annual_work"), nv.key_tasks_summary(m, d)
    out: list[Block] = []
    if annual:
        out.append(Para(f"{m.get('year')}年度总体工作：{annual}"))
    if tasks:
        out.append(Para(tasks))
    return out or missing("department.yaml 未填写年度总体工作和重点工作任务（annual_work、key_tasks）。",
                          "年度总体工作和重点工作任务")


def _goal(d: Mapping[str, Any]) -> list[Block]:
    goal = _text(d, "performance_goal")
    if goal:
        return [Para(goal)]
    return missing("department.yaml 未填写部门整体支出绩效目标（performance_goal）。", "部门整体支出绩效目标")


def _budget(m: Mapping[str, Any]) -> list[Block]:
    income = nv.income_expenditure(m)
    if not income:
        return gap("本年度预算执行数据缺失，未能计算收支情况。")
    out: list[Block] = [Para(p) for p in income]
    out += _table(tb.budget_summary_table(m), "totals")
    out.append(Figure("budget_by_type"))
    out += _table(tb.budget_lines_table(m), "by-entity", detail=True)
    out.append(Figure("budget_lines"))
    progress = nv.spending_progress(m)
    if progress:
        out.append(Para(progress))
    out += _table(tb.checkpoints_table(m), "by-entity")
    out.append(Figure("spending_progress"))
    return out


def _management(d: Mapping[str, Any]) -> list[Block]:
    text = _text(d, "management")
    if text:
        return [Para(text)]
    return missing("department.yaml 未填写部门整体绩效管理情况（management）。", "部门整体绩效管理情况")


def _conclusion(m: Mapping[str, Any]) -> list[Block]:
    if (m.get("score") or {}).get("total") is None:
        return missing("本年度未提供自评表（self_assessment）或指标体系，暂无自评得分。", "自评得分")
    out: list[Block] = [Para(nv.score_conclusion(m))]
    out += _table(tb.score_table(m), "totals")
    out.append(Figure("score_modules"))
    return out


def _petitions(m: Mapping[str, Any]) -> list[Block]:
    text = nv.petition_overview(m)
    if not text:
        return gap("本年度信访台账数据缺失，未能计算信访工作指标。")
    out: list[Block] = [Para(p) for p in text]
    out += _table(tb.petition_table(m), "totals")
    out += [Figure("rates_history"), Figure("petitions_by_month")]
    out += _table(tb.channel_table(m), "by-entity", detail=True)
    out.append(Figure("petitions_by_channel"))
    townships = tb.township_table(m)
    if townships is not None:
        out += _table(townships, "by-entity", detail=True)
        out.append(Figure("township_comparison"))
    out += _table(tb.unit_table(m), "by-entity", detail=True)
    peers = tb.peers_table(m)
    if peers is not None:
        out += _table(peers, "by-entity", detail=True)
        out.append(Figure("peer_ranking"))
    else:
        out.append(Para("未提供全市各区对比数据（peers），不作排名分析。", note=True, where=HTML))
    return out


def _tasks(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Block]:
    tasks = [Task(str(t.get("title", "")), str(t.get("goal") or ""), str(t.get("result") or ""))
             for t in d.get("key_tasks") or [] if isinstance(t, Mapping)]
    if not tasks:
        return []
    return [Tasks(f"在履职效能方面，{m.get('year')}年重点工作任务、绩效目标及完成情况如下：", tasks)]


def _effectiveness(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Block]:
    out: list[Block] = []
    highlights = [str(x) for x in d.get("highlights") or []]
    if highlights:
        out.append(Para("".join(highlights)))
    out += _petitions(m)
    out += _tasks(m, d)
    detail = nv.module_detail(m, EFFECTIVENESS)
    if detail:
        out.append(Para(f"{EFFECTIVENESS}满分{nv.fmt_score(detail.get('weight'))}分，本部门自评得分"
                        f"{nv.fmt_score(detail.get('score'))}分。{nv.effectiveness_deductions(m)}"))
    out += _table(tb.submodule_table(m, EFFECTIVENESS, "履职效能二级指标得分"), "scorecard",
                  detail=True)
    return out


def _efficiency(m: Mapping[str, Any]) -> list[Block]:
    text = nv.efficiency_summary(m)
    if not text:
        return gap("暂无管理效率评分。")
    out: list[Block] = [Para(text)]
    out += _table(tb.submodule_table(m, EFFICIENCY, "管理效率各模块得分"), "scorecard", detail=True)
    out += _table(tb.lost_table(m, EFFICIENCY, "管理效率扣分指标"), "scorecard", detail=True)
    return out


def _problems(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Block]:
    items = nv.problems(m, d)
    if items:
        return [Items(items, lead="存在的问题主要有：")]
    return gap("本年度自评未发现扣分事项，未列出存在问题。")


def _improvements(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Block]:
    items = nv.improvements(m, d)
    return [Items(items)] if items else gap("暂无改进措施。")


def _appendix(m: Mapping[str, Any], form: OfficialForm | None) -> list[Block]:
    if form is None:
        return gap("暂无自评指标得分。")
    return [
        Para(f"单位名称：{form.unit_name}（盖章）　　主管部门：{form.supervisor}", style="line"),
        TableBlock(tb.form_funds_table(form), "by-entity"),
        TableBlock(tb.form_goal_table(form), ""),
        TableBlock(tb.form_indicator_table(form, tb.unconfirmed_note(m)), "scorecard", where=HTML),
        TableBlock(tb.form_indicator_table(form), "scorecard", where=DOCX),
        Para("　　".join(f"{k}：{v}" for k, v in form.signature_fields()), style="line"),
    ]


def _sections(m: Mapping[str, Any], d: Mapping[str, Any]) -> list[Section]:
    def sub(n: int, sid: str, title: str, blocks: list[Block]) -> Section:
        return Section(sid, f"（{cn_ordinal(n)}）{title}", 2, blocks)

    return [
        Section("s1", "一、部门基本情况", 1, children=[
            sub(1, "s1-1", "部门职能", _functions(d)),
            sub(2, "s1-2", "年度总体工作和重点工作任务", _work(m, d)),
            sub(3, "s1-3", "部门整体支出绩效目标", _goal(d)),
            sub(4, "s1-4", "部门整体收支情况", _budget(m)),
            sub(5, "s1-5", "部门整体绩效管理情况", _management(d)),
        ]),
        Section("s2", "二、绩效自评情况", 1, children=[
            sub(1, "s2-1", "自评结论", _conclusion(m)),
            sub(2, "s2-2", "履职效能分析", _effectiveness(m, d)),
            sub(3, "s2-3", "管理效率分析", _efficiency(m)),
        ]),
        Section("s3", "三、存在的主要问题", 1, _problems(m, d)),
        Section("s4", "四、下一步改进措施", 1, _improvements(m, d)),
    ]


def draft_report(metrics: Mapping[str, Any], department: Mapping[str, Any] | None) -> Draft:
    """Draft the report of one year from its metrics dict and department.yaml.

    Args:
        metrics: the metrics dict (``outputs/<year>/metrics.json`` shape, with ``score``).
        department: ``department.yaml`` as a dict (may be empty: its sections get gap notes).

    Returns:
        The :class:`Draft` both renderers draw.
    """
    m, d = metrics, department or {}
    form = official_form(m, d)
    return Draft(
        year=m.get("year"), title=nv.report_title(m, d), department=nv.department_short(d, m),
        is_sample=bool(m.get("is_sample") or d.get("sample")), preamble=nv.preamble(m, d),
        sections=_sections(m, d), signature=nv.signature(m, d), form=form,
        appendix=_appendix(m, form), report_day=nv.report_day(d))
