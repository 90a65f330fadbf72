"""Year-on-year (同比) changes, the metric history, and the peer-district ranking.

Conventions (``docs/metrics.md``):

* amounts and counts: relative change ``(current − previous) / previous × 100`` from the exact
  values, half-up 2 dp; ``None`` when the previous value is 0 or missing;
* rates (keys ending ``_pct``): the difference of the two *printed* rates in percentage points
  (exact, since both are 2 dp), so the report's figures add up;
* wording by :func:`evalkit.numfmt.describe_change`: 增长/下降 X% and 提高/降低 X个百分点.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from evalkit import catalogue
from evalkit.numfmt import change_pct, describe_change, to_decimal

#: Headline metrics that get a 同比, as ``section.key`` (catalogue entries with a ``yoy`` kind).
HEADLINES: tuple[str, ...] = catalogue.yoy_keys()

#: Metrics kept in the year-by-year ``history`` series (catalogue entries with ``history: true``).
HISTORY_KEYS: tuple[str, ...] = catalogue.history_keys()

YOY_COLUMNS = ["metric", "kind", "current", "previous", "change", "text"]
PEER_COLUMNS = ["district", "previous", "current", "change_pct", "rank", "is_self"]


def kind_of(key: str) -> str:
    """``'pp'`` for a rate, ``'pct'`` for an amount or a count (the catalogue's ``yoy`` kind).

    >>> kind_of("petitions.online_share_pct"), kind_of("budget.total_actual_wan")
    ('pp', 'pct')
    """
    return catalogue.yoy_kind(key)


def lookup(metrics: Mapping[str, Any] | None, key: str) -> Any:
    """Value of ``section.key`` in a metrics dict (``None`` when absent).

    >>> lookup({"budget": {"total_actual_wan": 774.9}}, "budget.total_actual_wan")
    774.9
    """
    node: Any = metrics
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def yoy_change(current: Any, previous: Any, kind: str) -> Decimal | None:
    """One 同比: percent change for ``kind='pct'``, percentage-point difference for ``'pp'``.

    >>> yoy_change(46, 81, "pct"), yoy_change(98.10, 97.55, "pp"), yoy_change(5, None, "pct")
    (Decimal('-43.21'), Decimal('0.55'), None)
    """
    if current is None or previous is None:
        return None
    if kind == "pp":
        return to_decimal(current) - to_decimal(previous)
    return change_pct(current, previous)


def yoy_table(current: Mapping[str, Any], previous: Mapping[str, Any] | None,
              keys: Sequence[str] = HEADLINES) -> pd.DataFrame:
    """同比 of every headline metric between two metrics dicts.

    Args:
        current: this year's metrics dict (at least its ``budget``/``petitions`` sections).
        previous: last year's, or ``None`` (every change is then ``None``, text 无上年数据).
        keys: the ``section.key`` names to compare.

    Returns:
        Columns ``metric, kind, current, previous, change, text`` (change as float, NaN when
        undefined).

    >>> t = yoy_table({"petitions": {"total_cases": 110, "online_share_pct": 88.67}},
    ...               {"petitions": {"total_cases": 100, "online_share_pct": 90.0}},
    ...               keys=["petitions.total_cases", "petitions.online_share_pct"])
    >>> t.text.tolist()
    ['增长10.00%', '降低1.33个百分点']
    """
    rows = []
    for key in keys:
        kind = kind_of(key)
        cur = lookup(current, key)
        prev = lookup(previous, key) if previous is not None else None
        change = yoy_change(cur, prev, kind)
        rows.append({"metric": key, "kind": kind, "current": cur, "previous": prev,
                     "change": np.nan if change is None else float(change),
                     "text": describe_change(change, kind)})
    return pd.DataFrame(rows, columns=YOY_COLUMNS)


def yoy_dicts(table: pd.DataFrame) -> tuple[dict[str, float | None], dict[str, str]]:
    """The ``yoy`` and ``yoy_text`` dicts of the metrics dict from :func:`yoy_table`."""
    yoy = {m: (None if pd.isna(c) else float(c)) for m, c in zip(table["metric"], table["change"])}
    return yoy, dict(zip(table["metric"], table["text"]))


def history_row(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """One ``history`` entry (year + :data:`HISTORY_KEYS`) from a metrics dict."""
    row: dict[str, Any] = {"year": metrics["year"]}
    for key in HISTORY_KEYS:
        row[key.split(".", 1)[1]] = lookup(metrics, key)
    return row


def peer_ranking(peers: pd.DataFrame | None, year: int, district: str | None = None,
                 own_current: int | None = None, own_previous: int | None = None
                 ) -> pd.DataFrame:
    """Rank districts by the change of their 到国家信访局登记求决类初件 count (1 = largest fall).

    Args:
        peers: frame with ``district, year, national_initial_qiujue_count`` (``None`` -> empty).
        year: the current year; the previous year is ``year - 1``.
        district: our district (its row gets ``is_self``; added when absent from ``peers``).
        own_current, own_previous: our counts from our own registers; they replace the peers
            figures when given.

    Returns:
        Columns ``district, previous, current, change_pct, rank, is_self`` sorted by rank
        (unranked districts last, by name). The rank is computed on the exact change; districts
        with exactly the same change share the better rank (1, 2, 2, 4); a district without a
        previous count (or with 0) has no change and no rank.

    >>> p = pd.DataFrame({"district": ["甲", "甲", "乙", "乙", "丙", "丙"],
    ...     "year": [2022, 2023] * 3, "national_initial_qiujue_count": [81, 46, 10, 5, 8, 4]})
    >>> peer_ranking(p, 2023, "甲")[["district", "change_pct", "rank"]].values.tolist()
    [['丙', -50.0, 1], ['乙', -50.0, 1], ['甲', -43.21, 3]]
    """
    if peers is None or (peers.empty and district is None):
        return pd.DataFrame(columns=PEER_COLUMNS)
    wide = (peers[peers["year"].isin([year - 1, year])]
            .pivot_table(index="district", columns="year", values="national_initial_qiujue_count",
                         aggfunc="sum")
            .reindex(columns=[year - 1, year]))
    wide.columns = ["previous", "current"]
    if district is not None:
        if district not in wide.index:
            wide.loc[district] = [np.nan, np.nan]
        if own_previous is not None:
            wide.loc[district, "previous"] = own_previous
        if own_current is not None:
            wide.loc[district, "current"] = own_current
    wide = wide.reset_index().rename(columns={"index": "district"})
    prev, cur = wide["previous"].astype("float64"), wide["current"].astype("float64")
    valid = prev.notna() & cur.notna() & (prev != 0)
    exact = ((cur - prev) / prev).where(valid)          # correctly rounded: equal ratios tie
    wide["rank"] = exact.rank(method="min", ascending=True).astype("Int64")
    wide["change_pct"] = [float(change_pct(int(c), int(p))) if ok else np.nan
                          for c, p, ok in zip(cur.fillna(0), prev.fillna(0), valid)]
    # district may be string[pyarrow]: == gives NA for NA (or district None); keep a plain bool
    wide["is_self"] = wide["district"].eq(district).fillna(False).astype(bool)
    wide["previous"] = wide["previous"].astype("Int64")
    wide["current"] = wide["current"].astype("Int64")
    wide = wide.sort_values(["rank", "district"], na_position="last", kind="stable")
    return wide[PEER_COLUMNS].reset_index(drop=True)
