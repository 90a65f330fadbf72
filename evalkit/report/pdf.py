"""A PDF copy of the HTML report, printed by headless Chromium (the page's own print stylesheet).

Chromium is found as ``$EVALKIT_CHROMIUM``, else ``chromium`` / ``chromium-browser`` /
``google-chrome`` on the ``PATH`` (Debian: ``apt-get install chromium fonts-noto-cjk``). The page is
printed from disk with no network and no script (the report has none), with a throw-away profile,
to a temporary file moved into place only when Chromium succeeded: a failed print never leaves a
half-written PDF. Paper, margins and page numbers come from the report's ``@page`` rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from evalkit.fsutil import atomic_path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 180  # seconds


class PdfError(RuntimeError):
    """The PDF could not be printed (no Chromium, Chromium failed or timed out)."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$EVALKIT_CHROMIUM`` when set, else the first on the PATH."""
    given = os.environ.get("EVALKIT_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(html: Path, target: Path, profile: Path) -> list[str]:
    """The command-line flags of one headless print (no network, no extensions, no header)."""
    args = ["--headless", "--disable-gpu", "--disable-extensions", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-pdf-header-footer", "--hide-scrollbars", f"--user-data-dir={profile}",
            f"--print-to-pdf={target}", html.resolve().as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")     # Chromium refuses to run as root with its sandbox
    return args


def html_to_pdf(html: Path | str, pdf: Path | str, chromium: str | None = None,
                timeout: int = TIMEOUT) -> Path:
    """Print the HTML file ``html`` to ``pdf`` (atomically) and return the PDF's path.

    Raises:
        PdfError: with a Chinese and English message when Chromium is missing or fails.
    """
    exe = chromium or find_chromium()
    if not exe:
        raise PdfError("未找到 Chromium，无法生成 PDF（请安装 chromium 或设置 EVALKIT_CHROMIUM）/ "
                       "Chromium not found: install chromium or set EVALKIT_CHROMIUM")
    html, pdf = Path(html), Path(pdf)
    with tempfile.TemporaryDirectory(prefix="evalkit-chromium-") as profile, \
            atomic_path(pdf) as tmp:
        try:
            done = subprocess.run([exe, *chromium_args(html, Path(tmp), Path(profile))],
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"Chromium 打印 PDF 失败 / Chromium failed: {exc}") from exc
        if done.returncode != 0 or not _is_pdf(Path(tmp)):
            tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise PdfError(f"Chromium 打印 PDF 失败 / Chromium failed: {tail[0]}")
    return pdf


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False
