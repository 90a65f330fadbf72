"""What was known on the as-of date: the budget frame and the register cut off at that date.

The monitor never has its own metric definitions. It cuts the year's tidy frames back to what the
department knew on the as-of date and hands them to the ordinary metric functions
(:mod:`evalkit.metrics`):

* **budget**: ``actual_wan`` becomes the sum of the month columns 1..m (m = the as-of month); a
  blank cell counts as zero, a month column that is blank on every line (or absent) counts as
  *not yet reported* (:func:`month_columns`); the month columns after m are dropped;
* **register**: only cases registered on or before the as-of date; a case closed after it is open
  (``closed_on`` blank, so also not yet rated and not yet resolved); a case accepted after it is
  not yet accepted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from evalkit.numfmt import FEN_PER_WAN, round_half_up
from evalkit.schema import MONTH_KEYS

NOT_RATED = "未评价"


class AsOfError(ValueError):
    """The as-of date is not a date of the year under review (bilingual message)."""


def parse_as_of(value: str | dt.date | None, year: int) -> dt.date:
    """The as-of date of ``year``: ``YYYY-MM-DD`` (or a date); blank means 31 December.

    >>> parse_as_of("2023-07-31", 2023), parse_as_of("", 2023)
    (datetime.date(2023, 7, 31), datetime.date(2023, 12, 31))
    >>> parse_as_of("2024-07-31", 2023)
    Traceback (most recent call last):
    ...
    evalkit.monitor.cutoff.AsOfError: 截至日期 2024-07-31 不在 2023 年内 / as-of date 2024-07-31 is not in 2023
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return dt.date(int(year), 12, 31)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise AsOfError(f"截至日期应为 YYYY-MM-DD 格式，而不是 {value!r} / "
                            f"as-of date must be YYYY-MM-DD, got {value!r}") from None
    if value.year != int(year):
        raise AsOfError(f"截至日期 {value.isoformat()} 不在 {year} 年内 / "
                        f"as-of date {value.isoformat()} is not in {year}")
    return value


def is_month_end(day: dt.date) -> bool:
    """Whether ``day`` is the last day of its month.

    >>> is_month_end(dt.date(2024, 2, 29)), is_month_end(dt.date(2023, 7, 30))
    (True, False)
    """
    return day.day == calendar.monthrange(day.year, day.month)[1]


def same_day(as_of: dt.date, year: int) -> dt.date:
    """The as-of date moved to another ``year`` (a month end stays a month end: 29 Feb → 28 Feb).

    >>> same_day(dt.date(2024, 2, 29), 2023), same_day(dt.date(2023, 7, 15), 2022)
    (datetime.date(2023, 2, 28), datetime.date(2022, 7, 15))
    """
    last = calendar.monthrange(year, as_of.month)[1]
    return dt.date(year, as_of.month, last if is_month_end(as_of) else min(as_of.day, last))


def time_progress_pct(as_of: dt.date, mode: str = "months") -> Decimal:
    """序时进度 at ``as_of``: months elapsed / 12 (the as-of month counts), or days elapsed / days.

    >>> time_progress_pct(dt.date(2023, 7, 31)), time_progress_pct(dt.date(2023, 7, 31), "days")
    (Decimal('58.33'), Decimal('58.08'))
    """
    if mode == "days":
        days = 366 if calendar.isleap(as_of.year) else 365
        return round_half_up(Decimal(as_of.timetuple().tm_yday * 100) / days)
    return round_half_up(Decimal(as_of.month * 100) / 12)


# --------------------------------------------------------------------------- budget


@dataclass(frozen=True)
class MonthColumns:
    """The month columns up to the as-of month: which hold figures, which are still blank."""

    month: int                  # the as-of month
    reported: tuple[int, ...]   # months 1..month with a figure on at least one line
    blank: tuple[int, ...]      # months 1..month blank on every line (not yet reported)
    later: tuple[int, ...]      # months after the as-of month that hold figures (left out)

    @property
    def data_month(self) -> int:
        """The last month with figures (0 when none): the spending to date runs up to it."""
        return max(self.reported, default=0)


def _filled(df: pd.DataFrame, key: str) -> bool:
    return key in df.columns and bool(pd.to_numeric(df[key], errors="coerce").notna().any())


