"""Generate synthetic petition registers for the benchmarks, tidy (parquet) or raw (csv/xlsx).

Tidy: one file per year and size, ``bench/out/register_<size>_<year>.parquet`` with the tidy
columns of ``schema.PETITIONS`` (no personal columns), as :func:`evalkit.io.load_year` produces
them (``bench_metrics.py``).

Raw: a data folder ``bench/out/raw_<size>_<fmt>/<year>/`` per size and format, as an analyst
would receive it: ``petitions.csv`` (UTF-8, a title line above the header, fake personal
columns, a few 诉求内容 with quoted line breaks) or ``petitions.xlsx`` (date cells), beside the
sample's budget, self-assessment, peers and department.yaml of that year
(``bench_product.py`` runs ``evalkit metrics`` on it). Deterministic (fixed seed). Usage::

    .venv/bin/python bench/gen_registers.py --sizes 100k,1M --years 2022,2023
    .venv/bin/python bench/gen_registers.py --sizes 1M --format csv
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "out"
CHANNELS = np.array(["来信", "来访", "网上信访", "电话", "手机信访", "微信", "领导信箱", "电子邮件", "其他"])
CHANNEL_P = np.array([0.07, 0.05, 0.55, 0.08, 0.12, 0.08, 0.03, 0.01, 0.01])
PURPOSES = np.array(["求决类", "申诉类", "建议意见类", "检举控告类", "咨询类", "其他"])
PURPOSE_P = np.array([0.45, 0.10, 0.10, 0.10, 0.15, 0.10])
SATISFACTION = np.array(["满意", "基本满意", "不满意", "未评价"])
SATISFACTION_P = np.array([0.38, 0.07, 0.01, 0.54])
TOWNSHIPS = np.array(["荔城街道", "增江街道", "朱村街道", "永宁街道", "新塘镇", "石滩镇", "中新镇",
                      "仙村镇", "派潭镇", "正果镇", "小楼镇", "荔湖街道", "宁西街道"])
UNITS = np.array([f"区单位{i:02d}" for i in range(40)] + [None], dtype=object)


def parse_size(text: str) -> int:
    """``100k`` -> 100000, ``1M`` -> 1000000, ``5M`` -> 5000000."""
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * mult)


def size_label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def register(n: int, year: int, seed: int) -> pd.DataFrame:
    """A synthetic tidy register of ``n`` cases registered in ``year`` (plus 0.5% 涉法涉诉)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(f"{year}-01-01", "D")
    days = (np.datetime64(f"{year + 1}-01-01", "D") - start).astype(int)
    reg = start + rng.integers(0, days, n).astype("timedelta64[D]")
    acc = reg + rng.integers(0, 20, n).astype("timedelta64[D]")
    acc[rng.random(n) < 0.03] = np.datetime64("NaT")
    closed = acc + rng.integers(5, 85, n).astype("timedelta64[D]")
    closed[(rng.random(n) < 0.08) | np.isnat(acc)] = np.datetime64("NaT")
    ext = np.where(rng.random(n) < 0.08, rng.integers(1, 31, n), 0)
    due = acc + (60 + ext).astype("timedelta64[D]")
    due[rng.random(n) < 0.6] = np.datetime64("NaT")
    resolved = pd.array(rng.random(n) < 0.95, dtype="boolean")
    resolved[rng.random(n) < 0.3] = pd.NA
    return pd.DataFrame({
        "registered_on": reg.astype("datetime64[ns]"),
        "accepted_on": acc.astype("datetime64[ns]"),
        "closed_on": closed.astype("datetime64[ns]"),
        "due_on": due.astype("datetime64[ns]"),
        "extension_days": pd.array(ext, dtype="Int64"),
        "channel": rng.choice(CHANNELS, n, p=CHANNEL_P),
        "purpose": rng.choice(PURPOSES, n, p=PURPOSE_P),
        "is_repeat": rng.random(n) < 0.1,
        "resolved_first_time": resolved,
        "satisfaction": rng.choice(SATISFACTION, n, p=SATISFACTION_P),
        "township": rng.choice(TOWNSHIPS, n),
        "responsible_unit": rng.choice(UNITS, n),
        "registered_national": pd.array(rng.random(n) < 0.02, dtype="boolean"),
        "is_litigation": pd.array(rng.random(n) < 0.005, dtype="boolean"),
    })


def case_ids(n: int, year: int) -> pa.Array:
    """``XF<year><8-digit serial>`` built in Arrow (no Python string objects)."""
    serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), width=8, padding="0")
    return pc.binary_join_element_wise(f"XF{year}", serial, "")


