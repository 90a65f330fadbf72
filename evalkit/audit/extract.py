"""Read a report's figures: sentences, noise masked, numbers labelled from the vocabulary.

Pipeline (documented with its limits in ``docs/audit.md``):

1. **Normalise each line** (:mod:`evalkit.audit.text`): control characters out, NFKC, whitespace
   removed except between Latin letters and between two numbers (two cells stay two numbers).
2. **Join the lines of a paragraph**; each character keeps the line it came from, so a sentence
   can say ``第96–98行``.
3. **Split sentences** at ``。！？；`` (and a ``.`` after a Chinese character) and at paragraph ends;
   **mask noise** (:mod:`evalkit.audit.noise`): dates, document numbers, codes, enumerators, page
   chrome, formulas, instructions, thresholds.
4. **Label numbers**: the label of a number is its clause (text since the last ``,;|`` or
   bracket); the rightmost vocabulary term there whose kind fits the unit names it. Direction
   words make changes (``同比下降43.21%``), ``由X…至Y`` pairs, ``上年`` previous values, ``排名第N``
   ranks. ``其中`` / ``包括`` / ``含`` / brackets make parts of the figure before them; a project or
   镇街 named before a term, or the enumerated item a sentence is in, scopes the figure.

Tables (:mod:`evalkit.audit.tables`) and scoring sheets flattened into text
(:mod:`evalkit.audit.stream`) have their own readers; they produce the same :class:`Figure`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal

from .model import (FREE_PREFIXES, INDICATOR_PREFIX, Breakdown, Extraction, Figure, Sentence,
                    fmt_dec, key_name)
from .noise import MASK, mask
from .numbers import AMOUNT_PLACES, AMOUNT_SCALE, COUNT_UNITS, NOT_QUANTITY, Num, scan_numbers
from .readers import RawReport
from .text import is_wrapped, line_joiner, normalize_line
from .vocab import Vocabulary, alternation, vocabulary

__all__ = ["Extraction", "Figure", "Sentence", "extract_sentence", "fmt_dec", "is_up", "key_name",
           "normalize_line", "split_sentences", "Modules"]


# ----------------------------------------------------------------------------------- sentences

def join_lines(lines: list[tuple[str, str]]) -> tuple[str, list[tuple[int, str]]]:
    """Join normalised lines into one paragraph string.

    Returns:
        The text and a list of ``(start_offset, where)`` marking where each source line begins.
    """
    normal = [(where, normalize_line(raw)) for where, raw in lines]
    normal = [(w, t) for w, t in normal if t]
    width = max((len(t) for _, t in normal), default=0)
    parts: list[str] = []
    marks: list[tuple[int, str]] = []
    length = 0
    prev = ""
    for where, line in normal:
        gap = line_joiner(prev, line, is_wrapped(prev, width)) if prev else ""
        parts.append(gap)
        length += len(gap)
        marks.append((length, where))
        parts.append(line)
        length += len(line)
        prev = line
    return "".join(parts), marks


_SPLIT = re.compile(r"(?<=[。!?;])|(?<=[\u4e00-\u9fff)]\.)(?![\d.])")
_SPLIT_GLUED = re.compile(r"(?<=[。!?;])|(?<=[\u4e00-\u9fff]{3}\.)(?=[\u4e00-\u9fff])")
_HEADING_TEXT = re.compile(
    r"^(?:[(][一二三四五六七八九十]+[)]|[一二三四五六七八九十]+[、.]|第[一二三四五六七八九十]+[章节部分])")
_ENUM_START = re.compile(r"^(?:[(]\d{1,2}[)]|\d{1,2}[.、](?!\d)|[(][一二三四五六七八九十]+[)]"
                         r"|[一二三四五六七八九十]+[、.]|[一二三四五六七八九十]是)")
_LINE_NO = re.compile(r"^第(\d+)行$")
_GLUED = re.compile(r"\d+\.\d+\.\d")
_LOOSE = re.compile(r"[\u4e00-\u9fff]\d+(?:\.\d+)?(?![\d.%])(?![年月日个件次项人名万元分天])[\u4e00-\u9fff]")


def is_glued(text: str) -> bool:
    """OCR / flattened-table text: numbers glued to each other or wedged between words."""
    return bool(_GLUED.search(text)) or len(_LOOSE.findall(text)) >= 3


def _span_where(marks: list[tuple[int, str]], start: int, end: int,
                offsets: list[int] | None = None) -> str:
    """Where a span of a paragraph is (``第12行``, ``第96–98行``) — binary search, no scan."""
    if not marks:
        return ""
    if offsets is None:
        offsets = [m[0] for m in marks]
    i = max(0, bisect_left(offsets, start + 1) - 1)
    j = max(0, bisect_left(offsets, max(start + 1, end)) - 1)
    first, last = marks[i][1], marks[j][1]
    if first == last:
        return first
    a, b = _LINE_NO.match(first), _LINE_NO.match(last)
    if a and b:
        return f"第{a.group(1)}–{b.group(1)}行"
    return f"{first}–{last}"


def _item_entity(text: str, voc: Vocabulary) -> str:
    """The project / 镇街 an enumerated item is about (``(1)信访补贴项目绩效…`` → 信访补贴项目)."""
    first = re.split(r"[,;。:]", text, maxsplit=1)[0]
    first = _ENUM_START.sub("", first)
    ends = alternation(voc.words("prose_entities"))
    m = re.match(rf"^([\u4e00-\u9fff“”\"()]{{2,24}}?(?:{ends}))(?:绩效|资金|支出|实施|情况|完成|预算|"
                 r"概况|的|$)", first)
    if not m or m.group(1).startswith(("本", "该", "各", "全", "部门", "整体")):
        return ""
    name = m.group(1)
    return name if len(name) > 2 else ""


@dataclass
class _Splitter:
    """Running state while splitting: heading above, enumerated item, sentence list."""

    voc: Vocabulary
    sentences: list[Sentence] = field(default_factory=list)
    heading: str = ""
    item: str = ""

    def add(self, text: str, where: str, p_index: int, row=None, glued=False) -> None:
        self.sentences.append(Sentence(len(self.sentences) + 1, text, where, self.heading,
                                       p_index, row, mask(text), self.item, glued))

    def paragraph(self, p_index: int, para) -> None:
        text, marks = join_lines(para.lines)
        if not text:
            return
        if para.row is not None:      # a table row is one sentence (a reason cell may hold 。)
            self.add(text, _span_where(marks, 0, len(text)), p_index, para.row)
            return
        is_heading = para.is_heading or (
            bool(_HEADING_TEXT.match(text)) and len(text) <= 30 and not re.search(r"[。;!?]$", text))
        if is_heading:
            self.heading, self.item = text, ""
        elif _ENUM_START.match(text):
            self.item = _item_entity(text, self.voc)
        glued = is_glued(text)
        offsets = [m[0] for m in marks]
        start = 0
        for piece in (_SPLIT_GLUED if glued else _SPLIT).split(text):
            end = start + len(piece)
            if piece.strip(" ,、:.|"):
                self.add(piece, _span_where(marks, start, end, offsets), p_index, glued=glued)
            start = end


def split_sentences(report: RawReport) -> list[Sentence]:
    """Normalise, join, split and mask a report's sentences, tracking headings and items."""
    sp = _Splitter(vocabulary())
    for p_index, para in enumerate(report.paragraphs):
        sp.paragraph(p_index, para)
    return sp.sentences


