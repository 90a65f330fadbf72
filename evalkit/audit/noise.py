"""Noise is not data: the numbers of dates, document numbers, codes, enumerators, page chrome,
formulas, instructions and thresholds are masked before figures are read.

:func:`mask` returns a copy of a (normalised) sentence of the same length in which every noise
character is replaced by :data:`MASK`, so offsets stay valid and the sentence is still printed as
written. The word lists (chrome lines, instruction and threshold words) are in
``vocabulary.yaml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .vocab import alternation, vocabulary

MASK = "\ue000"

# codes mixing digits with Latin letters or _ / -: zsjfzzx/2025-00002, 510000_0013zp, P1.5LED
_CODES = r"(?<![0-9A-Za-z_])(?=[0-9A-Za-z_./\-]*\d)(?=[0-9A-Za-z_./\-]*[A-Za-z_])[0-9A-Za-z_./\-]+"

_PATTERNS = [
    # dates and times: 2022-03-14 17:01, 2025/4/29, 2021年12月31日, 12月底, 17:01
    r"\d{4}\s?[-—~至到]\s?\d{4}年?度?",
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s?\d{1,2}:\d{2}(?::\d{2})?)?",
    r"\d{4}年度?(?:\d{1,2}月(?:份|\d{1,2}[日号])?)?",
    r"(?<![\d.])\d{1,2}\s?[—\-~～至到]\s?\d{1,2}(?:月份?|季度|日)",
    r"(?<![\d.])\d{1,2}月(?:份|\d{1,2}[日号])?(?:底|末|初|中旬|上旬|下旬)?",
    r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?",
    r"(?<![\d.])\d{1,2}日",
    # document numbers: 〔2022〕2号, [2022]12号, 第3号, 2号
    r"[〔\[【(]\s?\d{4}\s?[〕\]】)]\s?第?\d+\s?号",
    r"第?\d+号",
    _CODES,
    # phone numbers, ID numbers and other long digit runs that are not amounts
    r"(?<![\d.,])1[3-9]\d{9}(?!\d)",
    r"(?<![\d.,])0\d{2,3}-\d{7,8}(?!\d)",
    r"(?<![\d.,])\d{9,}(?![\d.,]|元)",
    # enumerators: 3.部门…, 1、银川…, (1) at a clause start, 第3条, 指标2:, 附件2, 表1
    r"(?<![\d.])\d{1,2}[、.](?=[\u4e00-\u9fff(“\"《])",
    r"(?:^|(?<=[。;:,!?、\s]))[(]\d{1,2}[)]",
    r"第\d+(?:条|章|节|部分|页|期|批|次会议|届)",
    r"指标\d+(?=[:]|$)",
    r"(?:^|(?<=[\s。,;:(|]))(?:附件|附表|表|图)\d+",
    # page chrome: (5页珍藏版), 共5页, 第3页, 5页
    r"[(][^()]{0,4}\d+页[^()]{0,6}[)]",
    r"共?\d+页",
    # formulas: …×100%, (B/A)
    r"[×*xX]\s?100\s?%",
]


@lru_cache(maxsize=1)
def _light() -> re.Pattern:
    """The span patterns without the codes one (a stream keeps ``3M.8万元`` for its ``3``)."""
    return re.compile("|".join(f"(?:{p})" for p in _PATTERNS if p != _CODES))


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    voc = vocabulary()
    spans = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
    instructions = re.compile(alternation(voc.words("instructions"))
                              + r"|[=＝]|每.{0,8}[扣得减加]|以.{1,12}为准")
    thresholds = re.compile(rf"(?:{alternation(voc.words('thresholds'))})\s?(\d+(?:\.\d+)?\s?%)"
                            r"|\d+(?:\.\d+)?\s?%(?:及?以上|及?以下)")
    chrome = re.compile(rf"^\s*[-*·•]?\s*(?:{alternation(voc.words('chrome_lines'))})\s*[:：]")
    return spans, instructions, thresholds, chrome


_CLAUSE = re.compile(r"[^,;。!?()|]+")


def is_chrome_line(line: str) -> bool:
    """A line of page chrome: ``发布时间:…``, ``- 索引号: …``, ``编辑: … | 2019-07-11 |``."""
    return bool(_compiled()[3].match(line))


def noise_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text`` that are noise (may overlap)."""
    spans_re, instr_re, thr_re, _ = _compiled()
    out = [m.span() for m in spans_re.finditer(text)]
    for m in _CLAUSE.finditer(text):
        if instr_re.search(m.group(0)):
            out.append(m.span())
    for m in thr_re.finditer(text):
        out.append(m.span(1) if m.group(1) else m.span())
    return out


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = MASK
    return "".join(chars)


def mask(text: str) -> str:
    """``text`` with every noise character replaced by :data:`MASK` (same length)."""
    return _apply(text, noise_spans(text))


def mask_light(text: str) -> str:
    """Dates, numbers of documents, enumerators and page chrome masked; codes and clauses kept
    (for a scoring sheet read as a stream, whose cells are not sentences)."""
    return _apply(text, [m.span() for m in _light().finditer(text)])


__all__ = ["MASK", "mask", "mask_light", "noise_spans", "is_chrome_line"]
