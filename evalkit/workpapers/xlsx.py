"""底稿.xlsx: every working-paper table, one sheet each, for the analysts who live in Excel.

A 目录 sheet first (every sheet, its title, row count and definition), then one sheet per table
in :data:`evalkit.workpapers.registry.TABLES` order: Chinese headers from the catalogue, numbers
kept as numbers with a number format (amounts ``0.00``, rates ``0.00"%"``, counts ``0``, dates
``yyyy-mm-dd``), a frozen, filterable header row and readable column widths. The file is written
to a temporary name and moved into place only when complete.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from evalkit import catalogue
from evalkit.catalogue import Metric
from evalkit.fsutil import atomic_path
from evalkit.workpapers.tables import Table, cell_text, is_date, is_missing

WORKBOOK_NAME = "底稿.xlsx"
MAX_WIDTH = 60
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

#: Number formats by catalogue kind (``{d}``: the metric's decimals as zeros).
NUMBER_FORMATS = {"amount": "0{d}", "rate": '0{d}"%"', "pp": "0{d}", "score": "0{d}",
                  "change": "0{d}", "count": "0", "rank": "0", "month": "0", "year": "0"}


def text_width(text: str) -> int:
    """Display width of ``text`` in Excel columns (CJK and full-width characters count 2).

    >>> text_width("abc"), text_width("网信占比")
    (3, 8)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``)."""
    base = SHEET_FORBIDDEN.sub("_", name).strip("'")[:31] or "Sheet"
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f"_{i}"
        candidate, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(candidate.lower())
    return candidate


class _Formats:
    """xlsxwriter formats, created once per workbook and shared by the sheets."""

    def __init__(self, book: Any):
        self.book = book
        self.head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self._numbers: dict[str, Any] = {}

    def number(self, metric: Metric) -> Any:
        pattern = NUMBER_FORMATS.get(metric.kind, "General")
        decimals = metric.decimals or 0
        code = pattern.format(d=("." + "0" * decimals) if decimals else "")
        if code not in self._numbers:
            self._numbers[code] = self.book.add_format({"num_format": code})
        return self._numbers[code]


def _is_number(value: Any) -> bool:
    """An int or float (Python or numpy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def write_cell(sheet: Any, row: int, col: int, metric: Metric, value: Any,
               formats: _Formats) -> str:
    """Write one value as Excel keeps it (numbers as numbers, dates as dates); return the text
    it displays (for the column width)."""
    if is_missing(value):
        sheet.write_blank(row, col, None)
        return ""
    text = cell_text(metric, value)
    if is_date(value):
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats.date)
    elif metric.kind in NUMBER_FORMATS and _is_number(value):
        sheet.write_number(row, col, float(value), formats.number(metric))
    else:
        sheet.write_string(row, col, text)
    return text


def _finish(sheet: Any, widths: list[int], rows: int, formats: _Formats) -> None:
    for j, width in enumerate(widths):
        wrap = width > MAX_WIDTH
        sheet.set_column(j, j, min(max(width + 2, 6), MAX_WIDTH), formats.wrap if wrap else None)
    sheet.freeze_panes(1, 0)
    if widths:
        sheet.autofilter(0, 0, max(rows, 1), len(widths) - 1)


def write_table(book: Any, table: Table, name: str, formats: _Formats) -> None:
    """One table on its own sheet: header row, values, formats, widths, frozen header."""
    from evalkit.workpapers.tables import header

    sheet = book.add_worksheet(name)
    keys = table.xlsx_keys()
    widths = []
    for j, key in enumerate(keys):
        title = header(table.columns[key])
        sheet.write_string(0, j, title, formats.head)
        widths.append(text_width(title))
    for i, values in enumerate(table.frame[keys].itertuples(index=False, name=None)):
        for j, (key, value) in enumerate(zip(keys, values)):
            shown = write_cell(sheet, i + 1, j, table.metric_at(i, key), value, formats)
            widths[j] = max(widths[j], text_width(shown))
    _finish(sheet, widths, len(table), formats)


def _contents(tables: Sequence[Table], names: Sequence[str]) -> Table:
    from evalkit.workpapers.tables import make_table

    frame = pd.DataFrame({"sheet": list(names), "title": [t.title.name for t in tables],
                          "rows": [len(t) for t in tables],
                          "definition": [t.title.definition for t in tables]})
    return make_table("contents", "workpapers.contents", "workpapers.contents", frame)


def write_workbook(tables: Sequence[Table], path: Path | str,
                   metrics: Mapping[str, Any] | None = None) -> Path:
    """Write 底稿.xlsx atomically: a 目录 sheet, then one sheet per table; return the path."""
    import xlsxwriter

    path = Path(path)
    used = {catalogue.get("workpapers.contents").short.lower()}
    names = [sheet_name(t.sheet, used) for t in tables]
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                              "strings_to_formulas": False,
                                              "strings_to_urls": False})
        metrics = metrics or {}
        book.set_properties({"title": f"{metrics.get('year', '')}年 "
                                      f"{metrics.get('department') or ''} "
                                      f"{catalogue.get('workpapers.contents').name}".strip(),
                             "comments": catalogue.get("workpapers.cases").definition})
        formats = _Formats(book)
        contents = _contents(tables, names)
        write_table(book, contents, contents.sheet, formats)
        for table, name in zip(tables, names):
            write_table(book, table, name, formats)
        book.close()
    return path
