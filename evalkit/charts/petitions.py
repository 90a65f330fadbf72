"""Petition charts: cases by month and by channel, headline rates over the years, 镇街, peers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.charts import labels as L
from evalkit.charts.spec import ChartSpec, NoChartData, chart
from evalkit.charts.style import (PALETTE, RATE_CAP, TEXT_DARK, TEXT_LABEL, cap_rate_axis, clip,
                                  new_figure, num_axis, pct_axis, plain, title)
from evalkit.schema import CHANNELS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.metrics.model import Metrics, Peer

def offline_channels() -> frozenset[str]:
    """The channels that are not 网信 (the metrics' default settings; every other one is 网信)."""
    from evalkit.metrics.settings import MetricSettings

    return MetricSettings().offline_channels


def _offline_label() -> str:
    """``来信、来访``: the channels outside 网信, in the schema's order."""
    return "、".join(c for c in CHANNELS if c in offline_channels())


def _cases_subtitle(m: Metrics) -> str:
    """``全年3000件，网信占比88.67%``."""
    p = m.petitions
    subtitle = f"全年{L.value('petitions.total_cases', p.total_cases)}"
    if p.online_share_pct is not None:
        subtitle += (f"，{L.short('petitions.online_share_pct')}"
                     f"{L.value('petitions.online_share_pct', p.online_share_pct)}")
    return subtitle


def _month_axis(ax: Any) -> None:
    ax.set_xlim(0.4, 12.6)
    ax.set_xticks(range(1, 13), [L.month(i) for i in range(1, 13)])


@chart
def petitions_by_month(m: Metrics) -> Figure:
    """Monthly petition volume, stacked 网信 (every online channel) vs 来信、来访 when the
    monthly ``online_cases`` are given, with the line of 重件 (repeat cases)."""
    rows = sorted((r for r in m.petitions.by_month if r.month), key=lambda r: r.month)
    if not rows:
        raise NoChartData("petitions.by_month")
    k = "petitions.by_month."
    months = [r.month for r in rows]
    total = [r.cases or 0.0 for r in rows]
    online = [r.online_cases for r in rows]
    fig, ax = new_figure()
    if all(v is not None for v in online):
        offline = [t - o for t, o in zip(total, online)]
        ax.bar(months, online, 0.62, color=PALETTE["primary"], label=L.short(k + "online_cases"))
        ax.bar(months, offline, 0.62, bottom=online, color=PALETTE["secondary"],
               label=_offline_label())
    else:
        ax.bar(months, total, 0.62, color=PALETTE["primary"], label="信访件数")
    top = max([*total, 1.0])
    for month, t, r in zip(months, total, rows):
        ax.text(month, t + top * 0.015, L.value(k + "cases", r.cases, False), ha="center",
                va="bottom", fontsize=8, color=TEXT_LABEL)
    repeat = [r.repeat_cases for r in rows]
    if any(v is not None for v in repeat):
        ax.plot(months, [np.nan if v is None else v for v in repeat], color=PALETTE["accent"],
                marker="o", markersize=3.5, linewidth=1.5, label=L.short(k + "repeat_cases"))
    _month_axis(ax)
    ax.set_ylim(0, top * 1.18)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    num_axis(ax.yaxis)
    ax.set_ylabel(L.header(k + "cases"))
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", ncols=3)
    title(ax, f"{L.year(m.year)}信访件数（按月）", _cases_subtitle(m))
    return fig


def _count_bars(ax: Any, y: Any, vals: list[float], color: Any, *, height: float,
                headroom: float, fontsize: float, notes: list[str], labels: list[str],
                xlabel: str, ha: str | None = None) -> None:
    """Horizontal count bars with a note at each bar's end and integer 件 ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.barh(y, vals, height, color=color)
    right = max([*vals, 1.0])
    extra = {"ha": ha} if ha else {}
    for yi, v, note in zip(y, vals, notes):
        ax.text(v + right * 0.01, yi, note, va="center", fontsize=fontsize, color=TEXT_LABEL,
                **extra)
    ax.set_xlim(0, right * headroom)
    ax.set_yticks(y, labels)
    plain(ax.get_yticklabels())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    num_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)


@chart
def petitions_by_channel(m: Metrics) -> Figure:
    """Petition cases by 信访形式 (channel), with each channel's share; 网信 channels dark."""
    rows = sorted(m.petitions.by_channel, key=lambda r: -(r.cases or 0))
    if not rows:
        raise NoChartData("petitions.by_channel")
    k = "petitions.by_channel."
    fig, ax = new_figure((8.0, max(3.0, 0.5 * len(rows) + 1.6)))
    y = np.arange(len(rows))[::-1]
    offline = offline_channels()
    colors = [PALETTE["secondary"] if str(r.channel) in offline else PALETTE["primary"]
              for r in rows]
    _count_bars(ax, y, [r.cases or 0.0 for r in rows], colors, height=0.62, headroom=1.3,
                fontsize=8.5, ha="left",
                notes=[f"{L.value(k + 'cases', r.cases)}"
                       f"（{L.value(k + 'share_pct', r.share_pct)}）" for r in rows],
                labels=[clip(r.channel, 12) for r in rows], xlabel=L.header(k + "cases"))
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=PALETTE["primary"],
                             label=f"{L.short('petitions.online_cases')}渠道"),
                       Patch(color=PALETTE["secondary"], label=_offline_label())],
              loc="lower right")
    title(ax, f"{L.year(m.year)}信访件数（按{L.name(k + 'channel')}）", _cases_subtitle(m))
    return fig


