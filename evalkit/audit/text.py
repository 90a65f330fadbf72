"""Text hygiene for the audit: control characters out, NFKC, whitespace that separates numbers.

Everything the audit reads goes through :func:`clean` (control characters, ANSI escape sequences,
zero-width and bidi-override characters removed) and :func:`normalize_line`; everything it prints
goes through :func:`printable`, so no byte of the audited file can drive the terminal or reach the
JSON output raw.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ … final byte (CSI), ESC ] … BEL / ESC \ (OSC), and any other ESC + one character
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|\x9b[0-?]*[ -/]*[@-~]")
# C0 (except tab/newline/CR) and C1 controls, DEL, zero-width characters, bidi overrides, BOM
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029"
                      "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]")
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e"
                          "\u2060-\u2064\u2066-\u2069\ufeff]")
_SPACE_RUN = re.compile(r"\s+")


def clean(text: str) -> str:
    """Remove escape sequences and invisible control characters (tabs and newlines stay).

    >>> clean("实际支出\\x1b[2J\\x1b[31m774.90\\x00万元\\u200b")
    '实际支出774.90万元'
    """
    if not text:
        return text
    return _CONTROL.sub("", _ANSI.sub("", text))


def printable(text: object) -> str:
    """A string safe to print or put in JSON: control characters shown as ``\\xNN`` escapes.

    Used for anything not read through :func:`clean` (file names, error messages).

    >>> printable("a\\x1b[2Jb")
    'a\\\\x1b[2Jb'
    """
    s = str(text)
    return _ANY_CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                            else f"\\u{ord(m.group(0)):04x}", s)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _gap(left: str, right: str) -> str:
    """What a whitespace run between ``left`` and ``right`` becomes.

    One space between two Latin letters (``Word report``) and between two digits (``5 5``: two
    table cells, never ``55``) — unless the left number ends in a dangling decimal point
    (``774. 90`` is 774.90). Nothing anywhere else (``98.95 %``, ``783.16万 元``, ``2017 年``).
    """
    if not left or not right:
        return ""
    if _is_latin(left[-1]) and _is_latin(right[0]):
        return " "
    if left[-1].isdigit() and right[0].isdigit():
        return " "
    return ""


def normalize_line(text: str) -> str:
    """Clean, NFKC, then collapse whitespace by :func:`_gap`.

    >>> normalize_line("实际支出 774. 90 万 元，执行率 ９８.９５ ％")
    '实际支出774.90万元,执行率98.95%'
    >>> normalize_line("年度资金总额: 0 0 0 10 0 0")
    '年度资金总额:0 0 0 10 0 0'
    """
    text = unicodedata.normalize("NFKC", clean(text))
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    text = text.strip()
    return _SPACE_RUN.sub(lambda m: _gap(text[m.start() - 1:m.start()], text[m.end():m.end() + 1]),
                          text)


_SENTENCE_END = frozenset("。!?;")


def line_joiner(prev: str, line: str, wrapped: bool) -> str:
    """What goes between two lines of one paragraph.

    Nothing, except: a space between Latin letters; a space between two digits (two cells on
    separate lines, ``43.2`` / ``43.2``) unless the upper line was wrapped by the page width
    (a long line not ending a sentence: a PDF export breaks a number anywhere) or ends in a
    dangling decimal point (``774.`` / ``90``).
    """
    if not prev or not line:
        return ""
    if _is_latin(prev[-1]) and _is_latin(line[0]):
        return " "
    if prev[-1].isdigit() and line[0].isdigit() and not wrapped:
        return " "
    return ""


def is_wrapped(line: str, width: int) -> bool:
    """A line broken by the page width: about as long as the longest line, no sentence end."""
    return width >= 16 and len(line) >= 0.8 * width and line[-1:] not in _SENTENCE_END


__all__ = ["clean", "printable", "normalize_line", "line_joiner", "is_wrapped"]
