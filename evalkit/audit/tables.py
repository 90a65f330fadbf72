"""Tables as tables: the 预算资金 block, the indicator block and scoring sheets, other tables.

Every table (HTML, Word, or found in text by :mod:`evalkit.audit.texttables`) arrives as rows
of cells. A row whose cells are column terms of the forms (``年初预算数 | 全年预算数 | 全年执行数 |
执行率 | 分值 | 得分`` or ``一级指标 | 二级指标 | 三级指标 | 分值 | 得分``) starts a *block*; each
following row is read by its block:

* **预算资金 block** (:class:`BudgetRow`): the 总额/合计 row holds the headline amounts, the
  其中 rows (财政资金, 单位资金 …) are scoped to their source and are parts of the total row; the
  分值/得分 of the total row are the 预算执行 indicator's.
* **indicator block** (:class:`Indicator`): one record per indicator row (一级 → module, names,
  分值, 得分, 扣分, 目标值, 实际值); a ``(N分)`` in a level cell or in the block title is a
  weighted :class:`Group`; total rows (合计/总分/小计) and rows naming only a module are read like
  prose and kept as the table's totals.
* other tables: a sub-entity's row (镇街, 责任单位, 科目/项目, 年度) is scoped to that entity;
  other rows are read like prose, each numeric cell labelled by its row and column.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .extract import Modules, _Context, extract_sentence
from .model import (INDICATOR_PREFIX, Breakdown, BudgetRow, Extraction, Figure, Group,
                    Indicator, Sentence, key_name)
from .numbers import AMOUNT_PLACES, AMOUNT_SCALE, places_of
from .noise import mask
from .readers import TOTAL_ROW, TableRow, label_row
from .text import normalize_line
from .texttables import column_role, is_header_run, weight_title
from .vocab import vocabulary

_CELL_NUMBER = re.compile(r"^\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*(%|万元|元|亿元|分)?\s*$")
_HEADER_UNIT = re.compile(r"[(（\[](?:单位[:：])?\s*(亿元|万元|元|%)\s*[)）\]]")
_BLANK = re.compile(r"^\s*(?:[/—\-–]|无|—+)?\s*$")
_EXEC_SCORE_RULE = re.compile(r"得分\s*[=＝]\s*(?:预算)?执行率\s*[×xX*]\s*(?:分值|权重)"
                              r"|执行率\s*[×xX*]\s*(?:分值|权重)")
_BUDGET_KEYS = {"initial": "budget.initial_budget_wan", "budget": "budget.total_budget_wan",
                "actual": "budget.total_actual_wan", "rate": "budget.execution_rate_pct"}
_QUANTITY_LABEL = re.compile(r"基本支出|项目支出|人员经费|公用经费")


@dataclass
class Block:
    """A header row and the rows under it."""

    header: list[str]
    roles: list[str]
    kind: str                   # budget | indicator | table
    title_weight: Figure | None = None
    number: int = 0
    rows: list[Sentence] = field(default_factory=list)
    unit: str = ""              # the table's unit (``单位：万元`` in its caption or above it)


def _cells(row: TableRow) -> list[str]:
    return [normalize_line(c) for c in row.cells]


def _header_roles(cells: list[str]) -> list[str]:
    return ["title" if weight_title(c) else column_role(c) for c in cells]


def _block_kind(roles: list[str]) -> str:
    s = set(roles)
    if len(s & {"initial", "budget", "actual", "rate"}) >= 2:
        return "budget"
    if s & {"level1", "level2", "level3"} or {"weight", "score"} <= s:
        return "indicator"
    return "table"


def _is_header(cells: list[str]) -> bool:
    usable = [c for c in cells if c and not weight_title(c)]
    return is_header_run(list(dict.fromkeys(usable)))


def number_cell(text: str) -> tuple[str, str] | None:
    """(number, unit) of a cell holding only a number, else None."""
    m = _CELL_NUMBER.match(text)
    return (m.group(1), m.group(2) or "") if m else None


def _figure(s: Sentence, key: str, kind: str, cell: str, unit_hint: str, label: str,
            scope: str = "", doubt: str = "") -> Figure | None:
    """A figure from one numeric cell (unit from the cell, else from the column header)."""
    got = number_cell(cell)
    if got is None:
        return None
    num, unit = got
    unit = unit or unit_hint
    value = Decimal(num.replace(",", ""))
    places = places_of(num)
    step = Decimal(1).scaleb(-places)
    norm = {"amount": "万元", "rate": "%"}.get(kind, "分")
    assumed = False
    if kind == "amount":
        assumed = unit == ""
        scale = AMOUNT_SCALE.get(unit, Decimal(1))
        value, step = value * scale, step * scale
        places = max(0, places + AMOUNT_PLACES.get(unit, 0))
    start = s.text.find(num)
    return Figure(key, key_name(key), kind, value, norm, f"{num}{unit}", places, step, s,
                  label, unit_assumed=assumed, start=start, scope=scope,
                  doubt=doubt or ("OCR/粘连文本" if s.glued else ""), printed_unit=unit)


def _value_figure(s: Sentence, role: str, cell: str, unit_hint: str, name: str) -> Figure | None:
    """An indicator's target / actual value when the cell is a number (unit: cell, else column)."""
    got = number_cell(cell)
    if got is None:
        return None
    num, unit = got
    unit = unit or unit_hint
    places = places_of(num)
    key = f"{INDICATOR_PREFIX}{role}"
    return Figure(key, key_name(key), "value", Decimal(num.replace(",", "")), unit,
                  f"{num}{unit}", places, Decimal(1).scaleb(-places), s, name,
                  start=s.text.find(num), scope=name, printed_unit=unit)