# --------------------------------------------------------------------------- rates over the years

#: (catalogue key, short name?) of the rates drawn over the years; the ``history`` rows carry
#: them under the key's last part, ``metrics['yoy_text']`` under the full key.
HISTORY_RATES = (
    ("budget.execution_rate_pct", False),
    ("petitions.first_time_resolution_rate_pct", True),
    ("petitions.satisfaction_rate_pct", False),
    ("petitions.online_share_pct", True),
)


#: A panel whose top value is in this share of its height at the top has its labels under the dots.
LABEL_BAND = 0.15


def _history_window(present: list[float]) -> tuple[float, float]:
    """The y range of a rate panel: room under and over the values, never past 100% unless a
    value is (a window that would pass it keeps its height and moves down)."""
    lo, hi = min(present), max(present)
    span = max(hi - lo, 2.0)
    bottom, top = lo - span * 0.6, hi + span * 0.75
    if hi <= RATE_CAP < top:
        bottom, top = bottom - (top - RATE_CAP), RATE_CAP
    return max(0.0, bottom), top


def _history_panel(ax: Any, years: list[int], vals: list[float | None], key: str, color: str,
                   yoy_text: str | None) -> str | None:
    """One rate over the years: the line, each year's value and a ≤100% axis; returns the
    panel's 同比 note."""
    from matplotlib.ticker import MaxNLocator

    present = [v for v in vals if v is not None]
    bottom, top = _history_window(present)
    ax.plot(years, [np.nan if v is None else v for v in vals], color=color, marker="o",
            markersize=5, linewidth=2)
    below = max(present) > top - (top - bottom) * LABEL_BAND   # no room above: labels under
    for year, v in zip(years, vals):
        if v is None:
            continue
        ax.annotate(L.value(key, v), (year, v), textcoords="offset points",
                    xytext=(0, -8) if below else (0, 7), va="top" if below else "baseline",
                    ha="center", fontsize=8, color=color)
    span = max(max(present) - min(present), 2.0)
    ax.set_ylim(bottom, top)
    ax.set_xlim(years[0] - 0.45, years[-1] + 0.45)
    ax.set_xticks(years, [L.year(y) for y in years])
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    pct_axis(ax.yaxis, 1 if span < 4 else 0)
    cap_rate_axis(ax, "y", present)
    ax.grid(axis="x", visible=False)
    sub = None
    if yoy_text:
        sub = (f"{L.year(years[-1])}{L.short('yoy')}{yoy_text}"
               if not str(yoy_text).startswith("无") else str(yoy_text))
    return sub


