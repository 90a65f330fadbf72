"""evalkit.workpapers: parameter guard, folders, drill-down lists, 同比 flags, tables, 底稿.xlsx."""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evalkit import catalogue, config, pipeline
from evalkit.metrics.petitions import RATES
from evalkit.metrics.settings import MetricSettings
from evalkit.schema import PERSONAL_KEYS
from evalkit.workpapers import ParameterError, Workpapers, check_parameters, resolve_dirs
from evalkit.workpapers import compare, drilldown, params, xlsx
from evalkit.workpapers.registry import TABLES
from evalkit.workpapers.tables import cell_text, header

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-4]_*.ipynb"))


# --------------------------------------------------------------------------- parameter guard

PARAMETERS_CELL = 'year: int = 2023  # 年度\ndata_dir: str = ""  # 数据\nout_dir: str = ""  # 输出'


def test_a_misspelled_parameter_stops_the_notebook_with_a_bilingual_hint():
    history = ["", PARAMETERS_CELL, '# Parameters\nyeer = 2022\n']
    with pytest.raises(ParameterError) as info:
        check_parameters({"In": history, "__annotations__": {}})
    text = str(info.value)
    assert "未声明的笔记本参数" in text and "unknown notebook parameter" in text
    assert "yeer → year?" in text and "nothing was read or written" in text
    assert info.value._render_traceback_() == [f"ParameterError: {text}"]   # no stack dump


def test_declared_parameters_pass_and_no_injection_is_not_checked():
    ok = ["", PARAMETERS_CELL, '# Parameters\nyear = 2022\ndata_dir = "/x"\n']
    check_parameters({"In": ok, "__annotations__": {}})
    check_parameters({"In": ["", PARAMETERS_CELL, "wp = 1"], "__annotations__": {}})
    check_parameters({})                                   # outside a kernel: nothing to check


def test_declared_names_also_come_from_the_annotations():
    """Cells run out of order in JupyterLab: the annotations still know the parameters."""
    history = ["", PARAMETERS_CELL, "x = 1", '# Parameters\nyear = 2022\n']
    check_parameters({"In": history, "__annotations__": {"year": int}})
    with pytest.raises(ParameterError, match="nothing_like_it"):
        check_parameters({"In": history + ['# Parameters\nnothing_like_it = 1\n'],
                          "__annotations__": {"year": int}})


def test_assigned_names_ignore_code_that_does_not_parse():
    assert params.assigned_names("x = (") == []
    assert params.assigned_names("a = b = 1\nc: int = 2\nd += 1") == ["a", "b", "c"]


# --------------------------------------------------------------------------- folders

def test_folders_resolve_against_the_project_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dirs = resolve_dirs("", None, "  ")
    assert (dirs.data, dirs.processed, dirs.out) == (config.DATA_RAW.resolve(),
                                                     config.DATA_PROCESSED.resolve(),
                                                     config.OUTPUTS.resolve())
    assert resolve_dirs("data/raw").data == (config.PROJECT_ROOT / "data" / "raw").resolve()
    assert resolve_dirs(str(tmp_path / "raw")).data == tmp_path / "raw"
    assert dirs.year_out(2024) == config.OUTPUTS.resolve() / "2024"


# --------------------------------------------------------------------------- drill-down

def register(rows: list[dict]) -> pd.DataFrame:
    """A tidy register from short rows (dates as text; unspecified columns get defaults)."""
    base = {"case_id": None, "registered_on": None, "accepted_on": None, "closed_on": None,
            "due_on": None, "extension_days": 0, "channel": "网上信访", "purpose": "咨询类",
            "is_repeat": False, "resolved_first_time": None, "satisfaction": "未评价",
            "township": "甲镇", "responsible_unit": "区甲局", "is_litigation": False,
            "petitioner_key": "k", "source_row": 0}
    df = pd.DataFrame([{**base, **r} for r in rows])
    for c in ("registered_on", "accepted_on", "closed_on", "due_on"):
        df[c] = pd.to_datetime(df[c])
    df["resolved_first_time"] = df["resolved_first_time"].astype("boolean")
    df["extension_days"] = df["extension_days"].astype("Int64")
    return df


