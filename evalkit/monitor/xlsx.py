"""``监控表.xlsx``: the 绩效运行监控表, and the sheet where the analyst writes causes and measures.

Sheets:

1. ``监控表`` — the form: 一、预算执行情况 (全年预算数 = 年度目标, 1–N月执行数, 执行进度, 序时进度,
   偏差, 全年预计执行数/率, 预警, 偏差原因, 纠偏措施) and 二、绩效指标完成情况 (年度目标, 1–N月执行
   情况, 全年预计完成情况, 偏差, 分值, 预计得分, 预测依据, 预警, 偏差原因, 纠偏措施). Its 偏差原因 and
   纠偏措施 cells are formulas that show the second sheet.
2. ``偏差原因与纠偏措施`` — one row per line of the form, pre-filled where the figures say why; the
   analyst edits it. Two hidden columns keep the pre-filled text and one the row key: when the
   monitor runs again for the same date, every cell the analyst changed (it differs from the hidden
   pre-fill) is carried into the new workbook, so no entry is lost.
3. ``预警清单`` — the warnings (level, subject, figure, threshold, sentence).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from evalkit.monitor.labels import label
from evalkit.monitor.view import (as_of_text, budget_rows, indicator_rows, month_span,
                                  settings_of)

FORM = "监控表"
ENTRIES = "偏差原因与纠偏措施"
WARNINGS = "预警清单"
ENTRY_HEAD = ("编号", "项目/指标", "偏差", "偏差原因", "纠偏措施", "预填偏差原因", "预填纠偏措施", "键")
ENTRY_HEADER_ROW = 1
LEVEL_COLORS = {"红": "#F4B6B6", "黄": "#FFE699", "绿": "#C6EFCE"}


# --------------------------------------------------------------------------- reading back


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)


def read_analyst_entries(path: Path | str) -> dict[str, dict[str, str]]:
    """Row key -> the cells the analyst changed (``cause`` / ``measure``) in an earlier workbook.

    A cell counts as changed when it differs from the pre-filled text kept beside it. An unreadable
    workbook gives ``{}`` (the new one is then written with the pre-fills only).
    """
    import fastexcel

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(
            ENTRIES, header_row=ENTRY_HEADER_ROW, dtypes="string")
        frame = sheet.to_pandas()
    except Exception:  # noqa: BLE001 - a damaged or foreign file: start from the pre-fills
        return {}
    if not set(ENTRY_HEAD) <= set(frame.columns):
        return {}
    out: dict[str, dict[str, str]] = {}
    for rec in frame.to_dict("records"):
        key = _text(rec["键"])
        changed = {field: _text(rec[shown]) for field, shown, auto in
                   (("cause", "偏差原因", "预填偏差原因"), ("measure", "纠偏措施", "预填纠偏措施"))
                   if _text(rec[shown]) != _text(rec[auto])}
        if key and changed:
            out[key] = changed
    return out


# --------------------------------------------------------------------------- writing


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.title = wb.add_format({"font_name": "宋体", "bold": True, "font_size": 16,
                                    "align": "center", "valign": "vcenter"})
        self.info = wb.add_format({"font_name": "宋体", "font_size": 10, "text_wrap": True,
                                   "valign": "top"})
        self.section = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True})
        self.head = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                                   "bg_color": "#D9E1F2"})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.center = wb.add_format({**base, "align": "center", "text_wrap": True})
        self.num = wb.add_format({**base, "num_format": "0.00"})
        self.edit = wb.add_format({**base, "text_wrap": True, "bg_color": "#FFFDE7"})
        self.levels = {level: wb.add_format({**base, "align": "center", "bg_color": color})
                       for level, color in LEVEL_COLORS.items()}


BUDGET_HEAD = ("序号", "项目", "支出类型", "全年预算数\n（年度目标）", "{span}执行数", "执行进度（%）",
               "序时进度（%）", "偏差\n（个百分点）", "全年预计执行数", "全年预计执行率（%）", "预警",
               "偏差原因", "纠偏措施")
INDICATOR_HEAD = ("编号", "三级指标", "一级／二级指标", "年度目标", "{span}执行情况", "全年预计完成情况",
                  "偏差", "分值", "{score}", "预测依据", "预警", "偏差原因", "纠偏措施")
WIDTHS = (7, 30, 18, 14, 16, 14, 10, 10, 12, 12, 6, 40, 40)
CAUSE_COL, MEASURE_COL = 11, 12


def _header(ws: Any, row: int, head: tuple[str, ...], span: str, f: _Formats) -> None:
    for col, text in enumerate(head):
        ws.write(row, col, text.format(span=span, score=label("score.indicators.score")), f.head)
    ws.set_row(row, 30)


def _number(ws: Any, row: int, col: int, value: Any, f: _Formats) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, f.num)
    else:
        ws.write_string(row, col, "—", f.center)


def _level(ws: Any, row: int, col: int, level: str, f: _Formats) -> None:
    ws.write_string(row, col, level, f.levels.get(level, f.center))


def _linked(ws: Any, row: int, entry_row: int, values: tuple[str, str], f: _Formats) -> None:
    """偏差原因 / 纠偏措施 cells showing the analyst sheet (value cached for viewers)."""
    for col, entry_col, value in ((CAUSE_COL, 3, values[0]), (MEASURE_COL, 4, values[1])):
        ref = f"'{ENTRIES}'!{xl_rowcol_to_cell(entry_row, entry_col)}"
        ws.write_formula(row, col, f'=IF({ref}="","",{ref})', f.text, value)


def _budget_block(ws: Any, start: int, rows: list[dict[str, Any]], span: str, f: _Formats,
                  entry_rows: dict[str, int]) -> int:
    ws.write(start, 0, "一、预算执行情况（金额单位：万元）", f.section)
    _header(ws, start + 1, BUDGET_HEAD, span, f)
    r = start + 2
    for row in rows:
        ws.write_string(r, 0, row["number"], f.center)
        ws.write_string(r, 1, row["name"], f.text)
        ws.write_string(r, 2, row["type"], f.center)
        for col, key in enumerate(("budget", "spent", "progress", "time", "gap", "projected",
                                   "projected_rate"), start=3):
            _number(ws, r, col, row[key], f)
        _level(ws, r, 10, row["level"], f)
        _linked(ws, r, entry_rows[row["key"]], (row["cause"], row["measure"]), f)
        r += 1
    return r


def _indicator_block(ws: Any, start: int, rows: list[dict[str, Any]], span: str, f: _Formats,
                     entry_rows: dict[str, int]) -> int:
    ws.write(start, 0, "二、绩效指标完成情况", f.section)
    _header(ws, start + 1, INDICATOR_HEAD, span, f)
    r = start + 2
    for row in rows:
        for col, key in enumerate(("number", "name", "parent", "target", "to_date", "projected",
                                   "deviation")):
            ws.write_string(r, col, str(row[key]), f.center if col in (0, 3, 6) else f.text)
        _number(ws, r, 7, row["weight"], f)
        _number(ws, r, 8, row["score"], f)
        ws.write_string(r, 9, row["basis"], f.center)
        _level(ws, r, 10, row["level"], f)
        _linked(ws, r, entry_rows[row["key"]], (row["cause"], row["measure"]), f)
        r += 1
    return r


def _info(monitor: Mapping[str, Any]) -> str:
    b = monitor["budget"]
    projection = b["projection"]
    parts = [f"截至日期：{as_of_text(monitor)}",
             f"序时进度：{b['time_progress_pct']:.2f}%（{'按天' if b['time_progress_mode'] == 'days' else '按月'}）",
             f"全年预计执行数的预测方法：{projection['label']}（{projection['basis']}）"]
    if monitor.get("score"):
        s = monitor["score"]
        parts.append(f"{label('score.projected_total')}：{s['projected_total']:.2f}分（{s['grade']}）")
    if monitor.get("is_sample"):
        parts.append("示例数据")
    return "；".join(parts) + "。偏差原因、纠偏措施请在「偏差原因与纠偏措施」表中填写。"


def _form(wb: Any, monitor: Mapping[str, Any], b_rows: list, i_rows: list,
          entry_rows: dict[str, int], f: _Formats) -> None:
    ws = wb.add_worksheet(FORM)
    last = len(BUDGET_HEAD) - 1
    title = f"{monitor['year']}年度{monitor.get('department') or ''}部门整体支出绩效运行监控表"
    ws.merge_range(0, 0, 0, last, title, f.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, last, _info(monitor), f.info)
    ws.set_row(1, 42)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    span = month_span(monitor)
    end = _budget_block(ws, 3, b_rows, span, f, entry_rows)
    if i_rows:
        _indicator_block(ws, end + 1, i_rows, span, f, entry_rows)
    ws.freeze_panes(0, 2)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _carry_over(rows: list[dict[str, Any]], kept: Mapping[str, Mapping[str, str]]) -> None:
    """Keep the pre-fills in ``auto_*`` and put the analyst's changed cells in their place."""
    for row in rows:
        row["auto_cause"], row["auto_measure"] = row["cause"], row["measure"]
        edits = kept.get(row["key"], {})
        row["cause"] = edits.get("cause", row["cause"])
        row["measure"] = edits.get("measure", row["measure"])


