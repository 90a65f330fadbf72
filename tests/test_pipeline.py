"""build_year and the ``evalkit metrics`` command on a scratch copy of the sample data."""

from __future__ import annotations

import argparse
import json

import pytest
import yaml

from evalkit import pipeline
from evalkit.errors import InputError
from evalkit import years
from evalkit.commands import metrics as metrics_cli

def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="evalkit")
    metrics_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_available_years(sample_raw_copy):
    assert years.available_years(sample_raw_copy) == [2021, 2022, 2023]


@pytest.mark.e2e
def test_build_year_scores_and_writes(sample_raw_copy, tmp_path):
    out = tmp_path / "out"
    m = pipeline.build_year(2023, sample_raw_copy, tmp_path / "processed", out)
    assert m["score"]["total"] == 92.1
    assert m["score"]["framework"] == "guangzhou_district"
    assert (out / "2023" / "scorecard.xlsx").stat().st_size > 0
    written = json.loads((out / "2023" / "metrics.json").read_text(encoding="utf-8"))
    assert written["score"]["grade"] == "优"
    assert written["petitions"]["national_initial_qiujue_rank"] == 3


@pytest.mark.e2e
def test_department_text_reaches_the_problems(sample_raw_copy, tmp_path):
    dept = sample_raw_copy / "2023" / "department.yaml"
    profile = yaml.safe_load(dept.read_text(encoding="utf-8"))
    profile["problems_extra"] = ["分析员补充的问题。"]
    dept.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    m = pipeline.build_year(2023, sample_raw_copy, tmp_path / "p", tmp_path / "o", write=False)
    assert "分析员补充的问题。" in m["score"]["problems"]


def test_first_year_has_no_previous(sample_raw_copy, tmp_path):
    m = pipeline.build_year(2021, sample_raw_copy, tmp_path / "p", tmp_path / "o", write=False)
    assert all(v is None for v in m["yoy"].values())
    assert [h["year"] for h in m["history"]] == [2021]
    assert not (tmp_path / "o").exists()


@pytest.mark.e2e
def test_metrics_command_with_other_folders(sample_raw_copy, tmp_path, capsys):
    out = tmp_path / "elsewhere"
    code = run_cli(["metrics", "--years", "2022-2023", "--data-dir", str(sample_raw_copy),
                    "--processed-dir", str(tmp_path / "proc"), "--out-dir", str(out)])
    assert code == 0
    assert (out / "2022" / "metrics.json").exists() and (out / "2023" / "metrics.json").exists()
    text = capsys.readouterr().out
    assert "98.95%" in text and "88.67%" in text and "同比下降43.21%" in text


def test_bad_input_raises_located_error(sample_raw_copy, tmp_path):
    (sample_raw_copy / "2023" / "petitions.xlsx").unlink()
    with pytest.raises(InputError) as err:
        run_cli(["metrics", "--year", "2023", "--data-dir", str(sample_raw_copy),
                 "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert "petitions" in str(err.value)
    assert not (tmp_path / "o" / "2023" / "metrics.json").exists()


def test_main_cli_exit_code_1_on_bad_input(sample_raw_copy, tmp_path, capsys):
    from evalkit import cli
    (sample_raw_copy / "2023" / "petitions.xlsx").unlink()
    code = cli.main(["metrics", "--year", "2023", "--data-dir", str(sample_raw_copy),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert code == 1
    assert "petitions" in capsys.readouterr().err


def test_parse_years():
    assert years.parse_years("2021-2023") == [2021, 2022, 2023]
    assert years.parse_years("2023,2021") == [2021, 2023]
    with pytest.raises(years.YearsError):
        years.parse_years("2023-2021")
    with pytest.raises(argparse.ArgumentTypeError, match="bad year"):
        metrics_cli._years_arg("2023-2021")


@pytest.mark.e2e
def test_build_report_makes_the_report_without_a_notebook(sample_raw_copy, tmp_path):
    out = tmp_path / "out"
    written = pipeline.build_report(2023, sample_raw_copy, tmp_path / "processed", out)
    html = written["html"].read_text(encoding="utf-8")
    assert written["html"] == out / "2023" / "report.html"
    assert "2023年度" in html and "98.95%" in html and "92.10" in html
    assert html.count("data:image/png;base64,") >= 5          # charts embedded
    assert sorted(p.name for p in written["charts"].glob("*.png"))  # and saved beside it


def test_code_digest_reads_files_only_and_ignores_bytecode(tmp_path, monkeypatch) -> None:
    """An installed package has __pycache__ folders beside the catalogue YAML; the digest of the
    code that decides the metrics must neither crash on them nor change with them."""
    import shutil

    from evalkit import pipeline
    from evalkit.config import PACKAGE_DIR

    copy = tmp_path / "evalkit"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(pipeline, "PACKAGE_DIR", copy)
    clean = pipeline.code_digest()
    for sub in ("catalogue", "io", ""):
        (copy / sub / "__pycache__").mkdir(exist_ok=True)
        (copy / sub / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00bytecode")
    assert pipeline.code_digest() == clean
    (copy / "catalogue" / "metrics.yaml").write_text("changed", encoding="utf-8")
    assert pipeline.code_digest() != clean
