"""Cell-level cleaning rules of evalkit.io.clean, on tiny inline Series."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from evalkit.io.clean import (blank_mask, parse_amount, parse_bool, parse_category, parse_date,
                              parse_int, parse_text)
from evalkit.io.readers import normalise_header
from evalkit.schema import CHANNEL_ALIASES, CHANNELS


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_amount_text_forms_in_yuan_to_wan() -> None:
    wan, fen, bad = parse_amount(s("1,234.50", "１２３４.５", " 1234.5 元", 1234.5, "(10.00)", "", None), "元")
    assert list(wan[:4]) == [0.123450] * 4
    assert wan[4] == -0.001 and list(fen[:4]) == [123450] * 4
    assert wan[5:].isna().all() and not bad.any()


def test_amount_exact_cent_in_wan() -> None:
    wan, fen, _ = parse_amount(s(7831600.00, "7,749,000.00"), "元")
    assert list(wan) == [783.16, 774.9] and list(fen) == [783160000, 774900000]
    wan, _, _ = parse_amount(s(783.16), "万元")
    assert wan[0] == 783.16


def test_amount_bad() -> None:
    _, _, bad = parse_amount(s("abc", "12x", True, dt.date(2023, 1, 1)), "元")
    assert bad.all()


def test_int_and_fraction() -> None:
    values, bad = parse_int(s("３", "15天", 30.0, 2.5, ""))
    assert list(values[:3]) == [3, 15, 30] and list(bad) == [False, False, False, True, False]


@pytest.mark.parametrize("cell", ["2023-03-05", "2023/3/5", "2023.3.5", "2023年3月5日",
                                  "２０２３年３月５日", "2023-03-05 10:20", "20230305", 20230305,
                                  44990, 44990.43, "44990", dt.datetime(2023, 3, 5, 10, 20),
                                  dt.date(2023, 3, 5), " 2023 年 3 月 5 日 "])
def test_date_forms(cell: object) -> None:
    values, bad = parse_date(s(cell))
    assert values[0] == pd.Timestamp("2023-03-05") and not bad[0]


@pytest.mark.parametrize("cell", ["2023-13-45", "2023年2月30日", "明天", "1800-01-01", 0])
def test_date_bad(cell: object) -> None:
    values, bad = parse_date(s(cell))
    assert pd.isna(values[0]) and bad[0]


def test_date_blank_is_nat_not_bad() -> None:
    values, bad = parse_date(s("", None, " "))
    assert values.isna().all() and not bad.any()
    assert str(values.dtype) == "datetime64[ns]"


@pytest.mark.parametrize("truthy", ["是", "Y", "y", "yes", "√", "✓", 1, 1.0, True, "True", "有", " 是 "])
def test_bool_true(truthy: object) -> None:
    values, bad = parse_bool(s(truthy))
    assert values[0] is True or bool(values[0]) is True
    assert not bad[0]


@pytest.mark.parametrize("falsy", ["否", "N", "n", "×", "✗", 0, "0", False, "False", "无"])
def test_bool_false(falsy: object) -> None:
    values, bad = parse_bool(s(falsy))
    assert bool(values[0]) is False and not bad[0]


def test_bool_bad_and_blank() -> None:
    values, bad = parse_bool(s("也许", ""))
    assert list(bad) == [True, False] and values.isna().all()


def test_category_aliases_and_fold() -> None:
    values, bad = parse_category(s("网信", " 来 信 ", "手机APP", "来访　", "飞鸽"), CHANNELS, CHANNEL_ALIASES)
    assert list(values[:4]) == ["网上信访", "来信", "手机信访", "来访"]
    assert list(bad) == [False] * 4 + [True]


def test_text_codes_read_as_numbers() -> None:
    assert list(parse_text(s(2010308.0, " 信访事务 ", "ＸＦ１"))) == ["2010308", "信访事务", "XF1"]


def test_as_string_gives_string_pyarrow_with_same_values() -> None:
    """The loader's text dtype: string[pyarrow], NA (pd.NA) for blank cells, values unchanged."""
    cells = s(2010308.0, " 信访事务 ", "ＸＦ１", "", None, " 信访事务 ")
    plain = parse_text(cells)
    text = parse_text(cells, as_string=True)
    assert text.dtype == pd.StringDtype("pyarrow") and plain.dtype == object
    assert text.iloc[:3].tolist() == plain.iloc[:3].tolist() == ["2010308", "信访事务", "XF1"]
    assert text.isna().tolist() == [False, False, False, True, True, False]
    assert text.iloc[3] is pd.NA and text.iloc[5] == "信访事务"
    values, bad = parse_category(s("网信", "", "飞鸽"), CHANNELS, CHANNEL_ALIASES, as_string=True)
    assert values.dtype == pd.StringDtype("pyarrow") and bad.dtype == bool
    assert values.iloc[0] == "网上信访" and values.iloc[1:].isna().all()
    assert bad.tolist() == [False, False, True]


