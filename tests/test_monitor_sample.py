"""``evalkit monitor`` end to end on the bundled sample, on a partial year, and in the batch.

The figures are checked against the raw spreadsheets read independently with openpyxl (not
through evalkit's loader), and the year-end run against the year's own metrics.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from evalkit.cli import main
from evalkit.monitor import CHART_FILE, MONITOR_FILE, PAGE_FILE, XLSX_FILE, monitor_dir

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
JULY = dt.date(2023, 7, 31)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("monitor")
    return {"processed": base / "processed", "out": base / "outputs", "base": base}


def _run(work: dict[str, Path], *args: str, raw: Path = RAW) -> int:
    return main(["monitor", *args, "--data-dir", str(raw), "--processed-dir",
                 str(work["processed"]), "--out-dir", str(work["out"])])


def _read(work: dict[str, Path], as_of: dt.date, year: int = 2023) -> dict:
    return json.loads((monitor_dir(work["out"], year, as_of) / MONITOR_FILE).read_text("utf-8"))


def _sheet_rows(path: Path, header: str) -> tuple[dict[str, int], list[tuple]]:
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if header in r)
    return {h: i for i, h in enumerate(rows[at]) if h}, rows[at + 1:]


def _raw_budget_months(year: int, months: range) -> float:
    """Sum of the month columns of the raw budget.xlsx (元 → 万元), lines only."""
    cols, rows = _sheet_rows(RAW / str(year) / "budget.xlsx", "功能分类科目编码")
    total = 0
    for row in rows:
        if str(row[cols["功能分类科目编码"]] or "").isdigit():
            total += sum(round(float(row[cols[f"{m}月"]] or 0) * 100) for m in months)
    return total / 1_000_000                                   # 分 → 万元


def _raw_cases_by(day: dt.date) -> int:
    cols, rows = _sheet_rows(RAW / str(day.year) / "petitions.xlsx", "信访件编号")
    return sum(1 for r in rows if r[cols["信访件编号"]]
               and dt.date(day.year, 1, 1) <= r[cols["登记日期"]].date() <= day
               and r[cols["是否涉法涉诉"]] != "是")


@pytest.mark.e2e
def test_july_on_the_sample(work, capsys) -> None:
    assert _run(work, "--year", "2023", "--as-of", "2023-07-31") == 0
    printed = capsys.readouterr().out
    assert "支出进度 52.70%" in printed and "序时进度 58.33%" in printed
    folder = monitor_dir(work["out"], 2023, JULY)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MONITOR_FILE, XLSX_FILE, PAGE_FILE, CHART_FILE])        # no temporary file left
    m = _read(work, JULY)
    b = m["budget"]
    assert m["as_of"] == "2023-07-31"
    assert b["spent_to_date_wan"] == round(_raw_budget_months(2023, range(1, 8)), 2) == 412.76
    assert b["time_progress_pct"] == 58.33
    assert b["gap_pp"] == round(b["progress_pct"] - 58.33, 2)
    assert m["petitions"]["total_cases"] == _raw_cases_by(JULY) == 1740
    assert b["projection"]["profile_years"] == [2022, 2021]
    low, high = b["projection"]["band_low_pct"], b["projection"]["band_high_pct"]
    assert low <= b["projected_execution_rate_pct"] <= high
    assert {"红", "黄", "绿"} >= {w["level"] for w in m["warnings"]}
    assert all(w["sentence"] and "threshold" in w and "figure" in w for w in m["warnings"])
    assert m["score"]["projected_total"] is not None and m["score"]["losing"]
    html = (folder / PAGE_FILE).read_text("utf-8")
    assert "<script" not in html and "http" not in html and "1–7月" in html


@pytest.mark.e2e
def test_december_gives_the_years_own_figures(work) -> None:
    from evalkit.pipeline import build_year

    assert _run(work, "--year", "2023", "--as-of", "2023-12-31") == 0
    m = _read(work, dt.date(2023, 12, 31))
    year = build_year(2023, RAW, work["processed"], work["base"] / "annual", write=False)
    assert m["budget"]["progress_pct"] == year["budget"]["execution_rate_pct"] == 98.95
    assert m["budget"]["projected_execution_rate_pct"] == 98.95
    assert m["petitions"]["total_cases"] == year["petitions"]["total_cases"] == 3000
    for key in ("online_share_pct", "first_time_resolution_rate_pct", "satisfaction_rate_pct",
                "on_time_completion_rate_pct", "national_initial_qiujue_yoy_pct"):
        assert m["petitions"][key] == year["petitions"][key], key
    assert m["score"]["projected_total"] == year["score"]["total"]


def _partial_copy(tmp: Path, as_of: dt.date) -> Path:
    """The sample with 2023 as a department would hold it on ``as_of``: later month columns blank,
    实际支出数 = spending to date, the register without later registrations or later outcomes."""
    raw = tmp / "raw"
    shutil.copytree(RAW, raw)
    wb = openpyxl.load_workbook(raw / "2023" / "budget.xlsx")
    ws = wb.worksheets[0]
    head = {c.value: c.column for c in ws[3] if c.value}
    for r in range(4, ws.max_row + 1):
        if not str(ws.cell(r, 1).value or "").isdigit():
            continue
        ws.cell(r, head["实际支出数"]).value = round(sum(
            float(ws.cell(r, head[f"{m}月"]).value or 0) for m in range(1, as_of.month + 1)), 2)
        for m in range(as_of.month + 1, 13):
            ws.cell(r, head[f"{m}月"]).value = None
    wb.save(raw / "2023" / "budget.xlsx")
    wb = openpyxl.load_workbook(raw / "2023" / "petitions.xlsx")
    ws = wb.worksheets[0]
    head = {c.value: c.column - 1 for c in ws[2] if c.value}
    limit = dt.datetime.combine(as_of, dt.time())
    kept = []
    for values in ws.iter_rows(min_row=3, values_only=True):
        row = list(values)
        if row[head["登记日期"]] > limit:
            continue
        if (row[head["办结日期"]] or limit) > limit:
            for name in ("办结日期", "是否一次性化解", "满意度评价"):
                row[head[name]] = None
        if (row[head["受理日期"]] or limit) > limit:
            row[head["受理日期"]] = None
        kept.append(row)
    ws.delete_rows(3, ws.max_row)
    for row in kept:
        ws.append(row)
    wb.save(raw / "2023" / "petitions.xlsx")
    return raw


@pytest.mark.e2e
def test_a_partial_year_gives_the_same_figures_as_the_complete_one(work, tmp_path) -> None:
    from evalkit.monitor import build_monitor

    raw = _partial_copy(tmp_path, JULY)
    partial = build_monitor(2023, "2023-07-31", raw, tmp_path / "processed")
    complete = build_monitor(2023, "2023-07-31", RAW, work["processed"])
    for key in ("spent_to_date_wan", "progress_pct", "gap_pp", "projected_execution_rate_pct",
                "lines", "by_type", "progress", "checkpoints"):
        assert partial["budget"][key] == complete["budget"][key], key
    for key, value in complete["petitions"].items():
        assert partial["petitions"][key] == value, key
    assert partial["score"]["projected_total"] == complete["score"]["projected_total"]
    assert not partial["notes"]                                 # nothing after the date to drop
    assert complete["notes"] and "8–12月" in complete["notes"][0]
    # the month column of the as-of month itself blank: not yet reported, and said so
    august = build_monitor(2023, "2023-08-31", raw, tmp_path / "processed")
    assert august["budget"]["unreported_months"] == [8]
    assert august["budget"]["spent_to_date_wan"] == complete["budget"]["spent_to_date_wan"]
    assert august["budget"]["time_progress_pct"] == 66.67
    assert any("8月支出列为空" in n for n in august["notes"])
    assert "8月支出尚未填报" in august["budget"]["cause"]


@pytest.mark.e2e
def test_rerun_keeps_the_analysts_entries_and_a_failed_run_changes_nothing(work, monkeypatch
                                                                            ) -> None:
    from evalkit.monitor import page
    from evalkit.monitor.xlsx import ENTRIES

    folder = monitor_dir(work["out"], 2023, JULY)
    if not folder.is_dir():
        assert _run(work, "--year", "2023", "--as-of", "2023-07-31") == 0
    wb = openpyxl.load_workbook(folder / XLSX_FILE)
    ws = wb[ENTRIES]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 8).value == "budget")
    ws.cell(row, 4).value = "上半年项目招标延后（分析员填写）"
    wb.save(folder / XLSX_FILE)
    assert _run(work, "--year", "2023", "--as-of", "2023-07-31") == 0
    ws = openpyxl.load_workbook(folder / XLSX_FILE)[ENTRIES]
    assert ws.cell(row, 4).value == "上半年项目招标延后（分析员填写）"

    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*_args, **_kwargs):
        raise RuntimeError("render failed")

    monkeypatch.setattr(page, "render_page", broken)
    with pytest.raises(RuntimeError):
        _run(work, "--year", "2023", "--as-of", "2023-07-31")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_cli_errors_are_located_and_bilingual(work, capsys, sample_raw_copy) -> None:
    assert _run(work, "--year", "2023", "--as-of", "2024-07-31") == 2
    assert "不在 2023 年内" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(work, "--year", "2023", "--as-of", "31.07.2023")
    assert "YYYY-MM-DD" in capsys.readouterr().err
    (sample_raw_copy / "2023" / "petitions.xlsx").write_bytes(b"not a workbook")
    assert _run(work, "--year", "2023", "--as-of", "2023-07-31", raw=sample_raw_copy) == 1
    err = capsys.readouterr().err
    assert "petitions.xlsx" in err and "Traceback" not in err


@pytest.mark.e2e
def test_backtest_on_the_sample(capsys, work) -> None:
    from evalkit.monitor.backtest import backtest

    table = backtest([2022, 2023], RAW, work["processed"])
    assert len(table) == 24 and set(table["primary"]) == {"remaining_budget", "actual"}
    december = table[table["month"] == 12]
    assert (december["error_pp"] == 0).all()
    assert december["real_pct"].tolist() == [98.56, 98.95]
    # measured on the sample (docs/monitoring.md): the default method stays within 1 point
    assert table["error_pp"].abs().max() < 1.0
    assert main(["monitor", "--backtest", "2023", "--processed-dir", str(work["processed"])]) == 0
    printed = capsys.readouterr().out
    assert "| 2023 | 7月底 | 98.95% | 98.04%（历年剩余预算支出率） | -0.91 |" in printed


def test_the_annual_batch_runs_the_monitor_as_of_the_year_end(batch) -> None:
    from test_report_batch import GOOD_YEARS

    for year in GOOD_YEARS:
        folder = monitor_dir(batch.out, year, dt.date(year, 12, 31))
        m = json.loads((folder / MONITOR_FILE).read_text("utf-8"))
        metrics = json.loads((batch.out / str(year) / "metrics.json").read_text("utf-8"))
        assert m["petitions"]["total_cases"] == metrics["petitions"]["total_cases"]
        assert m["budget"]["progress_pct"] == metrics["budget"]["execution_rate_pct"]
        assert (folder / XLSX_FILE).is_file() and (folder / PAGE_FILE).is_file()