# -------------------------------------------------------------------------------------- modules

@dataclass
class Modules:
    """Module (一级指标) names the audit attributes scores to: canonical name by spelling."""

    names: dict[str, str]
    source: str = ""              # where the names come from (framework file, or the vocabulary)
    weights: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal | None = None
    certain: bool = False         # the framework was given or named in metrics.json
    pattern: re.Pattern = field(default=re.compile("(?!)"))

    @classmethod
    def build(cls, names: dict[str, str], source: str = "", weights=None, total=None,
              certain: bool = False):
        m = cls(dict(names), source, dict(weights or {}), total, certain)
        m.pattern = re.compile(alternation(m.names))
        return m

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, canonical name) of every module named in ``text``."""
        return [(m.start(), self.names[m.group(0)]) for m in self.pattern.finditer(text)]

    def rightmost(self, text: str) -> str | None:
        found = self.find(text)
        return found[-1][1] if found else None


def default_modules() -> Modules:
    """Module names of the vocabulary (generic first-level names and their aliases)."""
    voc = vocabulary()
    names = {m: m for m in voc.generic_modules}
    names.update(voc.module_aliases)
    return Modules.build(names, "vocabulary.yaml")


# ------------------------------------------------------------------------------------- figures

_UP = "增长|增加|提高|上升|上涨|增幅为|增幅"
_DOWN = "下降|减少|降低|下滑|回落|降幅为|降幅|减幅"
_DIRECTION_TAIL = re.compile(rf"(?P<dir>{_UP}|{_DOWN})(?:了|为|达到|达|约|近|超过)?$")
_DIRECTION_TO = re.compile(rf"(?P<dir>{_UP}|{_DOWN})(?:至|到)$")
_FROM_TAIL = re.compile(r"(?:由|从)(?:上年的?|去年的?)?$")
_PREV_MARK = re.compile(r"(?:上年|去年|上一年度?|上年度)(?:同期)?(?:的)?(?:为|是|:)?$")
_PREV_ANY = re.compile(r"上年|去年|上一年")
_RANK_MARK = re.compile(r"排名|排第|排在|位列|位居|居全|列全|排位")
_CN_RANK = re.compile(r"(?:排名|排|位列|位居|居|列)[^,;。]{0,12}?第(?P<cn>[一二三四五六七八九十]+)(?:名|位)?")
_GENERIC_RATE = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,12}?(?:率|占比|比例|比重))"
                           r"(?:为|是|达到|达|:|约|仅|高达|了)?$")
_HEADER_UNIT = re.compile(r"[(\[](?:单位:)?(亿元|万元|元|%)[)\]]$")
_ENUM_MARK = re.compile(r"(?:^|[,;:、(])(?:[一二三四五六七八九十]+是|其[一二三四五六七八九十][,、])")
_RATE_QUALIFIER = re.compile(r"(?:政府采购|采购|协作|镇街|街道|各镇|各单位|责任单位|各部门|服务对象|"
                             r"受益对象|受益群众|社会公众|用户|学生|教师|职工|患者|游客|企业)"
                             r"[\u4e00-\u9fff]{0,6}$")
_FILLER = re.compile(r"^(?:其中|我区|我局|我部门|本部门|本单位|全区|全系统|全年|年度|全市|的|和|及|与|共有|共)+")
_ADJACENT = re.compile(r"^(?:为|是|达到|达|:|共|约|了|的|合计|总计|计|共计|累计|总额为|总计为|合计为)*$")
_PART_MARK = re.compile(r"其中|包括|分别为|分别是")
_DEPT_MARK = re.compile(r"部门|本局|我局|本单位|全区|全局|全县|全市")
_WHOLE_KEYS = ("budget.total_budget_wan", "budget.total_actual_wan", "income.total_wan",
               "income.fiscal_wan")
_CHANGE_UNITS = {"%", "个百分点"} | set(AMOUNT_SCALE) | set(COUNT_UNITS)
_UNRECOGNISED_UNITS = ("%", "万元", "元", "亿元", "分", "个百分点")
_UNIT_KIND = {
    "amount": set(AMOUNT_SCALE) | {""}, "rate": {"%", ""}, "score": {"分", ""},
    "weight": {"分", ""}, "lost": {"分", ""}, "count": set(COUNT_UNITS) | {""},
}
_MODULE_ROLES = {"@score": "score", "@weight": "weight", "@lost": "lost"}
_LABEL_MAX = 60          # a label is never longer: a longer clause is a table flattened to text
_FAMILY = {"amount": "amount", "count": "count", "score": "score", "weight": "score",
           "lost": "score"}


def is_up(word: str) -> bool:
    """True when a direction word means an increase."""
    return bool(re.fullmatch(_UP, word))


@dataclass
class _Context:
    """Running state across sentences: the subject of changes, the last whole stated."""

    last_subject: str = ""
    wholes: list[Figure] = field(default_factory=list)   # depth-0 figures of the last sentence
    paragraph: int = -1
    report_year: int | None = None


@dataclass
class _Sent:
    """One sentence being read: its numbers, the vocabulary terms and clauses in it."""

    s: Sentence
    voc: Vocabulary
    modules: Modules
    terms: list[tuple[int, int, str]]
    term_starts: list[int]
    clause: list[int]          # clause start of each position
    depth: list[int]           # bracket depth of each position
    opens: list[int]           # position of the innermost open bracket (-1 outside brackets)
    consumed: set[int] = field(default_factory=set)
    recent: dict[tuple[int, str], list[Figure]] = field(default_factory=dict)
    scope: str = ""            # the project / 镇街 this sentence is about (named before a term)
    modules_used: set[tuple[str, str]] = field(default_factory=set)
    figures: list[Figure] = field(default_factory=list)
    open_parts: dict[int, Breakdown] = field(default_factory=dict)
    pending_from: str | None = None

    @classmethod
    def of(cls, s: Sentence, voc: Vocabulary, modules: Modules) -> "_Sent":
        text = s.masked or s.text
        terms = [(m.start(), m.end(), m.group(0)) for m in voc.term_re.finditer(text)]
        clause, depth, opens = _clauses(text)
        return cls(s, voc, modules, terms, [t[0] for t in terms], clause, depth, opens)

    def remember(self, fig: Figure) -> None:
        """Keep the last few figures per bracket depth and family (wholes of 其中 lists)."""
        fam = _FAMILY.get(fig.kind)
        if fam is not None:
            lst = self.recent.setdefault((fig.depth, fam), [])
            lst.append(fig)
            del lst[:-8]

    def before(self, depth: int, fam: str, pos: int, exclude: Figure | None = None) -> list[Figure]:
        return [f for f in self.recent.get((depth, fam), []) if f.start < pos and f is not exclude]

    @property
    def text(self) -> str:
        return self.s.masked or self.s.text


def _clauses(text: str) -> tuple[list[int], list[int], list[int]]:
    """For each position: the start of its clause (after ``,;|、``; inside brackets, after the
    opening bracket; after the closing one, the clause it interrupted), the bracket depth, and
    where the innermost open bracket is (-1 outside brackets)."""
    starts: list[int] = []
    depths: list[int] = []
    opens: list[int] = []
    stack: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append((start, i))
            start = i + 1
        elif ch == ")" and stack:
            start = stack.pop()[0]      # 事项(件)本年46: the clause goes on after the bracket
        elif ch in ",;。!?|、":
            start = i + 1
        starts.append(start)
        depths.append(len(stack))
        opens.append(stack[-1][1] if stack else -1)
    return starts, depths, opens


@dataclass
class _N:
    """A number of a sentence with its clause, label and the best vocabulary term for it."""

    n: Num
    st: _Sent
    cs: int            # clause start
    label: str         # text of the clause before the number
    depth: int

    @property
    def unit(self) -> str:
        return self.n.unit

    def near(self, width: int = 60) -> str:
        """The text just before the number (bounded: never the whole sentence)."""
        return self.st.text[max(0, self.n.start - width):self.n.start]

    def s_text_before(self, width: int) -> str:
        """The original sentence text just before the number (comparison words are not noise)."""
        return self.st.s.text[max(0, self.n.start - width):self.n.start]


def _terms_before(x: _N) -> list[tuple[int, int, str]]:
    """Vocabulary terms of the number's clause before it, rightmost first, not yet used."""
    st = x.st
    j = bisect_left(st.term_starts, x.n.start)
    out = []
    for k in range(j - 1, -1, -1):
        a, b, word = st.terms[k]
        if a < x.cs:
            break
        if b <= x.n.start and k not in st.consumed:
            out.append((k, a, b, word))
    return out


