"""Loading whole files and year folders: messy forms, located errors, cache, PII, the sample."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from evalkit.errors import InputError
from evalkit.fsutil import sha256_file
from evalkit.commands import validate as cli
from evalkit.io import load_table, load_year, tables, validate_year
from evalkit.numfmt import sum_wan
from evalkit.schema import BUDGET, PETITIONS, TABLES

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

BUDGET_HEAD = ["功能分类科目编码", "功能分类科目名称", "支出类型", "年初预算数", "调整预算数",
               "全年预算数", "实际支出数"]
BUDGET_CLEAN = [[BUDGET_HEAD],
                [["2010301", "行政运行", "基本支出", 1000000.00, 0, 1000000.00, 990000.00],
                 ["2010308", "信访事务", "项目支出", 200000.00, 34567.89, 234567.89, 230000.5]]]
PET_HEAD = ["信访件编号", "登记日期", "受理日期", "办结日期", "延期天数", "信访形式", "信访目的",
            "初重件", "是否一次性化解", "满意度评价", "所属镇街", "信访人姓名", "身份证号", "联系电话"]
PII = ("王小明", "440183199001017777", "13912345678")


def write_xlsx(path: Path, rows: list[list[object]], sheet: str, dates: dict[tuple[int, int], dt.datetime] | None = None) -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i, j, value)
    for (i, j), value in (dates or {}).items():
        ws.write_datetime(i, j, value, book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    return path


def budget_clean(path: Path) -> Path:
    return write_xlsx(path, [["单位：元"], BUDGET_HEAD, *BUDGET_CLEAN[1]], "预算执行")


def budget_messy(path: Path) -> Path:
    head = ["功能分类科目编码 ", "科目名称\u3000", "支出性质", "年初预算数（元）", "追加追减数",
            "全年预算数 ", "执行数"]
    rows = [["2023年预算执行情况表"], ["编制单位：某局", "", "", "", "单位：元"], head,
            [2010301, "行政运行", "人员经费", "1,000,000.00", "", "１,０００,０００", " 990,000.00 元"],
            [None] * 7,
            ["2010308", "信访事务", "专项", "200,000", "34,567.89", "234567.89", "230,000.50"],
            ["合  计", None, None, 1200000, 34567.89, 1234567.89, 1220000.50]]
    return write_xlsx(path, rows, "预算执行")


def petitions_clean(path: Path) -> Path:
    rows = [PET_HEAD,
            ["XF1", "2023-03-05", "2023-03-06", "2023-04-20", 0, "网上信访", "求决类", "初件", "是", "满意", "荔城街道", *PII],
            ["XF2", "2023-05-01", "2023-05-02", None, 10, "来访", "咨询类", "重件", "否", "未评价", "石滩镇", "", "", ""]]
    return write_xlsx(path, rows, "信访台账")


def petitions_messy(path: Path) -> Path:
    head = [h + " " for h in PET_HEAD]
    head[0], head[1] = "受理编号", "登记时间"
    rows = [["信访事项登记台账"], head,
            ["XF1", None, 44991, "20230420", "", "网信", "求决", "初", "√", " 满意 ", "荔城街道", *PII],
            ["ＸＦ２", "2023年5月1日", "2023/5/2", "", "１０", "走访", "咨询", "重复件", "N", "", "石滩镇", None, None, None]]
    return write_xlsx(path, rows, "Sheet1", {(2, 1): dt.datetime(2023, 3, 5, 9, 30)})


def test_messy_budget_loads_same_figures(tmp_path: Path) -> None:
    clean, p1 = load_table(budget_clean(tmp_path / "a.xlsx"), BUDGET)
    messy, p2 = load_table(budget_messy(tmp_path / "b.xlsx"), BUDGET)
    assert not p1 and not p2, (p1, p2)
    cols = [c for c in clean.columns if c != "source_row"]
    pd.testing.assert_frame_equal(clean[cols], messy[cols])
    assert sum_wan(messy.budget_wan) == sum_wan([100, 23.456789])
    assert list(messy.source_row) == [4, 6]


def test_messy_petitions_load_same_values(tmp_path: Path) -> None:
    clean, p1 = load_table(petitions_clean(tmp_path / "a.xlsx"), PETITIONS, salt="s")
    messy, p2 = load_table(petitions_messy(tmp_path / "b.xlsx"), PETITIONS, salt="s")
    assert not p1 and not p2, (p1, p2)
    cols = [c for c in clean.columns if c != "source_row"]
    pd.testing.assert_frame_equal(clean[cols], messy[cols])
    assert list(messy.source_row) == [3, 4]
    assert messy.petitioner_key.iloc[0] and messy.petitioner_key.isna().iloc[1]


def test_csv_utf8_and_gbk_load_same(tmp_path: Path) -> None:
    text = "单位：元\n" + ",".join(BUDGET_HEAD) + "\n" + "\n".join(
        ",".join(f'"{v}"' for v in row) for row in BUDGET_CLEAN[1]) + "\n合计,,,,,,\n"
    (tmp_path / "u.csv").write_text(text, encoding="utf-8-sig")
    (tmp_path / "g.csv").write_bytes(text.encode("gbk"))
    a, pa = load_table(tmp_path / "u.csv", BUDGET)
    b, pb = load_table(tmp_path / "g.csv", BUDGET)
    assert not pa and not pb
    pd.testing.assert_frame_equal(a, b)
    assert list(a.source_row) == [3, 4]


def _year(tmp_path: Path, year: int = 2023) -> Path:
    d = tmp_path / "raw" / str(year)
    d.mkdir(parents=True)
    budget_clean(d / "budget.xlsx")
    petitions_clean(d / "petitions.xlsx")
    (d / "department.yaml").write_text("department: 测试局\n", encoding="utf-8")
    return d


def run_validate(path: Path) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["validate", str(path)])
    return args.func(args)


ERROR_CASES = [
    # (file, rows edit, expected fragments)
    ("petitions", lambda r: r[1].__setitem__(1, "2023-13-45"), ["第2行", "「登记日期」", "2023-13-45", "信访台账"]),
    ("petitions", lambda r: r[1].__setitem__(1, "2023年2月30日"), ["第2行", "「登记日期」", "2023年2月30日"]),
    ("petitions", lambda r: r[1].__setitem__(3, "2023-01-01"), ["第2行", "「办结日期」", "办结日期早于登记日期"]),
    ("petitions", lambda r: r[1].__setitem__(2, "2023-01-01"), ["第2行", "「受理日期」", "受理日期早于登记日期"]),
    ("petitions", lambda r: r[2].__setitem__(0, "XF1"), ["第3行", "「信访件编号」", "第2行", "XF1", "重复"]),
    ("petitions", lambda r: r[1].__setitem__(5, "飞鸽传书"), ["第2行", "「信访形式」", "飞鸽传书", "来信、来访"]),
    ("petitions", lambda r: r[1].__setitem__(4, -3), ["第2行", "「延期天数」", "-3", "负数"]),
    ("petitions", lambda r: r[0].__setitem__(1, "日子"), ["缺少必填列「登记日期」"]),
    ("budget", lambda r: r[1].__setitem__(6, "九十万"), ["第2行", "「实际支出数」", "九十万", "金额"]),
    ("budget", lambda r: r[1].__setitem__(3, -5), ["第2行", "「年初预算数」", "-5", "负数"]),
]


@pytest.mark.parametrize("table,edit,fragments", ERROR_CASES)
def test_error_is_located_and_validate_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               table: str, edit, fragments: list[str]) -> None:
    d = _year(tmp_path)
    if table == "petitions":
        rows = [list(PET_HEAD)] + [list(r) for r in [
            ["XF1", "2023-03-05", "2023-03-06", "2023-04-20", 0, "网上信访", "求决类", "初件", "是", "满意", "荔城街道", *PII],
            ["XF2", "2023-05-01", "2023-05-02", None, 10, "来访", "咨询类", "重件", "否", "未评价", "石滩镇", "", "", ""]]]
        edit(rows)
        write_xlsx(d / "petitions.xlsx", rows, "信访台账")
    else:
        rows = [list(BUDGET_HEAD)] + [list(r) for r in BUDGET_CLEAN[1]]
        edit(rows)
        write_xlsx(d / "budget.xlsx", rows, "预算执行")
    assert run_validate(d) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    line = next(l for l in out.out.splitlines() if all(f in l for f in fragments))
    assert f"{table}.xlsx" in line and "[错误]" in line
    with pytest.raises(InputError):
        load_year(2023, tmp_path / "raw", tmp_path / "processed")


def _extension_year(tmp_path: Path, days: int, settings: str = "") -> Path:
    d = _year(tmp_path)
    rows = [list(PET_HEAD),
            ["XF1", "2023-03-05", "2023-03-06", "2023-05-20", days, "网上信访", "求决类", "初件",
             "是", "满意", "荔城街道", *PII]]
    write_xlsx(d / "petitions.xlsx", rows, "信访台账")
    (d / "department.yaml").write_text("department: 测试局\n" + settings, encoding="utf-8")
    return d


def test_extension_over_the_lawful_30_days_is_a_located_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evalkit.metrics import compute_metrics

    d = _extension_year(tmp_path, 31)
    assert run_validate(d) == 1
    line = next(l for l in capsys.readouterr().out.splitlines() if "延期天数" in l)
    assert all(f in line for f in ("petitions.xlsx", "第2行", "31", "0–30", "[错误]")), line
    with pytest.raises(InputError, match="0..30"):
        compute_metrics(load_year(2023, tmp_path / "raw", tmp_path / "processed"))


def test_max_extension_days_setting_moves_the_limit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """department.yaml ``settings: {max_extension_days: 45}``: 40 days is accepted by validate
    and counted by the metrics (the case closed on day 76 is on time); 46 is refused."""
    from evalkit.metrics import compute_metrics

    d = _extension_year(tmp_path, 40, "settings:\n  max_extension_days: 45\n")
    assert run_validate(d) == 0, capsys.readouterr().out
    m = compute_metrics(load_year(2023, tmp_path / "raw", tmp_path / "processed"))
    assert (m["petitions"]["due_for_completion"], m["petitions"]["completed_on_time"]) == (1, 1)
    d = _extension_year(tmp_path / "b", 46, "settings:\n  max_extension_days: 45\n")
    assert run_validate(d) == 1
    assert "0–45" in capsys.readouterr().out


@pytest.mark.parametrize("setup,fragment", [
    (lambda d: (d / "budget.xlsx").unlink(), "budget.xlsx"),
    (lambda d: (d / "department.yaml").unlink(), "department.yaml"),
    (lambda d: (d / "petitions.xlsx").write_bytes(b"PK\x03\x04 not really a zip"), "无法读取文件"),
    (lambda d: (d / "petitions.xlsx").write_bytes(b""), "文件为空"),
    (lambda d: write_xlsx(d / "petitions.xlsx", [PET_HEAD], "信访台账"), "没有数据行"),
    (lambda d: (write_xlsx(d / "petitions.xlsx", [PET_HEAD], "甲"), _add_sheet(d)), "缺少工作表"),
    (lambda d: (d / "department.yaml").write_text("- a\n- b\n", encoding="utf-8"), "键值映射"),
    (lambda d: (d / "department.yaml").write_text("district: x\n", encoding="utf-8"), "department"),
    (lambda d: (d / "department.yaml").write_text("a: [\n", encoding="utf-8"), "YAML"),
])
def test_file_level_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup, fragment: str) -> None:
    d = _year(tmp_path)
    setup(d)
    assert run_validate(d) == 1
    out = capsys.readouterr().out
    assert fragment in out and "Traceback" not in out


def _add_sheet(d: Path) -> None:
    book = xlsxwriter.Workbook(str(d / "petitions.xlsx"))
    book.add_worksheet("甲")
    book.add_worksheet("乙")
    book.close()


def test_missing_sheet_lists_sheets(tmp_path: Path) -> None:
    d = _year(tmp_path)
    _add_sheet(d)
    text = "\n".join(map(str, validate_year(d)))
    assert "缺少工作表「信访台账」" in text and "甲" in text and "乙" in text


def test_warnings_only_exit_0_and_are_cached(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _year(tmp_path)
    rows = [list(BUDGET_HEAD)] + [list(r) for r in BUDGET_CLEAN[1]] + [["合计", "", "", 1, 1, 1, 1]]
    rows[1][5] = 999999.00  # 年初+调整 ≠ 全年
    write_xlsx(d / "budget.xlsx", rows, "预算执行")
    petitions_clean(d / "petitions.xlsx")
    assert run_validate(d) == 0
    out = capsys.readouterr().out
    assert "年初预算数+调整预算数" in out and "与合计行不一致" in out and "第4行" in out
    first = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    second = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert first.warnings and [p.format() for p in first.warnings] == [p.format() for p in second.warnings]


def test_year_mismatch_warning(tmp_path: Path) -> None:
    d = _year(tmp_path, 2024)
    text = "\n".join(map(str, validate_year(d)))
    assert "[警告]" in text and "不在2024年度" in text and "[错误]" not in text


def test_cache_hit_does_not_reparse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _year(tmp_path)
    calls: list[str] = []
    real = tables.read_grid
    monkeypatch.setattr(tables, "read_grid", lambda p, s: calls.append(p.name) or real(p, s))
    a = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert sorted(calls) == ["budget.xlsx", "petitions.xlsx"]
    b = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert len(calls) == 2
    pd.testing.assert_frame_equal(a.petitions, b.petitions)
    pd.testing.assert_frame_equal(a.budget, b.budget)
    petitions_messy(tmp_path / "raw" / "2023" / "petitions.xlsx")  # changed file: parsed again
    load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert len(calls) == 3
    from evalkit.io import cache  # an edited channels.yaml (another digest): both parsed again

    monkeypatch.setattr(cache, "CHANNELS_DIGEST", "edited-channels")
    load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert len(calls) == 5


STRING = pd.StringDtype("pyarrow")


def test_stale_or_corrupt_cache_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _year(tmp_path)
    calls: list[str] = []
    real = tables.read_grid
    monkeypatch.setattr(tables, "read_grid", lambda p, s: calls.append(p.name) or real(p, s))
    first = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    cached = tmp_path / "processed" / "2023" / "petitions.parquet"
    cached.write_bytes(b"not a parquet file")
    again = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert calls.count("petitions.xlsx") == 2 and calls.count("budget.xlsx") == 1
    pd.testing.assert_frame_equal(first.petitions, again.petitions)
    (tmp_path / "processed" / ".salt").write_text("another salt\n", encoding="utf-8")  # key changes
    salted = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    assert calls.count("petitions.xlsx") == 3 and calls.count("budget.xlsx") == 2
    assert salted.petitions.petitioner_key.iloc[0] != first.petitions.petitioner_key.iloc[0]


def test_dtypes(tmp_path: Path) -> None:
    _year(tmp_path)
    y = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    p = y.petitions
    assert str(p.registered_on.dtype) == "datetime64[ns]" and p.is_repeat.dtype == bool
    assert str(p.registered_national.dtype) == "boolean" and not p.registered_national.any()
    assert str(p.extension_days.dtype) == "Int64" and p.satisfaction.notna().all()
    assert y.budget.budget_wan.dtype == "float64" and y.self_assessment is None
    # every text column (codes, names, categories, the pseudonymous key) is string[pyarrow]
    for col in ("case_id", "channel", "purpose", "satisfaction", "township", "responsible_unit",
                "petitioner_key"):
        assert p[col].dtype == STRING, col
    for col in ("subject_code", "subject_name", "expense_type", "project_name"):
        assert y.budget[col].dtype == STRING, col
    assert p.responsible_unit.isna().all() and p.responsible_unit.iloc[0] is pd.NA  # absent column
    assert list(p.satisfaction) == ["满意", "未评价"] and p.petitioner_key.isna().tolist() == [False, True]


@pytest.mark.e2e
@pytest.mark.skipif(not (RAW / "2023" / "budget.xlsx").exists(), reason="sample data not generated")
def test_cached_frames_identical_to_first_parse(tmp_path: Path) -> None:
    """Cold parse, cache hit and an uncached load give the same frames, dtypes included."""
    processed = tmp_path / "processed"
    cold = load_year(2023, RAW, processed)
    assert list((processed / "2023").glob("*.parquet"))
    cached = load_year(2023, RAW, processed)
    for name in ("budget", "petitions", "self_assessment", "peers"):
        a, b = getattr(cold, name), getattr(cached, name)
        assert a is not None and b is not None, name
        pd.testing.assert_frame_equal(a, b, check_dtype=True, check_exact=True, obj=name)
        assert a.dtypes.to_dict() == b.dtypes.to_dict(), name
        text = [c for c in a.columns if a[c].dtype == STRING]
        assert text and not (a.dtypes == object).any(), (name, a.dtypes.to_dict())
        uncached, _ = load_table(RAW / "2023" / f"{name}.xlsx", TABLES[name], year=2023)
        assert uncached.dtypes.to_dict() == a.dtypes.to_dict(), name  # no cache: same dtypes
    assert [p.format() for p in cold.warnings] == [p.format() for p in cached.warnings]
    assert cold.petitions.petitioner_key.notna().any()


def test_no_pii_in_frames_or_parquet(tmp_path: Path) -> None:
    _year(tmp_path)
    y = load_year(2023, tmp_path / "raw", tmp_path / "processed")
    for frame in (y.budget, y.petitions):
        blob = frame.astype(str).to_csv()
        assert not any(v in blob for v in PII)
        assert not set(frame.columns) & {"petitioner_name", "id_number", "phone", "address", "complaint_text"}
    parquet = list((tmp_path / "processed").rglob("*.parquet"))
    assert parquet
    for path in parquet:
        data = path.read_bytes()
        assert not any(v.encode() in data for v in PII)
        assert "信访人姓名".encode() not in data
    assert (tmp_path / "processed" / ".salt").exists()


def test_raw_files_unchanged(tmp_path: Path) -> None:
    d = _year(tmp_path)
    before = {p.name: sha256_file(p) for p in d.iterdir()}
    load_year(2023, tmp_path / "raw", tmp_path / "processed")
    validate_year(d)
    assert before == {p.name: sha256_file(p) for p in d.iterdir()}


@pytest.mark.e2e
@pytest.mark.skipif(not (RAW / "2023" / "budget.xlsx").exists(), reason="sample data not generated")
def test_sample_2023_loads_reference_totals(tmp_path: Path) -> None:
    assert not [p for p in validate_year(RAW / "2023") if p.level == "error"]
    y = load_year(2023, RAW, tmp_path / "processed")
    assert f"{sum_wan(y.budget.budget_wan):.2f}" == "783.16"
    assert f"{sum_wan(y.budget.actual_wan):.2f}" == "774.90"
    assert len(y.petitions) > 1000


def test_leading_empty_rows_and_columns_keep_excel_row_numbers(tmp_path: Path) -> None:
    """The sheet starts at C4 (rows 1-3 and columns A-B empty): rows are still Excel rows."""
    rows = [[None, None, *PET_HEAD]] + [[None, None, *r] for r in [
        ["XF1", "2023-03-05", "2023-03-06", "2023-04-20", 0, "网上信访", "求决类", "初件", "是", "满意", "荔城街道", *PII],
        ["XF2", "2023-13-45", "2023-05-02", None, 10, "来访", "咨询类", "重件", "否", "未评价", "石滩镇", "", "", ""]]]
    book = xlsxwriter.Workbook(str(tmp_path / "p.xlsx"))
    ws = book.add_worksheet("信访台账")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.write(i + 3, j, value)
    book.close()
    frame, problems = load_table(tmp_path / "p.xlsx", PETITIONS, salt="s")
    assert list(frame.source_row) == [5, 6]
    assert [p.row for p in problems] == [6] and "2023-13-45" in problems[0].format()
    assert frame.petitioner_key.iloc[0] and frame.petitioner_key.isna().iloc[1]


def test_unused_personal_columns_are_not_read(tmp_path: Path) -> None:
    from evalkit.io.readers import _peek_skipped_columns
    path = petitions_clean(tmp_path / "a.xlsx")
    assert _peek_skipped_columns(path, "信访台账", PETITIONS) == {PET_HEAD.index("联系电话")}
    assert _peek_skipped_columns(budget_clean(tmp_path / "b.xlsx"), "预算执行", BUDGET) == set()


def test_table_checks_are_hooks_named_on_the_spec(tmp_path: Path) -> None:
    """Each TableSpec names its cross-cell checks; the names resolve in one registry, and a spec
    without the hook does not run it (no branch on the table's name)."""
    import dataclasses

    from evalkit.io.checks import CHECKS
    from evalkit.schema import PEERS

    assert {n for spec in TABLES.values() for n in spec.checks} <= set(CHECKS)
    path = write_xlsx(tmp_path / "peers.xlsx", [["区", "年度", "到国家信访局登记求决类初次信访事项数"],
                                                 ["增城区", 2023, -4]], "各区对比")
    _, problems = load_table(path, PEERS)
    assert any("件数不能为负数" in p.zh and p.row == 2 for p in problems)
    _, problems = load_table(path, dataclasses.replace(PEERS, checks=()))
    assert not any(p.level == "error" for p in problems)


def test_extension_limit_in_a_csv_register_names_the_csv(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    d = _year(tmp_path)
    (d / "petitions.xlsx").unlink()
    (d / "petitions.csv").write_text(
        ",".join(PET_HEAD[:11]) + "\nXF1,2023-03-05,2023-03-06,2023-05-20,46,网上信访,求决类,初件,是,满意,"
        "荔城街道\n", encoding="utf-8")
    (d / "department.yaml").write_text("department: 测试局\nsettings:\n  max_extension_days: 45\n",
                                       encoding="utf-8")
    assert run_validate(d) == 1
    line = next(l for l in capsys.readouterr().out.splitlines() if "延期天数" in l)
    assert "【petitions.csv】第2行" in line and "0–45" in line and "信访台账" not in line, line
