"""``outputs/<year>/scorecard.xlsx``: the 部门整体支出绩效自评表 as a finance bureau expects it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from evalkit.fsutil import atomic_path
from evalkit.numfmt import fmt_fixed

HEADERS = ("一级指标", "二级指标", "三级指标", "分值", "指标值(目标)", "实际完成值", "自评得分",
           "扣分", "扣分原因/说明")
WIDTHS = (12, 14, 30, 8, 16, 26, 10, 8, 60)
SHEET = "自评表"
TITLE_ROW, INFO_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = HEADER_ROW + 1
COL_WEIGHT, COL_SCORE, COL_LOST = 3, 6, 7


def write_scorecard(result, path: Path | str, *, year: int | None = None,
                    department: str | None = None) -> Path:
    """Write the 自评表 for a scored year as xlsx, atomically, and return the path.

    Layout: a title row 「<year>年度<department>部门整体支出绩效自评表」, an info row (framework,
    总分, 等级), the header row (frozen), one row per indicator (一级 and 二级 names merged down
    their rows), a 小计 row after each 一级 module, and a 合计 row with the grade. Scores are
    numbers formatted ``0.00``; subtotals and the total are SUM formulas with the computed values
    cached, so the file shows the figures without recalculation.

    Args:
        result: a :class:`~evalkit.scoring.engine.ScoreResult`.
        path: the target file, normally ``outputs/<year>/scorecard.xlsx``.
        year: the year in the title (default ``result.year``).
        department: the department in the title (default ``result.department``).
    """
    path = Path(path)
    year = year if year is not None else result.year
    department = department or result.department or ""
    title = f"{year}年度{department}部门整体支出绩效自评表" if year else f"{department}部门整体支出绩效自评表"
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        try:
            _write_sheet(wb, result, title)
        finally:
            wb.close()
    return path


def _write_sheet(wb: xlsxwriter.Workbook, result, title: str) -> None:
    ws = wb.add_worksheet(SHEET)
    base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    f_title = wb.add_format({"font_name": "宋体", "bold": True, "font_size": 16, "align": "center",
                             "valign": "vcenter"})
    f_info = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter"})
    f_head = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#D9E1F2",
                            "text_wrap": True})
    f_text = wb.add_format({**base, "text_wrap": True})
    f_center = wb.add_format({**base, "align": "center", "text_wrap": True})
    f_num = wb.add_format({**base, "num_format": "0.00"})
    f_sub = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
    f_sub_num = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.00"})
    f_tot = wb.add_format({**base, "bold": True, "bg_color": "#FFF2CC"})
    f_tot_num = wb.add_format({**base, "bold": True, "bg_color": "#FFF2CC", "num_format": "0.00"})

    last_col = len(HEADERS) - 1
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, title, f_title)
    ws.set_row(TITLE_ROW, 30)
    fw = result.framework
    ws.merge_range(INFO_ROW, 0, INFO_ROW, last_col,
                   f"评分框架：{fw.title}（{fw.name}）    自评总分：{fmt_fixed(result.total)}    "
                   f"满分：{fmt_fixed(result.max)}    评价等级：{result.grade}", f_info)
    for c, (h, w) in enumerate(zip(HEADERS, WIDTHS)):
        ws.write(HEADER_ROW, c, h, f_head)
        ws.set_column(c, c, w)
    ws.set_row(HEADER_ROW, 24)

    row = FIRST_DATA_ROW
    subtotal_rows: list[int] = []
    for mod in result.modules:
        first_mod_row = row
        for sub in mod.submodules:
            inds = [i for i in result.indicators if i.module == mod.name and i.submodule == sub.name]
            first_sub_row = row
            for ind in inds:
                ws.write_string(row, 2, f"{ind.id} {ind.name}", f_text)
                ws.write_number(row, COL_WEIGHT, float(ind.weight), f_num)
                ws.write_string(row, 4, ind.target_text, f_center)
                ws.write_string(row, 5, ind.actual_text, f_text)
                ws.write_number(row, COL_SCORE, float(ind.score), f_num)
                ws.write_number(row, COL_LOST, float(ind.lost), f_num)
                ws.write_string(row, 8, ind.reason or "", f_text)
                row += 1
            _merge_or_write(ws, first_sub_row, row - 1, 1, f"{sub.name}（{_points(sub.weight)}分）",
                            f_center)
        _merge_or_write(ws, first_mod_row, row - 1, 0, f"{mod.name}（{_points(mod.weight)}分）",
                        f_center)
        ws.merge_range(row, 0, row, 2, f"{mod.name}小计", f_sub)
        for col, value in ((COL_WEIGHT, mod.weight), (COL_SCORE, mod.score), (COL_LOST, mod.lost)):
            rng = f"{xl_rowcol_to_cell(first_mod_row, col)}:{xl_rowcol_to_cell(row - 1, col)}"
            ws.write_formula(row, col, f"=SUM({rng})", f_sub_num, float(value))
        ws.write_string(row, 4, "", f_sub)
        ws.write_string(row, 5, "", f_sub)
        ws.write_string(row, 8, "", f_sub)
        subtotal_rows.append(row)
        row += 1

    ws.merge_range(row, 0, row, 2, "合计", f_tot)
    lost_total = result.max - result.total
    for col, value in ((COL_WEIGHT, result.max), (COL_SCORE, result.total), (COL_LOST, lost_total)):
        cells = ",".join(xl_rowcol_to_cell(r, col) for r in subtotal_rows)
        ws.write_formula(row, col, f"=SUM({cells})", f_tot_num, float(value))
    ws.write_string(row, 4, "", f_tot)
    ws.write_string(row, 5, "", f_tot)
    ws.write_string(row, 8, f"评价等级：{result.grade}", f_tot)
    row += 2
    unconfirmed = [i.id for i in result.indicators if not i.confirmed]
    if unconfirmed:
        ws.merge_range(row, 0, row, last_col,
                       f"注：{len(unconfirmed)}项三级指标分值未经官方评分表确认（见评分框架文件 "
                       f"{fw.file} 中 confirmed: false）。", f_info)

    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()


def _points(w: Decimal) -> str:
    """``50`` for whole weights, ``2.5`` otherwise."""
    return str(int(w)) if w == w.to_integral_value() else f"{w.normalize():f}"


def _merge_or_write(ws, first: int, last: int, col: int, text: str, fmt) -> None:
    if last > first:
        ws.merge_range(first, col, last, col, text, fmt)
    elif last == first:
        ws.write_string(first, col, text, fmt)
