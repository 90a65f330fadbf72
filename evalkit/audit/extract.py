"""Normalise report text and extract the figures it states, each with the sentence it came from.

Pipeline (documented with its limits in ``docs/audit.md``):

1. **Normalise each line**: Unicode NFKC (full-width digits, ``％``, ``．``, ``，`` become ASCII),
   then delete every whitespace run except one between two Latin letters, so ``774. 90``,
   ``98.95 %`` and ``783.16万 元`` read ``774.90``, ``98.95%``, ``783.16万元``.
2. **Join the lines of a paragraph** with nothing in between (a space only between two Latin
   letters), so ``实际支出 774.\\n90\\n\\n万元`` reads ``实际支出774.90万元``. Each character keeps the
   line it came from, so a sentence can say ``第96–98行``.
3. **Split sentences** at ``。！？；`` (and their ASCII forms after NFKC) and at paragraph ends.
4. **Tokenise numbers** (``783.16``, ``11,122,315.04``) with their unit (亿元/万元/元, %, 个百分点,
   分, 件/次/…). For each number the *label* is the text between the previous number and this one
   (the clause that introduces it); the rightmost known keyword in that label decides what the
   number is (``全年预算拨款`` → budget, ``预算执行率为`` → rate, ``同比下降`` → a signed change …).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .readers import RawReport, TableRow, read_report

# ------------------------------------------------------------------------------- normalisation

_KEEP_SPACE = re.compile(r"(?<=[A-Za-z])\s+(?=[A-Za-z])")
_ANY_SPACE = re.compile(r"\s+")


def normalize_line(text: str) -> str:
    """NFKC and remove whitespace (except between Latin letters).

    >>> normalize_line("实际支出 774. 90 万 元，执行率 ９８.９５ ％")
    '实际支出774.90万元,执行率98.95%'
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = _KEEP_SPACE.sub("\x00", text)
    text = _ANY_SPACE.sub("", text)
    return text.replace("\x00", " ")


def join_lines(lines: list[tuple[str, str]]) -> tuple[str, list[tuple[int, str]]]:
    """Join normalised lines into one paragraph string.

    Returns:
        The text and a list of ``(start_offset, where)`` marking where each source line begins.
    """
    text = ""
    marks: list[tuple[int, str]] = []
    for where, raw in lines:
        line = normalize_line(raw)
        if not line:
            continue
        if text and text[-1].isascii() and text[-1].isalpha() and line[0].isascii() \
                and line[0].isalpha():
            text += " "
        marks.append((len(text), where))
        text += line
    return text, marks


# ----------------------------------------------------------------------------------- sentences

@dataclass
class Sentence:
    """One sentence of the report (normalised), where it is, and the section heading above it."""

    index: int
    text: str
    where: str
    heading: str = ""
    paragraph: int = 0
    row: TableRow | None = None     # the table row this sentence is (table rows are one sentence)

    def to_json(self) -> dict:
        out = {"index": self.index, "where": self.where, "heading": self.heading,
               "text": self.text}
        if self.row is not None and self.row.kind in ("entity", "indicator"):
            out["row_kind"] = self.row.kind
            out["entity"] = self.row.entity
        return out


_SPLIT = re.compile(r"(?<=[。!?;])")
_HEADING_TEXT = re.compile(
    r"^(?:[(][一二三四五六七八九十]+[)]|[一二三四五六七八九十]+[、.]|第[一二三四五六七八九十]+[章节部分])")
_LINE_NO = re.compile(r"^第(\d+)行$")


def _span_where(marks: list[tuple[int, str]], start: int, end: int) -> str:
    first = last = marks[0][1] if marks else ""
    for offset, where in marks:
        if offset <= start:
            first = where
        if offset < end:
            last = where
    if first == last:
        return first
    a, b = _LINE_NO.match(first), _LINE_NO.match(last)
    if a and b:
        return f"第{a.group(1)}–{b.group(1)}行"
    return f"{first}–{last}"


def split_sentences(report: RawReport) -> list[Sentence]:
    """Normalise, join and split a report into sentences, tracking the current heading."""
    sentences: list[Sentence] = []
    heading = ""
    for p_index, para in enumerate(report.paragraphs):
        text, marks = join_lines(para.lines)
        if not text:
            continue
        is_heading = para.is_heading or (
            not para.is_table_row and bool(_HEADING_TEXT.match(text)) and len(text) <= 30
            and not re.search(r"[。;!?]$", text))
        if is_heading:
            heading = text
        if para.row is not None:      # a table row is one sentence (a reason cell may hold 。)
            sentences.append(Sentence(len(sentences) + 1, text, _span_where(marks, 0, len(text)),
                                      heading, p_index, para.row))
            continue
        start = 0
        for piece in _SPLIT.split(text):
            end = start + len(piece)
            if piece.strip(" ,、:"):
                sentences.append(Sentence(len(sentences) + 1, piece, _span_where(marks, start, end),
                                          heading, p_index))
            start = end
    return sentences


# ------------------------------------------------------------------------------------- figures

