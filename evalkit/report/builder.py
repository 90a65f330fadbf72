"""Render the self-contained HTML report from the metrics dict, department.yaml and chart PNGs.

The page is one file: CSS inlined, charts embedded as base64 PNG ``data:`` URIs, no script and no
external URL. The Jinja2 environment autoescapes everything, so a ``<script>`` typed into a
spreadsheet cell or department.yaml prints as text. Tables are prepared here as lists of already
formatted strings (all through :mod:`evalkit.numfmt`) and drawn by one template macro.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jinja2
import markupsafe

from evalkit import __version__, catalogue
from evalkit.charts.registry import captions as chart_captions
from evalkit.config import PROJECT_ROOT
from evalkit.fsutil import atomic_write_text
from evalkit.numfmt import fmt_fixed, fmt_pct
from evalkit.report import narrative as nv
from evalkit.report.narrative import fmt_count, fmt_score

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
CSS_FILE = PACKAGE_DIR / "report.css"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


#: Chart names (evalkit.charts) and their captions in the report, read from the chart specs.
CHART_CAPTIONS: dict[str, str] = chart_captions()


@dataclass
class Table:
    """A table for the template: formatted string cells; ``num`` = right-aligned columns."""

    caption: str
    head: list[str]
    rows: list[list[str]]
    num: set[int] = field(default_factory=set)
    foot: list[str] | None = None
    unit: str = ""
    note: str = ""
    highlight: list[bool] = field(default_factory=list)
    center: set[int] = field(default_factory=set)     # short values that may wrap (目标值 …)
    widths: list[float] | None = None                 # column widths in %, for wide tables
    merge: int = 0                                    # merge equal cells down the first N columns
    spans: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Row spans: 1 = a normal cell, 0 = covered by the cell above, n > 1 = spans n rows."""
        self.spans = [[1] * len(row) for row in self.rows]
        for col in range(self.merge):
            start = 0
            for r in range(1, len(self.rows) + 1):
                same = (r < len(self.rows)
                        and all(self.rows[r][c] == self.rows[start][c] for c in range(col + 1)))
                if not same:
                    if r - start > 1:
                        self.spans[start][col] = r - start
                        for k in range(start + 1, r):
                            self.spans[k][col] = 0
                    start = r


def _s(value: Any) -> str:
    """A text cell: ``—`` for missing."""
    return "—" if value is None or value == "" else str(value)


def _w(value: Any) -> str:
    return fmt_fixed(value, 2)


def _p(value: Any) -> str:
    return fmt_pct(value)


def _h(key: str, short: bool = False, unit: bool = False) -> str:
    """A column header from the metric catalogue (units only where asked: most tables state
    their unit once, above the table)."""
    return catalogue.header(key, short, unit)


#: The rows of the headline petition table: (rate, numerator, denominator), in report order.
PETITION_RATES: tuple[tuple[str, str, str], ...] = (
    ("online_share_pct", "online_cases", "total_cases"),
    ("first_time_resolution_rate_pct", "qiujue_initial_resolved", "qiujue_initial_closed"),
    ("satisfaction_rate_pct", "satisfied_cases", "rated_cases"),
    ("participation_rate_pct", "rated_cases", "closed_cases"),
    ("timely_acceptance_rate_pct", "timely_accepted", "due_for_acceptance"),
    ("on_time_completion_rate_pct", "completed_on_time", "due_for_completion"),
    ("repeat_rate_pct", "repeat_cases", "total_cases"),
)


