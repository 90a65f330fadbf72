"""Exact rounding and number wording, the one place every figure is rounded and formatted.

Reports round 四舍五入 (half-up). Python's ``round()`` rounds half-to-even on binary floats, so
``round(0.125, 2) == 0.12`` and ``round(2.675, 2) == 2.67``; both are wrong for a report. Every
figure that is printed or compared goes through :func:`round_half_up` here.

Amounts inside evalkit are in 万元 (float columns suffixed ``_wan``). A float cannot hold 0.01 元
exactly, so sums of amounts are done on integer 分 (1 万元 = 1,000,000 分) with :func:`wan_to_fen`
and :func:`sum_wan`, which are exact for any amount given to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

import numpy as np
import pandas as pd

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分
FEN_PER_YUAN = 100

Number = int | float | Decimal | str


def to_decimal(value: Number) -> Decimal:
    """Convert a number to ``Decimal`` through its shortest repr (``0.1`` -> ``Decimal('0.1')``).

    Args:
        value: an int, float, Decimal or numeric string.

    Returns:
        The decimal value. Floats go through ``repr`` so that ``0.125`` stays ``0.125``.

    Raises:
        ValueError: if the value is NaN, infinite or not a number.

    >>> to_decimal(98.945)
    Decimal('98.945')
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, (bool, np.bool_)):
        raise ValueError(f"not a number: {value!r}")
    elif isinstance(value, (int, np.integer)):
        d = Decimal(int(value))
    elif isinstance(value, (float, np.floating)):
        d = Decimal(repr(float(value)))
    else:
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return d


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round half-up (四舍五入) to ``places`` decimals.

    Args:
        value: the number to round.
        places: decimals to keep (default 2).

    Returns:
        A ``Decimal`` with exactly ``places`` decimals.

    >>> round_half_up(0.125)
    Decimal('0.13')
    >>> round_half_up(98.945)
    Decimal('98.95')
    >>> round_half_up(-43.2098765)
    Decimal('-43.21')
    """
    quantum = Decimal(1).scaleb(-places)
    return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def ratio_pct(numerator: Number, denominator: Number, places: int = 2) -> Decimal | None:
    """Return ``numerator / denominator × 100`` rounded half-up, or ``None`` when undefined.

    The division is done in ``Decimal`` so that the only rounding is the final half-up one.

    >>> ratio_pct(774.90, 783.16)
    Decimal('98.95')
    >>> ratio_pct(1, 0) is None
    True
    """
    den = to_decimal(denominator)
    if den == 0:
        return None
    return round_half_up(to_decimal(numerator) * 100 / den, places)


def change_pct(current: Number, previous: Number, places: int = 2) -> Decimal | None:
    """Return the relative change ``(current − previous) / previous × 100``, half-up, or ``None``.

    >>> change_pct(46, 81)
    Decimal('-43.21')
    """
    prev = to_decimal(previous)
    if prev == 0:
        return None
    return round_half_up((to_decimal(current) - prev) * 100 / prev, places)


def wan_to_fen(values: pd.Series | np.ndarray | float) -> pd.Series | np.ndarray | int:
    """Convert amounts in 万元 to integer 分 (exact for amounts given to the cent).

    >>> int(wan_to_fen(774.9))
    774900000
    """
    if isinstance(values, pd.Series):
        return pd.Series(np.rint(values.to_numpy(dtype="float64") * FEN_PER_WAN).astype("int64"),
                         index=values.index, name=values.name)
    if isinstance(values, np.ndarray):
        return np.rint(values.astype("float64") * FEN_PER_WAN).astype("int64")
    return int(np.rint(float(values) * FEN_PER_WAN))


def fen_to_wan(fen: int | np.integer) -> Decimal:
    """Convert integer 分 to an exact ``Decimal`` amount in 万元.

    >>> fen_to_wan(774900000)
    Decimal('774.9')
    """
    return (Decimal(int(fen)) / FEN_PER_WAN).normalize() if fen else Decimal(0)


def sum_wan(values: pd.Series | Iterable[float]) -> Decimal:
    """Sum amounts in 万元 exactly (through integer 分); missing values count as zero.

    >>> sum_wan(pd.Series([580.13, 194.77]))
    Decimal('774.9')
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="float64")
    s = s.astype("float64").fillna(0.0)
    return fen_to_wan(int(wan_to_fen(s).sum()))