#: One case per situation; the comments say which lists each must land in.
CASES = register([
    # on time everywhere, accepted on day 15 exactly (timely), closed on its deadline (on time)
    {"case_id": "OK", "registered_on": "2023-03-01", "accepted_on": "2023-03-16",
     "closed_on": "2023-05-15", "satisfaction": "满意"},
    # accepted on day 16: not timely; closed late (deadline = accepted + 60 d); 不满意
    {"case_id": "LATE", "registered_on": "2023-03-01", "accepted_on": "2023-03-17",
     "closed_on": "2023-05-20", "satisfaction": "不满意", "channel": "来信", "township": "乙镇"},
    # open, never accepted, registered in January: overdue and not accepted in time; repeat
    {"case_id": "OPEN", "registered_on": "2023-01-10", "is_repeat": True, "channel": "来访",
     "responsible_unit": None},
    # 求决类 first-time case closed without being resolved at first handling
    {"case_id": "QJ", "registered_on": "2023-04-01", "accepted_on": "2023-04-02",
     "closed_on": "2023-04-20", "purpose": "求决类", "resolved_first_time": False,
     "satisfaction": "基本满意"},
    # 涉法涉诉 and another year: in no list
    {"case_id": "LIT", "registered_on": "2023-04-01", "is_litigation": True,
     "satisfaction": "不满意"},
    {"case_id": "OLD", "registered_on": "2022-12-30", "satisfaction": "不满意"},
])

EXPECTED_LISTS = {
    "online_share_pct": ["OPEN", "LATE"],                 # 来信, 来访 (sorted by date)
    "first_time_resolution_rate_pct": ["QJ"],
    "satisfaction_rate_pct": ["LATE"],
    "participation_rate_pct": [],                         # every closed case is rated
    "timely_acceptance_rate_pct": ["OPEN", "LATE"],
    "on_time_completion_rate_pct": ["OPEN", "LATE"],
    "repeat_rate_pct": ["OPEN"],
}


@pytest.mark.parametrize("rate", list(EXPECTED_LISTS))
def test_each_list_holds_exactly_the_cases_the_rate_misses(rate):
    got = drilldown.shortfall_cases(CASES, 2023, rate)
    assert got["case_id"].tolist() == EXPECTED_LISTS[rate]
    assert tuple(got.columns) == drilldown.CASE_COLUMNS


def test_every_rate_has_a_list_and_a_catalogued_title():
    assert set(drilldown.SHORTFALL_RATES) == set(RATES) == set(EXPECTED_LISTS)
    for rate in RATES:
        assert catalogue.get(f"workpapers.cases_{rate}").kind == "table"


def test_case_list_days_deadline_and_overdue():
    late = drilldown.shortfall_cases(CASES, 2023, "on_time_completion_rate_pct")
    row = late.set_index("case_id").loc["LATE"]
    assert row["deadline"] == pd.Timestamp("2023-05-16")          # accepted + 60 days
    assert (row["accept_days"], row["handle_days"], row["overdue_days"]) == (16, 64, 4)
    opened = late.set_index("case_id").loc["OPEN"]
    # never accepted: deadline = registered + 15 + 60 days; judged open on 31 December
    assert opened["deadline"] == pd.Timestamp("2023-03-26")
    assert opened["overdue_days"] == (pd.Timestamp("2023-12-31") - pd.Timestamp("2023-03-26")).days
    assert pd.isna(opened["accept_days"]) and pd.isna(opened["closed_on"])
    assert opened["repeat"] == "重件" and opened["responsible_unit"] is None
    ok = drilldown.case_list(CASES, np.array([0]), pd.Timestamp("2023-12-31").date())
    assert pd.isna(ok.loc[0, "overdue_days"])                     # closed on the deadline day


def test_case_lists_never_carry_personal_columns():
    df = CASES.assign(petitioner_name="欧阳泄密者", id_number="44018319990101123X",
                      phone="13900001111", address="泄密路", complaint_text="诉求内容")
    for rate in RATES:
        got = drilldown.shortfall_cases(df, 2023, rate)
        assert not set(got.columns) & {*PERSONAL_KEYS, "petitioner_key", "source_row"}
        text = got.astype(str).to_string()
        assert "泄密" not in text and "13900001111" not in text


