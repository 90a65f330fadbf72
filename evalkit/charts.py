"""Charts for notebooks and the report, drawn with evalkit's bundled CJK font.

The module registers the bundled font (``evalkit/fonts/NotoSansSC-evalkit-subset.ttf``, a GB2312
subset of Noto Sans CJK SC under the SIL OFL, family name ``Evalkit Sans SC``) with matplotlib and
makes it the default family, so Chinese renders on a machine with no CJK font installed. It also
sets one house style (:data:`STYLE`): sizes, palette, dpi 150, no top/right spines, a light grid,
``axes.unicode_minus`` off and ``text.parse_math`` off (strings from spreadsheets such as 镇街 or
district names are drawn as plain text, never as mathtext).

matplotlib is imported, and the font registered, at import when matplotlib is already loaded,
otherwise on first use (drawing a chart, :func:`apply_style`, :data:`FONT_FAMILY`, :data:`STYLE`):
a notebook that only shows charts already saved for the same figures never pays for matplotlib.

Saved charts are rendered once: each PNG carries, in a ``tEXt`` chunk, the digest of the metrics
dict it was drawn from (without ``generated_at``/``provenance``) and of the drawing code, font and
matplotlib version (:func:`chart_digest`). :func:`save_all_charts` keeps a PNG whose digest
matches and redraws any other; :func:`display_charts` is the notebook helper built on it.

Every chart function takes the metrics dict (``outputs/<year>/metrics.json`` shape, see
``docs/architecture.md``) and nothing else that could be personal, and returns a
:class:`matplotlib.figure.Figure` (not registered with pyplot, so a notebook shows it once).
Figures are read from the dict, never recomputed; every printed number is formatted by
:mod:`evalkit.numfmt`. A function raises :class:`NoChartData` when its section is absent;
:func:`save_all_charts` skips such charts.

>>> sorted(CHARTS)[:3]
['budget_by_type', 'budget_lines', 'peer_ranking']
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import numpy as np

from evalkit.config import FONTS, PACKAGE_DIR
from evalkit.fsutil import atomic_path
from evalkit.numfmt import describe_change, fmt_fixed, fmt_pct

__all__ = [
    "FONT_FILE", "FONT_FAMILY", "STYLE", "PALETTE", "CHARTS", "NoChartData", "register_font",
    "apply_style", "has_data", "budget_by_type", "budget_lines", "spending_progress",
    "petitions_by_month", "petitions_by_channel", "rates_history", "township_comparison",
    "peer_ranking", "score_modules", "save_all_charts", "chart_digest", "png_digest",
    "display_charts",
]

if TYPE_CHECKING:  # imported for real by _init()
    import matplotlib
    # not read in this module: declares the lazy public attribute ``charts.font_manager`` (_LAZY)
    from matplotlib import font_manager  # noqa: F401
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    FONT_FAMILY: str
    STYLE: dict[str, Any]

FONT_FILE = FONTS / "NotoSansSC-evalkit-subset.ttf"

# Installed CJK families used only as per-glyph fallback for a character outside the bundled
# GB2312 subset (a rare character in a place name); never needed for evalkit's own labels.
_SYSTEM_CJK_FALLBACKS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                         "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC")

PALETTE = {
    "primary": "#1F4E79",     # deep blue: actual / current
    "secondary": "#9DC3E6",   # light blue: budget / plan
    "accent": "#C55A11",      # orange: highlight (our district, targets)
    "good": "#548235",        # green: met
    "bad": "#C00000",         # red: lost points, missed targets
    "neutral": "#7F7F7F",     # grey: reference lines, notes
    "light": "#D9D9D9",
    "series": ["#1F4E79", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6", "#7F7F7F"],
}

DPI = 150
FIGSIZE = (8.0, 4.5)


class NoChartData(LookupError):
    """The metrics dict has no data for this chart (e.g. no peers.xlsx, no score yet)."""


# --------------------------------------------------------------------------- font and style


def register_font(path: Path | str = FONT_FILE) -> str:
    """Register the bundled font with matplotlib (once) and return its family name.

    Raises:
        FileNotFoundError: if the font file is missing from the installation.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"bundled chart font missing: {path} "
                                "(rebuild with scripts/build_font_subset.py)")
    from matplotlib import font_manager as fm

    fname = str(path)
    if not any(entry.fname == fname for entry in fm.fontManager.ttflist):
        fm.fontManager.addfont(fname)   # adds one entry; the font cache file is not rebuilt
    return fm.FontProperties(fname=fname).get_name()


def _fallback_families() -> list[str]:
    from matplotlib import font_manager as fm

    installed = {entry.name for entry in fm.fontManager.ttflist}
    return [name for name in _SYSTEM_CJK_FALLBACKS if name in installed]


def _build_style(family: str) -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, *_fallback_families(), "DejaVu Sans"],
        "font.size": 10,
        "axes.titlesize": 13,
        "axes.titleweight": "normal",
        "axes.titlelocation": "left",
        "axes.titlepad": 12,
        "axes.labelsize": 10,
        "axes.labelcolor": "#404040",
        "axes.edgecolor": "#A6A6A6",
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE["series"]),
        "axes.unicode_minus": False,
        "grid.color": "#E7E6E6",
        "grid.linewidth": 0.7,
        "grid.linestyle": "-",
        "xtick.color": "#595959",
        "ytick.color": "#595959",
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "figure.dpi": DPI,
        "figure.figsize": FIGSIZE,
        "figure.facecolor": "white",
        "figure.titlesize": 13,
        "savefig.dpi": DPI,
        "savefig.facecolor": "white",
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.15,
        "text.usetex": False,
        "text.parse_math": False,
        "text.color": "#262626",
        "mathtext.default": "regular",
    }