def _entries(wb: Any, rows: list[dict[str, Any]], f: _Formats) -> None:
    ws = wb.add_worksheet(ENTRIES)
    ws.merge_range(0, 0, 0, 4, "请在本表填写或修改“偏差原因”“纠偏措施”（监控表引用本表）。预填内容依据数据自动生成；"
                   "同一截至日期重新运行监控时，本表中修改过的内容会保留。", f.info)
    ws.set_row(0, 36)
    for col, (text, width) in enumerate(zip(ENTRY_HEAD, (8, 32, 16, 50, 50, 10, 10, 10))):
        ws.write(ENTRY_HEADER_ROW, col, text, f.head)
        ws.set_column(col, col, width, None, {"hidden": col >= 5})
    for r, row in enumerate(rows, start=ENTRY_HEADER_ROW + 1):
        ws.write_string(r, 0, row["number"], f.center)
        ws.write_string(r, 1, row["name"], f.text)
        ws.write_string(r, 2, row["deviation"], f.center)
        ws.write_string(r, 3, row["cause"], f.edit)
        ws.write_string(r, 4, row["measure"], f.edit)
        ws.write_string(r, 5, row["auto_cause"], f.text)
        ws.write_string(r, 6, row["auto_measure"], f.text)
        ws.write_string(r, 7, row["key"], f.text)
    ws.freeze_panes(ENTRY_HEADER_ROW + 1, 2)


