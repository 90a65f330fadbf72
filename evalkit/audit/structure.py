"""Prose structure beyond single figures: a count and the list it counts, 年初 + 年中增加 = 共.

* ``“信访补贴”“信访事务”…等5个项目`` (quoted items), ``10个，即A、B、C…`` / ``包括A、B、C``
  (an announced list) and ``A、B、C等3个`` (a list before the count) are :class:`CountList`;
* ``实施项目共15个 … 年初批复8个项目 … 年中增加8个项目`` is a :class:`PhaseSet` (one noun, one
  sentence, outside brackets).
"""

from __future__ import annotations

import re

from .model import CountList, Extraction, Figure, PhaseSet, Sentence

_QUOTED = re.compile(r"(?:[“\"][^”\"]{1,30}[”\"]、?){2,}")
_ANNOUNCE = re.compile(r"^[\u4e00-\u9fff]{0,8}?[,:]?(?:即|分别是|分别为|包括|具体为|具体是|:)")
_LIST_END = re.compile(r"[。;]")
_CLASSIFIERS = ("个", "项", "家", "所", "名", "位", "条", "台", "场", "篇", "座", "处", "套", "批", "宗", "件")
_TOTAL = re.compile(r"共|合计|总计|累计")
_WINDOW = 400        # a list is read within this many characters of its count
_ADDED = re.compile(r"年中(?:增加|追加|新增|调增)|新增|追加")


def _top_split(text: str, sep: str = "、") -> list[str]:
    """Split at ``sep`` outside brackets and quotes."""
    items, depth, cur = [], 0, []
    for ch in text:
        if ch in "(“":
            depth += 1
        elif ch in ")”" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [i.strip() for i in items if i.strip()]


def _sentence_counts(s: Sentence, figs: list[Figure]) -> list[Figure]:
    return [f for f in figs if f.sentence is s and f.kind == "count" and f.depth == 0
            and not f.approx and f.printed_unit in _CLASSIFIERS]


def _list_after(s: Sentence, f: Figure) -> list[str] | None:
    """``10个，即A、B、C`` → [A, B, C]."""
    after = s.text[f.start + len(f.raw):f.start + len(f.raw) + _WINDOW]
    m = _ANNOUNCE.match(after)
    if not m:
        return None
    rest = after[m.end():]
    end = _LIST_END.search(rest)
    items = _top_split(rest[:end.start()] if end else rest)
    return items if len(items) >= 2 else None


def _list_before(s: Sentence, f: Figure) -> tuple[list[str], str, bool] | None:
    """The quoted items or 、-list right before the count: (items, pattern, 等 present)."""
    head = s.text[max(0, f.start - _WINDOW):f.start]
    clause = re.split(r"[,;。:]", head)[-1]
    etc = bool(re.search(r"(?:等|寺)$", clause))
    clause = re.sub(r"(?:等|寺|共|合计)+$", "", clause)
    q = _QUOTED.search(clause)
    if q and q.end() >= len(clause) - 1:
        return re.findall(r"[“\"]([^”\"]+)[”\"]", q.group(0)), "quoted", etc
    items = _top_split(clause)
    if len(items) >= 2 and not any(re.search(r"\d", i) for i in items):
        return items, "listed", etc
    return None


def read_count_lists(s: Sentence, figs: list[Figure], out: Extraction) -> None:
    """Counts stated with the list of what they count."""
    for f in _sentence_counts(s, figs):
        items = _list_after(s, f)
        if items is not None:
            out.count_lists.append(CountList(f, items, "enumerated"))
            continue
        got = _list_before(s, f)
        if got is None:
            continue
        items, pattern, etc = got
        if etc and len(items) < f.value:
            continue        # A、B等5个: an example list, not a claim that it is complete
        out.count_lists.append(CountList(f, items, pattern, partial=etc))


def _noun(f: Figure) -> str:
    return f.key.split(":", 1)[1] if f.key.startswith("count:") else ""


def _same_noun(a: str, b: str) -> bool:
    return bool(a and b) and (a.endswith(b) or b.endswith(a))


def read_phases(s: Sentence, figs: list[Figure], out: Extraction) -> None:
    """共N个 = 年初M个 + 年中增加K个 (counts of one noun in one sentence, outside brackets)."""
    counts = [f for f in figs if f.sentence is s and f.kind == "count" and f.depth == 0
              and not f.approx]
    totals = [f for f in counts if _TOTAL.search(f.label)]
    initial = [f for f in counts if "年初" in f.label and f not in totals]
    added = [f for f in counts if _ADDED.search(f.label) and f not in totals]
    for t in totals:
        noun = _noun(t)
        i = next((f for f in initial if _same_noun(_noun(f), noun)), None)
        a = next((f for f in added if _same_noun(_noun(f), noun)), None)
        if i is not None and a is not None:
            out.phases.append(PhaseSet(t, i, a, noun))


def read_sentence(s: Sentence, figs: list[Figure], out: Extraction) -> None:
    """Read the structures of one prose sentence (``figs``: the figures extracted from it)."""
    if not figs:
        return
    read_count_lists(s, figs, out)
    read_phases(s, figs, out)


__all__ = ["read_count_lists", "read_phases", "read_sentence"]
