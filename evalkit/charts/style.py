"""The bundled CJK font, the house style and the drawing helpers every chart shares.

The bundled font (``evalkit/fonts/NotoSansSC-evalkit-subset.ttf``, a GB2312 subset of Noto Sans
CJK SC under the SIL OFL, family ``Evalkit Sans SC``) is registered with matplotlib once per
process and made the default family, so Chinese renders on a machine with no CJK font installed.
:data:`STYLE` is the one house style: sizes, palette, dpi 150, no top/right spines, a light grid,
``axes.unicode_minus`` off and ``text.parse_math`` off (strings from spreadsheets such as 镇街 or
district names are drawn as plain text, never as mathtext).

matplotlib is imported, and the font registered, on first use (:func:`init`, called by every
chart and by :func:`apply_style`), or at import of :mod:`evalkit.charts` when matplotlib is
already loaded: a notebook that only shows charts already saved never pays for matplotlib.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import threading
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from evalkit.config import FONTS
from evalkit.numfmt import fmt_fixed

if TYPE_CHECKING:  # imported for real by init()
    from matplotlib.figure import Figure

FONT_FILE = FONTS / "NotoSansSC-evalkit-subset.ttf"

# Installed CJK families used only as per-glyph fallback for a character outside the bundled
# GB2312 subset (a rare character in a place name); never needed for evalkit's own labels.
SYSTEM_CJK_FALLBACKS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
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
TEXT_DARK = "#262626"
TEXT_LABEL = "#404040"

DPI = 150
FIGSIZE = (8.0, 4.5)
PAD_INCHES = 0.15
#: No rate axis runs past this (a chart whose values pass it extends to them).
RATE_CAP = 100.0


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
    return _register(str(path))


@functools.lru_cache(maxsize=None)
def _register(fname: str) -> str:
    """Add the font file to matplotlib's font list once per process; its family name."""
    from matplotlib import font_manager as fm

    if not any(entry.fname == fname for entry in fm.fontManager.ttflist):
        fm.fontManager.addfont(fname)   # adds one entry; the font cache file is not rebuilt
    return next(entry.name for entry in fm.fontManager.ttflist if entry.fname == fname)


def _fallback_families() -> list[str]:
    from matplotlib import font_manager as fm

    installed = {entry.name for entry in fm.fontManager.ttflist}
    return [name for name in SYSTEM_CJK_FALLBACKS if name in installed]


def build_style(family: str) -> dict[str, Any]:
    """The house rcParams with ``family`` first (and installed CJK fonts as glyph fallback)."""
    import matplotlib

    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, *_fallback_families(), "DejaVu Sans"],
        "font.size": 10,
        "axes.titlesize": 13,
        "axes.titleweight": "normal",
        "axes.titlelocation": "left",
        "axes.titlepad": 12,
        "axes.labelsize": 10,
        "axes.labelcolor": TEXT_LABEL,
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
        "savefig.pad_inches": PAD_INCHES,
        "text.usetex": False,
        "text.parse_math": False,
        "text.color": TEXT_DARK,
        "mathtext.default": "regular",
    }


class _State:
    """What :func:`init` sets up once per process."""

    ready = False
    family = ""
    style: dict[str, Any] = {}


_lock = threading.Lock()
_active = threading.local()


def init() -> None:
    """Import matplotlib, register the bundled font and apply the house style (once)."""
    if _State.ready:
        return
    with _lock:
        if _State.ready:
            return
        import matplotlib

        _State.family = register_font()
        _State.style = build_style(_State.family)
        matplotlib.rcParams.update(_State.style)
        _State.ready = True


def font_family() -> str:
    """The bundled font's family name (``Evalkit Sans SC``)."""
    init()
    return _State.family


def style() -> dict[str, Any]:
    """The house rcParams (:func:`build_style` of the bundled font)."""
    init()
    return _State.style


def apply_style() -> None:
    """Make the house style (and the bundled font) the global matplotlib default."""
    import matplotlib

    matplotlib.rcParams.update(style())


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """Draw inside the house style even if a notebook changed rcParams after import.

    Re-entrant and cheap when nested: :func:`evalkit.charts.save_all_charts` enters it once for
    all its charts, and each chart function's own entry is then a no-op.
    """
    init()
    if getattr(_active, "depth", 0):
        _active.depth += 1
        try:
            yield
        finally:
            _active.depth -= 1
        return
    import matplotlib

    with matplotlib.rc_context(_State.style):
        _active.depth = 1
        try:
            yield
        finally:
            _active.depth = 0


# --------------------------------------------------------------------------- figures and axes


