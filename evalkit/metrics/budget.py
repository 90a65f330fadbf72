"""Budget execution metrics on the tidy budget frame (``schema.BUDGET`` columns, amounts in 万元).

All sums are exact: amounts are converted to integer 分 (:func:`evalkit.numfmt.wan_to_fen`) and
summed as integers; rates are divided in ``Decimal`` and rounded half-up once at the end. Frames
returned here hold the *rounded* figures (floats, NaN when undefined) ready to display.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

import numpy as np
import pandas as pd

from evalkit.numfmt import as_json_number, fen_to_wan, ratio_pct, round_half_up, wan_to_fen
from evalkit.schema import EXPENSE_TYPES, MONTH_KEYS

from evalkit.metrics.settings import MetricSettings

LINE_KEYS = ("subject_code", "subject_name", "project_name", "expense_type")
FUND_COLUMNS = ["fund", "initial_budget_wan", "budget_wan", "actual_wan", "execution_rate_pct"]

#: The classes of 资金来源 (the 自评表's 预算资金情况 rows): this year's 财政拨款, money carried over
#: from earlier years (上年结转) and everything else (其他资金: 事业收入, 单位资金, 财政专户管理资金 …).
FUND_FISCAL, FUND_CARRYOVER, FUND_OTHER = "财政拨款", "上年结转", "其他资金"
#: Words that make a 资金来源 a carry-over (checked first) or this year's 财政拨款.
CARRYOVER_WORDS = ("结转", "结余")
FISCAL_WORDS = ("财政拨款", "财政资金", "本级财政", "一般公共预算", "政府性基金", "国有资本经营")
PROGRESS_COLUMNS = ["month", "actual_wan", "cumulative_wan", "progress_pct", "linear_pct",
                    "gap_pp"]
CHECKPOINT_COLUMNS = ["month", "target_pct", "actual_pct", "met"]


def _fen(df: pd.DataFrame, column: str) -> np.ndarray:
    """Integer 分 of an amount column (absent column or blank cell = 0)."""
    if column not in df.columns:
        return np.zeros(len(df), dtype="int64")
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.rint(np.nan_to_num(values, nan=0.0) * 1_000_000).astype("int64")


def _num(value: Decimal | int | None) -> float | int | None:
    return as_json_number(value)


def _rate(numerator_fen: int, denominator_fen: int) -> Decimal | None:
    return ratio_pct(int(numerator_fen), int(denominator_fen))


def budget_totals(df: pd.DataFrame) -> dict[str, Decimal | None]:
    """Exact budget totals (``Decimal`` 万元) and the execution rate.

    Args:
        df: tidy budget frame.

    Returns:
        ``initial_budget_wan, adjustment_wan, total_budget_wan, total_actual_wan,
        unspent_wan`` (exact) and ``execution_rate_pct`` (half-up 2 dp; ``None`` when the
        budget is zero).

    >>> t = budget_totals(pd.DataFrame({"budget_wan": [783.16], "actual_wan": [774.9],
    ...                                 "initial_budget_wan": [800.0]}))
    >>> t["execution_rate_pct"], t["unspent_wan"]
    (Decimal('98.95'), Decimal('8.26'))
    """
    budget, actual = int(_fen(df, "budget_wan").sum()), int(_fen(df, "actual_wan").sum())
    return {
        "initial_budget_wan": fen_to_wan(int(_fen(df, "initial_budget_wan").sum())),
        "adjustment_wan": fen_to_wan(int(_fen(df, "adjustment_wan").sum())),
        "total_budget_wan": fen_to_wan(budget),
        "total_actual_wan": fen_to_wan(actual),
        "execution_rate_pct": _rate(actual, budget),
        "unspent_wan": fen_to_wan(budget - actual),
    }


def budget_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Budget, actual and execution rate per 支出类型 (基本支出 and 项目支出 always listed first).

    Returns:
        Columns ``expense_type, budget_wan, actual_wan, execution_rate_pct`` (rate NaN when a
        type has no budget).

    >>> budget_by_type(pd.DataFrame({"expense_type": ["基本支出", "项目支出"],
    ...     "budget_wan": [580.13, 0.0], "actual_wan": [580.13, 0.0]})).execution_rate_pct.tolist()
    [100.0, nan]
    """
    types = (df["expense_type"].astype("object").fillna("未填写") if len(df)
             else pd.Series([], dtype=object))
    present = [t for t in pd.unique(types) if t not in EXPENSE_TYPES]
    order = [*EXPENSE_TYPES, *sorted(present)]
    frame = pd.DataFrame({"t": types.to_numpy(), "b": _fen(df, "budget_wan"),
                          "a": _fen(df, "actual_wan")})
    sums = frame.groupby("t", sort=False)[["b", "a"]].sum().reindex(order, fill_value=0)
    return pd.DataFrame({
        "expense_type": order,
        "budget_wan": [_num(fen_to_wan(v)) for v in sums["b"]],
        "actual_wan": [_num(fen_to_wan(v)) for v in sums["a"]],
        "execution_rate_pct": [_num(_rate(a, b)) for a, b in zip(sums["a"], sums["b"])],
    }).astype({"budget_wan": "float64", "actual_wan": "float64", "execution_rate_pct": "float64"})


