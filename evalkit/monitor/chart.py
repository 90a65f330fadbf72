"""The monitoring chart: cumulative 支出进度 against 序时进度 by month, and each line's gap.

Drawn with evalkit's house style and bundled CJK font (``evalkit.charts.STYLE``, registered on
first use), from the monitoring dict only (nothing personal; every printed number through
:mod:`evalkit.numfmt`). Top panel: 序时进度 (dashed), the progress to date (solid), each
forecast method's path to December (the primary one dotted, the band between the methods shaded)
and the checkpoints; bottom panel: each budget line's gap to 序时进度 in points, coloured by its
预警 level, with the 黄/红 thresholds as vertical lines.
"""

from __future__ import annotations

import io
from typing import Any, Mapping

from evalkit.monitor.view import as_of_text, line_name, settings_of
from evalkit.numfmt import fmt_fixed, fmt_pct

LEVEL_COLORS = {"红": "#C00000", "黄": "#BF9000", "绿": "#548235"}


def _style() -> tuple[dict[str, Any], dict[str, Any]]:
    from evalkit import charts

    return charts.STYLE, charts.PALETTE


def _short(text: str, limit: int = 16) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _band(ax: Any, budget: Mapping[str, Any], palette: Mapping[str, Any]) -> None:
    """The forecast paths: band between the methods, the primary one dotted."""
    methods = budget["projection"].get("methods") or []
    paths = [[(p["month"], p["progress_pct"]) for p in m["path"] if p["progress_pct"] is not None]
             for m in methods]
    paths = [p for p in paths if p]
    if len(paths) > 1:
        months = [m for m, _ in paths[0]]
        lows = [min(dict(p)[m] for p in paths) for m in months]
        highs = [max(dict(p)[m] for p in paths) for m in months]
        ax.fill_between(months, lows, highs, color=palette["secondary"], alpha=0.35, lw=0,
                        label="各预测方法区间")
    primary = budget["projection"].get("path") or []
    if len(primary) > 1:          # nothing to draw once December is reported (method "actual")
        label = f"预测（{budget['projection']['label']}）"
        ax.plot([p["month"] for p in primary], [p["progress_pct"] for p in primary],
                color=palette["primary"], linestyle=":", linewidth=2, label=label)
        end = primary[-1]
        ax.annotate(f"预计{fmt_pct(end['progress_pct'])}", (end["month"], end["progress_pct"]),
                    textcoords="offset points", xytext=(-4, 6), ha="right", fontsize=8,
                    color=palette["primary"])


def _checkpoints(ax: Any, budget: Mapping[str, Any], palette: Mapping[str, Any]) -> None:
    for i, c in enumerate(budget.get("checkpoints") or []):
        if c.get("met") is None or c["month"] >= 12:
            continue
        color = palette["good"] if c["met"] else palette["bad"]
        hollow = c["status"] == "projected"
        ax.scatter([c["month"]], [c["target_pct"]], marker="D", s=40, zorder=5,
                   color="white" if hollow else color, edgecolors=color, linewidths=1.5,
                   label="考核节点目标" if i == 0 else None)
        word = ("实际" if not hollow else "预计") + fmt_pct(c["actual_pct"])
        word += "，" + ("达标" if c["met"] else "未达标")
        ax.annotate(f"{c['month']}月底目标{fmt_pct(c['target_pct'])}\n{word}",
                    (c["month"], c["target_pct"]), textcoords="offset points", xytext=(-8, 6),
                    ha="right", va="bottom", fontsize=7, color=color,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                          "alpha": 0.9})


