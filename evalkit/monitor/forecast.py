"""Year-end spending forecast: three explainable methods and the band between them.

Notation: B = full-year budget, S = spending to the end of month d (the last reported month);
for an earlier year y, B_y its budget and C_y(k) its spending to the end of month k.

* ``run_rate`` (本年月均外推, this year only): spending to month k = S × k / d.
* ``profile_share`` (历年累计支出占比): the earlier years had spent, by the end of month d, on
  average c(d) = mean_y C_y(d) / C_y(12) of their year's spending, so the year ends at S / c(d)
  (and month k at S × c(k) / c(d)).
* ``remaining_budget`` (历年剩余预算支出率): after month d the earlier years spent, on average,
  r(d, k) = mean_y (C_y(k) − C_y(d)) / (B_y − C_y(d)) of the budget still unspent at month d; so
  month k ends at S + (B − S) × r(d, k).

Each method is applied to every budget line (its own S and B, capped at its budget: a line
cannot spend more than its full-year budget) and the department figure is the sum of the lines,
so lines, 支出类型 and total add up. ``auto`` uses ``remaining_budget`` when earlier years with
all twelve month columns exist, else ``run_rate``; the back-test is in docs/monitoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Sequence

METHODS = ("run_rate", "profile_share", "remaining_budget")
LABELS = {
    "actual": "全年实际",
    "run_rate": "本年月均外推",
    "profile_share": "历年累计支出占比",
    "remaining_budget": "历年剩余预算支出率",
}


@dataclass(frozen=True)
class YearCurve:
    """An earlier year's department budget and cumulative spending (分) by month 0..12."""

    year: int
    budget_fen: int
    cumulative_fen: tuple[int, ...]     # 13 values, index 0 = 0

    def share(self, month: int) -> Fraction | None:
        """C_y(month) / C_y(12), or None when the year spent nothing."""
        total = self.cumulative_fen[12]
        return Fraction(self.cumulative_fen[month], total) if total > 0 else None

    def remaining(self, start: int, month: int) -> Fraction | None:
        """(C_y(month) − C_y(start)) / (B_y − C_y(start)), or None when nothing was left."""
        left = self.budget_fen - self.cumulative_fen[start]
        if left <= 0:
            return None
        return Fraction(self.cumulative_fen[month] - self.cumulative_fen[start], left)


def _mean(values: Sequence[Fraction | None]) -> Fraction | None:
    got = [v for v in values if v is not None]
    return sum(got, Fraction(0)) / len(got) if got else None


@dataclass(frozen=True)
class Method:
    """One method at data month d: ``factor(k)`` maps (S, B) of a line to its spending at k."""

    key: str
    data_month: int
    apply: Callable[[int, int, int], Fraction]   # (spent_fen, budget_fen, month k) -> fen
    basis: str                                   # a Chinese sentence: what the method assumed

    @property
    def label(self) -> str:
        return LABELS[self.key]


def _pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{Decimal(value.numerator * 100) / value.denominator:.2f}%"


def run_rate(d: int) -> Method | None:
    """S × k / d (None before any month is reported)."""
    if d <= 0:
        return None
    return Method("run_rate", d, lambda s, b, k: Fraction(s * k, d),
                  f"按本年1–{d}月月均支出推算其余月份" if d > 1 else "按本年1月支出推算其余月份")


def profile_share(d: int, curves: Sequence[YearCurve]) -> Method | None:
    """S × c(k) / c(d) (None without earlier years or when c(d) is 0)."""
    if d <= 0 or not curves:
        return None
    shares = {k: _mean([c.share(k) for c in curves]) for k in range(d, 13)}
    base = shares[d]
    if not base:
        return None
    years = "、".join(str(c.year) for c in curves)
    return Method("profile_share", d, lambda s, b, k: Fraction(s) * shares[k] / base,
                  f"{years}年1–{d}月支出平均占全年支出的{_pct(base)}，按同一比例推算全年")


def remaining_budget(d: int, curves: Sequence[YearCurve]) -> Method | None:
    """S + (B − S) × r(d, k) (None without earlier years)."""
    if not curves:
        return None
    rates = {k: _mean([c.remaining(d, k) for c in curves]) for k in range(d, 13)}
    if rates[12] is None:
        return None
    years = "、".join(str(c.year) for c in curves)
    after = f"{d}月底后" if d else "年初起"
    return Method("remaining_budget", d,
                  lambda s, b, k: s + max(b - s, 0) * (rates[k] or Fraction(0)),
                  f"{years}年{after}平均支出了当时剩余预算的{_pct(rates[12])}，按同一比例推算本年剩余预算的支出")


def actual(d: int) -> Method:
    """December is reported: the year's spending is what was spent (no forecast)."""
    return Method("actual", d, lambda s, b, k: Fraction(s), "1–12月支出均已填报，全年执行数即实际支出数")


def available_methods(d: int, curves: Sequence[YearCurve]) -> dict[str, Method]:
    """Every method that can be computed at data month ``d``, in :data:`METHODS` order (only
    ``actual`` once December is reported)."""
    if d >= 12:
        return {"actual": actual(d)}
    made = (run_rate(d), profile_share(d, curves), remaining_budget(d, curves))
    return {m.key: m for m in made if m is not None}


def choose(methods: dict[str, Method], setting: str) -> str | None:
    """The primary method: the setting when computable, else ``remaining_budget`` / ``run_rate``.

    >>> choose({"run_rate": None}, "auto")
    'run_rate'
    """
    if setting != "auto" and setting in methods:
        return setting
    for key in ("actual", "remaining_budget", "run_rate", "profile_share"):
        if key in methods:
            return key
    return None


@dataclass
class LineForecast:
    """Projected spending (分) of each line at the end of every month d..12, for one method."""

    method: Method
    by_month: dict[int, list[int]] = field(default_factory=dict)   # month -> fen per line
    capped: bool = False

    def total(self, month: int = 12) -> int:
        return sum(self.by_month[month])


def project_lines(method: Method, spent_fen: Sequence[int], budget_fen: Sequence[int]
                  ) -> LineForecast:
    """Apply ``method`` to every line: spending at each month d..12, capped at the line budget
    (and never below what is already spent), rounded half-up to the 分."""
    out = LineForecast(method)
    for month in range(method.data_month, 13):
        values = []
        for s, b in zip(spent_fen, budget_fen):
            raw = method.apply(int(s), int(b), month)
            cap = max(int(b), int(s))
            if raw > cap:
                out.capped = out.capped or month == 12
                raw = Fraction(cap)
            values.append(max(int(s), _round_fen(raw)))
        out.by_month[month] = values
    return out


def _round_fen(value: Fraction) -> int:
    """Half-up rounding of a non-negative Fraction to an integer."""
    return int((value * 2 + 1) // 2)
