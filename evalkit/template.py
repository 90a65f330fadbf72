"""``evalkit template FOLDER --year YYYY``: write empty input files with the canonical headers.

Each workbook has the data sheet (title row, for the budget a 「单位：元」 line, the header row,
drop-down lists on coded and 是/否 columns) and a 说明 sheet documenting every column from
:mod:`evalkit.schema`. A ``department.yaml`` skeleton is written beside them. Existing files are
never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import xlsxwriter

from evalkit.fsutil import atomic_path, atomic_write_text
from evalkit.io.docs import KIND_LABELS
from evalkit.schema import BUDGET, TABLES, Column, TableSpec

BOOL_CHOICES = ("是", "否")
VALIDATION_ROWS = 20000
"""Drop-down lists are applied to this many data rows."""

GUIDE_HEADERS = ("表头", "英文列名", "类型", "单位", "必填", "示例", "说明", "可用别名")

DEPARTMENT_SKELETON = """\
# 部门基本情况（department.yaml）。请用本部门自己的表述填写；键名不要改动。
sample: false                      # true = 示例数据，报告会醒目标注
department: ""                     # 必填：部门名称，如 某某区信访局
district: ""                       # 所在区
city: ""                           # 所在市
framework: guangzhou_district      # 评分框架：evalkit/frameworks/<名称>.yaml 或文件路径
notice: "《关于开展{year}年度区级财政资金绩效自评工作的通知》"   # 可选
functions: []                      # 部门职能，每项一句
annual_work: ""                    # 年度总体工作
key_tasks: []                      # 重点工作任务：- {{title: "", goal: "", result: ""}}
performance_goal: ""               # 部门整体支出绩效目标
management: ""                     # 部门整体绩效管理情况
highlights: []                     # 可选：履职效能分析补充语句（不要手写数字）
problems_extra: []                 # 可选：存在的主要问题（分析人员补充）
improvements_extra: []             # 可选：下一步改进措施（分析人员补充）
settings: {{}}                       # 可选：指标计算参数覆盖
"""


def template_names() -> list[str]:
    """File names written by :func:`write_templates`."""
    return [f"{spec.file_stem}.xlsx" for spec in TABLES.values()] + ["department.yaml"]


def write_templates(folder: Path, year: int) -> list[Path]:
    """Write the empty input files of one year into ``folder``.

    Args:
        folder: target folder (created if needed), normally ``data/raw/<year>``.
        year: the year printed in titles.

    Returns:
        The written paths.

    Raises:
        FileExistsError: if any of the files already exists (nothing is written then).
    """
    folder = Path(folder)
    existing = [folder / n for n in template_names() if (folder / n).exists()]
    if existing:
        raise FileExistsError(", ".join(str(p) for p in existing))
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write_workbook(folder / f"{spec.file_stem}.xlsx", spec, year)
               for spec in TABLES.values()]
    written.append(atomic_write_text(folder / "department.yaml",
                                     DEPARTMENT_SKELETON.format(year=year)))
    return written


def _choices(col: Column) -> tuple[str, ...]:
    if col.kind == "category":
        return col.choices
    return BOOL_CHOICES if col.kind == "bool" else ()


def _write_workbook(path: Path, spec: TableSpec, year: int) -> Path:
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        sheet = book.add_worksheet(spec.sheet)
        sheet.write(0, 0, f"{year}年{spec.title}", book.add_format({"bold": True, "font_size": 14}))
        header_row = 1
        if spec is BUDGET:
            sheet.write(1, 0, "单位：元")
            header_row = 2
        for j, col in enumerate(spec.columns):
            sheet.write(header_row, j, col.header, head)
            sheet.set_column(j, j, max(10, 2 * len(col.header) + 2))
            choices = _choices(col)
            if choices:
                sheet.data_validation(header_row + 1, j, header_row + VALIDATION_ROWS, j,
                                      {"validate": "list", "source": list(choices)})
        sheet.freeze_panes(header_row + 1, 0)
        _write_guide(book, spec, head)
        book.close()
    return path


def _write_guide(book: xlsxwriter.Workbook, spec: TableSpec, head: object) -> None:
    guide = book.add_worksheet("说明")
    guide.write_row(0, 0, GUIDE_HEADERS, head)
    for i, col in enumerate(spec.columns, start=1):
        unit = "元（载入后换算为万元）" if col.kind == "amount" else (col.unit or "")
        note = col.note
        if col.choices:
            note = f"可选：{'、'.join(col.choices)}" + (f"；{note}" if note else "")
        if col.personal:
            note = "个人信息：载入时删除，不进入任何结果" + (f"；{note}" if note else "")
        guide.write_row(i, 0, (col.header, col.key, KIND_LABELS[col.kind], unit,
                               "是" if col.required else "否", col.example, note,
                               "、".join(col.aliases)))
    for j, width in enumerate((24, 28, 8, 20, 6, 24, 50, 40)):
        guide.set_column(j, j, width)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``template`` subcommand to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "template",
        help="生成空白输入文件 / write empty input files for a new year",
        description=("在指定文件夹写入空白的 budget.xlsx、petitions.xlsx、self_assessment.xlsx、"
                     "peers.xlsx（含表头、说明工作表和下拉选项）以及 department.yaml 框架；"
                     "已有文件时拒绝覆盖。 / Write empty input workbooks with headers, an 说明 "
                     "sheet and drop-down lists, plus a department.yaml skeleton; never "
                     "overwrites existing files."),
    )
    parser.add_argument("folder", type=Path,
                        help="目标文件夹，如 data/raw/2024 / target folder, e.g. data/raw/2024")
    parser.add_argument("--year", type=int, required=True,
                        help="年度，如 2024 / the year, e.g. 2024")
    parser.set_defaults(func=run_template)
    return parser


def run_template(args: argparse.Namespace) -> int:
    """Handler of ``evalkit template``; returns the exit code."""
    try:
        written = write_templates(Path(args.folder), int(args.year))
    except FileExistsError as exc:
        print(f"[错误] 文件已存在，未写入任何文件：{exc} / files already exist; nothing written",
              file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"[错误] 无法写入：{exc} / cannot write", file=sys.stderr)
        return 1
    for path in written:
        print(f"已写入 / written: {path}")
    return 0