@pytest.mark.parametrize("header,key,unit", [
    ("年初预算数（元）", "年初预算数", "元"), ("全年预算数(万元)", "全年预算数", "万元"),
    ("登记日期 ", "登记日期", None), ("登记\u3000日期", "登记日期", None),
    ("延期天数（天）", "延期天数", "天")])
def test_header_normalisation(header: str, key: str, unit: str | None) -> None:
    assert normalise_header(header) == (key, unit)


@pytest.mark.parametrize("cell", ["", " ", "-", "——", "N/A", "ｎａｎ", "　", "－", "\u3000\u3000 ", " " * 12,
                                  "\t" * 9, "x", "nan x", "张三", "　张三　", "1", "-1", "#N/A",
                                  "\x1c\x1d" * 5, "none", "NULL", "———", " / ", "ＸＦ２", "—— " * 3])
def test_blank_rule_same_in_arrow_and_python(cell: str) -> None:
    import pyarrow as pa

    from evalkit.io.clean import _is_blank_str, blank_arrow
    assert bool(blank_arrow(pa.array([cell, "XF1", cell]))[0]) == _is_blank_str(cell)
    assert bool(blank_mask(s(cell))[0]) == _is_blank_str(cell)


def test_free_text_keeps_full_width_punctuation(tmp_path) -> None:
    import xlsxwriter

    from evalkit.io import load_table
    from evalkit.schema import SELF_ASSESSMENT
    path = tmp_path / "self_assessment.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("自评表")
    ws.write_row(0, 0, ["指标编码", "指标名称", "自评值", "自评得分", "扣分原因", "佐证材料"])
    ws.write_row(1, 0, ["Ｍ４．２", "绩效目标（产出）", "２", "2.50",
                        " 产出指标偏少，部分未量化（待改进）。 ", "绩效目标申报表；自评报告"])
    book.close()
    frame, problems = load_table(path, SELF_ASSESSMENT)
    assert not problems
    row = frame.iloc[0]
    # codes, names and values are folded ...
    assert (row.indicator_id, row.indicator_name, row.actual) == ("M4.2", "绩效目标(产出)", "2")
    # ... the analyst's prose is only trimmed
    assert row.reason == "产出指标偏少，部分未量化（待改进）。"
    assert row.evidence == "绩效目标申报表；自评报告"


@pytest.mark.parametrize("cells", [
    ["440183196008017014", "44018319600801701X", "张三", "欧阳娜娜", ""],     # all normal
    ["44018319600801701x", " 张三 ", "张 三", "ｗａｎｇ", "欧阳·娜娜", "Li Ming", "—", "",
     "440183\\t196008017014", "１２３", "ß"],                                 # some not
])
def test_person_key_text_in_arrow_equals_the_python_rule(cells):
    """The Arrow normalisation of names and ID numbers (the fast path when every cell is
    normal already, and the full one) gives what the per-cell Python rule gives."""
    from evalkit.io.clean import blank_arrow
    from evalkit.io.pii import _key_text, _normalised_arrow

    arr = pa.array(cells, type=pa.string())
    blank = blank_arrow(arr)
    assert _normalised_arrow(arr, blank).to_pylist() == [
        _key_text(c, b) for c, b in zip(cells, blank.tolist())]
