"""What the audit reads from a report: sentences, figures, and the structures around them.

A :class:`Figure` is one stated number with what it is (``key``), whose it is (``scope``: the
department when empty, else a project, 镇街, source row …) and how sure the reading is
(``doubt``: empty when the label, unit and scope were all read with certainty). Checks only
report a mismatch between figures without doubt; anything else is 未核对 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from evalkit.numfmt import round_half_up

from .readers import TableRow
from .vocab import vocabulary

#: Keys of indicator-level figures (自评表 rows; 一是…扣1.00分; 预算执行(扣1.05分)).
INDICATOR_PREFIX = "indicator."
#: Free-form keys: listed, never compared between statements.
FREE_PREFIXES = ("rate:", "count:", "amount:", "value:", "score:", "weight:", "lost:")


@dataclass
class Sentence:
    """One sentence (or table row) of the report: normalised text, where it is, its heading."""

    index: int
    text: str
    where: str
    heading: str = ""
    paragraph: int = 0
    row: TableRow | None = None     # the table row this sentence is (table rows are one sentence)
    masked: str = ""                # ``text`` with noise masked (same length)
    item: str = ""                  # the entity of the enumerated item it is in (信访补贴项目)
    glued: bool = False             # OCR / flattened text whose cells run together

    def to_json(self) -> dict:
        out = {"index": self.index, "where": self.where, "heading": self.heading,
               "text": self.text}
        if self.row is not None and self.row.kind in ("entity", "indicator"):
            out["row_kind"] = self.row.kind
            out["entity"] = self.row.entity
        if self.item:
            out["item"] = self.item
        return out


def fmt_dec(value: Decimal, places: int) -> str:
    """Format a Decimal with exactly ``places`` decimals (half-up; exact for stated values)."""
    return f"{round_half_up(value, max(places, 0)):f}"


def key_name(key: str) -> str:
    """Chinese display name of a figure key (from the vocabulary / metric catalogue)."""
    voc = vocabulary()
    if key in voc.names:
        return voc.names[key]
    for prefix, fmt in (("yoy:", "{}同比"), ("change:", "{}同比变化"), ("prev:", "上年{}"),
                        ("rank:", "{}排名")):
        if key.startswith(prefix):
            return fmt.format(key_name(key[len(prefix):]))
    for prefix, fmt in (("score.modules.", "{}得分"), ("weight.modules.", "{}满分"),
                        ("lost.modules.", "{}扣分")):
        if key.startswith(prefix):
            return fmt.format(key[len(prefix):])
    for prefix, suffix in (("score:", "得分"), ("weight:", "分值"), ("lost:", "扣分")):
        if key.startswith(prefix):
            return key[len(prefix):] + suffix
    if key.startswith(FREE_PREFIXES):
        return key.split(":", 1)[1]
    return key


@dataclass
class Figure:
    """One stated figure: what it is, its value in normal units, and the sentence it came from."""

    key: str
    name: str
    kind: str          # amount | rate | score | weight | lost | count | rank | yoy | change | prev
    value: Decimal     # 万元 for amounts; signed for changes
    unit: str          # normal unit: 万元, %, 个百分点, 分, 件, 名 …
    raw: str           # as printed after normalisation, e.g. "774.90万元", "下降43.21%"
    places: int        # decimals printed (in the normal unit)
    step: Decimal      # one unit in the last printed digit, in normal units
    sentence: Sentence
    label: str = ""
    approx: bool = False
    direction: str = ""
    unit_assumed: bool = False
    subject: str = ""
    start: int = -1    # offset of the number in the sentence text
    scope: str = ""    # the sub-entity / project / source row a figure belongs to; "" = department
    doubt: str = ""    # why the reading is not certain ("" = certain)
    printed_unit: str = ""   # the unit as printed (元 for an amount normalised to 万元)
    depth: int = 0     # bracket depth in the sentence

    @property
    def group_key(self) -> str:
        """Key and scope: figures are grouped (and compared) only within one scope."""
        return f"{self.key}@{self.scope}" if self.scope else self.key

    @property
    def display_name(self) -> str:
        return f"{self.name}［{self.scope}］" if self.scope else self.name

    @property
    def certain(self) -> bool:
        return not (self.approx or self.doubt or self.unit_assumed)

    def why_uncertain(self) -> str:
        """Why this figure is not read with certainty (Chinese), or ""."""
        if self.doubt:
            return self.doubt
        if self.approx:
            return "约数"
        if self.unit_assumed:
            return "未写单位"
        return ""

    def snippet(self, before: int = 14, after: int = 10) -> str:
        """The words around the figure in its sentence, e.g. ``…预算执行率为98.95%。``."""
        text = self.sentence.text
        if self.start < 0:
            return text[:before + after + 10]
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
                "sentence": self.sentence.text, "label": self.label, "scope": self.scope or None,
                "certain": self.certain, "doubt": self.why_uncertain() or None}


@dataclass
class Indicator:
    """One indicator row of a scoring table: its names, 分值, 得分, 扣分, 目标/实际值."""

    sentence: Sentence
    name: str
    module: str | None
    names: list[str]
    weight: Figure | None = None
    score: Figure | None = None
    lost: Figure | None = None
    target: str = ""
    actual: str = ""
    level2: str = ""
    table: int = 0
    doubt: str = ""

    def to_json(self) -> dict:
        def v(f):
            return float(f.value) if f is not None else None
        return {"name": self.name, "module": self.module, "names": self.names,
                "weight": v(self.weight), "score": v(self.score), "lost": v(self.lost),
                "target": self.target or None, "actual": self.actual or None,
                "where": self.sentence.where, "doubt": self.doubt or None}


@dataclass
class Group:
    """A weighted group of a scoring table (一级/二级指标 with ``(N分)``) and what it holds."""

    name: str
    weight: Figure
    level: int = 1
    members: list = field(default_factory=list)   # Indicator | Group
    table: int = 0
    closed: bool = False        # the group's members were all seen (the next group started)

    def member_weights(self) -> list[Figure | None]:
        return [m.weight for m in self.members]


@dataclass
class Breakdown:
    """A figure and the parts a 其中 / 包括 / 含 / bracket list gives for it."""

    whole: Figure
    parts: list[Figure]
    marker: str                 # 其中 | 包括 | 含 | 括号 | 表格其中行
    catch_all: bool = False     # the list ends with 其他… (so it is complete)


@dataclass
class CountList:
    """A count stated with the list of what it counts (``10个，即…``, ``“A”“B”等2个``)."""

    count: Figure
    items: list[str]
    pattern: str                # quoted | enumerated | listed
    partial: bool = False       # ``等`` after fewer items than the count


@dataclass
class PhaseSet:
    """A total stated with its 年初 and 年中增加 parts in one sentence (counts of one noun)."""

    total: Figure
    initial: Figure
    added: Figure
    noun: str


@dataclass
class BudgetRow:
    """One row of a 预算资金 block: 年初预算数 / 全年预算数 / 全年执行数 / 执行率 / 分值 / 得分."""

    sentence: Sentence
    label: str
    role: str                   # total | part | row
    cells: dict[str, Figure] = field(default_factory=dict)
    block: int = 0
    blank: set[str] = field(default_factory=set)    # columns left blank or "/"


class Groups(dict):
    """Figures by ``key@scope`` with constant-time lookups of a key's statements (first certain
    statement; the statement in a given sentence), so checks stay linear in the report size."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._first: dict[str, Figure | None] = {}
        self._in: dict[str, dict[int, Figure]] = {}

    def first(self, gkey: str) -> Figure | None:
        if gkey not in self._first:
            figs = self.get(gkey, [])
            exact = [f for f in figs if f.certain] or [f for f in figs if not f.approx]
            self._first[gkey] = exact[0] if exact else None
        return self._first[gkey]

    def in_sentence(self, gkey: str, index: int) -> Figure | None:
        if gkey not in self._in:
            table: dict[int, Figure] = {}
            for f in self.get(gkey, []):
                if not f.approx:
                    table.setdefault(f.sentence.index, f)
            self._in[gkey] = table
        return self._in[gkey].get(index)


@dataclass
class Extraction:
    """All figures found in a report, with its sentences and the structures between them."""

    path: str
    fmt: str
    sentences: list[Sentence]
    figures: list[Figure] = field(default_factory=list)
    unrecognised: list[dict] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    table_totals: dict[int, list[Figure]] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    count_lists: list[CountList] = field(default_factory=list)
    phases: list[PhaseSet] = field(default_factory=list)
    budget_rows: list[BudgetRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # what could not be read, and why
    rules: dict[str, str] = field(default_factory=dict)   # scoring rules the form states

    def by_key(self) -> Groups:
        """Figures grouped by key and scope (``key@scope``), in order of first appearance."""
        groups = Groups()
        for f in self.figures:
            groups.setdefault(f.group_key, []).append(f)
        return groups


__all__ = ["Breakdown", "BudgetRow", "CountList", "Extraction", "FREE_PREFIXES", "Figure",
           "Group", "INDICATOR_PREFIX", "Indicator", "PhaseSet", "Sentence", "fmt_dec",
           "key_name"]
