"""Find and mask personal data written where it does not belong.

The personal columns of the petition register are dropped at load (:mod:`evalkit.io.pii`). This
module looks for personal data that slipped into what is kept: every kept text column (所属镇街,
项目名称, 资金来源, 扣分原因 …), the prose of ``department.yaml`` and every file name that reaches
an output. It finds

* 18-character resident ID numbers (17 digits and a check digit 0–9/X) with a region code and a
  possible birth date; a wrong check digit does not make a typed number less personal;
* mobile numbers (``1[3-9]`` + 9 digits, optionally ``+86`` and spaced in 3-4-4 groups);
* landline numbers with an area code (``020-82712345``, ``(0755)12345678``, ``02082712345``);
* the names seen in the register's 信访人姓名 column, as salted hashes (:class:`NameIndex`), so no
  name is kept in memory longer than the load or written anywhere in clear.

A hit is replaced by :data:`MASK` and reported by the caller as a located warning (whose shown
value is the masked text).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

MASK = "＊＊＊"
"""What a hit is replaced with in every output."""

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?![0-9A-Za-z])")
_LANDLINE_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:\(0[1-9]\d{1,2}\)\s?|0[1-9]\d{1,2}[-\s]?)[2-9]\d{6,7}"
    r"(?:-\d{1,4})?(?![0-9A-Za-z])")
_DIGITS_RE = re.compile(r"(?:\d[-\s()]{0,2}){7}")
_HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf·]{2,}")
_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                            | {"Ｘ": "X", "ｘ": "x", "－": "-", "（": "(", "）": ")", "＋": "+",
                               "\u3000": " "})
"""Full-width digits and signs to ASCII, one character for one (positions are kept)."""

_D = "[0-9０-９]"
_S = "[-\\s()（）－\\x{3000}]"
PREFILTER_RE2 = (f"{_D}{{17}}[0-9Xx０-９Ｘｘ]"                                    # ID number
                 f"|[1１][3-9３-９]{_D}(?:{_S}?{_D}{{4}}){{2}}"                   # mobile
                 f"|[0０][1-9１-９]{_D}{{1,2}}{_S}{{0,2}}[2-9２-９]{_D}{{6}}")     # landline
"""RE2 (Arrow) pattern that every ID or phone hit matches (a superset, without the boundary
and birth-date checks): cells that do not match are not scanned in Python."""
HAN_RE2 = "[\\x{3400}-\\x{9fff}]{2}"

KINDS = {"id": ("身份证号码", "ID number"), "mobile": ("手机号码", "mobile number"),
         "landline": ("固定电话号码", "landline number"), "name": ("信访人姓名", "petitioner name")}
NAME_LENGTHS = (2, 3, 4)
"""Names are looked for as runs of 2–4 Han characters (with · for minority names up to 8)."""
NAME_CELL_CHARS = (2, 12)
"""Shortest and longest 信访人姓名 cell indexed as a name (blank, one-character and very long
cells are skipped)."""
NAME_CHARS = (2, 8)
"""Shortest and longest name indexed (after normalisation)."""


def check_digit_ok(text: str) -> bool:
    """The ISO 7064 MOD 11-2 check digit of an 18-character ID number is right.

    >>> check_digit_ok("11010519491231002X"), check_digit_ok("110105194912310021")
    (True, False)
    """
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == text[17].upper()


def looks_like_id(text: str) -> bool:
    """17 digits + check digit, a region code (first digit 1–8) and a possible birth date.

    >>> looks_like_id("110101199003077777"), looks_like_id("440183209901011234")
    (True, False)
    """
    if len(text) != 18 or not text[:17].isdigit() or text[0] not in "12345678":
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def _name_key(salt: str) -> bytes:
    return hashlib.sha256(f"evalkit-name:{salt}".encode()).digest()


_HAN_ONLY_RE = re.compile(r"[\u4e00-\u9fff]+")


def _normal_name(text: str) -> str:
    """NFKC, no whitespace, upper-case (a name of CJK ideographs only is already so)."""
    if _HAN_ONLY_RE.fullmatch(text):
        return text
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


NAME_HASH_BYTES = 10
"""Size of the keyed BLAKE2b of a name in the index (20 hex characters)."""


@dataclass
class NameIndex:
    """The names of one register as keyed BLAKE2b digests (never the names themselves)."""

    salt: str
    hashes: frozenset[str] = frozenset()
    lengths: frozenset[int] = frozenset()

    @functools.cached_property
    def key(self) -> bytes:
        """The BLAKE2b key derived from the salt."""
        return _name_key(self.salt)

    def digest(self, name: str) -> str:
        """Keyed BLAKE2b of a normalised name (the salt is the key): 20 hex characters."""
        return hashlib.blake2b(name.encode(), key=self.key,
                               digest_size=NAME_HASH_BYTES).hexdigest()

    @classmethod
    def from_names(cls, names: Iterable[Any], salt: str | None = None, *,
                   normal: Iterable[str] = ()) -> "NameIndex":
        """Index the distinct names (blank, one-character and very long cells are skipped).

        ``normal``: names known to be normal already (2–8 CJK ideographs, as most are),
        indexed as they are."""
        index = cls(salt or secrets.token_hex(16))
        lo, hi = NAME_CELL_CHARS
        seen = {_normal_name(n) for n in names if isinstance(n, str) and lo <= len(n) <= hi}
        seen = {n for n in seen if NAME_CHARS[0] <= len(n) <= NAME_CHARS[1]
                and not any(c.isdigit() for c in n)}
        seen.update(normal)
        # the key block hashed once, then copied
        keyed = hashlib.blake2b(key=index.key, digest_size=NAME_HASH_BYTES)
        hashes = set()
        for n in seen:
            h = keyed.copy()
            h.update(n.encode())
            hashes.add(h.hexdigest())
        index.hashes = frozenset(hashes)
        index.lengths = frozenset(len(n) for n in seen)
        return index

    def find(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every name of the index in ``text`` (Han runs only).

        A two-character name counts only at an edge of its run of Han characters (``何强`` in
        ``任何强制`` is not the petitioner 何强; ``何强反映`` or ``（何强）`` is).
        """
        if not self.hashes:
            return []
        hits: list[tuple[int, int]] = []
        for run in _HAN_RUN_RE.finditer(text):
            word = run.group()
            for i in range(len(word)):
                n = self._match_at(word, i)
                if n:
                    hits.append((run.start() + i, run.start() + i + n))
        return hits

    def _match_at(self, word: str, i: int) -> int:
        """Length of the longest indexed name starting at ``word[i]`` (0 when none)."""
        for n in sorted(self.lengths, reverse=True):
            if i + n > len(word) or (n == 2 and 0 < i and i + n < len(word)):
                continue
            if self.digest(word[i:i + n]) in self.hashes:
                return n
        return 0