def _pick_term(x: _N) -> tuple[int, int, int, str] | None:
    """The rightmost unused term whose kind fits the unit (a term modifying 项目 is skipped)."""
    for k, a, b, word in _terms_before(x):
        term = x.st.voc.terms[word]
        if x.unit not in _UNIT_KIND.get(term.kind, {""}):
            continue
        if x.st.text[b:x.n.start] == "项目" and not word.endswith("项目"):
            continue
        if term.key.startswith("@") and x.st.text[b:b + 1] in _NOUN_AFTER_ROLE:
            continue        # 自评表, 自评报告, 评分标准, 扣分原因: a noun, not a score
        return k, a, b, word
    return None


#: a character after 自评 / 得分 / 评分 / 扣分 / 分值 that makes it part of a longer noun
_NOUN_AFTER_ROLE = frozenset("表报工情结等方制标办细原说依规项档")


_OWN_SUBJECT = re.compile(r"^(?:其中|我局|本局|我部门|本部门|本单位|我单位|全年|年度|的|为|,|:)+|"
                          r"(?:的|为|,|:)+$")
_DEPT_SUBJECT = re.compile(r"部门|整体|单位|本局|我局|全局|总|综合|合计|小计")


def _resolve(term_key: str, x: _N, whole: str | None, term_start: int = -1) -> str | None:
    """Turn a term's key or role (``@score``, ``@basic`` …) into a concrete key.

    A score / weight / 扣分 belongs to the module named in its clause; else, when its clause
    names something else (``绩效自评46.00分`` with no module 绩效 known), to that — a free
    ``score:`` key, never another clause's module; else to the module named earlier in the
    sentence or in the section heading (once per sentence: a second score is not borrowed);
    else to the total.
    """
    if not term_key.startswith("@"):
        return term_key
    if term_key in ("@basic", "@project"):
        return _part_key(0 if term_key == "@basic" else 1, x.label, whole)
    prefix = _MODULE_ROLES[term_key]
    mods = x.st.modules
    module = mods.rightmost(x.label)
    if module is None and term_start >= 0:
        subject = _OWN_SUBJECT.sub("", x.st.text[x.cs:term_start].replace(MASK, ""))
        if len(subject) >= 2 and not _DEPT_SUBJECT.search(subject):
            return f"{prefix}:{subject[-10:]}"
    if module is None:
        module = mods.rightmost(x.near()) or mods.rightmost(x.st.s.heading)
        if module is not None and (prefix, module) in x.st.modules_used:
            return None
    if module is None:
        return f"{prefix}.total"
    x.st.modules_used.add((prefix, module))
    return f"{prefix}.modules.{module}"


