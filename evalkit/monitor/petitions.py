"""The ``petitions`` section of ``monitor.json``: every count and rate to date, and projections.

Counts come from :func:`evalkit.metrics.case_flags` (the definitions of docs/metrics.md) run on the
register cut back to the as-of date (:func:`evalkit.monitor.cutoff.register_as_of`), with open
cases judged at the as-of date. Projections:

* a rate is projected only when its denominator to date has at least ``monitor_min_cases``
  cases; otherwise it is reported to date only;
* the projection is the rate to date (本年至今); with earlier registers the rate to date plus the
  average change the earlier years saw from the same day to their year end (历年同期修正) is
  shown beside it as the other end of a band. The back-test (docs/monitoring.md) found the rate
  to date the closer of the two on the sample, so it is the one scored;
* the year's case count = to date / the average share of their year's cases the earlier years
  had registered by the same day (历年同期占比); without them, to date × days in year / days
  elapsed (本年日均外推);
* the 国家信访局登记求决类初件 同比 is taken for the same period (the previous year up to the same
  day), as the year-end 同比 is not known yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any, Mapping, Sequence

import pandas as pd

from evalkit.metrics import COUNTS, RATES, MetricSettings, case_flags
from evalkit.monitor.cutoff import register_as_of, same_day
from evalkit.numfmt import as_json_number, change_pct, ratio_pct, round_half_up



def counts_as_of(df: pd.DataFrame, year: int, as_of: dt.date | None,
                 settings: MetricSettings) -> dict[str, int]:
    """Every count of :data:`evalkit.metrics.COUNTS` for ``year`` as known at ``as_of``.

    ``as_of=None`` gives the year's own figures (the annual definition, no cut-off).

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-07-01", "2023-08-01"]),
    ...     "closed_on": pd.to_datetime(["2023-08-10", None]), "channel": ["来信", "网上信访"],
    ...     "purpose": ["咨询类"] * 2, "is_repeat": [False] * 2, "township": ["A"] * 2})
    >>> c = counts_as_of(df, 2023, dt.date(2023, 7, 31), MetricSettings())
    >>> c["cases"], c["closed_cases"]
    (1, 0)
    """
    register = df if as_of is None else register_as_of(df, as_of)
    flags = case_flags(register, int(year), settings, as_of=as_of)
    counted = flags.counted
    return {name: int(flags.flags[name][counted].sum()) for name in COUNTS}


def rates_of(counts: Mapping[str, int]) -> dict[str, Decimal | None]:
    """Every rate of :data:`evalkit.metrics.RATES` from exact counts (half-up 2 dp)."""
    return {rate: ratio_pct(counts[num], counts[den]) for rate, (num, den) in RATES.items()}


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


class History:
    """Earlier registers at the same day and at their year end (counts, computed once)."""

    def __init__(self, registers: Sequence[tuple[int, pd.DataFrame]], as_of: dt.date,
                 settings: MetricSettings):
        self.years = [int(y) for y, _ in registers]
        self.year_end = as_of.month == 12 and as_of.day == 31
        self.same = {int(y): counts_as_of(df, y, same_day(as_of, int(y)), settings)
                     for y, df in registers}
        self.full = {int(y): counts_as_of(df, y, None, settings) for y, df in registers}

    def drift(self, rate: str) -> Decimal | None:
        """Average (year-end rate − same-day rate) of the earlier years, in points."""
        diffs = []
        for y in self.years:
            same, full = rates_of(self.same[y])[rate], rates_of(self.full[y])[rate]
            if same is not None and full is not None:
                diffs.append(full - same)
        return _mean(diffs)

    def case_share(self) -> Decimal | None:
        """Average share of the year's cases registered by the same day."""
        shares = [Decimal(self.same[y]["cases"]) / self.full[y]["cases"]
                  for y in self.years if self.full[y]["cases"]]
        shares = [s for s in shares if s > 0]
        return _mean(shares)


def _clip(value: Decimal) -> Decimal:
    return min(max(value, Decimal(0)), Decimal(100))