@dataclass
class Finding:
    """What :meth:`Scanner.mask` found in one text."""

    masked: str
    kinds: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "、".join(dict.fromkeys(KINDS[k][0] for k in self.kinds))

    @property
    def label_en(self) -> str:
        return ", ".join(dict.fromkeys(KINDS[k][1] for k in self.kinds))


@dataclass
class Scanner:
    """ID/phone patterns plus the names of a register."""

    names: NameIndex | None = None

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, kind)`` of every hit, overlapping hits merged."""
        ascii_text = text.translate(_FULL_WIDTH)
        found: list[tuple[int, int, str]] = []
        if _DIGITS_RE.search(ascii_text):
            found += [(m.start(), m.end(), "id") for m in _ID_RE.finditer(ascii_text)
                      if looks_like_id(m.group())]
            found += [(m.start(), m.end(), "mobile") for m in _MOBILE_RE.finditer(ascii_text)]
            found += [(m.start(), m.end(), "landline")
                      for m in _LANDLINE_RE.finditer(ascii_text)]
        if self.names is not None:
            found += [(a, b, "name") for a, b in self.names.find(text)]
        found.sort()
        merged: list[tuple[int, int, str]] = []
        for a, b, kind in found:
            if merged and a < merged[-1][1]:
                pa, pb, pk = merged[-1]
                merged[-1] = (pa, max(pb, b), pk)
            else:
                merged.append((a, b, kind))
        return merged

    def mask(self, text: str) -> Finding | None:
        """The text with every hit replaced by :data:`MASK`, or None when nothing was found."""
        if not isinstance(text, str) or len(text) < 2:
            return None
        spans = self.spans(text)
        if not spans:
            return None
        out, last = [], 0
        for a, b, _ in spans:
            out.append(text[last:a])
            out.append(MASK)
            last = b
        out.append(text[last:])
        return Finding("".join(out), [k for _, _, k in spans])

    def clean(self, text: Any) -> Any:
        """``text`` masked (anything that is not a string is returned unchanged)."""
        if not isinstance(text, str):
            return text
        found = self.mask(text)
        return text if found is None else found.masked


def walk_strings(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    """``(key path, string)`` of every string in nested dicts/lists (``a.b[0]``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk_strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from walk_strings(v, f"{path}[{i}]")


def map_strings(value: Any, fn) -> Any:
    """A copy of nested dicts/lists with ``fn`` applied to every string value (keys unchanged)."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(map_strings(v, fn) for v in value)
    return value
