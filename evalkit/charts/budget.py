"""Budget charts: budget vs actual by 支出类型 and by line, monthly 支出进度 vs 序时进度."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.charts import labels as L
from evalkit.charts.spec import ChartSpec, NoChartData, chart
from evalkit.charts.style import (FIGSIZE, PALETTE, TEXT_LABEL, cap_rate_axis, clip, new_figure,
                                  num_axis, pct_axis, plain, title)
from evalkit.schema import EXPENSE_TYPES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.metrics.model import Budget, BudgetLine, ByType, Checkpoint, Metrics, Progress

#: Budget lines whose execution rate is below this are labelled in red.
LOW_EXECUTION_PCT = 90
TOTAL = "合计"


def _amount_label() -> str:
    return f"金额（{L.unit('budget.total_budget_wan')}）"


def type_rows(budget: Budget) -> list[ByType]:
    """``budget.by_type``, or the 基本支出/项目支出 rows made from the ``basic_``/``project_``
    fields."""
    if budget.by_type:
        return list(budget.by_type)
    from evalkit.metrics.model import ByType

    rows = []
    for key, label in zip(("basic", "project"), EXPENSE_TYPES):
        if getattr(budget, f"{key}_budget_wan") is not None:
            rows.append(ByType(expense_type=label,
                               budget_wan=getattr(budget, f"{key}_budget_wan"),
                               actual_wan=getattr(budget, f"{key}_actual_wan"),
                               execution_rate_pct=getattr(budget, f"{key}_execution_rate_pct")))
    return rows


@chart
def budget_by_type(m: Metrics) -> Figure:
    """Budget vs actual by 支出类型 (plus 合计), with the execution rate of each group."""
    budget = m.budget
    rows = type_rows(budget)
    if not rows:
        raise NoChartData("budget.by_type")
    if budget.total_budget_wan is not None:
        from evalkit.metrics.model import ByType

        rows.append(ByType(expense_type=TOTAL, budget_wan=budget.total_budget_wan,
                           actual_wan=budget.total_actual_wan,
                           execution_rate_pct=budget.execution_rate_pct))
    k = "budget.by_type."
    fig, ax = new_figure()
    x = np.arange(len(rows))
    width = 0.36
    b_vals = [r.budget_wan or 0.0 for r in rows]
    a_vals = [r.actual_wan or 0.0 for r in rows]
    bars_b = ax.bar(x - width / 2, b_vals, width, color=PALETTE["secondary"],
                    label=L.name(k + "budget_wan"))
    bars_a = ax.bar(x + width / 2, a_vals, width, color=PALETTE["primary"],
                    label=L.name(k + "actual_wan"))
    ax.bar_label(bars_b, labels=[L.value(k + "budget_wan", r.budget_wan, False) for r in rows],
                 padding=2, fontsize=8, color=TEXT_LABEL)
    ax.bar_label(bars_a, labels=[L.value(k + "actual_wan", r.actual_wan, False) for r in rows],
                 padding=2, fontsize=8, color=TEXT_LABEL)
    top = max([*b_vals, *a_vals, 1.0])
    rate = k + "execution_rate_pct"
    for xi, r, hb, ha in zip(x, rows, b_vals, a_vals):
        ax.text(xi, max(hb, ha) + top * 0.09, L.short(rate) + L.value(rate, r.execution_rate_pct),
                ha="center", va="bottom", fontsize=9, color=PALETTE["accent"])
    ax.set_ylim(0, top * 1.25)
    ax.set_xticks(x, [clip(r.expense_type, 10) for r in rows])
    plain(ax.get_xticklabels())
    ax.set_ylabel(_amount_label())
    num_axis(ax.yaxis)
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", ncols=2)
    title(ax, f"{L.year(m.year)}预算执行情况（{L.name('budget.by_type')}）", _totals(budget))
    return fig


def _totals(budget: Budget) -> str:
    """``全年预算783.16万元，实际支出774.90万元，预算执行率98.95%``."""
    parts = [(L.short, "budget.total_budget_wan", budget.total_budget_wan),
             (L.short, "budget.total_actual_wan", budget.total_actual_wan),
             (L.name, "budget.execution_rate_pct", budget.execution_rate_pct)]
    return "，".join(label(key) + L.value(key, v) for label, key, v in parts)


def _line_label(row: BudgetLine) -> str:
    for value in (row.project_name, row.subject_name, row.subject_code):
        if value not in (None, ""):
            return clip(value, 16)
    return "（未命名）"


@chart
def budget_lines(m: Metrics, top_n: int = 10) -> Figure:
    """Budget vs actual per budget line (horizontal bars), the ``top_n`` largest budgets."""
    lines = m.budget.lines
    if not lines:
        raise NoChartData("budget.lines")
    ordered = sorted(lines, key=lambda r: -(r.budget_wan or 0.0))
    shown = ordered[:top_n]
    rest = len(ordered) - len(shown)
    k = "budget.lines."

    fig, ax = new_figure((8.0, max(3.2, 0.48 * len(shown) + 1.6)))
    y = np.arange(len(shown))[::-1]
    b_vals = [r.budget_wan or 0.0 for r in shown]
    a_vals = [r.actual_wan or 0.0 for r in shown]
    ax.barh(y, b_vals, 0.72, color=PALETTE["secondary"], label=L.name(k + "budget_wan"))
    ax.barh(y, a_vals, 0.40, color=PALETTE["primary"], label=L.name(k + "actual_wan"))
    right = max([*b_vals, *a_vals, 1.0])
    for yi, r, hb, ha in zip(y, shown, b_vals, a_vals):
        rate = r.execution_rate_pct
        color = PALETTE["bad"] if rate is not None and rate < LOW_EXECUTION_PCT else TEXT_LABEL
        ax.text(max(hb, ha) + right * 0.01, yi,
                f"{L.value(k + 'actual_wan', r.actual_wan, False)} / "
                f"{L.value(k + 'budget_wan', r.budget_wan, False)}"
                f"（{L.value(k + 'execution_rate_pct', rate)}）",
                va="center", ha="left", fontsize=8, color=color)
    ax.set_xlim(0, right * 1.42)
    ax.set_yticks(y, [_line_label(r) for r in shown])
    plain(ax.get_yticklabels())
    ax.set_xlabel(_amount_label())
    num_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", ncols=2)
    subtitle = (f"标注：{L.short('budget.total_actual_wan')} / "
                f"{L.short('budget.total_budget_wan')}"
                f"（{L.unit('budget.total_budget_wan')}）及{L.name('budget.execution_rate_pct')}；"
                f"按{L.short(k + 'budget_wan')}从大到小排列")
    head = f"{L.year(m.year)}各项目预算执行情况"
    if rest > 0:
        subtitle += f"，另有{rest}项未列示"
        head += f"（{L.short(k + 'budget_wan')}前{len(shown)}项）"
    title(ax, head, subtitle)
    return fig


# --------------------------------------------------------------------------- spending progress

_P = "budget.progress."


def _progress_axes(ax: Any, months: list[int], monthly: list[float]) -> Any:
    """The monthly spending bars on a right axis behind the progress lines."""
    ax2 = ax.twinx()
    ax2.bar(months, monthly, 0.6, color=PALETTE["light"],
            label=f"{L.name(_P + 'actual_wan')}（{L.unit(_P + 'actual_wan')}，右轴）", zorder=1)
    ax2.set_ylim(0, max([*monthly, 1.0]) * 3.2)
    ax2.set_ylabel(L.header(_P + "actual_wan"), color=PALETTE["neutral"])
    num_axis(ax2.yaxis)
    ax2.grid(False)
    ax2.spines["left"].set_visible(False)     # the left axis is the progress axis
    ax2.spines["right"].set_visible(True)
    ax2.spines["right"].set_color(PALETTE["light"])
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    return ax2


def _checkpoint(ax: Any, c: Checkpoint, first: bool) -> None:
    """A checkpoint: a diamond at its target, green when met, red when not, with a note."""
    m, target = c.month, c.target_pct
    color = PALETTE["good"] if c.met else PALETTE["bad"]
    ax.scatter([m], [target], marker="D", s=46, color="white", edgecolors=color,
               linewidths=1.6, zorder=5, label="时间节点目标" if first else None)
    last = m >= 11
    k = "budget.checkpoints."
    ax.annotate(f"{L.month(m)}目标{L.value(k + 'target_pct', target)}\n"
                f"实际{L.value(k + 'actual_pct', c.actual_pct)}"
                f"（{'达标' if c.met else '未达标'}）",
                (m, target), textcoords="offset points",
                xytext=(-14, 2) if last else (8, -34), ha="right" if last else "left",
                va="bottom" if last else "baseline",
                fontsize=7.5, color=color,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85})


def _progress_subtitle(budget: Budget, progress: list[Progress], months: list[int]) -> str:
    subtitle = (f"{L.short('budget.total_budget_wan')}"
                f"{L.value('budget.total_budget_wan', budget.total_budget_wan)}，"
                f"{L.name(_P + 'cumulative_wan')}"
                f"{L.value(_P + 'cumulative_wan', progress[-1].cumulative_wan)}"
                f"（截至{L.month(months[-1])}）")
    behind = set(budget.months_behind)
    linear = L.name(_P + "linear_pct")
    if behind and len(behind) == len(months):
        subtitle += f"；各月累计进度均低于{linear}"
    elif behind:
        subtitle += f"；低于{linear}：" + "、".join(L.month(m) for m in sorted(behind))
    return subtitle


@chart
def spending_progress(m: Metrics) -> Figure:
    """Monthly cumulative 支出进度 vs the linear 序时进度, with checkpoint markers.

    Without monthly data (``budget.progress == []``) the figure says 无月度支出数据.
    """
    budget = m.budget
    progress = [r for r in budget.progress if r.month]
    fig, ax = new_figure(FIGSIZE)
    head = f"{L.year(m.year)}预算支出进度与{L.name(_P + 'linear_pct')}"
    if not progress:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "无月度支出数据", ha="center", va="center", fontsize=16,
                color=PALETTE["neutral"], transform=ax.transAxes)
        title(ax, head)
        return fig

    months = [r.month for r in progress]
    ax2 = _progress_axes(ax, months, [r.actual_wan or 0.0 for r in progress])
    prog = [r.progress_pct for r in progress]
    linear = [r.linear_pct for r in progress]
    ax.plot(months, [np.nan if v is None else v for v in linear], color=PALETTE["neutral"],
            linestyle="--", linewidth=1.3, label=L.name(_P + "linear_pct"))
    ax.plot(months, [np.nan if v is None else v for v in prog], color=PALETTE["primary"],
            marker="o", markersize=4, linewidth=2, label=L.name(_P + "progress_pct"))
    checkpoint_months = {c.month for c in budget.checkpoints}
    for month, p in zip(months, prog):
        if p is None or month in checkpoint_months:
            continue
        ax.annotate(L.value(_P + "progress_pct", p), (month, p), textcoords="offset points",
                    xytext=(4, -13), ha="left", fontsize=7, color=PALETTE["primary"])
    checkpoints = [c for c in budget.checkpoints if c.month]
    for i, c in enumerate(checkpoints):
        if c.target_pct is not None:
            _checkpoint(ax, c, first=i == 0)
    ax.set_xlim(0.4, 12.6)
    ax.set_xticks(range(1, 13), [L.month(i) for i in range(1, 13)])
    ax.set_ylim(0, 112)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    pct_axis(ax.yaxis)
    cap_rate_axis(ax, "y", [*prog, *linear, *(c.target_pct for c in checkpoints)])
    ax.set_ylabel(f"{L.name(_P + 'cumulative_wan')}占{L.short('budget.total_budget_wan')}"
                  f"（{L.unit(_P + 'progress_pct')}）")
    handles, names = ax.get_legend_handles_labels()
    h2, n2 = ax2.get_legend_handles_labels()
    ax.legend(handles + h2, names + n2, loc="upper left", ncols=2)
    title(ax, head, _progress_subtitle(budget, progress, months))
    return fig


# --------------------------------------------------------------------------- specs

SPECS = (
    ChartSpec("budget_by_type", budget_by_type, lambda m: bool(type_rows(m.budget)),
              "各支出类型预算数与实际支出"),
    ChartSpec("budget_lines", budget_lines, lambda m: bool(m.budget.lines),
              "各支出科目预算数与实际支出"),
    ChartSpec("spending_progress", spending_progress,
              lambda m: any(r.month for r in m.budget.progress),
              lambda: f"月度{L.name(_P + 'progress_pct')}与{L.name(_P + 'linear_pct')}"),
)
