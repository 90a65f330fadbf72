"""Scoring sheets flattened into text (PDF exports, OCR): read as a stream of names and numbers.

A PDF export of a 自评表 puts each row's cells one after the other (``相关性(5分) 5 明确性(5分) 5``,
``完整性4…4``); OCR glues them together (``64.864.864.8100%``). Such a sentence is a *stream*:
:func:`is_stream` recognises it (indicator headers, three or more ``名称(N分)``, glued cells), and
:func:`extract_streams` reads it:

* ``名称(N分)`` is a weighted group; ``名称(N分) S`` (a weight in the name, one number after it)
  an indicator with weight N and score S; ``名称 W … S`` an indicator with weight W and score S
  (text and numbers with units between them are its target / actual values);
* groups nest by their weights (a group holds what fits in it; a full group is closed);
* ``自评得分98`` (a form field) is the stated total score; ``年初预算数 … 执行率 64.864.864.8100%``
  (column names followed by glued numbers) is split into one number per column when exactly one
  split is consistent.

Everything read from a stream carries a doubt: checks on it are OK or 未核对, never a mismatch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .extract import Modules
from .model import INDICATOR_PREFIX, BudgetRow, Extraction, Figure, Group, Indicator, Sentence, key_name
from .noise import MASK, mask_light
from .numbers import NUMBER_RE, places_of
from .vocab import vocabulary

STREAM_DOUBT = "表格被展平为文本且无表头，单元格顺序由文本推断"
OCR_DOUBT = "OCR 文本，数字与单元格分界不确定"
_HEADER = re.compile(r"一级指\s?标.{0,8}二级指标|二级指标.{0,8}三级指标")
_WEIGHTED = re.compile(r"[\u4e00-\u9fff][(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]")
_ANY_WEIGHT = re.compile(r"[(（]\s*\d+(?:\.\d+)?\s*分\s*[)）]")
_CELL_PAIR = re.compile(r"(?<![\d.])\d+(?:\.\d+)? \d+(?:\.\d+)?(?![\d.])")
_LOOSE = re.compile(r"[\u4e00-\u9fff)]\s?\d+(?:\.\d+)?(?![\d.%])(?![年月日个件次项人名万元分天])\s?[\u4e00-\u9fff]")
_OCR_TEN = re.compile(r"(?<=[\u4e00-\u9fff%人])[Il][O0o](?=[\u4e00-\u9fff])")
_TOKEN = re.compile(
    r"(?P<gname>[\u4e00-\u9fff]{2,16})[(（]\s*(?P<gw>\d+(?:\.\d+)?)\s*分?\s*[)）]"
    r"|[(（](?P<gname2>[\u4e00-\u9fff]{2,8})\s*(?P<gw2>\d+(?:\.\d+)?)\s*分\s*[)）]"
    r"|(?P<orphan>[(（]\s*\d+(?:\.\d+)?\s*分?\s*[)）]|(?<![\d.])\d+\s*分\s*[)）])")
_FIELD = re.compile(r"(?:自评得分|自评总分|综合得分|总得分)\s?(?P<n>\d+(?:\.\d+)?)(?![\d.])(?!分值)")
_GLUED_RUN = re.compile(r"\d[\d.]*\d%?|\d%")
_PIECE = re.compile(r"^(?:0|[1-9]\d{0,7})(?:\.\d{1,2})?$")
_VALUE_UNITS = {"%", "人", "万元", "元", "个", "件", "次", "项", "份", "名", "家", "户", "台", "天", "亿元"}
_OPTIONAL = re.compile(r"可选|选填")
_MONEY_PCT = {"%", "万元", "元", "亿元", "分"}


def is_stream(s: Sentence, previous: bool = False) -> bool:
    """A sentence that is a scoring sheet flattened into text (see the module docstring)."""
    if s.row is not None:
        return False
    text = s.text
    if _HEADER.search(text) or len(_WEIGHTED.findall(text)) >= 3:
        return True
    if len(_ANY_WEIGHT.findall(text)) >= 3 and len(_CELL_PAIR.findall(text)) >= 2:
        return True
    loose = len(_LOOSE.findall(text))
    if s.glued and loose >= 3:
        return True
    return previous and (loose >= 2 or bool(_WEIGHTED.search(text))
                         or not re.search(r"\d", s.masked or text))


# ------------------------------------------------------------------------------------ tokens

@dataclass
class _Tok:
    kind: str            # group | orphan | num | text
    start: int
    end: int
    text: str
    name: str = ""
    weight: str = ""
    unit: str = ""
    num: str = ""


def _tokens(text: str, used: list[tuple[int, int]]) -> list[_Tok]:
    """Groups, numbers and text runs of a stream sentence (``used`` spans skipped)."""
    toks: list[_Tok] = []
    spans: list[tuple[int, int, _Tok]] = []
    for m in _TOKEN.finditer(text):
        if m.group("orphan"):
            spans.append((m.start(), m.end(), _Tok("orphan", m.start(), m.end(), m.group(0))))
        else:
            name = _group_name(m.group("gname") or m.group("gname2"))
            w = m.group("gw") or m.group("gw2")
            spans.append((m.start(), m.end(), _Tok("group", m.start(), m.end(), m.group(0),
                                                   name, w)))
    taken = sorted([(a, b) for a, b, _ in spans] + used)
    k = 0
    for m in NUMBER_RE.finditer(text):
        while k < len(taken) and taken[k][1] <= m.start():
            k += 1
        if k < len(taken) and taken[k][0] <= m.start():
            continue
        unit = m.group("unit") or ""
        end = m.end()
        if unit and unit not in _MONEY_PCT and re.match(r"[A-Za-z]", text[end:end + 1]):
            unit, end = "", m.end("num")        # 7项Fl实施 is OCR for 7 项目实施
        spans.append((m.start(), end, _Tok("num", m.start(), end, text[m.start():end], unit=unit,
                                           num=m.group("num"))))
    spans.sort(key=lambda t: t[0])
    pos = 0
    for a, b, tok in spans:
        if a > pos:
            _text_tok(text, pos, a, toks)
        toks.append(tok)
        pos = max(pos, b)
    _text_tok(text, pos, len(text), toks)
    return _split_glued_values(toks)


def _group_name(name: str) -> str:
    """Trim header words glued before a group name (``…改进措施项目决策`` → 项目决策)."""
    voc = vocabulary()
    if name in voc.generic_modules or len(name) <= 6:
        return name
    for m in sorted(voc.generic_modules, key=len, reverse=True):
        if name.endswith(m):
            return m
    cut = None
    for m in voc.column_re.finditer(name):
        cut = m.end()
    if cut is not None and cut < len(name) - 1:
        return re.sub(r"^(?:分析|及|和|与|改进措施)+", "", name[cut:]) or name
    return name


def _text_tok(text: str, a: int, b: int, toks: list[_Tok]) -> None:
    chunk = text[a:b].replace(MASK, "")
    if re.search(r"[\u4e00-\u9fff]", chunk):
        toks.append(_Tok("text", a, b, chunk.strip(" ,.:;|")))


def _split_glued_values(toks: list[_Tok]) -> list[_Tok]:
    """``102370人 2370人`` (weight glued to a repeated value) → ``10``, ``2370人``, ``2370人``."""
    out: list[_Tok] = []
    for i, t in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.kind == "num" and t.unit and nxt is not None and nxt.kind == "num" \
                and nxt.unit == t.unit and len(t.num) > len(nxt.num) and t.num.endswith(nxt.num):
            head = t.num[: len(t.num) - len(nxt.num)]
            out.append(_Tok("num", t.start, t.start + len(head), head, num=head))
            out.append(_Tok("num", t.start + len(head), t.end, nxt.text, unit=t.unit, num=nxt.num))
            continue
        out.append(t)
    return out


# ----------------------------------------------------------------------------- glued budget

def split_glued(run: str, k: int) -> list[str] | None:
    """Split a glued run of ``k`` numbers (the last may carry %) when exactly one split fits.

    Pieces have at most two decimals and no leading zeros; among the splits, those whose
    amounts all print the same number of decimals are preferred (forms print uniformly).

    >>> split_glued("64.864.864.8100%", 4)
    ['64.8', '64.8', '64.8', '100%']
    """
    pct = run.endswith("%")
    digits = run.rstrip("%")
    found: list[list[str]] = []

    def walk(pos: int, pieces: list[str]) -> None:
        if len(found) > 50:
            return
        if len(pieces) == k - 1:
            last = digits[pos:]
            if _PIECE.match(last):
                found.append(pieces + [last])
            return
        for end in range(pos + 1, len(digits)):
            piece = digits[pos:end]
            if _PIECE.match(piece) and (end == len(digits) or digits[end] != "."):
                walk(end, pieces + [piece])

    walk(0, [])
    uniform = [f for f in found if len({places_of(p) for p in f[:-1] if True}) <= 1]
    best = uniform or found
    if len(best) != 1:
        return None
    pieces = best[0]
    return pieces[:-1] + [pieces[-1] + ("%" if pct else "")]


def _glued_budget(s: Sentence, text: str, out: Extraction) -> list[tuple[int, int]]:
    """Column names followed by a glued run of numbers: the 预算资金 total row of an OCR form."""
    voc = vocabulary()
    cols = [(m.start(), m.end(), voc.column_of[m.group(0)]) for m in voc.column_re.finditer(text)]
    roles = [(a, b, r) for a, b, r in cols if r in ("initial", "budget", "actual", "rate")]
    for run in _GLUED_RUN.finditer(text):
        before = [r for r in roles if r[1] <= run.start() and run.start() - r[1] < 60]
        if len(before) < 3 or "." not in run.group(0):
            continue
        seq = []
        for _a, _b, r in before:
            if not seq or seq[-1] != r:
                seq.append(r)
        pieces = split_glued(run.group(0), len(seq))
        if pieces is None:
            out.notes.append(f"{s.where}：粘连数字「{run.group(0)}」无法唯一拆分为{len(seq)}列，未读取")
            continue
        _budget_figures(s, seq, pieces, run.start(), out)
        return [run.span()]
    return []


def _budget_figures(s: Sentence, roles: list[str], pieces: list[str], start: int,
                    out: Extraction) -> None:
    keys = {"initial": "budget.initial_budget_wan", "budget": "budget.total_budget_wan",
            "actual": "budget.total_actual_wan", "rate": "budget.execution_rate_pct"}
    row = BudgetRow(s, "年度资金总额", "total", block=-s.index)
    doubt = "OCR 粘连数字，按列拆分"
    for role, piece in zip(roles, pieces):
        num = piece.rstrip("%")
        places = places_of(num)
        kind = "rate" if role == "rate" else "amount"
        fig = Figure(keys[role], key_name(keys[role]), kind, Decimal(num),
                     "%" if kind == "rate" else "万元", piece, places,
                     Decimal(1).scaleb(-places), s, f"年度资金总额·{role}", start=start,
                     doubt=doubt, printed_unit="%" if kind == "rate" else "万元")
        row.cells[role] = fig
        out.figures.append(fig)
    out.budget_rows.append(row)


# ------------------------------------------------------------------------------------ parser

@dataclass
class _Row:
    name: str
    s: Sentence
    bare: list[_Tok] = field(default_factory=list)
    values: list[_Tok] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    slots: list[object] = field(default_factory=list)   # target/actual cells in order
    weight_from_group: str = ""


@dataclass
class _Parser:
    out: Extraction
    modules: Modules
    table: int
    has_values: bool = False
    stack: list[Group] = field(default_factory=list)
    row: _Row | None = None
    last_group: _Tok | None = None
    roots: list = field(default_factory=list)
    doubt: str = STREAM_DOUBT
    used: dict[int, Decimal] = field(default_factory=dict)     # id(group) → weight placed in it
    parent: dict[int, Group | None] = field(default_factory=dict)

    # -- groups
    def _remaining(self, g: Group) -> Decimal:
        return g.weight.value - self.used.get(id(g), Decimal(0))

    def _place(self, member, close: bool = True) -> None:
        """Add to the innermost open group; a full group is closed (after an indicator only:
        a group placed now may still turn out to be an indicator, ``相关性(5分) 5``)."""
        top = self.stack[-1] if self.stack else None
        (top.members if top is not None else self.roots).append(member)
        if top is not None and member.weight is not None:
            self.used[id(top)] = self.used.get(id(top), Decimal(0)) + member.weight.value
        if isinstance(member, Group):
            self.parent[id(member)] = top
        while close and self.stack and self._remaining(self.stack[-1]) <= 0:
            self.stack.pop().closed = True

    def group(self, tok: _Tok, s: Sentence) -> None:
        self.close_row()
        w = Decimal(tok.weight)
        while self.stack and self._remaining(self.stack[-1]) < w:
            self.stack.pop().closed = True      # a sibling started: all its members were seen
        fig = _fig(s, "weight.group", "weight", tok.weight, tok.start, tok.name, tok.name,
                   self.doubt)
        g = Group(tok.name, fig, len(self.stack) + 1, [], self.table)
        self.out.groups.append(g)
        self.out.figures.append(fig)
        self._place(g, close=False)
        self.stack.append(g)

    # -- rows
    def start_row(self, name: str, s: Sentence) -> None:
        self.close_row()
        self.row = _Row(name, s)

    def number(self, tok: _Tok, s: Sentence) -> None:
        if self.row is None:
            self.row = _Row(self.last_group.name if self.last_group else "", s)
            if self.last_group is not None and self.stack and self.stack[-1].name == \
                    self.last_group.name:
                self.row.weight_from_group = self.last_group.weight
        if tok.unit in _VALUE_UNITS:
            self.row.values.append(tok)
            self.row.slots.append(tok)
        elif not tok.unit:
            self.row.bare.append(tok)
            if len(self.row.bare) == 2 or (self.row.weight_from_group and len(self.row.bare) == 1):
                self.close_row()

    def text(self, tok: _Tok, s: Sentence) -> None:
        r = self.row
        if r is not None and r.bare and self.has_values:
            r.texts.append(tok.text)
            r.slots.append(tok.text)
            return
        if r is not None and not r.bare and not r.values:
            r.name = (r.name + tok.text)[-24:]
            return
        self.start_row(tok.text[-24:], s)

    def close_row(self) -> None:
        r, self.row = self.row, None
        if r is None or not (r.bare or r.values):
            return
        if r.weight_from_group:
            if self.stack and self.stack[-1].name == r.name:
                self._unplace(self.stack.pop())
            ind = self._indicator(r, r.weight_from_group, r.bare[0] if r.bare else None)
        else:
            w = r.bare[0] if r.bare else None
            sc = r.bare[1] if len(r.bare) > 1 else None
            ind = self._indicator(r, w.num if w else "", sc)
        if ind is not None:
            self._place(ind)

    def _unplace(self, g: Group) -> None:
        """A group that turned out to be an indicator (``相关性(5分) 5``): take it out again
        (it was the last group added, and the last member of its parent)."""
        if self.out.groups and self.out.groups[-1] is g:
            self.out.groups.pop()
        for i in range(len(self.out.figures) - 1, max(-1, len(self.out.figures) - 8), -1):
            if self.out.figures[i] is g.weight:
                del self.out.figures[i]
                break
        parent = self.parent.pop(id(g), None)
        holder = parent.members if parent is not None else self.roots
        if holder and holder[-1] is g:
            holder.pop()
            if parent is not None:
                self.used[id(parent)] -= g.weight.value

    def _indicator(self, r: _Row, weight: str, score: _Tok | None) -> Indicator | None:
        name = re.sub(r"^(?:指标\d*[:：]?)+", "", r.name.replace(":", "")).strip(" ,.、-")
        if name.count(")") >= 2 and name.rsplit(")", 1)[1].strip():
            name = name.rsplit(")", 1)[1].strip()
        if not name or (_OPTIONAL.search(name) and score is None):
            return None
        s = r.s
        ind = Indicator(s, name, self.modules.rightmost(self._module_name()), [name],
                        table=self.table, doubt=self.doubt)
        if weight:
            ind.weight = _fig(s, f"{INDICATOR_PREFIX}weight", "weight", weight, -1, name, name,
                              self.doubt)
        if score is not None:
            ind.score = _fig(s, f"{INDICATOR_PREFIX}score", "score", score.num, score.start,
                             name, name, self.doubt)
        for role, slot in zip(("target", "actual"), r.slots):
            if isinstance(slot, _Tok):
                self.out.figures.append(_value_fig(s, role, slot, name, self.doubt))
                slot = slot.text
            setattr(ind, role, slot)
        for f in (ind.weight, ind.score):
            if f is not None:
                self.out.figures.append(f)
        self.out.indicators.append(ind)
        return ind

    def _module_name(self) -> str:
        return self.stack[0].name if self.stack else ""


def _fig(s: Sentence, key: str, kind: str, num: str, start: int, label: str,
         scope: str, doubt: str) -> Figure:
    places = places_of(num)
    return Figure(key, key_name(key) if key != "weight.group" else f"{label}分值", kind,
                  Decimal(num), "分", f"{num}分" if kind != "weight" or key != "weight.group"
                  else f"({num}分)", places, Decimal(1).scaleb(-places), s, label, start=start,
                  scope=scope, doubt=doubt)


def _value_fig(s: Sentence, role: str, tok: _Tok, name: str, doubt: str) -> Figure:
    unit = tok.unit
    try:
        value = Decimal(tok.num.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - NUMBER_RE only matches numbers
        value = Decimal(0)
    places = places_of(tok.num)
    key = f"{INDICATOR_PREFIX}{role}"
    return Figure(key, key_name(key), "value", value, unit, tok.text, places,
                  Decimal(1).scaleb(-places), s, name, start=tok.start, scope=name,
                  doubt=doubt, printed_unit=unit)


def _form_fields(s: Sentence, text: str, out: Extraction, doubt: str) -> list[tuple[int, int]]:
    """``自评得分98`` in a form's heading cells: the stated total score."""
    used = []
    for m in _FIELD.finditer(text):
        num = m.group("n")
        places = places_of(num)
        fig = Figure("score.total", key_name("score.total"), "score", Decimal(num), "分",
                     f"{num}分", places, Decimal(1).scaleb(-places), s, m.group(0)[:-len(num)],
                     start=m.start("n"), doubt=doubt)
        out.figures.append(fig)
        out.table_totals.setdefault(-1000 - s.index, []).append(fig)
        used.append(m.span("n"))
    return used


