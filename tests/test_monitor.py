"""evalkit.monitor on tiny inline frames: the cut-off at the as-of date, the forecast methods, the
warnings and their settings, the workbook (analyst entries carried over) and the page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import InputError
from evalkit.metrics import COUNTS, RATES, MetricSettings, budget_totals, petition_metrics
from evalkit.monitor import compute_monitor, parse_as_of, register_as_of, time_progress_pct
from evalkit.monitor import forecast as fc
from evalkit.monitor.alerts import gap_level
from evalkit.monitor.budget import budget_section, year_curve
from evalkit.monitor.cutoff import AsOfError, budget_as_of, month_columns, same_day
from evalkit.monitor.petitions import counts_as_of, petition_section, projection

D = pd.Timestamp
MONTHS = [f"m{m:02d}_wan" for m in range(1, 13)]


def budget_frame(months: dict[str, list[float | None]], budget=(120.0, 60.0),
                 types=("基本支出", "项目支出"), names=("工资福利", "信访专项")) -> pd.DataFrame:
    """Two lines; ``months`` maps m01_wan.. to the two lines' figures (None = blank cell)."""
    frame = pd.DataFrame({"subject_code": ["2010301", "2010308"], "subject_name": ["行政运行", "信访事务"],
                          "project_name": list(names), "expense_type": list(types),
                          "initial_budget_wan": list(budget), "adjustment_wan": [0.0, 0.0],
                          "budget_wan": list(budget)})
    for key, values in months.items():
        frame[key] = pd.array(values, dtype="float64")
    spent = frame[[k for k in MONTHS if k in frame]].fillna(0).sum(axis=1)
    frame["actual_wan"] = spent.round(6)
    return frame


def full_year(per_month=(10.0, 4.0)) -> dict[str, list[float]]:
    return {key: list(per_month) for key in MONTHS}


def case(reg, acc=None, closed=None, *, purpose="咨询类", channel="网上信访", sat="未评价",
         resolved=None, repeat=False, due=None, town="荔城街道") -> dict:
    return {"registered_on": D(reg), "accepted_on": D(acc) if acc else pd.NaT,
            "closed_on": D(closed) if closed else pd.NaT, "due_on": D(due) if due else pd.NaT,
            "extension_days": 0, "channel": channel, "purpose": purpose, "is_repeat": repeat,
            "resolved_first_time": resolved, "satisfaction": sat, "township": town,
            "responsible_unit": "区住建局", "registered_national": False, "is_litigation": False}