def new_figure(figsize: tuple[float, float] = FIGSIZE, **subplot_kw: Any) -> tuple[Figure, Any]:
    """A figure with an Agg canvas and constrained layout (never registered with pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(**subplot_kw)


#: Agg renderers kept per thread, by size, for the charts drawn by ``save_all_charts``.
SHARED_RENDERERS = 16
_renderers = threading.local()


@functools.lru_cache(maxsize=1)
def _shared_canvas_class() -> type:
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    class SharedRendererCanvas(FigureCanvasAgg):
        """An Agg canvas that reuses this thread's renderer of the same size (and with it
        matplotlib's per-renderer cache of text extents) instead of allocating a new one."""

        def get_renderer(self) -> Any:
            w, h = self.get_width_height(physical=True)
            key = (w, h, self.figure.dpi)
            cache = getattr(_renderers, "by_size", None)
            if cache is None:
                cache = _renderers.by_size = collections.OrderedDict()
            renderer = cache.pop(key, None) or RendererAgg(w, h, self.figure.dpi)
            cache[key] = renderer
            while len(cache) > SHARED_RENDERERS:
                cache.popitem(last=False)
            self.renderer, self._lastKey = renderer, key
            return renderer

    return SharedRendererCanvas


def share_renderers(fig: Figure) -> Figure:
    """Draw ``fig`` with this thread's shared renderers (same pixels, text measured once per
    size). Only for a figure that is saved and dropped: a later figure of the same size draws
    into the same buffer."""
    _shared_canvas_class()(fig)
    return fig


def plain(texts: Iterable[Any]) -> None:
    """Draw these texts verbatim (never as mathtext)."""
    for t in texts:
        t.set_parse_math(False)


def _places_for(locs: Iterable[float], least: int, most: int = 2) -> int:
    """The fewest decimals (at least ``least``) that print every tick at its real value."""
    for places in range(least, most + 1):
        if all(abs(Decimal(repr(float(v))) - Decimal(fmt_fixed(v, places))) < Decimal("1e-9")
               for v in locs):
            return places
    return most


def _formatter(places: int, suffix: str) -> Any:
    """Tick labels with at least ``places`` decimals and as many more as the ticks need.

    A tick at 82.5 prints ``82.5%`` (never a rounded ``83%``); with every tick a whole number
    the labels keep ``places`` decimals.
    """
    from matplotlib.ticker import Formatter

    class _Fixed(Formatter):
        def __init__(self) -> None:
            self.places = places

        def set_locs(self, locs: Any) -> None:
            super().set_locs(locs)
            lo, hi = self.axis.get_view_interval() if self.axis is not None else (None, None)
            shown = [v for v in locs
                     if lo is None or min(lo, hi) - 1e-9 <= v <= max(lo, hi) + 1e-9]
            self.places = _places_for(shown, places)

        def __call__(self, value: float, pos: int | None = None) -> str:
            return fmt_fixed(value, self.places) + suffix

    return _Fixed()


def pct_axis(axis: Any, places: int = 0) -> None:
    """Percent tick labels (``85%``; ``82.5%`` when a tick needs the decimal)."""
    axis.set_major_formatter(_formatter(places, "%"))


def num_axis(axis: Any, places: int = 0) -> None:
    """Number tick labels with ``places`` decimals (more when a tick needs them)."""
    axis.set_major_formatter(_formatter(places, ""))


def cap_rate_axis(ax: Any, which: str = "y", values: Iterable[float | None] = ()) -> None:
    """A rate axis never runs past 100% unless a value does: no tick and no spine above it.

    The view may keep headroom above the cap for labels and the legend; the ticks stop at the
    cap (or at the largest value when one passes it) and the axis line ends there.
    """
    from matplotlib.ticker import Locator

    present = [v for v in values if v is not None]
    cap = max([RATE_CAP, *present])
    axis = ax.yaxis if which == "y" else ax.xaxis
    base = axis.get_major_locator()

    class _Capped(Locator):
        def __call__(self) -> list[float]:
            return [v for v in base() if v <= cap + 1e-9]

        def tick_values(self, vmin: float, vmax: float) -> list[float]:
            return [v for v in base.tick_values(vmin, vmax) if v <= cap + 1e-9]

        def set_axis(self, axis_: Any) -> None:
            super().set_axis(axis_)
            base.set_axis(axis_)

    axis.set_major_locator(_Capped())
    lo, hi = ax.get_ylim() if which == "y" else ax.get_xlim()
    if hi > cap:
        ax.spines["left" if which == "y" else "bottom"].set_bounds(lo, cap)


def title(ax: Any, text: str, subtitle: str | None = None) -> None:
    """The chart title, left-aligned, with an optional grey subtitle line under it."""
    ax.set_title(text, loc="left", fontsize=13, color=TEXT_DARK, pad=22 if subtitle else 12)
    if subtitle:
        ax.text(0.0, 1.02, subtitle, transform=ax.transAxes, ha="left", va="bottom",
                fontsize=9, color=PALETTE["neutral"], parse_math=False)


def clip(value: Any, limit: int = 18) -> str:
    """A spreadsheet string as a short single-line label (drawn with parse_math off)."""
    s = " ".join(str(value if value is not None else "").split()) or "（未填写）"
    return s if len(s) <= limit else s[: limit - 1] + "…"