def _part_key(idx: int, label: str, whole: str | None) -> str:
    """基本支出 (``idx`` 0) / 项目支出 (1) of the whole being split, else guessed from the label."""
    parts = vocabulary().part_keys
    if whole in parts:
        return parts[whole][idx]
    if "预算" in label:
        return parts["budget.total_budget_wan"][idx]
    if "收入" in label:
        return parts["income.total_wan"][idx]
    return parts["budget.total_actual_wan"][idx]


def _normal(kind: str, n: Num) -> tuple[str, Decimal, Decimal, bool, int]:
    """(unit, value, step, unit assumed, decimals) of a number in the normal unit of ``kind``."""
    step = Decimal(1).scaleb(-n.places)
    if kind == "amount":
        sc = AMOUNT_SCALE.get(n.unit, Decimal(1))
        places = max(0, n.places + AMOUNT_PLACES.get(n.unit, 0))
        return "万元", n.value * sc, step * sc, n.unit == "", places
    if kind == "rate":
        return "%", n.value, step, n.unit == "", n.places
    if kind in ("score", "weight", "lost"):
        return "分", n.value, step, False, n.places
    return n.unit, n.value, step, False, n.places


def _add(x: _N, out: Extraction, key: str, kind: str, value: Decimal, unit: str, step: Decimal,
         raw: str, places: int | None = None, **extra) -> Figure:
    """Append a figure read from ``x`` (doubt set for glued text) and return it."""
    s = x.st.s
    if key.startswith(FREE_PREFIXES):
        key = key.replace(MASK, "")
    fig = Figure(key, key_name(key), kind, value, unit, raw,
                 x.n.places if places is None else places, step, s,
                 x.label.replace(MASK, "").strip(",:、|"), x.n.approx, start=x.n.start,
                 printed_unit=x.n.unit, depth=x.depth, **extra)
    if s.glued:
        fig.doubt = "OCR/粘连文本，单元格分界不确定"
    out.figures.append(fig)
    x.st.figures.append(fig)
    return fig


# -- the readings, tried in turn ------------------------------------------------------------

def _read_rank(x: _N, ctx: _Context, out: Extraction) -> bool:
    """排名第3."""
    if not x.label.endswith("第"):
        return False
    if _RANK_MARK.search(x.near(20)) and not x.n.places:
        subject = ctx.last_subject or "unknown"
        _add(x, out, f"rank:{subject}", "rank", x.n.value, "名", Decimal(1), f"第{x.n.num}",
             subject=subject)
    return True