def budget_lines(df: pd.DataFrame) -> pd.DataFrame:
    """One row per budget line, in file order, with its execution rate.

    Returns:
        Columns ``subject_code, subject_name, project_name, expense_type, budget_wan,
        actual_wan, execution_rate_pct`` (rate NaN for a zero-budget line).

    >>> budget_lines(pd.DataFrame({"subject_code": ["2010308"], "subject_name": ["信访事务"],
    ...     "expense_type": ["项目支出"], "budget_wan": [0.125], "actual_wan": [0.1]})
    ...     ).execution_rate_pct.tolist()
    [80.0]
    """
    blank = pd.Series([None] * len(df), dtype="object", index=df.index)
    out = pd.DataFrame({k: (df[k].astype("object") if k in df.columns else blank)
                        for k in LINE_KEYS}).reset_index(drop=True)
    out = out.where(out.notna(), None)
    budget, actual = _fen(df, "budget_wan"), _fen(df, "actual_wan")
    out["budget_wan"] = [_num(fen_to_wan(v)) for v in budget]
    out["actual_wan"] = [_num(fen_to_wan(v)) for v in actual]
    out["execution_rate_pct"] = [_num(_rate(a, b)) for a, b in zip(actual, budget)]
    return out.astype({"budget_wan": "float64", "actual_wan": "float64",
                       "execution_rate_pct": "float64"})


def monthly_months(df: pd.DataFrame) -> list[int]:
    """Months 1..m where m is the last month column holding any figure ([] without monthly data).

    >>> monthly_months(pd.DataFrame({"m01_wan": [1.0], "m03_wan": [2.0], "m04_wan": [None]}))
    [1, 2, 3]
    """
    filled = [i + 1 for i, key in enumerate(MONTH_KEYS)
              if key in df.columns and pd.to_numeric(df[key], errors="coerce").notna().any()]
    return list(range(1, max(filled) + 1)) if filled else []


def _progress_exact(df: pd.DataFrame) -> list[tuple[int, int, int]]:
    """(month, month 分, cumulative 分) for each month with data."""
    rows, cumulative = [], 0
    for month in monthly_months(df):
        spent = int(_fen(df, MONTH_KEYS[month - 1]).sum())
        cumulative += spent
        rows.append((month, spent, cumulative))
    return rows


def linear_pct(month: int) -> Decimal:
    """序时进度 at the end of ``month``: month / 12 × 100, half-up.

    >>> linear_pct(1), linear_pct(6), linear_pct(11)
    (Decimal('8.33'), Decimal('50.00'), Decimal('91.67'))
    """
    return round_half_up(Decimal(month * 100) / 12)


def monthly_progress(df: pd.DataFrame) -> pd.DataFrame:
    """Cumulative 支出进度 per month against the linear 序时进度.

    ``progress_pct`` = cumulative spending to the end of the month / full-year budget × 100;
    ``linear_pct`` = month / 12 × 100; ``gap_pp`` = printed progress − printed linear (so the
    report's figures add up). Blank monthly cells count as zero.

    Returns:
        Columns ``month, actual_wan, cumulative_wan, progress_pct, linear_pct, gap_pp``; empty
        without monthly columns. Progress is NaN when the budget is zero.

    >>> df = pd.DataFrame({"budget_wan": [120.0], "actual_wan": [110.0],
    ...                    "m01_wan": [5.0], "m02_wan": [20.0]})
    >>> monthly_progress(df)[["month", "progress_pct", "linear_pct", "gap_pp"]].values.tolist()
    [[1.0, 4.17, 8.33, -4.16], [2.0, 20.83, 16.67, 4.16]]
    """
    budget = int(_fen(df, "budget_wan").sum())
    records = []
    for month, spent, cumulative in _progress_exact(df):
        progress = _rate(cumulative, budget)
        linear = linear_pct(month)
        records.append({
            "month": month,
            "actual_wan": _num(fen_to_wan(spent)),
            "cumulative_wan": _num(fen_to_wan(cumulative)),
            "progress_pct": _num(progress),
            "linear_pct": _num(linear),
            "gap_pp": _num(None if progress is None else progress - linear),
        })
    frame = pd.DataFrame(records, columns=PROGRESS_COLUMNS)
    return frame.astype({"month": "int64", **{c: "float64" for c in PROGRESS_COLUMNS[1:]}})