def register(cases: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(cases)
    frame["resolved_first_time"] = frame["resolved_first_time"].astype("boolean")
    frame["extension_days"] = frame["extension_days"].astype("Int64")
    return frame


JULY = dt.date(2023, 7, 31)
CASES = [
    # closed on time in June: closed, rated, resolved, on time
    case("2023-06-01", "2023-06-02", "2023-06-20", purpose="求决类", sat="满意", resolved=True),
    # registered before, closed after the as-of date: open at 31 July, not rated, not resolved
    case("2023-07-10", "2023-07-11", "2023-08-05", purpose="求决类", sat="满意", resolved=True),
    # overdue at 31 July (deadline 1 July), closed late in August
    case("2023-05-01", "2023-05-02", "2023-08-20", channel="来信", sat="不满意"),
    # accepted after the as-of date, registered 1 July: due for acceptance at 31 July, not timely
    case("2023-07-01", "2023-08-01", "2023-08-10"),
    # registered after the as-of date
    case("2023-08-15", "2023-08-16", "2023-08-30", channel="来访"),
]


# --------------------------------------------------------------------------- the cut-off


def test_case_registered_before_and_closed_after_the_as_of_date_is_open() -> None:
    cut = register_as_of(register(CASES), JULY)
    assert len(cut) == 4                                   # the August registration is left out
    second = cut.iloc[1]
    assert pd.isna(second["closed_on"]) and second["satisfaction"] == "未评价"
    assert pd.isna(second["resolved_first_time"])
    assert pd.isna(cut.iloc[3]["accepted_on"])             # accepted on 1 August


def test_counts_and_rates_use_only_what_was_known_on_the_date() -> None:
    counts = counts_as_of(register(CASES), 2023, JULY, MetricSettings())
    assert counts["cases"] == 4
    assert counts["closed_cases"] == 1 and counts["rated_cases"] == 1
    assert counts["qiujue_initial_closed"] == 1 and counts["qiujue_initial_resolved"] == 1
    # due for completion: the June case (closed) and the 1 May case (deadline 1 July, open)
    assert counts["due_for_completion"] == 2 and counts["completed_on_time"] == 1
    # due for acceptance: all but the 10 July case (accepted 11 July counts too): 4; timely 3
    assert counts["due_for_acceptance"] == 4 and counts["timely_accepted"] == 3
    year_end = petition_metrics(register(CASES), 2023)
    assert year_end["closed_cases"] == 5 and year_end["total_cases"] == 5


def test_petition_section_reports_small_populations_to_date_only() -> None:
    section = petition_section(register(CASES), 2023, JULY, MetricSettings())
    assert section["total_cases"] == 4
    assert section["on_time_completion_rate_pct"] == 50.0
    record = projection(section, "on_time_completion_rate_pct")
    assert record["method"] == "to_date_only" and record["projected_pct"] is None
    assert "少于30件" in record["basis"]
    big = petition_section(register(CASES), 2023, JULY, MetricSettings(monitor_min_cases=2))
    assert projection(big, "on_time_completion_rate_pct")["projected_pct"] == 50.0


def test_blank_month_column_counts_as_not_yet_reported() -> None:
    months = {"m01_wan": [10.0, 1.0], "m02_wan": [10.0, None], "m03_wan": [10.0, 2.0],
              "m04_wan": [None, None]}
    df = budget_frame(months)
    section, notes = budget_section(df, dt.date(2023, 4, 30), MetricSettings())
    assert section["spent_to_date_wan"] == 33.0            # a blank cell in a filled month is 0
    assert section["unreported_months"] == [4] and section["reported_months"] == [1, 2, 3]
    assert section["projection"]["data_through_month"] == 3
    assert section["time_progress_pct"] == 33.33           # the date decides 序时进度
    assert any("4月支出列为空" in n and "尚未填报" in n for n in notes)


def test_month_columns_after_the_as_of_month_are_left_out() -> None:
    df = budget_frame(full_year())
    cut = budget_as_of(df, 7)
    assert [c for c in cut.columns if c in MONTHS] == MONTHS[:7]
    assert cut["actual_wan"].tolist() == [70.0, 28.0]
    assert month_columns(df, 7).later == (8, 9, 10, 11, 12)


def test_spent_to_date_is_exact_to_the_cent() -> None:
    df = budget_frame({"m01_wan": [0.000001, 0.1], "m02_wan": [0.2, 0.000002]}, budget=(1.0, 1.0))
    section, _ = budget_section(df, dt.date(2023, 2, 28), MetricSettings())
    assert section["spent_to_date_wan"] == 0.3               # 0.300003 万元, printed to 2 dp
    assert budget_as_of(df, 2)["actual_wan"].tolist() == [0.200001, 0.100002]


def test_time_progress_by_months_and_by_days() -> None:
    assert time_progress_pct(JULY) == Decimal("58.33")
    assert time_progress_pct(JULY, "days") == Decimal("58.08")           # 212 / 365
    assert time_progress_pct(dt.date(2024, 12, 31), "days") == Decimal("100.00")
    section, _ = budget_section(budget_frame(full_year()), JULY,
                                MetricSettings(monitor_time_progress="days"))
    assert section["time_progress_pct"] == 58.08 and section["time_progress_mode"] == "days"


def test_as_of_dates() -> None:
    assert parse_as_of(" 2023-07-31 ", 2023) == JULY
    assert parse_as_of(None, 2023) == dt.date(2023, 12, 31)
    with pytest.raises(AsOfError, match="不在 2023 年内"):
        parse_as_of("2022-07-31", 2023)
    with pytest.raises(AsOfError, match="YYYY-MM-DD"):
        parse_as_of("31/07/2023", 2023)
    assert same_day(dt.date(2024, 2, 29), 2023) == dt.date(2023, 2, 28)
    assert same_day(dt.date(2023, 2, 28), 2024) == dt.date(2024, 2, 29)   # a month end stays one


# --------------------------------------------------------------------------- December = the year


def _year(budget: pd.DataFrame, petitions: pd.DataFrame, year: int = 2023, **department):
    return SimpleNamespace(year=year, budget=budget, petitions=petitions, self_assessment=None,
                           department={"department": "测试局", **department}, sources=[])


def test_as_of_december_equals_the_full_years_figures() -> None:
    cases = [c for c in CASES if c["closed_on"] is not pd.NaT]
    df, reg = budget_frame(full_year((9.5, 4.25))), register(cases)
    monitor = compute_monitor(_year(df, reg), dt.date(2023, 12, 31))
    totals = budget_totals(df)
    assert monitor["budget"]["spent_to_date_wan"] == float(totals["total_actual_wan"])
    assert monitor["budget"]["progress_pct"] == float(totals["execution_rate_pct"])
    assert monitor["budget"]["projected_execution_rate_pct"] == float(totals["execution_rate_pct"])
    assert monitor["budget"]["time_progress_pct"] == 100.0
    assert monitor["budget"]["projection"]["method"] == "actual"
    year = petition_metrics(reg, 2023)
    pet = monitor["petitions"]
    for name in COUNTS:
        key = "total_cases" if name == "cases" else name
        assert pet[key] == year[key], name
    for rate in RATES:
        assert pet[rate] == year[rate], rate
        assert projection(pet, rate)["to_date_pct"] == year[rate]
    assert pet["projected_total_cases"] == year["total_cases"]


# --------------------------------------------------------------------------- forecast


def curve(year: int, budget: int, monthly: list[int]) -> fc.YearCurve:
    return fc.YearCurve(year, budget, tuple(np.cumsum([0, *monthly]).tolist()))


def test_forecast_methods_by_hand() -> None:
    # earlier year: budget 1200, spent 50 a month to June, 150 a month after (1200 in all)
    earlier = curve(2022, 1200, [50] * 6 + [150] * 6)
    methods = fc.available_methods(6, [earlier])
    assert list(methods) == ["run_rate", "profile_share", "remaining_budget"]
    # this year: budget 1000, spent 240 by June
    assert methods["run_rate"].apply(240, 1000, 12) == 480                 # 240 × 12 / 6
    assert methods["profile_share"].apply(240, 1000, 12) == 960            # 240 / (300/1200)
    assert methods["remaining_budget"].apply(240, 1000, 12) == 1000        # 900 of 900 left
    half = curve(2021, 1200, [50] * 6 + [75] * 6)                          # spent 450 of 900 left
    both = fc.available_methods(6, [earlier, half])["remaining_budget"]
    assert both.apply(240, 1000, 12) == 240 + Fraction(760) * Fraction(3, 4)
    assert fc.choose(methods, "auto") == "remaining_budget"
    assert fc.choose(methods, "run_rate") == "run_rate"
    assert fc.choose(fc.available_methods(6, []), "auto") == "run_rate"   # no earlier years


def test_line_forecasts_are_capped_at_the_budget_and_add_up() -> None:
    method = fc.run_rate(2)
    lines = fc.project_lines(method, [60, 10], [100, 100])
    assert lines.by_month[12] == [100, 60] and lines.capped          # 360 capped at 100
    assert lines.total() == 160


def test_forecast_in_the_monitor_with_an_earlier_year() -> None:
    previous = budget_frame(full_year((10.0, 5.0)))                 # spent all, evenly
    df = budget_frame({k: [10.0, 2.0] for k in MONTHS[:6]})
    section, _ = budget_section(df, dt.date(2023, 6, 30), MetricSettings(),
                                [year_curve(2022, previous)])
    projection = section["projection"]
    assert projection["method"] == "remaining_budget" and projection["profile_years"] == [2022]
    rates = {m["method"]: m["projected_execution_rate_pct"] for m in projection["methods"]}
    # run-rate and profile: line 1 → 120, line 2 → 24: 144 / 180; remaining: all of it
    assert rates == {"run_rate": 80.0, "profile_share": 80.0, "remaining_budget": 100.0}
    assert (projection["band_low_pct"], projection["band_high_pct"]) == (80.0, 100.0)
    assert [row["projected_spending_wan"] for row in section["lines"]] == [120.0, 60.0]
    assert year_curve(2022, budget_frame({"m01_wan": [1.0, 1.0]})) is None   # incomplete year


# --------------------------------------------------------------------------- warnings, settings


def test_gap_levels_follow_the_settings() -> None:
    s = MetricSettings()
    assert [gap_level(g, s) for g in (-25, -20, -15, -10, -9.99, 3)] == \
        ["红", "红", "黄", "黄", "绿", "绿"]
    strict = MetricSettings.from_mapping({"monitor_gap_yellow_pp": 5, "monitor_gap_red_pp": 8})
    assert gap_level(-6, strict) == "黄" and gap_level(-8, strict) == "红"


def test_monitor_settings_are_validated_in_department_yaml() -> None:
    with pytest.raises(InputError, match="monitor_time_progress"):
        MetricSettings.from_mapping({"monitor_time_progress": "weeks"})
    with pytest.raises(InputError, match="monitor_gap_red_pp"):
        MetricSettings.from_mapping({"monitor_gap_yellow_pp": 20, "monitor_gap_red_pp": 10})
    with pytest.raises(InputError, match="monitor_min_cases"):
        MetricSettings.from_mapping({"monitor_min_cases": 0})
    with pytest.raises(InputError, match="monitor_projection"):
        MetricSettings.from_mapping({"monitor_projection": "magic"})
    assert MetricSettings.from_mapping({"monitor_gap_yellow_pp": 7.5}).monitor_gap_yellow_pp \
        == Decimal("7.5")


def _behind_monitor(**settings) -> dict:
    """Line 2 spent nothing by June; line 1 on schedule; checkpoint 6月 50% missed."""
    df = budget_frame({k: [10.0, 0.0] for k in MONTHS[:6]})
    data = _year(df, register(CASES), settings=settings or None)
    return compute_monitor(data, dt.date(2023, 6, 30))


def test_warnings_carry_level_figure_threshold_and_sentence() -> None:
    monitor = _behind_monitor()
    warnings = {w["key"]: w for w in monitor["warnings"]}
    line = warnings["budget.lines.1"]
    assert (line["level"], line["figure"], line["threshold"]) == ("红", -50.0, -20.0)
    assert "“信访专项”支出进度0.00%" in line["sentence"] and "红色预警" in line["sentence"]
    department = warnings["budget"]                          # 60 / 180 = 33.33%: 16.67 behind
    assert (department["level"], department["figure"]) == ("黄", -16.67)
    assert warnings["budget.checkpoints.6"]["level"] == "红"
    assert "budget.lines.0" not in warnings                  # a line on schedule is not listed
    assert [w["level"] for w in monitor["warnings"]] == sorted(
        (w["level"] for w in monitor["warnings"]), key="红黄绿".index)
    assert monitor["budget"]["lines"][1]["cause"] == "截至6月底尚未发生支出"


def test_thresholds_come_from_department_settings() -> None:
    relaxed = _behind_monitor(monitor_gap_yellow_pp=30, monitor_gap_red_pp=60)
    levels = {w["key"]: w["level"] for w in relaxed["warnings"]}
    assert levels["budget"] == "绿" and levels["budget.lines.1"] == "黄"
    assert relaxed["settings"]["monitor_gap_red_pp"] == 60.0


# --------------------------------------------------------------------------- workbook and page


def _sample_monitor() -> dict:
    names = ("工资福利", "<script>alert(1)</script>")
    df = budget_frame({k: [10.0, 0.0] for k in MONTHS[:7]}, names=names)
    return compute_monitor(_year(df, register(CASES)), JULY)


def test_workbook_carries_the_analysts_entries_over(tmp_path) -> None:
    import openpyxl

    from evalkit.monitor.xlsx import ENTRIES, FORM, read_analyst_entries, workbook_bytes

    monitor = _sample_monitor()
    first = tmp_path / "监控表.xlsx"
    first.write_bytes(workbook_bytes(monitor))
    wb = openpyxl.load_workbook(first)
    assert wb.sheetnames == [FORM, ENTRIES, "预警清单"]
    ws = wb[ENTRIES]
    rows = {ws.cell(r, 8).value: r for r in range(3, ws.max_row + 1)}
    line = "line:2010308|<script>alert(1)</script>"
    assert ws.cell(rows[line], 4).value == "截至7月底尚未发生支出"          # pre-filled
    ws.cell(rows[line], 4).value = "项目合同7月底才签订"                   # the analyst edits
    ws.cell(rows["budget"], 5).value = "每月调度"
    wb.save(first)
    kept = read_analyst_entries(first)
    assert kept == {line: {"cause": "项目合同7月底才签订"}, "budget": {"measure": "每月调度"}}
    second = openpyxl.load_workbook(io.BytesIO(workbook_bytes(monitor, kept)))
    ws2 = second[ENTRIES]
    assert ws2.cell(rows[line], 4).value == "项目合同7月底才签订"
    assert ws2.cell(rows[line], 6).value == "截至7月底尚未发生支出"       # the pre-fill, hidden
    assert ws2.column_dimensions["F"].hidden
    form = second[FORM]
    formulas = [c.value for row in form.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=IF(")]
    assert len(formulas) == 2 * (3 + 2)          # 合计, 2 types, 2 lines: cause + measure each
    assert read_analyst_entries(tmp_path / "missing.xlsx") == {}


def test_form_cells_show_the_entries_and_figures() -> None:
    import openpyxl

    from evalkit.monitor.xlsx import FORM, workbook_bytes

    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(_sample_monitor()))).active
    assert ws.title == FORM
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "2023年度测试局部门整体支出绩效运行监控表" in text
    assert "1–7月执行数" in text and "<script>alert(1)</script>" in text
    numbers = [c.value for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float))]
    assert 70.0 in numbers and 58.33 in numbers               # spent 70 + 0; 序时进度