# Keys of the quantities the audit knows (the same names as metrics.json where one exists).
NAMES: dict[str, str] = {
    "budget.total_budget_wan": "全年预算",
    "budget.initial_budget_wan": "年初预算",
    "budget.total_actual_wan": "实际支出",
    "budget.execution_rate_pct": "预算执行率",
    "budget.unspent_wan": "结余（未支出）",
    "budget.basic_actual_wan": "基本支出",
    "budget.project_actual_wan": "项目支出",
    "budget.basic_budget_wan": "基本支出预算",
    "budget.project_budget_wan": "项目支出预算",
    "budget.basic_execution_rate_pct": "基本支出执行率",
    "budget.project_execution_rate_pct": "项目支出执行率",
    "income.total_wan": "收入",
    "income.basic_wan": "收入·基本支出",
    "income.project_wan": "收入·项目支出",
    "petitions.total_cases": "信访总量",
    "petitions.first_time_resolution_rate_pct": "一次性化解率",
    "petitions.online_share_pct": "网信占比率",
    "petitions.satisfaction_rate_pct": "群众满意率",
    "petitions.participation_rate_pct": "参评率",
    "petitions.timely_acceptance_rate_pct": "及时受理率",
    "petitions.on_time_completion_rate_pct": "按期办结率",
    "petitions.repeat_rate_pct": "重复信访率",
    "petitions.national_initial_qiujue_count": "国家局登记求决类初次信访",
    "score.total": "自评总分",
    "weight.total": "总分满分",
    "lost.total": "总扣分",
    "indicator.weight": "指标分值",
    "indicator.score": "指标得分",
    "indicator.lost": "指标扣分",
}

#: Prefix of the key of a figure stated for a sub-entity (a 镇街/责任单位/预算科目/区/年度 row of a
#: table): ``scoped:petitions.on_time_completion_rate_pct``. Listed, never compared to the headline.
SCOPED = "scoped:"
#: Keys of indicator-level figures (自评表 rows; 一是…扣1.00分; 预算执行(扣1.05分)).
INDICATOR_PREFIX = "indicator."

# Modules of the scoring frameworks; aliases map to the canonical name (管理效能 = 管理效率).
MODULE_ALIASES: dict[str, str] = {
    "履职效能": "履职效能", "管理效率": "管理效率", "管理效能": "管理效率",
    "决策指标": "决策", "过程指标": "过程", "产出指标": "产出", "效益指标": "效益",
    "决策类指标": "决策", "过程类指标": "过程", "产出类指标": "产出", "效益类指标": "效益",
}
GUANGDONG_MODULES = ("履职效能", "管理效率")

# (keyword, key or role, kind). kind: amount | rate | score | weight | lost | count | subject
KEYWORDS: list[tuple[str, str, str]] = [
    ("全年预算拨款", "budget.total_budget_wan", "amount"),
    ("预算拨款", "budget.total_budget_wan", "amount"),
    ("全年预算", "budget.total_budget_wan", "amount"),
    ("年度预算", "budget.total_budget_wan", "amount"),
    ("调整后预算", "budget.total_budget_wan", "amount"),
    ("预算数", "budget.total_budget_wan", "amount"),
    ("预算总额", "budget.total_budget_wan", "amount"),
    ("预算安排", "budget.total_budget_wan", "amount"),
    ("年初预算", "budget.initial_budget_wan", "amount"),
    ("实际支出", "budget.total_actual_wan", "amount"),
    ("实际支出数", "budget.total_actual_wan", "amount"),
    ("支出数", "budget.total_actual_wan", "amount"),
    ("全年支出", "budget.total_actual_wan", "amount"),
    ("总支出", "budget.total_actual_wan", "amount"),
    ("支出合计", "budget.total_actual_wan", "amount"),
    ("支出总额", "budget.total_actual_wan", "amount"),
    ("决算数", "budget.total_actual_wan", "amount"),
    ("结余", "budget.unspent_wan", "amount"),
    ("未支出", "budget.unspent_wan", "amount"),
    ("结转结余", "budget.unspent_wan", "amount"),
    ("财政拨款收入", "income.total_wan", "amount"),
    ("收入合计", "income.total_wan", "amount"),
    ("本年收入", "income.total_wan", "amount"),
    ("总收入", "income.total_wan", "amount"),
    ("收入", "income.total_wan", "amount"),
    ("基本支出", "@basic", "amount"),
    ("项目支出", "@project", "amount"),
    ("专项拨款", "@project", "amount"),
    ("专项经费支出", "@project", "amount"),
    ("专项经费", "@project", "amount"),
    ("专项支出", "@project", "amount"),
    ("预算执行率", "@exec_rate", "rate"),
    ("执行率", "@exec_rate", "rate"),
    ("支出率", "@exec_rate", "rate"),
    ("资金支出率", "@exec_rate", "rate"),
    ("一次性化解率", "petitions.first_time_resolution_rate_pct", "rate"),
    ("网信占比率", "petitions.online_share_pct", "rate"),
    ("网信占比", "petitions.online_share_pct", "rate"),
    ("网上信访占比", "petitions.online_share_pct", "rate"),
    ("满意率", "petitions.satisfaction_rate_pct", "rate"),
    ("满意度", "petitions.satisfaction_rate_pct", "rate"),
    ("参评率", "petitions.participation_rate_pct", "rate"),
    ("及时受理率", "petitions.timely_acceptance_rate_pct", "rate"),
    ("按期办结率", "petitions.on_time_completion_rate_pct", "rate"),
    ("重复信访率", "petitions.repeat_rate_pct", "rate"),
    ("信访总量", "petitions.total_cases", "count"),
    ("信访事项总量", "petitions.total_cases", "count"),
    ("国家信访局登记", "petitions.national_initial_qiujue_count", "count"),
    ("自评总分", "score.total", "score"),
    ("总分", "score.total", "score"),
    ("总得分", "score.total", "score"),
    ("综合评分", "score.total", "score"),
    ("综合得分", "score.total", "score"),
    ("得分", "@score", "score"),
    ("评分", "@score", "score"),
    ("自评", "@score", "score"),
    ("满分", "@weight", "weight"),
    ("分值", "@weight", "weight"),
    ("权重", "@weight", "weight"),
    ("扣分", "@lost", "lost"),
    ("扣减", "@lost", "lost"),
    ("失分", "@lost", "lost"),
] + [(alias, "@module", "score") for alias in MODULE_ALIASES]

