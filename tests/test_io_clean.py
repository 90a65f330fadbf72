"""Cell-level cleaning rules of evalkit.io.clean, on tiny inline Series."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from evalkit.io.clean import (parse_amount, parse_bool, parse_category, parse_date, parse_int,
                              parse_text)
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


@pytest.mark.parametrize("header,key,unit", [
    ("年初预算数（元）", "年初预算数", "元"), ("全年预算数(万元)", "全年预算数", "万元"),
    ("登记日期 ", "登记日期", None), ("登记\u3000日期", "登记日期", None),
    ("延期天数（天）", "延期天数", "天")])
def test_header_normalisation(header: str, key: str, unit: str | None) -> None:
    assert normalise_header(header) == (key, unit)
