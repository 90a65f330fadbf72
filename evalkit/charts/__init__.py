"""Charts for notebooks and the report, drawn with evalkit's bundled CJK font.

One record per chart (:class:`ChartSpec`: name, draw function, has-data predicate, report
caption) in the module of its subject, collected in :data:`SPECS` in the standard order:

* :mod:`~evalkit.charts.style` - the bundled font, the house style, axis and text helpers;
* :mod:`~evalkit.charts.budget` - ``budget_by_type``, ``budget_lines``, ``spending_progress``;
* :mod:`~evalkit.charts.petitions` - ``petitions_by_month``, ``petitions_by_channel``,
  ``rates_history``, ``township_comparison``, ``peer_ranking``;
* :mod:`~evalkit.charts.score` - ``score_modules``;
* :mod:`~evalkit.charts.saving` - PNGs drawn once per figure set (a digest in each PNG),
  :func:`save_all_charts`, :func:`display_charts`.

A new chart is one draw function and one :class:`ChartSpec` in its subject module's ``SPECS``.

Every chart function takes the metrics dict (``outputs/<year>/metrics.json`` shape) or its typed
model (:class:`evalkit.metrics.model.Metrics`) and nothing else that could be personal, and
returns a :class:`matplotlib.figure.Figure` (not registered with pyplot, so a notebook shows it
once). Figures are read from the metrics, never recomputed; every Chinese name, unit and number
format comes from the metric catalogue (:mod:`evalkit.catalogue`). A function raises
:class:`NoChartData` when its section is absent; :func:`save_all_charts` skips such charts.

matplotlib is imported, and the font registered, on first drawing (or here at import when
matplotlib is already loaded): a notebook that only shows charts saved for the same figures
never imports matplotlib.

>>> list(SPECS)[:3]
['budget_by_type', 'budget_lines', 'spending_progress']
>>> SPECS["petitions_by_channel"].caption_text()
'信访渠道构成'
"""

from __future__ import annotations

import sys
from typing import Any

from evalkit.charts.budget import budget_by_type, budget_lines, spending_progress
from evalkit.charts.petitions import (HISTORY_RATES, TOWNSHIP_RATES, peer_ranking,
                                      petitions_by_channel, petitions_by_month, rates_history,
                                      township_comparison)
from evalkit.charts.registry import CHARTS, SPECS, captions, has_data, spec_of
from evalkit.charts.saving import (DIGEST_KEY, VOLATILE_KEYS, chart_digest, display_charts,
                                   metrics_digest, png_digest, renderer_id, save_all_charts,
                                   write_png)
from evalkit.charts.score import score_modules
from evalkit.charts.spec import ChartSpec, NoChartData
from evalkit.charts.style import (DPI, FIGSIZE, FONT_FILE, PALETTE, apply_style, init,
                                  register_font)
from evalkit.charts.style import SYSTEM_CJK_FALLBACKS as _SYSTEM_CJK_FALLBACKS  # noqa: F401

__all__ = [
    "CHARTS", "ChartSpec", "DIGEST_KEY", "DPI", "FIGSIZE", "FONT_FAMILY", "FONT_FILE",
    "HISTORY_RATES", "NoChartData", "PALETTE", "SPECS", "STYLE", "TOWNSHIP_RATES",
    "VOLATILE_KEYS", "apply_style", "budget_by_type", "budget_lines", "captions",
    "chart_digest", "display_charts", "has_data", "init", "metrics_digest", "peer_ranking",
    "petitions_by_channel", "petitions_by_month", "png_digest", "rates_history",
    "register_font", "renderer_id", "save_all_charts", "score_modules", "spec_of",
    "spending_progress", "township_comparison", "write_png",
]


def __getattr__(name: str) -> Any:
    """``FONT_FAMILY`` and ``STYLE`` are set up (matplotlib imported) on first access."""
    from evalkit.charts import style

    if name == "FONT_FAMILY":
        return style.font_family()
    if name == "STYLE":
        return style.style()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if "matplotlib" in sys.modules:   # matplotlib already in use: register the font right away
    init()