def _value(value: Any) -> str:
    """An indicator's actual/target value: numbers with 2 decimals, text as given."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return fmt_fixed(value, 2)
    return _s(value)


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------

def budget_summary_table(m: Mapping[str, Any]) -> Table | None:
    """基本支出 / 项目支出 / 合计: budget, actual, execution rate."""
    b = m.get("budget") or {}
    if b.get("total_budget_wan") is None:
        return None
    rows = [
        ["基本支出", _w(b.get("basic_budget_wan")), _w(b.get("basic_actual_wan")),
         _p(b.get("basic_execution_rate_pct"))],
        ["项目支出", _w(b.get("project_budget_wan")), _w(b.get("project_actual_wan")),
         _p(b.get("project_execution_rate_pct"))],
    ]
    head = [_h("budget.by_type.expense_type"), _h("budget.by_type.budget_wan", short=True),
            _h("budget.by_type.actual_wan", short=True), _h("budget.by_type.execution_rate_pct")]
    return Table("部门整体收支情况", head, rows, {1, 2, 3},
                 foot=["合计", _w(b.get("total_budget_wan")), _w(b.get("total_actual_wan")),
                       _p(b.get("execution_rate_pct"))], unit="万元")


def budget_lines_table(m: Mapping[str, Any]) -> Table | None:
    """One row per budget line (科目 × 项目)."""
    lines = (m.get("budget") or {}).get("lines") or []
    if not lines:
        return None
    rows = [[_s(r.get("subject_code")), _s(r.get("subject_name")), _s(r.get("project_name")),
             _s(r.get("expense_type")), _w(r.get("budget_wan")), _w(r.get("actual_wan")),
             _p(r.get("execution_rate_pct"))] for r in lines]
    head = [_h(f"budget.lines.{k}", short=k in ("budget_wan", "actual_wan"))
            for k in ("subject_code", "subject_name", "project_name", "expense_type", "budget_wan",
                      "actual_wan", "execution_rate_pct")]
    return Table(catalogue.label("budget.lines"), head, rows, {4, 5, 6}, unit="万元")


def checkpoints_table(m: Mapping[str, Any]) -> Table | None:
    """Spending-progress checkpoints (e.g. 7月 / 11月) against their targets."""
    checks = (m.get("budget") or {}).get("checkpoints") or []
    if not checks:
        return None
    rows = [[f"{fmt_count(c.get('month'))}月底", _p(c.get("target_pct")), _p(c.get("actual_pct")),
             "达到" if c.get("met") else "未达到"] for c in checks]
    head = [_h(f"budget.checkpoints.{k}") for k in ("month", "target_pct", "actual_pct", "met")]
    return Table(catalogue.label("budget.checkpoints"), head, rows, {1, 2},
                 highlight=[not c.get("met") for c in checks])


def petition_table(m: Mapping[str, Any]) -> Table | None:
    """The headline petition metrics with their populations and 同比."""
    p = m.get("petitions") or {}
    if p.get("total_cases") is None:
        return None
    yt = m.get("yoy_text") or {}

    def yoy(key: str) -> str:
        return _s(yt.get(f"petitions.{key}"))

    def ratio(num: str, den: str) -> str:
        return f"{fmt_count(p.get(num))} / {fmt_count(p.get(den))}"

    rows = [[_h("petitions.total_cases", unit=True), fmt_count(p.get("total_cases")), "—",
             yoy("total_cases")]]
    rows += [[_h(f"petitions.{rate}", unit=False), _p(p.get(rate)), ratio(num, den), yoy(rate)]
             for rate, num, den in PETITION_RATES]
    if p.get("national_initial_qiujue_count") is not None:
        change = p.get("national_initial_qiujue_yoy_pct")
        rows.append([_h("petitions.national_initial_qiujue_count", unit=True),
                     fmt_count(p.get("national_initial_qiujue_count")),
                     f"上年 {fmt_count(p.get('national_initial_qiujue_prev_count'))}",
                     nv.describe_change(change) if change is not None
                     else yoy("national_initial_qiujue_count")])
    return Table("主要信访工作指标", ["指标", "本年", "分子 / 分母（件）", "同比"], rows, {1, 2})


def channel_table(m: Mapping[str, Any]) -> Table | None:
    rows = [[_s(r.get("channel")), fmt_count(r.get("cases")), _p(r.get("share_pct"))]
            for r in (m.get("petitions") or {}).get("by_channel") or []]
    head = [_h(f"petitions.by_channel.{k}", short=True, unit=False)
            for k in ("channel", "cases", "share_pct")]
    return Table(catalogue.label("petitions.by_channel"), head, rows, {1, 2}) if rows else None


def township_table(m: Mapping[str, Any]) -> Table | None:
    rows = [[_s(r.get("township")), fmt_count(r.get("cases")), _p(r.get("online_share_pct")),
             _p(r.get("first_time_resolution_rate_pct")), _p(r.get("satisfaction_rate_pct")),
             _p(r.get("on_time_completion_rate_pct"))]
            for r in (m.get("petitions") or {}).get("by_township") or []]
    if not rows:
        return None
    head = [_h(f"petitions.by_township.{k}", unit=False) for k in (
        "township", "cases", "online_share_pct", "first_time_resolution_rate_pct",
        "satisfaction_rate_pct", "on_time_completion_rate_pct")]
    return Table(catalogue.label("petitions.by_township"), head, rows, {1, 2, 3, 4, 5})


def unit_table(m: Mapping[str, Any]) -> Table | None:
    rows = [[_s(r.get("responsible_unit")), fmt_count(r.get("cases")),
             _p(r.get("on_time_completion_rate_pct"))]
            for r in (m.get("petitions") or {}).get("by_unit") or []]
    if not rows:
        return None
    head = [_h(f"petitions.by_unit.{k}", unit=False)
            for k in ("responsible_unit", "cases", "on_time_completion_rate_pct")]
    return Table(catalogue.label("petitions.by_unit"), head, rows, {1, 2})


def peers_table(m: Mapping[str, Any]) -> Table | None:
    peers = sorted(m.get("peers") or [], key=lambda r: (r.get("rank") is None, r.get("rank") or 0))
    if not peers:
        return None
    rows = [[fmt_count(r.get("rank")), _s(r.get("district")), fmt_count(r.get("previous")),
             fmt_count(r.get("current")), nv.describe_change(r.get("change_pct"))] for r in peers]
    head = [_h("peers.rank", unit=False), _h("peers.district"), _h("peers.previous", short=True, unit=True),
            _h("peers.current", short=True, unit=True), _h("peers.change_pct", unit=False)]
    return Table(catalogue.label("peers"), head, rows, {0, 2, 3},
                 highlight=[bool(r.get("is_self")) for r in peers])


def score_table(m: Mapping[str, Any]) -> Table | None:
    s = m.get("score") or {}
    details = s.get("module_details") or []
    if s.get("total") is None or not details:
        return None
    rows = [[_s(d.get("name")), fmt_score(d.get("weight")), fmt_score(d.get("score")),
             fmt_score(d.get("lost"))] for d in details]
    lost_total = sum((d.get("lost") or 0) for d in details)
    head = [_h(f"score.module_details.{k}", unit=False) for k in ("name", "weight", "score", "lost")]
    return Table("自评得分汇总", head, rows, {1, 2, 3},
                 foot=["合计", fmt_score(s.get("max")), fmt_score(s.get("total")),
                       fmt_score(lost_total)])


def submodule_table(m: Mapping[str, Any], module: str, caption: str) -> Table | None:
    d = nv.module_detail(m, module)
    subs = (d or {}).get("submodules") or []
    if not subs:
        return None
    rows = [[_s(x.get("name")), fmt_score(x.get("weight")), fmt_score(x.get("score")),
             fmt_score(x.get("lost"))] for x in subs]
    head = [_h("score.indicators.submodule")] + [
        _h(f"score.module_details.{k}", unit=False) for k in ("weight", "score", "lost")]
    return Table(caption, head, rows, {1, 2, 3},
                 foot=["小计", fmt_score(d.get("weight")), fmt_score(d.get("score")),
                       fmt_score(d.get("lost"))],
                 highlight=[(x.get("lost") or 0) > 0 for x in subs])


def lost_table(m: Mapping[str, Any], module: str, caption: str) -> Table | None:
    inds = nv.lost_indicators(m, module)
    if not inds:
        return None
    rows = [[_s(i.get("submodule")), _s(i.get("name")), fmt_score(i.get("weight")),
             fmt_score(i.get("score")), fmt_score(i.get("lost")), _s(i.get("reason"))]
            for i in inds]
    head = [_h(f"score.indicators.{k}", short=k == "score", unit=False)
            for k in ("submodule", "name", "weight", "score", "lost", "reason")]
    return Table(caption, head, rows, {2, 3, 4},
                 widths=[11, 18, 8, 8, 8, 47])


def indicator_table(m: Mapping[str, Any]) -> Table | None:
    """The appendix 部门整体支出绩效自评表: every indicator."""
    s = m.get("score") or {}
    inds = s.get("indicators") or []
    if not inds:
        return None
    rows = [[_s(i.get("module")), _s(i.get("submodule")), _s(i.get("name")),
             fmt_score(i.get("weight")), _s(i.get("target_text") or _value(i.get("target"))),
             _s(i.get("actual_text") or _value(i.get("actual"))),
             fmt_score(i.get("score")), _s(i.get("reason")) if (i.get("lost") or 0) > 0 else ""]
            for i in inds]
    unconfirmed = sum(1 for i in inds if i.get("confirmed") is False)
    note = (f"注：其中{fmt_count(unconfirmed, '项')}指标的分值或评分标准尚待主管部门确认。"
            if unconfirmed else "")
    head = [_h(f"score.indicators.{k}", short=k in ("target", "score"), unit=False) for k in (
        "module", "submodule", "name", "weight", "target", "actual", "score", "reason")]
    return Table("部门整体支出绩效自评表", head, rows, {3, 6},
                 foot=["总分", "", "", fmt_score(s.get("max")), "", "",
                       fmt_score(s.get("total")), ""],
                 note=note, center={4, 5}, widths=[7, 8, 14, 6.5, 12, 12, 6.5, 34], merge=2)


# --------------------------------------------------------------------------------------------
# charts, footer
# --------------------------------------------------------------------------------------------

def embed_png(path: Path | str) -> str:
    """Return the PNG at ``path`` as a ``data:image/png;base64,…`` URI (rejects non-PNG files)."""
    data = Path(path).read_bytes()
    if not data.startswith(PNG_MAGIC):
        raise ValueError(f"not a PNG image: {Path(path).name}")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def embed_charts(charts: Mapping[str, Path | str] | None) -> dict[str, dict[str, str]]:
    """Embed the charts that exist; unknown names keep their name as caption."""
    out: dict[str, dict[str, str]] = {}
    for name, path in (charts or {}).items():
        if path is None or not Path(path).is_file():
            continue
        out[name] = {"src": embed_png(path), "caption": CHART_CAPTIONS.get(name, name)}
    return out


def _show_param(value: Any) -> str:
    """A parameter for the footer; paths inside the project are shown relative to it."""
    text = str(value)
    if isinstance(value, (str, Path)) and ("/" in text or "\\" in text):
        try:
            return Path(text).resolve().relative_to(PROJECT_ROOT).as_posix()
        except (ValueError, OSError):
            pass
    return text


def fmt_time(value: Any) -> str:
    """``2024-03-01T10:00:00+08:00`` → ``2024年3月1日 10:00:00（UTC+08:00）``; other text as given."""
    try:
        t = _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = f"{t.year}年{t.month}月{t.day}日 {t:%H:%M:%S}"
    offset = t.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        text += f"（UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}）"
    return text


def _fmt_bytes(n: Any) -> str:
    if not isinstance(n, (int, float)):
        return "—"
    if n >= 1 << 20:
        return f"{fmt_fixed(n / (1 << 20), 1)} MB"
    if n >= 1 << 10:
        return f"{fmt_fixed(n / (1 << 10), 1)} KB"
    return f"{fmt_count(n)} B"


def build_context(metrics: Mapping[str, Any], department: Mapping[str, Any],
                  charts: Mapping[str, Path | str] | None, params: Mapping[str, Any]) -> dict:
    """Everything the template needs, as escaped-later plain strings and :class:`Table` objects."""
    m, d = metrics, department or {}
    score = m.get("score") or {}
    generated = params.get("generated_at") or _dt.datetime.now().astimezone().isoformat(
        timespec="seconds")
    effectiveness = nv.module_detail(m, "履职效能")
    return {
        "m": m,
        "dept": d,
        "year": m.get("year"),
        "title": nv.report_title(m, d),
        "dept_name": nv.department_short(d, m),
        "is_sample": bool(m.get("is_sample") or d.get("sample")),
        "preamble": nv.preamble(m, d),
        "functions": [str(x) for x in d.get("functions") or []],
        "annual_work": str(d.get("annual_work") or ""),
        "key_tasks_summary": nv.key_tasks_summary(m, d),
        "key_tasks": [t for t in d.get("key_tasks") or [] if isinstance(t, Mapping)],
        "performance_goal": str(d.get("performance_goal") or ""),
        "management": str(d.get("management") or ""),
        "highlights": [str(x) for x in d.get("highlights") or []],
        "income": nv.income_expenditure(m),
        "progress_text": nv.spending_progress(m),
        "score_text": nv.score_conclusion(m),
        "has_score": score.get("total") is not None,
        "petition_text": nv.petition_overview(m),
        "effectiveness_deductions": nv.effectiveness_deductions(m),
        "effectiveness_score": (
            f"履职效能满分{fmt_score(effectiveness.get('weight'))}分，本部门自评得分"
            f"{fmt_score(effectiveness.get('score'))}分。" if effectiveness else ""),
        "efficiency_text": nv.efficiency_summary(m),
        "problems": nv.problems(m, d),
        "improvements": nv.improvements(m, d),
        "tables": {
            "budget": budget_summary_table(m),
            "lines": budget_lines_table(m),
            "checkpoints": checkpoints_table(m),
            "petitions": petition_table(m),
            "channels": channel_table(m),
            "townships": township_table(m),
            "units": unit_table(m),
            "peers": peers_table(m),
            "score": score_table(m),
            "effectiveness_subs": submodule_table(m, "履职效能", "履职效能二级指标得分"),
            "effectiveness_lost": lost_table(m, "履职效能", "履职效能扣分指标"),
            "efficiency_subs": submodule_table(m, "管理效率", "管理效率各模块得分"),
            "efficiency_lost": lost_table(m, "管理效率", "管理效率扣分指标"),
            "indicators": indicator_table(m),
        },
        "charts": embed_charts(charts),
        "generated": fmt_time(generated),
        "metrics_generated": fmt_time(m["generated_at"]) if m.get("generated_at") else "",
        "framework": str(score.get("framework") or ""),
        "params": [(str(k), _show_param(v)) for k, v in params.items() if k != "generated_at"],
        "sources": [{"name": str(s.get("name")), "sha256": str(s.get("sha256")),
                     "size": _fmt_bytes(s.get("bytes"))} for s in m.get("sources") or []],
        "version": __version__,
        "css": _stylesheet(),
    }


def _stylesheet() -> str:
    """The stylesheet to inline, without its comments.

    It is evalkit's own file (never user input), so it is marked safe: HTML-escaping it would
    turn the quotes of the font names into ``&#34;`` inside ``<style>``, which CSS does not decode.
    """
    css = re.sub(r"/\*.*?\*/\n?", "", CSS_FILE.read_text(encoding="utf-8"), flags=re.S).strip()
    if "<" in css:
        raise ValueError("report.css must not contain '<'")
    return markupsafe.Markup(css)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is escaped, whatever the file suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["cn_ordinal"] = nv.cn_ordinal
    return env


def render_report(metrics: Mapping[str, Any], department: Mapping[str, Any],
                  charts: Mapping[str, Path | str] | None, params: Mapping[str, Any]) -> str:
    """Render the report as one self-contained HTML string.

    Args:
        metrics: the metrics dict (``outputs/<year>/metrics.json`` shape, with ``score``).
        department: ``department.yaml`` as a dict.
        charts: chart name → PNG path (from ``evalkit.charts.save_all_charts``); missing ones
            are skipped.
        params: the run parameters shown in the footer (``generated_at`` overrides the clock).

    Returns:
        The HTML document (``<html lang="zh-CN">``, inlined CSS, embedded images, no script).
    """
    context = build_context(metrics, department, charts, dict(params or {}))
    return _environment().get_template("report.html.j2").render(**context).lstrip()


def write_report(html: str, path: Path | str) -> Path:
    """Write the report atomically (temporary file + ``os.replace``) and return its path."""
    return atomic_write_text(path, html)