@chart
def rates_history(m: Metrics) -> Figure:
    """The headline rates over the years (``metrics['history']``), one panel per rate.

    Each panel states this year's 同比 change from ``metrics['yoy_text']`` (never recomputed).
    """
    history = sorted((r for r in m.history if r.year is not None), key=lambda r: r.year)
    series = [(key, is_short) for key, is_short in HISTORY_RATES
              if any(getattr(r, key.rsplit(".", 1)[1]) is not None for r in history)]
    if not history or not series:
        raise NoChartData("history")
    years = [r.year for r in history]
    ncols = 2 if len(series) > 1 else 1
    nrows = -(-len(series) // ncols)
    fig, axes = new_figure((8.0, 2.5 * nrows + 0.9), nrows=nrows, ncols=ncols, squeeze=False)
    flat = list(axes.flat)
    for i, (key, is_short) in enumerate(series):
        ax = flat[i]
        color = PALETTE["series"][i % len(PALETTE["series"])]
        vals = [getattr(r, key.rsplit(".", 1)[1]) for r in history]
        sub = _history_panel(ax, years, vals, key, color, m.yoy_text.get(key))
        ax.set_title(L.short(key) if is_short else L.name(key), loc="left", fontsize=11,
                     pad=18 if sub else 6)
        if sub:
            ax.text(0.0, 1.02, sub, transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5,
                    color=PALETTE["accent"], parse_math=False)
    for ax in flat[len(series):]:
        ax.set_visible(False)
    period = L.year(years[0]) if len(years) == 1 else f"{years[0]}—{L.year(years[-1])}"
    fig.suptitle(f"主要指标历年变化（{period}）", x=0.01, ha="left", fontsize=13, color=TEXT_DARK)
    return fig


# --------------------------------------------------------------------------- 镇街

#: The rates :func:`township_comparison` can show (columns of ``petitions.by_township``).
TOWNSHIP_RATES = ("first_time_resolution_rate_pct", "on_time_completion_rate_pct",
                  "satisfaction_rate_pct", "online_share_pct")
_T = "petitions.by_township."


def _rate_dots(ax_r: Any, y: Any, vals: list[float | None], rate: str) -> None:
    """One dot per 镇街 on a lollipop from the axis start; ``—`` where the rate is missing."""
    from matplotlib.ticker import MaxNLocator

    present = [v for v in vals if v is not None]
    lo = min(present) if present else 0.0
    left = max(0.0, np.floor((lo - 4) / 5) * 5)
    for yi, v in zip(y, vals):
        if v is None:
            ax_r.text(left + 0.5, yi, "—", va="center", fontsize=8, color=PALETTE["neutral"])
            continue
        ax_r.hlines(yi, left, v, color=PALETTE["light"], linewidth=2)
        ax_r.scatter([v], [yi], s=28, color=PALETTE["accent"], zorder=3)
        ax_r.text(v, yi + 0.28, L.value(_T + rate, v), va="bottom", ha="center", fontsize=7.5,
                  color=TEXT_LABEL)
    ax_r.set_xlim(left, 101.5)
    ax_r.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    pct_axis(ax_r.xaxis)
    cap_rate_axis(ax_r, "x", present)
    ax_r.set_xlabel(L.header(_T + rate))
    ax_r.grid(axis="y", visible=False)
    ax_r.tick_params(axis="y", left=False)


@chart
def township_comparison(m: Metrics, rate: str = "first_time_resolution_rate_pct") -> Figure:
    """镇街 comparison: case counts (left) and one rate (right, default 一次性化解率)."""
    if rate not in TOWNSHIP_RATES:
        raise ValueError(f"rate must be one of {sorted(TOWNSHIP_RATES)}, got {rate!r}")
    rows = sorted(m.petitions.by_township, key=lambda r: -(r.cases or 0))
    if not rows:
        raise NoChartData("petitions.by_township")
    fig, (ax, ax_r) = new_figure((8.5, max(3.4, 0.36 * len(rows) + 1.6)), ncols=2,
                                 sharey=True, width_ratios=[1.5, 1])
    y = np.arange(len(rows))[::-1]
    _count_bars(ax, y, [r.cases or 0.0 for r in rows], PALETTE["primary"], height=0.66,
                headroom=1.15, fontsize=8,
                notes=[L.value(_T + "cases", r.cases, False) for r in rows],
                labels=[clip(r.township, 10) for r in rows],
                xlabel=f"信访件数（{L.unit(_T + 'cases')}）")
    _rate_dots(ax_r, y, [getattr(r, rate) for r in rows], rate)
    title(ax, f"{L.year(m.year)}各镇街信访件数与{L.name(_T + rate)}",
          f"共{len(rows)}个镇街，按件数从多到少排列")
    return fig


# --------------------------------------------------------------------------- peers

_PEER = "peers."


def _peer_order(r: Peer) -> tuple[float, float]:
    return (r.rank if r.rank is not None else 1e9,
            r.change_pct if r.change_pct is not None else 1e9)


def _peer_subtitle(m: Metrics, rows: list[Peer]) -> str:
    """Our district's figures, then how the ranking reads."""
    subtitle = "按下降幅度排名（第1名为降幅最大）"
    me = next((r for r in rows if r.is_self), None)
    if me is None:
        return subtitle
    count = m.petitions.peer_district_count or len(rows)
    return (f"{clip(me.district, 10)}"
            f"{L.short(_PEER + 'previous')}{L.value(_PEER + 'previous', me.previous)}，"
            f"{L.short(_PEER + 'current')}{L.value(_PEER + 'current', me.current)}，"
            f"{L.short(_PEER + 'change_pct')}{L.change(_PEER + 'change_pct', me.change_pct)}，"
            f"{L.short(_PEER + 'rank')}第{L.value(_PEER + 'rank', me.rank, False)}/"
            f"{L.value('petitions.peer_district_count', count, False)}；" + subtitle)


def _peer_notes(ax: Any, y: Any, rows: list[Peer], vals: list[float | None], span: float) -> None:
    """Each district's change at its bar's end; ours with its rank, in the accent colour."""
    for yi, v, r in zip(y, vals, rows):
        text = L.signed(_PEER + "change_pct", r.change_pct)
        if r.is_self:
            text += f"（{L.value(_PEER + 'rank', r.rank)}）"
        x = v or 0.0
        ax.text(x + (span * 0.015 if x >= 0 else -span * 0.015), yi, text,
                ha="left" if x >= 0 else "right", va="center", fontsize=8,
                color=PALETTE["accent"] if r.is_self else TEXT_LABEL)


@chart
def peer_ranking(m: Metrics) -> Figure:
    """Districts' change in 到国家信访局登记求决类初次信访事项, our district highlighted."""
    if not m.peers:
        raise NoChartData("peers")
    rows = sorted(m.peers, key=_peer_order)
    fig, ax = new_figure((8.0, max(3.4, 0.4 * len(rows) + 1.6)))
    y = np.arange(len(rows))[::-1]
    vals = [r.change_pct for r in rows]
    colors = [PALETTE["accent"] if r.is_self else PALETTE["secondary"] for r in rows]
    ax.barh(y, [v or 0.0 for v in vals], 0.64, color=colors)
    present = [v for v in vals if v is not None]
    span = max([abs(v) for v in present] + [1.0])
    _peer_notes(ax, y, rows, vals, span)
    lo, hi = min(present + [0.0]), max(present + [0.0])
    pad = span * 0.32
    ax.set_xlim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else span * 0.05))
    ax.axvline(0, color="#808080", linewidth=0.8)
    ax.set_yticks(y, [f"{L.value(_PEER + 'rank', r.rank, False)}. {clip(r.district, 10)}"
                      if r.rank is not None else clip(r.district, 10) for r in rows])
    plain(ax.get_yticklabels())
    for label, r in zip(ax.get_yticklabels(), rows):
        if r.is_self:
            label.set_color(PALETTE["accent"])
    pct_axis(ax.xaxis)
    ax.set_xlabel(f"{L.short(_PEER + 'change_pct')}变化（{L.unit(_PEER + 'change_pct')}）")
    ax.grid(axis="y", visible=False)
    title(ax, f"{L.year(m.year)}各区{L.name('petitions.national_initial_qiujue_count')}同比变化",
          _peer_subtitle(m, rows))
    return fig


# --------------------------------------------------------------------------- specs


def _has_history(m: Metrics) -> bool:
    return any(r.year is not None and any(getattr(r, key.rsplit(".", 1)[1]) is not None
                                          for key, _ in HISTORY_RATES) for r in m.history)


SPECS = (
    ChartSpec("petitions_by_month", petitions_by_month,
              lambda m: any(r.month for r in m.petitions.by_month), "各月信访事项数量"),
    ChartSpec("petitions_by_channel", petitions_by_channel,
              lambda m: bool(m.petitions.by_channel), lambda: L.name("petitions.by_channel")),
    ChartSpec("rates_history", rates_history, _has_history, "主要信访工作指标历年变化"),
    ChartSpec("township_comparison", township_comparison,
              lambda m: bool(m.petitions.by_township),
              lambda: f"{L.name('petitions.by_township')}对比"),
    ChartSpec("peer_ranking", peer_ranking, lambda m: bool(m.peers),
              lambda: f"{L.name('peers')}同比变化"),
)
