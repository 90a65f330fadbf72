"""Build the monitoring dict (``monitor.json``) of a year as of a date, and write its outputs.

``build_monitor`` loads the year (complete or partial) and the earlier years present (for the
monthly profile and the same-period comparisons) through :func:`evalkit.io.load_year`, cuts them
back to the as-of date and computes every section; ``write_monitor`` renders the three outputs
(``monitor.json``, ``监控表.xlsx``, ``monitor.html`` + ``progress.png``) in memory first and then
writes each atomically into ``<out_dir>/<year>/monitoring/<as-of>/``, so a failed run leaves the
previous outputs as they were.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from evalkit.config import DATA_PROCESSED, DATA_RAW, OUTPUTS, year_dir
from evalkit.monitor.cutoff import is_month_end, parse_as_of

MONITOR_FILE = "monitor.json"
XLSX_FILE = "监控表.xlsx"
PAGE_FILE = "monitor.html"
CHART_FILE = "progress.png"
FOLDER = "monitoring"


def monitor_dir(out_dir: Path | str, year: int, as_of: dt.date) -> Path:
    """``<out_dir>/<year>/monitoring/<YYYY-MM-DD>/``.

    >>> monitor_dir("outputs", 2023, dt.date(2023, 7, 31)).as_posix()
    'outputs/2023/monitoring/2023-07-31'
    """
    return year_dir(Path(out_dir), int(year)) / FOLDER / as_of.isoformat()


def earlier_years(year: int, data_dir: Path, processed_dir: Path, keep: int) -> list[Any]:
    """The most recent ``keep`` earlier years with a folder, loaded (most recent first)."""
    from evalkit.io import load_year
    from evalkit.pipeline import available_years

    years = sorted((y for y in available_years(data_dir) if y < int(year)), reverse=True)[:keep]
    return [load_year(y, data_dir, processed_dir) for y in years]


def _sources(data: Any) -> list[dict[str, Any]]:
    return [{"name": s.name, "sha256": s.sha256, "bytes": int(s.bytes)}
            for s in (data.sources or [])]


def _date_notes(as_of: dt.date) -> list[str]:
    notes = []
    if not is_month_end(as_of):
        notes.append(f"截至日期{as_of.isoformat()}不是月末：支出按1–{as_of.month}月的月度列计，"
                     f"当月支出可能尚未完整 / the as-of date is not a month end")
    if as_of > dt.date.today():
        notes.append(f"截至日期{as_of.isoformat()}晚于今天 / the as-of date is in the future")
    return notes


def _score(data: Any, budget: dict[str, Any], petitions: dict[str, Any]) -> dict[str, Any] | None:
    from evalkit.metrics import budget_totals
    from evalkit.monitor.score import project_score, projected_metrics
    from evalkit.numfmt import as_json_number
    from evalkit.scoring import load_framework

    department = data.department or {}
    if not department.get("framework"):
        return None
    totals = budget_totals(data.budget)
    adjustment = {k: as_json_number(totals[k]) for k in ("initial_budget_wan", "adjustment_wan")}
    metrics = projected_metrics(data.year, department, budget, petitions, adjustment)
    return project_score(metrics, data.self_assessment, load_framework(department["framework"]))


def compute_monitor(data: Any, as_of: dt.date, earlier: Sequence[Any] = ()) -> dict[str, Any]:
    """The monitoring dict from loaded years (``YearData``-like: year, budget, petitions,
    self_assessment, department, sources).

    Args:
        data: the year under review.
        as_of: the as-of date (in ``data.year``).
        earlier: earlier years, most recent first (profile and same-period comparisons).
    """
    from evalkit.metrics import MetricSettings
    from evalkit.monitor.alerts import build_warnings
    from evalkit.monitor.budget import basic_and_project, budget_section, year_curve
    from evalkit.monitor.petitions import petition_section
    from evalkit.monitor.reasons import add_reasons

    department = data.department or {}
    settings = MetricSettings.from_department(department)
    keep = list(earlier)[:settings.monitor_profile_years]
    curves = [c for c in (year_curve(e.year, e.budget) for e in keep) if c is not None]
    budget, notes = budget_section(data.budget, as_of, settings, curves)
    budget.update(basic_and_project(budget))
    petitions = petition_section(data.petitions, data.year, as_of, settings,
                                 [(e.year, e.petitions) for e in keep])
    monitor: dict[str, Any] = {
        "year": int(data.year), "as_of": as_of.isoformat(),
        "department": department.get("department"), "district": department.get("district"),
        "is_sample": bool(department.get("sample", False)),
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "sources": _sources(data), "settings": settings.describe(),
        "notes": _date_notes(as_of) + notes,
        "budget": budget, "petitions": petitions,
        "score": _score(data, budget, petitions),
    }
    monitor["warnings"] = build_warnings(monitor, as_of, settings)
    add_reasons(monitor, data.budget, curves, [(e.year, e.budget) for e in keep])
    return monitor


def build_monitor(year: int, as_of: str | dt.date | None, data_dir: Path | str = DATA_RAW,
                  processed_dir: Path | str = DATA_PROCESSED) -> dict[str, Any]:
    """Load the year and the earlier years and compute the monitoring dict.

    Raises:
        AsOfError: the as-of date is malformed or not in ``year``.
        InputError: the year's (or an earlier year's) input has errors.
    """
    from evalkit.io import load_year
    from evalkit.metrics import MetricSettings

    day = parse_as_of(as_of, year)
    data_dir, processed_dir = Path(data_dir), Path(processed_dir)
    data = load_year(int(year), data_dir, processed_dir)
    keep = MetricSettings.from_department(data.department).monitor_profile_years
    return compute_monitor(data, day, earlier_years(year, data_dir, processed_dir, keep))


def render_outputs(monitor: dict[str, Any], previous_xlsx: Path | None = None
                   ) -> dict[str, bytes]:
    """Every output file's bytes, keyed by file name (nothing is written here)."""
    from evalkit.metrics.core import metrics_json
    from evalkit.monitor.chart import chart_png
    from evalkit.monitor.page import render_page
    from evalkit.monitor.xlsx import read_analyst_entries, workbook_bytes

    entries = read_analyst_entries(previous_xlsx) if previous_xlsx else {}
    png = chart_png(monitor)
    return {
        MONITOR_FILE: metrics_json(monitor).encode("utf-8"),
        XLSX_FILE: workbook_bytes(monitor, entries),
        CHART_FILE: png,
        PAGE_FILE: render_page(monitor, png).encode("utf-8"),
    }


