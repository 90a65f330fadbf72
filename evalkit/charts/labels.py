"""Chinese names, units and number formats for the charts, all read from the metric catalogue.

Thin wrappers over :mod:`evalkit.catalogue` so a chart reads ``name("budget.total_budget_wan")``
and ``value("budget.total_budget_wan", v)`` (``783.16万元``); no metric label, unit or format is
written in the chart code.
"""

from __future__ import annotations

import importlib
from typing import Any

from evalkit.numfmt import describe_change

MISSING = "—"


def _catalogue() -> Any:
    """:mod:`evalkit.catalogue`, imported on first use (pydantic, YAML): a kernel that only
    shows saved charts never loads it."""
    return importlib.import_module("evalkit.catalogue")


def name(key: str) -> str:
    """The full Chinese name of ``key`` (``预算执行率``)."""
    return _catalogue().label(key)


def short(key: str) -> str:
    """The short Chinese name of ``key`` (``执行率``)."""
    return _catalogue().label(key, short=True)


def unit(key: str) -> str:
    """The unit of ``key`` (``万元``, ``%``, ``件``…)."""
    return _catalogue().unit(key)


def header(key: str) -> str:
    """An axis title: the name with its unit in brackets (``件数（件）``)."""
    return _catalogue().header(key)


def value(key: str, number: Any, with_unit: bool = True) -> str:
    """``number`` printed as the report prints ``key`` (``774.90万元``; ``—`` when missing)."""
    return _catalogue().format_value(key, number, unit=with_unit)


def signed(key: str, number: Any) -> str:
    """A signed change as a number with its unit (``-43.21%``), not in words."""
    text = _catalogue().format_value(key, number, unit=False)
    return text if text == MISSING else text + unit(key)


def change(key: str, number: Any) -> str:
    """A change in words (``下降43.21%``); ``无上年数据`` when missing."""
    return describe_change(None) if number is None else value(key, number)


def year(number: int | None) -> str:
    """``2023年`` (empty when the year is unknown)."""
    return "" if number is None else f"{number}{unit('year')}"


def month(number: int) -> str:
    """``3月``."""
    return f"{number}{unit('budget.progress.month')}"
