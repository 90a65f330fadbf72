"""The csv reader (Arrow's columnar reader, block by block): record numbers, odd records,
encodings, and personal columns that are never read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from evalkit.io import readers
from evalkit.io.readers import read_grid
from evalkit.io.tables import load_table
from evalkit.schema import PETITIONS

HEAD = ["信访件编号", "登记日期", "受理日期", "办结日期", "延期天数", "信访形式", "信访目的",
        "初重件", "是否一次性化解", "满意度评价", "所属镇街", "信访人姓名", "身份证号", "联系电话",
        "地址", "诉求内容"]
PII = ["王小明", "440183199001017777", "13912345678", "增城区某路1号"]


def row(i: int, date: str = "2023-03-05", text: str = "反映噪音") -> list[str]:
    return [f"XF{i:06d}", date, date, "", "0", "网上信访", "求决类", "初件", "是", "满意",
            "荔城街道", *PII, text]


def csv_text(rows: list[list[str]], title: bool = True) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if any(c in v for c in ',"\n') else v
    lines = (["2023年度信访台账"] if title else []) + [",".join(map(cell, HEAD))]
    lines += [",".join(cell(v.replace('"', '""')) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def errors(problems: list) -> list[str]:
    return [p.format() for p in problems if p.level == "error"]


def test_quoted_line_breaks_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    """A cell holding line breaks is one row, as Excel/WPS shows the file: row numbers count
    records (the text editor's line number is larger by the breaks above)."""
    rows = [row(1, text="第一行\n第二行\n第三行"), row(2, text='他说："加急"，\r\n再次反映'),
            row(3, date="2023-13-45")]
    path = tmp_path / "petitions.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    _, problems = load_table(path, PETITIONS, year=2023, salt="s")
    registered, accepted = errors(problems)
    assert "第5行" in registered and "「登记日期」" in registered and "2023-13-45" in registered
    assert "第5行" in accepted and "「受理日期」" in accepted
    assert path.read_text(encoding="utf-8").splitlines()[7].startswith("XF000003")  # line 8
    rows[2] = row(3)
    path.write_text(csv_text(rows), encoding="utf-8")
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert not errors(problems)
    assert list(frame.source_row) == [3, 4, 5]
    assert "complaint_text" not in frame and "phone" not in frame


def test_bad_date_far_down_names_its_line(tmp_path: Path) -> None:
    """Across many read blocks, a bad date on record 123 456 still says 第123456行."""
    n = 123_460
    body = "".join(f"XF{i:06d},2023-03-05,,,0,网上信访,求决类,初件,,满意,荔城街道,,,,,\n"
                   for i in range(n))
    bad = 123_456 - 3  # two lines above the data (title, header); records count from 1
    body = body.replace(f"XF{bad:06d},2023-03-05,", f"XF{bad:06d},2023-02-30,", 1)
    path = tmp_path / "petitions.csv"
    path.write_text("台账\n" + ",".join(HEAD) + "\n" + body, encoding="utf-8")
    assert path.stat().st_size > 4 * readers.CSV_BLOCK_BYTES
    _, problems = load_table(path, PETITIONS, year=2023, salt="s")
    (message,) = errors(problems)
    assert "第123456行" in message and "2023-02-30" in message


def test_short_long_and_blank_records_stay_in_place(tmp_path: Path) -> None:
    """Ragged records (cells missing at the end, an extra cell) are padded or cut as the old
    reader did, and blank lines still count, so every later row keeps its number."""
    text = csv_text([row(1), row(2)]).splitlines()
    text.insert(3, "")                                  # a blank line: record 4
    text.append(",".join(row(3)[:11]))                  # no personal cells at all: record 6
    text.append(",".join(row(4)) + ",多出来的格")          # one cell too many: record 7
    text.append("   ")                                  # only spaces: record 8
    text.append(",".join(row(5)))                       # record 9
    path = tmp_path / "petitions.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert not errors(problems), errors(problems)
    assert list(frame.source_row) == [3, 5, 6, 7, 9]
    assert list(frame.case_id) == ["XF000001", "XF000002", "XF000003", "XF000004", "XF000005"]
    assert frame.petitioner_key.isna().tolist() == [False, False, True, False, False]


@pytest.mark.e2e
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_read_alike_across_blocks(tmp_path: Path, encoding: str) -> None:
    """UTF-8 with or without BOM, GBK and GB18030 (here over several read blocks) give the
    same frame."""
    rows = [row(i, text=f"反映第{i}号楼噪音" + "，" * (i % 7)) for i in range(30_000)]
    text = csv_text(rows)
    (tmp_path / "ref.csv").write_text(text, encoding="utf-8")
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    assert path.stat().st_size > readers.CSV_BLOCK_BYTES
    ref, p1 = load_table(tmp_path / "ref.csv", PETITIONS, year=2023, salt="s")
    got, p2 = load_table(path, PETITIONS, year=2023, salt="s")
    assert not p1 and not p2
    pd.testing.assert_frame_equal(ref, got)


def test_gb18030_beyond_gbk(tmp_path: Path) -> None:
    """Characters that GBK lacks (a CJK extension B ideograph) decode through GB18030."""
    rows = [row(1), row(2)]
    rows[1][10] = "\U00020000镇"
    path = tmp_path / "petitions.csv"
    path.write_bytes(csv_text(rows).encode("gb18030"))
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert not errors(problems)
    assert frame.township.tolist() == ["荔城街道", "\U00020000镇"]


def test_utf8_head_then_gbk_is_an_encoding_error(tmp_path: Path) -> None:
    """Decided on the whole file, as before: UTF-8 in its first bytes and GBK further down is
    neither encoding throughout, a located error (not a crash, not a half-read frame)."""
    head = csv_text([]).encode("utf-8")
    rest = "".join(",".join(row(i)) + "\n" for i in range(8000)).encode("gbk")
    path = tmp_path / "petitions.csv"
    path.write_bytes(head + b" " * readers.CSV_HEAD_BYTES + rest)
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert frame is None
    (message,) = errors(problems)
    assert "无法识别的文件编码" in message and "petitions.csv" in message


@pytest.mark.parametrize("data,fragment", [
    (b"\xff\xfe\xff\xfe" * 10, "无法识别的文件编码"),
    (b"PK\x03\x04\x00\x00binary", "不是文本 csv"),
])
def test_unreadable_csv_is_a_located_error(tmp_path: Path, data: bytes, fragment: str) -> None:
    path = tmp_path / "petitions.csv"
    path.write_bytes(data)
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert frame is None
    (message,) = errors(problems)
    assert fragment in message and "petitions.csv" in message


def test_unused_personal_columns_are_never_read(tmp_path: Path) -> None:
    """Phone, address and 诉求内容 are located in the header and not even converted; name and
    ID number (for the key) are read as Arrow text; nothing is a Python string."""
    path = tmp_path / "petitions.csv"
    path.write_text(csv_text([row(1), row(2)]), encoding="utf-8")
    grid = read_grid(path, PETITIONS)
    skipped = {HEAD.index(h) for h in ("联系电话", "地址", "诉求内容")}
    assert skipped.isdisjoint(grid.columns)
    assert {HEAD.index("信访人姓名"), HEAD.index("身份证号")} <= set(grid.columns)
    assert all(isinstance(c, pa.Array) for c in grid.columns.values())
    assert grid.n_rows == 4 and grid.head(2)[1][:2] == ["信访件编号", "登记日期"]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\x85", "\x9f", "\u200b",
                                  "\u200f", "\u202a", "\u202e", "\u2060", "\u2064", "\u2066",
                                  "\u2069", "\ufeff"])
