"""Headless Chromium opens the 2023 report from disk: no network, no console errors, headings.

Uses Debian's /usr/bin/chromium through the playwright Python package (no downloaded browser).
Without Chromium the test is skipped, unless EVALKIT_REQUIRE_BROWSER=1 (set by CI), where it fails.
The full-page screenshot goes to tests/_artifacts/report_2023.png (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_report_batch import Batch

CHROMIUM = Path(os.environ.get("EVALKIT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HEADINGS = ["一、部门基本情况", "二、绩效自评情况", "三、存在的主要问题", "四、下一步改进措施"]


def _require_browser():
    """Return playwright's sync_playwright, or skip (fail when EVALKIT_REQUIRE_BROWSER=1)."""
    required = os.environ.get("EVALKIT_REQUIRE_BROWSER") == "1"
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        problem = f"playwright is not installed ({exc})"
    if problem is None and not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    if problem:
        if required:
            pytest.fail(f"EVALKIT_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    return sync_playwright


def test_report_in_headless_chromium(batch: Batch) -> None:
    sync_playwright = _require_browser()
    report = batch.report(2023).resolve()
    assert report.is_file(), batch.log
    requests: list[str] = []
    console: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file://", "data:")) else route.abort())
            page.goto(report.as_uri(), wait_until="load")
            headings = page.locator("h2").all_inner_texts()
            title = page.locator("h1").inner_text()
            lang = page.evaluate("document.documentElement.lang")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            broken_anchors = page.evaluate("""Array.from(document.querySelectorAll('a[href^="#"]'))
                .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length""")
            body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report_2023.png"), full_page=True)
            pdf_ok = True
            try:
                pdf = page.pdf(format="A4", print_background=True)
                pdf_ok = pdf.startswith(b"%PDF")
            except Exception:  # noqa: BLE001 - print preview is informative only
                pass
        finally:
            browser.close()
    assert requests == [report.as_uri()], f"network requests: {requests}"
    assert not console and not errors, console + errors
    for heading in HEADINGS:
        assert heading in headings, headings
    assert title == "2023年度广州市增城区信访局整体支出绩效自评报告"
    assert lang == "zh-CN"
    assert images and all(ok and width > 0 for ok, width in images), images
    assert broken_anchors == 0
    assert "Noto" in body_font or "Song" in body_font or "SimSun" in body_font, body_font
    assert pdf_ok
    assert (ARTIFACTS / "report_2023.png").stat().st_size > 100_000