def _unit_of(header: str) -> str:
    m = _HEADER_UNIT.search(header)
    return m.group(1) if m else ""


# ------------------------------------------------------------------------------ 预算资金 block

def _row_label(cells: list[str], roles: list[str]) -> str:
    """The row label: the first text cell in a column that holds no figures."""
    for c, r in zip(cells, roles):
        if c and number_cell(c) is None and not _BLANK.match(c) and r in (
                "", "item", "code", "title", "budget", "initial"):
            if weight_title(c) and r == "title":
                continue
            return c
    return ""


def _budget_scope(s: Sentence, label: str) -> tuple[str, str]:
    """(role, scope) of a 预算资金 row: total (department), part (a source row), or row."""
    voc = vocabulary()
    bare = re.sub(r"^其中[:：]?", "", label).strip()
    if TOTAL_ROW.match(bare) or any(bare.startswith(w) for w in voc.words("budget_rows.total")):
        return "total", ""
    part = label.startswith("其中") or any(bare.startswith(w) for w in voc.words("budget_rows.parts"))
    if s.row is not None and s.row.kind == "entity":
        entity = re.sub(r"^其中[:：]?", "", s.row.entity).strip() or bare
        return ("part" if part else "row"), entity
    if _QUANTITY_LABEL.search(bare):
        return "quantity", ""
    if label.startswith("其中") or any(bare.startswith(w) for w in voc.words("budget_rows.parts")):
        return "part", bare
    return "row", bare


def _budget_key(role: str, label_role: str, label: str) -> str:
    """The key of a 预算资金 cell: the column's quantity, or the 基本/项目 part the row names."""
    key = _BUDGET_KEYS[role]
    if label_role != "quantity":
        return key
    parts = vocabulary().part_keys
    idx = 0 if "基本支出" in label or "人员经费" in label or "公用经费" in label else 1
    if role == "rate":
        return "budget.basic_execution_rate_pct" if idx == 0 else "budget.project_execution_rate_pct"
    if role == "actual":
        return parts["budget.total_actual_wan"][idx]
    if role == "budget":
        return parts["budget.total_budget_wan"][idx]
    return key


def read_budget_row(s: Sentence, block: Block, out: Extraction) -> BudgetRow | None:
    """One row of a 预算资金 block: figures by column, scoped to the row's source."""
    cells = _cells(s.row)
    label = _row_label(cells, block.roles)
    if not label:
        return None
    label_role, scope = _budget_scope(s, label)
    row = BudgetRow(s, label, "total" if label_role == "total" else (
        "part" if label_role == "part" else "row"), block=block.number)
    for i, (cell, role) in enumerate(zip(cells, block.roles)):
        header = block.header[i] if i < len(block.header) else ""
        if role not in ("initial", "budget", "actual", "rate", "weight", "score"):
            continue
        if _BLANK.match(cell):
            row.blank.add(role)
            continue
        if role in _BUDGET_KEYS:
            kind = "rate" if role == "rate" else "amount"
            fig = _figure(s, _budget_key(role, label_role, label), kind, cell,
                          "%" if kind == "rate" else (_unit_of(header) or _unit_of(" ".join(
                              block.header)) or block.unit), f"{label}{header}", scope)
        else:
            fig = _figure(s, f"{INDICATOR_PREFIX}{role}", role, cell, "分", f"{label}{header}",
                          scope or "预算执行")
        if fig is not None:
            row.cells[role] = fig
            out.figures.append(fig)
    out.budget_rows.append(row)
    return row


