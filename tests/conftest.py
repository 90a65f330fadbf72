"""Shared fixtures (paths of the bundled sample data, scratch copies of it) and the test tiers.

Two tiers (``python3 tasks.py test`` / ``make test`` runs the fast one first, then the other):

* **fast** (``-m "not e2e"``): units and small integrations, under a minute on a 2-core machine;
* **e2e** (``-m e2e``): whole notebooks, the batch, subprocesses, a browser, chart rendering and
  the complete sample years. A test is e2e when its module is in :data:`E2E_MODULES`, when it
  uses a fixture of :data:`E2E_FIXTURES`, or when it carries ``@pytest.mark.e2e`` (tests measured
  at 0.6 s or more with ``--durations``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture
def sample_raw_copy(tmp_path: Path) -> Path:
    """A scratch copy of data/raw (all sample years), safe to alter in a test."""
    dst = tmp_path / "raw"
    shutil.copytree(RAW, dst)
    return dst


@dataclass
class SampleBuild:
    """The bundled sample years built once per session by ``pipeline.build_year`` (metrics.json,
    scorecard.xlsx in ``out``). Read only: a test that writes builds its own."""

    processed: Path
    out: Path
    raw: Path = RAW
    _json: dict[int, str] = field(default_factory=dict)

    def metrics(self, year: int) -> dict:
        """A fresh copy of ``year``'s metrics dict (built on first use)."""
        from evalkit.pipeline import build_year

        if year not in self._json:
            self._json[year] = json.dumps(build_year(year, self.raw, self.processed, self.out),
                                          ensure_ascii=False)
        return json.loads(self._json[year])


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """The sample years built once per session (see :class:`SampleBuild`)."""
    base = tmp_path_factory.mktemp("sample-build")
    return SampleBuild(base / "processed", base / "outputs")


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory):
    """The batch of the sample years, run once per session (see ``test_report_batch``)."""
    from test_report_batch import sample_batch

    return sample_batch(tmp_path_factory)


E2E_MODULES = frozenset({
    "test_browser", "test_notebooks", "test_papermill_cli", "test_report_batch", "test_report_pdf",
    "test_runner", "test_runner_isolation",
})
"""Modules whose every test runs notebooks, the batch, a browser or a kernel."""
E2E_FIXTURES = frozenset({"batch"})
"""Fixtures that run the whole batch of the sample years (once per session)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the end-to-end tier (see the module docstring)."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in E2E_MODULES or E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