def _subject_from(text: str, x: _N, whole: str | None) -> str | None:
    """The quantity a change/pair refers to, from the terms in ``text``."""
    voc = x.st.voc
    for m in reversed(list(voc.term_re.finditer(text))):
        term = voc.terms[m.group(0)]
        if term.kind in ("amount", "rate", "count"):
            key = _resolve(term.key, x, whole)
            if key:
                return key
    g = re.search(r"([\u4e00-\u9fff]{1,12}?(?:率|占比|比例|比重))", text)
    if g:
        return f"rate:{_FILLER.sub('', g.group(1)) or g.group(1)}"
    return None


_COMPARED = re.compile(r"同比|较上年|比上年|较去年|比去年|上年|去年|上一年|较\d{4}年|比\d{4}年|与上年|"
                       r"与去年|较\d{4}|比\d{4}")
_PHASE_WORD = re.compile(r"(?:年中|新)(?:增加|追加)$")
_CONTINUES = re.compile(r"^[,:]?(?:同比|较上年|比上年|较去年|比去年|与上年相比|与去年相比|较上一年)")


def _read_change(x: _N, ctx: _Context, out: Extraction) -> bool:
    """同比下降43.21%, 较上年增加189.25万元, 提高1.5个百分点 (a comparison is named)."""
    d = _DIRECTION_TAIL.search(x.label)
    if not d or _DIRECTION_TO.search(x.label) or x.unit not in _CHANGE_UNITS:
        return False
    if _PHASE_WORD.search(x.label[:d.end()]) or not _COMPARED.search(x.s_text_before(200)):
        return False
    word = d.group("dir")
    subj = _subject_from(x.label[:d.start()], x, _whole_key(x)) or ctx.last_subject or "unknown"
    sign = Decimal(1) if is_up(word) else Decimal(-1)
    step = Decimal(1).scaleb(-x.n.places)
    if x.unit == "%":
        key, kind, unit, val = f"yoy:{subj}", "yoy", "%", x.n.value * sign
    elif x.unit in AMOUNT_SCALE:
        sc = AMOUNT_SCALE[x.unit]
        key, kind, unit, val, step = f"change:{subj}", "change", "万元", x.n.value * sc * sign, step * sc
    else:
        key, kind, unit, val = f"change:{subj}", "change", x.unit, x.n.value * sign
    _add(x, out, key, kind, val, unit, step, f"{word}{x.n.raw}", direction=word, subject=subj)
    ctx.last_subject = subj
    return True


def _like(subject: str, x: _N) -> tuple[str, Decimal, str, Decimal] | None:
    """(kind, value, unit, step) of ``x`` read as the same kind of quantity as ``subject``."""
    n = x.n
    step = Decimal(1).scaleb(-n.places)
    if n.unit in AMOUNT_SCALE:
        sc = AMOUNT_SCALE[n.unit]
        return ("amount", n.value * sc, "万元", step * sc)
    if n.unit == "%":
        return ("rate", n.value, "%", step)
    if n.unit in COUNT_UNITS:
        return ("count", n.value, n.unit, step)
    if n.unit == "" and subject.endswith("_wan"):
        return ("amount", n.value, "万元", step)
    if n.unit == "" and vocabulary().kinds.get(subject) == "count" and not n.places:
        return ("count", n.value, "", step)
    return None


def _read_pair(x: _N, ctx: _Context, out: Extraction) -> bool:
    """由81件下降至46件 (the first value is the previous year's)."""
    st = x.st
    if _FROM_TAIL.search(x.label):
        subj = _subject_from(x.label, x, _whole_key(x)) or ctx.last_subject or "unknown"
        like = _like(subj, x)
        if like:
            kind, val, unit, step = like
            _add(x, out, f"prev:{subj}", kind, val, unit, step, x.n.raw, subject=subj)
            st.pending_from = subj
            ctx.last_subject = subj
        return True
    dto = _DIRECTION_TO.search(x.label)
    if dto and st.pending_from:
        subj = st.pending_from
        like = _like(subj, x)
        if like:
            kind, val, unit, step = like
            _add(x, out, subj, kind, val, unit, step, x.n.raw, direction=dto.group("dir"),
                 subject=subj)
        st.pending_from = None
        return True
    return False


def _read_prev(x: _N, picked, ctx: _Context, out: Extraction) -> bool:
    """上年为81件, 上年实际支出700万元 (of the subject read last)."""
    if picked is not None and x.st.voc.terms[picked[3]].kind in ("amount", "rate", "count") \
            and not x.st.voc.terms[picked[3]].key.startswith("@"):
        return False
    if not _PREV_MARK.search(x.label):
        return False
    subj = ctx.last_subject
    like = _like(subj, x) if subj else None
    if like:
        kind, val, unit, step = like
        _add(x, out, f"prev:{subj}", kind, val, unit, step, x.n.raw, subject=subj)
    return True


def _whole_key(x: _N) -> str | None:
    """The key of the whole a 其中 list at this depth splits: the open list's, or — for the
    first part — the figure stated before 其中 (None when there is no list)."""
    bd = x.st.open_parts.get(x.depth)
    if bd is not None:
        return bd.whole.key
    if _PART_MARK.search(x.label):
        level = x.st.recent.get((x.depth, "amount"))
        if level:
            return level[-1].key
    return None


