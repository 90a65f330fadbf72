"""The bundled 示例数据 (data/raw/2021–2023): reference figures, internal consistency, determinism.

These tests read the xlsx files directly with pandas + calamine (not through evalkit.io), so they
check the generated files themselves. Rates use the definitions of docs/architecture.md; population
= cases registered in the year, 涉法涉诉 excluded.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit import schema
from evalkit.numfmt import change_pct, ratio_pct

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SCRIPT = ROOT / "scripts" / "make_sample_data.py"
YEARS = (2021, 2022, 2023)
TEXT_COLS = {"功能分类科目编码": str, "项目编码": str, "信访件编号": str, "身份证号": str,
             "联系电话": str}


def read_budget(year: int) -> tuple[pd.DataFrame, pd.Series]:
    df = pd.read_excel(RAW / str(year) / "budget.xlsx", sheet_name="预算执行", header=2,
                       engine="calamine", dtype=TEXT_COLS)
    is_total = df["功能分类科目编码"].eq("合计")
    assert is_total.sum() == 1 and is_total.iloc[-1]
    return df[~is_total].reset_index(drop=True), df[is_total].iloc[0]


def read_petitions(year: int) -> pd.DataFrame:
    df = pd.read_excel(RAW / str(year) / "petitions.xlsx", sheet_name="信访台账", header=1,
                       engine="calamine", dtype=TEXT_COLS)
    for col in ("登记日期", "受理日期", "办结日期", "限办截止日期"):
        df[col] = pd.to_datetime(df[col])
    return df


def fen(values) -> int:
    """Exact sum in 分 of amounts in 元."""
    return int(np.rint(pd.Series(values, dtype="float64").fillna(0) * 100).astype("int64").sum())


def population(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["是否涉法涉诉"].ne("是")]


def petition_figures(year: int) -> dict:
    p = population(read_petitions(year))
    qi = p["信访目的"].eq("求决类") & p["初重件"].eq("初件")
    den = p[qi & p["办结日期"].notna()]
    sat = p["满意度评价"].fillna("未评价")
    rated = sat.isin(["满意", "基本满意", "不满意"]).sum()
    return {
        "cases": len(p),
        "online_share": ratio_pct(int((~p["信访形式"].isin(["来信", "来访"])).sum()), len(p)),
        "first_time": ratio_pct(int(den["是否一次性化解"].eq("是").sum()), len(den)),
        "satisfaction": ratio_pct(int(sat.isin(["满意", "基本满意"]).sum()), int(rated)),
        "national": int((qi & p["是否到国家信访局登记"].eq("是")).sum()),
    }


def budget_figures(year: int) -> dict:
    lines, _ = read_budget(year)
    basic = lines["支出类型"].eq("基本支出")
    return {
        "budget": fen(lines["全年预算数"]), "actual": fen(lines["实际支出数"]),
        "basic_actual": fen(lines.loc[basic, "实际支出数"]),
        "project_actual": fen(lines.loc[~basic, "实际支出数"]),
    }


def peer_ranks(year: int) -> dict[str, tuple[int, Decimal]]:
    df = pd.read_excel(RAW / str(year) / "peers.xlsx", sheet_name="各区对比", engine="calamine")
    assert list(df.columns) == [c.header for c in schema.PEERS.columns]
    wide = df.pivot(index="区", columns="年度", values=df.columns[2])
    change = {d: change_pct(int(wide.loc[d, year]), int(wide.loc[d, year - 1]))
              for d in wide.index}
    order = sorted(change, key=lambda d: change[d])  # rank 1 = largest fall
    return {d: (order.index(d) + 1, change[d]) for d in order}


# ---------------------------------------------------------------------------------------------
# 2023 reproduces the reference report
# ---------------------------------------------------------------------------------------------


def test_2023_budget_totals_exact_in_yuan():
    lines, total = read_budget(2023)
    f = budget_figures(2023)
    assert f["budget"] == 7_831_600_00
    assert f["actual"] == 7_749_000_00
    assert f["basic_actual"] == 5_801_300_00
    assert f["project_actual"] == 1_947_700_00
    assert fen([total["全年预算数"]]) == 7_831_600_00
    assert fen([total["实际支出数"]]) == 7_749_000_00
    assert ratio_pct(f["actual"], f["budget"]) == Decimal("98.95")
    assert set(lines["支出类型"]) == {"基本支出", "项目支出"}
    assert 10 <= len(lines) <= 16


def test_2023_petition_rates():
    f = petition_figures(2023)
    assert f["cases"] == 3000
    assert f["online_share"] == Decimal("88.67")
    assert f["first_time"] == Decimal("98.10")
    assert f["satisfaction"] == Decimal("99.84")
    assert f["national"] == 46
    assert petition_figures(2022)["national"] == 81
    assert change_pct(46, 81) == Decimal("-43.21")


def test_2023_peer_rank_3_of_11():
    ranks = peer_ranks(2023)
    assert len(ranks) == 11
    assert ranks["增城区"] == (3, Decimal("-43.21"))
    # 增城区 rows equal the registers of both years
    df = pd.read_excel(RAW / "2023" / "peers.xlsx", sheet_name="各区对比", engine="calamine")
    own = df[df["区"].eq("增城区")].set_index("年度").iloc[:, -1].to_dict()
    assert own == {y: petition_figures(y)["national"] for y in (2022, 2023)}


def test_peer_files_agree_between_years():
    a = pd.read_excel(RAW / "2022" / "peers.xlsx", engine="calamine")
    b = pd.read_excel(RAW / "2023" / "peers.xlsx", engine="calamine")
    shared = a[a["年度"].eq(2022)].merge(b[b["年度"].eq(2022)], on=["区", "年度"])
    assert len(shared) == 11
    assert (shared.iloc[:, 2] == shared.iloc[:, 3]).all()
    assert peer_ranks(2022)["增城区"] == (4, Decimal("-14.74"))
    assert not (RAW / "2021" / "peers.xlsx").exists()


# ---------------------------------------------------------------------------------------------
# Internal consistency of every year
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_budget_consistency(year):
    raw = pd.read_excel(RAW / str(year) / "budget.xlsx", sheet_name="预算执行", header=None,
                        engine="calamine", nrows=3)
    assert "示例数据" in str(raw.iloc[0, 0]) and str(year) in str(raw.iloc[0, 0])
    assert str(raw.iloc[1, 0]).strip() == "单位：元"
    assert list(raw.iloc[2]) == [c.header for c in schema.BUDGET.columns]
    lines, total = read_budget(year)
    months = [f"{m}月" for m in range(1, 13)]
    for _, row in lines.iterrows():
        assert fen([row["年初预算数"], row["调整预算数"]]) == fen([row["全年预算数"]])
        assert fen(row[months]) == fen([row["实际支出数"]])
        assert 0 <= fen([row["实际支出数"]]) <= fen([row["全年预算数"]])
    for col in ["年初预算数", "调整预算数", "全年预算数", "实际支出数", *months]:
        assert fen([total[col]]) == fen(lines[col]), col
        assert pd.api.types.is_float_dtype(lines[col]) or pd.api.types.is_integer_dtype(lines[col])


@pytest.mark.parametrize("year", YEARS)
def test_petition_register_consistency(year):
    head = pd.read_excel(RAW / str(year) / "petitions.xlsx", header=None, nrows=2,
                         engine="calamine")
    assert "示例数据" in str(head.iloc[0, 0])
    assert list(head.iloc[1]) == [c.header for c in schema.PETITIONS.columns]
    df = read_petitions(year)
    assert df["信访件编号"].is_unique
    assert df["登记日期"].dt.year.eq(year).all()
    acc, clo, reg = df["受理日期"], df["办结日期"], df["登记日期"]
    assert (acc.isna() | (acc >= reg)).all()
    assert (clo.isna() | (acc.notna() & (clo >= acc))).all()
    assert (acc.notna() | (reg >= pd.Timestamp(year, 12, 1))).all()  # only late cases unaccepted
    ext = df["延期天数"].fillna(0)
    assert ext.between(0, 30).all()
    due = acc + pd.to_timedelta(60 + ext, unit="D")
    assert (df["限办截止日期"].isna() == acc.isna()).all()
    assert (df["限办截止日期"].dropna() == due[acc.notna()]).all()
    for col in ("信访形式", "信访目的", "初重件", "满意度评价"):
        choices = set(schema.PETITIONS.columns[[c.header for c in
                                                 schema.PETITIONS.columns].index(col)].choices)
        assert set(df[col].dropna()) <= choices, col
    assert set(df["所属镇街"]) <= {"荔城街道", "增江街道", "朱村街道", "永宁街道", "宁西街道",
                                 "新塘镇", "石滩镇", "中新镇", "派潭镇", "小楼镇", "正果镇",
                                 "仙村镇", "荔湖街道"}
    p = population(df)
    repeat_share = p["初重件"].eq("重件").mean()
    assert 0.08 <= repeat_share <= 0.12
    # 一次性化解 only on 求决类 初件 closed cases
    flagged = p[p["是否一次性化解"].notna()]
    assert (flagged["信访目的"].eq("求决类") & flagged["初重件"].eq("初件")
            & flagged["办结日期"].notna()).all()
    # ratings only on closed cases
    assert p.loc[p["办结日期"].isna(), "满意度评价"].isna().all()


@pytest.mark.parametrize("year", YEARS)
def test_personal_columns_are_fake(year):
    df = read_petitions(year)
    for col in ("信访人姓名", "身份证号", "联系电话", "地址", "诉求内容"):
        assert df[col].notna().all(), col
    ids = df["身份证号"]
    assert ids.str.fullmatch(r"440183\d{11}[\dX]").all()
    factors = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

    def valid(s: str) -> bool:
        check = (12 - sum(int(c) * f for c, f in zip(s[:17], factors)) % 11) % 11
        return s[17] == ("X" if check == 10 else str(check))

    assert not any(valid(s) for s in ids)  # deliberately invalid check digits
    assert df["联系电话"].str.fullmatch(r"1[358]\d{9}").all()
    # 重件 come from people who petitioned before: the same name + ID appears more than once
    assert df.duplicated(["信访人姓名", "身份证号"]).sum() >= 0.5 * df["初重件"].eq("重件").sum()


@pytest.mark.parametrize("year", YEARS)
def test_department_yaml(year):
    doc = yaml.safe_load((RAW / str(year) / "department.yaml").read_text(encoding="utf-8"))
    assert doc["sample"] is True
    assert doc["department"] == "增城区信访局" and doc["district"] == "增城区"
    assert doc["city"] == "广州市" and doc["framework"] == "guangzhou_district"
    assert len(doc["functions"]) == 7
    assert len(doc["key_tasks"]) == 3
    assert all({"title", "goal", "result"} <= set(t) for t in doc["key_tasks"])
    for key in ("annual_work", "performance_goal", "management"):
        assert isinstance(doc[key], str) and doc[key]
    assert "示例数据" in (RAW / str(year) / "PROVENANCE.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Years differ; generation is deterministic
# ---------------------------------------------------------------------------------------------


def test_earlier_years_are_plausible_and_different():
    figs = {y: {**budget_figures(y), **petition_figures(y)} for y in YEARS}
    for y in (2021, 2022):
        f = figs[y]
        for key, value in f.items():
            assert value != figs[2023][key], (y, key)
        assert Decimal("96") <= ratio_pct(f["actual"], f["budget"]) <= Decimal("99")
        assert Decimal("83") <= f["online_share"] <= Decimal("87")
        assert Decimal("96") <= f["first_time"] <= Decimal("97.5")
        assert Decimal("99.3") <= f["satisfaction"] <= Decimal("99.7")
    assert figs[2021] != figs[2022]
    assert figs[2021]["budget"] < figs[2022]["budget"] < figs[2023]["budget"]


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    out = tmp_path / "raw"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, timeout=120)
    fresh = _hashes(out)
    assert {f"{y}/{n}" for y in YEARS for n in ("budget.xlsx", "petitions.xlsx",
                                                 "department.yaml", "PROVENANCE.md")} <= set(fresh)
    committed = {name: digest for name, digest in _hashes(RAW).items() if name in fresh}
    assert committed == fresh
    assert not list(out.rglob("*.tmp"))


def test_spending_profile_checkpoints_differ_between_years():
    """Project spending is back-loaded: the 6月 50 % checkpoint is met in 2022 only."""
    june = {}
    for year in YEARS:
        lines, _ = read_budget(year)
        done = fen(lines[[f"{m}月" for m in range(1, 7)]].to_numpy().ravel())
        june[year] = ratio_pct(done, fen(lines["全年预算数"]))
    assert june[2022] >= 50 > june[2023] and june[2021] < 50


@pytest.mark.e2e
def test_self_assessment_written_from_yaml(tmp_path):
    source = tmp_path / "sa.yaml"
    source.write_text(
        "2023:\n"
        "  - {indicator_id: M4.2, indicator_name: 绩效目标设置, actual: 2, score: 2.5,\n"
        "     reason: 产出指标设置数量过少, evidence: 绩效目标申报表}\n"
        "  - {indicator_id: M6.1, actual: 是}\n"
        "'2022':\n"
        "  - {indicator_id: M4.2, actual: 3}\n", encoding="utf-8")
    out = tmp_path / "raw"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--years", "2022", "2023",
                    "--self-assessment", str(source)], check=True, capture_output=True,
                   timeout=120)
    df = pd.read_excel(out / "2023" / "self_assessment.xlsx", sheet_name="自评表", header=1,
                       engine="calamine", dtype={"指标编码": str, "自评值": str})
    assert list(df.columns) == [c.header for c in schema.SELF_ASSESSMENT.columns]
    assert df["指标编码"].tolist() == ["M4.2", "M6.1"]
    assert df.loc[0, "自评得分"] == 2.5 and pd.isna(df.loc[1, "自评得分"])
    assert df.loc[1, "自评值"] == "是"
    assert (out / "2022" / "self_assessment.xlsx").exists()


def test_budget_adjustment_rate_and_office_costs():
    """预算调整率 (调整预算数 / 年初预算数) and the 日常公用经费 change match the sample 自评表 values."""
    adj_rate, office = {}, {}
    for year in YEARS:
        lines, _ = read_budget(year)
        adj_rate[year] = ratio_pct(fen(lines["调整预算数"]), fen(lines["年初预算数"]))
        office[year] = fen(lines.loc[lines["项目名称"].eq("日常公用经费"), "实际支出数"])
    assert adj_rate == {2021: Decimal("12.40"), 2022: Decimal("6.50"), 2023: Decimal("4.20")}
    assert change_pct(office[2022], office[2021]) == Decimal("3.20")
    assert change_pct(office[2023], office[2022]) == Decimal("-1.80")
