"""Every table of the working papers, in 底稿.xlsx order: name → how it is built.

The notebooks show these tables by name (``wp.show("budget_lines")``) and 底稿.xlsx holds every
one of them, one sheet each, so the workbook always has exactly what the notebooks show
(tests/test_workpapers.py checks both directions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import pandas as pd

from evalkit import catalogue
from evalkit.metrics.yoy import lookup
from evalkit.workpapers import compare, drilldown
from evalkit.workpapers.tables import Table, make_table

if TYPE_CHECKING:
    from evalkit.workpapers.session import Workpapers

FIGURE_COLUMNS = ("key", "metric", "value", "unit")
YOY_SHOWN = ("metric", "unit", "current", "previous", "text", "judgement", "flagged")
INDICATORS_SHOWN = ("id", "name", "weight", "actual_text", "target_text", "score", "lost",
                    "reason")


@dataclass(frozen=True)
class TableDef:
    """How one table is built: its title entry and ``build(wp) -> Table``."""

    name: str
    title_key: str
    build: Callable[["Workpapers"], Table]


# --------------------------------------------------------------------------- builders


def _scalar_keys(prefix: str) -> list[str]:
    """Every catalogued scalar of a metrics.json section (tables and their columns left out)."""
    fields = compare._table_fields()
    return [k for k, m in catalogue.load().items()
            if k.startswith(prefix + ".") and m.kind != "table" and k not in fields]


def figures_table(name: str, title_key: str, metrics: dict[str, Any],
                  keys: list[str]) -> Table:
    """主要数据: one row per figure (name, value, unit) formatted by the figure's own metric."""
    metrics_of = [catalogue.get(k) for k in keys]
    frame = pd.DataFrame({"key": keys, "metric": [m.name for m in metrics_of],
                          "value": [lookup(metrics, k) for k in keys],
                          "unit": [m.unit for m in metrics_of]}, columns=list(FIGURE_COLUMNS))
    return make_table(name, title_key, "workpapers.figures", frame, row_metrics=metrics_of,
                      mixed=("value",), shown=("metric", "value", "unit"))


def _overview(wp: "Workpapers") -> Table:
    m = wp.metrics
    items = [("year", m.get("year")), ("department", m.get("department")),
             ("district", m.get("district")),
             ("is_sample", catalogue.format_value("is_sample", m.get("is_sample"))),
             ("sources", "、".join(s["name"] for s in m.get("sources") or [])),
             ("workpapers.data_dir", str(wp.dirs.data / str(wp.year))),
             ("workpapers.out_dir", str(wp.published)),
             ("workpapers.previous_year", wp.previous_note()),
             ("workpapers.pending_fields", "、".join(wp.pending_fields()) or "—"),
             ("generated_at", m.get("generated_at"))]
    frame = pd.DataFrame({"item": [catalogue.label(k) for k, _ in items],
                          "value": ["—" if v is None else str(v) for _, v in items]})
    return make_table("overview", "workpapers.overview", "workpapers.overview", frame)


def _budget_figures(wp: "Workpapers") -> Table:
    return figures_table("budget_figures", "workpapers.budget_figures", wp.metrics,
                         _scalar_keys("budget"))


def _petition_figures(wp: "Workpapers") -> Table:
    return figures_table("petition_figures", "workpapers.petition_figures", wp.metrics,
                         _scalar_keys("petitions"))


def _score_figures(wp: "Workpapers") -> Table:
    score = wp.metrics.get("score") or {}
    keys = ["score.framework", "score.total", "score.max", "score.grade"]
    table = figures_table("score_figures", "workpapers.score_figures", wp.metrics, keys)
    total = catalogue.get("score.total")
    modules = score.get("module_details") or []
    extra = pd.DataFrame({"key": [f"score.modules.{d['name']}" for d in modules],
                          "metric": [d["name"] for d in modules],
                          "value": [d.get("score") for d in modules],
                          "unit": [total.unit] * len(modules)})
    table.frame = pd.concat([table.frame, extra], ignore_index=True)
    table.row_metrics = [*table.row_metrics, *[total] * len(modules)]
    return table


def _metric_table(name: str, key: str, rows_of: Callable[[dict[str, Any]], Any],
                  shown: tuple[str, ...] | None = None,
                  drop: tuple[str, ...] = ()) -> Callable[["Workpapers"], Table]:
    """A builder for a list table of metrics.json (catalogue table ``key``)."""

    def build(wp: "Workpapers") -> Table:
        rows = rows_of(wp.metrics) or []
        fields = [k for k in catalogue.fields(key) if k not in drop]
        frame = pd.DataFrame([{k: r.get(k) for k in fields} for r in rows], columns=fields)
        return make_table(name, key, key, frame, shown=shown)

    return build


def _indicators(wp: "Workpapers") -> Table:
    build = _metric_table("indicators", "score.indicators",
                          lambda m: (m.get("score") or {}).get("indicators"), INDICATORS_SHOWN)
    table = build(wp)
    table.frame = table.frame.sort_values("lost", ascending=False, kind="stable",
                                          na_position="last").reset_index(drop=True)
    return table


