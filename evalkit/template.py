"""Input files for a new year (``evalkit template FOLDER --year YYYY [--from LAST_YEAR_FOLDER]``).

Each workbook has the data sheet (title row, for the budget a 「单位：元」 line, the header row,
drop-down lists on coded and 是/否 columns) and a 说明 sheet documenting every column from
:mod:`evalkit.schema`. ``self_assessment.xlsx`` already lists every hand-scored indicator of the
framework (the indicators without a ``metric:``): id, name, weight, target, how to fill it in,
last year's value and evidence as hints, and empty 自评值 / 自评得分 / 扣分原因 / 佐证材料 cells.

With ``--from data/raw/2023`` the new ``department.yaml`` carries over last year's department,
district, city, framework, functions, key tasks, management text and settings; the fields that
change every year (annual work, performance goal, each task's result) read 待填写 with last year's
text as a comment, and ``sample`` is false (a new year is real data). Without ``--from`` it is an
empty skeleton. Existing files are never overwritten; the command prints the next steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
import yaml

from evalkit.fsutil import atomic_path, atomic_write_text
from evalkit.io.docs import KIND_LABELS
from evalkit.schema import BUDGET, SELF_ASSESSMENT, TABLES, Column, TableSpec

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
supervisor: ""                     # 自评表：主管部门（缺省即本部门）
filled_by: ""                      # 自评表：填报人
phone: ""                          # 自评表：联系电话
head: ""                           # 自评表：单位负责人
# report_date: {year_next}-03-15          # 报告日期（落款）；留空则不写
"""


PENDING = "待填写"
"""Value of a department.yaml field that changes every year and must be written anew."""

DEFAULT_FRAMEWORK = "guangzhou_district"

#: department.yaml keys carried over from last year as they are (checked by the analyst).
CARRIED = ("department", "district", "city", "framework", "functions", "management", "settings")

#: The 自评表's hand-filled fields carried over (the people may have changed: checked by hand).
SIGNATURE = (("supervisor", "主管部门"), ("filled_by", "填报人，请核对"), ("phone", "联系电话，请核对"),
             ("head", "单位负责人，请核对"), ("report_docx", "可选：report.docx 的图表和分析表"))

#: Column widths of the self-assessment template (others: 30).
COLUMN_WIDTHS = {"指标编码": 10, "指标名称": 28, "分值": 6, "年度指标值": 22, "填写方法": 48,
                 "上年自评值": 16, "上年佐证材料": 24, "自评值": 16, "自评得分": 10, "扣分原因": 36}

#: Hint columns of the self-assessment template (read by people, ignored by the loader).
HINT_HEADERS = ("分值", "年度指标值", "填写方法", "上年自评值", "上年佐证材料")


def template_names() -> list[str]:
    """File names written by :func:`write_templates`."""
    return [f"{spec.file_stem}.xlsx" for spec in TABLES.values()] + ["department.yaml"]


@dataclass
class LastYear:
    """What a new year takes over from the previous year's folder (``--from``)."""

    folder: Path | None = None
    department: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)   # id -> actual, evidence


def read_last_year(folder: Path | str) -> LastYear:
    """Read last year's ``department.yaml`` and ``self_assessment`` (values as hints).

    Raises:
        InputError: when the folder has no usable department.yaml (located problems).
    """
    from evalkit import config
    from evalkit.errors import InputError, problem, raise_if_errors
    from evalkit.io.loaders import load_department
    from evalkit.rawfiles import find_file
    from evalkit.io.tables import load_table

    folder = Path(folder)
    path = find_file(folder, config.DEPARTMENT, config.DEPARTMENT_SUFFIXES)
    if path is None:
        raise InputError([problem("error", str(folder / "department.yaml"),
                                  "上年文件夹中没有 department.yaml", "no department.yaml in --from")])
    department, problems = load_department(path)
    raise_if_errors(problems)
    last = LastYear(folder, department)
    sheet = find_file(folder, config.SELF_ASSESSMENT, config.TABLE_SUFFIXES)
    if sheet is not None:
        frame, _ = load_table(sheet, SELF_ASSESSMENT, required=False)
        for row in (frame.to_dict("records") if frame is not None else []):
            last.values[str(row["indicator_id"])] = row
    return last


