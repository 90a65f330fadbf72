"""One year end to end without the notebooks: load, metrics, history, score, write.

``build_year`` is what ``evalkit metrics`` and the notebooks call. It loads the year through
:func:`evalkit.io.load_year`, the previous year when its folder exists, and every earlier year
present (for the ``history`` series); computes the metrics dict; scores it with
the framework named in department.yaml; and writes ``outputs/<year>/metrics.json`` (and
``scorecard.xlsx``) atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from evalkit import scoring
from evalkit.config import DATA_PROCESSED, DATA_RAW, OUTPUTS, year_dir
from evalkit.metrics import compute_metrics, write_metrics_json, year_sections
from evalkit.metrics.settings import MetricSettings

SCORECARD_FILE = "scorecard.xlsx"


def available_years(data_dir: Path | str = DATA_RAW) -> list[int]:
    """Years that have a folder (named by the year) in ``data_dir``, ascending.

    >>> available_years("/nonexistent")
    []
    """
    base = Path(data_dir)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir()
                  if p.is_dir() and p.name.isdigit() and len(p.name) == 4)


def _loader() -> Callable[..., Any]:
    from evalkit.io import load_year  # imported late: the loader is a separate module
    return load_year


def add_score(metrics: dict[str, Any], data: Any, out_dir: Path | None) -> Any | None:
    """Score ``metrics`` with the department's framework; write the scorecard when ``out_dir``.

    Returns:
        The ``ScoreResult``, or ``None`` when department.yaml names no framework.
    """
    department = data.department or {}
    name = department.get("framework")
    if not name:
        return None
    result = scoring.score_year(metrics, getattr(data, "self_assessment", None),
                                scoring.load_framework(name), department)
    metrics["score"] = result.to_json()
    if out_dir is not None:
        scoring.write_scorecard(result, year_dir(out_dir, metrics["year"]) / SCORECARD_FILE)
    return result


def build_year(year: int, data_dir: Path | str = DATA_RAW,
               processed_dir: Path | str = DATA_PROCESSED, out_dir: Path | str = OUTPUTS,
               write: bool = True, *, score: bool = True) -> dict[str, Any]:
    """Compute (and by default write) the metrics dict of ``year``.

    Args:
        year: the year to build.
        data_dir: folder holding the year folders (``data/raw``).
        processed_dir: parquet cache folder (``data/processed``).
        out_dir: output folder; ``metrics.json`` and ``scorecard.xlsx`` go to ``out_dir/<year>/``.
        write: write the files (``False`` only computes).
        score: add ``metrics["score"]`` (and ``scorecard.xlsx``) when department.yaml names a
            framework; ``False`` skips scoring (e.g. before the self-assessment is filled in).

    Returns:
        The metrics dict (with ``score`` when a framework is named).

    Raises:
        InputError: when this year's (or an earlier year's) input has errors.
    """
    load_year = _loader()
    data_dir, processed_dir, out_dir = Path(data_dir), Path(processed_dir), Path(out_dir)
    data = load_year(int(year), data_dir, processed_dir)
    settings = MetricSettings.from_department(data.department)
    earlier = [y for y in available_years(data_dir) if y < int(year)]
    sections = {y: year_sections(load_year(y, data_dir, processed_dir), settings) for y in earlier}
    metrics = compute_metrics(data, previous=sections.get(int(year) - 1),
                              history=list(sections.values()))
    if score:
        add_score(metrics, data, out_dir if write else None)
    if write:
        write_metrics_json(metrics, out_dir)
    return metrics