UNIT_KIND = {  # which units each kind accepts ("" = no unit printed)
    "amount": {"万元", "元", "亿元", ""},
    "rate": {"%", ""},
    "score": {"分", ""},
    "weight": {"分", ""},
    "lost": {"分", ""},
    "count": {"件", "次", "个", "份", "人", "人次", "名", "位", "宗", "批", "家", "户", "条", "项",
              "件次", ""},
}
COUNT_UNITS = UNIT_KIND["count"] - {""}
AMOUNT_SCALE = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}

_NUM = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<approx>余|多)?"
    r"(?P<unit>亿元|万元|元|个百分点|百分点|%|‰|分|件次|人次|件|次|个|份|人|名|位|宗|批|家|户|条|项|"
    r"年|月|日|天|倍|季度)?")
_CN_RANK = re.compile(r"(?:排名|排|位列|位居|居|列)[^,;。]{0,12}?第(?P<cn>[一二三四五六七八九十]+)(?:名|位)?")
_UP = "增长|增加|提高|上升|上涨|增幅为|增幅"
_DOWN = "下降|减少|降低|下滑|回落|降幅为|降幅|减幅"
_DIRECTION_TAIL = re.compile(rf"(?P<dir>{_UP}|{_DOWN})(?:了|为|达到|达|约|近|超过)?$")
_DIRECTION_TO = re.compile(rf"(?P<dir>{_UP}|{_DOWN})(?:至|到)$")
_FROM_TAIL = re.compile(r"(?:由|从)(?:上年的?|去年的?)?$")
_YOY_MARK = re.compile(r"同比|较上年|比上年|较去年|比去年|与上年相比|与去年相比|上年度|较\d{4}年|比\d{4}年")
_PREV_MARK = re.compile(r"(?:上年|去年|上一年度?|上年度)(?:同期)?(?:的)?(?:为|是|:)?$")
_PREV_ANY = re.compile(r"上年|去年|上一年")
_RANK_MARK = re.compile(r"排名|排第|排在|位列|位居|居全|列全|排位")
_APPROX_BEFORE = re.compile(r"(?:约|近|超过|逾|达近)$")
_GENERIC_RATE = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,12}?(?:率|占比|比例|比重))"
                           r"(?:为|是|达到|达|:|约|仅|高达|了)?$")
_HEADER_UNIT = re.compile(r"[(\[](?:单位:)?(亿元|万元|元|%)[)\]]$")
_PART_WORDS = re.compile(r"基本支出|项目支出|专项")
_ENUM_MARK = re.compile(r"(?:^|[,;:、(])(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十][,、])")
# a qualifier right before a rate keyword that makes it another rate (政府采购预算执行率, 镇街满意度)
_RATE_QUALIFIER = re.compile(r"(?:政府采购|采购|协作|镇街|街道|各镇|各单位|责任单位|各部门)"
                             r"[\u4e00-\u9fff]{0,6}$")
_FILLER = re.compile(r"^(?:其中|我区|我局|我部门|本部门|本单位|全区|全系统|全年|年度|全市|的|和|及|与)+")


def is_up(word: str) -> bool:
    """True when a direction word means an increase."""
    return bool(re.fullmatch(_UP, word))


