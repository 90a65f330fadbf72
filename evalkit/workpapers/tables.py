"""A working-paper table: raw values, catalogue columns, and how a notebook prints them.

A :class:`Table` keeps the raw values (numbers stay numbers, dates stay dates) for 底稿.xlsx and
prints them for a notebook the way the report does: counts as integers, amounts with two
decimals (``774.90``; the unit is in the header), rates with two decimals and a percent sign
(``98.10%``), missing values as ``—``. Column headers are the catalogue's Chinese names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

from evalkit import catalogue
from evalkit.catalogue import MISSING, Metric


def is_missing(value: Any) -> bool:
    """None, NaN, NA and NaT (and an empty string) are missing.

    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT, "", 0)]
    [True, True, True, True, True, False]
    """
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, str) and not value):
        return True
    return isinstance(value, float) and math.isnan(value)


def is_date(value: Any) -> bool:
    """A date or timestamp value (printed ``YYYY-MM-DD``)."""
    return isinstance(value, (dt.date, pd.Timestamp))


def cell_text(metric: Metric, value: Any) -> str:
    """``value`` printed for a notebook table column described by ``metric``.

    >>> cell_text(catalogue.get("petitions.satisfaction_rate_pct"), 98.1)
    '98.10%'
    >>> cell_text(catalogue.get("budget.total_actual_wan"), 774.9)
    '774.90'
    >>> cell_text(catalogue.get("petitions.total_cases"), 3000.0)
    '3000'
    >>> cell_text(catalogue.get("budget.months_behind"), [1, 2])
    '1月、2月'
    """
    if isinstance(value, (list, tuple)):
        return "、".join(f"{v}{metric.unit}" for v in value) or MISSING
    if is_missing(value):
        return MISSING
    if is_date(value):
        return value.strftime("%Y-%m-%d")
    if metric.kind in ("text", "list") and not isinstance(value, bool):
        return str(value)
    return catalogue.format_number(metric, value, unit=metric.kind == "rate")


def header(metric: Metric) -> str:
    """A column header: the catalogue name, with its unit except for rates (their cells say %).

    >>> header(catalogue.get("budget.by_type.budget_wan")), header(catalogue.get("budget.by_type.execution_rate_pct"))
    ('全年预算数（万元）', '预算执行率')
    """
    return metric.header(unit=metric.kind != "rate")


@dataclass
class Table:
    """One working-paper table.

    Attributes:
        name: the registry name (``"cases_on_time_completion_rate_pct"``).
        title: the catalogue entry naming the table (``name`` = title, ``short`` = sheet name).
        columns: the column metrics by short key, in order (the columns of ``frame``).
        frame: the raw values.
        row_metrics: for tables whose rows are different figures (主要数据, 同比), the metric of
            each row; the columns in ``mixed`` are printed and formatted with it.
        mixed: the columns formatted by the row's metric.
        shown: the columns a notebook shows (default: all).
        sheet_columns: the columns 底稿.xlsx holds (default: all, e.g. the metric keys and the
            numeric 同比 beside what the notebook shows; a case list holds what it shows).
    """

    name: str
    title: Metric
    columns: dict[str, Metric]
    frame: pd.DataFrame
    row_metrics: Sequence[Metric] | None = None
    mixed: tuple[str, ...] = ()
    shown: tuple[str, ...] | None = None
    sheet_columns: tuple[str, ...] | None = None

    @property
    def sheet(self) -> str:
        """The sheet name in 底稿.xlsx (the title's short name)."""
        return self.title.short

    def __len__(self) -> int:
        return len(self.frame)

    def xlsx_keys(self) -> list[str]:
        """The columns written to 底稿.xlsx, in order."""
        return [k for k in (self.sheet_columns or tuple(self.columns)) if k in self.columns]

    def metric_at(self, row: int, column: str) -> Metric:
        """The metric that formats one cell."""
        if column in self.mixed and self.row_metrics is not None:
            return self.row_metrics[row]
        return self.columns[column]

    def styled(self, rows: int | None = None) -> "Shown":
        """:meth:`display_frame` for a notebook: text columns left-aligned (Chinese text reads
        from the left), numbers right-aligned as Jupyter shows them."""
        keys = [k for k in (self.shown or tuple(self.columns)) if k in self.columns]
        text = [i for i, k in enumerate(keys)
                if self.columns[k].kind in ("text", "list") and k not in self.mixed]
        return Shown(self.display_frame(rows), text)

    def display_frame(self, rows: int | None = None) -> pd.DataFrame:
        """The table as printed strings with Chinese headers, numbered from 1 (first ``rows``)."""
        keys = [k for k in (self.shown or tuple(self.columns)) if k in self.columns]
        frame = self.frame if rows is None else self.frame.head(rows)
        data = {header(self.columns[k]): [cell_text(self.metric_at(i, k), v)
                                          for i, v in enumerate(frame[k].tolist())]
                for k in keys}
        out = pd.DataFrame(data, columns=[header(self.columns[k]) for k in keys])
        out.index = pd.RangeIndex(1, len(out) + 1)
        return out


class Shown:
    """A printed table as a notebook shows it: HTML with the text columns left-aligned, plain
    text elsewhere (pandas' Styler would import matplotlib.pyplot into every kernel).

    The CSS class of a table is a digest of its HTML and alignment rules: two tables never share
    a class unless they are the same table with the same rules, and the same table renders to the
    same HTML in any process (the batch renders it in the runner, see
    :mod:`evalkit.workpapers.batch`)."""

    def __init__(self, frame: pd.DataFrame, text_columns: Sequence[int] = ()):
        self.frame, self.text_columns = frame, list(text_columns)

    def __repr__(self) -> str:
        return self.frame.to_string()

    def _repr_html_(self) -> str:
        table = self.frame.to_html(escape=True)
        digest = hashlib.sha256(f"{self.text_columns}\0{table}".encode()).hexdigest()[:12]
        css = f"ek-wp-{digest}"
        # the row label is the first cell of a row, so data column j is child j + 2
        rules = "".join(f".{css} td:nth-child({j + 2}), .{css} th:nth-child({j + 2})"
                        "{text-align:left}" for j in self.text_columns)
        style = f"<style>{rules}</style>" if rules else ""
        return f'<div class="{css}">{style}{table}</div>'


def make_table(name: str, title_key: str, columns_key: str, frame: pd.DataFrame,
               **options: Any) -> Table:
    """A :class:`Table` whose columns are the catalogue fields of ``columns_key`` present in
    ``frame`` (in catalogue order); missing catalogue columns are left out."""
    fields = catalogue.fields(columns_key)
    keys = [k for k in fields if k in frame.columns]
    return Table(name, catalogue.get(title_key), {k: fields[k] for k in keys},
                 frame[keys].reset_index(drop=True), **options)
