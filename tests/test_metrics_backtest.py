"""Back-test on the bundled sample data (data/raw/2021–2023).

2023 must give the reference report's figures. 2021 and 2022 (and the rest of 2023) are compared
with the committed expected files ``tests/expected/metrics_<year>.json``. After a deliberate change
of a definition or of the sample data, regenerate them and review the diff::

    EVALKIT_REGEN_EXPECTED=1 .venv/bin/python -m pytest tests/test_metrics_backtest.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evalkit.metrics.core import metrics_json

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
EXPECTED = Path(__file__).resolve().parent / "expected"
YEARS = (2021, 2022, 2023)
REGEN = os.environ.get("EVALKIT_REGEN_EXPECTED") == "1"

pytestmark = pytest.mark.skipif(
    not all((RAW / str(y) / "petitions.xlsx").exists() for y in YEARS),
    reason="sample data data/raw/2021-2023 not generated")


def headline(metrics: dict) -> dict:
    """The frozen part of a metrics dict: every scalar of budget/petitions, 同比 and peers."""
    scalars = {section: {k: v for k, v in metrics[section].items()
                         if not isinstance(v, (list, dict))}
               for section in ("budget", "petitions")}
    return {"year": metrics["year"], **scalars,
            "checkpoints": metrics["budget"]["checkpoints"],
            "by_channel": metrics["petitions"]["by_channel"],
            "peers": metrics["peers"], "yoy": metrics["yoy"], "history": metrics["history"]}


@pytest.fixture(scope="module")
def built(sample_build) -> dict[int, dict]:
    return {y: sample_build.metrics(y) | {"_out": sample_build.out} for y in YEARS}


def test_2023_gives_the_reference_report_figures(built):
    m = built[2023]
    b, p = m["budget"], m["petitions"]
    assert b["execution_rate_pct"] == 98.95
    assert (b["basic_actual_wan"], b["project_actual_wan"]) == (580.13, 194.77)
    assert (b["total_budget_wan"], b["total_actual_wan"]) == (783.16, 774.90)
    assert p["first_time_resolution_rate_pct"] == 98.10
    assert p["online_share_pct"] == 88.67
    assert p["satisfaction_rate_pct"] == 99.84
    assert p["national_initial_qiujue_yoy_pct"] == -43.21
    assert p["national_initial_qiujue_rank"] == 3
    assert m["yoy_text"]["petitions.national_initial_qiujue_count"] == "下降43.21%"


def test_metrics_json_written(built):
    path = built[2023]["_out"] / "2023" / "metrics.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["petitions"]["online_share_pct"] == 88.67
    assert [h["year"] for h in data["history"]] == [2021, 2022, 2023]


@pytest.mark.parametrize("year", YEARS)
def test_matches_committed_expected_values(built, year):
    got = json.loads(metrics_json(headline(built[year])))
    path = EXPECTED / f"metrics_{year}.json"
    if REGEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(metrics_json(got), encoding="utf-8")
    assert path.exists(), f"{path} missing: run with EVALKIT_REGEN_EXPECTED=1"
    assert got == json.loads(path.read_text(encoding="utf-8"))