_LAZY = ("FONT_FAMILY", "STYLE", "matplotlib", "font_manager", "Figure", "FuncFormatter",
         "MaxNLocator")
_ready = False
_init_lock = threading.Lock()


def _init() -> None:
    """Import matplotlib, register the bundled font and apply the house style (once)."""
    global _ready, matplotlib, font_manager, Figure, FuncFormatter, MaxNLocator
    global FONT_FAMILY, STYLE
    if _ready:
        return
    with _init_lock:
        if _ready:
            return
        import matplotlib as _mpl
        from matplotlib import font_manager as _fm
        from matplotlib.figure import Figure as _Figure
        from matplotlib.ticker import FuncFormatter as _FF, MaxNLocator as _MNL

        matplotlib, font_manager, Figure, FuncFormatter, MaxNLocator = _mpl, _fm, _Figure, _FF, _MNL
        FONT_FAMILY = register_font()
        STYLE = _build_style(FONT_FAMILY)
        matplotlib.rcParams.update(STYLE)
        _ready = True


def __getattr__(name: str) -> Any:
    """``FONT_FAMILY``, ``STYLE`` and the matplotlib names are set up on first access."""
    if name in _LAZY:
        _init()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def apply_style() -> None:
    """Make the house style (and the bundled font) the global matplotlib default."""
    _init()
    matplotlib.rcParams.update(STYLE)


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw inside the house style even if a notebook changed rcParams after import."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        _init()
        with matplotlib.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- helpers


def _section(metrics: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = metrics.get(key)
    return value if isinstance(value, Mapping) else {}


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _num(value: Any) -> float | None:
    """A finite float for plotting (positions only; labels are formatted from the dict value)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def _count(value: Any) -> str:
    n = _num(value)
    return "—" if n is None else f"{int(n)}"


def _wan(value: Any) -> str:
    return fmt_fixed(value) if _num(value) is not None else "—"


def _pct(value: Any) -> str:
    return fmt_pct(value) if _num(value) is not None else "—"


def _text(value: Any, limit: int = 18) -> str:
    """A spreadsheet string as a short single-line label (drawn with parse_math off)."""
    s = " ".join(str(value if value is not None else "").split()) or "（未填写）"
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _year(metrics: Mapping[str, Any]) -> str:
    year = metrics.get("year")
    return f"{year}年" if year is not None else ""


def _month(value: Any) -> int | None:
    """Month number from 3, "3", "3月", "2023-03"."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    s = str(value).strip().rstrip("月")
    if "-" in s:
        s = s.rsplit("-", 1)[-1]
    try:
        m = int(float(s))
    except ValueError:
        return None
    return m if 1 <= m <= 12 else None


def _new_figure(figsize: tuple[float, float] = FIGSIZE, **subplot_kw: Any) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    axes = fig.subplots(**subplot_kw)
    return fig, axes


def _plain(texts: Iterable[Any]) -> None:
    for t in texts:
        t.set_parse_math(False)


def _pct_axis(axis: Any, places: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_fixed(v, places) + "%"))


def _num_axis(axis: Any, places: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_fixed(v, places)))


def _title(ax: Any, title: str, subtitle: str | None = None) -> None:
    ax.set_title(title, loc="left", fontsize=13, color="#262626",
                 pad=22 if subtitle else 12)
    if subtitle:
        ax.text(0.0, 1.02, subtitle, transform=ax.transAxes, ha="left", va="bottom",
                fontsize=9, color=PALETTE["neutral"], parse_math=False)


# --------------------------------------------------------------------------- budget