def test_page_is_self_contained_and_escaped() -> None:
    from evalkit.monitor.page import render_page

    html = render_page(_sample_monitor(), b"\x89PNG\r\n\x1a\nfake")
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html
    assert 'src="data:image/png;base64,' in html and '<html lang="zh-CN">' in html
    assert "截至2023年7月31日" in html and "序时进度" in html
    assert '"Noto Sans CJK SC"' in html                       # CSS quotes are not escaped


def test_a_budget_file_without_month_columns_uses_the_stated_spending() -> None:
    df = budget_frame({})
    df["actual_wan"] = [60.0, 10.0]
    section, notes = budget_section(df, JULY, MetricSettings())
    assert section["spent_to_date_wan"] == 70.0 and section["progress"] == []
    assert section["projection"]["method"] == "run_rate"           # 70 × 12 / 7
    assert section["projected_spending_wan"] == 120.0
    assert [r["projected_spending_wan"] for r in section["lines"]] == [102.86, 17.14]
    assert any("没有月度支出数据" in n for n in notes)


def test_odd_inputs_render_without_error(tmp_path) -> None:
    """A zero-budget line, a blank 支出类型, a negative month (冲减), the statistical month and a
    leap year by days: every output is still written, and the figures stay defined where they can."""
    from evalkit.monitor import write_monitor
    from evalkit.monitor.core import CHART_FILE, PAGE_FILE, XLSX_FILE

    df = pd.concat([budget_frame({k: [10.0, -1.0 if k == "m02_wan" else 2.0] for k in MONTHS[:5]}),
                    budget_frame({k: [0.0, 0.0] for k in MONTHS[:5]}, budget=(0.0, 5.0),
                                 types=(None, "项目支出"), names=("零预算", "未启动"))],
                   ignore_index=True)
    cases = [case(f"2024-0{m}-{d:02d}", f"2024-0{m}-{d:02d}") for m in (1, 2, 3, 4, 5)
             for d in (5, 21)] + [case("2023-12-25"), case("2023-12-15")]
    data = _year(df, register(cases), year=2024,
                 settings={"statistical_month_end_day": 20, "monitor_time_progress": "days"})
    monitor = compute_monitor(data, dt.date(2024, 5, 31))
    b = monitor["budget"]
    assert b["time_progress_pct"] == 41.53                      # 152 / 366
    assert b["spent_to_date_wan"] == 57.0                       # 50 + (2 × 4 − 1)
    zero = b["lines"][2]
    assert zero["progress_pct"] is None and zero["gap_pp"] is None
    assert [r["expense_type"] for r in b["by_type"]] == ["基本支出", "项目支出", "未填写"]
    # statistical month: 25 Dec 2023 belongs to 2024, 15 Dec 2023 to 2023; 21 May (June) is
    # counted, as it was registered by 31 May
    assert monitor["petitions"]["total_cases"] == 11
    paths = write_monitor(monitor, tmp_path)
    assert all(paths[name].stat().st_size > 0 for name in (XLSX_FILE, PAGE_FILE, CHART_FILE))