def write_templates(folder: Path, year: int, source: Path | str | None = None) -> list[Path]:
    """Write the input files of a new year into ``folder``.

    Args:
        folder: target folder (created if needed), normally ``data/raw/<year>``.
        year: the year printed in titles.
        source: last year's folder (``--from``): its department.yaml is carried over and its
            self-assessment values are shown as hints.

    Returns:
        The written paths.

    Raises:
        FileExistsError: if any of the files already exists (nothing is written then).
        InputError: ``source`` has no usable department.yaml, or its framework does not load.
    """
    folder = Path(folder)
    existing = [folder / n for n in template_names() if (folder / n).exists()]
    if existing:
        raise FileExistsError(", ".join(str(p) for p in existing))
    last = read_last_year(source) if source is not None else LastYear()
    indicators = manual_indicators(last.department.get("framework") or DEFAULT_FRAMEWORK)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in TABLES.values():
        path = folder / f"{spec.file_stem}.xlsx"
        if spec is SELF_ASSESSMENT:
            written.append(_write_self_assessment(path, year, indicators, last))
        else:
            written.append(_write_workbook(path, spec, year))
    text = (department_yaml(last.department, year, last.folder) if last.department
            else DEPARTMENT_SKELETON.format(year=year, year_next=year + 1))
    written.append(atomic_write_text(folder / "department.yaml", text))
    return written


# --------------------------------------------------------------------------- department.yaml


def _dump(value: Any) -> str:
    """A YAML value as block text (lists and mappings on their own lines)."""
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10_000,
                          default_flow_style=False).rstrip("\n")
    if text.endswith("\n..."):
        text = text[:-4].rstrip("\n")
    return text


def _field(key: str, value: Any, comment: str = "") -> str:
    body = _dump(value)
    note = f"  # {comment}" if comment else ""
    if isinstance(value, (list, dict)) and value:
        return f"{key}:{note}\n" + "\n".join(f"  {line}" for line in body.splitlines())
    return f"{key}: {body}{note}"


def _hint(key: str, value: Any) -> str:
    """Last year's text as comment lines above a 待填写 field."""
    if not value:
        return ""
    lines = _dump(value).splitlines()
    return "".join(f"# 上年{key}：{line}\n" if i == 0 else f"#   {line}\n"
                   for i, line in enumerate(lines))


def _notice(old: Any, old_year: int | None, year: int) -> str:
    """Last year's notice with its year replaced, else 待填写."""
    text = str(old or "")
    if old_year and str(old_year) in text:
        return text.replace(str(old_year), str(year))
    return PENDING


def department_yaml(last: dict[str, Any], year: int, source: Path | None = None) -> str:
    """The new year's department.yaml text carried over from last year's ``last`` dict."""
    old_year = int(source.name) if source is not None and source.name.isdigit() else None
    tasks = [{"title": t.get("title", ""), "goal": t.get("goal", ""), "result": PENDING}
             for t in (last.get("key_tasks") or []) if isinstance(t, dict)]
    parts = [f"# {year}年度 {last.get('department', '')} 部门概况（department.yaml），由 evalkit template "
             f"根据 {source or '上年'} 生成。",
             "# 标为“待填写”的是本年度的内容，须按本年实际填写（报告会原样显示）；其余沿用上年，请逐项核对。",
             _field("sample", False, "真实数据（示例数据为 true，报告会醒目标注）")]
    parts += [_field(k, last[k]) for k in CARRIED[:4] if k in last]
    parts += [_field("notice", _notice(last.get("notice"), old_year, year), "自评通知，请核对"),
              _field("functions", last.get("functions") or [], "部门职能，沿用上年"),
              _hint("年度总体工作", last.get("annual_work")) + _field("annual_work", PENDING),
              _field("key_tasks", tasks, "重点工作任务：沿用上年的任务与目标，result 填本年完成情况"),
              _hint("绩效目标", last.get("performance_goal"))
              + _field("performance_goal", PENDING, "部门整体支出绩效目标"),
              _field("management", last.get("management") or PENDING, "部门整体绩效管理情况"),
              _field("highlights", [], "可选：履职效能分析补充语句（不要手写数字）"),
              _field("problems_extra", [], "可选：存在的主要问题（分析人员补充）"),
              _field("improvements_extra", [], "可选：下一步改进措施（分析人员补充）"),
              _field("settings", last.get("settings") or {}, "可选：指标计算参数覆盖，沿用上年")]
    parts += [_field(k, last[k], note) for k, note in SIGNATURE if k in last]
    parts += [f"# report_date: {year + 1}-03-15          # 待填写：报告日期（落款）；留空则不写",
              "# goal_result: \"…\"               # 可选：年度总体目标实际完成情况（默认取各任务的 result）"]
    return "\n".join(parts) + "\n"


