"""The HTML renderer: draws the report's :class:`~evalkit.report.draft.Draft` as one
self-contained HTML page.

The page is one file: CSS inlined, charts embedded as base64 PNG ``data:`` URIs, no script and no
external URL. The Jinja2 environment autoescapes everything, so a ``<script>`` typed into a
spreadsheet cell or department.yaml prints as text. The text and tables come from
:func:`evalkit.report.draft.draft_report` (the same draft the Word document is drawn from); the
page adds what the analyst needs beside it: charts, the analysis tables, gap notes naming the
missing department.yaml keys, and the 报告信息 (provenance) at the end.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from pathlib import Path
from typing import Any, Mapping

import jinja2
import markupsafe

from evalkit import __version__
from evalkit.charts.registry import captions as chart_captions
from evalkit.config import PROJECT_ROOT
from evalkit.errors import clean_text
from evalkit.fsutil import atomic_write_text
from evalkit.numfmt import fmt_fixed
from evalkit.report import narrative as nv
from evalkit.report.draft import Draft, draft_report
from evalkit.report.narrative import fmt_count
from evalkit.report.tables import (  # noqa: F401 - the table builders, re-exported
    PETITION_RATES, Table, budget_lines_table, budget_summary_table, channel_table,
    checkpoints_table, form_funds_table, form_goal_table, form_indicator_table,
    lost_table, peers_table, petition_table, score_table, submodule_table, township_table,
    unit_table)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_DIR / "templates"
CSS_FILE = PACKAGE_DIR / "report.css"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


#: Chart names (evalkit.charts) and their captions in the report, read from the chart specs.
CHART_CAPTIONS: dict[str, str] = chart_captions()


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


def _provenance_rows(m: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The framework file and code digests recorded in ``metrics["provenance"]``."""
    record = m.get("provenance") or {}
    rows = []
    framework = record.get("framework") or {}
    if framework.get("sha256"):
        rows.append(("指标体系文件", f"{Path(str(framework.get('path', ''))).name} "
                                     f"SHA-256 {framework['sha256']}"))
    if record.get("code_sha256"):
        rows.append(("计算代码摘要", f"SHA-256 {record['code_sha256']}"))
    return rows


def build_context(metrics: Mapping[str, Any], department: Mapping[str, Any],
                  charts: Mapping[str, Path | str] | None, params: Mapping[str, Any],
                  draft: Draft | None = None) -> dict:
    """Everything the template needs: the draft's sections and appendix (plain strings and
    :class:`Table` objects, escaped by the template), the charts and the 报告信息."""
    m, d = metrics, department or {}
    draft = draft or draft_report(m, d)
    score = m.get("score") or {}
    generated = params.get("generated_at") or _dt.datetime.now().astimezone().isoformat(
        timespec="seconds")
    return {
        "m": m,
        "dept": d,
        "draft": draft,
        "year": draft.year,
        "title": draft.title,
        "dept_name": draft.department,
        "is_sample": draft.is_sample,
        "preamble": draft.preamble,
        "sections": draft.sections,
        "signature": draft.signature,
        "appendix": draft.appendix,
        "appendix_title": draft.appendix_title,
        "charts": embed_charts(charts),
        "generated": fmt_time(generated),
        "metrics_generated": fmt_time(m["generated_at"]) if m.get("generated_at") else "",
        "framework": str(score.get("framework") or ""),
        "params": [(str(k), _show_param(v)) for k, v in params.items() if k != "generated_at"],
        "provenance": _provenance_rows(m),
        "sources": [{"name": str(s.get("name")), "sha256": str(s.get("sha256")),
                     "size": _fmt_bytes(s.get("bytes"))} for s in m.get("sources") or []],
        "version": __version__,
        "warnings": warning_lines(m),
        "css": _stylesheet(),
    }


def warning_lines(m: Mapping[str, Any]) -> list[str]:
    """The load warnings of ``metrics["warnings"]`` as Chinese lines for the report appendix
    (where, what, the value as shown; personal data was masked by the loader)."""
    lines = []
    for w in m.get("warnings") or []:
        if not isinstance(w, Mapping):
            continue
        where = f"【{w.get('file')}／{w.get('sheet')}】" if w.get("sheet") else f"【{w.get('file')}】"
        where += f"第{w['row']}行" if w.get("row") is not None else ""
        where += f"「{w['column']}」" if w.get("column") else ""
        value = f"（原值：{w['value']}）" if w.get("value") not in (None, "") else ""
        lines.append(clean_text(f"{where}：{w.get('message') or ''}{value}"))
    return lines


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
                  charts: Mapping[str, Path | str] | None, params: Mapping[str, Any],
                  draft: Draft | None = None) -> str:
    """Render the report as one self-contained HTML string.

    Args:
        metrics: the metrics dict (``outputs/<year>/metrics.json`` shape, with ``score``).
        department: ``department.yaml`` as a dict.
        charts: chart name → PNG path (from ``evalkit.charts.save_all_charts``); missing ones
            are skipped.
        params: the run parameters shown in the footer (``generated_at`` overrides the clock).
        draft: the drafted report when the caller has it (default: drafted here).

    Returns:
        The HTML document (``<html lang="zh-CN">``, inlined CSS, embedded images, no script).
    """
    context = build_context(metrics, department, charts, dict(params or {}), draft)
    return _environment().get_template("report.html.j2").render(**context).lstrip()


def write_report(html: str, path: Path | str) -> Path:
    """Write the report atomically (temporary file + ``os.replace``) and return its path."""
    return atomic_write_text(path, html)