@dataclass
class Figure:
    """One stated figure: what it is, its value in normal units, and the sentence it came from."""

    key: str
    name: str
    kind: str          # amount | rate | score | weight | lost | count | rank | yoy | change | prev
    value: Decimal     # 万元 for amounts; signed for changes
    unit: str          # normal unit: 万元, %, 个百分点, 分, 件, 名 …
    raw: str           # as printed after normalisation, e.g. "774.90万元", "下降43.21%"
    places: int        # decimals printed
    step: Decimal      # one unit in the last printed digit, in normal units
    sentence: Sentence
    label: str = ""
    approx: bool = False
    direction: str = ""
    unit_assumed: bool = False
    subject: str = ""
    start: int = -1     # offset of the number in the sentence text
    scope: str = ""     # the sub-entity / indicator a figure belongs to (a table row), "" = headline

    def snippet(self, before: int = 14, after: int = 10) -> str:
        """The words around the figure in its sentence, e.g. ``…预算执行率为98.95%。``."""
        text = self.sentence.text
        if self.start < 0:
            return text
        a, b = max(0, self.start - before), min(len(text), self.start + len(self.raw) + after)
        return ("…" if a > 0 else "") + text[a:b] + ("…" if b < len(text) else "")

    def display(self) -> str:
        """The value as it would be printed in 万元 / % / 分."""
        if self.kind in ("yoy", "change") and self.direction:
            sign = "+" if self.value > 0 else ("−" if self.value < 0 else "")
            return f"{sign}{fmt_dec(abs(self.value), self.places)}{self.unit}"
        if self.kind == "rank":
            return f"第{self.value}名"
        text = fmt_dec(self.value, self.places)
        if self.unit == "万元" and self.places > 2:   # stated in 元: 774.900000 → 774.90
            text = text.rstrip("0")
            text = text + "0" * (2 - len(text.split(".")[1]))
        return f"{text}{self.unit}"

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "kind": self.kind,
                "value": float(self.value) if self.kind != "rank" else int(self.value),
                "value_text": fmt_dec(self.value, self.places), "unit": self.unit,
                "stated": self.raw, "approx": self.approx, "direction": self.direction or None,
                "unit_assumed": self.unit_assumed, "where": self.sentence.where,
                "sentence": self.sentence.text, "label": self.label, "scope": self.scope or None}


def fmt_dec(value: Decimal, places: int) -> str:
    """Format a Decimal with exactly ``places`` decimals (quantize is exact for stated values)."""
    from evalkit.numfmt import round_half_up
    return f"{round_half_up(value, max(places, 0)):f}"


def key_name(key: str) -> str:
    """Chinese display name of a figure key."""
    if key.startswith(SCOPED):
        return f"{key_name(key[len(SCOPED):])}（分项行）"
    if key in NAMES:
        return NAMES[key]
    for prefix, fmt in (("yoy:", "{}同比"), ("change:", "{}同比变化"), ("prev:", "上年{}"),
                        ("rank:", "{}排名")):
        if key.startswith(prefix):
            return fmt.format(key_name(key[len(prefix):]))
    if key.startswith("score.modules."):
        return f"{key.split('.', 2)[2]}得分"
    if key.startswith("weight.modules."):
        return f"{key.split('.', 2)[2]}满分"
    if key.startswith("lost.modules."):
        return f"{key.split('.', 2)[2]}扣分"
    if key.startswith(("rate:", "count:", "amount:")):
        return key.split(":", 1)[1]
    return key


def _places(num: str) -> int:
    return len(num.split(".", 1)[1]) if "." in num else 0


def _keyword_hits(label: str) -> list[tuple[int, int, str, str, str]]:
    """All keyword matches in ``label`` as (end, length, keyword, key, kind), best first."""
    hits = []
    for word, key, kind in KEYWORDS:
        start = label.rfind(word)
        if start >= 0:
            hits.append((start + len(word), len(word), word, key, kind))
    hits.sort(key=lambda h: (-h[0], -h[1]))
    return hits


def _module_in(text: str) -> str | None:
    """The rightmost module named in ``text`` (canonical name)."""
    best, pos = None, -1
    for alias, name in MODULE_ALIASES.items():
        i = text.rfind(alias)
        if i > pos:
            best, pos = name, i
    return best


@dataclass
class _Context:
    """Running state while reading one paragraph."""

    last_subject: str = ""


@dataclass
class Extraction:
    """All figures found in a report, with its sentences."""

    path: str
    fmt: str
    sentences: list[Sentence]
    figures: list[Figure] = field(default_factory=list)
    unrecognised: list[dict] = field(default_factory=list)
    indicators: list["Indicator"] = field(default_factory=list)
    table_totals: dict[int, list[Figure]] = field(default_factory=dict)   # table → total-row figures

    def by_key(self) -> dict[str, list[Figure]]:
        """Figures grouped by key, in order of first appearance."""
        groups: dict[str, list[Figure]] = {}
        for f in self.figures:
            groups.setdefault(f.key, []).append(f)
        return groups


_WHOLE_KEYS = ("budget.total_budget_wan", "budget.total_actual_wan", "income.total_wan")
_PART_KEYS = {
    "budget.total_actual_wan": ("budget.basic_actual_wan", "budget.project_actual_wan"),
    "budget.total_budget_wan": ("budget.basic_budget_wan", "budget.project_budget_wan"),
    "income.total_wan": ("income.basic_wan", "income.project_wan"),
}


#: keyword roles that name a module-or-total figure, and the key prefix each resolves to
_MODULE_ROLES = {"@score": "score", "@module": "score", "@weight": "weight", "@lost": "lost"}


