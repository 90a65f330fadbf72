"""Labels of ``monitor.json`` keys, from the metric catalogue (``evalkit/catalogue/monitor.yaml``).

A leaf module: the warnings (``alerts``) and the tables (``view``) both read it.
"""

from __future__ import annotations


def label(key: str, short: bool = False, unit: bool = False) -> str:
    """The catalogue header of a ``monitor.json`` key (evalkit/catalogue/monitor.yaml).

    >>> label("budget.projected_execution_rate_pct"), label("budget.spent_to_date_wan", unit=True)
    ('全年预计执行率', '截至日期累计支出（万元）')
    """
    from evalkit import catalogue

    return catalogue.header(f"monitor.{key}", short=short, unit=unit)