def pending_keys(text: str) -> list[str]:
    """Top-level keys of a department.yaml text whose value holds 待填写 (``key_tasks`` once)."""
    data = yaml.safe_load(text) or {}
    return [k for k, v in data.items() if PENDING in str(v)]


# --------------------------------------------------------------------------- self_assessment.xlsx


@dataclass(frozen=True)
class ManualIndicator:
    """A hand-scored indicator as the template lists it."""

    id: str
    name: str
    weight: float
    target: str
    how: str
    choices: tuple[str, ...] = ()


def _how(ind: Any) -> tuple[str, tuple[str, ...]]:
    """How to fill in an indicator (by its rule) and the drop-down choices of its 自评值."""
    p = ind.params
    unit = f"（单位：{ind.unit}）" if ind.unit else ""
    rule = ind.rule
    if rule == "qualitative_tier":
        tiers = "、".join(f"{n} {float(lo) * 100:g}–{float(hi) * 100:g}%" for n, (lo, hi)
                         in p.tiers.items())
        return (f"自评值填档次，自评得分按档次在分值的比例内填写（{tiers}）；低于分值须填扣分原因",
                tuple(p.tiers))
    if rule == "manual":
        return "自评得分直接填写（0 至分值）；低于分值须填扣分原因", ()
    if rule == "checklist":
        items = "、".join(i.name for i in p.items)
        return f"自评值填未满足的项目（用、分隔），全部满足填“无”。项目：{items}", ()
    if rule == "binary":
        return "自评值填 是/否（是否达到年度指标值）", ("是", "否")
    if rule == "per_event":
        return "自评值填发生次数（整数）", ()
    return f"自评值填实际数值{unit}", ()


def _target_text(ind: Any) -> str:
    if ind.target is None:
        return ""
    if isinstance(ind.target, str):
        return ind.target
    sign = "≤" if ind.direction == "lower" else "≥"
    return f"{sign}{ind.target.normalize():f}{ind.unit}"


def manual_indicators(framework: str | Path) -> list[ManualIndicator]:
    """Every indicator of the framework whose actual value comes from the self-assessment sheet.

    >>> [i.id for i in manual_indicators("guangzhou_district")][:3]
    ['L1.4', 'L2.4', 'L3.2']
    """
    from evalkit.scoring import load_framework

    out = []
    for _module, _sub, ind, _path in load_framework(framework).walk():
        if ind.source != "self_assessment":
            continue
        how, choices = _how(ind)
        note = f"。{ind.note}" if ind.note else ""
        out.append(ManualIndicator(ind.id, ind.name, float(ind.weight), _target_text(ind),
                                   how + note, choices))
    return out


def _blank(value: Any) -> bool:
    """None, NA, NaN or blank text."""
    import pandas as pd

    if value is None or isinstance(value, str):
        return not (value or "").strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def last_value(row: dict[str, Any]) -> str:
    """Last year's 自评值 as a hint, with its 自评得分 when one was given.

    >>> last_value({"actual": "部分达成", "score": "7.8"}), last_value({"actual": 0.0})
    ('部分达成（7.8分）', '0.0')
    """
    actual = "" if _blank(row.get("actual")) else str(row.get("actual"))
    score = "" if _blank(row.get("score")) else f"（{row.get('score')}分）"
    return actual + score


