"""report.pdf: the HTML printed by headless Chromium, and the print stylesheet that shapes it.

Printing needs Debian's /usr/bin/chromium (or $EVALKIT_CHROMIUM); without it the printing tests are
skipped, unless EVALKIT_REQUIRE_BROWSER=1 (set by CI), where they fail. The PDF is read without a
PDF library: Chromium writes one ``/Type /Page`` dictionary with its ``/MediaBox`` per page.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from evalkit.report import PdfError, html_to_pdf, render_report
from evalkit.report.builder import CSS_FILE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
METRICS = FIXTURES / "metrics_2023_sample.json"
DEPARTMENT = FIXTURES / "report" / "department_2023.yaml"
CHROMIUM = Path(os.environ.get("EVALKIT_CHROMIUM", "/usr/bin/chromium"))
A4 = (595, 842)


def _require_chromium() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("EVALKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"EVALKIT_REQUIRE_BROWSER=1 but {CHROMIUM} not found")
    pytest.skip(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)")


def pages(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in points of every page, in file order of the page objects."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/Type\s*/Page\b(?:(?!/Type).)*?/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]",
                       data, re.S)
    if not boxes:   # MediaBox written before /Type in the dictionary
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
        boxes = boxes[:len(re.findall(rb"/Type\s*/Page\b", data))]
    return [(round(float(w)), round(float(h))) for w, h in boxes]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    exe = _require_chromium()
    metrics = json.loads(METRICS.read_text(encoding="utf-8"))
    department = yaml.safe_load(DEPARTMENT.read_text(encoding="utf-8"))
    base = tmp_path_factory.mktemp("pdf")
    html = base / "report.html"
    html.write_text(render_report(metrics, department, None, {"year": 2023}), encoding="utf-8")
    return html_to_pdf(html, base / "report.pdf", chromium=exe)


def test_pdf_is_a4_with_the_form_on_landscape_pages(printed):
    sizes = pages(printed)
    assert sizes, "no pages found"
    portrait = [s for s in sizes if s == A4]
    landscape = [s for s in sizes if s == A4[::-1]]
    assert portrait and landscape and len(portrait) + len(landscape) == len(sizes)
    assert len(sizes) <= 14          # the fixture report without charts: 13 pages when written


def test_failed_print_leaves_nothing(tmp_path):
    html = tmp_path / "r.html"
    html.write_text("<html></html>", encoding="utf-8")
    with pytest.raises(PdfError, match="Chromium"):
        html_to_pdf(html, tmp_path / "r.pdf", chromium=str(tmp_path / "no-such-chromium"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_missing_chromium_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "absent"))
    with pytest.raises(PdfError, match="EVALKIT_CHROMIUM"):
        html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf")


def test_print_stylesheet_rules():
    """What keeps the print tidy: rows never split, 合计/总分 printed once, merged 自评表 rows free
    to break between rows, the 自评表 on landscape pages, page numbers."""
    css = CSS_FILE.read_text(encoding="utf-8")
    print_css = css[css.index("@media print"):]
    assert "tfoot { display: table-row-group; }" in print_css
    assert re.search(r"tr, img, figure[^{]*\{ break-inside: avoid", print_css)
    assert "table.merged tr { break-inside: auto" in print_css
    assert ".appendix { page: form; }" in print_css
    assert "@page form { size: A4 landscape" in css and "counter(page)" in css


def test_runner_pdf_flag(monkeypatch, tmp_path):
    """``evalkit run --pdf`` reaches run_years; without Chromium it stops before any year."""
    import argparse

    from evalkit import runner

    seen = {}
    monkeypatch.setattr(runner, "run_years", lambda *a, **kw: seen.update(kw) or 0)
    parser = argparse.ArgumentParser()
    runner.register(parser.add_subparsers())
    args = parser.parse_args(["run", "--year", "2023", "--pdf", "--data-dir", str(tmp_path)])
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "absent"))
    assert runner.handler(args) == 2 and not seen
    monkeypatch.setattr("evalkit.report.pdf.find_chromium", lambda: "/usr/bin/chromium")
    assert runner.handler(args) == 0 and seen["pdf"] is True
    args = parser.parse_args(["run", "--year", "2023", "--data-dir", str(tmp_path)])
    assert runner.handler(args) == 0 and seen["pdf"] is False
