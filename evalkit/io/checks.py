"""Cross-cell checks of a parsed table: duplicates, negatives, reversed dates, sums and totals.

Each check is vectorised over the table and reports the flagged rows through a
:class:`~evalkit.io.located.Locator` (file, sheet, Excel row, header as written, raw value).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalkit.io.clean import amount_scale, parse_amount
from evalkit.io.located import Locator
from evalkit.schema import BUDGET, MONTH_KEYS, PEERS, PETITIONS, TableSpec

if TYPE_CHECKING:
    from evalkit.io.tables import Body

NON_NEGATIVE = ("initial_budget_wan", "budget_wan", "actual_wan")
MAX_EXTENSION_DAYS = 30
TOLERANCE = Decimal("0.01")
"""Sums may differ from stated figures by at most 0.01 in the unit the file is written in."""


def run(spec: TableSpec, frame: pd.DataFrame, fen: dict[str, pd.Series], body: "Body",
        units: dict[str, str], loc: Locator, year: int | None) -> None:
    """Run the checks that apply to ``spec`` and add their problems to ``loc``."""
    raw = body.cells
    duplicates(spec, frame, raw, loc)
    if spec.name == BUDGET.name:
        budget_negatives(fen, raw, loc)
        budget_sums(fen, raw, units, loc)
        stated_totals(body, fen, units, loc)
    elif spec.name == PETITIONS.name:
        petition_dates(frame, raw, loc, year)
        extension_range(frame, raw, loc)
    elif spec.name == PEERS.name:
        key = "national_initial_qiujue_count"
        if key in raw:
            loc.rows("error", frame[key] < 0, key, raw[key], "件数不能为负数", "negative count")


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
    """Whether any non-blank value occurs twice (one hash pass: Arrow's for Arrow strings)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        codes = pc.fill_null(pc.dictionary_encode(pa.array(values.array)).indices, -1)
        codes = codes.to_numpy(zero_copy_only=False)
        codes = codes[codes >= 0]
        return len(codes) > 0 and int(np.bincount(codes).max()) > 1
    return bool(values.dropna().duplicated().any())


def _fmt(fen: int, unit: str) -> str:
    value = Decimal(int(fen)) / amount_scale(unit)
    return f"{value.quantize(TOLERANCE):,}{unit}"


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


def stated_totals(body: "Body", fen: dict[str, pd.Series], units: dict[str, str],
                  loc: Locator) -> None:
    """Warn where the line items do not add up to the sheet's 合计/总计 row."""
    if body.totals.empty:
        return
    row = int(body.totals.index[0])
    for key, values in fen.items():
        if key not in body.totals:
            continue
        unit = units.get(key, "元")
        _, stated, bad = parse_amount(body.totals[key], unit)
        if bad.any() or stated.isna().all():
            continue
        total = int(values.fillna(0).sum())
        if abs(total - int(stated.iloc[0])) > _tolerance_fen(unit):
            loc.add("warning", f"各明细行合计为{_fmt(total, unit)}，与合计行不一致",
                    f"line items add up to {_fmt(total, unit)}, not the stated total",
                    key=key, row=row, value=body.totals[key].iloc[0])


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


def extension_range(frame: pd.DataFrame, raw: pd.DataFrame, loc: Locator) -> None:
    """Error on 延期天数 outside 0–30 (《信访工作条例》: at most 30 days)."""
    if "extension_days" not in raw:
        return
    days = frame["extension_days"]
    bad = ((days < 0) | (days > MAX_EXTENSION_DAYS)).fillna(False)
    loc.rows("error", bad, "extension_days", raw["extension_days"],
             f"延期天数应在0–{MAX_EXTENSION_DAYS}天之间", "extension must be 0–30 days")