def _resolve(role: str, kind: str, label: str, before: str, sentence: Sentence,
             whole: str | None) -> str | None:
    """Turn a keyword role (``@basic``, ``@score`` …) into a concrete key."""
    if not role.startswith("@"):
        return role
    if role in ("@basic", "@project"):
        return _part_key(0 if role == "@basic" else 1, label, whole)
    if role == "@exec_rate":
        return _exec_rate_key(label)
    prefix = _MODULE_ROLES.get(role)
    if prefix is None:
        return None
    if role == "@module":
        module = _module_in(label)
    else:
        module = _module_in(label) or _module_in(before) or _module_in(sentence.heading)
    return f"{prefix}.modules.{module}" if module else f"{prefix}.total"


def _part_key(idx: int, label: str, whole: str | None) -> str:
    """基本支出 (``idx`` 0) / 项目支出 (1) of the whole being split, else guessed from the label."""
    if whole:
        return _PART_KEYS[whole][idx]
    if "预算" in label:
        return _PART_KEYS["budget.total_budget_wan"][idx]
    if "收入" in label:
        return _PART_KEYS["income.total_wan"][idx]
    return _PART_KEYS["budget.total_actual_wan"][idx]


def _exec_rate_key(label: str) -> str:
    """预算执行率, or the 基本支出/项目支出 one when named right before the keyword."""
    head = label[-12:]
    if "基本支出" in head:
        return "budget.basic_execution_rate_pct"
    if "项目支出" in head or "专项" in head:
        return "budget.project_execution_rate_pct"
    return "budget.execution_rate_pct"


_NOT_QUANTITY_UNITS = ("年", "月", "日", "天", "季度", "倍")   # dates and multiples: not figures
_CHANGE_UNITS = {"%", "个百分点", "万元", "元", "亿元"} | COUNT_UNITS
_UNRECOGNISED_UNITS = ("%", "万元", "元", "亿元", "分", "个百分点")


@dataclass
class _Number:
    """One number matched in a sentence: its unit, value and the label (clause) before it."""

    m: re.Match
    sentence: Sentence
    label: str       # the text between the previous number and this one
    before: str      # the whole sentence up to this number
    num: str
    unit: str
    value: Decimal
    places: int
    approx: bool

    @property
    def raw(self) -> str:
        return f"{self.num}{self.unit}"

    def add(self, out: Extraction, key: str, kind: str, val: Decimal, norm_unit: str,
            step: Decimal, raw: str, direction: str = "", subject: str = "",
            unit_assumed: bool = False, places: int | None = None) -> Figure:
        """Append a figure read from this number to ``out`` (and return it).

        ``places`` overrides the printed decimals (an amount in 元 has 4 more in 万元).
        """
        m = self.m
        start = m.start() - (len(raw) - len(m.group(0)) if raw.endswith(m.group(0)) else 0)
        fig = Figure(key, key_name(key), kind, val, norm_unit, raw,
                     self.places if places is None else places, step, self.sentence,
                     self.label.strip(",:、"), self.approx, direction, unit_assumed, subject,
                     start)
        out.figures.append(fig)
        return fig


@dataclass
class _SentenceState:
    """Running state while reading one sentence."""

    whole: str | None = None          # the whole that a following 其中 splits
    whole_seen: str | None = None     # the last whole (全年预算/实际支出/收入) stated
    pending_from: str | None = None   # the subject of 由X… waiting for its …至Y


def _read_number(m: re.Match, sentence: Sentence, prev_end: int) -> _Number | None:
    """The number matched by ``m`` with its unit (from a table header if none is printed)."""
    text = sentence.text
    label = text[prev_end:m.start()]
    num, unit = m.group("num"), m.group("unit") or ""
    if unit in _NOT_QUANTITY_UNITS:
        return None
    if unit == "百分点":
        unit = "个百分点"
    if not unit:
        hu = _HEADER_UNIT.search(label)
        if hu:
            unit = hu.group(1)
    approx = bool(m.group("approx")) or bool(_APPROX_BEFORE.search(label))
    return _Number(m, sentence, label, text[:m.start()], num, unit,
                   Decimal(num.replace(",", "")), _places(num), approx)


def extract_sentence(sentence: Sentence, ctx: _Context, out: Extraction,
                     report_year: int | None = None) -> None:
    """Find the figures of one sentence and append them to ``out``."""
    state = _SentenceState()
    prev_end = 0
    for m in _NUM.finditer(sentence.text):
        n = _read_number(m, sentence, prev_end)
        prev_end = m.end()
        if n is None:
            continue
        if "其中" in n.label and state.whole_seen:
            state.whole = state.whole_seen
        _extract_number(n, ctx, state, out)
    _extract_cn_ranks(sentence, ctx, out)


def _extract_number(n: _Number, ctx: _Context, state: _SentenceState, out: Extraction) -> None:
    """Read one number, trying in turn: rank, change, pair, previous year, labelled figure."""
    if n.label.endswith("第"):
        _extract_rank(n, ctx, out)
        return
    if _extract_change(n, ctx, state, out) or _extract_pair(n, ctx, state, out):
        return
    hits = _keyword_hits(n.label)
    if _extract_prev_year(n, hits, ctx, out):
        return
    # a scoring standard (每个扣0.5分, 每低1个百分点扣0.5分) is not a stated score
    if n.unit == "分" and "每" in n.label:
        return
    _extract_labelled(n, hits, ctx, state, out)