def _roles_in_header(text: str) -> set[str]:
    voc = vocabulary()
    m = _HEADER.search(text)
    if not m:
        return set()
    window = text[m.start():m.start() + 80]
    return {voc.column_of[x.group(0)] for x in voc.column_re.finditer(window)}


def _doubt(sents: list[Sentence]) -> str:
    """OCR text is never certain; a flattened table without a header row neither."""
    if any(s.glued or _OCR_TEN.search(s.text) for s in sents):
        return OCR_DOUBT
    if not any(_HEADER.search(s.text) for s in sents):
        return STREAM_DOUBT
    return ""


def extract_streams(sents: list[Sentence], out: Extraction, modules: Modules) -> None:
    """Read consecutive stream sentences as one flattened scoring sheet."""
    table = -sents[0].index
    parser = _Parser(out, modules, table, doubt=_doubt(sents))
    total_key = None
    for s in sents:
        text = mask_light(_OCR_TEN.sub("10", s.text))
        roles = _roles_in_header(text)
        if roles:
            parser.has_values = bool(roles & {"target", "achieved"})
        used = _glued_budget(s, text, out) + _form_fields(s, text, out, parser.doubt)
        if used and total_key is None:
            total_key = -1000 - s.index
        header = _HEADER.search(text)
        start = header.end() if header else 0
        for tok in _tokens(text, used):
            if tok.end <= start:
                continue
            _feed(parser, tok, s)
    parser.close_row()
    if total_key is not None and total_key in out.table_totals:
        out.table_totals[table] = out.table_totals.pop(total_key)
    how = "OCR 文本" if parser.doubt == OCR_DOUBT else "展平为文本的表格"
    out.notes.append(f"{sents[0].where}：按文本流读取的评分表（{how}），"
                     f"{sum(1 for i in out.indicators if i.table == table)} 个指标")


def _feed(p: _Parser, tok: _Tok, s: Sentence) -> None:
    if tok.kind == "group":
        p.group(tok, s)
        p.last_group = tok
        return
    if tok.kind == "orphan":
        return
    if tok.kind == "num":
        if p.row is None and p.last_group is not None and not tok.unit \
                and p.stack and p.stack[-1].name == p.last_group.name \
                and not p.stack[-1].members:
            p.row = _Row(p.last_group.name, s, weight_from_group=p.last_group.weight)
        p.number(tok, s)
        p.last_group = None
        return
    p.last_group = None
    p.text(tok, s)


__all__ = ["OCR_DOUBT", "STREAM_DOUBT", "extract_streams", "is_stream", "split_glued"]