def progress_checkpoints(progress: pd.DataFrame,
                         checkpoints: Mapping[int, Any]) -> pd.DataFrame:
    """Compare the printed 支出进度 at each checkpoint month with its target.

    Args:
        progress: output of :func:`monthly_progress`.
        checkpoints: month -> target percent, e.g. ``{6: 50, 9: 75, 12: 100}``.

    Returns:
        Columns ``month, target_pct, actual_pct, met``; ``met`` is ``actual_pct >= target_pct``
        on the printed (rounded) progress; months without data are left out. Empty without
        monthly data.

    >>> p = pd.DataFrame({"month": [6], "progress_pct": [49.99]})
    >>> progress_checkpoints(p, {6: 50}).met.tolist()
    [False]
    """
    by_month = dict(zip(progress["month"].astype(int), progress["progress_pct"]))
    records = []
    for month, target in sorted(checkpoints.items()):
        if int(month) not in by_month:
            continue
        actual = by_month[int(month)]
        actual = None if pd.isna(actual) else actual
        met = None if actual is None else bool(round_half_up(actual) >= round_half_up(target))
        records.append({"month": int(month), "target_pct": _num(round_half_up(target)),
                        "actual_pct": actual, "met": met})
    return pd.DataFrame(records, columns=CHECKPOINT_COLUMNS).astype(
        {"month": "int64", "target_pct": "float64", "actual_pct": "float64", "met": "object"})


def months_behind(progress: pd.DataFrame) -> list[int]:
    """Months whose printed 支出进度 is below the printed 序时进度 (``gap_pp < 0``).

    >>> months_behind(pd.DataFrame({"month": [1, 2], "gap_pp": [-0.01, 0.0]}))
    [1]
    """
    if progress.empty:
        return []
    return [int(m) for m in progress.loc[progress["gap_pp"] < 0, "month"]]


def fund_class(source: Any) -> str | None:
    """The class of a 资金来源 cell: 上年结转, 财政拨款 or 其他资金 (``None`` when blank).

    >>> [fund_class(s) for s in ("一般公共预算财政拨款", "财政拨款结转", "单位资金", "财政专户管理资金", " ")]
    ['财政拨款', '上年结转', '其他资金', '其他资金', None]
    """
    if source is None or source is pd.NA or (isinstance(source, float) and np.isnan(source)):
        return None
    text = str(source).strip()
    if not text:
        return None
    if any(w in text for w in CARRYOVER_WORDS):
        return FUND_CARRYOVER
    if any(w in text for w in FISCAL_WORDS):
        return FUND_FISCAL
    return FUND_OTHER


def budget_by_fund(df: pd.DataFrame) -> pd.DataFrame:
    """年初预算数, 全年预算数, 全年执行数 and 执行率 per class of 资金来源 (:func:`fund_class`).

    Rows 财政拨款 and 其他资金 always (zero when the file has none), 上年结转 between them only when
    present. Empty when the file has no 资金来源 column or a line leaves it blank: the split is
    then unknown, and nothing is guessed.

    >>> f = budget_by_fund(pd.DataFrame({"fund_source": ["一般公共预算财政拨款", "单位资金"],
    ...     "initial_budget_wan": [10.0, 0.0], "budget_wan": [12.0, 3.0], "actual_wan": [11.0, 3.0]}))
    >>> f[["fund", "budget_wan", "actual_wan", "execution_rate_pct"]].values.tolist()
    [['财政拨款', 12.0, 11.0, 91.67], ['其他资金', 3.0, 3.0, 100.0]]
    >>> budget_by_fund(pd.DataFrame({"budget_wan": [1.0], "actual_wan": [1.0]})).empty
    True
    """
    if "fund_source" not in df.columns:
        return pd.DataFrame(columns=FUND_COLUMNS)
    classes = [fund_class(v) for v in df["fund_source"].astype("object")]
    if not classes or any(c is None for c in classes):
        return pd.DataFrame(columns=FUND_COLUMNS)
    frame = pd.DataFrame({"f": classes, "i": _fen(df, "initial_budget_wan"),
                          "b": _fen(df, "budget_wan"), "a": _fen(df, "actual_wan")})
    sums = frame.groupby("f", sort=False)[["i", "b", "a"]].sum()
    order = [FUND_FISCAL, *([FUND_CARRYOVER] if FUND_CARRYOVER in sums.index else []), FUND_OTHER]
    sums = sums.reindex(order, fill_value=0)
    return pd.DataFrame({
        "fund": order,
        "initial_budget_wan": [_num(fen_to_wan(v)) for v in sums["i"]],
        "budget_wan": [_num(fen_to_wan(v)) for v in sums["b"]],
        "actual_wan": [_num(fen_to_wan(v)) for v in sums["a"]],
        "execution_rate_pct": [_num(_rate(a, b)) for a, b in zip(sums["a"], sums["b"])],
    }).astype({c: "float64" for c in FUND_COLUMNS[1:]})


