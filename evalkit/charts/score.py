"""Score chart: the self-evaluation score by module and submodule, with the points lost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.charts import labels as L
from evalkit.charts.spec import ChartSpec, NoChartData, chart
from evalkit.charts.style import (PALETTE, TEXT_DARK, TEXT_LABEL, clip, new_figure, num_axis,
                                  plain, title)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.metrics.model import Metrics, ModuleScore, Score, SubmoduleScore

_D = "score.module_details."
SUBMODULE_BAR = "#5B9BD5"


def module_rows(score: Score) -> list[ModuleScore]:
    """``score.module_details``, or rows made from the older ``{module: score}`` mapping."""
    if score.module_details:
        return list(score.module_details)
    from evalkit.metrics.model import ModuleScore

    return [ModuleScore(name=k, score=v) for k, v in score.modules.items()]


def _score_bar(ax: Any, yi: float, e: SubmoduleScore, is_module: bool, right: float) -> None:
    """One module or submodule: score bar, hatched lost points, ``score / weight，扣x分``."""
    s = e.score or 0.0
    lost = e.lost or 0.0
    h = 0.7 if is_module else 0.5
    ax.barh(yi, s, h, color=PALETTE["primary"] if is_module else SUBMODULE_BAR)
    if lost > 0:
        ax.barh(yi, lost, h, left=s, color="white", edgecolor=PALETTE["bad"],
                hatch="////", linewidth=0.8)
    text = L.value(_D + "score", e.score, False)
    if e.weight is not None:
        text += f" / {L.value(_D + 'weight', e.weight, False)}"
    if lost > 0:
        text += f"，扣{L.value(_D + 'lost', e.lost)}"
    ax.text(s + lost + right * 0.01, yi, text, va="center", fontsize=8,
            color=PALETTE["bad"] if lost > 0 else TEXT_LABEL)


def _score_subtitle(score: Score) -> str | None:
    """``自评总分x分（满分y分），等级：z``; ``None`` without a total."""
    if score.total is None:
        return None
    subtitle = L.name("score.total") + L.value("score.total", score.total)
    if score.max is not None:
        subtitle += f"（{L.name('score.max')}{L.value('score.max', score.max)}）"
    if score.grade:
        subtitle += f"，{L.short('score.grade')}：{clip(score.grade, 6)}"
    return subtitle


@chart
def score_modules(m: Metrics) -> Figure:
    """Score by module and submodule, with the points lost (score + lost = weight)."""
    details = module_rows(m.score)
    if not details:
        raise NoChartData("score")
    entries: list[tuple[str, SubmoduleScore, bool]] = []
    for mod in details:
        entries.append((clip(mod.name, 12), mod, True))
        for sub in mod.submodules:
            entries.append(("　" + clip(sub.name, 12), sub, False))
    fig, ax = new_figure((8.0, max(3.4, 0.42 * len(entries) + 1.8)))
    y = np.arange(len(entries))[::-1]
    right = max([e.weight or e.score or 0.0 for _, e, _ in entries] + [1.0])
    for yi, (_label, e, is_module) in zip(y, entries):
        _score_bar(ax, yi, e, is_module, right)
    ax.set_xlim(0, right * 1.38)
    ax.set_yticks(y, [label for label, _, _ in entries])
    plain(ax.get_yticklabels())
    for label, (_, _, is_module) in zip(ax.get_yticklabels(), entries):
        if is_module:
            label.set_fontsize(10)
            label.set_color(TEXT_DARK)
    num_axis(ax.xaxis)
    ax.set_xlabel(f"分数（{L.unit('score.total')}）")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=PALETTE["primary"], label=L.short(_D + "score")),
                       Patch(facecolor="white", edgecolor=PALETTE["bad"], hatch="////",
                             label=L.name(_D + "lost"))], loc="lower right")
    title(ax, f"{L.year(m.year)}部门整体支出绩效自评得分（按模块）", _score_subtitle(m.score))
    return fig


SPECS = (
    ChartSpec("score_modules", score_modules, lambda m: bool(module_rows(m.score)),
              "各一级指标自评得分与扣分"),
)
