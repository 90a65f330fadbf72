"""Charts: bundled CJK font, no missing glyphs, atomic PNGs, plain-text spreadsheet strings."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from evalkit import catalogue, charts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "metrics_2023_sample.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BUNDLED_CHARS = {chr(cp) for cp in FT2Font(str(charts.FONT_FILE)).get_charmap()}


@pytest.fixture
def metrics() -> dict:
    with open(FIXTURE, encoding="utf-8") as fh:
        return json.load(fh)


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _render_strict(func, metrics: dict, caplog: pytest.LogCaptureFixture) -> Figure:
    """Build and render a chart; any warning (missing glyph, findfont) fails the test."""
    with caplog.at_level(logging.WARNING, logger="matplotlib"), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = func(metrics)
        data = _render(fig)
    font_logs = [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")]
    assert not font_logs, font_logs
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000
    return fig


# --------------------------------------------------------------------------- fixture


def test_fixture_has_the_reference_figures(metrics):
    b, p, s = metrics["budget"], metrics["petitions"], metrics["score"]
    assert (b["total_budget_wan"], b["total_actual_wan"], b["execution_rate_pct"]) == \
        (783.16, 774.90, 98.95)
    assert (b["basic_actual_wan"], b["project_actual_wan"]) == (580.13, 194.77)
    assert (p["first_time_resolution_rate_pct"], p["online_share_pct"],
            p["satisfaction_rate_pct"]) == (98.10, 88.67, 99.84)
    assert (p["national_initial_qiujue_yoy_pct"], p["national_initial_qiujue_rank"],
            p["peer_district_count"]) == (-43.21, 3, 11)
    assert (s["total"], s["modules"]["履职效能"], s["modules"]["管理效率"]) == (92.10, 46.80, 45.30)
    assert len(p["by_township"]) == 13 and len(b["progress"]) == 12
    assert [h["year"] for h in metrics["history"]] == [2021, 2022, 2023]
    assert sum(r["cases"] for r in p["by_month"]) == p["total_cases"]
    assert sum(r["online_cases"] for r in p["by_month"]) == p["online_cases"]
    assert [r["is_self"] for r in metrics["peers"]].count(True) == 1


# --------------------------------------------------------------------------- font and style


def test_bundled_font_and_licence_are_shipped():
    fonts = charts.FONT_FILE.parent
    assert charts.FONT_FILE.is_file()
    assert charts.FONT_FILE.stat().st_size < 4_000_000
    licence = (fonts / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence
    assert "fonts-noto-cjk" in (fonts / "README.md").read_text(encoding="utf-8")


def test_bundled_font_covers_gb2312_and_punctuation():
    hanzi = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                hanzi.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    assert len(hanzi) == 6763
    assert not [c for c in hanzi if c not in BUNDLED_CHARS]
    for ch in "0123456789%.,-+/:（）【】《》、，。：；—…·×℃‰":
        assert ch in BUNDLED_CHARS, ch


def test_font_is_registered_and_default():
    assert charts.FONT_FAMILY == "Evalkit Sans SC"
    assert any(e.fname == str(charts.FONT_FILE) for e in font_manager.fontManager.ttflist)
    rc = matplotlib.rcParams
    assert rc["font.sans-serif"][0] == charts.FONT_FAMILY
    assert rc["axes.unicode_minus"] is False
    assert rc["text.parse_math"] is False
    assert rc["text.usetex"] is False
    assert rc["savefig.dpi"] == 150
    assert rc["axes.spines.top"] is False and rc["axes.spines.right"] is False
    default = font_manager.FontProperties()
    assert Path(font_manager.findfont(default)) == charts.FONT_FILE


def test_register_font_is_idempotent():
    before = len(font_manager.fontManager.ttflist)
    assert charts.register_font() == charts.FONT_FAMILY
    assert len(font_manager.fontManager.ttflist) == before


def test_style_survives_a_notebook_changing_rcparams(metrics):
    with matplotlib.rc_context({"font.family": "serif", "font.serif": ["DejaVu Serif"],
                                "text.parse_math": True}):
        fig = charts.budget_by_type(metrics)
    title = fig.axes[0].title
    assert Path(font_manager.findfont(title.get_fontproperties())) == charts.FONT_FILE


# --------------------------------------------------------------------------- every chart


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_chart_renders_without_warnings_in_the_bundled_font(name, metrics, caplog):
    before = copy.deepcopy(metrics)
    fig = _render_strict(charts.CHARTS[name], metrics, caplog)
    assert isinstance(fig, Figure)
    assert metrics == before, "a chart must not modify the metrics dict"
    texts = _texts(fig)
    chinese = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text())]
    assert chinese, "every chart has Chinese titles/labels"
    for t in chinese:
        assert Path(font_manager.findfont(t.get_fontproperties())) == charts.FONT_FILE, \
            t.get_text()
    # Every drawn character comes from the bundled file itself (no fallback to a system font).
    drawn = {ch for t in texts for ch in t.get_text() if not ch.isspace()}
    assert not drawn - BUNDLED_CHARS, sorted(drawn - BUNDLED_CHARS)
    # Spreadsheet strings are never parsed as mathtext.
    assert all(t.get_parse_math() is False for t in texts)


@pytest.mark.e2e
def test_chart_figures_are_not_left_open_in_pyplot(metrics, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts.save_all_charts(metrics, tmp_path)
    for func in charts.CHARTS.values():
        func(metrics)
    assert plt.get_fignums() == before


def test_labels_round_half_up_through_numfmt(metrics):
    metrics["budget"]["by_type"][0]["execution_rate_pct"] = 0.125   # round() would give 0.12
    metrics["budget"]["by_type"][0]["actual_wan"] = 2.675             # round() would give 2.67
    fig = charts.budget_by_type(metrics)
    texts = " ".join(t.get_text() for t in _texts(fig))
    assert "执行率0.13%" in texts
    assert "2.68" in texts and "2.67" not in texts


def test_key_figures_appear_on_the_charts(metrics):
    def text_of(name):
        return " ".join(t.get_text() for t in _texts(charts.CHARTS[name](metrics)))

    assert "预算执行率98.95%" in text_of("budget_by_type")
    assert "783.16" in text_of("budget_by_type") and "774.90" in text_of("budget_by_type")
    peer = text_of("peer_ranking")
    assert "-43.21%" in peer and "排名第3/11" in peer and "下降43.21%" in peer
    assert "自评总分92.10分" in text_of("score_modules")
    history = text_of("rates_history")
    assert "98.10%" in history and "88.67%" in history and "99.84%" in history
    assert "同比提高" in history
    assert "网信占比88.67%" in text_of("petitions_by_month")
    progress = text_of("spending_progress")
    assert "6月目标50.00%" in progress and "未达标" in progress


def test_township_comparison_other_rate_and_bad_rate(metrics):
    fig = charts.township_comparison(metrics, rate="on_time_completion_rate_pct")
    assert "按期办结率" in " ".join(t.get_text() for t in _texts(fig))
    with pytest.raises(ValueError):
        charts.township_comparison(metrics, rate="petitioner_name")


@pytest.mark.e2e
def test_missing_values_are_drawn_as_dashes(metrics, caplog):
    biggest = max(range(len(metrics["budget"]["lines"])),
                  key=lambda i: metrics["budget"]["lines"][i]["budget_wan"])
    metrics["petitions"]["by_township"][0]["first_time_resolution_rate_pct"] = None
    metrics["budget"]["lines"][biggest]["execution_rate_pct"] = None
    metrics["peers"][0]["change_pct"] = None
    township = metrics["petitions"]["by_township"][0]["township"]
    district = metrics["peers"][0]["district"]

    fig = _render_strict(charts.township_comparison, metrics, caplog)
    counts, rates = fig.axes
    row = next(t.get_position()[1] for t in counts.get_yticklabels() if t.get_text() == township)
    dashes = [t for t in rates.texts if t.get_text() == "—"]
    assert [t.get_position()[1] for t in dashes] == [row]         # the dash on that 镇街's row
    assert not [c for c in rates.collections if c.get_offsets().size
                and c.get_offsets()[0][1] == row]                 # and no dot there

    fig = _render_strict(charts.budget_lines, metrics, caplog)
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert sum(n.endswith("（—）") for n in notes) == 1, notes     # the biggest line is shown
    assert all("—" not in n for n in notes if not n.endswith("（—）"))

    fig = _render_strict(charts.peer_ranking, metrics, caplog)
    ax = fig.axes[0]
    label = next(t for t in ax.get_yticklabels() if t.get_text().endswith(district))
    note = next(t for t in ax.texts if t.get_position()[1] == label.get_position()[1])
    assert note.get_text() == "—"
    bar = next(p for p in ax.patches if abs(p.get_y() + p.get_height() / 2
                                            - label.get_position()[1]) < 1e-9)
    assert bar.get_width() == 0


# --------------------------------------------------------------------------- planted strings


@pytest.mark.e2e
@pytest.mark.parametrize("planted", ["$\\alpha$<script>", "镇$\\frac{$街", "<b>&amp;</b>_x^2"])
def test_planted_strings_are_drawn_as_plain_text(planted, metrics, caplog):
    metrics["petitions"]["by_township"][0]["township"] = planted
    metrics["peers"][0]["district"] = planted
    metrics["budget"]["lines"][0]["project_name"] = planted
    metrics["budget"]["by_type"][0]["expense_type"] = planted
    metrics["petitions"]["by_channel"][0]["channel"] = planted
    for name in ("township_comparison", "peer_ranking", "budget_lines", "budget_by_type",
                 "petitions_by_channel"):
        fig = _render_strict(charts.CHARTS[name], metrics, caplog)
        shown = [t for t in _texts(fig) if planted[:6] in t.get_text()]
        assert shown, (name, [t.get_text() for t in _texts(fig)])
        assert all(t.get_parse_math() is False for t in shown)
        # drawn verbatim: no escaping backslash added, no markup interpreted
        assert all(t.get_text().count("\\") <= planted.count("\\") for t in shown)


def test_planted_dollar_survives_global_parse_math_on(metrics, tmp_path):
    metrics["petitions"]["by_township"][0]["township"] = "镇$\\frac{$街"
    with matplotlib.rc_context({"text.parse_math": True}):
        paths = charts.save_all_charts(metrics, tmp_path, names=["township_comparison"])
    assert paths["township_comparison"].read_bytes().startswith(PNG_MAGIC)


# --------------------------------------------------------------------------- save_all_charts


@pytest.mark.e2e
def test_save_all_charts_writes_every_png(metrics, tmp_path, caplog):
    out = tmp_path / "outputs" / "2023" / "charts"
    with caplog.at_level(logging.WARNING, logger="matplotlib"), warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = charts.save_all_charts(metrics, out)
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")]
    assert list(paths) == list(charts.CHARTS)
    for name, path in paths.items():
        assert path == out / f"{name}.png"
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000
        width = int.from_bytes(data[16:20], "big")
        assert 900 <= width <= 1800, (name, width)     # ~8 in at 150 dpi
        assert oct(path.stat().st_mode & 0o044) != "0o0", "PNG readable by others (not 0600)"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.png" for n in charts.CHARTS)


def test_save_all_charts_is_atomic(metrics, tmp_path, monkeypatch):
    target = tmp_path / "peer_ranking.png"
    target.write_bytes(b"previous good chart")

    def broken_savefig(self, fname, *args, **kwargs):
        Path(fname).write_bytes(PNG_MAGIC + b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        charts.save_all_charts(metrics, tmp_path, names=["peer_ranking"])
    assert target.read_bytes() == b"previous good chart"
    assert [p.name for p in tmp_path.iterdir()] == ["peer_ranking.png"]


@pytest.mark.e2e
def test_absent_sections_are_skipped(metrics, tmp_path, caplog):
    metrics["peers"] = []
    metrics["budget"]["progress"] = []
    metrics["budget"]["checkpoints"] = []
    metrics["history"] = []
    del metrics["score"]
    (tmp_path / "peer_ranking.png").write_bytes(b"stale from an earlier run")
    paths = charts.save_all_charts(metrics, tmp_path)
    assert set(paths) == {"budget_by_type", "budget_lines", "petitions_by_month",
                          "petitions_by_channel", "township_comparison"}
    assert not (tmp_path / "peer_ranking.png").exists()
    for name in ("peer_ranking", "rates_history", "score_modules"):
        assert not charts.has_data(metrics, name)
        with pytest.raises(charts.NoChartData):
            charts.CHARTS[name](metrics)
    # spending_progress draws a placeholder when called directly.
    fig = _render_strict(charts.spending_progress, metrics, caplog)
    assert "无月度支出数据" in [t.get_text() for t in _texts(fig)]


def test_minimal_metrics_give_no_charts(tmp_path):
    assert charts.save_all_charts({"year": 2023}, tmp_path) == {}
    assert charts.save_all_charts({"year": 2023, "budget": None, "petitions": {},
                                   "peers": None, "history": None, "score": None},
                                  tmp_path) == {}


@pytest.mark.e2e
def test_partial_data_fallbacks(metrics, caplog):
    del metrics["petitions"]["by_month"][3]["online_cases"]          # no stack -> single bars
    metrics["budget"]["by_type"] = []                                # from basic_/project_ fields
    metrics["score"]["module_details"] = []                          # from score.modules
    metrics["yoy_text"] = {}                                         # no 同比 notes
    for name in ("petitions_by_month", "budget_by_type", "score_modules", "rates_history"):
        _render_strict(charts.CHARTS[name], metrics, caplog)
    assert charts.has_data(metrics, "budget_by_type")


@pytest.mark.e2e
def test_month_strings_are_accepted(metrics, caplog):
    for r in metrics["budget"]["progress"]:
        r["month"] = f"2023-{r['month']:02d}"
    for r in metrics["petitions"]["by_month"]:
        r["month"] = f"{r['month']}月"
    for name in ("spending_progress", "petitions_by_month"):
        _render_strict(charts.CHARTS[name], metrics, caplog)


def test_has_data_rejects_unknown_chart(metrics):
    with pytest.raises(KeyError):
        charts.has_data(metrics, "pie_of_names")


# --------------------------------------------------------------------------- no CJK installed


@pytest.mark.e2e
def test_renders_on_a_machine_without_any_cjk_font(tmp_path):
    """A fresh interpreter whose font list holds only matplotlib's own fonts (no system fonts)."""
    script = textwrap.dedent(f"""
        import json, sys, warnings
        from pathlib import Path
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import font_manager as fm
        data = str(Path(matplotlib.get_data_path()).resolve())
        system = [e for e in fm.fontManager.ttflist if not e.fname.startswith(data)]
        fm.fontManager.ttflist[:] = [e for e in fm.fontManager.ttflist
                                     if e.fname.startswith(data)]
        warnings.simplefilter("error")
        from evalkit import charts
        names = {{e.name for e in fm.fontManager.ttflist}}
        assert not names & set(charts._SYSTEM_CJK_FALLBACKS), names
        with open({str(FIXTURE)!r}, encoding="utf-8") as fh:
            metrics = json.load(fh)
        paths = charts.save_all_charts(metrics, {str(tmp_path / "charts")!r})
        fig = charts.township_comparison(metrics)
        title = fig.axes[0].title
        print(json.dumps({{"written": sorted(paths), "removed_system_fonts": len(system),
                          "title_font": fm.findfont(title.get_fontproperties()),
                          "sans": matplotlib.rcParams["font.sans-serif"]}}))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "findfont" not in proc.stderr and "Glyph" not in proc.stderr, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["written"] == sorted(charts.CHARTS)
    assert Path(result["title_font"]) == charts.FONT_FILE
    assert result["sans"] == [charts.FONT_FAMILY, "DejaVu Sans"]


def test_a_missing_glyph_is_caught(metrics):
    """The harness really fails on a glyph no font has (guards the tests above)."""
    metrics["petitions"]["by_township"][0]["township"] = "新塘\U0001F600镇"
    fig = charts.township_comparison(metrics)
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="(?i)glyph"):
        warnings.simplefilter("error")
        _render(fig)


# --------------------------------------------------------------------------- render once


def _count_draws(monkeypatch) -> list[str]:
    """Record the name of every chart drawn from now on (the specs' draw functions wrapped)."""
    drawn: list[str] = []
    for name, spec in list(charts.SPECS.items()):
        monkeypatch.setitem(charts.SPECS, name, dataclasses.replace(
            spec, draw=lambda m, _n=name, _d=spec.draw: drawn.append(_n) or _d(m)))
    return drawn


@pytest.mark.e2e
def test_up_to_date_charts_are_not_redrawn(metrics, tmp_path, monkeypatch):
    first = charts.save_all_charts(metrics, tmp_path)
    stamps = {name: (p.read_bytes(), p.stat().st_mtime_ns) for name, p in first.items()}
    for name, path in first.items():
        assert charts.png_digest(path) == charts.chart_digest(metrics, name)
    drawn = _count_draws(monkeypatch)
    again = dict(metrics, generated_at="2099-01-01T00:00:00+08:00",
                 provenance={"code_sha256": "changed"})   # volatile keys: not figures
    assert charts.save_all_charts(again, tmp_path) == first
    assert drawn == []
    assert {n: (p.read_bytes(), p.stat().st_mtime_ns) for n, p in first.items()} == stamps
    charts.save_all_charts(again, tmp_path, ["peer_ranking"], force=True)
    assert drawn == ["peer_ranking"]


@pytest.mark.e2e
def test_a_changed_figure_redraws_the_chart(metrics, tmp_path):
    paths = charts.save_all_charts(metrics, tmp_path)
    before = {name: p.read_bytes() for name, p in paths.items()}
    changed = copy.deepcopy(metrics)
    changed["budget"]["total_actual_wan"] = 700.01
    changed["budget"]["by_type"][0]["actual_wan"] = 505.24
    after = charts.save_all_charts(changed, tmp_path)
    assert charts.png_digest(after["budget_by_type"]) == \
        charts.chart_digest(changed, "budget_by_type")
    assert after["budget_by_type"].read_bytes() != before["budget_by_type"]
    # the digest covers the whole dict: a stale PNG is never kept
    for name, path in after.items():
        assert charts.png_digest(path) == charts.chart_digest(changed, name), name
    fresh = tmp_path / "fresh"
    charts.save_all_charts(changed, fresh, ["budget_by_type"])
    assert (fresh / "budget_by_type.png").read_bytes() == after["budget_by_type"].read_bytes()


def test_a_png_without_digest_or_foreign_is_redrawn(metrics, tmp_path):
    target = tmp_path / "budget_by_type.png"
    target.write_bytes(b"not a png at all")
    assert charts.png_digest(target) is None
    charts.save_all_charts(metrics, tmp_path, ["budget_by_type"])
    assert target.read_bytes().startswith(PNG_MAGIC)
    assert charts.png_digest(target) == charts.chart_digest(metrics, "budget_by_type")
    assert charts.png_digest(tmp_path / "missing.png") is None


@pytest.mark.e2e
def test_showing_saved_charts_does_not_import_matplotlib(tmp_path):
    """A kernel that only shows charts already saved for the same figures skips matplotlib."""
    script = textwrap.dedent(f"""
        import json, sys
        from evalkit import charts
        assert "matplotlib" not in sys.modules
        with open({str(FIXTURE)!r}, encoding="utf-8") as fh:
            metrics = json.load(fh)
        charts.save_all_charts(metrics, {str(tmp_path)!r}, ["budget_by_type"])
        print("matplotlib" in sys.modules)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda: subprocess.run([sys.executable, "-c", script], capture_output=True,  # noqa
                                 text=True, env=env, cwd=ROOT, timeout=300)
    first, second = run(), run()
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() == "True"      # drawn
    assert second.stdout.strip() == "False"    # up to date: read the digest only


@pytest.mark.e2e
def test_charts_found_up_to_date_skip_the_metrics_model(tmp_path):
    """Showing saved charts needs neither matplotlib nor the metrics package (pandas)."""
    script = textwrap.dedent(f"""
        import json, sys
        from evalkit import charts
        with open({str(FIXTURE)!r}, encoding="utf-8") as fh:
            metrics = json.load(fh)
        charts.save_all_charts(metrics, {str(tmp_path)!r})
        print(json.dumps([m in sys.modules for m in ("matplotlib", "evalkit.metrics")]))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=300) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    assert json.loads(runs[0].stdout) == [True, True]      # drew every chart
    assert json.loads(runs[1].stdout) == [False, False]    # all up to date: digests only


@pytest.mark.e2e
def test_reuse_copies_an_earlier_chart_with_the_same_digest(metrics, tmp_path, monkeypatch):
    published = charts.save_all_charts(metrics, tmp_path / "published")
    drawn = _count_draws(monkeypatch)
    staged = charts.save_all_charts(metrics, tmp_path / "staging", reuse=tmp_path / "published")
    assert drawn == [] and list(staged) == list(published)
    for name, path in staged.items():
        assert path.read_bytes() == published[name].read_bytes()
        assert oct(path.stat().st_mode & 0o044) != "0o0"
    changed = copy.deepcopy(metrics)
    changed["petitions"]["by_month"][0]["cases"] += 1       # a figure changed: drawn again
    charts.save_all_charts(changed, tmp_path / "staging2", reuse=tmp_path / "published")
    assert sorted(drawn) == sorted(published)               # the digest covers the whole dict
    drawn.clear()
    charts.save_all_charts(metrics, tmp_path / "staging3", ["peer_ranking"], force=True,
                           reuse=tmp_path / "published")
    assert drawn == ["peer_ranking"]                        # force ignores reuse


# --------------------------------------------------------------------------- specs


def test_every_chart_is_one_spec_in_the_standard_order():
    assert list(charts.SPECS) == ["budget_by_type", "budget_lines", "spending_progress",
                                  "petitions_by_month", "petitions_by_channel", "rates_history",
                                  "township_comparison", "peer_ranking", "score_modules"]
    for name, spec in charts.SPECS.items():
        assert isinstance(spec, charts.ChartSpec) and spec.name == name
        assert callable(spec.draw) and callable(spec.has_data)
        caption = spec.caption_text()
        assert caption and any("\u4e00" <= ch <= "\u9fff" for ch in caption)
        assert charts.CHARTS[name] is spec.draw
    assert len(set(charts.captions().values())) == len(charts.SPECS)


def test_report_captions_come_from_the_specs():
    from evalkit import report

    assert report.CHART_CAPTIONS == charts.captions()
    assert charts.captions()["peer_ranking"] == \
        catalogue.label("peers") + "同比变化"


@pytest.mark.e2e
def test_a_new_spec_is_drawn_and_saved(metrics, tmp_path, monkeypatch):
    def draw(m):
        fig, ax = charts.style.new_figure()
        ax.bar([1, 2], [m.petitions.total_cases or 0, m.petitions.online_cases or 0])
        ax.set_title(catalogue.label("petitions.online_cases"))
        return fig

    spec = charts.ChartSpec("online_vs_total", charts.spec.chart(draw),
                            lambda m: m.petitions.total_cases is not None, "网信与总量")
    monkeypatch.setitem(charts.SPECS, spec.name, spec)
    paths = charts.save_all_charts(metrics, tmp_path)
    assert paths["online_vs_total"].read_bytes().startswith(PNG_MAGIC)
    assert charts.captions()["online_vs_total"] == "网信与总量"
    assert charts.has_data({"petitions": {"total_cases": None}}, "online_vs_total") is False


def test_labels_units_and_formats_come_from_the_catalogue(metrics, monkeypatch):
    entries = dict(catalogue.load())
    for key, name in (("budget.by_type.budget_wan", "预算安排数"),
                      ("budget.execution_rate_pct", "资金执行率"),
                      ("petitions.by_month.online_cases", "网络渠道")):
        entries[key] = entries[key].model_copy(update={"name": name, "short": name})
    monkeypatch.setattr(catalogue, "load", lambda folder=None: entries)
    by_type = " ".join(t.get_text() for t in _texts(charts.budget_by_type(metrics)))
    assert "预算安排数" in by_type and "资金执行率98.95%" in by_type
    assert "全年预算数" not in by_type
    month = " ".join(t.get_text() for t in _texts(charts.petitions_by_month(metrics)))
    assert "网络渠道" in month


# ------------------------------------------------------------------------ 网信, rate axes, ticks


def test_monthly_chart_says_wangxin_not_one_channel(metrics):
    legend = [t.get_text() for t in charts.petitions_by_month(metrics).axes[0]
              .get_legend().get_texts()]
    assert catalogue.label("petitions.by_month.online_cases", short=True) == "网信"
    assert "网信" in legend and "来信、来访" in legend
    assert "网上信访" not in legend
    channel = [t.get_text() for t in charts.petitions_by_channel(metrics).axes[0]
               .get_legend().get_texts()]
    assert channel == ["网信渠道", "来信、来访"]
    # 网上信访 the channel stays a channel bar of its own
    bars = [t.get_text() for t in charts.petitions_by_channel(metrics).axes[0].get_yticklabels()]
    assert "网上信访" in bars


def _visible_ticks(axis) -> list:
    lo, hi = sorted(axis.get_view_interval())
    return [t for t in axis.get_major_ticks() if t.label1.get_visible()
            and lo - 1e-9 <= t.get_loc() <= hi + 1e-9]


def _rendered(fig):
    fig.canvas.draw()  # layout and tick labels as drawn
    return fig


@pytest.mark.parametrize("name, axes_axis", [
    ("rates_history", [(0, "y"), (1, "y"), (2, "y"), (3, "y")]),
    ("township_comparison", [(1, "x")]),
    ("spending_progress", [(0, "y")]),
])
def test_rate_axes_never_pass_100_percent(name, axes_axis, metrics):
    metrics["history"][-1]["satisfaction_rate_pct"] = 99.84     # the 100.8% axis
    fig = _rendered(charts.CHARTS[name](metrics))
    for i, which in axes_axis:
        ax = fig.axes[i]
        axis = ax.yaxis if which == "y" else ax.xaxis
        ticks = [t.get_loc() for t in _visible_ticks(axis)]
        assert ticks and max(ticks) <= 100 + 1e-9, (name, i, ticks)
        spine = ax.spines["left" if which == "y" else "bottom"]
        top = spine.get_bounds()[1] if spine.get_bounds() else max(axis.get_view_interval())
        assert top <= 100 + 1e-9, (name, i, top)


def test_rates_history_panels_stay_under_100(metrics):
    metrics["history"][-1]["satisfaction_rate_pct"] = 99.84
    fig = charts.rates_history(metrics)
    for ax in fig.axes[:4]:
        assert ax.get_ylim()[1] <= 100 + 1e-9


def test_a_rate_over_100_gets_its_axis(metrics):
    """An overspent budget (执行率 103%) is drawn on an axis that reaches it."""
    metrics["history"][-1]["execution_rate_pct"] = 103.0
    ax = _rendered(charts.rates_history(metrics)).axes[0]
    bounds = ax.spines["left"].get_bounds()
    assert max(ax.get_ylim()) > 103 and (bounds is None or bounds[1] >= 103)


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_tick_labels_print_the_real_tick_values(name, metrics):
    """A tick at 82.5 reads 82.5%, never 83%: every visible numeric tick label equals its value."""
    from decimal import Decimal

    fig = _rendered(charts.CHARTS[name](metrics))
    checked = 0
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            for tick in _visible_ticks(axis):
                text = tick.label1.get_text().rstrip("%")
                try:
                    shown = Decimal(text)
                except ArithmeticError:
                    continue                                     # a category (月份, 镇街…)
                assert abs(shown - Decimal(repr(float(tick.get_loc())))) < Decimal("1e-9"), \
                    (name, tick.label1.get_text(), tick.get_loc())
                checked += 1
    assert checked


def test_online_share_ticks_have_their_decimals(metrics):
    for row, v in zip(metrics["history"], (84.50, 86.71, 88.67)):   # the 2021-2023 sample
        row["online_share_pct"] = v
    fig = _rendered(charts.rates_history(metrics))
    labels = [t.label1.get_text() for t in _visible_ticks(fig.axes[3].yaxis)]
    assert "82.5%" in labels and "83%" not in labels, labels


# --------------------------------------------------------------------------- one-pass PNG


@pytest.mark.parametrize("name", ["budget_by_type", "rates_history", "township_comparison",
                                  "spending_progress"])
@pytest.mark.e2e
def test_one_pass_png_is_byte_identical_to_savefig_tight(name, metrics, tmp_path):
    with matplotlib.rc_context(charts.STYLE):
        charts.CHARTS[name](metrics).savefig(tmp_path / "tight.png", format="png",
                                             bbox_inches="tight", metadata={"Software": None})
        charts.write_png(charts.CHARTS[name](metrics), tmp_path / "fast.png")
    assert (tmp_path / "fast.png").read_bytes() == (tmp_path / "tight.png").read_bytes()


@pytest.mark.e2e
def test_shared_renderers_draw_the_same_bytes(metrics, tmp_path):
    """save_all_charts reuses Agg renderers between charts of the same size: same PNGs as a
    figure drawn on its own canvas, whatever was drawn before."""
    first = charts.save_all_charts(metrics, tmp_path / "a")
    again = charts.save_all_charts(metrics, tmp_path / "b", list(reversed(charts.SPECS)))
    for name in charts.SPECS:
        alone = tmp_path / f"{name}.png"
        with matplotlib.rc_context(charts.STYLE):
            charts.write_png(charts.CHARTS[name](metrics), alone,
                             {charts.DIGEST_KEY: charts.chart_digest(metrics, name)})
        assert first[name].read_bytes() == again[name].read_bytes() == alone.read_bytes(), name