def _write_self_assessment(path: Path, year: int, indicators: list[ManualIndicator],
                           last: LastYear) -> Path:
    """The self-assessment sheet listing every hand-scored indicator, hints beside the inputs."""
    headers = [c.header for c in SELF_ASSESSMENT.columns[:2]] + list(HINT_HEADERS) + [
        c.header for c in SELF_ASSESSMENT.columns[2:]]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                "text_wrap": True})
        hint = book.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top",
                                "bg_color": "#F2F2F2"})
        sheet = book.add_worksheet(SELF_ASSESSMENT.sheet)
        sheet.write(0, 0, f"{year}年{SELF_ASSESSMENT.title}（灰色列为参考，载入时忽略）",
                    book.add_format({"bold": True, "font_size": 14}))
        sheet.write_row(1, 0, headers, head)
        actual_col = headers.index(SELF_ASSESSMENT.column("actual").header)
        for i, ind in enumerate(indicators, start=2):
            before = last.values.get(ind.id, {})
            sheet.write_row(i, 0, (ind.id, ind.name))
            evidence = before.get("evidence")
            sheet.write_row(i, 2, (ind.weight, ind.target, ind.how, last_value(before),
                                   "" if _blank(evidence) else str(evidence)), hint)
            if ind.choices:
                sheet.data_validation(i, actual_col, i, actual_col,
                                      {"validate": "list", "source": list(ind.choices)})
        for j, name in enumerate(headers):
            sheet.set_column(j, j, COLUMN_WIDTHS.get(name, 30))
        sheet.freeze_panes(2, 2)
        _write_guide(book, SELF_ASSESSMENT, head, hints=True)
        book.close()
    return path


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


def _write_guide(book: xlsxwriter.Workbook, spec: TableSpec, head: object,
                 hints: bool = False) -> None:
    guide = book.add_worksheet("说明")
    guide.write_row(0, 0, GUIDE_HEADERS, head)
    i = 0
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
    if hints:
        for k, name in enumerate(HINT_HEADERS, start=i + 1):
            guide.write_row(k, 0, (name, "", "文本", "", "否", "",
                                   "参考列（分值、目标、填写方法和上年情况），载入时忽略", ""))
    for j, width in enumerate((24, 28, 8, 20, 6, 24, 50, 40)):
        guide.set_column(j, j, width)


def next_steps(folder: Path, year: int, written: list[Path], n_indicators: int) -> list[str]:
    """The lines printed after the files are written."""
    from evalkit.config import DATA_RAW

    folder = Path(folder)
    pending = pending_keys((folder / "department.yaml").read_text(encoding="utf-8"))
    run = f"evalkit run --year {year}"
    if folder.resolve().parent != DATA_RAW.resolve():
        run += f" --data-dir {folder.parent}"
    lines = ["下一步 / next steps:",
             f"  1. 预算执行表：从预算管理系统导出，另存为 {folder / 'budget.xlsx'}（表头见其“说明”工作表）",
             f"  2. 信访台账：从信访信息系统导出，另存为 {folder / 'petitions.xlsx'}",
             f"  3. 自评表：{folder / 'self_assessment.xlsx'} 已列出 {n_indicators} 个人工评分指标，"
             "逐项填写自评值、自评得分、扣分原因和佐证材料",
             f"  4. 部门概况：{folder / 'department.yaml'} 中标为“待填写”的项须改写"
             + (f"（{'、'.join(pending)}）" if pending else "") + "，其余沿用上年的内容请核对",
             f"  5. 可选：各区对比 {folder / 'peers.xlsx'}",
             f"  6. 检查：evalkit validate {folder}",
             f"  7. 生成：{run}"]
    if folder.name != str(year):
        lines.append(f"  注意：evalkit 按 <数据目录>/<年度>/ 查找，运行前请把文件夹改名为 {year} / "
                     f"rename the folder to {year} before running")
    return lines
