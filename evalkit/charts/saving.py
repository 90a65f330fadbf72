"""Saving charts as PNG once per figure set, and showing saved charts in a notebook.

Saved charts are rendered once: each PNG carries, in a ``tEXt`` chunk, the digest of the metrics
dict it was drawn from (without ``generated_at``/``provenance``) and of the drawing code,
catalogue, font and matplotlib version (:func:`chart_digest`). :func:`save_all_charts` keeps a
PNG whose digest matches, copies a matching PNG from ``reuse`` (e.g. the charts published by an
earlier run), and draws only the others; :func:`display_charts` is the notebook helper built on it.

Drawing is one layout pass: the constrained layout is computed once, the tight crop is measured
on the same renderer, and the figure is rendered once with the layout engine off (what
``savefig(bbox_inches="tight")`` does with an extra full "dry" draw first; the PNG is
byte-identical). The Agg renderers are reused between charts of the same size (one per size and
thread), so a label measured for one chart or year is not measured again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from evalkit.charts.registry import SPECS, spec_of
from evalkit.charts.spec import ChartSpec, model
from evalkit.charts.style import DPI, FONT_FILE, PAD_INCHES, share_renderers, styled
from evalkit.config import PACKAGE_DIR
from evalkit.fsutil import atomic_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: PNG ``tEXt`` keyword holding :func:`chart_digest` of the saved chart.
DIGEST_KEY = "evalkit-chart-digest"
#: Keys of the metrics dict that change on every build without changing any figure.
VOLATILE_KEYS = ("generated_at", "provenance")

CHARTS_DIR = Path(__file__).resolve().parent


def _renderer_files() -> list[Path]:
    """What draws a chart besides the data: this package, the typed model, the default metric
    settings (which channels are 网信), numfmt, the catalogue (names, units, formats), the input
    schema (channel and expense-type names), the font."""
    return [*sorted(CHARTS_DIR.glob("*.py")), PACKAGE_DIR / "metrics" / "model.py",
            PACKAGE_DIR / "metrics" / "settings.py",
            PACKAGE_DIR / "numfmt.py", PACKAGE_DIR / "schema.py",
            PACKAGE_DIR / "catalogue" / "__init__.py",
            *sorted((PACKAGE_DIR / "catalogue").glob("*.yaml")), FONT_FILE]


@functools.lru_cache(maxsize=1)
def renderer_id() -> str:
    """Digest of :func:`_renderer_files` and the matplotlib version (cached per process)."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for path in _renderer_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes())
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
    return hashlib.sha256(f"{name}\0{data_digest}\0{renderer_id()}".encode()).hexdigest()


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_png(fig: Figure, path: Path | str, metadata: Mapping[str, Any] | None = None) -> None:
    """Render ``fig`` to ``path`` as PNG at :data:`DPI`, cropped tight with :data:`PAD_INCHES`.

    The same pixels as ``fig.savefig(path, bbox_inches="tight")`` in the house style, in one
    layout pass and one draw (see the module docstring). The figure's layout engine is switched
    off afterwards (its layout is final); the figure is not meant to be drawn again.
    """
    engine = fig.get_layout_engine()
    renderer = fig.canvas.get_renderer()
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)
    bbox = fig.get_tightbbox(renderer).padded(PAD_INCHES)
    fig.savefig(path, format="png", dpi=DPI, bbox_inches=bbox,
                metadata={"Software": None, **(metadata or {})})


def _draw_one(spec: ChartSpec, typed: Any, target: Path, digest: str) -> None:
    """Draw ``spec`` from the typed metrics into ``target`` atomically (mode 0666 - umask)."""
    fig = share_renderers(spec.draw(typed))   # a Figure, never registered with pyplot
    try:
        with atomic_path(target) as tmp:
            write_png(fig, tmp, {DIGEST_KEY: digest})
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; charts are shared
    finally:
        fig.clear()


def _copy(source: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o666 & ~_umask())


def save_all_charts(metrics: Mapping[str, Any], charts_dir: Path | str,
                    names: Iterable[str] | None = None, *, force: bool = False,
                    reuse: Path | str | None = None) -> dict[str, Path]:
    """Write every chart that has data as ``<charts_dir>/<name>.png`` (atomically), once.

    A PNG already there whose embedded digest equals :func:`chart_digest` of ``metrics`` (same
    figures, same drawing code, catalogue, font and matplotlib) is kept as it is; one in
    ``reuse`` with that digest is copied; any other chart is drawn. matplotlib is imported only
    when a chart is drawn.

    Args:
        metrics: the metrics dict.
        charts_dir: output folder (created if needed), usually ``outputs/<year>/charts``.
        names: a subset of the chart names (default: all, in their standard order).
        force: redraw even the charts that are up to date.
        reuse: a folder of charts saved earlier (e.g. the published ``outputs/<year>/charts``
            when ``charts_dir`` is a staging folder); ignored with ``force``.

    Returns:
        ``{name: path}`` for the charts written, in standard order; a chart whose data is absent
        (no peers, no monthly figures, no score yet) is left out, and a stale PNG of it from an
        earlier run is removed so the folder matches the dict.
    """
    charts_dir = Path(charts_dir)
    charts_dir.mkdir(parents=True, exist_ok=True)
    reuse = Path(reuse) if reuse is not None and not force else None
    data_digest = metrics_digest(metrics)
    written: dict[str, Path] = {}
    typed = None
    in_style = False
    with contextlib.ExitStack() as stack:
        for name in list(names) if names is not None else list(SPECS):
            spec = spec_of(name)
            target = charts_dir / f"{name}.png"
            digest = chart_digest(metrics, name, data_digest=data_digest)
            if not force and png_digest(target) == digest:   # drawn from these figures
                written[name] = target
                continue
            source = reuse / f"{name}.png" if reuse is not None else None
            if source is not None and png_digest(source) == digest:
                _copy(source, target)
                written[name] = target
                continue
            typed = typed or model(metrics)
            if not spec.has_data(typed):
                target.unlink(missing_ok=True)
                continue
            if not in_style:   # one rc_context for every chart drawn, none when all are saved
                stack.enter_context(styled())
                in_style = True
            _draw_one(spec, typed, target, digest)
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