def _generic_key(x: _N) -> tuple[str, str, str] | None:
    """A free-form key: ``rate:<name>`` for a named %, ``count:<noun>`` for a count."""
    if x.unit == "%":
        g = _GENERIC_RATE.search(x.label)
        if g:
            name = _FILLER.sub("", g.group("name")) or g.group("name")
            return f"rate:{name}", "rate", g.group("name")
    if x.unit in COUNT_UNITS:
        return f"count:{count_noun(x)}", "count", ""
    if x.unit in AMOUNT_SCALE:
        name = _amount_name(x.label)
        if name:
            return f"amount:{name}", "amount", ""
    return None


def _amount_name(label: str) -> str:
    """A free name for an amount no term names (``年初结转结余项目50万元`` → 年初结转结余项目)."""
    tail = re.split(r"[,:;|(]", label)[-1]
    tail = re.sub(r"^(?:含|其中|包括|\d+[个项])+", "", tail)
    tail = re.sub(r"\d+[个项]", "", tail)
    tail = re.sub(r"(?:为|是|达|共|计|约|合计|总计)+$", "", tail)
    return tail[-12:] if re.search(r"[\u4e00-\u9fff]{2}", tail) else ""


_NOUN_AFTER = re.compile(r"([\u4e00-\u9fff]{2,8}?)(?=以及|和|及|与|的|等|共|分别|为|是|绩效|[^\u4e00-\u9fff]|$)")


def count_noun(x: _N) -> str:
    """What a count counts: the noun after a classifier (``14个职能股室``) or its label."""
    if x.unit in ("个", "项", "家", "所", "名", "位", "条", "台", "场", "篇", "座", "处", "套", "辆", "张",
                  "本", "册", "块", "批", "宗"):
        after = x.st.text[x.n.end:x.n.end + 12]
        m = _NOUN_AFTER.match(after)
        if m and not m.group(1).startswith(("的", "为", "是", "以", "和", "及", "与", "等", "共")):
            return m.group(1)
        if re.match(r"[\u4e00-\u9fff]{2}", after) and not after.startswith(("的", "为", "是")):
            return after[:2]
    tail = re.split(r"[,:;|]", x.label)[-1].strip("、“”\"")
    tail = re.split(r"共有|共计|共", tail)[-1] or tail
    tail = re.sub(r"^.*[》)]", "", tail[-16:]) if len(tail) > 16 else tail
    tail = _FILLER.sub("", tail) or "数量"
    return re.sub(r"(?:约|近|超过|逾|共|为|达|是|有)+$", "", tail) or "数量"


def _labelled(x: _N, picked) -> tuple[str, str, str, int] | None:
    """(key, kind, term, term index) of a labelled number, else a generic key, else None."""
    if picked is not None:
        k, a, _b, word = picked
        term = x.st.voc.terms[word]
        if term.kind == "score" and term.key == "@score" and x.unit != "分" \
                and not re.search(r"自评|得分", x.label):
            picked = None
        else:
            key = _resolve(term.key, x, _whole_key(x), a)
            if key:
                return key, term.kind, word, k
    module = _module_figure(x)
    if module is not None:
        return (*module, -1)
    generic = _generic_key(x)
    if generic is None:
        return None
    return (*generic, -1)


def _module_figure(x: _N) -> tuple[str, str, str] | None:
    """``决策指标18.00分`` (a module's score); ``产出指标(50分)`` (its weight)."""
    if x.unit != "分":
        return None
    mods = x.st.modules
    if x.depth > 0:
        open_at = x.st.opens[x.n.start]
        name = mods.rightmost(x.st.text[max(0, open_at - 8):open_at])
        if name is not None and x.st.text[x.cs:x.n.start].strip() == "":
            return f"weight.modules.{name}", "weight", ""
    name = mods.rightmost(x.label)
    if name is not None:
        return f"score.modules.{name}", "score", ""
    return None


def _refine(x: _N, key: str, kind: str, word: str) -> str:
    """A qualified rate, an indicator-level score, a 基本/项目 part of a whole, a basic rate."""
    label = x.label
    pre = label[: label.rfind(word)] if word else label
    if kind == "rate" and word and not key.startswith("rate:") and x.st.s.row is None:
        if _RATE_QUALIFIER.search(pre):
            name = re.search(r"[\u4e00-\u9fff“”\"]{1,12}$", pre + word).group(0)
            return f"rate:{_FILLER.sub('', name) or name}"
        if key == "budget.execution_rate_pct":
            return _exec_rate_key(pre[-12:])
    if kind in ("score", "weight", "lost") and not key.startswith("score.total") \
            and x.st.modules.rightmost(label) is None and _indicator_level(x):
        return f"{INDICATOR_PREFIX}{kind}"
    parts = x.st.voc.part_keys
    if key in parts and re.search(r"基本支出|项目支出|专项", pre):
        return parts[key][0 if "基本支出" in pre else 1]
    return key


def _exec_rate_key(head: str) -> str:
    if "基本支出" in head:
        return "budget.basic_execution_rate_pct"
    if "项目支出" in head or "专项" in head:
        return "budget.project_execution_rate_pct"
    return "budget.execution_rate_pct"


