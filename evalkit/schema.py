"""Column dictionaries of the input spreadsheets: Chinese headers, aliases, types, units, choices.

This module is the single source of truth for the input formats (the petition channels, and
which of them count as 网信, are data: ``evalkit/channels.yaml``). The loaders map headers with it,
``evalkit template`` writes empty files from it, and ``data/raw/README.md`` documents it.
Tidy column names are English snake_case with unit suffixes (``_wan`` = 万元, ``_on`` = date,
``is_``/``has_`` = boolean).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

Kind = Literal["str", "amount", "int", "date", "bool", "category", "text"]


@dataclass(frozen=True)
class Column:
    """One input column.

    Attributes:
        key: tidy English name.
        header: canonical Chinese header written by ``evalkit template``.
        kind: how the cell is parsed (``amount`` is converted to 万元).
        required: a missing required column is an error.
        aliases: other headers accepted for it (matched after trimming spaces, full-width
            characters folded, and a unit suffix such as ``（元）`` removed).
        unit: unit after loading (``万元`` for amounts).
        choices: canonical values for ``category`` columns.
        choice_aliases: other spellings accepted for the choices (alias -> canonical).
        personal: personal data; dropped at load, never stored.
        example: an example value for the documentation and the template.
        note: a short description.
    """

    key: str
    header: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    personal: bool = False
    example: str = ""
    note: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One input table: its file stem, preferred sheet, columns and unique key."""

    name: str
    file_stem: str
    sheet: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    """Cross-cell checks run after parsing, by name (``evalkit.io.checks.CHECKS``); the duplicate
    key check runs for every table with a ``key``."""
    people: bool = False
    """The rows are citizens' cases: names become a salted ``petitioner_key`` and every cell is
    scanned for personal data that is not in a personal column."""
    label_keys: tuple[str, ...] = ()
    """Columns where a 合计/小计 row carries its label (codes and names, never free text)."""
    code_keys: tuple[str, ...] = ()
    """Columns a total row leaves blank: a row with a code is a line, whatever its label says."""

    def column(self, key: str) -> Column:
        """Return the column with tidy name ``key``."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required(self) -> tuple[Column, ...]:
        """The required columns."""
        return tuple(c for c in self.columns if c.required)


#: Spellings of yes / no in a cell (matched after NFKC, trimming and lower-casing). One vocabulary for
#: the loader's 是/否 columns and the self-assessment values the scoring reads (达成/未达成 …).
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "☑", "有", "对",
              "达成", "已达成", "完成", "已完成", "满足", "符合")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "☒", "无", "不是", "错",
               "未达成", "未完成", "不满足", "不符合")
BOOL_WORDS: dict[str, bool] = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}

EXPENSE_TYPES = ("基本支出", "项目支出")
EXPENSE_TYPE_ALIASES = {
    "基本支出-人员经费": "基本支出", "基本支出-公用经费": "基本支出", "人员经费": "基本支出",
    "公用经费": "基本支出", "基本": "基本支出", "项目": "项目支出", "专项": "项目支出",
    "专项支出": "项目支出", "专项经费": "项目支出", "专项拨款": "项目支出",
}

MONTHS = tuple(range(1, 13))
MONTH_KEYS = tuple(f"m{m:02d}_wan" for m in MONTHS)

BUDGET = TableSpec(
    name="budget",
    file_stem="budget",
    sheet="预算执行",
    title="预算执行情况表",
    key=(),
    checks=("budget_negatives", "budget_sums", "stated_totals", "subtotals", "zero_budget"),
    label_keys=("subject_code", "subject_name", "project_code", "project_name", "expense_type"),
    code_keys=("subject_code", "project_code"),
    columns=(
        Column("subject_code", "功能分类科目编码", "str", True, ("科目编码", "功能科目编码"),
               example="2010308", note="政府收支分类 类/款/项 编码"),
        Column("subject_name", "功能分类科目名称", "str", True, ("科目名称", "功能科目名称"),
               example="信访事务"),
        Column("project_code", "项目编码", "str", False, (), example="44011823T000000012345"),
        Column("project_name", "项目名称", "str", False, ("项目",), example="信访维稳专项经费"),
        Column("expense_type", "支出类型", "category", True, ("支出性质", "经费类型"),
               choices=EXPENSE_TYPES, choice_aliases=EXPENSE_TYPE_ALIASES, example="项目支出"),
        Column("fund_source", "资金来源", "str", False, (), example="一般公共预算财政拨款"),
        Column("initial_budget_wan", "年初预算数", "amount", True, ("年初预算",), unit="万元",
               example="1200000.00"),
        Column("adjustment_wan", "调整预算数", "amount", False,
               ("调整数", "追加追减数", "预算调整数"), unit="万元", example="-50000.00",
               note="追加为正，追减为负；缺省为 0"),
        Column("budget_wan", "全年预算数", "amount", True,
               ("调整后预算数", "全年预算", "预算数"), unit="万元", example="1150000.00"),
        Column("actual_wan", "实际支出数", "amount", True,
               ("支出数", "执行数", "预算执行数", "累计支出", "实际支出"), unit="万元",
               example="1138000.00"),
        *(Column(f"m{m:02d}_wan", f"{m}月", "amount", False, (f"{m}月支出", f"{m:02d}月"),
                 unit="万元", example="90000.00", note="当月支出（可选）") for m in MONTHS),
    ),
)

CHANNELS_FILE = Path(__file__).resolve().parent / "channels.yaml"
"""The channel list (信访形式): canonical names, aliases and which count as 网信. Data, not code."""


@dataclass(frozen=True)
class Channel:
    """One petition channel of :data:`CHANNELS_FILE`."""

    name: str
    online: bool
    aliases: tuple[str, ...] = ()


def _channel(entry: object, i: int, file: str) -> Channel:
    if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
        raise ValueError(f"{file}: channel {i + 1} needs a name")
    unknown = sorted(set(entry) - {"name", "online", "aliases"})
    if unknown or not isinstance(entry.get("online"), bool):
        raise ValueError(f"{file}: channel {entry['name']!r}: keys name, online (true/false), "
                         f"aliases; got {sorted(entry)}")
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list):
        raise ValueError(f"{file}: channel {entry['name']!r}: aliases must be a list")
    return Channel(str(entry["name"]).strip(), entry["online"],
                   tuple(str(a).strip() for a in aliases))


def load_channels(path: Path | str = CHANNELS_FILE) -> tuple[Channel, ...]:
    """Read and check the channel list (names and aliases unique, ``online`` true/false).

    Raises:
        ValueError: naming the file and the offending channel.
    """
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("channels") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path.name}: expected a non-empty list under 'channels:'")
    channels = tuple(_channel(e, i, path.name) for i, e in enumerate(entries))
    seen: set[str] = set()
    for spelling in (s for c in channels for s in (c.name, *c.aliases)):
        key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", spelling)).lower()
        if key in seen:
            raise ValueError(f"{path.name}: {spelling!r} is listed twice (names and aliases "
                             "must be unique)")
        seen.add(key)
    return channels


CHANNEL_LIST: tuple[Channel, ...] = load_channels()
CHANNELS: tuple[str, ...] = tuple(c.name for c in CHANNEL_LIST)
CHANNEL_ALIASES: dict[str, str] = {a: c.name for c in CHANNEL_LIST for a in c.aliases}
OFFLINE_CHANNELS: tuple[str, ...] = tuple(c.name for c in CHANNEL_LIST if not c.online)
CHANNELS_DIGEST: str = hashlib.sha256(repr(CHANNEL_LIST).encode("utf-8")).hexdigest()[:16]
"""Digest of the channel list as read: part of the parquet cache key, so editing channels.yaml
(a new alias) re-parses the registers instead of serving frames mapped with the old list."""
"""Channels that are not 网信 by default (来信, 来访); ``settings.offline_channels`` overrides."""

PURPOSES = ("求决类", "申诉类", "建议意见类", "检举控告类", "咨询类", "其他")
PURPOSE_ALIASES = {
    "求决": "求决类", "申诉求决类": "求决类", "申诉求决": "求决类", "申诉": "申诉类",
    "意见建议类": "建议意见类", "建议意见": "建议意见类", "参政类": "建议意见类",
    "揭发控告类": "检举控告类", "举报类": "检举控告类", "检举控告": "检举控告类",
    "咨询": "咨询类", "其它": "其他",
}
REPEAT_FLAGS = ("初件", "重件")
SATISFACTION = ("满意", "基本满意", "不满意", "未评价")
SATISFACTION_ALIASES = {
    "非常满意": "满意", "未评": "未评价", "待评价": "未评价", "超期未评价": "未评价", "无": "未评价",
}

PETITIONS = TableSpec(
    name="petitions",
    file_stem="petitions",
    sheet="信访台账",
    title="信访事项登记台账",
    key=("case_id",),
    checks=("petition_dates", "extension_negative", "empty_population"),
    people=True,
    label_keys=("case_id",),
    code_keys=("case_id",),
    columns=(
        Column("case_id", "信访件编号", "str", True, ("信访编号", "件编号", "受理编号", "编号"),
               example="XF2023000123"),
        Column("registered_on", "登记日期", "date", True, ("登记时间", "信访日期"),
               example="2023-03-05"),
        Column("accepted_on", "受理日期", "date", False, ("受理时间",), example="2023-03-08",
               note="空白表示尚未受理"),
        Column("closed_on", "办结日期", "date", False, ("办结时间",), example="2023-04-20",
               note="空白表示尚未办结"),
        Column("due_on", "限办截止日期", "date", False, ("限办截止时间", "办理期限"),
               example="2023-05-07", note="缺省时按 受理日期+60天+延期天数 计算"),
        Column("extension_days", "延期天数", "int", False, ("延长天数",), unit="天", example="0",
               note="经批准延长的天数，0–30"),
        Column("channel", "信访形式", "category", True, ("信访方式", "来源渠道"),
               choices=CHANNELS, choice_aliases=CHANNEL_ALIASES, example="网上信访"),
        Column("purpose", "信访目的", "category", True,
               ("问题类别", "信访类别", "信访目的/问题类别"),
               choices=PURPOSES, choice_aliases=PURPOSE_ALIASES, example="求决类"),
        Column("is_repeat", "初重件", "category", True, ("初重件标志", "初件/重件"),
               choices=REPEAT_FLAGS, choice_aliases={"初": "初件", "重": "重件", "初次件": "初件",
                                                     "重复件": "重件"},
               example="初件", note="载入后为布尔值：重件 = True"),
        Column("resolved_first_time", "是否一次性化解", "bool", False, ("一次性化解",),
               example="是"),
        Column("satisfaction", "满意度评价", "category", False,
               ("满意度", "评价结果", "群众评价"), choices=SATISFACTION,
               choice_aliases=SATISFACTION_ALIASES, example="满意", note="空白视为未评价"),
        Column("township", "所属镇街", "str", True, ("镇街", "问题属地"), example="荔城街道"),
        Column("responsible_unit", "责任单位", "str", False, ("承办单位",), example="区住房建设局"),
        Column("registered_national", "是否到国家信访局登记", "bool", False,
               ("国家局登记", "是否国家局登记"), example="否", note="缺省为 否"),
        Column("is_litigation", "是否涉法涉诉", "bool", False, ("涉法涉诉",), example="否",
               note="缺省为 否"),
        Column("petitioner_name", "信访人姓名", "text", False, ("姓名", "信访人"), personal=True,
               example="张三"),
        Column("id_number", "身份证号", "text", False, ("身份证号码", "证件号码"), personal=True,
               example="440183199001011234"),
        Column("phone", "联系电话", "text", False, ("电话", "手机号码"), personal=True,
               example="13800000000"),
        Column("address", "地址", "text", False, ("住址", "联系地址"), personal=True,
               example="某街某号"),
        Column("complaint_text", "诉求内容", "text", False,
               ("信访内容", "反映内容", "主要诉求", "内容摘要"), personal=True, example="……"),
    ),
)

SELF_ASSESSMENT = TableSpec(
    name="self_assessment",
    file_stem="self_assessment",
    sheet="自评表",
    title="绩效自评指标自评情况",
    key=("indicator_id",),
    label_keys=("indicator_id", "indicator_name"),
    code_keys=("indicator_id",),
    columns=(
        Column("indicator_id", "指标编码", "str", True, ("指标代码",), example="M4.2",
               note="与评分框架 YAML 中的 id 一致"),
        Column("indicator_name", "指标名称", "str", False, (), example="绩效目标设置"),
        Column("actual", "自评值", "text", False, ("完成值", "实际值"), example="2",
               note="数值、是/否，或清单满足项数；按指标规则解释"),
        Column("score", "自评得分", "str", False, ("得分",),
               example="2.50", note="仅 manual（人工评分）指标填写"),
        Column("reason", "扣分原因", "text", False, ("说明", "自评说明"),
               example="产出指标设置数量过少", note="人工评分低于分值时必填"),
        Column("evidence", "佐证材料", "text", False, (), example="绩效目标申报表"),
        Column("deviation", "偏差原因分析及改进措施", "text", False,
               ("偏差原因分析", "偏差原因及改进措施"),
               example="产出指标设置偏少；下年度细化量化产出指标",
               note="可选，任一指标均可填写；留空时按扣分原因自动起草，填写后原样用于自评表"),
    ),
)

PEERS = TableSpec(
    name="peers",
    file_stem="peers",
    sheet="各区对比",
    title="各区到国家信访局登记求决类初次信访事项",
    key=("district", "year"),
    checks=("peer_counts",),
    label_keys=("district",),
    columns=(
        Column("district", "区", "str", True, ("区名", "地区", "单位"), example="增城区"),
        Column("year", "年度", "int", True, ("年份",), example="2023"),
        Column("national_initial_qiujue_count", "到国家信访局登记求决类初次信访事项数", "int",
               True, ("国家局登记求决类初件数", "件数"), example="46"),
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (BUDGET, PETITIONS, SELF_ASSESSMENT, PEERS)}
PERSONAL_KEYS = tuple(c.key for c in PETITIONS.columns if c.personal)
PERSONAL_HEADERS = tuple(h for c in PETITIONS.columns if c.personal for h in (c.header, *c.aliases))