def _by_type_rows(budget: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = [dict(r) for r in _rows(budget.get("by_type"))]
    if not rows:
        for key, label in (("basic", "基本支出"), ("project", "项目支出")):
            if _num(budget.get(f"{key}_budget_wan")) is not None:
                rows.append({"expense_type": label,
                             "budget_wan": budget.get(f"{key}_budget_wan"),
                             "actual_wan": budget.get(f"{key}_actual_wan"),
                             "execution_rate_pct": budget.get(f"{key}_execution_rate_pct")})
    return rows


@_styled
def budget_by_type(metrics: Mapping[str, Any]) -> Figure:
    """Budget vs actual by 支出类型 (plus 合计), with the execution rate of each group."""
    budget = _section(metrics, "budget")
    rows = _by_type_rows(budget)
    if not rows:
        raise NoChartData("budget.by_type")
    if _num(budget.get("total_budget_wan")) is not None:
        rows.append({"expense_type": "合计", "budget_wan": budget.get("total_budget_wan"),
                     "actual_wan": budget.get("total_actual_wan"),
                     "execution_rate_pct": budget.get("execution_rate_pct")})

    fig, ax = _new_figure()
    x = np.arange(len(rows))
    width = 0.36
    b_vals = [_num(r.get("budget_wan")) or 0.0 for r in rows]
    a_vals = [_num(r.get("actual_wan")) or 0.0 for r in rows]
    bars_b = ax.bar(x - width / 2, b_vals, width, color=PALETTE["secondary"], label="全年预算数")
    bars_a = ax.bar(x + width / 2, a_vals, width, color=PALETTE["primary"], label="实际支出数")
    ax.bar_label(bars_b, labels=[_wan(r.get("budget_wan")) for r in rows], padding=2,
                 fontsize=8, color="#404040")
    ax.bar_label(bars_a, labels=[_wan(r.get("actual_wan")) for r in rows], padding=2,
                 fontsize=8, color="#404040")
    top = max([*b_vals, *a_vals, 1.0])
    for xi, r, hb, ha in zip(x, rows, b_vals, a_vals):
        ax.text(xi, max(hb, ha) + top * 0.09, f"执行率{_pct(r.get('execution_rate_pct'))}",
                ha="center", va="bottom", fontsize=9, color=PALETTE["accent"])
    ax.set_ylim(0, top * 1.25)
    ax.set_xticks(x, [_text(r.get("expense_type"), 10) for r in rows])
    _plain(ax.get_xticklabels())
    ax.set_ylabel("金额（万元）")
    _num_axis(ax.yaxis)
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", ncols=2)
    _title(ax, f"{_year(metrics)}预算执行情况（按支出类型）",
           f"全年预算{_wan(budget.get('total_budget_wan'))}万元，实际支出"
           f"{_wan(budget.get('total_actual_wan'))}万元，预算执行率"
           f"{_pct(budget.get('execution_rate_pct'))}")
    return fig


def _line_label(row: Mapping[str, Any]) -> str:
    for key in ("project_name", "subject_name", "subject_code"):
        value = row.get(key)
        if value not in (None, ""):
            return _text(value, 16)
    return "（未命名）"


@_styled
def budget_lines(metrics: Mapping[str, Any], top_n: int = 10) -> Figure:
    """Budget vs actual per budget line (horizontal bars), the ``top_n`` largest budgets."""
    lines = _rows(_section(metrics, "budget").get("lines"))
    if not lines:
        raise NoChartData("budget.lines")
    ordered = sorted(lines, key=lambda r: -(_num(r.get("budget_wan")) or 0.0))
    shown = ordered[:top_n]
    rest = len(ordered) - len(shown)

    height = max(3.2, 0.48 * len(shown) + 1.6)
    fig, ax = _new_figure((8.0, height))
    y = np.arange(len(shown))[::-1]
    b_vals = [_num(r.get("budget_wan")) or 0.0 for r in shown]
    a_vals = [_num(r.get("actual_wan")) or 0.0 for r in shown]
    ax.barh(y, b_vals, 0.72, color=PALETTE["secondary"], label="全年预算数")
    ax.barh(y, a_vals, 0.40, color=PALETTE["primary"], label="实际支出数")
    right = max([*b_vals, *a_vals, 1.0])
    for yi, r, hb, ha in zip(y, shown, b_vals, a_vals):
        rate = _num(r.get("execution_rate_pct"))
        color = PALETTE["bad"] if rate is not None and rate < 90 else "#404040"
        ax.text(max(hb, ha) + right * 0.01, yi,
                f"{_wan(r.get('actual_wan'))} / {_wan(r.get('budget_wan'))}"
                f"（{_pct(r.get('execution_rate_pct'))}）",
                va="center", ha="left", fontsize=8, color=color)
    ax.set_xlim(0, right * 1.42)
    ax.set_yticks(y, [_line_label(r) for r in shown])
    _plain(ax.get_yticklabels())
    ax.set_xlabel("金额（万元）")
    _num_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", ncols=2)
    subtitle = "标注：实际支出 / 全年预算（万元）及预算执行率；按预算数从大到小排列"
    if rest > 0:
        subtitle += f"，另有{rest}项未列示"
        title = f"{_year(metrics)}各项目预算执行情况（预算数前{len(shown)}项）"
    else:
        title = f"{_year(metrics)}各项目预算执行情况"
    _title(ax, title, subtitle)
    return fig


@_styled
def spending_progress(metrics: Mapping[str, Any]) -> Figure:
    """Monthly cumulative 支出进度 vs the linear 序时进度, with checkpoint markers.

    Without monthly data (``budget.progress == []``) the figure says 无月度支出数据.
    """
    budget = _section(metrics, "budget")
    progress = [r for r in _rows(budget.get("progress")) if _month(r.get("month"))]
    fig, ax = _new_figure()
    title = f"{_year(metrics)}预算支出进度与序时进度"
    if not progress:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "无月度支出数据", ha="center", va="center", fontsize=16,
                color=PALETTE["neutral"], transform=ax.transAxes)
        _title(ax, title)
        return fig

    months = [_month(r.get("month")) for r in progress]
    monthly = [_num(r.get("actual_wan")) or 0.0 for r in progress]
    ax2 = ax.twinx()
    ax2.bar(months, monthly, 0.6, color=PALETTE["light"], label="当月支出（万元，右轴）",
            zorder=1)
    ax2.set_ylim(0, max([*monthly, 1.0]) * 3.2)
    ax2.set_ylabel("当月支出（万元）", color=PALETTE["neutral"])
    _num_axis(ax2.yaxis)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    ax2.spines["right"].set_color(PALETTE["light"])
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)

    prog = [_num(r.get("progress_pct")) for r in progress]
    linear = [_num(r.get("linear_pct")) for r in progress]
    ax.plot(months, [np.nan if v is None else v for v in linear], color=PALETTE["neutral"],
            linestyle="--", linewidth=1.3, label="序时进度")
    ax.plot(months, [np.nan if v is None else v for v in prog], color=PALETTE["primary"],
            marker="o", markersize=4, linewidth=2, label="累计支出进度")
    behind = {int(m) for m in budget.get("months_behind") or [] if _month(m)}
    checkpoint_months = {_month(c.get("month")) for c in _rows(budget.get("checkpoints"))}
    for m, p, r in zip(months, prog, progress):
        if p is None or m in checkpoint_months:
            continue
        ax.annotate(_pct(r.get("progress_pct")), (m, p), textcoords="offset points",
                    xytext=(4, -13), ha="left", fontsize=7, color=PALETTE["primary"])

    checkpoints = [c for c in _rows(budget.get("checkpoints")) if _month(c.get("month"))]
    for i, c in enumerate(checkpoints):
        m, target = _month(c.get("month")), _num(c.get("target_pct"))
        if target is None:
            continue
        met = bool(c.get("met"))
        color = PALETTE["good"] if met else PALETTE["bad"]
        ax.scatter([m], [target], marker="D", s=46, color="white", edgecolors=color,
                   linewidths=1.6, zorder=5, label="时间节点目标" if i == 0 else None)
        last = m >= 11
        ax.annotate(f"{m}月目标{_pct(c.get('target_pct'))}\n实际{_pct(c.get('actual_pct'))}"
                    f"（{'达标' if met else '未达标'}）",
                    (m, target), textcoords="offset points",
                    xytext=(-14, 2) if last else (8, -34), ha="right" if last else "left",
                    va="bottom" if last else "baseline",
                    fontsize=7.5, color=color,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none",
                          "alpha": 0.85})
    ax.set_xlim(0.4, 12.6)
    ax.set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)])
    ax.set_ylim(0, 112)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    _pct_axis(ax.yaxis)
    ax.set_ylabel("累计支出占全年预算（%）")
    handles, labels = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(handles + h2, labels + l2, loc="upper left", ncols=2)
    subtitle = (f"全年预算{_wan(budget.get('total_budget_wan'))}万元，累计支出"
                f"{_wan(progress[-1].get('cumulative_wan'))}万元（截至{months[-1]}月）")
    if behind and len(behind) == len(months):
        subtitle += "；各月累计进度均低于序时进度"
    elif behind:
        subtitle += "；低于序时进度：" + "、".join(f"{m}月" for m in sorted(behind))
    _title(ax, title, subtitle)
    return fig