def _extract_rank(n: _Number, ctx: _Context, out: Extraction) -> None:
    """1. rank: 排名第3."""
    if _RANK_MARK.search(n.before) and not n.places:
        subject = ctx.last_subject or "unknown"
        n.add(out, f"rank:{subject}", "rank", n.value, "名", Decimal(1), f"第{n.num}",
              subject=subject)


def _extract_change(n: _Number, ctx: _Context, state: _SentenceState, out: Extraction) -> bool:
    """2. changes: 同比下降43.21%, 较上年增加189.25万元, 提高1.5个百分点."""
    d = _DIRECTION_TAIL.search(n.label)
    if not d or _DIRECTION_TO.search(n.label) or n.unit not in _CHANGE_UNITS:
        return False
    word = d.group("dir")
    subj = _subject_from(n.label[:d.start()], n.sentence, state.whole) or ctx.last_subject \
        or "unknown"
    sign = Decimal(1) if is_up(word) else Decimal(-1)
    step = Decimal(1).scaleb(-n.places)
    if n.unit == "%":
        key, kind, norm_unit, val = f"yoy:{subj}", "yoy", "%", n.value * sign
    elif n.unit in AMOUNT_SCALE:
        sc = AMOUNT_SCALE[n.unit]
        key, kind, norm_unit, val, step = (f"change:{subj}", "change", "万元",
                                           n.value * sc * sign, step * sc)
    else:
        key, kind, norm_unit, val = f"change:{subj}", "change", n.unit, n.value * sign
    n.add(out, key, kind, val, norm_unit, step, f"{word}{n.raw}", direction=word, subject=subj)
    ctx.last_subject = subj
    return True


def _extract_pair(n: _Number, ctx: _Context, state: _SentenceState, out: Extraction) -> bool:
    """3. a pair: 由81件下降至46件 (the first value is the previous year's)."""
    if _FROM_TAIL.search(n.label):
        subj = _subject_from(n.label, n.sentence, state.whole) or ctx.last_subject or "unknown"
        like = _amount_like(subj, n.value, n.unit, n.places)
        if like:
            n.add(out, f"prev:{subj}", *like, n.raw, subject=subj)
            state.pending_from = subj
            ctx.last_subject = subj
        return True
    dto = _DIRECTION_TO.search(n.label)
    if dto and state.pending_from:
        subj = state.pending_from
        like = _amount_like(subj, n.value, n.unit, n.places)
        if like:
            n.add(out, subj, *like, n.raw, direction=dto.group("dir"), subject=subj)
        state.pending_from = None
        return True
    return False


def _extract_prev_year(n: _Number, hits: list, ctx: _Context, out: Extraction) -> bool:
    """4. previous-year value: 上年为81件, 上年实际支出700万元 (of the subject read last)."""
    subject_hit = any(h[4] in ("amount", "rate", "count") and not h[3].startswith("@")
                      for h in hits)
    if not _PREV_MARK.search(n.label) or subject_hit:
        return False
    subj = ctx.last_subject
    like = _amount_like(subj, n.value, n.unit, n.places) if subj else None
    if like:
        n.add(out, f"prev:{subj}", *like, n.raw, subject=subj)
    return True


def _extract_labelled(n: _Number, hits: list, ctx: _Context, state: _SentenceState,
                      out: Extraction) -> None:
    """5. labelled figures: the rightmost keyword of the label (or a generic 率/件) names it."""
    chosen = _labelled_key(n, hits, state.whole)
    if chosen is None:
        if n.unit in _UNRECOGNISED_UNITS:
            out.unrecognised.append({"stated": n.raw, "where": n.sentence.where,
                                     "sentence": n.sentence.text})
        return
    key, kind, word = chosen
    key = _refine_key(n, key, kind, word)
    label = n.label
    prev_year = bool(_PREV_ANY.search(label[: max(0, label.rfind(word))] if word else label)) \
        and kind in ("amount", "rate", "count")
    norm_unit, val, step, assumed, places = _normal_value(n, kind)
    if prev_year:
        n.add(out, f"prev:{key}", "prev", val, norm_unit, step, n.raw, subject=key,
              unit_assumed=assumed, places=places)
    else:
        n.add(out, key, kind, val, norm_unit, step, n.raw, unit_assumed=assumed, places=places)
    peers_count = key.startswith("count:") and (
        "幅度" in label or re.match(r"[个家]?(?:区|县|市|镇|街|单位|部门)",
                                  n.sentence.text[n.m.end():]))
    if kind in ("amount", "rate", "count") and not peers_count:
        ctx.last_subject = key     # (全市11个区中排名第3: the rank is not about the 11)
    if key in _WHOLE_KEYS:
        state.whole_seen = key