@pytest.mark.parametrize("name", ["evalkit.monitor.cutoff", "evalkit.monitor.forecast",
                                  "evalkit.monitor.petitions", "evalkit.monitor.alerts",
                                  "evalkit.monitor.reasons", "evalkit.monitor.labels",
                                  "evalkit.monitor.core"])
def test_doctests(name: str) -> None:
    import doctest
    import importlib

    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.e2e
def test_analyst_entries_survive_the_batchs_staging_folder(tmp_path) -> None:
    """``evalkit run`` writes into ``<out>/.staging-…/`` and moves the year into place: the entries
    typed into ``<out>/<year>/monitoring/<date>/监控表.xlsx`` are read from there."""
    import openpyxl

    from evalkit.monitor import write_monitor
    from evalkit.monitor.xlsx import ENTRIES

    monitor = _sample_monitor()
    final = write_monitor(monitor, tmp_path)["监控表.xlsx"]
    wb = openpyxl.load_workbook(final)
    wb[ENTRIES].cell(3, 4).value = "分析员写的原因"
    wb.save(final)
    staged = write_monitor(monitor, tmp_path / ".staging-2023-x")["监控表.xlsx"]
    assert openpyxl.load_workbook(staged)[ENTRIES].cell(3, 4).value == "分析员写的原因"
    elsewhere = write_monitor(monitor, tmp_path / "other")["监控表.xlsx"]
    assert openpyxl.load_workbook(elsewhere)[ENTRIES].cell(3, 4).value != "分析员写的原因"