# --------------------------------------------------------------------------- petitions


@_styled
def petitions_by_month(metrics: Mapping[str, Any]) -> Figure:
    """Monthly petition volume, stacked 网上信访 vs 来信/来访 when ``online_cases`` is given."""
    petitions = _section(metrics, "petitions")
    rows = sorted((r for r in _rows(petitions.get("by_month")) if _month(r.get("month"))),
                  key=lambda r: _month(r.get("month")))
    if not rows:
        raise NoChartData("petitions.by_month")
    months = [_month(r.get("month")) for r in rows]
    total = [_num(r.get("cases")) or 0.0 for r in rows]
    online = [_num(r.get("online_cases")) for r in rows]
    fig, ax = _new_figure()
    if all(v is not None for v in online):
        offline = [t - o for t, o in zip(total, online)]
        ax.bar(months, online, 0.62, color=PALETTE["primary"], label="网上信访")
        ax.bar(months, offline, 0.62, bottom=online, color=PALETTE["secondary"],
               label="来信、来访")
    else:
        ax.bar(months, total, 0.62, color=PALETTE["primary"], label="信访件数")
    top = max([*total, 1.0])
    for m, t, r in zip(months, total, rows):
        ax.text(m, t + top * 0.015, _count(r.get("cases")), ha="center", va="bottom",
                fontsize=8, color="#404040")
    repeat = [_num(r.get("repeat_cases")) for r in rows]
    if any(v is not None for v in repeat):
        ax.plot(months, [np.nan if v is None else v for v in repeat], color=PALETTE["accent"],
                marker="o", markersize=3.5, linewidth=1.5, label="重复信访")
    ax.set_xlim(0.4, 12.6)
    ax.set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)])
    ax.set_ylim(0, top * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _num_axis(ax.yaxis)
    ax.set_ylabel("件数（件）")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", ncols=3)
    subtitle = f"全年{_count(petitions.get('total_cases'))}件"
    if petitions.get("online_share_pct") is not None:
        subtitle += f"，网信占比{_pct(petitions.get('online_share_pct'))}"
    _title(ax, f"{_year(metrics)}信访件数（按月）", subtitle)
    return fig


def _count_bars(ax: Any, y: Any, vals: list[float], color: Any, *, height: float,
                headroom: float, fontsize: float, notes: list[str], labels: list[str],
                xlabel: str, ha: str | None = None) -> None:
    """Horizontal count bars with a note at each bar's end and integer 件 ticks."""
    ax.barh(y, vals, height, color=color)
    right = max([*vals, 1.0])
    extra = {"ha": ha} if ha else {}
    for yi, v, note in zip(y, vals, notes):
        ax.text(v + right * 0.01, yi, note, va="center", fontsize=fontsize, color="#404040",
                **extra)
    ax.set_xlim(0, right * headroom)
    ax.set_yticks(y, labels)
    _plain(ax.get_yticklabels())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _num_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)