def _labelled_key(n: _Number, hits: list, whole: str | None) -> tuple[str, str, str] | None:
    """(key, kind, keyword) of a labelled number, or None when nothing names it."""
    for _end, _len, word, role, kind in hits:
        if n.unit not in UNIT_KIND[kind]:
            continue
        if kind == "score" and role == "@module" and n.unit != "分" and "自评" not in n.label \
                and "得分" not in n.label:
            continue
        key = _resolve(role, kind, n.label, n.before, n.sentence, whole)
        if key:
            return key, kind, word
    if n.unit == "%":
        g = _GENERIC_RATE.search(n.label)
        if g:
            name = _FILLER.sub("", g.group("name")) or g.group("name")
            return f"rate:{name}", "rate", g.group("name")
    if n.unit in COUNT_UNITS:
        return f"count:{_count_name(n.label)}", "count", ""
    return None


def _count_name(label: str) -> str:
    """The name of a count from the end of its label (``受理来信120件`` → 受理来信)."""
    tail = re.split(r"[,:;]", label)[-1].strip("、“”\"")
    tail = re.sub(r"^.*[》)]", "", tail[-16:]) if len(tail) > 16 else tail
    tail = _FILLER.sub("", tail) or "数量"
    return re.sub(r"(?:约|近|超过|逾|共|为|达|是)+$", "", tail) or "数量"


def _refine_key(n: _Number, key: str, kind: str, word: str) -> str:
    """Adjust a keyword's key: a qualified rate, an indicator-level score, a 基本/项目 part."""
    label = n.label
    if kind == "rate" and word and not key.startswith("rate:") and n.sentence.row is None:
        pre = label[: label.rfind(word)]
        if _RATE_QUALIFIER.search(pre):
            name = re.search(r"[\u4e00-\u9fff“”\"]{1,12}$", pre + word).group(0)
            key = f"rate:{_FILLER.sub('', name) or name}"
    if kind in ("score", "weight", "lost") and not key.startswith("score.total") \
            and _module_in(label) is None and _indicator_level(label, n.before):
        key = f"{INDICATOR_PREFIX}{kind}"
    if key in _WHOLE_KEYS and _PART_WORDS.search(label[: label.rfind(word)] if word else ""):
        # 基本支出预算数 / a table row 基本支出 under the column 实际支出
        part = 0 if "基本支出" in label[: label.rfind(word)] else 1
        key = _PART_KEYS[key][part]
    return key


def _normal_value(n: _Number, kind: str) -> tuple[str, Decimal, Decimal, bool, int]:
    """(unit, value, step, unit assumed, decimals) of a labelled number in normal units."""
    step = Decimal(1).scaleb(-n.places)
    if kind == "amount":
        sc = AMOUNT_SCALE.get(n.unit, Decimal(1))
        places = max(0, n.places + {"元": 4, "亿元": -4}.get(n.unit, 0))
        return "万元", n.value * sc, step * sc, n.unit == "", places
    if kind == "rate":
        return "%", n.value, step, n.unit == "", n.places
    if kind in ("score", "weight", "lost"):
        return "分", n.value, step, False, n.places
    return n.unit, n.value, step, False, n.places


def _extract_cn_ranks(sentence: Sentence, ctx: _Context, out: Extraction) -> None:
    """Ranks written in Chinese numerals: 排名第三."""
    for m in _CN_RANK.finditer(sentence.text):
        value = Decimal(_cn_int(m.group("cn")))
        subject = ctx.last_subject or "unknown"
        out.figures.append(Figure(f"rank:{subject}", key_name(f"rank:{subject}"), "rank", value,
                                  "名", f"第{m.group('cn')}", 0, Decimal(1), sentence,
                                  m.group(0), subject=subject, start=m.start()))


def _indicator_level(label: str, before: str) -> bool:
    """A score/weight/deduction about one indicator rather than a module.

    In an enumerated item (``一是…扣1.00分``) or inside brackets after a name that is not a module
    (``扣分主要集中在预算执行(扣1.05分)``).
    """
    i = label.rfind("(")
    if i >= 0 and ")" not in label[i:] and _module_in(label[max(0, i - 6):i]) is None \
            and re.search(r"[\u4e00-\u9fff]$", label[:i]):
        return True
    return bool(_ENUM_MARK.search(before))


def _subject_from(text: str, sentence: Sentence, whole: str | None) -> str | None:
    """The quantity a change/pair refers to, from the keywords in ``text``."""
    for _end, _len, _word, role, kind in _keyword_hits(text):
        if kind in ("amount", "rate", "count"):
            key = _resolve(role, kind, text, text, sentence, whole)
            if key:
                return key
    g = re.search(r"([\u4e00-\u9fff]{1,12}?(?:率|占比|比例|比重))", text)
    if g:
        return f"rate:{_FILLER.sub('', g.group(1)) or g.group(1)}"
    return None


def _amount_like(subject: str, value: Decimal, unit: str, places: int):
    """Normalise a value of the same kind as ``subject``: (kind, value, unit, step) or None."""
    step = Decimal(1).scaleb(-places)
    if unit in AMOUNT_SCALE:
        sc = AMOUNT_SCALE[unit]
        return ("amount", value * sc, "万元", step * sc)
    if unit == "%":
        return ("rate", value, "%", step)
    if unit in COUNT_UNITS:
        return ("count", value, unit, step)
    if unit == "" and subject.endswith("_wan"):
        return ("amount", value, "万元", step)
    return None