def yuan_to_wan(value: Number) -> Decimal:
    """Convert 元 to 万元 exactly.

    >>> yuan_to_wan("7831600.00")
    Decimal('783.16')
    """
    return (to_decimal(value) / 10_000).normalize()


def as_json_number(value: Number | None, places: int = 2) -> float | int | None:
    """Round half-up and return a JSON-ready number (``None`` for missing, never NaN).

    Integers stay integers; everything else is a float whose repr is the rounded decimal.

    >>> as_json_number(98.945)
    98.95
    >>> as_json_number(float("nan")) is None
    True
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return float(round_half_up(value, places))


def fmt_fixed(value: Number | None, places: int = 2, missing: str = "—") -> str:
    """Format a number half-up with exactly ``places`` decimals (no thousands separator).

    >>> fmt_fixed(774.9)
    '774.90'
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return missing
    return f"{round_half_up(value, places):f}"


def fmt_count(value: Number | None, unit: str = "", missing: str = "—") -> str:
    """Format a count (integer, half-up, no decimals) with an optional unit, ``—`` when missing.

    >>> fmt_count(3000, "件"), fmt_count(None)
    ('3000件', '—')
    """
    text = fmt_fixed(value, 0, missing)
    return text if text == missing or not unit else f"{text}{unit}"


def fmt_wan(value: Number | None, places: int = 2, missing: str = "—") -> str:
    """Format an amount in 万元 with its unit, e.g. ``'783.16万元'``.

    >>> fmt_wan(783.16)
    '783.16万元'
    """
    text = fmt_fixed(value, places, missing)
    return text if text == missing else f"{text}万元"


def fmt_pct(value: Number | None, places: int = 2, missing: str = "—") -> str:
    """Format a percentage value (already ×100) half-up, e.g. ``'98.95%'``.

    >>> fmt_pct(98.945)
    '98.95%'
    """
    text = fmt_fixed(value, places, missing)
    return text if text == missing else f"{text}%"


def fmt_thousands(value: Number | None, places: int = 2, missing: str = "—") -> str:
    """Format with thousands separators, as 决算 tables in 元 print: ``'11,122,315.04'``.

    >>> fmt_thousands(11122315.035)
    '11,122,315.04'
    """
    if value is None:
        return missing
    return f"{round_half_up(value, places):,f}"


def describe_change(change: Number | None, kind: str = "pct", places: int = 2) -> str:
    """Word a year-on-year change the way reports do.

    Args:
        change: the signed change (percent for ``kind='pct'``, percentage points for
            ``kind='pp'``, an amount in 万元 for ``kind='wan'``, a count for ``kind='count'``).
        kind: ``'pct'`` → 增长/下降 X%; ``'pp'`` → 提高/降低 X个百分点;
            ``'wan'`` → 增加/减少 X万元; ``'count'`` → 增加/减少 X件.
        places: decimals to print.

    Returns:
        The phrase; a decrease is printed as a positive number after its direction word.

    >>> describe_change(-43.2098)
    '下降43.21%'
    >>> describe_change(1.5, kind='pp')
    '提高1.50个百分点'
    >>> describe_change(0, kind='pct')
    '持平'
    """
    if change is None:
        return "无上年数据"
    d = round_half_up(change, 0 if kind == "count" else places)
    if d == 0:
        return "持平"
    up, down, unit = {
        "pct": ("增长", "下降", "%"),
        "pp": ("提高", "降低", "个百分点"),
        "wan": ("增加", "减少", "万元"),
        "count": ("增加", "减少", "件"),
    }[kind]
    return f"{up if d > 0 else down}{abs(d):f}{unit}"


_CN_DIGITS = "零一二三四五六七八九"


def cn_ordinal(n: int) -> str:
    """Chinese numeral for section headings: 1 → 一, 10 → 十, 12 → 十二, 21 → 二十一.

    >>> [cn_ordinal(i) for i in (1, 4, 10, 12, 20, 21)]
    ['一', '四', '十', '十二', '二十', '二十一']
    """
    if not 0 < n < 100:
        raise ValueError(f"cn_ordinal supports 1..99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")
