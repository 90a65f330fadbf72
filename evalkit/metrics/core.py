"""Assemble the metrics dict (``outputs/<year>/metrics.json``) from a year's tidy data."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence

import pandas as pd

from evalkit.config import year_dir
from evalkit.fsutil import atomic_write_text
from evalkit.metrics.budget import budget_metrics, records
from evalkit.metrics.petitions import petition_metrics
from evalkit.metrics.settings import MetricSettings
from evalkit.metrics.yoy import history_row, peer_ranking, yoy_dicts, yoy_table
from evalkit.numfmt import change_pct

METRICS_FILE = "metrics.json"


class YearLike(Protocol):
    """What the metrics need from :class:`evalkit.io.YearData`."""

    year: int
    budget: pd.DataFrame
    petitions: pd.DataFrame
    peers: pd.DataFrame | None
    department: dict
    sources: list


def year_sections(data: YearLike, settings: MetricSettings | None = None) -> dict[str, Any]:
    """``year``, ``budget`` and ``petitions`` sections of one year (no 同比, peers or history).

    Args:
        data: the year's tidy data.
        settings: metric settings (default: from the year's ``department.yaml``).
    """
    settings = settings or MetricSettings.from_department(data.department)
    return {
        "year": int(data.year),
        "budget": budget_metrics(data.budget, settings),
        "petitions": petition_metrics(data.petitions, int(data.year), settings),
    }


def _sources(data: YearLike) -> list[dict[str, Any]]:
    return [{"name": s.name, "sha256": s.sha256, "bytes": int(s.bytes)}
            for s in (data.sources or [])]


def _sections_of(item: YearLike | Mapping[str, Any], settings: MetricSettings) -> dict[str, Any]:
    return dict(item) if isinstance(item, Mapping) else year_sections(item, settings)


def compute_metrics(data: YearLike, previous: YearLike | Mapping[str, Any] | None = None,
                    history: Iterable[YearLike | Mapping[str, Any]] | None = None, *,
                    current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compute the full metrics dict of ``data.year`` (the ``metrics.json`` shape).

    Args:
        data: this year's :class:`~evalkit.io.YearData`.
        previous: last year's ``YearData`` (or its metrics dict); ``None`` -> 同比 are ``None``.
        history: earlier years' ``YearData`` or metrics dicts (any order); ``previous`` and this
            year are added when missing.
        current: this year's :func:`year_sections` under its own settings, when the caller has
            computed them already (they are completed in place).

    Returns:
        A JSON-ready dict (numbers half-up 2 dp, ``None`` instead of NaN). Every year is computed
        with *this* year's settings so that the comparisons use one definition.

    Raises:
        InputError: on invalid ``settings:`` in department.yaml or an invalid extension.
    """
    settings = MetricSettings.from_department(data.department)
    department = data.department or {}
    current = current if current is not None else year_sections(data, settings)
    prev = _sections_of(previous, settings) if previous is not None else None
    pet = current["petitions"]

    own_prev = prev["petitions"]["national_initial_qiujue_count"] if prev else None
    peers = peer_ranking(data.peers, current["year"], department.get("district"),
                         own_current=pet["national_initial_qiujue_count"], own_previous=own_prev)
    _fill_national(pet, peers, own_prev)
    yoy, yoy_text = yoy_dicts(yoy_table(current, prev))

    return {
        "year": current["year"],
        "department": department.get("department"),
        "district": department.get("district"),
        "city": department.get("city"),
        "is_sample": bool(department.get("sample", False)),
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "sources": _sources(data),
        "budget": current["budget"],
        "petitions": pet,
        "peers": records(peers),
        "yoy": yoy,
        "yoy_text": yoy_text,
        "history": _history(current, prev, history, settings),
    }


def _fill_national(pet: dict[str, Any], peers: pd.DataFrame, own_prev: int | None) -> None:
    """Previous count, 同比 and rank of the national 求决类初件 count (from peers as a fallback)."""
    self_row = peers[peers["is_self"]] if len(peers) else peers
    if own_prev is None and len(self_row) and pd.notna(self_row["previous"].iloc[0]):
        own_prev = int(self_row["previous"].iloc[0])
    pet["national_initial_qiujue_prev_count"] = own_prev
    change = change_pct(pet["national_initial_qiujue_count"], own_prev) \
        if own_prev is not None else None
    pet["national_initial_qiujue_yoy_pct"] = None if change is None else float(change)
    rank = self_row["rank"].iloc[0] if len(self_row) else None
    pet["national_initial_qiujue_rank"] = None if rank is None or pd.isna(rank) else int(rank)
    pet["peer_district_count"] = int(len(peers)) if len(peers) else None


def _history(current: dict[str, Any], prev: dict[str, Any] | None,
             history: Iterable[YearLike | Mapping[str, Any]] | None,
             settings: MetricSettings) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    for item in history or []:
        sections = _sections_of(item, settings)
        years[int(sections["year"])] = sections
    if prev is not None:
        years.setdefault(int(prev["year"]), prev)
    years[current["year"]] = current
    return [history_row(years[y]) for y in sorted(years) if y <= current["year"]]


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def metrics_json(metrics: Mapping[str, Any]) -> str:
    """Serialise a metrics dict: UTF-8 text, ``ensure_ascii=False``, indent 2, no NaN."""
    return json.dumps(_no_nan(metrics), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_metrics_json(metrics: Mapping[str, Any], out_dir: Path | str) -> Path:
    """Write ``out_dir/<year>/metrics.json`` atomically and return its path."""
    target = year_dir(Path(out_dir), int(metrics["year"])) / METRICS_FILE
    return atomic_write_text(target, metrics_json(metrics))


def headline(metrics: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """Selected ``section.key`` values of a metrics dict (for summaries and expected files)."""
    from evalkit.metrics.yoy import lookup
    return {key: lookup(metrics, key) for key in keys}