def project_rate(rate: str, to_date: Decimal | None, denominator: int, history: History,
                 settings: MetricSettings) -> dict[str, Any]:
    """The projection record of one rate (see the module docstring).

    ``projected_pct`` is the rate to date; with earlier registers, ``adjusted_pct`` is the rate
    to date plus the earlier years' average change from the same day to their year end, and
    ``band_low_pct``/``band_high_pct`` span the two.
    """
    out: dict[str, Any] = {"rate": rate, "to_date_pct": as_json_number(to_date),
                           "denominator": denominator, "projected_pct": None,
                           "adjusted_pct": None, "band_low_pct": None, "band_high_pct": None}
    if to_date is None or denominator < settings.monitor_min_cases:
        out.update(method="to_date_only",
                   basis=f"截至目前仅{denominator}件，少于{settings.monitor_min_cases}件，"
                         "不作全年预测，仅报告截至目前的数值")
        return out
    value = as_json_number(to_date)
    out.update(method="to_date", projected_pct=value, band_low_pct=value, band_high_pct=value)
    if history.year_end:
        out["basis"] = "截至年末，即全年数"
        return out
    drift = history.drift(rate) if history.years else None
    if drift is None:
        out["basis"] = "以截至目前的数值作为全年预计（无往年台账）"
        return out
    adjusted = as_json_number(round_half_up(_clip(to_date + drift)))
    years = "、".join(map(str, history.years))
    out.update(adjusted_pct=adjusted, band_low_pct=min(value, adjusted),
               band_high_pct=max(value, adjusted),
               basis=f"以截至目前的数值作为全年预计；按{years}年同期至年末的平均变动"
                     f"（{round_half_up(drift):+}个百分点）修正则为{adjusted:.2f}%")
    return out


def _project_cases(total: int, as_of: dt.date, history: History) -> dict[str, Any]:
    if history.year_end:
        return {"projected_total_cases": total, "method": "to_date", "basis": "截至年末，即全年数"}
    share = history.case_share() if history.years else None
    if share:
        years = "、".join(map(str, history.years))
        return {"projected_total_cases": int(round_half_up(Decimal(total) / share, 0)),
                "method": "profile_share",
                "basis": f"{years}年同期登记数平均占全年的{round_half_up(share * 100)}%"}
    days = 366 if calendar.isleap(as_of.year) else 365
    elapsed = as_of.timetuple().tm_yday
    return {"projected_total_cases": int(round_half_up(Decimal(total * days) / elapsed, 0)),
            "method": "run_rate", "basis": f"按本年{elapsed}天的日均登记数推算{days}天"}


def _national(counts: Mapping[str, int], year: int, history: History) -> dict[str, Any]:
    current = counts["national_initial_qiujue_count"]
    prev = history.same.get(year - 1)
    prev_count = prev["national_initial_qiujue_count"] if prev is not None else None
    change = change_pct(current, prev_count) if prev_count is not None else None
    return {"national_initial_qiujue_count": current,
            "national_initial_qiujue_same_period_prev_count": prev_count,
            "national_initial_qiujue_yoy_pct": as_json_number(change)}


def petition_section(df: pd.DataFrame, year: int, as_of: dt.date, settings: MetricSettings,
                     earlier: Sequence[tuple[int, pd.DataFrame]] = ()) -> dict[str, Any]:
    """The ``petitions`` section as of ``as_of``.

    Args:
        df: the year's tidy register (complete or partial).
        year: the year under review.
        as_of: the as-of date.
        settings: metric settings.
        earlier: ``(year, register)`` of earlier years, for the projections.
    """
    counts = counts_as_of(df, year, as_of, settings)
    rates = rates_of(counts)
    history = History(earlier, as_of, settings)
    section: dict[str, Any] = {"total_cases": counts["cases"]}
    section.update({k: v for k, v in counts.items() if k not in ("cases",
                                                                 "national_initial_qiujue_count")})
    section.update({rate: as_json_number(value) for rate, value in rates.items()})
    section.update(_national(counts, year, history))
    section["cases_projection"] = _project_cases(counts["cases"], as_of, history)
    section["projected_total_cases"] = section["cases_projection"]["projected_total_cases"]
    section["projections"] = [project_rate(rate, rates[rate], counts[den], history, settings)
                              for rate, (_num, den) in RATES.items()]
    section["history_years"] = history.years
    return section


def projected_rates(section: Mapping[str, Any]) -> dict[str, float | None]:
    """Rate -> the projected value when there is one, else the value to date."""
    out = {}
    for record in section["projections"]:
        value = record.get("projected_pct")
        out[record["rate"]] = value if value is not None else record.get("to_date_pct")
    return out


def projection(section: Mapping[str, Any], rate: str) -> dict[str, Any]:
    """The projection record of ``rate`` (``{}`` when the section has none)."""
    return next((r for r in section.get("projections", []) if r["rate"] == rate), {})