def _submodules(wp: "Workpapers") -> Table:
    details = (wp.metrics.get("score") or {}).get("module_details") or []
    rows = [{"module": d["name"], **s} for d in details for s in d.get("submodules") or []]
    fields = list(catalogue.fields("workpapers.submodules"))
    frame = pd.DataFrame([{k: r.get(k) for k in fields} for r in rows], columns=fields)
    return make_table("submodules", "workpapers.submodules", "workpapers.submodules", frame)


def _problems(wp: "Workpapers") -> Table:
    score = wp.metrics.get("score") or {}
    problems, improvements = score.get("problems") or [], score.get("improvements") or []
    n = max(len(problems), len(improvements))
    frame = pd.DataFrame({"number": list(range(1, n + 1)),
                          "problem": [problems[i] if i < len(problems) else None for i in range(n)],
                          "improvement": [improvements[i] if i < len(improvements) else None
                                          for i in range(n)]})
    return make_table("problems", "workpapers.problems", "workpapers.problems", frame,
                      shown=("problem", "improvement"))     # the row numbers are the 序号


def _lines_behind(wp: "Workpapers") -> Table:
    return make_table("lines_behind", "workpapers.lines_behind", "workpapers.lines_behind",
                      drilldown.lines_behind_schedule(wp.data.budget))


def _shortfalls(wp: "Workpapers") -> Table:
    frame = drilldown.shortfall_summary(wp.data.petitions, wp.year, wp.settings, wp.flags)
    return make_table("shortfalls", "workpapers.shortfalls", "workpapers.shortfalls", frame)


def _cases(rate: str) -> Callable[["Workpapers"], Table]:
    def build(wp: "Workpapers") -> Table:
        frame = drilldown.shortfall_cases(wp.data.petitions, wp.year, rate, wp.settings,
                                          wp.flags)
        columns = drilldown.shown_columns(rate)
        return make_table(f"cases_{rate}", f"workpapers.cases_{rate}", "workpapers.cases",
                          frame, shown=columns, sheet_columns=columns)

    return build


def _groups(by: str, name: str) -> Callable[["Workpapers"], Table]:
    def build(wp: "Workpapers") -> Table:
        frame = drilldown.group_rates(wp.data.petitions, wp.year, by, wp.settings)
        return make_table(name, f"workpapers.{name}", "workpapers.group_rates", frame)

    return build


def _yoy(section: str) -> Callable[["Workpapers"], Table]:
    def build(wp: "Workpapers") -> Table:
        keys = compare.figure_keys(section)
        frame = compare.yoy_figures(wp.metrics, wp.previous, keys, wp.settings)
        return make_table(f"yoy_{section}", f"workpapers.yoy_{section}", "workpapers.yoy",
                          frame, row_metrics=[catalogue.get(k) for k in keys],
                          mixed=("current", "previous"), shown=YOY_SHOWN)

    return build


def _yoy_score(wp: "Workpapers") -> Table:
    frame = compare.yoy_scores(wp.metrics, wp.previous, wp.settings)
    total = catalogue.get("score.total")
    return make_table("yoy_score", "workpapers.yoy_score", "workpapers.yoy", frame,
                      row_metrics=[total] * len(frame), mixed=("current", "previous"),
                      shown=YOY_SHOWN)


# --------------------------------------------------------------------------- the registry


def _list_def(key: str, drop: tuple[str, ...] = ()) -> TableDef:
    """A metrics.json list table shown as it is (name = the key's last part)."""
    name = key.rsplit(".", 1)[-1]
    return TableDef(name, key, _metric_table(name, key, lambda m: lookup(m, key), drop=drop))


def _defs() -> list[TableDef]:
    defs = [TableDef("overview", "workpapers.overview", _overview),
            TableDef("budget_figures", "workpapers.budget_figures", _budget_figures)]
    defs += [_list_def(key) for key in ("budget.by_type", "budget.lines", "budget.progress",
                                        "budget.checkpoints")]
    defs += [TableDef("lines_behind", "workpapers.lines_behind", _lines_behind),
             TableDef("yoy_budget", "workpapers.yoy_budget", _yoy("budget")),
             TableDef("petition_figures", "workpapers.petition_figures", _petition_figures),
             TableDef("shortfalls", "workpapers.shortfalls", _shortfalls)]
    defs += [TableDef(f"cases_{r}", f"workpapers.cases_{r}", _cases(r))
             for r in drilldown.SHORTFALL_RATES]
    defs += [_list_def(key) for key in ("petitions.by_month", "petitions.by_channel",
                                        "petitions.by_purpose")]
    defs += [TableDef("township_rates", "workpapers.township_rates",
                      _groups("township", "township_rates")),
             TableDef("unit_rates", "workpapers.unit_rates",
                      _groups("responsible_unit", "unit_rates")),
             _list_def("peers"), _list_def("history"),
             TableDef("yoy_petitions", "workpapers.yoy_petitions", _yoy("petitions")),
             TableDef("score_figures", "workpapers.score_figures", _score_figures),
             _list_def("score.module_details", drop=("submodules",)),
             TableDef("submodules", "workpapers.submodules", _submodules),
             TableDef("indicators", "score.indicators", _indicators),
             TableDef("problems", "workpapers.problems", _problems),
             TableDef("yoy_score", "workpapers.yoy_score", _yoy_score)]
    return defs


TABLES: dict[str, TableDef] = {d.name: d for d in _defs()}
"""Every working-paper table by name, in 底稿.xlsx order."""