def _indicator_level(x: _N) -> bool:
    """A score/weight/deduction about one indicator rather than a module.

    In an enumerated item (``一是…扣1.00分``) or inside brackets after a name that is not a module
    (``扣分主要集中在预算执行(扣1.05分)``).
    """
    label = x.label
    text = x.st.text
    open_at = x.st.opens[x.n.start] if x.n.start < len(x.st.opens) else -1
    if x.depth > 0 and open_at >= 0:
        name = text[max(0, open_at - 6):open_at]
        if x.st.modules.rightmost(name) is None and re.search(r"[\u4e00-\u9fff]$", name) \
                and not re.search(r"\d(?:分|%|万元|元)$", name):
            return True
    return bool(_ENUM_MARK.search(x.near(80))) and "(" not in label


def _entity_before(x: _N, term_start: int) -> str:
    """A project / 镇街 named right before the term (``信访补贴项目全年预算数``), or ""."""
    voc = x.st.voc
    ends = alternation(voc.words("prose_entities"))
    pre = x.st.text[x.cs:term_start]
    m = re.search(rf"([\u4e00-\u9fff“”\"]{{2,20}}?(?:{ends}))$", pre)
    if not m or _DEPT_MARK.search(m.group(1)):
        return ""
    return m.group(1) if len(m.group(1)) > 2 else ""


def _scope_of(x: _N, key: str, picked) -> str:
    """The entity a figure belongs to: named before its term, else the sentence's entity, else
    the enumerated item's; "" (the department) when its clause names the department."""
    if key.startswith(("count:", "rank:")):
        return ""
    if picked is not None:
        ent = _entity_before(x, picked[1])
        if ent:
            x.st.scope = ent
            return ent
    if _DEPT_MARK.search(x.st.text[x.cs:x.n.start]):
        x.st.scope = ""
        return ""
    return x.st.scope or x.st.s.item


_YEAR = re.compile(r"(20\d{2})年(?!\d{1,2}月)")


def _other_year(x: _N, ctx: _Context, word: str) -> str:
    """"prev" when a year right before the figure's term dates it to the year before the
    report's, that year when to another (``2021年实际支出700万元`` in a 2023 report), ""
    otherwise (``2023年转列…项目5个`` dates the projects, not the count)."""
    if ctx.report_year is None or not word:
        return ""
    window = x.st.s.text[x.cs:x.n.start]
    found = list(re.finditer(rf"(20\d{{2}})年度?[^,;。\d]{{0,6}}?{re.escape(word)}", window))
    m = found[-1] if found else None
    if m is None or int(m.group(1)) == ctx.report_year:
        return ""
    return "prev" if int(m.group(1)) == ctx.report_year - 1 else m.group(1)