def path_for(n: int, year: int, out: Path = OUT) -> Path:
    return out / f"register_{size_label(n)}_{year}.parquet"


def generate(n: int, years: list[int], out: Path = OUT, force: bool = False) -> list[Path]:
    """Write the registers of ``n`` cases for each year (skipped when present) and return paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in years:
        path = path_for(n, year, out)
        if force or not path.exists():
            t = time.perf_counter()
            table = pa.Table.from_pandas(register(n, year, seed=year * 7 + n % 97),
                                         preserve_index=False)
            table = table.add_column(0, "case_id", case_ids(n, year))
            tmp = path.with_suffix(".tmp")
            pq.write_table(table, tmp, row_group_size=1 << 20)
            tmp.replace(path)
            print(f"wrote {path.name} ({path.stat().st_size / 2**20:.1f} MiB, "
                  f"{time.perf_counter() - t:.1f} s)", file=sys.stderr)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- raw registers

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "raw"
SAMPLE_FILES = ("budget.xlsx", "self_assessment.xlsx", "peers.xlsx", "department.yaml")
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
                "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯健俊帆旭宁"
             "龙林欢阳晨瑞鹏飞鑫波宏亮翔志国")
ROADS = list("荔新增江凤凰朱村永和石滩中新仙村派潭正果小楼宁西园岭")
TOPICS = ("反映小区物业管理混乱、公共维修基金使用不公开，请求协调处理",
          "要求解决被征地农民养老保险补缴问题", "反映路段路灯损坏、路面积水，要求尽快维修",
          "反映拖欠工资，请求协助追讨", "对村民小组土地承包调整结果不服，要求重新处理",
          "咨询农村宅基地报建审批流程", "反映夜间施工噪音扰民", "反映网购商品退款纠纷，请求协助",
          "咨询生育登记及相关补贴政策", "反映邻里之间排水沟堵塞纠纷，请求调解",
          "反映楼盘逾期交楼，要求开发商按合同赔偿", "建议增开公交线路，方便村民出行")
NEWLINE_SHARE = 0.001
"""Share of 诉求内容 cells holding a line break (quoted in the csv, as exports do)."""


def _pick(values: list[str], idx: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(idx))


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def _join(*parts: "pa.Array | str") -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def petitioners(k: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """``k`` fake petitioners: name, ID number (wrong check digit: never a real one), phone,
    address, built in Arrow."""
    birth = (np.datetime64("1945-01-01") + rng.integers(0, 21_000, k).astype("timedelta64[D]"))
    ymd = pc.strftime(pa.array(birth.astype("datetime64[s]")), "%Y%m%d")
    name = _join(_pick(SURNAMES, rng.integers(0, len(SURNAMES), k)),
                 _pick(GIVEN, rng.integers(0, len(GIVEN), k)),
                 pc.if_else(pa.array(rng.random(k) < 0.7),
                            _pick(GIVEN, rng.integers(0, len(GIVEN), k)), ""))
    check = _pick(list("0123456789X"), rng.integers(0, 11, k))
    id_number = _join("440183", ymd, _digits(rng.integers(0, 1000, k), 3), check)
    phone = _join("13", _digits(rng.integers(0, 10**9, k), 9))
    town = _pick(list(TOWNSHIPS), rng.integers(0, len(TOWNSHIPS), k))
    road = _join(_pick(ROADS, rng.integers(0, len(ROADS), k)),
                 _pick(ROADS, rng.integers(0, len(ROADS), k)))
    address = _join("广州市增城区", town, road, "路", _digits(rng.integers(1, 300, k), 1), "号")
    return {"petitioner_name": name, "id_number": id_number, "phone": phone, "address": address}


def _date_text(values: pd.Series) -> pa.Array:
    stamps = pa.array(values.to_numpy(dtype="datetime64[s]"), type=pa.timestamp("s"))
    return pc.fill_null(pc.strftime(stamps, "%Y-%m-%d"), "")


def _yes_no(values: "pd.Series | np.ndarray") -> pa.Array:
    arr = pa.array(pd.array(values, dtype="boolean"))
    return pc.fill_null(pc.if_else(arr, "是", "否"), "")


def raw_register(n: int, year: int) -> tuple[pa.Table, list[int]]:
    """The raw register of ``n`` cases: every column as text, headers as in the template.

    Returns the table and the positions of its date columns (written as date cells in xlsx)."""
    from evalkit.schema import PETITIONS

    tidy = register(n, year, seed=year * 7 + n % 97)
    rng = np.random.default_rng(year * 11 + n % 89)
    people = petitioners(max(1000, n // 3), rng)
    who = pa.array(rng.integers(0, max(1000, n // 3), n))
    text = _pick(list(TOPICS), rng.integers(0, len(TOPICS), n))
    broken = pa.array(rng.random(n) < NEWLINE_SHARE)
    text = pc.if_else(broken, _join(text, "\n（补充：来电再次反映，\"加急\"）"), text)
    cols: dict[str, pa.Array] = {"case_id": _join(f"ZC{year}-", _digits(np.arange(1, n + 1), 8))}
    for key in ("registered_on", "accepted_on", "closed_on", "due_on"):
        cols[key] = _date_text(tidy[key])
    cols["extension_days"] = pc.cast(pa.array(tidy["extension_days"].to_numpy()), pa.string())
    for key in ("channel", "purpose", "satisfaction", "township"):
        cols[key] = pa.array(tidy[key], type=pa.string())
    cols["responsible_unit"] = pc.fill_null(pa.array(tidy["responsible_unit"], pa.string()), "")
    cols["is_repeat"] = pc.if_else(pa.array(tidy["is_repeat"]), "重件", "初件")
    for key in ("resolved_first_time", "registered_national", "is_litigation"):
        cols[key] = _yes_no(tidy[key])
    cols.update({k: v.take(who) for k, v in people.items()})
    cols["complaint_text"] = text
    keys = [c.key for c in PETITIONS.columns]
    table = pa.table({c.header: cols[c.key] for c in PETITIONS.columns})
    return table, [keys.index(k) for k in ("registered_on", "accepted_on", "closed_on", "due_on")]


def raw_dir(n: int, fmt: str, out: Path = OUT) -> Path:
    """The data folder (holding one folder per year) of the raw registers of ``n`` cases."""
    return out / f"raw_{size_label(n)}_{fmt}"


def write_csv(table: pa.Table, year: int, path: Path) -> None:
    """UTF-8 csv with a title line above the header row, as registers are exported."""
    with open(path, "wb") as fh:
        fh.write(f"{year}年度信访事项登记台账（合成数据）\n".encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(batch_size=1 << 16))


def write_xlsx(table: pa.Table, year: int, path: Path, date_cols: list[int]) -> None:
    """xlsx (xlsxwriter, constant memory): a title row, the header, dates as date cells."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("信访台账")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [f"{year}年度信访事项登记台账（合成数据）"])
    sheet.write_row(1, 0, table.column_names)
    epoch = np.datetime64("1899-12-30", "D")
    columns = []
    for j, name in enumerate(table.column_names):
        col = table.column(name)
        if j in date_cols:
            days = pc.strptime(pc.if_else(pc.equal(col, ""), None, col), "%Y-%m-%d", "s")
            serial = (days.to_numpy(zero_copy_only=False).astype("datetime64[D]") - epoch)
            columns.append([None if np.isnat(d) else int(d.astype(int)) for d in serial])
        else:
            columns.append(col.to_pylist())
    for i, row in enumerate(zip(*columns), start=2):
        for j, value in enumerate(row):
            if j in date_cols:
                if value is not None:
                    sheet.write_number(i, j, value, date_fmt)
            elif value != "":
                sheet.write_string(i, j, value)
    book.close()