@_styled
def petitions_by_channel(metrics: Mapping[str, Any]) -> Figure:
    """Petition cases by 信访形式 (channel), with each channel's share."""
    petitions = _section(metrics, "petitions")
    rows = sorted(_rows(petitions.get("by_channel")), key=lambda r: -(_num(r.get("cases")) or 0))
    if not rows:
        raise NoChartData("petitions.by_channel")
    offline = {"来信", "来访"}
    fig, ax = _new_figure((8.0, max(3.0, 0.5 * len(rows) + 1.6)))
    y = np.arange(len(rows))[::-1]
    vals = [_num(r.get("cases")) or 0.0 for r in rows]
    colors = [PALETTE["secondary"] if str(r.get("channel")) in offline else PALETTE["primary"]
              for r in rows]
    _count_bars(ax, y, vals, colors, height=0.62, headroom=1.3, fontsize=8.5, ha="left",
                notes=[f"{_count(r.get('cases'))}件（{_pct(r.get('share_pct'))}）" for r in rows],
                labels=[_text(r.get("channel"), 12) for r in rows], xlabel="件数（件）")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=PALETTE["primary"], label="网信渠道"),
                       Patch(color=PALETTE["secondary"], label="来信、来访")],
              loc="lower right")
    subtitle = f"全年{_count(petitions.get('total_cases'))}件"
    if petitions.get("online_share_pct") is not None:
        subtitle += f"，网信占比{_pct(petitions.get('online_share_pct'))}"
    _title(ax, f"{_year(metrics)}信访件数（按信访形式）", subtitle)
    return fig


# (history key, label, yoy key in metrics["yoy_text"])
HISTORY_RATES = (
    ("execution_rate_pct", "预算执行率", "budget.execution_rate_pct"),
    ("first_time_resolution_rate_pct", "一次性化解率", "petitions.first_time_resolution_rate_pct"),
    ("satisfaction_rate_pct", "群众满意率", "petitions.satisfaction_rate_pct"),
    ("online_share_pct", "网信占比", "petitions.online_share_pct"),
)