def income_by_source(by_fund: pd.DataFrame) -> dict[str, float | None]:
    """本年收入 by source from :func:`budget_by_fund` (all ``None`` when the split is unknown).

    本年收入 of a source is what was actually paid from it in the year (its 全年执行数): under
    国库集中支付 a 财政拨款 is received as it is paid, which is how the reference report states
    「财政拨款收入774.90万元」. ``carryover_wan`` (年初结转和结余) is the full-year budget of the
    lines funded by 上年结转 (0 when there are none).

    Returns:
        ``income_total_wan`` (财政拨款收入 + 其他收入), ``income_fiscal_wan``,
        ``income_other_wan`` and ``carryover_wan``.

    >>> income_by_source(budget_by_fund(pd.DataFrame({"fund_source": ["财政拨款", "上年结转"],
    ...     "budget_wan": [12.0, 2.5], "actual_wan": [11.0, 2.0]})))
    {'income_total_wan': 11.0, 'income_fiscal_wan': 11.0, 'income_other_wan': 0.0, 'carryover_wan': 2.5}
    """
    keys = ("income_total_wan", "income_fiscal_wan", "income_other_wan", "carryover_wan")
    if by_fund.empty:
        return dict.fromkeys(keys)
    rows = by_fund.set_index("fund")
    fiscal, other = rows.loc[FUND_FISCAL, "actual_wan"], rows.loc[FUND_OTHER, "actual_wan"]
    carry = rows.loc[FUND_CARRYOVER, "budget_wan"] if FUND_CARRYOVER in rows.index else 0.0
    total = fen_to_wan(wan_to_fen(fiscal) + wan_to_fen(other))
    return dict(zip(keys, (_num(total), _num(fiscal), _num(other), _num(carry))))


def budget_summary(df: pd.DataFrame) -> dict[str, float | None]:
    """The headline budget figures, JSON-ready (half-up 2 dp, ``None`` when undefined).

    Returns:
        ``initial_budget_wan, adjustment_wan, total_budget_wan, total_actual_wan,
        execution_rate_pct, unspent_wan`` and the ``basic_*`` / ``project_*`` budget, actual and
        rate.

    >>> s = budget_summary(pd.DataFrame({"expense_type": ["基本支出", "项目支出"],
    ...     "budget_wan": [588.0, 195.16], "actual_wan": [580.13, 194.77]}))
    >>> s["execution_rate_pct"], s["basic_actual_wan"], s["project_actual_wan"]
    (98.95, 580.13, 194.77)
    """
    totals = budget_totals(df)
    out = {k: _num(totals[k]) for k in ("initial_budget_wan", "adjustment_wan", "total_budget_wan",
                                       "total_actual_wan", "execution_rate_pct", "unspent_wan")}
    by_type = budget_by_type(df).set_index("expense_type")
    for prefix, name in (("basic", "基本支出"), ("project", "项目支出")):
        row = by_type.loc[name]
        out[f"{prefix}_budget_wan"] = _num(row["budget_wan"])
        out[f"{prefix}_actual_wan"] = _num(row["actual_wan"])
        out[f"{prefix}_execution_rate_pct"] = _num(row["execution_rate_pct"])
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-ready dicts (NaN/NA -> None, numpy scalars -> Python, half-up)."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: _json_value(v) for k, v in row.items()})
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (str, bool, np.bool_)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, np.integer, float, np.floating, Decimal)):
        return as_json_number(value)
    return value


def budget_metrics(df: pd.DataFrame, settings: MetricSettings | None = None) -> dict[str, Any]:
    """The ``budget`` section of the metrics dict (JSON-ready).

    >>> m = budget_metrics(pd.DataFrame({"expense_type": ["基本支出"], "budget_wan": [0.0],
    ...                                  "actual_wan": [0.0]}))
    >>> m["execution_rate_pct"] is None, m["progress"]
    (True, [])
    """
    settings = settings or MetricSettings()
    progress = monthly_progress(df)
    out: dict[str, Any] = budget_summary(df)
    by_fund = budget_by_fund(df)
    out.update(income_by_source(by_fund))
    out["by_type"] = records(budget_by_type(df))
    out["by_fund"] = records(by_fund)
    out["lines"] = records(budget_lines(df))
    out["progress"] = records(progress)
    out["checkpoints"] = records(progress_checkpoints(progress, settings.checkpoints))
    out["months_behind"] = months_behind(progress)
    return out