def test_rates_by_group_with_their_own_rates():
    by_unit = drilldown.group_rates(CASES, 2023, "responsible_unit")
    assert by_unit["responsible_unit"].tolist() == ["区甲局", "未填写"]
    first = by_unit.iloc[0]
    assert (first["cases"], first["late_cases"], first["unsatisfied_cases"]) == (3, 1, 1)
    assert first["timely_acceptance_rate_pct"] == pytest.approx(66.67)
    by_town = drilldown.group_rates(CASES, 2023, "township")
    assert by_town.set_index("township").loc["乙镇", "online_share_pct"] == 0.0


def test_budget_lines_behind_schedule():
    budget = pd.DataFrame({
        "subject_code": ["A", "B", "C", "D"], "subject_name": ["甲", "乙", "丙", "丁"],
        "project_name": [None] * 4, "expense_type": ["项目支出"] * 4,
        "budget_wan": [12.0, 12.0, 0.0, 24.0], "actual_wan": [12.0, 12.0, 0.0, 24.0],
        "m01_wan": [1.0, 0.0, 0.0, 2.0], "m02_wan": [1.0, 1.0, 0.0, 2.0],
        "m03_wan": [10.0, 11.0, 0.0, 20.0]})
    got = drilldown.lines_behind_schedule(budget)
    # A and D keep pace (8.33% ≥ 8.33%, 16.67% ≥ 16.67%); C has no budget; B is behind twice
    assert got["subject_code"].tolist() == ["B"]
    row = got.iloc[0]
    assert (row["worst_month"], row["progress_pct"], row["linear_pct"]) == (2, 8.33, 16.67)
    assert (row["gap_pp"], row["behind_wan"], row["months_behind"]) == (-8.34, 1.0, 2)
    assert drilldown.lines_behind_schedule(budget.drop(columns=["m01_wan", "m02_wan",
                                                                "m03_wan"])).empty


# --------------------------------------------------------------------------- 同比

def test_yoy_flags_follow_the_thresholds_in_the_settings():
    cur = {"budget": {"total_actual_wan": 110.0, "execution_rate_pct": 97.0, "unspent_wan": 5.0}}
    prev = {"budget": {"total_actual_wan": 100.0, "execution_rate_pct": 98.5, "unspent_wan": 0}}
    keys = ["budget.total_actual_wan", "budget.execution_rate_pct", "budget.unspent_wan"]
    t = compare.yoy_figures(cur, prev, keys)
    assert t["text"].tolist() == ["增长10.00%", "降低1.50个百分点", "上年为0"]
    assert t["flagged"].tolist() == [True, False, True]               # 10% ≥ 10%; 1.5 < 2 pp
    assert t["judgement"].tolist() == ["", "变差", ""]
    strict = MetricSettings(yoy_flag_pct=Decimal("10.01"), yoy_flag_pp=1)
    assert compare.yoy_figures(cur, prev, keys, strict)["flagged"].tolist() == [False, True, True]
    none = compare.yoy_figures(cur, None, keys)
    assert set(none["text"]) == {"无上年数据"} and not none["flagged"].any()


def test_yoy_of_scores_in_points():
    def score(total, l11):
        return {"score": {"total": total, "module_details": [{"name": "履职效能", "score": total}],
                          "indicators": [{"id": "L1.1", "name": "支出率", "score": l11}]}}

    t = compare.yoy_scores(score(92.1, 4.0), score(90.6, 4.5))
    assert t["key"].tolist() == ["score.total", "module:履职效能", "L1.1"]
    assert t["text"].tolist() == ["增加1.50分", "增加1.50分", "减少0.50分"]
    assert t["flagged"].tolist() == [True, True, True]
    assert compare.yoy_scores(score(92.1, 4.0), score(92.1, 3.9))["flagged"].tolist() == [
        False, False, False]


# --------------------------------------------------------------------------- the sample year

@functools.lru_cache(maxsize=1)
def _sample_dirs() -> tuple[Path, Path, Path]:
    base = Path(tempfile.mkdtemp(prefix="evalkit-workpapers-"))
    for year in (2021, 2022, 2023):
        shutil.copytree(RAW / str(year), base / "raw" / str(year))
    return base / "raw", base / "processed", base / "outputs"


@pytest.fixture(scope="module")
def wp() -> Workpapers:
    raw, processed, out = _sample_dirs()
    metrics = pipeline.build_year(2023, raw, processed, out)
    return Workpapers(2023, resolve_dirs(raw, processed, out), metrics)