def test_invisible_characters_found_in_one_pass_over_the_text(char: str) -> None:
    """The whole-buffer search finds each character class of _INVISIBLE in any cell, of a
    string or large_string array; text outside a slice may raise a false alarm, never hide a
    cell."""
    from evalkit.io.tables import _may_hold, _may_hold_invisible
    cells = [f"XF{i:06d}" for i in range(5000)]
    for kind in (pa.string(), pa.large_string()):
        assert not _may_hold_invisible(pa.array(cells, type=kind))
        hit = pa.array(cells[:4321] + [f"XF{char}004321"] + cells[4322:], type=kind)
        assert _may_hold_invisible(hit)
        assert _may_hold_invisible(hit.slice(4000, 500)) and _may_hold_invisible(hit.slice(4321))
    for kept in ("“引号”—…，（）·", "a\tb\r\n", "a\u2065b\u2070"):  # near, but kept
        assert not _may_hold_invisible(pa.array([kept]))
    for text in ("#", "计"):                       # Excel error literals, 合计 labels
        far = pa.array(cells[:4000] + [f"合{text}"] + cells[4001:])
        assert _may_hold(far, text) and _may_hold(far.slice(3999, 2), text)
        assert not _may_hold(pa.array(cells), text) and not _may_hold(pa.array(["订", "＃"]), text)
    assert not _may_hold_invisible(pa.array(["", ""])) \
        and not _may_hold_invisible(pa.array([], type=pa.string()))


def test_zero_width_space_far_down_a_mostly_distinct_column_is_removed(tmp_path: Path) -> None:
    """A zero-width space in one case number far down (a column read as plain text, over
    several read blocks) is removed before parsing, as in a small column."""
    rows = [row(i) for i in range(40_000)]
    rows[34_567][0] = "XF\u200b034567"
    path = tmp_path / "petitions.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    assert path.stat().st_size > 4 * readers.CSV_BLOCK_BYTES
    frame, problems = load_table(path, PETITIONS, year=2023, salt="s")
    assert not errors(problems)
    assert frame.case_id.iloc[34_567] == "XF034567"
    assert not frame.case_id.str.contains("\u200b").any()


@pytest.mark.parametrize(("cells", "repeats"), [
    (["XF1", "XF2", None, "XF3"], False),            # in order: decided by one comparison pass
    (["XF1", "XF2", None, "XF2", "XF3"], True),      # in order with a repeat: hashed
    (["XF3", "XF1", "XF2"], False),                  # out of order, distinct
    (["XF3", "XF1", "XF3"], True),
    ([None, None], False), (["XF1"], False), ([], False),
])
def test_repeated_case_numbers_in_or_out_of_order(cells: list, repeats: bool) -> None:
    from evalkit.io.checks import _repeats
    assert _repeats(pd.Series(cells, dtype="string[pyarrow]")) is repeats


def test_one_repeated_case_number_far_down_an_ordered_register(tmp_path: Path) -> None:
    """A register in 信访件编号 order with one number repeated on record 30 003 still names
    both rows."""
    rows = [row(i) for i in range(30_001)]
    rows.insert(30_000, row(29_999))                   # records 30 002 and 30 003
    path = tmp_path / "petitions.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    _, problems = load_table(path, PETITIONS, year=2023, salt="s")
    (message,) = errors(problems)
    assert "第30003行" in message and "第30002行" in message and "XF029999" in message