def _unique_keys(rows: list[dict[str, Any]]) -> None:
    """Two lines with the same code and name get ``#2``, ``#3`` … (stable in file order)."""
    seen: dict[str, int] = {}
    for row in rows:
        n = seen[row["key"]] = seen.get(row["key"], 0) + 1
        if n > 1:
            row["key"] = f"{row['key']}#{n}"


def _warnings(wb: Any, monitor: Mapping[str, Any], f: _Formats) -> None:
    ws = wb.add_worksheet(WARNINGS)
    for col, (text, width) in enumerate(zip(("预警", "对象", "数值", "阈值", "说明"),
                                            (6, 30, 10, 10, 90))):
        ws.write(0, col, text, f.head)
        ws.set_column(col, col, width)
    for r, w in enumerate(monitor.get("warnings", []), start=1):
        _level(ws, r, 0, w["level"], f)
        ws.write_string(r, 1, w["subject"], f.text)
        _number(ws, r, 2, w["figure"], f)
        _number(ws, r, 3, w["threshold"], f)
        ws.write_string(r, 4, w["sentence"], f.text)
    ws.freeze_panes(1, 0)


def _gap_text(row: Mapping[str, Any]) -> str:
    gap = row.get("gap")
    return "—" if gap is None else f"{'+' if gap > 0 else ''}{gap:.2f}个百分点"


def workbook_bytes(monitor: Mapping[str, Any],
                   kept: Mapping[str, Mapping[str, str]] | None = None) -> bytes:
    """The 监控表 workbook as bytes (``kept``: the analyst's entries to carry over)."""
    settings = settings_of(monitor)
    b_rows = budget_rows(monitor, settings)
    i_rows = indicator_rows(monitor, settings)
    for row in b_rows:
        row["deviation"] = _gap_text(row)
    rows = b_rows + i_rows
    _unique_keys(rows)
    _carry_over(rows, kept or {})
    entry_rows = {row["key"]: r for r, row in enumerate(rows, start=ENTRY_HEADER_ROW + 1)}
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    try:
        f = _Formats(wb)
        _form(wb, monitor, b_rows, i_rows, entry_rows, f)
        _entries(wb, rows, f)
        _warnings(wb, monitor, f)
    finally:
        wb.close()
    return buffer.getvalue()
