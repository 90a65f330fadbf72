"""Every chart's spec, in the standard order (budget, petitions, score), by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from evalkit.charts.budget import SPECS as BUDGET
from evalkit.charts.petitions import SPECS as PETITIONS
from evalkit.charts.score import SPECS as SCORE
from evalkit.charts.spec import ChartSpec, model

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.metrics.model import Metrics

#: name → :class:`ChartSpec`, in the order the notebooks, the report and ``save_all_charts`` use.
SPECS: dict[str, ChartSpec] = {spec.name: spec for spec in (*BUDGET, *PETITIONS, *SCORE)}

#: name → draw function (``CHARTS[name](metrics) -> Figure``).
CHARTS: dict[str, Callable[..., Figure]] = {name: spec.draw for name, spec in SPECS.items()}


def spec_of(name: str) -> ChartSpec:
    """The spec of chart ``name`` (``KeyError`` listing the known names)."""
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"unknown chart {name!r}; known: {', '.join(SPECS)}") from None


def has_data(metrics: Metrics | Mapping[str, Any], name: str) -> bool:
    """Whether chart ``name`` has data in ``metrics`` (``save_all_charts`` skips it otherwise).

    >>> has_data({"peers": []}, "peer_ranking")
    False
    """
    return spec_of(name).has_data(model(metrics))


def captions() -> dict[str, str]:
    """name → the caption the report prints under the chart."""
    return {name: spec.caption_text() for name, spec in SPECS.items()}