def month_columns(df: pd.DataFrame, month: int) -> MonthColumns:
    """Which month columns up to ``month`` hold figures.

    >>> mc = month_columns(pd.DataFrame({"m01_wan": [1.0], "m02_wan": [None], "m09_wan": [2.0]}), 3)
    >>> mc.reported, mc.blank, mc.later, mc.data_month
    ((1,), (2, 3), (9,), 1)
    """
    filled = [m for m, key in enumerate(MONTH_KEYS, start=1) if _filled(df, key)]
    return MonthColumns(month, tuple(m for m in filled if m <= month),
                        tuple(m for m in range(1, month + 1) if m not in filled),
                        tuple(m for m in filled if m > month))


def month_fen(df: pd.DataFrame, month: int) -> np.ndarray:
    """Integer 分 per line of month ``month`` (blank or absent = 0)."""
    key = MONTH_KEYS[month - 1]
    if key not in df.columns:
        return np.zeros(len(df), dtype="int64")
    values = pd.to_numeric(df[key], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.rint(np.nan_to_num(values, nan=0.0) * FEN_PER_WAN).astype("int64")


def budget_as_of(df: pd.DataFrame, month: int) -> pd.DataFrame:
    """The budget frame as known at the end of ``month``: ``actual_wan`` = months 1..month.

    The month columns after ``month`` are dropped; blank cells count as zero. Every other column
    (budget, 支出类型, codes) is kept, so the frame goes straight into the budget metrics.

    >>> df = pd.DataFrame({"budget_wan": [12.0], "actual_wan": [11.0], "m01_wan": [1.005],
    ...                    "m02_wan": [None], "m03_wan": [2.0]})
    >>> cut = budget_as_of(df, 2)
    >>> cut["actual_wan"].tolist(), [c for c in cut.columns if c.startswith("m")]
    ([1.005], ['m01_wan', 'm02_wan'])
    """
    out = df.drop(columns=[k for k in MONTH_KEYS[month:] if k in df.columns])
    fen = sum((month_fen(df, m) for m in range(1, month + 1)),
              np.zeros(len(df), dtype="int64"))
    out = out.copy()
    out["actual_wan"] = fen / FEN_PER_WAN
    return out


def cumulative_fen(df: pd.DataFrame) -> list[int]:
    """Department spending to the end of each month 0..12 in 分 (index 0 = 0)."""
    out, total = [0], 0
    for month in range(1, 13):
        total += int(month_fen(df, month).sum())
        out.append(total)
    return out


# --------------------------------------------------------------------------- register


def _dates(df: pd.DataFrame, column: str) -> pd.Series:
    s = df[column]
    return s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s, errors="coerce")


def register_as_of(df: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The register as it stood at the end of ``as_of``.

    Cases registered later (or without a registration date) are left out. For the others, what
    happened after ``as_of`` is undone: a later 办结 leaves the case open (no 办结日期, no
    一次性化解 flag, 满意度 未评价: an evaluation follows the closure), a later 受理 leaves it not
    yet accepted. Deadlines, extensions and the other columns are kept as registered.

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-07-01", "2023-08-01"]),
    ...     "closed_on": pd.to_datetime(["2023-08-10", "2023-08-20"]), "satisfaction": ["满意"] * 2})
    >>> cut = register_as_of(df, dt.date(2023, 7, 31))
    >>> len(cut), cut["closed_on"].isna().tolist(), cut["satisfaction"].tolist()
    (1, [True], ['未评价'])
    """
    limit = pd.Timestamp(as_of)
    keep = (_dates(df, "registered_on") <= limit).fillna(False).to_numpy(dtype=bool)
    out = df.loc[keep].copy()
    if "closed_on" in out.columns:
        late = (_dates(out, "closed_on") > limit).fillna(False)
        out.loc[late, "closed_on"] = pd.NaT
        if "resolved_first_time" in out.columns:
            out["resolved_first_time"] = out["resolved_first_time"].astype("boolean")
            out.loc[late, "resolved_first_time"] = pd.NA
        if "satisfaction" in out.columns:
            out.loc[late, "satisfaction"] = NOT_RATED
    if "accepted_on" in out.columns:
        out.loc[(_dates(out, "accepted_on") > limit).fillna(False), "accepted_on"] = pd.NaT
    return out