def generate_raw(n: int, years: list[int], fmt: str, out: Path = OUT,
                 force: bool = False) -> Path:
    """Write the raw data folder of ``n`` cases a year in ``fmt`` (csv|xlsx); return it."""
    base = raw_dir(n, fmt, out)
    for year in years:
        folder = base / str(year)
        target = folder / f"petitions.{fmt}"
        if target.exists() and not force:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for name in SAMPLE_FILES:
            if (SAMPLE / str(year) / name).exists():
                shutil.copyfile(SAMPLE / str(year) / name, folder / name)
        t = time.perf_counter()
        table, date_cols = raw_register(n, year)
        tmp = folder / f".petitions.tmp.{fmt}"
        if fmt == "csv":
            write_csv(table, year, tmp)
        else:
            write_xlsx(table, year, tmp, date_cols)
        tmp.replace(target)
        print(f"wrote {target.relative_to(out)} ({target.stat().st_size / 2**20:.1f} MiB, "
              f"{time.perf_counter() - t:.1f} s)", file=sys.stderr)
    return base


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--years", default="2022,2023")
    ap.add_argument("--format", choices=("parquet", "csv", "xlsx"), default="parquet",
                    help="parquet: tidy registers; csv/xlsx: raw data folders")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    years = [int(y) for y in args.years.split(",")]
    for size in args.sizes.split(","):
        if args.format == "parquet":
            generate(parse_size(size), years, args.out, args.force)
        else:
            generate_raw(parse_size(size), years, args.format, args.out, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
