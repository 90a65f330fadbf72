"""One record per chart: its name, draw function, has-data predicate and report caption.

A new chart is one draw function (in the subject module: budget, petitions, score) and one
:class:`ChartSpec` in that module's ``SPECS``; :mod:`evalkit.charts` collects them in order, the
report takes its captions from them, :func:`evalkit.charts.save_all_charts` draws them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from evalkit.charts.style import styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.metrics.model import Metrics


class NoChartData(LookupError):
    """The metrics dict has no data for this chart (e.g. no peers.xlsx, no score yet)."""


def model(metrics: Metrics | Mapping[str, Any] | None) -> Metrics:
    """The typed metrics (:class:`evalkit.metrics.model.Metrics`) of a dict or a model."""
    from evalkit.metrics.model import Metrics

    return Metrics.of(metrics)


@dataclass(frozen=True)
class ChartSpec:
    """A chart: ``draw(metrics) -> Figure`` (a dict or a model), ``has_data(model) -> bool``.

    ``draw`` raises :class:`NoChartData` when ``has_data`` is false, except a chart that draws a
    placeholder instead (``spending_progress`` without monthly figures).
    """

    name: str
    draw: Callable[..., Figure]
    has_data: Callable[[Metrics], bool]
    #: The report's caption, or a function returning it (to read names from the catalogue
    #: only when a caption is needed; see :meth:`caption_text`).
    caption: str | Callable[[], str]

    def caption_text(self) -> str:
        """The caption under the chart in the report."""
        return self.caption() if callable(self.caption) else self.caption


def chart(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Make ``func(model, **options)`` a chart function: it accepts the metrics dict or the model
    and draws in the house style (:func:`evalkit.charts.style.styled`)."""

    @functools.wraps(func)
    def draw(metrics: Metrics | Mapping[str, Any], **options: Any) -> Figure:
        with styled():
            return func(model(metrics), **options)

    return draw