def previous_workbook(out_dir: Path | str, monitor: dict[str, Any]) -> Path | None:
    """The 监控表.xlsx an earlier run wrote for the same year and date, if any.

    Looked for in ``out_dir``, and, when ``out_dir`` is a hidden staging folder inside the outputs
    folder (``evalkit run`` writes a year into ``<outputs>/.staging-…/`` and then moves it into
    place), in the outputs folder itself: the analyst's entries survive the annual batch too.
    """
    day = dt.date.fromisoformat(monitor["as_of"])
    bases = [Path(out_dir)]
    if Path(out_dir).name.startswith("."):
        bases.append(Path(out_dir).parent)
    for base in bases:
        path = monitor_dir(base, monitor["year"], day) / XLSX_FILE
        if path.is_file():
            return path
    return None


def write_monitor(monitor: dict[str, Any], out_dir: Path | str = OUTPUTS) -> dict[str, Path]:
    """Render all outputs, then write each atomically (the page last); return their paths.

    The analyst's entries in the 偏差原因与纠偏措施 sheet of an existing 监控表.xlsx are carried
    into the new one (see :mod:`evalkit.monitor.xlsx`).
    """
    from evalkit.fsutil import atomic_write_bytes

    folder = monitor_dir(out_dir, monitor["year"], dt.date.fromisoformat(monitor["as_of"]))
    files = render_outputs(monitor, previous_workbook(out_dir, monitor))
    order = [MONITOR_FILE, XLSX_FILE, CHART_FILE, PAGE_FILE]
    return {name: atomic_write_bytes(folder / name, files[name]) for name in order}


def run_monitor(year: int, as_of: str | dt.date | None, data_dir: Path | str = DATA_RAW,
                processed_dir: Path | str = DATA_PROCESSED, out_dir: Path | str = OUTPUTS
                ) -> tuple[dict[str, Any], dict[str, Path]]:
    """``build_monitor`` then ``write_monitor``: what ``evalkit monitor`` and the notebook call."""
    monitor = build_monitor(year, as_of, data_dir, processed_dir)
    return monitor, write_monitor(monitor, out_dir)
