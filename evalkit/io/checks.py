"""Cross-cell checks of a parsed table: duplicates, negatives, reversed dates, sums and totals.

Each check is vectorised over the table and reports the flagged rows through a
:class:`~evalkit.io.located.Locator` (file, sheet, Excel row, header as written, raw value).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.io.clean import amount_scale, parse_amount
from evalkit.io.located import Locator
from evalkit.schema import EXPENSE_TYPES, MONTH_KEYS, TableSpec

if TYPE_CHECKING:
    from evalkit.io.tables import Body

NON_NEGATIVE = ("initial_budget_wan", "budget_wan", "actual_wan")
TOLERANCE = Decimal("0.01")
"""Sums may differ from stated figures by at most 0.01 in the unit the file is written in."""


@dataclass(frozen=True)
class Context:
    """What a cross-cell check sees: the parsed frame, exact amounts in 分, the raw cells."""

    frame: pd.DataFrame
    fen: dict[str, pd.Series]
    body: "Body"
    units: dict[str, str]
    loc: Locator
    year: int | None

    @property
    def raw(self) -> pd.DataFrame:
        return self.body.cells


def run(spec: TableSpec, frame: pd.DataFrame, fen: dict[str, pd.Series], body: "Body",
        units: dict[str, str], loc: Locator, year: int | None) -> None:
    """Run the duplicate-key check and the checks ``spec.checks`` names; add problems to ``loc``."""
    ctx = Context(frame, fen, body, units, loc, year)
    duplicates(spec, frame, ctx.raw, loc)
    for name in spec.checks:
        CHECKS[name](ctx)


def duplicates(spec: TableSpec, frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator) -> None:
    """Error on each repeated key (e.g. 信访件编号), naming the row it repeats."""
    keys = list(spec.key)
    if not keys or not all(k in raw for k in keys):
        return
    if len(keys) == 1 and not _repeats(frame[keys[0]]):
        return  # the common case, decided on integer codes without copying the column
    present = frame[keys].notna().all(axis=1)
    sub = frame.loc[present, keys]
    dup = sub.duplicated(keep="first")
    if not dup.any():
        return
    rows = pd.Series(sub.index, index=sub.index)
    first = rows.groupby([sub[k] for k in keys], sort=False).transform("min")
    header = loc.headers.get(keys[0], keys[0])
    loc.rows("error", dup, keys[0], raw[keys[0]], f"{header}重复（与第{{detail}}行相同）",
             "duplicate key (same as row {detail})", details=first)


def _repeats(values: pd.Series) -> bool:
    """Whether any non-blank value occurs twice (Arrow strings: none when they are in
    increasing order, else one hash pass, Arrow's)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = pa.array(values.array)
        if _strictly_increasing(pc.drop_null(cells)):
            return False
        codes = pc.fill_null(pc.dictionary_encode(cells).indices, -1)
        codes = codes.to_numpy(zero_copy_only=False)
        codes = codes[codes >= 0]
        return len(codes) > 0 and int(np.bincount(codes).max()) > 1
    return bool(values.dropna().duplicated().any())


def _strictly_increasing(cells: "pa.Array | pa.ChunkedArray") -> bool:
    """Whether the cells (no nulls) are in strictly increasing order, so all distinct: one
    comparison pass (≈ 0.04 s for 1M case numbers, a hash pass ≈ 0.25 s); a register is often
    in 信访件编号 order."""
    n = len(cells)
    return n < 2 or bool(pc.all(pc.greater(cells.slice(1), cells.slice(0, n - 1))).as_py())


def format_fen(fen: int, unit: str) -> str:
    """An exact amount in 分 as written in ``unit`` (``3,231,500.00元``)."""
    value = Decimal(int(fen)) / amount_scale(unit)
    return f"{value.quantize(TOLERANCE):,}{unit}"


_fmt = format_fen


def _tolerance_fen(unit: str) -> int:
    return int(TOLERANCE * amount_scale(unit))


def budget_negatives(fen: dict[str, pd.Series], raw: pd.DataFrame, loc: Locator) -> None:
    """Negative budget or spending is an error; a negative month is a warning (冲减)."""
    for key, values in fen.items():
        if key in NON_NEGATIVE:
            loc.rows("error", values < 0, key, raw[key], "金额不能为负数", "negative amount")
        elif key in MONTH_KEYS:
            loc.rows("warning", values < 0, key, raw[key], "月度支出为负数（冲减？），请核实",
                     "negative monthly spending; please check")


def budget_sums(fen: dict[str, pd.Series], raw: pd.DataFrame, units: dict[str, str],
                loc: Locator) -> None:
    """Warn where 年初+调整 ≠ 全年 or the monthly columns do not add up to 实际支出数."""
    if "initial_budget_wan" in fen and "budget_wan" in fen:
        adj = fen.get("adjustment_wan")
        computed = fen["initial_budget_wan"] + (adj.fillna(0) if adj is not None else 0)
        _mismatch(loc, "budget_wan", computed, fen["budget_wan"], raw, units,
                  "年初预算数+调整预算数为{detail}，与全年预算数不一致",
                  "initial + adjustment = {detail}, not the full-year budget")
    months = [k for k in MONTH_KEYS if k in fen]
    if months and "actual_wan" in fen:
        frame = pd.DataFrame({k: fen[k] for k in months})
        any_month = frame.notna().any(axis=1)
        total = frame.fillna(0).sum(axis=1).where(any_month)
        _mismatch(loc, "actual_wan", total, fen["actual_wan"], raw, units,
                  "1–12月支出合计为{detail}，与实际支出数不一致",
                  "monthly spending adds up to {detail}, not the actual spending")


def _mismatch(loc: Locator, key: str, computed: pd.Series, stated: pd.Series,
              raw: pd.DataFrame, units: dict[str, str], zh: str, en: str) -> None:
    unit = units.get(key, "元")
    diff = (computed - stated).abs()
    mask = (diff > _tolerance_fen(unit)).fillna(False)
    details = computed.map(lambda f: _fmt(f, unit) if pd.notna(f) else "")
    loc.rows("warning", mask, key, raw[key], zh, en, details=details)


def _stated(cells: pd.DataFrame, key: str, unit: str) -> pd.Series | None:
    """The amounts a total row states in column ``key`` (None when blank or not a number)."""
    if key not in cells:
        return None
    _, stated, bad = parse_amount(cells[key], unit)
    if bad.any() or stated.isna().all():
        return None
    return stated


def stated_totals(body: "Body", fen: dict[str, pd.Series], units: dict[str, str],
                  loc: Locator) -> None:
    """Warn where the line items do not add up to the sheet's 合计/总计 row."""
    if body.totals.empty:
        return
    row = int(body.totals.index[0])
    for key, values in fen.items():
        unit = units.get(key, "元")
        stated = _stated(body.totals, key, unit)
        if stated is None or key in body.flagged_keys:
            continue
        total = int(values.fillna(0).sum())
        if abs(total - int(stated.iloc[0])) > _tolerance_fen(unit):
            loc.add("warning", f"各明细行合计为{_fmt(total, unit)}，与合计行不一致",
                    f"line items add up to {_fmt(total, unit)}, not the stated total",
                    key=key, row=row, value=body.totals[key].iloc[0])


def subtotals(body: "Body", frame: pd.DataFrame, fen: dict[str, pd.Series],
              units: dict[str, str], loc: Locator) -> None:
    """Reconcile each 小计 row (基本支出小计, 项目支出合计 …) with its group: the line items
    between the previous total row and it, or the lines of the 支出类型 its label names."""
    for row, (first, label) in body.groups.items():
        rows = (fen_index := frame.index) >= first
        block = rows & (fen_index < row)
        kind = next((t for t in EXPENSE_TYPES if t in label), None)
        by_type = (frame["expense_type"].eq(kind).fillna(False).to_numpy()
                   if kind and "expense_type" in frame else None)
        for key, values in fen.items():
            unit = units.get(key, "元")
            stated = _stated(body.subtotals.loc[[row]], key, unit)
            if stated is None or key in body.flagged_keys:
                continue
            sums = [int(values[block].fillna(0).sum())]
            if by_type is not None:
                sums.append(int(values[by_type].fillna(0).sum()))
            if all(abs(s - int(stated.iloc[0])) > _tolerance_fen(unit) for s in sums):
                loc.add("warning", f"小计行「{label}」与其明细行合计{_fmt(sums[0], unit)}不一致",
                        f"subtotal {label!r} differs from its lines ({_fmt(sums[0], unit)})",
                        key=key, row=row, value=body.subtotals.loc[row, key])


def zero_budget(fen: dict[str, pd.Series], loc: Locator) -> None:
    """No budget at all: the execution rate (and every score on it) cannot be computed."""
    budget = fen.get("budget_wan")
    if budget is not None and len(budget) and int(budget.fillna(0).abs().sum()) == 0:
        loc.add("error", "全年预算数合计为0（各明细行均为0或空白），无法计算预算执行率；请填写全年预算数",
                "the full-year budget adds up to 0; the execution rate cannot be computed",
                key="budget_wan")


def empty_population(frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator,
                     year: int | None) -> None:
    """No case left to count once 涉法涉诉 cases and other years are set aside."""
    if not len(frame):
        return
    litigation = frame["is_litigation"].fillna(False).astype(bool)
    in_year = (frame["registered_on"].dt.year == year) if year is not None else True
    if bool((~litigation & in_year).any()):
        return
    n = len(frame)
    if bool(litigation.all()) and "is_litigation" in raw:
        loc.add("error", f"全部{n}件信访事项均为涉法涉诉（不计入信访工作指标），本年度没有可统计的"
                         "信访事项；请核对「是否涉法涉诉」列",
                f"all {n} cases are 涉法涉诉 (excluded from every metric): nothing to count",
                key="is_litigation")
    else:
        loc.add("warning", f"没有在{year}年度登记且非涉法涉诉的信访事项，本年度的信访工作指标将为空；"
                           "请核对「登记日期」与年度文件夹",
                f"no case registered in {year} outside 涉法涉诉: the petition metrics are empty",
                key="registered_on")


def petition_dates(frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator,
                   year: int | None) -> None:
    """Error on 受理/办结 before 登记; warn on cases registered outside the folder year."""
    reg = frame["registered_on"]
    for key, zh, en in (("accepted_on", "受理日期早于登记日期（{detail}）",
                         "accepted before registered ({detail})"),
                        ("closed_on", "办结日期早于登记日期（{detail}）",
                         "closed before registered ({detail})")):
        if key in raw:
            head = loc.headers.get("registered_on", "登记日期")
            mask = (frame[key] < reg).fillna(False)
            shown = reg[mask].dt.strftime("%Y-%m-%d")  # only the flagged rows are formatted
            loc.rows("error", mask, key, raw[key], zh, en, details=head + "：" + shown)
    if year is not None and "registered_on" in raw:
        other = reg.notna() & (reg.dt.year != year)
        loc.rows("warning", other, "registered_on", raw["registered_on"],
                 f"登记日期不在{year}年度（年度文件夹为{year}），该件按登记年度统计",
                 f"registered outside the folder year {year}")


def extension_negative(frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator) -> None:
    """Error on a negative 延期天数. The upper limit (30 days in 《信访工作条例》) is a metric
    setting (``max_extension_days``), checked where the settings are known: ``evalkit validate``
    and the metrics (:func:`evalkit.metrics.petitions.check_extensions`)."""
    if "extension_days" not in raw:
        return
    bad = (frame["extension_days"] < 0).fillna(False)
    loc.rows("error", bad, "extension_days", raw["extension_days"],
             "延期天数不能为负数", "negative extension")


def peer_counts(frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator) -> None:
    """Error on a negative count of cases in the district comparison."""
    key = "national_initial_qiujue_count"
    if key in raw:
        loc.rows("error", frame[key] < 0, key, raw[key], "件数不能为负数", "negative count")


#: The cross-cell checks a :class:`~evalkit.schema.TableSpec` can name in ``checks``.
CHECKS: dict[str, Callable[[Context], None]] = {
    "budget_negatives": lambda c: budget_negatives(c.fen, c.raw, c.loc),
    "budget_sums": lambda c: budget_sums(c.fen, c.raw, c.units, c.loc),
    "stated_totals": lambda c: stated_totals(c.body, c.fen, c.units, c.loc),
    "subtotals": lambda c: subtotals(c.body, c.frame, c.fen, c.units, c.loc),
    "zero_budget": lambda c: zero_budget(c.fen, c.loc),
    "petition_dates": lambda c: petition_dates(c.frame, c.raw, c.loc, c.year),
    "extension_negative": lambda c: extension_negative(c.frame, c.raw, c.loc),
    "empty_population": lambda c: empty_population(c.frame, c.raw, c.loc, c.year),
    "peer_counts": lambda c: peer_counts(c.frame, c.raw, c.loc),
}