def _progress_panel(ax: Any, monitor: Mapping[str, Any], palette: Mapping[str, Any]) -> None:
    budget = monitor["budget"]
    ax.plot(range(0, 13), [m * 100 / 12 for m in range(0, 13)], color=palette["neutral"],
            linestyle="--", linewidth=1.2, label="序时进度")
    progress = [(0, 0.0)] + [(r["month"], r["progress_pct"]) for r in budget["progress"]
                             if r["progress_pct"] is not None]
    ax.plot([m for m, _ in progress], [v for _, v in progress], color=palette["primary"],
            marker="o", markersize=4, linewidth=2.2, label="累计支出进度")
    for month, value in progress[1:]:
        ax.annotate(fmt_pct(value), (month, value), textcoords="offset points", xytext=(0, -13),
                    ha="center", fontsize=7, color=palette["primary"])
    _band(ax, budget, palette)
    _checkpoints(ax, budget, palette)
    month = budget["as_of_month"]
    ax.axvline(month, color=palette["accent"], linewidth=1, alpha=0.6)
    late = month >= 11
    ax.text(month + (-0.1 if late else 0.1), 2, f"截至{as_of_text(monitor)}",
            ha="right" if late else "left", va="bottom", fontsize=8, color=palette["accent"])
    ax.set_xlim(0, 12.4)
    ax.set_ylim(0, 112)
    ax.set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)])
    ax.set_ylabel("累计支出占全年预算（%）")
    ax.legend(loc="upper left", fontsize=8, ncols=2, frameon=False)
    gap = budget.get("gap_pp")
    ax.set_title(f"支出进度{fmt_pct(budget['progress_pct'])}，序时进度"
                 f"{fmt_pct(budget['time_progress_pct'])}，偏差{fmt_fixed(gap)}个百分点",
                 loc="left", fontsize=11)


def _gap_panel(ax: Any, monitor: Mapping[str, Any], palette: Mapping[str, Any]) -> None:
    from evalkit.monitor.alerts import gap_level

    settings = settings_of(monitor)
    lines = [r for r in monitor["budget"]["lines"] if r.get("gap_pp") is not None]
    names = [_short(line_name(r)) for r in lines]
    gaps = [r["gap_pp"] for r in lines]
    colors = [LEVEL_COLORS.get(gap_level(g, settings) or "", palette["neutral"]) for g in gaps]
    y = list(range(len(lines)))[::-1]
    ax.barh(y, gaps, color=colors, height=0.6)
    for yi, g in zip(y, gaps):
        ax.text(g + (0.4 if g >= 0 else -0.4), yi, fmt_fixed(g), va="center",
                ha="left" if g >= 0 else "right", fontsize=7, color="#404040")
    ax.set_yticks(y, names, fontsize=8)
    ax.axvline(0, color="#404040", linewidth=0.8)
    for limit, level in ((settings.monitor_gap_yellow_pp, "黄"), (settings.monitor_gap_red_pp, "红")):
        ax.axvline(-float(limit), color=LEVEL_COLORS[level], linestyle="--", linewidth=1)
        ax.text(-float(limit), len(lines) - 0.4, f"{level}色 −{fmt_fixed(limit, 0)}",
                ha="center", fontsize=7, color=LEVEL_COLORS[level],
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"})
    low = min([*gaps, -float(settings.monitor_gap_red_pp)]) - 4
    ax.set_xlim(low, max([*gaps, 0]) + 4)
    ax.set_xlabel("与序时进度的偏差（个百分点）")
    ax.grid(axis="y", visible=False)
    ax.set_title("各预算项目支出进度与序时进度的偏差", loc="left", fontsize=11)


def progress_figure(monitor: Mapping[str, Any]) -> Any:
    """The two-panel figure (a matplotlib ``Figure``, not registered with pyplot)."""
    import matplotlib
    from matplotlib.figure import Figure

    style, palette = _style()
    n = len(monitor["budget"]["lines"])
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(8.0, 4.6 + 0.28 * max(n, 3) + 0.6), dpi=150, layout="constrained")
        top, bottom = fig.subplots(2, 1, height_ratios=[4.6, 0.28 * max(n, 3) + 0.6])
        _progress_panel(top, monitor, palette)
        _gap_panel(bottom, monitor, palette)
        for text in fig.findobj(matplotlib.text.Text):
            text.set_parse_math(False)
    return fig


def chart_png(monitor: Mapping[str, Any]) -> bytes:
    """The chart as PNG bytes (no timestamp metadata, so the same figures give the same file)."""
    import matplotlib

    style, _ = _style()
    fig = progress_figure(monitor)
    buffer = io.BytesIO()
    try:
        with matplotlib.rc_context(style):
            fig.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    finally:
        fig.clear()
    return buffer.getvalue()