@_styled
def rates_history(metrics: Mapping[str, Any]) -> Figure:
    """The headline rates over the years (``metrics['history']``), one panel per rate.

    Each panel states this year's 同比 change from ``metrics['yoy_text']`` (never recomputed).
    """
    history = sorted((r for r in _rows(metrics.get("history")) if r.get("year") is not None),
                     key=lambda r: int(r["year"]))
    series = [(k, label, yk) for k, label, yk in HISTORY_RATES
              if any(_num(r.get(k)) is not None for r in history)]
    if not history or not series:
        raise NoChartData("history")
    years = [int(r["year"]) for r in history]
    yoy_text = metrics.get("yoy_text") if isinstance(metrics.get("yoy_text"), Mapping) else {}
    ncols = 2 if len(series) > 1 else 1
    nrows = -(-len(series) // ncols)
    fig, axes = _new_figure((8.0, 2.5 * nrows + 0.9), nrows=nrows, ncols=ncols, squeeze=False)
    flat = list(axes.flat)
    for i, (key, label, yoy_key) in enumerate(series):
        ax = flat[i]
        color = PALETTE["series"][i % len(PALETTE["series"])]
        vals = [_num(r.get(key)) for r in history]
        present = [v for v in vals if v is not None]
        ax.plot(years, [np.nan if v is None else v for v in vals], color=color, marker="o",
                markersize=5, linewidth=2)
        for yv, v, r in zip(years, vals, history):
            if v is not None:
                ax.annotate(_pct(r.get(key)), (yv, v), textcoords="offset points",
                            xytext=(0, 7), ha="center", fontsize=8, color=color)
        lo, hi = min(present), max(present)
        span = max(hi - lo, 2.0)
        ax.set_ylim(max(0.0, lo - span * 0.6), min(hi + span * 0.75, 100.0 + span * 0.75))
        ax.set_xlim(years[0] - 0.45, years[-1] + 0.45)
        ax.set_xticks(years, [f"{y}年" for y in years])
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        places = 1 if span < 4 else 0
        _pct_axis(ax.yaxis, places)
        ax.grid(axis="x", visible=False)
        text = yoy_text.get(yoy_key)
        sub = None
        if text:
            sub = (f"{years[-1]}年同比{text}" if not str(text).startswith("无")
                   else str(text))
        ax.set_title(label, loc="left", fontsize=11, pad=18 if sub else 6)
        if sub:
            ax.text(0.0, 1.02, sub, transform=ax.transAxes, ha="left", va="bottom", fontsize=8.5,
                    color=PALETTE["accent"], parse_math=False)
    for ax in flat[len(series):]:
        ax.set_visible(False)
    fig.suptitle(f"主要指标历年变化（{years[0]}—{years[-1]}年）", x=0.01, ha="left",
                 fontsize=13, color="#262626")
    return fig


TOWNSHIP_RATES = {
    "first_time_resolution_rate_pct": "一次性化解率",
    "on_time_completion_rate_pct": "按期办结率",
    "satisfaction_rate_pct": "群众满意率",
    "online_share_pct": "网信占比",
}


@_styled
def township_comparison(metrics: Mapping[str, Any],
                        rate: str = "first_time_resolution_rate_pct") -> Figure:
    """镇街 comparison: case counts (left) and one rate (right, default 一次性化解率)."""
    if rate not in TOWNSHIP_RATES:
        raise ValueError(f"rate must be one of {sorted(TOWNSHIP_RATES)}, got {rate!r}")
    rows = sorted(_rows(_section(metrics, "petitions").get("by_township")),
                  key=lambda r: -(_num(r.get("cases")) or 0))
    if not rows:
        raise NoChartData("petitions.by_township")
    fig, (ax, ax_r) = _new_figure((8.5, max(3.4, 0.36 * len(rows) + 1.6)), ncols=2,
                                  sharey=True, width_ratios=[1.5, 1])
    y = np.arange(len(rows))[::-1]
    counts = [_num(r.get("cases")) or 0.0 for r in rows]
    _count_bars(ax, y, counts, PALETTE["primary"], height=0.66, headroom=1.15, fontsize=8,
                notes=[_count(r.get("cases")) for r in rows],
                labels=[_text(r.get("township"), 10) for r in rows], xlabel="信访件数（件）")

    vals = [_num(r.get(rate)) for r in rows]
    present = [v for v in vals if v is not None]
    lo = min(present) if present else 0.0
    left = max(0.0, np.floor((lo - 4) / 5) * 5)
    for yi, v, r in zip(y, vals, rows):
        if v is None:
            ax_r.text(left + 0.5, yi, "—", va="center", fontsize=8, color=PALETTE["neutral"])
            continue
        ax_r.hlines(yi, left, v, color=PALETTE["light"], linewidth=2)
        ax_r.scatter([v], [yi], s=28, color=PALETTE["accent"], zorder=3)
        ax_r.text(v, yi + 0.28, _pct(r.get(rate)), va="bottom", ha="center", fontsize=7.5,
                  color="#404040")
    ax_r.set_xlim(left, 101.5)
    ax_r.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    _pct_axis(ax_r.xaxis)
    ax_r.set_xlabel(f"{TOWNSHIP_RATES[rate]}（%）")
    ax_r.grid(axis="y", visible=False)
    ax_r.tick_params(axis="y", left=False)
    _title(ax, f"{_year(metrics)}各镇街信访件数与{TOWNSHIP_RATES[rate]}",
           f"共{len(rows)}个镇街，按件数从多到少排列")
    return fig


@_styled
def peer_ranking(metrics: Mapping[str, Any]) -> Figure:
    """Districts' change in 到国家信访局登记求决类初次信访事项, our district highlighted."""
    peers = _rows(metrics.get("peers"))
    if not peers:
        raise NoChartData("peers")

    def order(r: Mapping[str, Any]) -> tuple[float, float]:
        rank = _num(r.get("rank"))
        change = _num(r.get("change_pct"))
        return (rank if rank is not None else 1e9, change if change is not None else 1e9)

    rows = sorted(peers, key=order)
    fig, ax = _new_figure((8.0, max(3.4, 0.4 * len(rows) + 1.6)))
    y = np.arange(len(rows))[::-1]
    vals = [_num(r.get("change_pct")) for r in rows]
    colors = [PALETTE["accent"] if r.get("is_self") else PALETTE["secondary"] for r in rows]
    ax.barh(y, [v or 0.0 for v in vals], 0.64, color=colors)
    span = max([abs(v) for v in vals if v is not None] + [1.0])
    for yi, v, r in zip(y, vals, rows):
        text = _pct(r.get("change_pct"))
        if r.get("is_self"):
            text += f"（第{_count(r.get('rank'))}名）"
        x = v or 0.0
        ax.text(x + (span * 0.015 if x >= 0 else -span * 0.015), yi, text,
                ha="left" if x >= 0 else "right", va="center", fontsize=8,
                color=PALETTE["accent"] if r.get("is_self") else "#404040")
    lo = min([v for v in vals if v is not None] + [0.0])
    hi = max([v for v in vals if v is not None] + [0.0])
    pad = span * 0.32
    ax.set_xlim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else span * 0.05))
    ax.axvline(0, color="#808080", linewidth=0.8)
    labels = [f"{_count(r.get('rank'))}. {_text(r.get('district'), 10)}"
              if r.get("rank") is not None else _text(r.get("district"), 10) for r in rows]
    ax.set_yticks(y, labels)
    _plain(ax.get_yticklabels())
    for label, r in zip(ax.get_yticklabels(), rows):
        if r.get("is_self"):
            label.set_color(PALETTE["accent"])
    _pct_axis(ax.xaxis)
    ax.set_xlabel("同比变化（%）")
    ax.grid(axis="y", visible=False)
    petitions = _section(metrics, "petitions")
    self_rows = [r for r in rows if r.get("is_self")]
    subtitle = "按下降幅度排名（第1名为降幅最大）"
    if self_rows:
        me = self_rows[0]
        change = me.get("change_pct") if _num(me.get("change_pct")) is not None else None
        subtitle = (f"{_text(me.get('district'), 10)}上年{_count(me.get('previous'))}件，本年"
                    f"{_count(me.get('current'))}件，同比{describe_change(change)}，"
                    f"排名第{_count(me.get('rank'))}/"
                    f"{_count(petitions.get('peer_district_count') or len(rows))}；"
                    + subtitle)
    _title(ax, f"{_year(metrics)}各区到国家信访局登记求决类初次信访事项同比变化", subtitle)
    return fig


