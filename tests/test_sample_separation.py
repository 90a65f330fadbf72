"""Sample and real data never mix: a real year takes no 同比 or history from a sample year."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from evalkit import pipeline, report
from evalkit.workpapers import Workpapers, resolve_dirs

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
CHANGE = re.compile(r"同比(增长|下降|提高|降低)")


def _copy(tmp: Path, real: dict[int, bool], settings: str = "") -> Path:
    """Copy sample years into ``tmp/raw``; ``real[year]`` True marks that year as real data."""
    raw = tmp / "raw"
    for year, is_real in real.items():
        shutil.copytree(RAW / str(year), raw / str(year))
        if is_real:
            dept = raw / str(year) / "department.yaml"
            text = dept.read_text(encoding="utf-8").replace("sample: true", "sample: false")
            dept.write_text(text + settings, encoding="utf-8")
    return raw


@pytest.mark.e2e
def test_a_real_year_beside_a_sample_year_warns_and_has_no_yoy(tmp_path, caplog):
    raw = _copy(tmp_path, {2022: False, 2023: True})
    with caplog.at_level(logging.WARNING, logger="evalkit.pipeline"):
        metrics = pipeline.build_year(2023, raw, tmp_path / "p", tmp_path / "o")
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert "2022年为示例数据" in warning and "2022: sample data" in warning
    assert set(metrics["yoy"].values()) == {None}
    assert set(metrics["yoy_text"].values()) == {"无上年数据"}
    assert [h["year"] for h in metrics["history"]] == [2023]
    html = report.render_report(metrics, pipeline.load_department(2023, raw), {}, {"year": 2023})
    # the only change the report states is the district's own peers.xlsx count (this year's file)
    changes = [html[m.start() - 40:m.end()] for m in CHANGE.finditer(html)]
    assert all("国家信访局登记求决类初次信访事项" in c for c in changes), changes
    assert "无上年数据" in html
    wp = Workpapers(2023, resolve_dirs(raw, tmp_path / "p", tmp_path / "o"), metrics)
    assert wp.previous is None and "2022年为示例数据" in wp.previous_note()
    assert set(wp.table("yoy_budget").frame["text"]) == {"无上年数据"}


@pytest.mark.e2e
def test_the_sample_itself_still_compares_with_the_sample(tmp_path, caplog):
    raw = _copy(tmp_path, {2022: False, 2023: False})
    with caplog.at_level(logging.WARNING, logger="evalkit.pipeline"):
        metrics = pipeline.build_year(2023, raw, tmp_path / "p", tmp_path / "o")
    assert not caplog.records
    assert metrics["yoy_text"]["budget.total_actual_wan"].startswith(("增长", "下降"))
    assert [h["year"] for h in metrics["history"]] == [2022, 2023]


@pytest.mark.e2e
def test_a_sample_year_never_compares_with_real_data_either(tmp_path, caplog):
    raw = _copy(tmp_path, {2021: False, 2022: True, 2023: False})
    with caplog.at_level(logging.WARNING, logger="evalkit.pipeline"):
        metrics = pipeline.build_year(2023, raw, tmp_path / "p", tmp_path / "o")
    assert "2022年为真实数据" in caplog.text
    assert [h["year"] for h in metrics["history"]] == [2021, 2023]
    assert set(metrics["yoy"].values()) == {None}                  # 2022 is the previous year


@pytest.mark.e2e
def test_the_setting_compares_them_anyway(tmp_path, caplog):
    raw = _copy(tmp_path, {2022: False, 2023: True},
                settings="\nsettings:\n  compare_with_sample: true\n")
    assert (raw / "2023" / "department.yaml").read_text(encoding="utf-8").count("settings:") == 1
    with caplog.at_level(logging.WARNING, logger="evalkit.pipeline"):
        metrics = pipeline.build_year(2023, raw, tmp_path / "p", tmp_path / "o")
    assert not caplog.records
    assert metrics["yoy"]["budget.total_actual_wan"] is not None


@pytest.mark.parametrize("flag, expected", [(True, [2021, 2022]), (False, [])])
def test_comparable_years_reads_only_department_files(tmp_path, flag, expected):
    raw = tmp_path / "raw"
    for year in (2021, 2022):
        (raw / str(year)).mkdir(parents=True)
        (raw / str(year) / "department.yaml").write_text(
            f"department: 甲局\nsample: {'true' if flag else 'false'}\n", encoding="utf-8")
    assert pipeline.comparable_years(2023, {"sample": True}, raw, warn=False) == expected
