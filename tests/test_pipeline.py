"""build_year and the ``evalkit metrics`` command on a scratch copy of the sample data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from evalkit import pipeline
from evalkit.errors import InputError
from evalkit.metrics import cli as metrics_cli

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
pytestmark = pytest.mark.skipif(not (RAW / "2023" / "petitions.xlsx").exists(),
                                reason="sample data not generated")


class FakeResult:
    def to_json(self) -> dict:
        return {"framework": "fake", "total": 92.1, "max": 100, "grade": "优"}


@pytest.fixture
def fake_scoring(monkeypatch):
    calls: dict = {}

    def score_year(metrics, self_assessment, framework):
        calls["scored"] = (metrics["year"], framework)
        return FakeResult()

    def write_scorecard(result, path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(b"xlsx")
        calls["scorecard"] = Path(path)
        return Path(path)

    module = SimpleNamespace(load_framework=lambda name: f"fw:{name}", score_year=score_year,
                             write_scorecard=write_scorecard)
    monkeypatch.setattr(pipeline, "_scoring", lambda: module)
    return calls


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="evalkit")
    metrics_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_available_years(sample_raw_copy):
    assert pipeline.available_years(sample_raw_copy) == [2021, 2022, 2023]


def test_build_year_scores_and_writes(sample_raw_copy, tmp_path, fake_scoring):
    out = tmp_path / "out"
    m = pipeline.build_year(2023, sample_raw_copy, tmp_path / "processed", out)
    assert m["score"]["total"] == 92.1
    assert fake_scoring["scored"] == (2023, "fw:guangzhou_district")
    assert fake_scoring["scorecard"] == out / "2023" / "scorecard.xlsx"
    written = json.loads((out / "2023" / "metrics.json").read_text(encoding="utf-8"))
    assert written["score"]["grade"] == "优"
    assert written["petitions"]["national_initial_qiujue_rank"] == 3


def test_first_year_has_no_previous(sample_raw_copy, tmp_path, fake_scoring):
    m = pipeline.build_year(2021, sample_raw_copy, tmp_path / "p", tmp_path / "o", write=False)
    assert all(v is None for v in m["yoy"].values())
    assert [h["year"] for h in m["history"]] == [2021]
    assert not (tmp_path / "o").exists()


def test_metrics_command_with_other_folders(sample_raw_copy, tmp_path, fake_scoring, capsys):
    out = tmp_path / "elsewhere"
    code = run_cli(["metrics", "--years", "2022-2023", "--data-dir", str(sample_raw_copy),
                    "--processed-dir", str(tmp_path / "proc"), "--out-dir", str(out)])
    assert code == 0
    assert (out / "2022" / "metrics.json").exists() and (out / "2023" / "metrics.json").exists()
    text = capsys.readouterr().out
    assert "98.95%" in text and "88.67%" in text and "同比下降43.21%" in text


def test_bad_input_raises_located_error(sample_raw_copy, tmp_path, fake_scoring):
    (sample_raw_copy / "2023" / "petitions.xlsx").unlink()
    with pytest.raises(InputError) as err:
        run_cli(["metrics", "--year", "2023", "--data-dir", str(sample_raw_copy),
                 "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert "petitions" in str(err.value)
    assert not (tmp_path / "o" / "2023" / "metrics.json").exists()


def test_main_cli_exit_code_1_on_bad_input(sample_raw_copy, tmp_path, fake_scoring, capsys):
    cli = pytest.importorskip("evalkit.cli")
    try:
        cli.build_parser()
    except ImportError as exc:          # another area's command not written yet
        pytest.skip(f"evalkit.cli not complete: {exc}")
    (sample_raw_copy / "2023" / "petitions.xlsx").unlink()
    code = cli.main(["metrics", "--year", "2023", "--data-dir", str(sample_raw_copy),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert code == 1
    assert "petitions" in capsys.readouterr().err


def test_parse_years():
    assert metrics_cli.parse_years("2021-2023") == [2021, 2022, 2023]
    assert metrics_cli.parse_years("2023,2021") == [2021, 2023]
    with pytest.raises(argparse.ArgumentTypeError):
        metrics_cli.parse_years("2023-2021")