# --------------------------------------------------------------------------- score


def _score_details(score: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``score.module_details``, or rows made from the older ``{module: score}`` mapping."""
    details = _rows(score.get("module_details"))
    if not details:
        modules = score.get("modules")
        if isinstance(modules, Mapping) and modules:
            details = [{"name": k, "score": v, "weight": None, "lost": None, "submodules": []}
                       for k, v in modules.items()]
    if not details:
        raise NoChartData("score")
    return details


def _score_bar(ax, yi: float, e: Mapping[str, Any], is_module: bool, right: float) -> None:
    """One module or submodule: score bar, hatched lost points, ``score / weight，扣x分``."""
    s = _num(e.get("score")) or 0.0
    lost = _num(e.get("lost")) or 0.0
    h = 0.7 if is_module else 0.5
    ax.barh(yi, s, h, color=PALETTE["primary"] if is_module else "#5B9BD5")
    if lost > 0:
        ax.barh(yi, lost, h, left=s, color="white", edgecolor=PALETTE["bad"],
                hatch="////", linewidth=0.8)
    text = f"{fmt_fixed(e.get('score')) if _num(e.get('score')) is not None else '—'}"
    if _num(e.get("weight")) is not None:
        text += f" / {fmt_fixed(e.get('weight'))}"
    if lost > 0:
        text += f"，扣{fmt_fixed(e.get('lost'))}分"
    ax.text(s + lost + right * 0.01, yi, text, va="center", fontsize=8,
            color=PALETTE["bad"] if lost > 0 else "#404040")


def _score_subtitle(score: Mapping[str, Any]) -> str | None:
    """``自评总分x分（满分y分），等级：z``; ``None`` without a total."""
    total = score.get("total")
    if _num(total) is None:
        return None
    subtitle = f"自评总分{fmt_fixed(total)}分"
    if _num(score.get("max")) is not None:
        subtitle += f"（满分{fmt_fixed(score.get('max'))}分）"
    if score.get("grade"):
        subtitle += f"，等级：{_text(score.get('grade'), 6)}"
    return subtitle


@_styled
def score_modules(metrics: Mapping[str, Any]) -> Figure:
    """Score by module and submodule, with the points lost (score + lost = weight)."""
    score = _section(metrics, "score")
    details = _score_details(score)

    entries: list[tuple[str, Mapping[str, Any], bool]] = []
    for mod in details:
        entries.append((_text(mod.get("name"), 12), mod, True))
        for sub in _rows(mod.get("submodules")):
            entries.append(("　" + _text(sub.get("name"), 12), sub, False))
    fig, ax = _new_figure((8.0, max(3.4, 0.42 * len(entries) + 1.8)))
    y = np.arange(len(entries))[::-1]
    right = max([_num(e.get("weight")) or _num(e.get("score")) or 0.0 for _, e, _ in entries]
                + [1.0])
    for yi, (_label, e, is_module) in zip(y, entries):
        _score_bar(ax, yi, e, is_module, right)
    ax.set_xlim(0, right * 1.38)
    ax.set_yticks(y, [label for label, _, _ in entries])
    _plain(ax.get_yticklabels())
    for label, (_, _, is_module) in zip(ax.get_yticklabels(), entries):
        if is_module:
            label.set_fontsize(10)
            label.set_color("#262626")
    _num_axis(ax.xaxis)
    ax.set_xlabel("分数（分）")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=PALETTE["primary"], label="得分"),
                       Patch(facecolor="white", edgecolor=PALETTE["bad"], hatch="////",
                             label="扣分")], loc="lower right")
    _title(ax, f"{_year(metrics)}部门整体支出绩效自评得分（按模块）", _score_subtitle(score))
    return fig


# --------------------------------------------------------------------------- all charts

CHARTS: dict[str, Callable[[Mapping[str, Any]], Figure]] = {
    "budget_by_type": budget_by_type,
    "budget_lines": budget_lines,
    "spending_progress": spending_progress,
    "petitions_by_month": petitions_by_month,
    "petitions_by_channel": petitions_by_channel,
    "rates_history": rates_history,
    "township_comparison": township_comparison,
    "peer_ranking": peer_ranking,
    "score_modules": score_modules,
}


def has_data(metrics: Mapping[str, Any], name: str) -> bool:
    """Whether chart ``name`` has data in ``metrics`` (``save_all_charts`` skips it otherwise).

    >>> has_data({"peers": []}, "peer_ranking")
    False
    """
    budget = _section(metrics, "budget")
    petitions = _section(metrics, "petitions")
    score = _section(metrics, "score")
    checks: dict[str, Callable[[], bool]] = {
        "budget_by_type": lambda: bool(_by_type_rows(budget)),
        "budget_lines": lambda: bool(_rows(budget.get("lines"))),
        "spending_progress": lambda: any(_month(r.get("month"))
                                         for r in _rows(budget.get("progress"))),
        "petitions_by_month": lambda: any(_month(r.get("month"))
                                          for r in _rows(petitions.get("by_month"))),
        "petitions_by_channel": lambda: bool(_rows(petitions.get("by_channel"))),
        "rates_history": lambda: any(r.get("year") is not None and
                                     any(_num(r.get(k)) is not None for k, _, _ in HISTORY_RATES)
                                     for r in _rows(metrics.get("history"))),
        "township_comparison": lambda: bool(_rows(petitions.get("by_township"))),
        "peer_ranking": lambda: bool(_rows(metrics.get("peers"))),
        "score_modules": lambda: bool(_rows(score.get("module_details"))
                                      or (isinstance(score.get("modules"), Mapping)
                                          and score.get("modules"))),
    }
    if name not in checks:
        raise KeyError(f"unknown chart {name!r}; known: {', '.join(CHARTS)}")
    return checks[name]()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- render once

#: PNG ``tEXt`` keyword holding :func:`chart_digest` of the saved chart.
DIGEST_KEY = "evalkit-chart-digest"
#: Keys of the metrics dict that change on every build without changing any figure.
VOLATILE_KEYS = ("generated_at", "provenance")


@functools.lru_cache(maxsize=1)
def _renderer_id() -> str:
    """Digest of what draws a chart besides the data: this code, numfmt, the font, matplotlib."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for path in (Path(__file__), PACKAGE_DIR / "numfmt.py", FONT_FILE):
        h.update(path.read_bytes())
    try:
        h.update(version("matplotlib").encode())
    except PackageNotFoundError:  # pragma: no cover - matplotlib is a dependency
        h.update(b"matplotlib?")
    return h.hexdigest()


def metrics_digest(metrics: Mapping[str, Any]) -> str:
    """SHA-256 of the metrics dict (canonical JSON) without :data:`VOLATILE_KEYS`."""
    data = {k: v for k, v in metrics.items() if k not in VOLATILE_KEYS}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chart_digest(metrics: Mapping[str, Any], name: str, *, data_digest: str | None = None) -> str:
    """The digest a PNG of chart ``name`` drawn from ``metrics`` carries (see module docs)."""
    data_digest = data_digest or metrics_digest(metrics)
    return hashlib.sha256(f"{name}\0{data_digest}\0{_renderer_id()}".encode()).hexdigest()


def png_digest(path: Path | str) -> str | None:
    """The :data:`DIGEST_KEY` text of a PNG written by :func:`save_all_charts`, else ``None``.

    Reads the chunks before the image data only (a few hundred bytes).
    """
    try:
        with open(path, "rb") as fh:
            if fh.read(8) != b"\x89PNG\r\n\x1a\n":
                return None
            while True:
                head = fh.read(8)
                if len(head) < 8:
                    return None
                length, ctype = int.from_bytes(head[:4], "big"), head[4:]
                if ctype in (b"IDAT", b"IEND") or length > 1 << 20:
                    return None
                body = fh.read(length)
                fh.read(4)   # CRC (the atomic write guarantees a complete file)
                if ctype == b"tEXt":
                    key, _, value = body.partition(b"\0")
                    if key.decode("latin-1") == DIGEST_KEY:
                        return value.decode("latin-1")
    except OSError:
        return None


def save_all_charts(metrics: Mapping[str, Any], charts_dir: Path | str,
                    names: Iterable[str] | None = None, *, force: bool = False
                    ) -> dict[str, Path]:
    """Write every chart that has data as ``<charts_dir>/<name>.png`` (atomically), once.

    A PNG already there whose embedded digest equals :func:`chart_digest` of ``metrics`` (same
    figures, same drawing code, font and matplotlib) is kept as it is; any other is redrawn.

    Args:
        metrics: the metrics dict.
        charts_dir: output folder (created if needed), usually ``outputs/<year>/charts``.
        names: a subset of :data:`CHARTS` (default: all, in their standard order).
        force: redraw even the charts that are up to date.

    Returns:
        ``{name: path}`` for the charts written, in standard order; a chart whose data is absent
        (no peers, no monthly figures, no score yet) is left out, and a stale PNG of it from an
        earlier run is removed so the folder matches the dict.
    """
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    data_digest = metrics_digest(metrics)
    for name in list(names) if names is not None else list(CHARTS):
        target = charts_dir / f"{name}.png"
        if not has_data(metrics, name):
            target.unlink(missing_ok=True)
            continue
        digest = chart_digest(metrics, name, data_digest=data_digest)
        if not force and png_digest(target) == digest:
            written[name] = target
            continue
        fig = CHARTS[name](metrics)   # a Figure, never registered with pyplot
        try:
            with matplotlib.rc_context(STYLE), atomic_path(target) as tmp:
                fig.savefig(tmp, format="png", dpi=DPI,
                            metadata={"Software": None, DIGEST_KEY: digest})
                os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; charts are shared
        finally:
            fig.clear()
        written[name] = target
    return written


def display_charts(metrics: Mapping[str, Any], charts_dir: Path | str,
                   names: Iterable[str]) -> None:
    """Notebook helper: save the charts ``names`` (unless up to date) and display the PNGs.

    A chart without data is shown as a one-line note instead. Returns nothing, so the call can
    end a cell without echoing a value.
    """
    from IPython.display import Image, Markdown, display

    names = list(names)
    paths = save_all_charts(metrics, charts_dir, names)
    for name in names:
        if name in paths:
            display(Image(filename=str(paths[name])))
        else:
            display(Markdown(f"*{name}：本年度无数据，未绘制 / no data this year*"))


if "matplotlib" in sys.modules:   # matplotlib already in use: register the font right away
    _init()