def _cn_int(text: str) -> int:
    digits = "零一二三四五六七八九"
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.index(tens) if tens else 1) * 10 + (digits.index(ones) if ones else 0)
    return digits.index(text)


# ------------------------------------------------------------------------------ table rows

@dataclass
class Indicator:
    """One indicator row of a 自评表 (scorecard table): its names, 分值, 得分, 扣分, 目标/实际值."""

    sentence: Sentence
    name: str
    module: str | None
    names: list[str]
    weight: Figure | None = None
    score: Figure | None = None
    lost: Figure | None = None
    target: str = ""
    actual: str = ""

    @property
    def table(self) -> int:
        return self.sentence.row.table if self.sentence.row is not None else 0

    def to_json(self) -> dict:
        def v(f):
            return float(f.value) if f is not None else None
        return {"name": self.name, "module": self.module, "names": self.names,
                "weight": v(self.weight), "score": v(self.score), "lost": v(self.lost),
                "target": self.target or None, "actual": self.actual or None,
                "where": self.sentence.where}


_COL_WEIGHT = re.compile(r"分值|权重|满分|标准分")
_COL_SCORE = re.compile(r"得分|评分|自评分")
_COL_LOST = re.compile(r"扣分|失分|扣减")
_COL_NOTE = re.compile(r"原因|说明|理由|依据|情况|备注")
_COL_TARGET = re.compile(r"目标值|年度目标|指标值|目标")
_COL_ACTUAL = re.compile(r"实际完成|完成值|实际值|实际")
_SCORE_CELL = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*分?\s*$")


def column_role(header: str) -> str:
    """What a scorecard column holds: weight | score | lost | target | actual | level1 | name | ''."""
    h = re.sub(r"\s+", "", header)
    if _COL_NOTE.search(h):
        return ""
    if _COL_LOST.search(h):
        return "lost"
    if _COL_WEIGHT.search(h):       # before 得分/评分: a two-level header reads 评分分值
        return "weight"
    if _COL_SCORE.search(h):
        return "score"
    if _COL_ACTUAL.search(h):
        return "actual"
    if _COL_TARGET.search(h):
        return "target"
    if "一级指标" in h:
        return "level1"
    if "指标" in h:
        return "name"
    return ""


def extract_indicator(sentence: Sentence, out: Extraction) -> None:
    """An indicator row of a scorecard table: its own record, not headline figures."""
    row = sentence.row
    assert row is not None
    ind = Indicator(sentence, row.entity, None, [])
    level1 = ""
    for i, cell in enumerate(row.cells):
        header = row.headers[i] if i < len(row.headers) else ""
        role = column_role(header)
        text = normalize_line(cell)
        if role == "level1":
            level1 = text
        elif role == "name" and text and text not in ind.names:
            ind.names.append(text)
        elif role in ("target", "actual"):
            setattr(ind, role, text)
        elif role in ("weight", "score", "lost"):
            m = _SCORE_CELL.match(text)
            if not m or getattr(ind, role) is not None:
                continue
            num = m.group(1)
            places = _places(num)
            fig = Figure(f"{INDICATOR_PREFIX}{role}", NAMES[f"{INDICATOR_PREFIX}{role}"], role,
                         Decimal(num), "分", f"{num}分", places, Decimal(1).scaleb(-places),
                         sentence, label=f"{ind.name}{header}", scope=ind.name,
                         start=sentence.text.find(num))
            setattr(ind, role, fig)
            out.figures.append(fig)
    ind.module = _module_in(level1) or _module_in(sentence.heading)
    if level1 and level1 not in ind.names:
        ind.names.insert(0, level1)
    out.indicators.append(ind)


def extract(report: RawReport) -> Extraction:
    """Extract every figure from a report that has been read.

    Table rows are read by kind (see :class:`evalkit.audit.readers.TableRow`): an ``indicator``
    row becomes an :class:`Indicator`; the figures of an ``entity`` row are scoped to that entity
    (key ``scoped:…``); other rows are read like prose.
    """
    sentences = split_sentences(report)
    out = Extraction(str(report.path), report.fmt, sentences)
    ctx = _Context()
    paragraph = None
    for s in sentences:
        if s.paragraph != paragraph:
            ctx = _Context()
            paragraph = s.paragraph
        row = s.row
        if row is not None and row.kind == "indicator":
            extract_indicator(s, out)
            continue
        start = len(out.figures)
        extract_sentence(s, ctx, out)
        if row is not None and row.kind == "entity":
            for f in out.figures[start:]:
                f.key = f"{SCOPED}{f.key}"
                f.name = key_name(f.key)
                f.scope = row.entity
        elif row is not None and row.kind == "total" and row.table_kind == "scorecard":
            out.table_totals.setdefault(row.table, []).extend(out.figures[start:])
    return out


def extract_file(path: Path | str) -> Extraction:
    """Read and extract a report file (raises ``AuditReadError`` when it cannot be read)."""
    return extract(read_report(path))