def test_on_the_sample_each_list_is_the_denominator_minus_the_numerator(wp):
    pet = wp.metrics["petitions"]
    summary = wp.table("shortfalls").frame.set_index("rate")
    for rate, (num, den) in RATES.items():
        numerator = pet["total_cases" if num == "cases" else num]
        denominator = pet["total_cases" if den == "cases" else den]
        listed = len(wp.table(f"cases_{rate}"))
        expected = numerator if drilldown.lists_numerator(rate) else denominator - numerator
        assert listed == expected, rate
        row = summary.loc[catalogue.label(f"petitions.{rate}")]
        assert (row["numerator"], row["denominator"], row["listed"]) == (numerator, denominator,
                                                                        listed)
    # the published figures of the reference report: 34 late, 2 不满意, 273 repeat, 19 not resolved
    assert [len(wp.table(f"cases_{r}")) for r in ("on_time_completion_rate_pct",
            "satisfaction_rate_pct", "repeat_rate_pct", "first_time_resolution_rate_pct")] == [
        34, 2, 273, 19]


def test_on_the_sample_groups_add_up_to_the_year(wp):
    pet = wp.metrics["petitions"]
    for name in ("township_rates", "unit_rates"):
        frame = wp.table(name).frame
        assert frame["cases"].sum() == pet["total_cases"]
        assert frame["late_cases"].sum() == pet["due_for_completion"] - pet["completed_on_time"]
    towns = wp.table("township_rates").frame.set_index("township")
    for row in wp.metrics["petitions"]["by_township"]:
        assert towns.loc[row["township"], "on_time_completion_rate_pct"] == \
            row["on_time_completion_rate_pct"]


def test_on_the_sample_yoy_matches_the_metrics_and_flags_the_big_changes(wp):
    t = wp.table("yoy_petitions").frame.set_index("key")
    for key, change in wp.metrics["yoy"].items():
        if key.startswith("petitions."):
            assert t.loc[key, "change"] == pytest.approx(change), key
    assert t.loc["petitions.national_initial_qiujue_count", "flagged"]        # −43.21%
    assert not t.loc["petitions.satisfaction_rate_pct", "flagged"]           # +0.26 pp
    scores = wp.table("yoy_score").frame
    assert len(scores) == 1 + len(wp.metrics["score"]["module_details"]) + len(
        wp.metrics["score"]["indicators"])


def test_tables_print_like_the_report(wp):
    figures = wp.table("petition_figures").display_frame()
    values = dict(zip(figures["指标"], figures["数值"]))
    assert values[catalogue.label("petitions.total_cases")] == "3000"          # never 3000.00
    assert values[catalogue.label("petitions.first_time_resolution_rate_pct")] == "98.10%"
    budget = dict(zip(*wp.table("budget_figures").display_frame()[["指标", "数值"]].T.values))
    assert budget[catalogue.label("budget.total_actual_wan")] == "774.90"
    shown = wp.table("cases_on_time_completion_rate_pct").display_frame(5)
    assert list(shown.index) == [1, 2, 3, 4, 5]
    assert "信访件编号" in shown.columns and "超期天数（天）" in shown.columns
    assert not any(re.search(r"[a-z]+_[a-z]+", c) for c in shown.columns)       # no snake_case
    assert cell_text(catalogue.get("workpapers.cases.registered_on"),
                     pd.Timestamp("2023-01-05")) == "2023-01-05"
    assert header(catalogue.get("petitions.satisfaction_rate_pct")) == "群众满意率"


def test_every_table_is_catalogued_and_every_workpaper_entry_is_used(wp):
    used: set[str] = set()
    for name, spec in TABLES.items():
        table = wp.table(name)
        assert table.name == name and table.title.key == spec.title_key
        used.add(spec.title_key)
        used.update(m.key.rsplit(".", 1)[0] for m in table.columns.values())
    used.update({"workpapers.contents", "workpapers.data_dir", "workpapers.out_dir",
                 "workpapers.previous_year", "workpapers.pending_fields"})
    entries = {k for k in catalogue.keys() if k.startswith("workpapers.")
               and catalogue.get(k).part_of is None and k.count(".") == 1}
    assert entries - used == set()
    sheets = [t.sheet for t in wp.tables()]
    assert len(set(sheets)) == len(sheets) and all(len(s) <= 31 for s in sheets)


