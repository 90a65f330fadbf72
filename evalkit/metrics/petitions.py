"""Petition (信访) metrics on the tidy register, fully vectorised.

Every metric is a ratio of two *counts*. Each case gets one boolean flag per count (numpy arrays,
no row-wise ``apply``); the flags are counted once per 镇街 × month with ``np.bincount`` and the
counts are rolled up to the month, the 镇街 and the year. Rates are then computed from the exact
counts and rounded half-up once. Definitions: ``docs/metrics.md``.

Population: a case belongs to the year (and month) of its ``registered_on`` (optionally shifted by
the 21st-to-20th statistical month); ``is_litigation`` cases are excluded from everything. Open
cases are judged *as of* the period end (31 December, or 20 December with the statistical month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from evalkit.errors import InputError, problem
from evalkit.numfmt import ratio_pct
from evalkit.schema import CHANNELS, PETITIONS, PURPOSES

from evalkit.metrics.budget import records
from evalkit.metrics.settings import RATED_LEVELS, MetricSettings

MISSING_LABEL = "未填写"

#: Count columns, in output order.
COUNTS: tuple[str, ...] = (
    "cases", "online_cases", "repeat_cases",
    "qiujue_initial_closed", "qiujue_initial_resolved",
    "satisfied_cases", "rated_cases", "closed_cases",
    "due_for_acceptance", "timely_accepted",
    "due_for_completion", "completed_on_time",
    "national_initial_qiujue_count",
)

#: Rate name -> (numerator count, denominator count).
RATES: dict[str, tuple[str, str]] = {
    "online_share_pct": ("online_cases", "cases"),
    "first_time_resolution_rate_pct": ("qiujue_initial_resolved", "qiujue_initial_closed"),
    "satisfaction_rate_pct": ("satisfied_cases", "rated_cases"),
    "participation_rate_pct": ("rated_cases", "closed_cases"),
    "timely_acceptance_rate_pct": ("timely_accepted", "due_for_acceptance"),
    "on_time_completion_rate_pct": ("completed_on_time", "due_for_completion"),
    "repeat_rate_pct": ("repeat_cases", "cases"),
}

#: Scalar keys of the ``petitions`` section, in output order.
SECTION_KEYS: tuple[str, ...] = (
    "total_cases", "online_cases", "online_share_pct",
    "qiujue_initial_closed", "qiujue_initial_resolved", "first_time_resolution_rate_pct",
    "satisfied_cases", "rated_cases", "closed_cases", "satisfaction_rate_pct",
    "participation_rate_pct",
    "due_for_acceptance", "timely_accepted", "timely_acceptance_rate_pct",
    "due_for_completion", "completed_on_time", "on_time_completion_rate_pct",
    "repeat_cases", "repeat_rate_pct",
    "national_initial_qiujue_count", "national_initial_qiujue_prev_count",
    "national_initial_qiujue_yoy_pct", "national_initial_qiujue_rank", "peer_district_count",
)

DIMENSIONS = ("township", "month", "channel", "purpose", "responsible_unit")


# --------------------------------------------------------------------------- column access

def _dates(df: pd.DataFrame, column: str) -> np.ndarray:
    """A date column as ``datetime64[D]`` (NaT when blank or absent)."""
    if column not in df.columns:
        return np.full(len(df), np.datetime64("NaT"), dtype="datetime64[D]")
    s = df[column]
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    return s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _bool(df: pd.DataFrame, column: str) -> np.ndarray:
    """A boolean column as ``bool`` (NA, blank or absent -> False)."""
    if column not in df.columns:
        return np.zeros(len(df), dtype=bool)
    s = df[column]
    if s.dtype == bool:
        return s.to_numpy()
    if isinstance(s.dtype, pd.BooleanDtype):
        return s.to_numpy(dtype=bool, na_value=False)
    return s.astype("boolean").to_numpy(dtype=bool, na_value=False)


def _int(df: pd.DataFrame, column: str) -> np.ndarray:
    """An integer column as ``int64`` (NA or absent -> 0)."""
    if column not in df.columns:
        return np.zeros(len(df), dtype="int64")
    s = df[column]
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy(dtype="int64", na_value=0)
    return pd.to_numeric(s, errors="coerce").fillna(0).to_numpy(dtype="int64")


@dataclass(frozen=True)
class Dim:
    """Integer codes of one label column: ``codes`` index ``labels``; ``order`` lists the label
    positions in display order (canonical schema order first, then by name, 未填写 last)."""

    codes: np.ndarray
    labels: list[str]
    order: np.ndarray


def _codes(s: pd.Series | None, n: int, order: Sequence[str] = ()) -> Dim:
    """Codes of a label column; blank -> :data:`MISSING_LABEL`. Categorical columns reuse their
    codes (no hashing, no copy of the strings)."""
    if s is None:
        return Dim(np.zeros(n, dtype="int8"), [MISSING_LABEL], np.zeros(1, dtype="int64"))
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, labels = s.cat.codes.to_numpy(), [str(c) for c in s.cat.categories]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        labels = [str(u) for u in uniques]
    missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels = labels + [MISSING_LABEL]
    rank = {v: i for i, v in enumerate(order)}
    display = sorted(range(len(labels)), key=lambda i: (rank.get(labels[i], len(rank)),
                                                         labels[i] == MISSING_LABEL, labels[i]))
    return Dim(codes, labels, np.array(display, dtype="int64"))


def _isin(s: pd.Series | None, values: Iterable[str], n: int) -> np.ndarray:
    """``s.isin(values)`` as a bool array (through the categories of a categorical column)."""
    if s is None:
        return np.zeros(n, dtype=bool)
    values = set(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        lut = np.array([c in values for c in s.cat.categories] + [False], dtype=bool)
        return lut[s.cat.codes.to_numpy()]
    return s.isin(values).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- periods

def period_of(registered_on: np.ndarray,
              settings: MetricSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Statistical (year, month) of each registration date (-1 for a blank date).

    With ``statistical_month_end_day=20`` a date after the 20th belongs to the next month
    (and 21–31 December to January of the next year).

    >>> d = np.array(["2023-01-20", "2023-12-21"], dtype="datetime64[D]")
    >>> [a.tolist() for a in period_of(d)]
    [[2023, 2023], [1, 12]]
    >>> [a.tolist() for a in period_of(d, MetricSettings(statistical_month_end_day=20))]
    [[2023, 2024], [1, 1]]
    """
    settings = settings or MetricSettings()
    d = registered_on.astype("datetime64[D]")
    nat = np.isnat(d)
    months = d.astype("datetime64[M]")
    index = months.astype("int64")
    if settings.statistical_month_end_day is not None:
        day = (d - months.astype("datetime64[D]")).astype("int64") + 1
        index = index + (day > settings.statistical_month_end_day)
    year = np.where(nat, -1, index // 12 + 1970)
    month = np.where(nat, -1, index % 12 + 1)
    return year, month


def _year_period(registered_on: np.ndarray, year: int,
                 settings: MetricSettings) -> tuple[np.ndarray, np.ndarray]:
    """(in ``year``, month) of each date through a lookup table over 1 Dec (year−1) … 31 Dec.

    Same result as :func:`period_of` but without per-row calendar arithmetic.
    """
    start = np.datetime64(f"{year - 1}-12-01", "D")
    window = np.arange(start, np.datetime64(f"{year + 1}-01-01", "D"))
    lut_year, lut_month = period_of(window, settings)
    offset = registered_on.astype("datetime64[D]").view("int64") - start.astype("int64")
    inside = (offset >= 0) & (offset < len(window))
    index = np.where(inside, offset, 0)
    return inside & (lut_year == year)[index], lut_month[index]


def period_end(year: int, settings: MetricSettings | None = None) -> dt.date:
    """Last day of the statistical year: 31 December, or the end day of the December month.

    >>> period_end(2023), period_end(2023, MetricSettings(statistical_month_end_day=20))
    (datetime.date(2023, 12, 31), datetime.date(2023, 12, 20))
    """
    settings = settings or MetricSettings()
    return dt.date(year, 12, settings.statistical_month_end_day or 31)


# --------------------------------------------------------------------------- flags

def check_extensions(df: pd.DataFrame, settings: MetricSettings | None = None,
                     file: str = "petitions.xlsx", ext: np.ndarray | None = None,
                     sheet: str | None = PETITIONS.sheet) -> None:
    """Raise :class:`InputError` when an ``extension_days`` is negative or above the maximum.

    >>> check_extensions(pd.DataFrame({"extension_days": [0, 30]}))
    >>> check_extensions(pd.DataFrame({"extension_days": [31]}))
    Traceback (most recent call last):
    ...
    evalkit.errors.InputError: 1 input error(s)
    ...
    """
    settings = settings or MetricSettings()
    ext = _int(df, "extension_days") if ext is None else ext
    bad = np.flatnonzero((ext < 0) | (ext > settings.max_extension_days))
    if not len(bad):
        return
    rows = df["source_row"].to_numpy()[bad] if "source_row" in df.columns else [None] * len(bad)
    header = PETITIONS.column("extension_days").header
    raise InputError([problem(
        "error", file, f"延期天数应在 0–{settings.max_extension_days} 天之间",
        f"extension must be 0..{settings.max_extension_days} days",
        sheet=sheet, row=None if r is None or pd.isna(r) else int(r), column=header,
        value=int(ext[i])) for i, r in zip(bad, rows)])


@dataclass
class CaseFlags:
    """Flags of every row of a register for one year.

    Rows that are not counted (other year, 涉法涉诉, blank registration date) stay in the arrays
    with ``counted`` False; counting sends them to a discarded bin, so no column is ever copied
    by row filtering.
    """

    year: int
    as_of: dt.date
    counted: np.ndarray                        # bool: the case is in the year's population
    month: np.ndarray                          # 1..12 (meaningless where not counted)
    codes: dict[str, Dim]
    flags: dict[str, np.ndarray]

    def __len__(self) -> int:
        """Number of counted cases."""
        return int(self.counted.sum())

    def frame(self) -> pd.DataFrame:
        """One row per counted case: labels, month and every flag (for inspection in notebooks)."""
        keep = self.counted
        out: dict[str, Any] = {name: pd.Categorical.from_codes(dim.codes[keep], dim.labels)
                               for name, dim in self.codes.items()}
        out["month"] = self.month[keep]
        out.update({name: flag[keep] for name, flag in self.flags.items()})
        return pd.DataFrame(out)


def _deadline(reg: np.ndarray, acc: np.ndarray, due_on: np.ndarray, ext: np.ndarray,
              settings: MetricSettings) -> np.ndarray:
    """Effective deadline: ``due_on``, else accepted + handling + extension, else registered +
    acceptance + handling + extension (the latest lawful deadline of a never-accepted case)."""
    days = (ext + settings.handling_days).astype("timedelta64[D]")
    from_acceptance = np.where(np.isnat(acc), reg + np.timedelta64(settings.acceptance_days, "D"),
                               acc) + days
    return np.where(np.isnat(due_on), from_acceptance, due_on)


def case_flags(df: pd.DataFrame, year: int, settings: MetricSettings | None = None,
               as_of: dt.date | None = None) -> CaseFlags:
    """Flag every case for every count in :data:`COUNTS` (vectorised, no row loop).

    Args:
        df: tidy petition register.
        year: the statistical year; cases registered in other years are not counted.
        settings: metric settings (defaults when ``None``).
        as_of: the day open cases are judged at (default :func:`period_end`).

    Returns:
        A :class:`CaseFlags`; ``len()`` is the number of counted cases and ``.frame()`` shows them.

    Raises:
        InputError: when an extension is outside 0..``max_extension_days``.

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-03-01", "2022-12-31"]),
    ...     "accepted_on": pd.to_datetime(["2023-03-16", None]), "channel": ["来信", "来访"],
    ...     "purpose": ["求决类", "求决类"], "is_repeat": [False, False], "township": ["A", "A"]})
    >>> f = case_flags(df, 2023)
    >>> len(f), bool(f.frame()["timely_accepted"][0])
    (1, True)
    """
    settings = settings or MetricSettings()
    ext = _int(df, "extension_days")
    check_extensions(df, settings, ext=ext)
    as_of = as_of or period_end(year, settings)
    n = len(df)
    col = lambda name: df[name] if name in df.columns else None  # noqa: E731
    reg = _dates(df, "registered_on")
    in_year, month = _year_period(reg, year, settings)
    acc, closed_on, due_on = (_dates(df, c) for c in ("accepted_on", "closed_on", "due_on"))
    limit = np.datetime64(as_of, "D")
    acceptance_end = reg + np.timedelta64(settings.acceptance_days, "D")
    deadline = _deadline(reg, acc, due_on, ext, settings)

    repeat = _bool(df, "is_repeat")
    closed = ~np.isnat(closed_on)
    qiujue_initial = _isin(col("purpose"), settings.qiujue_purposes, n) & ~repeat
    qiujue_closed = qiujue_initial & closed
    satisfaction = col("satisfaction")
    flags = {
        "cases": np.ones(n, dtype=bool),
        "online_cases": ~_isin(col("channel"), settings.offline_channels, n),
        "repeat_cases": repeat,
        "qiujue_initial_closed": qiujue_closed,
        "qiujue_initial_resolved": qiujue_closed & _bool(df, "resolved_first_time"),
        "satisfied_cases": _isin(satisfaction, settings.satisfied_levels, n),
        "rated_cases": _isin(satisfaction, RATED_LEVELS, n),
        "closed_cases": closed,
        "due_for_acceptance": (acceptance_end <= limit) | ~np.isnat(acc),
        "timely_accepted": acc <= acceptance_end,
        "due_for_completion": closed | (deadline <= limit),
        "completed_on_time": closed_on <= deadline,
        "national_initial_qiujue_count": qiujue_initial & _bool(df, "registered_national"),
    }
    codes = {
        "township": _codes(col("township"), n),
        "channel": _codes(col("channel"), n, CHANNELS),
        "purpose": _codes(col("purpose"), n, PURPOSES),
        "responsible_unit": _codes(col("responsible_unit"), n),
    }
    counted = in_year & ~_bool(df, "is_litigation")
    return CaseFlags(year, as_of, counted, month, codes, flags)


# --------------------------------------------------------------------------- counting

def _count(flags: CaseFlags, dims: Sequence[str], names: Sequence[str] = COUNTS
           ) -> tuple[np.ndarray, list[list[Any]]]:
    """Count ``names`` per combination of ``dims`` with one ``np.bincount`` per count.

    Returns:
        An int array of shape ``[len(names), *dim sizes]`` and the labels of each dimension.
    """
    key = np.zeros(len(flags.counted), dtype="int64")
    shape, labels, orders = [], [], []
    for dim in dims:
        if dim == "month":
            codes, dim_labels, order = flags.month - 1, list(range(1, 13)), np.arange(12)
        else:
            d = flags.codes[dim]
            codes, dim_labels, order = d.codes, d.labels, d.order
        key = key * len(dim_labels) + codes
        shape.append(len(dim_labels))
        labels.append([dim_labels[i] for i in order])
        orders.append(order)
    size = int(np.prod(shape)) if shape else 1
    key = np.where(flags.counted, key, size)            # uncounted rows -> discarded last bin
    table = np.empty((len(names), size), dtype="int64")
    for i, name in enumerate(names):
        if name == "cases":
            table[i] = np.bincount(key, minlength=size + 1)[:size]
        else:
            table[i] = np.bincount(key, weights=flags.flags[name], minlength=size + 1)[:size]
    table = table.reshape((len(names), *shape))
    for axis, order in enumerate(orders, start=1):      # labels into display order
        table = np.take(table, order, axis=axis)
    return table, labels


def counts_frame(table: np.ndarray, dims: Sequence[str],
                 labels: Sequence[Sequence[Any]], keep_empty: Sequence[str] = ("month",)
                 ) -> pd.DataFrame:
    """Turn a count array from :func:`_count` into a tidy frame (one row per group).

    Groups without cases are dropped, except along the dimensions in ``keep_empty`` (months are
    always listed, so an empty month shows as zeros).
    """
    if not dims:
        return pd.DataFrame({name: [int(table[i])] for i, name in enumerate(COUNTS)})
    index = pd.MultiIndex.from_product(labels, names=list(dims))
    frame = pd.DataFrame(table.reshape(len(COUNTS), -1).T, columns=list(COUNTS), index=index)
    frame = frame.reset_index()
    others = [d for d in dims if d not in keep_empty]
    if others:
        present = frame.groupby(others, sort=False)["cases"].transform("sum") > 0
        frame = frame[present]
    return frame.reset_index(drop=True)


def infer_year(df: pd.DataFrame, settings: MetricSettings | None = None) -> int:
    """The statistical year most cases of a register belong to.

    >>> infer_year(pd.DataFrame({"registered_on": pd.to_datetime(["2022-12-31", "2023-01-02",
    ...                                                           "2023-05-01"])}))
    2023
    """
    years, _ = period_of(_dates(df, "registered_on"), settings)
    years = years[years > 0]
    if not len(years):
        raise ValueError("no registration date in the register")
    values, counts = np.unique(years, return_counts=True)
    return int(values[np.argmax(counts)])


def petition_counts(df: pd.DataFrame, year: int | None = None,
                    by: str | Sequence[str] | None = None,
                    settings: MetricSettings | None = None) -> pd.DataFrame:
    """Every count of :data:`COUNTS` for ``year``, overall or per group.

    Args:
        df: tidy petition register.
        year: statistical year (default: :func:`infer_year`).
        by: ``None`` for the year, or one or more of ``township, month, channel, purpose,
            responsible_unit``.
        settings: metric settings.

    Returns:
        One row per group (``month`` always 1..12) with the group columns and an int column per
        count.

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-01-05", "2023-03-01"]),
    ...     "channel": ["网上信访", "来信"], "purpose": ["求决类", "咨询类"],
    ...     "is_repeat": [False, True], "township": ["A", "B"]})
    >>> petition_counts(df, 2023, by="month")[["month", "cases"]].head(3).values.tolist()
    [[1, 1], [2, 0], [3, 1]]
    """
    dims = [by] if isinstance(by, str) else list(by or [])
    unknown = [d for d in dims if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown grouping {unknown}; use {DIMENSIONS}")
    year = infer_year(df, settings) if year is None else year
    table, labels = _count(case_flags(df, year, settings), dims)
    return counts_frame(table, dims, labels)


def add_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Add every rate of :data:`RATES` to a counts frame (half-up 2 dp; NaN when undefined).

    >>> c = pd.DataFrame({name: [0] for name in COUNTS})
    >>> c[["cases", "online_cases"]] = [[8, 1]]
    >>> add_rates(c)[["online_share_pct", "satisfaction_rate_pct"]].values.tolist()
    [[12.5, nan]]
    """
    out = counts.copy()
    for rate, (num, den) in RATES.items():
        out[rate] = pd.array([_float(ratio_pct(int(a), int(b))) for a, b in
                              zip(counts[num], counts[den])], dtype="float64")
    return out


def _float(value: Decimal | None) -> float:
    return float(value) if value is not None else np.nan


def petition_rates(df: pd.DataFrame, year: int | None = None,
                   by: str | Sequence[str] | None = None,
                   settings: MetricSettings | None = None) -> pd.DataFrame:
    """Counts and rates for ``year``, overall or per group (see :func:`petition_counts`).

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-01-05"] * 3),
    ...     "channel": ["网上信访", "来信", "电话"], "purpose": ["咨询类"] * 3,
    ...     "is_repeat": [False] * 3, "township": ["A", "A", "B"]})
    >>> petition_rates(df, 2023, by="township")[["township", "online_share_pct"]].values.tolist()
    [['A', 50.0], ['B', 100.0]]
    """
    return add_rates(petition_counts(df, year, by, settings))


# --------------------------------------------------------------------------- the section

def _share_list(cases: np.ndarray, labels: list[str], name: str) -> list[dict[str, Any]]:
    """[{name, cases, share_pct}] for labels with cases, in label order."""
    total = int(cases.sum())
    return [{name: label, "cases": int(c), "share_pct": _json(ratio_pct(int(c), total))}
            for label, c in zip(labels, cases) if c > 0]


def _json(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def petition_metrics(df: pd.DataFrame, year: int,
                     settings: MetricSettings | None = None) -> dict[str, Any]:
    """The ``petitions`` section of the metrics dict for ``year`` (JSON-ready).

    The national 同比, previous count and rank are filled in by
    :func:`evalkit.metrics.compute_metrics`
    (``None`` here).

    >>> df = pd.DataFrame({"registered_on": pd.to_datetime(["2023-01-05", "2023-02-01"]),
    ...     "closed_on": pd.to_datetime(["2023-01-20", None]), "channel": ["网上信访", "来访"],
    ...     "purpose": ["求决类", "求决类"], "is_repeat": [False, False],
    ...     "resolved_first_time": pd.array([True, pd.NA], dtype="boolean"),
    ...     "satisfaction": ["满意", "未评价"], "township": ["A", "A"]})
    >>> m = petition_metrics(df, 2023)
    >>> m["online_share_pct"], m["first_time_resolution_rate_pct"], m["satisfaction_rate_pct"]
    (50.0, 100.0, 100.0)
    """
    flags = case_flags(df, year, settings)
    base, (towns, months) = _count(flags, ("township", "month"))
    total = base.sum(axis=(1, 2))
    counts = {name: int(total[i]) for i, name in enumerate(COUNTS)}
    rates = {rate: _json(ratio_pct(counts[num], counts[den]))
             for rate, (num, den) in RATES.items()}
    values = {**counts, **rates, "total_cases": counts["cases"],
              "national_initial_qiujue_prev_count": None, "national_initial_qiujue_yoy_pct": None,
              "national_initial_qiujue_rank": None, "peer_district_count": None}
    out: dict[str, Any] = {key: values[key] for key in SECTION_KEYS}

    by_month = base.sum(axis=1)
    out["by_month"] = [{"month": m, "cases": int(by_month[0, j]),
                        "online_cases": int(by_month[1, j]), "repeat_cases": int(by_month[2, j])}
                       for j, m in enumerate(months)]
    town = counts_frame(base.sum(axis=2), ["township"], [towns], keep_empty=())
    town = add_rates(town).sort_values(["cases", "township"], ascending=[False, True],
                                       kind="stable")
    out["by_township"] = records(town[["township", "cases", "online_share_pct",
                                       "first_time_resolution_rate_pct", "satisfaction_rate_pct",
                                       "timely_acceptance_rate_pct",
                                       "on_time_completion_rate_pct"]])
    for dim, key in (("channel", "by_channel"), ("purpose", "by_purpose")):
        table, (labels,) = _count(flags, (dim,), ("cases",))
        out[key] = _share_list(table[0], labels, dim)
    out["by_unit"] = _unit_list(flags)
    return out


def _unit_list(flags: CaseFlags) -> list[dict[str, Any]]:
    """[{responsible_unit, cases, on_time_completion_rate_pct}] by cases (desc), then name."""
    names = ("cases", "due_for_completion", "completed_on_time")
    table, (units,) = _count(flags, ("responsible_unit",), names)
    rows = [{"responsible_unit": unit, "cases": int(c),
             "on_time_completion_rate_pct": _json(ratio_pct(int(ok), int(due)))}
            for unit, c, due, ok in zip(units, *table) if c > 0]
    return sorted(rows, key=lambda r: (-r["cases"], r["responsible_unit"]))