def _budget_block_done(block: Block, rows: list[BudgetRow], out: Extraction) -> None:
    """The 其中 rows of a block are parts of its total row, column by column."""
    totals = [r for r in rows if r.role == "total"]
    parts = [r for r in rows if r.role == "part"]
    if totals and parts:
        total = totals[0]
        for role in ("initial", "budget", "actual"):
            whole = total.cells.get(role)
            figs = [p.cells[role] for p in parts if role in p.cells]
            if whole is not None and figs:
                catch_all = any(p.label.startswith(("其他", "其中:其他")) for p in parts)
                out.breakdowns.append(Breakdown(whole, figs, "表格其中行", catch_all))
    for r in totals[:1]:
        if "weight" in r.cells or "score" in r.cells:
            name = key_name("budget.execution_rate_pct")
            ind = Indicator(r.sentence, name, None, [name], r.cells.get("weight"),
                            r.cells.get("score"), table=block.number)
            out.indicators.append(ind)
            if block.title_weight is not None:
                grp = Group(key_name("indicator.weight"), block.title_weight, 1, [ind],
                            block.number, True)
                grp.name = block.title_weight.label or "预算执行"
                out.groups.append(grp)


# ----------------------------------------------------------------------------- indicator block

def _names_by_role(cells: list[str], roles: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c, r in zip(cells, roles):
        if r in ("level1", "level2", "level3", "target", "achieved", "unit", "nature", "reason") \
                and c and r not in out:
            out[r] = c
    return out


def _weighted_name(text: str) -> tuple[str, str | None]:
    """``产出指标(50分)`` → (产出指标, "50")."""
    w = weight_title(text)
    name = re.sub(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$", "", text).strip()
    return name, w


def _group_for(name_cell: str, s: Sentence, block: Block, level: int,
               groups: dict[tuple[int, str], Group], out: Extraction) -> Group | None:
    """The weighted group of a level cell ``产出指标(50分)`` (one per name and level)."""
    name, w = _weighted_name(name_cell)
    if w is None:
        return None
    key = (level, name)
    if key not in groups:
        fig = Figure("weight.group", f"{name}分值", "weight", Decimal(w), "分", f"({w}分)",
                     places_of(w), Decimal(1).scaleb(-places_of(w)), s, name_cell,
                     start=s.text.find(w), scope=name,
                     doubt="OCR/粘连文本" if s.glued else "")
        out.figures.append(fig)
        groups[key] = Group(name, fig, level, [], block.number)
        out.groups.append(groups[key])
    return groups[key]


def _indicator_figures(s: Sentence, block: Block, ind: Indicator, cells: list[str],
                       out: Extraction) -> None:
    """分值 / 得分 / 扣分 of an indicator row, by column."""
    unit = _names_by_role(cells, block.roles).get("unit", "")
    for i, (cell, role) in enumerate(zip(cells, block.roles)):
        if role in ("target", "achieved"):
            fig = _value_figure(s, "target" if role == "target" else "actual", cell,
                                unit if len(unit) <= 4 else "", ind.name)
            if fig is not None:
                out.figures.append(fig)
            continue
        if role in ("weight", "score", "lost") and getattr(ind, role) is None:
            header = block.header[i] if i < len(block.header) else ""
            fig = _figure(s, f"{INDICATOR_PREFIX}{role}", role, cell, "分",
                          f"{ind.name}{header}", ind.name)
            if fig is not None:
                setattr(ind, role, fig)
                out.figures.append(fig)


def _attach(ind: Indicator, names: dict[str, str], leaf: str, s: Sentence, block: Block,
            groups: dict, out: Extraction) -> None:
    """Put an indicator under the weighted groups of its level cells (or the block title)."""
    parent = None
    for level, r in ((1, "level1"), (2, "level2")):
        if r in names and names[r] != leaf:
            g = _group_for(names[r], s, block, level, groups, out)
            if g is not None:
                if parent is not None and g not in parent.members:
                    parent.members.append(g)
                parent = g
    if parent is None and block.title_weight is not None:
        parent = groups.get((0, "title"))
        if parent is None:
            parent = groups[(0, "title")] = Group(block.title_weight.scope or "绩效指标",
                                                  block.title_weight, 0, [], block.number)
            out.groups.append(parent)
    if parent is not None:
        parent.members.append(ind)


def read_indicator_row(s: Sentence, block: Block, out: Extraction, modules: Modules,
                       groups: dict) -> Indicator | None:
    """One indicator row: an :class:`Indicator` with its figures (total rows are not)."""
    cells = _cells(s.row)
    names = _names_by_role(cells, block.roles)
    level_names = [names[r] for r in ("level1", "level2", "level3") if r in names]
    if not level_names:
        return None
    leaf = names.get("level3") or level_names[-1]
    leaf_name, _ = _weighted_name(leaf)
    level1 = _weighted_name(names.get("level1", ""))[0]
    ind = Indicator(s, leaf_name, modules.rightmost(level1) or modules.rightmost(s.heading),
                    [_weighted_name(n)[0] for n in dict.fromkeys(level_names)],
                    target=names.get("target", ""), actual=names.get("achieved", ""),
                    level2=_weighted_name(names.get("level2", ""))[0], table=block.number)
    _indicator_figures(s, block, ind, cells, out)
    _attach(ind, names, leaf, s, block, groups, out)
    out.indicators.append(ind)
    return ind


def _only_module(s: Sentence, block: Block, modules: Modules) -> bool:
    """A row naming a module and no indicator (一级指标 | 分值 | 得分 summary tables)."""
    names = _names_by_role(_cells(s.row), block.roles)
    if set(names) & {"level2", "level3"}:
        return False
    first = next((c for c in _cells(s.row) if c), "")
    return modules.rightmost(first) is not None


# --------------------------------------------------------------------------------------- read

def _title_weight(s: Sentence, cells: list[str]) -> Figure | None:
    """The ``(N分)`` of a block title (before the header, or a merged cell left of it)."""
    for text in [s.row.title] + cells:
        w = weight_title(text) if text else None
        if w is not None:
            name, _ = _weighted_name(normalize_line(text))
            return Figure("weight.group", f"{name}分值", "weight", Decimal(w), "分", f"({w}分)",
                          places_of(w), Decimal(1).scaleb(-places_of(w)), s, name, scope=name,
                          doubt="OCR/粘连文本" if s.glued else "")
    return None


_TABLE_UNIT = re.compile(r"单位[:：]\s*(亿元|万元|元)")


def _table_unit(sents: list[Sentence], all_sents: list[Sentence]) -> str:
    """``单位：万元`` in the caption / the line above the table, or in its first rows."""
    first = sents[0].index - 1
    around = all_sents[max(0, first - 2):first] + sents[:2]
    for s in around:
        m = _TABLE_UNIT.search(s.text)
        if m:
            return m.group(1)
    return ""


def _title_row(cells: list[str]) -> bool:
    """A row holding only a block title with its weight (one merged cell across the table)."""
    distinct = {c for c in cells if c}
    return len(distinct) == 1 and weight_title(next(iter(distinct))) is not None


def _blocks(sents: list[Sentence], unit: str = "") -> tuple[list[Sentence], list[Block]]:
    """Split a table's rows into the rows before any header and blocks under header rows."""
    pre: list[Sentence] = []
    blocks: list[Block] = []
    title: Sentence | None = None
    for s in sents:
        cells = _cells(s.row)
        if _title_row(cells):           # 预算执行情况（10分） across the table: the next block's
            title = s
            continue
        if _is_header(cells):
            roles = _header_roles(cells)
            weight = _title_weight(s, cells) or (_title_weight(title, _cells(title.row))
                                                 if title is not None else None)
            blocks.append(Block(cells, roles, _block_kind(roles), weight,
                                s.row.table * 1000 + s.index % 1000, unit=unit))
            title = None
            continue
        if blocks:
            blocks[-1].rows.append(s)
        else:
            pre.append(s)
    return pre, blocks


_TOTAL_KEYS = ("score.total", "weight.total", "lost.total")
_SCORE_FIELD = re.compile(r"^(?:自评)?(?:总分|得分|总得分|综合得分|综合评分|自评得分|评分|自评总分)$")


def _prose_row(s: Sentence, out: Extraction, modules: Modules, ctx: _Context) -> list[Figure]:
    """A row read like prose, each number labelled by its row and column. A sub-entity's row is
    scoped to it; a 总分/得分 read in a row that is neither a total row nor a 自评得分 field is
    that row's indicator's, not the report's total."""
    start = len(out.figures)
    ctx.last_subject = ""
    extract_sentence(s, ctx, out, modules)
    row = s.row
    figs = out.figures[start:]
    if row is None:
        return figs
    head = normalize_line(row.row_head or (row.cells[0] if row.cells else ""))
    for f in figs:
        if row.kind == "entity":
            f.scope = row.entity
        elif f.key in _TOTAL_KEYS and row.kind != "total" and not TOTAL_ROW.match(head) \
                and not _SCORE_FIELD.match(head):
            f.key = f"{INDICATOR_PREFIX}{f.kind}"
            f.name = key_name(f.key)
            f.scope = head[:20] or "行"
    return figs


def _relabel(s: Sentence, block: Block) -> Sentence:
    """The row labelled by its block's header (the table's first row may be a title or another
    block's header), as the sentence prose rules read."""
    row = s.row
    headers = list(block.header) + [""] * max(0, len(row.cells) - len(block.header))
    if headers[:len(row.headers)] == list(row.headers):
        return s
    new_row = dataclasses.replace(row, headers=headers[:len(row.cells)])
    text = normalize_line(label_row(new_row))
    new = dataclasses.replace(s, text=text, masked=mask(text), row=new_row)
    return new


def _read_block(block: Block, out: Extraction, modules: Modules, ctx: _Context) -> None:
    if block.title_weight is not None:
        out.figures.append(block.title_weight)
    groups: dict = {}
    budget_rows: list[BudgetRow] = []
    first_indicator = len(out.indicators)
    for s in block.rows:
        total = bool(TOTAL_ROW.match(_row_label(_cells(s.row), block.roles) or "")) or \
            s.row.kind == "total"
        if block.kind == "budget":
            r = read_budget_row(s, block, out)
            if r is not None:
                budget_rows.append(r)
        elif block.kind == "indicator" and not total and not _only_module(s, block, modules):
            if read_indicator_row(s, block, out, modules, groups) is None:
                _prose_row(_relabel(s, block), out, modules, ctx)
        else:
            figs = _prose_row(_relabel(s, block), out, modules, ctx)
            if block.kind == "indicator" and total:
                out.table_totals.setdefault(block.number, []).extend(figs)
    if block.kind == "budget":
        _budget_block_done(block, budget_rows, out)
    inds = out.indicators[first_indicator:]
    if inds and all(i.score is None for i in inds) and "score" in block.roles:
        out.notes.append(f"{block.rows[0].where if block.rows else ''}：表中“得分”栏未填写，"
                         "不核对得分 / the score column is blank")


def extract_tables(rows: list[Sentence], out: Extraction, modules: Modules,
                   ctx: _Context) -> None:
    """Read consecutive table-row sentences, table by table."""
    tables: dict[int, list[Sentence]] = {}
    for s in rows:
        tables.setdefault(s.row.table, []).append(s)
    for sents in tables.values():
        pre, blocks = _blocks(sents, _table_unit(sents, out.sentences))
        for s in pre:
            if s.row.kind != "header":
                _prose_row(s, out, modules, ctx)
        for block in blocks:
            _read_block(block, out, modules, ctx)


def read_rules(sentences: list[Sentence], out: Extraction) -> None:
    """Scoring rules the form states (``得分=执行率×分值``)."""
    for s in sentences:
        if _EXEC_SCORE_RULE.search(s.text):
            out.rules["exec_score"] = "得分 = 执行率 × 分值"
            return


__all__ = ["Block", "extract_tables", "number_cell", "read_budget_row", "read_indicator_row"]