def test_the_notebooks_show_every_table_and_only_known_ones():
    import nbformat

    shown: set[str] = set()
    for path in NOTEBOOKS:
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                           if c.cell_type == "code")
        shown |= set(re.findall(r'wp\.show\("(\w+)"', source))
    assert shown == set(TABLES)


# --------------------------------------------------------------------------- 底稿.xlsx

@pytest.mark.e2e
def test_workbook_has_every_table_with_headers_formats_and_a_frozen_row(wp, tmp_path):
    path = xlsx.write_workbook(wp.tables(), tmp_path / xlsx.WORKBOOK_NAME, wp.metrics)
    book = openpyxl.load_workbook(path)
    tables = wp.tables()
    assert book.sheetnames == [catalogue.get("workpapers.contents").short] + [t.sheet
                                                                              for t in tables]
    contents = book[book.sheetnames[0]]
    assert [c.value for c in contents[1]] == ["工作表", "标题", "行数", "口径说明"]
    for table in tables:
        ws = book[table.sheet]
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]] == [header(table.columns[k]) for k in table.xlsx_keys()]
        assert ws.max_row == max(len(table), 0) + 1, table.name
    towns = book[wp.table("township_rates").sheet]
    heads = [c.value for c in towns[1]]
    rate = towns.cell(2, heads.index(header(catalogue.get(
        "workpapers.group_rates.on_time_completion_rate_pct"))) + 1)
    assert isinstance(rate.value, float) and rate.number_format == '0.00"%"'
    cases = towns.cell(2, heads.index(header(catalogue.get("workpapers.group_rates.cases"))) + 1)
    assert isinstance(cases.value, int) and cases.number_format == "0"
    late_table = wp.table("cases_on_time_completion_rate_pct")
    assert late_table.xlsx_keys() == list(drilldown.shown_columns(
        "on_time_completion_rate_pct"))                             # what the notebook shows
    assert {"deadline", "overdue_days", "responsible_unit"} <= set(late_table.xlsx_keys())
    late = book[late_table.sheet]
    assert late.cell(2, 2).number_format == "yyyy-mm-dd"
    assert late.cell(2, 2).value.year == 2023


def test_workbook_never_holds_personal_data(wp, tmp_path):
    path = xlsx.write_workbook(wp.tables(), tmp_path / "book.xlsx", wp.metrics)
    keys = set(wp.data.petitions["petitioner_key"].dropna().astype(str))
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not keys.intersection(str(v) for v in row if v is not None)


def test_a_failed_write_keeps_the_previous_workbook(wp, tmp_path, monkeypatch):
    path = tmp_path / xlsx.WORKBOOK_NAME
    path.write_bytes(b"previous good workbook")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx, "write_table", broken)
    with pytest.raises(RuntimeError):
        xlsx.write_workbook(wp.tables(), path, wp.metrics)
    assert path.read_bytes() == b"previous good workbook"
    assert [p.name for p in tmp_path.iterdir()] == [xlsx.WORKBOOK_NAME]


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    assert xlsx.sheet_name("a/b:c", used) == "a_b_c"
    assert xlsx.sheet_name("A/B:C", used) == "A_B_C_2"
    assert len(xlsx.sheet_name("长" * 40, used)) == 31


def test_the_overview_names_the_published_folder_not_the_staging_one(tmp_path):
    dirs = resolve_dirs(tmp_path / "raw", tmp_path / "p", tmp_path / "out" / ".staging-2023-x1")
    wp = Workpapers(2023, dirs, {"year": 2023})
    assert wp.published == (tmp_path / "out" / "2023").resolve()
    assert wp.out == (tmp_path / "out" / ".staging-2023-x1" / "2023").resolve()
    assert Workpapers(2023, resolve_dirs(tmp_path, tmp_path, tmp_path / "o"), {}).published == \
        (tmp_path / "o" / "2023").resolve()


def test_a_shown_table_left_aligns_text_and_escapes_markup():
    from evalkit.workpapers.tables import Shown

    shown = Shown(pd.DataFrame({"镇街": ["<b>甲</b>"], "件数（件）": ["3"]}), [0])
    html = shown._repr_html_()
    assert "td:nth-child(2)" in html and "td:nth-child(3)" not in html
    assert "<b>甲</b>" not in html and "&lt;b&gt;甲&lt;/b&gt;" in html
    assert "<b>甲</b>" in repr(shown)                            # plain text stays plain