def report_year(sentences: list[Sentence]) -> int | None:
    """The year a report is about: the year of its title (``2023年度…报告``), else the most
    frequent ``20xx年度`` / ``20xx年`` of its first sentences."""
    counts: dict[int, int] = {}
    for s in sentences[:30]:
        for m in re.finditer(r"(20\d{2})年度", s.text):
            counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 3
        for y in _YEAR.findall(s.text):
            counts[int(y)] = counts.get(int(y), 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def _read_labelled(x: _N, picked, ctx: _Context, out: Extraction) -> Figure | None:
    """A labelled figure: the term (or a generic 率/件) names it."""
    chosen = _labelled(x, picked)
    if chosen is None:
        if x.unit in _UNRECOGNISED_UNITS:
            out.unrecognised.append({"stated": x.n.raw, "where": x.st.s.where,
                                     "sentence": x.st.s.text})
        return None
    key, kind, word, k = chosen
    key = _refine(x, key, kind, word)
    pre = x.label[: max(0, x.label.rfind(word))] if word else x.label
    year = _other_year(x, ctx, word)
    prev_year = (bool(_PREV_ANY.search(pre)) or year == "prev") and \
        kind in ("amount", "rate", "count")
    unit, val, step, assumed, places = _normal(kind, x.n)
    if word in x.st.voc.terms and x.st.voc.terms[word].sign < 0:
        val = -val
    scope = _scope_of(x, key, picked)
    if year not in ("", "prev") and not key.startswith(FREE_PREFIXES):
        scope = f"{year}年{('·' + scope) if scope else ''}"
    if prev_year:
        fig = _add(x, out, f"prev:{key}", "prev", val, unit, step, x.n.raw, places,
                   subject=key, unit_assumed=assumed, scope=scope)
    else:
        fig = _add(x, out, key, kind, val, unit, step, x.n.raw, places, unit_assumed=assumed,
                   scope=scope)
    if k >= 0:
        x.st.consumed.add(k)
    peers = key.startswith("count:") and ("幅度" in x.label or re.match(
        r"[个家]?(?:区|县|市|镇|街|单位|部门)", x.st.text[x.n.end:x.n.end + 4]))
    if kind in ("amount", "rate", "count") and not peers:
        ctx.last_subject = key
    return fig


# -- parts: 其中 / 包括 / 含 / brackets -----------------------------------------------------------

def _parts_of(fig: Figure, x: _N, ctx: _Context, out: Extraction) -> None:
    """Attach ``fig`` to the 其中/bracket list it belongs to, or open one."""
    fam = _FAMILY.get(fig.kind)
    if fam is None or fig.kind == "prev":
        return
    st = x.st
    bd = st.open_parts.get(x.depth)
    if bd is not None and _FAMILY.get(bd.whole.kind) == fam and _may_be_part(fig, bd):
        bd.parts.append(fig)
    elif bd is not None and (fig.key == bd.whole.key or _FAMILY.get(bd.whole.kind) == fam):
        st.open_parts.pop(x.depth, None)
        bd = None
    if bd is None:
        whole = _whole_for(fig, x, ctx)
        if whole is not None:
            marker = "括号" if x.depth > whole.depth else "其中"
            if "含" in x.label[:3]:
                marker = "含"
            bd = Breakdown(whole, [fig], marker)
            out.breakdowns.append(bd)
            st.open_parts[x.depth] = bd
    if bd is not None and "其他" in x.label:
        bd.catch_all = True


def _may_be_part(fig: Figure, bd: Breakdown) -> bool:
    """A figure can join a 其中 list unless it restates the whole or one of its wholes."""
    part_of = vocabulary().part_of
    key = bd.whole.key
    while key:
        if fig.key == key:
            return False
        key = part_of.get(key)
    return True


def _whole_for(fig: Figure, x: _N, ctx: _Context) -> Figure | None:
    """The whole a new part list splits: the figure before 其中, or before the bracket."""
    st = x.st
    fam = _FAMILY.get(fig.kind)
    if x.depth > 0:
        open_at = st.opens[x.n.start]
        before = st.before(x.depth - 1, fam, open_at)
        if before and not st.text[before[-1].start + len(before[-1].raw):open_at].strip():
            return before[-1]
    level = st.before(x.depth, fam, x.n.start, exclude=fig)
    since = level[-1].start + len(level[-1].raw) if level else max(0, x.n.start - _LABEL_MAX)
    between = st.text[since:x.n.start]        # 其中 may stand in a clause of its own (其中,A…)
    if not _PART_MARK.search(between) and "含" not in x.label[:3]:
        return None
    if not level and st.text.lstrip(",:").startswith("其中"):
        level = [f for f in ctx.wholes if _FAMILY.get(f.kind) == fam]
    return _best_whole(fig, level)


def _best_whole(part: Figure, candidates: list[Figure]) -> Figure | None:
    """The whole a part belongs to: the latest candidate its key is part of, else the latest."""
    if not candidates:
        return None
    part_of = vocabulary().part_of
    parents = set()
    key = part_of.get(part.key)
    while key:
        parents.add(key)
        key = part_of.get(key)
    for f in reversed(candidates):
        if f.key in parents:
            return f
    return candidates[-1]


# -- one sentence ------------------------------------------------------------------------------

def _read_number(x: _N, ctx: _Context, out: Extraction) -> Figure | None:
    """Read one number, trying in turn: rank, change, pair, previous year, labelled figure."""
    if x.unit in NOT_QUANTITY or (x.n.loose and x.st.s.row is None):
        return None
    if _read_rank(x, ctx, out):
        return None
    picked = _pick_term(x)
    adjacent = picked is not None and not x.st.voc.terms[picked[3]].key.startswith("@") and \
        bool(_ADJACENT.match(x.st.text[picked[2]:x.n.start]))
    if not adjacent and (_read_change(x, ctx, out) or _read_pair(x, ctx, out)):
        return None
    if _read_prev(x, picked, ctx, out):
        return None
    if x.unit == "分" and "每" in x.label:     # a scoring standard (每个扣0.5分)
        return None
    return _read_labelled(x, picked, ctx, out)


def _header_unit(x: _N) -> Num:
    """A table cell's number takes the unit of its column header (``（万元）``) when it has none."""
    if x.n.unit:
        return x.n
    hu = _HEADER_UNIT.search(x.label)
    if not hu:
        return x.n
    n = x.n
    return Num(n.start, n.end, n.num, hu.group(1), n.value, n.places, n.approx, False, n.raw)


def extract_sentence(sentence: Sentence, ctx: _Context, out: Extraction,
                     modules: Modules | None = None) -> None:
    """Find the figures of one sentence and append them to ``out``."""
    st = _Sent.of(sentence, vocabulary(), modules or default_modules())
    text = st.text
    for n in scan_numbers(text):
        cs = max(st.clause[n.start] if n.start < len(st.clause) else 0, n.start - _LABEL_MAX)
        x = _N(n, st, cs, text[cs:n.start], st.depth[n.start] if n.start < len(st.depth) else 0)
        x.n = _header_unit(x)
        fig = _read_number(x, ctx, out)
        if fig is not None:
            _parts_of(fig, x, ctx, out)
            st.remember(fig)
    _cn_ranks(st, ctx, out)
    wholes = [f for f in st.figures if f.kind in ("amount", "count", "score") and f.depth == 0]
    if wholes:
        ctx.wholes = wholes[-8:]


def _cn_ranks(st: _Sent, ctx: _Context, out: Extraction) -> None:
    """Ranks written in Chinese numerals: 排名第三."""
    for m in _CN_RANK.finditer(st.text):
        value = Decimal(_cn_int(m.group("cn")))
        subject = ctx.last_subject or "unknown"
        fig = Figure(f"rank:{subject}", key_name(f"rank:{subject}"), "rank", value, "名",
                     f"第{m.group('cn')}", 0, Decimal(1), st.s, m.group(0), subject=subject,
                     start=m.start())
        out.figures.append(fig)


def _cn_int(text: str) -> int:
    digits = "零一二三四五六七八九"
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (digits.index(tens) if tens else 1) * 10 + (digits.index(ones) if ones else 0)
    return digits.index(text)
