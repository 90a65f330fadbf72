"""Numbers in a (normalised, masked) sentence: value, unit, decimals, approximation markers.

A number's unit is what is printed right after it. A classifier is only a unit when it does not
start a word (``15项目`` is not 15项, ``3个人`` is not 3个). A number with no unit that runs into
a Chinese character (``5页``, ``98财政``) has an unknown unit: prose never reads it as a figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

MONEY_UNITS = ("亿元", "万元", "千元", "元")
AMOUNT_SCALE = {"万元": Decimal(1), "元": Decimal("0.0001"), "千元": Decimal("0.1"),
                "亿元": Decimal(10000)}
AMOUNT_PLACES = {"万元": 0, "元": 4, "千元": 1, "亿元": -4}
COUNT_UNITS = ("件次", "人次", "户次", "件", "次", "个", "份", "人", "名", "位", "宗", "批", "家", "户",
               "条", "项", "台", "场", "篇", "期", "所", "处", "座", "间", "套", "辆", "张", "本", "册",
               "块", "元次")
#: classifiers and the characters that make them the start of a word instead (项目, 个人, 人员 …)
_NOT_AFTER = {
    "件": "数事", "次": "数年月日要序性级生会", "个": "人体别性", "份": "额子", "人": "员民数均大才口事力社身工群文类",
    "名": "称单义额录次列下牌", "位": "于置列居次数", "宗": "旨教", "批": "复准示次", "家": "庭长属具里乡",
    "户": "籍口外数", "条": "例件款线理块幅", "项": "目下上", "台": "账阶风", "场": "所地景馆", "期": "间限末初望待刊",
    "所": "在有属以需得谓长", "处": "理置罚于室分长", "间": "隔", "本": "级年部单局次着", "块": "钱",
    "分": "钟析别类配布解管局期成摊担之享批工段支行项值数", "元": "旦素",
}
_MEASURES = ("平方米", "公里", "千米", "米", "吨", "公斤", "千克", "亩", "小时", "分钟", "秒", "周", "年", "月",
             "日", "天", "季度", "倍", "岁", "页", "字")


def _unit_alternation() -> str:
    units = list(MONEY_UNITS) + ["个百分点", "百分点", "%", "‰"] + list(_MEASURES) + ["分"] + list(COUNT_UNITS)
    units.sort(key=len, reverse=True)
    parts = []
    for u in units:
        bad = _NOT_AFTER.get(u)
        parts.append(re.escape(u) + (f"(?![{bad}])" if bad else ""))
    return "|".join(parts)


NUMBER_RE = re.compile(
    r"(?:(?<![\d.])|(?<=[\u4e00-\u9fff]\.))(?P<num>\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])"
    r"(?P<approx>余|多)?"
    r"(?P<wan>万(?=件次|人次|户次|件|次|个|份|人|名|户|家|条|项))?"
    rf"(?P<unit>{_unit_alternation()})?"
    r"(?P<approx2>左右)?")

_APPROX_BEFORE = re.compile(r"(?:约|近|超过|逾|达近|将近|接近|大约|约为)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_QUANTITY = frozenset(_MEASURES)


@dataclass
class Num:
    """One number of a sentence."""

    start: int
    end: int          # end of number + unit
    num: str          # digits as printed (commas kept)
    unit: str         # printed unit ("" when none); 百分点 → 个百分点
    value: Decimal    # as printed (× 10000 for 1.2万人次)
    places: int
    approx: bool
    loose: bool       # no unit, and a Chinese character right after it (unknown unit)
    text: str = ""    # as printed (``1.2万人次``)

    @property
    def raw(self) -> str:
        return self.text or f"{self.num}{self.unit}"


def places_of(num: str) -> int:
    """Decimals printed in ``num``."""
    return len(num.split(".", 1)[1]) if "." in num else 0


def scan_numbers(masked: str) -> list[Num]:
    """Every number of a masked sentence, in order (masked characters are never digits)."""
    out = []
    for m in NUMBER_RE.finditer(masked):
        num = m.group("num")
        unit = m.group("unit") or ""
        if unit == "百分点":
            unit = "个百分点"
        value = Decimal(num.replace(",", ""))
        if m.group("wan"):
            value *= 10000
        nxt = masked[m.end():m.end() + 1]
        loose = not unit and (bool(_CJK.match(nxt)) or bool(re.match(r" \d", masked[m.end():m.end() + 2]))
                              or (m.start() > 1 and masked[m.start() - 1] == " "
                                  and masked[m.start() - 2].isdigit()))
        approx = bool(m.group("approx") or m.group("approx2")) or bool(
            _APPROX_BEFORE.search(masked[max(0, m.start() - 3):m.start()]))
        text = f"{num}{'万' if m.group('wan') else ''}{unit}"
        out.append(Num(m.start(), m.end(), num, unit, value, places_of(num), approx, loose, text))
    return out


__all__ = ["AMOUNT_SCALE", "AMOUNT_PLACES", "COUNT_UNITS", "MONEY_UNITS", "NOT_QUANTITY",
           "NUMBER_RE", "Num", "places_of", "scan_numbers"]
