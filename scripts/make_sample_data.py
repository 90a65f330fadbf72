#!/usr/bin/env python3
"""Generate the bundled 示例数据 (synthetic sample data) in ``data/raw/<year>/`` for 2021–2023.

Everything here is invented. The generator is deterministic: one fixed seed per year
(``numpy.random.default_rng``), fixed workbook timestamps, and atomic writes, so two runs give
byte-identical files. The headline figures are fixed *by construction* (flags are put on exactly k
rows chosen by the RNG, amounts are allocated in integer 分), never by hoping a random draw lands:

* 2023 budget: 全年预算数 7,831,600.00 元, 实际支出数 7,749,000.00 元 (98.95%), 基本支出 actual
  5,801,300.00 元, 项目支出 actual 1,947,700.00 元 — the reference report's 783.16 / 774.90 /
  580.13 / 194.77 万元.
* 2023 petitions (population = registered in the year, 涉法涉诉 excluded): 网信占比 2660/3000 =
  88.67%, 求决类初件 一次性化解率 981/1000 = 98.10%, 满意率 1248/1250 = 99.84%, 到国家信访局登记的
  求决类初件 46 (2022: 81) → −43.21%, ranked 3rd of 11 districts in ``peers.xlsx``.

Files per year: budget.xlsx (预算执行), petitions.xlsx (信访台账), peers.xlsx (各区对比, 2022 and
2023 only), department.yaml, self_assessment.xlsx (自评表, only when
``scripts/sample_self_assessment.yaml`` exists) and PROVENANCE.md.

Usage::

    python scripts/make_sample_data.py                 # writes data/raw/<year>/
    python scripts/make_sample_data.py --out /tmp/raw  # writes elsewhere (used by the tests)
    python scripts/make_sample_data.py --years 2023
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import xlsxwriter
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "raw"
SELF_ASSESSMENT_YAML = ROOT / "scripts" / "sample_self_assessment.yaml"
GENERATOR = "scripts/make_sample_data.py"
BASE_SEED = 20240315
YEARS = (2021, 2022, 2023)

# ---------------------------------------------------------------------------------------------
# Canonical headers (kept literal here so the generator does not depend on the package; the tests
# check them against evalkit.schema).
# ---------------------------------------------------------------------------------------------
BUDGET_HEADERS = [
    "功能分类科目编码", "功能分类科目名称", "项目编码", "项目名称", "支出类型", "资金来源",
    "年初预算数", "调整预算数", "全年预算数", "实际支出数", *[f"{m}月" for m in range(1, 13)],
]
PETITION_HEADERS = [
    "信访件编号", "登记日期", "受理日期", "办结日期", "限办截止日期", "延期天数", "信访形式",
    "信访目的", "初重件", "是否一次性化解", "满意度评价", "所属镇街", "责任单位",
    "是否到国家信访局登记", "是否涉法涉诉", "信访人姓名", "身份证号", "联系电话", "地址", "诉求内容",
]
PEER_HEADERS = ["区", "年度", "到国家信访局登记求决类初次信访事项数"]
SELF_ASSESSMENT_HEADERS = ["指标编码", "指标名称", "自评值", "自评得分", "扣分原因", "佐证材料",
                           "偏差原因分析及改进措施"]

# ---------------------------------------------------------------------------------------------
# Year targets. Amounts in 分 (1 元 = 100 分). Counts are exact.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetTarget:
    basic_budget: int
    project_budget: int
    basic_actual: int
    project_actual: int
    front_loading: float  # 0 = strongly back-loaded project spending, 1 = fairly even
    adjustment_rate: str  # 预算调整率 = 调整预算数 / 年初预算数 (%, half-up 2 dp)
    office_budget: int    # 日常公用经费 line (its year-on-year change is a 自评 indicator)
    office_actual: int
    mid_year: tuple[str, ...] = ()  # project lines funded in full by an in-year 追加


@dataclass(frozen=True)
class PetitionTarget:
    cases: int               # population: registered in the year, not 涉法涉诉
    litigation: int          # extra 涉法涉诉 rows (excluded from every metric)
    online: int              # 信访形式 not 来信/来访
    repeat: int              # 重件
    qiujue_initial_closed: int
    resolved_first_time: int
    rated: int               # 满意 + 基本满意 + 不满意
    unsatisfied: int
    national: int            # 求决类 + 初件 + 到国家信访局登记
    national_other: int      # other rows flagged 到国家信访局登记 (not 求决类初件): noise for filters


def _fen(yuan: str) -> int:
    whole, _, cents = yuan.replace(",", "").partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


BUDGET_TARGETS = {
    2021: BudgetTarget(_fen("5,298,400.00"), _fen("1,719,900.00"),
                       _fen("5,231,456.28"), _fen("1,627,813.59"), front_loading=0.15,
                       adjustment_rate="12.40", office_budget=_fen("556,000.00"),
                       office_actual=_fen("541,268.37"),
                       mid_year=("重大活动期间信访安保专项", "信访干部业务培训")),
    2022: BudgetTarget(_fen("5,603,800.00"), _fen("1,882,700.00"),
                       _fen("5,566,204.71"), _fen("1,812,635.06"), front_loading=1.0,
                       adjustment_rate="6.50", office_budget=_fen("572,000.00"),
                       office_actual=_fen("558,588.96"),
                       mid_year=("律师参与接访及矛盾纠纷化解服务",)),
    2023: BudgetTarget(_fen("5,842,300.00"), _fen("1,989,300.00"),
                       _fen("5,801,300.00"), _fen("1,947,700.00"), front_loading=0.3,
                       adjustment_rate="4.20", office_budget=_fen("578,400.00"),
                       office_actual=_fen("548,534.36"),
                       mid_year=("信访干部业务培训",)),
}

PETITION_TARGETS = {
    2021: PetitionTarget(cases=2600, litigation=8, online=2197, repeat=299,
                         qiujue_initial_closed=880, resolved_first_time=849,
                         rated=1010, unsatisfied=6, national=95, national_other=28),
    2022: PetitionTarget(cases=2800, litigation=10, online=2428, repeat=291,
                         qiujue_initial_closed=940, resolved_first_time=914,
                         rated=1190, unsatisfied=5, national=81, national_other=23),
    2023: PetitionTarget(cases=3000, litigation=12, online=2660, repeat=273,
                         qiujue_initial_closed=1000, resolved_first_time=981,
                         rated=1250, unsatisfied=2, national=46, national_other=15),
}

# 到国家信访局登记求决类初次信访事项数 of the 11 districts of 广州, by year. 增城区 equals the registers.
DISTRICTS = ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区",
             "南沙区", "从化区", "增城区")
PEER_COUNTS = {
    2021: dict(zip(DISTRICTS, (71, 88, 66, 121, 214, 90, 138, 119, 41, 45, 95))),
    2022: dict(zip(DISTRICTS, (64, 92, 58, 105, 187, 73, 121, 96, 39, 38, 81))),
    2023: dict(zip(DISTRICTS, (41, 68, 31, 79, 142, 51, 97, 62, 20, 41, 46))),
}

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def yuan(fen: int) -> float:
    """分 → 元 as a float whose repr is the 2-decimal amount."""
    return float(f"{fen / 100:.2f}") if fen % 100 else float(fen // 100)


def seed_for(year: int, part: str) -> np.random.Generator:
    """An independent, fixed RNG stream per (year, part)."""
    salt = int(hashlib.sha256(part.encode()).hexdigest()[:8], 16)
    return np.random.default_rng([BASE_SEED, year, salt])


def pick(rng: np.random.Generator, idx: np.ndarray, k: int, weights=None) -> np.ndarray:
    """Exactly ``k`` distinct elements of ``idx`` (weighted when ``weights`` is given), sorted."""
    idx = np.asarray(idx)
    if k > len(idx):
        raise ValueError(f"cannot pick {k} of {len(idx)}")
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        p = w / w.sum()
    return np.sort(rng.choice(idx, size=k, replace=False, p=p))


def new_workbook() -> tuple[io.BytesIO, xlsxwriter.Workbook]:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False, "strings_to_urls": False})
    return buf, wb


def close_workbook(buf: io.BytesIO, wb: xlsxwriter.Workbook, year: int, title: str) -> bytes:
    wb.set_properties({
        "title": title,
        "subject": "示例数据 (synthetic sample data)",
        "author": "evalkit sample-data generator",
        "company": "示例数据",
        "comments": f"Synthetic sample data generated by {GENERATOR}; all values are invented.",
        "created": datetime(year + 1, 1, 20, 9, 0, 0),
    })
    wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------

# (code, subject name, project name, type, profile, weight, years present)
BUDGET_LINES = [
    ("2010301", "行政运行", "在职人员工资福利", "基本支出", "salary", 0.560, YEARS),
    ("2010301", "行政运行", "日常公用经费", "基本支出", "operating", 0.105, YEARS),
    ("2080501", "行政单位离退休", "退休人员补助及生活补贴", "基本支出", "even", 0.055, YEARS),
    ("2080505", "机关事业单位基本养老保险缴费支出", "基本养老保险缴费", "基本支出", "even",
     0.095, YEARS),
    ("2080506", "机关事业单位职业年金缴费支出", "职业年金缴费", "基本支出", "quarterly", 0.045,
     YEARS),
    ("2101101", "行政单位医疗", "在职人员医疗保险缴费", "基本支出", "even", 0.060, YEARS),
    ("2210201", "住房公积金", "住房公积金缴存", "基本支出", "even", 0.080, YEARS),
    ("2010308", "信访事务", "信访维稳专项经费", "项目支出", "project", 0.300, YEARS),
    ("2010308", "信访事务", "区人民来访接待室安保及运维服务", "项目支出", "contract", 0.220, YEARS),
    ("2010308", "信访事务", "赴京赴省劝返及驻点工作经费", "项目支出", "project", 0.140, YEARS),
    ("2010308", "信访事务", "《信访工作条例》宣传及法治信访建设", "项目支出", "project", 0.050,
     (2022, 2023)),
    ("2010308", "信访事务", "重大活动期间信访安保专项", "项目支出", "project", 0.060, (2021, 2022)),
    ("2010302", "一般行政管理事务", "信访信息系统及网上信访平台运维", "项目支出", "contract", 0.110,
     YEARS),
    ("2010302", "一般行政管理事务", "律师参与接访及矛盾纠纷化解服务", "项目支出", "contract", 0.120,
     YEARS),
    ("2010399", "其他政府办公厅（室）及相关机构事务支出", "信访干部业务培训", "项目支出", "project",
     0.040, (2021, 2023)),
]


def monthly_weights(profile: str, rng: np.random.Generator, front: float) -> np.ndarray:
    """Monthly spending profile (12 non-negative weights)."""
    m = np.arange(1, 13)
    if profile == "salary":
        w = np.ones(12)
        w[1] = 1.10                          # Spring Festival
        if front > 0.5:                      # performance pay for the previous year in January
            w[0], w[11] = 1.90, 0.90
        else:                                # performance pay at year end
            w[0], w[11] = 0.85, 1.45
    elif profile == "operating":
        w = 0.9 + 0.02 * m
        w[11] += 0.5 - 0.3 * front
    elif profile == "even":
        w = np.ones(12)
    elif profile == "quarterly":
        w = np.where(m % 3 == 0, 1.0, 0.0) + (0.4 * front if front > 0.5 else 0.0) * (m <= 6)
    elif profile == "contract":
        w = np.where(m % 3 == 0, 1.0, 0.05)
        w[11] += 0.8 * (1 - front)
    elif profile == "project":
        back = np.array([0.15, 0.25, 0.45, 0.55, 0.65, 0.75, 0.85, 1.0, 1.1, 1.3, 1.6, 2.8])
        even = np.ones(12) * 0.9 + np.array([0.4, 0.3, 0.6, 0.6, 0.6, 0.7, 0.2, 0.2, 0.2, 0, 0, 0])
        w = (1 - front) * back + front * even
    else:  # pragma: no cover
        raise ValueError(profile)
    w = w * rng.uniform(0.85, 1.15, size=12)
    return np.clip(w, 0, None)


def split_fen(total: int, weights: np.ndarray) -> list[int]:
    """Split ``total`` 分 by ``weights`` into integers that sum exactly to ``total``."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    parts = np.floor(raw).astype(np.int64)
    rest = total - int(parts.sum())
    order = np.argsort(-(raw - parts), kind="stable")
    for i in order[:rest]:
        parts[i] += 1
    return [int(x) for x in parts]


def allocate_budget(total: int, weights: list[float], rng: np.random.Generator,
                    pinned: dict[int, int] | None = None) -> list[int]:
    """Budget per line in whole hundreds of 元, summing exactly to ``total``.

    ``pinned`` maps line index -> fixed amount; the other lines share the rest.
    """
    pinned = pinned or {}
    w = np.array(weights) * rng.uniform(0.9, 1.1, size=len(weights))
    w[list(pinned)] = 0.0
    step = 100_00  # 100 元
    free = total - sum(pinned.values())
    parts = [int(x) * step for x in np.floor(free * w / w.sum() / step)]
    for i, v in pinned.items():
        parts[i] = v
    parts[0] += total - sum(parts)   # the largest line (never pinned) takes the remainder
    return parts


def allocate_actual(budgets: list[int], total: int, rng: np.random.Generator,
                    full_share: float, pinned: dict[int, int] | None = None) -> list[int]:
    """Actual per line ≤ budget per line, summing exactly to ``total``.

    The unspent amount (budget − actual) is spread over the lines with random weights; a line is
    fully spent with probability ``full_share`` (contract payments usually are).
    """
    pinned = pinned or {}
    unspent = sum(budgets) - total - sum(budgets[i] - v for i, v in pinned.items())
    if unspent < 0:
        raise ValueError("actual above budget")
    b = np.array(budgets, dtype=float)
    w = b * rng.exponential(1.0, size=len(b)) * (rng.uniform(size=len(b)) >= full_share)
    w[list(pinned)] = 0.0
    if w.sum() == 0:
        w = b.copy()
        w[list(pinned)] = 0.0
    while True:
        parts = split_fen(unspent, w)
        over = [i for i, (u, bb) in enumerate(zip(parts, budgets)) if u > bb * 0.2]
        if not over:
            break
        for i in over:          # keep every line's execution rate at 80 % or more
            w[i] *= 0.5
    acts = [bb - u for bb, u in zip(budgets, parts)]
    for i, v in pinned.items():
        acts[i] = v
    assert sum(acts) == total and all(0 <= a <= bb for a, bb in zip(acts, budgets))
    return acts


def build_budget(year: int) -> list[dict]:
    rng = seed_for(year, "budget")
    target = BUDGET_TARGETS[year]
    lines = [ln for ln in BUDGET_LINES if year in ln[6]]
    rows: list[dict] = []
    seq = 1
    for etype, btotal, atotal in (("基本支出", target.basic_budget, target.basic_actual),
                                  ("项目支出", target.project_budget, target.project_actual)):
        group = [ln for ln in lines if ln[3] == etype]
        office = {i for i, ln in enumerate(group) if ln[2] == "日常公用经费"}
        budgets = allocate_budget(btotal, [ln[5] for ln in group], rng,
                                  {i: target.office_budget for i in office})
        actuals = allocate_actual(budgets, atotal, rng,
                                  full_share=0.1 if etype == "基本支出" else 0.35,
                                  pinned={i: target.office_actual for i in office})
        for ln, b, a in zip(group, budgets, actuals):
            code, name, pname, _, profile, _, _ = ln
            kind = "R" if etype == "基本支出" else "T"
            pcode = f"440118{year % 100:02d}{kind}{(year * 7919 + seq * 104729) % 10**12:012d}"
            seq += 1
            months = split_fen(a, monthly_weights(profile, rng, target.front_loading))
            rows.append({
                "code": code, "name": name, "project_code": pcode, "project_name": pname,
                "type": etype, "fund": "一般公共预算财政拨款", "initial": b, "adjustment": 0,
                "budget": b, "actual": a, "months": months,
            })
    set_adjustments(rows, target, rng)
    for r in rows:
        assert r["initial"] + r["adjustment"] == r["budget"] and r["initial"] >= 0
        assert sum(r["months"]) == r["actual"] <= r["budget"]
    return rows


def set_adjustments(rows: list[dict], target: BudgetTarget, rng: np.random.Generator) -> None:
    """In-year adjustments (调整预算数) whose total gives exactly the target 预算调整率.

    Lines in ``target.mid_year`` are funded in full by a 追加 (年初 0); the reception-room line is
    cut by a few percent (追减); the rest of the adjustment tops up the personnel lines and the
    信访维稳 line. Everything in whole hundreds of 元.
    """
    step = 100_00
    total = sum(r["budget"] for r in rows)
    rate = Decimal(target.adjustment_rate)
    initial_total = int((Decimal(total) / (1 + rate / 100) / step).to_integral_value()) * step
    adj_total = total - initial_total
    assert (Decimal(adj_total) * 100 / initial_total).quantize(Decimal("0.01"),
                                                               ROUND_HALF_UP) == rate
    fixed = 0
    for r in rows:
        if r["project_name"] in target.mid_year:
            r["adjustment"] = r["budget"]
        elif r["project_name"] == "区人民来访接待室安保及运维服务":
            r["adjustment"] = -int(r["budget"] * rng.uniform(0.03, 0.08) / step) * step
        fixed += r["adjustment"]
    takers = [r for r in rows if r["type"] == "基本支出" and r["project_name"] != "日常公用经费"
              or r["project_name"] == "信访维稳专项经费"]
    rest = adj_total - fixed
    assert rest >= 0 and rest % step == 0
    w = np.array([r["budget"] for r in takers], dtype=float) * rng.uniform(0.3, 1.7, len(takers))
    for r, units in zip(takers, split_fen(rest // step, w)):
        r["adjustment"] = units * step
    for r in rows:
        r["initial"] = r["budget"] - r["adjustment"]
        assert r["adjustment"] <= 0.3 * r["budget"] or r["project_name"] in target.mid_year


def write_budget(rows: list[dict], year: int) -> bytes:
    buf, wb = new_workbook()
    ws = wb.add_worksheet("预算执行")
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head_fmt = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                              "text_wrap": True, "bg_color": "#DDEBF7"})
    text_fmt = wb.add_format({"border": 1})
    amt_fmt = wb.add_format({"border": 1, "num_format": "#,##0.00"})
    tot_text = wb.add_format({"border": 1, "bold": True})
    tot_amt = wb.add_format({"border": 1, "bold": True, "num_format": "#,##0.00"})
    ncol = len(BUDGET_HEADERS)
    ws.merge_range(0, 0, 0, ncol - 1, f"{year}年度增城区信访局预算执行情况表（示例数据）", title_fmt)
    ws.write_string(1, 0, "单位：元")
    ws.write_string(1, ncol - 1, "示例数据")
    for c, h in enumerate(BUDGET_HEADERS):
        ws.write_string(2, c, h, head_fmt)
    r = 3
    for row in rows:
        for c, v in enumerate((row["code"], row["name"], row["project_code"], row["project_name"],
                               row["type"], row["fund"])):
            ws.write_string(r, c, v, text_fmt)
        amounts = [row["initial"], row["adjustment"], row["budget"], row["actual"], *row["months"]]
        for c, v in enumerate(amounts, start=6):
            ws.write_number(r, c, yuan(v), amt_fmt)
        r += 1
    ws.write_string(r, 0, "合计", tot_text)
    for c in range(1, 6):
        ws.write_blank(r, c, None, tot_text)
    totals = [sum(x["initial"] for x in rows), sum(x["adjustment"] for x in rows),
              sum(x["budget"] for x in rows), sum(x["actual"] for x in rows),
              *[sum(x["months"][m] for x in rows) for m in range(12)]]
    for c, v in enumerate(totals, start=6):
        ws.write_number(r, c, yuan(v), tot_amt)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 24)
    ws.set_column(3, 3, 34)
    ws.set_column(4, 5, 14)
    ws.set_column(6, ncol - 1, 14)
    ws.set_row(2, 30)
    ws.freeze_panes(3, 2)
    return close_workbook(buf, wb, year, f"{year}年度增城区信访局预算执行情况表（示例数据）")


# ---------------------------------------------------------------------------------------------
# Petitions
# ---------------------------------------------------------------------------------------------

TOWNSHIPS = {  # name -> weight (rough case volume)
    "新塘镇": 0.22, "荔城街道": 0.11, "永宁街道": 0.10, "石滩镇": 0.08, "增江街道": 0.07,
    "中新镇": 0.07, "荔湖街道": 0.06, "朱村街道": 0.05, "仙村镇": 0.05, "宁西街道": 0.05,
    "派潭镇": 0.05, "小楼镇": 0.045, "正果镇": 0.045,
}
ONLINE_CHANNELS = {"网上信访": 0.46, "手机信访": 0.19, "微信": 0.15, "电话": 0.13, "领导信箱": 0.07}
OFFLINE_CHANNELS = {"来访": 0.62, "来信": 0.38}
OTHER_PURPOSES = {"建议意见类": 0.30, "咨询类": 0.27, "检举控告类": 0.18, "申诉类": 0.15,
                  "其他": 0.10}

SURNAMES = ("陈", "李", "黄", "张", "刘", "何", "梁", "钟", "林", "罗", "王", "赖", "邓", "汤", "朱",
            "湛", "叶", "谢", "吴", "冯", "曾", "郭", "单", "刘", "陈", "黄", "李", "何", "钟", "陈")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "志", "文", "海", "燕",
         "荣", "辉", "婷", "嘉", "俊", "彬", "锦", "坤", "宏", "玉", "凤", "春", "晓", "永", "福")
ROAD_WORDS = ("凤凰", "荔景", "新城", "沿江", "府佑", "增城", "挂绿", "荔乡", "碧桂", "太平",
              "东华", "迎宾", "光明", "和平", "翠湖", "朝阳")
VILLAGE_WORDS = ("新围", "沙埔", "塘边", "大岭", "石岗", "上邵", "下围", "庙潭", "白江", "群星",
                 "南安", "坑背", "瑶田", "水口", "岗尾", "西山")
ESTATES = ("荔景花园", "翠湖名苑", "江畔豪庭", "锦绣华庭", "碧水湾", "凤凰城东苑", "新城雅居",
           "悦湖居", "荔湖美墅", "金沙湾", "东方名都", "宏景花园")

# purpose -> list of (unit key, complaint template). Unit key "town" = the township government.
TOPICS = {
    "求决类": [
        ("区住房城乡建设局", "反映{estate}小区购房多年未办理不动产权证，要求协调开发商尽快办证"),
        ("区人力资源社会保障局", "反映某建筑工程公司拖欠{n}名工人工资约{amt}万元，要求协调支付"),
        ("区规划和自然资源局", "反映{village}村征地补偿款未足额发放，要求核实并补发"),
        ("区住房城乡建设局", "反映{estate}小区存在漏水、墙体开裂等质量问题，要求开发商维修"),
        ("town", "反映{village}村集体分红分配不公，要求重新核算"),
        ("区人力资源社会保障局", "要求解决被征地农民养老保险补缴问题"),
        ("区教育局", "要求协调解决子女在户籍地就近入读公办学校问题"),
        ("区城管局", "反映{road}路段路灯损坏、路面积水，要求尽快维修"),
        ("区卫生健康局", "反映家属在医院诊疗过程中产生费用争议，要求协调处理"),
        ("town", "反映{village}村道路硬底化工程停工，要求尽快复工"),
    ],
    "建议意见类": [
        ("区城管局", "建议在{road}路增设公共停车位，缓解停车难"),
        ("区教育局", "建议优化学校周边上下学交通组织"),
        ("town", "建议在{village}村增设垃圾分类收集点"),
        ("区住房城乡建设局", "建议加快{estate}周边配套道路建设"),
        ("区市场监管局", "建议加强对农贸市场计量器具的检查"),
    ],
    "检举控告类": [
        ("区城管局", "举报{village}村有人违法加建楼层，要求依法查处"),
        ("区市场监管局", "举报某商铺销售过期食品，要求查处"),
        ("区公安分局", "举报{road}路附近有人聚众赌博，要求依法打击"),
        ("town", "反映{village}村干部在工程发包中存在违规行为，要求调查"),
        ("区规划和自然资源局", "举报{village}村非法占用耕地建厂房"),
    ],
    "申诉类": [
        ("区人力资源社会保障局", "对工伤认定结论不服，申请重新处理"),
        ("区规划和自然资源局", "对宅基地确权结果有异议，要求重新核查"),
        ("区公安分局", "对交通事故责任认定有异议，要求复核"),
        ("town", "对村民小组土地承包调整结果不服，要求重新处理"),
    ],
    "咨询类": [
        ("区人力资源社会保障局", "咨询灵活就业人员社保缴费及退休待遇政策"),
        ("区教育局", "咨询积分入学申请条件及办理流程"),
        ("区住房城乡建设局", "咨询公租房申请条件"),
        ("区卫生健康局", "咨询生育登记及相关补贴政策"),
        ("区规划和自然资源局", "咨询农村宅基地报建审批流程"),
    ],
    "其他": [
        ("区城管局", "反映{road}路夜间施工噪音扰民"),
        ("区市场监管局", "反映网购商品退款纠纷，请求协助"),
        ("town", "反映邻里之间排水沟堵塞纠纷，请求调解"),
    ],
}


def town_unit(town: str) -> str:
    return f"{town}人民政府" if town.endswith("镇") else f"{town}办事处"


def day_weights(year: int) -> tuple[list[date], np.ndarray]:
    """Calendar days of ``year`` with weekday, monthly and holiday weights."""
    start = date(year, 1, 1)
    days = [start + timedelta(d) for d in range((date(year + 1, 1, 1) - start).days)]
    month_f = {1: 0.95, 2: 0.75, 3: 1.12, 4: 1.05, 5: 1.0, 6: 1.08, 7: 1.1, 8: 1.05, 9: 0.98,
               10: 0.85, 11: 1.0, 12: 1.02}
    spring = {2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22)}[year]
    w = []
    for d in days:
        f = (1.0, 1.05, 1.0, 0.98, 0.92, 0.22, 0.12)[d.weekday()] * month_f[d.month]
        if 0 <= (d - spring).days < 7 or (d.month == 10 and d.day <= 7) or (d.month == 1 and
                                                                           d.day == 1):
            f *= 0.25
        w.append(f)
    w = np.array(w)
    return days, w / w.sum()


def fake_person(rng: np.random.Generator, year: int, town: str) -> dict:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, size=rng.choice([1, 2], p=[.3, .7])))
    birth = date(1945, 1, 1) + timedelta(int(rng.integers(0, (date(2003, 12, 31) -
                                                              date(1945, 1, 1)).days)))
    body = f"440183{birth:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    # Deliberately WRONG GB 11643 check digit: these can never be a real person's number.
    factors = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    valid = (12 - sum(int(c) * f for c, f in zip(body, factors)) % 11) % 11
    wrong = (valid + 1 + int(rng.integers(0, 9))) % 11
    id_number = body + ("X" if wrong == 10 else str(wrong))
    prefix = str(rng.choice(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                             "151", "152", "153", "155", "156", "157", "158", "159", "180", "181",
                             "182", "183", "186", "187", "188", "189"]))
    phone = prefix + f"{int(rng.integers(0, 10**8)):08d}"
    if rng.uniform() < 0.5:
        addr = f"广州市增城区{town}{rng.choice(ROAD_WORDS)}路{int(rng.integers(1, 300))}号"
    else:
        addr = (f"广州市增城区{town}{rng.choice(VILLAGE_WORDS)}村{int(rng.integers(1, 12))}社"
                f"{int(rng.integers(1, 120))}号")
    return {"name": name, "id": id_number, "phone": phone, "address": addr}


def complaint(rng: np.random.Generator, purpose: str, town: str) -> tuple[str, str]:
    unit, tmpl = TOPICS[purpose][int(rng.integers(0, len(TOPICS[purpose])))]
    text = tmpl.format(estate=rng.choice(ESTATES), village=rng.choice(VILLAGE_WORDS),
                       road=rng.choice(ROAD_WORDS), n=int(rng.integers(5, 60)),
                       amt=int(rng.integers(3, 80)))
    return (town_unit(town) if unit == "town" else unit), text


def _registrations(rng: np.random.Generator, year: int, t: PetitionTarget
                   ) -> tuple[list[date], np.ndarray]:
    """Sorted registration dates (信访件编号 follows this order) and the 涉法涉诉 flags."""
    n = t.cases + t.litigation
    days, p = day_weights(year)
    reg = sorted(days[i] for i in rng.choice(len(days), size=n, p=p))
    lit = np.zeros(n, dtype=bool)
    lit[pick(rng, np.arange(n), t.litigation)] = True
    return reg, lit


def _acceptance_dates(rng: np.random.Generator, year: int, reg: list[date]) -> list[date | None]:
    """Mostly within 15 days; ~1.5 % late; late-December cases may not be accepted yet."""
    year_end = date(year, 12, 31)
    accepted: list[date | None] = []
    for d in reg:
        delay = min(int(rng.geometric(0.3)) - 1, 15)
        if rng.uniform() < 0.015:
            delay = int(rng.integers(16, 28))
        a = d + timedelta(delay)
        if a > year_end or (d >= date(year, 12, 22) and rng.uniform() < 0.45):
            a = None
        accepted.append(a)
    return accepted


def _handling_days(rng: np.random.Generator) -> tuple[int, int]:
    """(延期天数, days from 受理 to 办结) of one accepted case; a few are extended or late."""
    ext = 0
    if rng.uniform() < 0.06:
        ext = int(rng.integers(2, 7)) * 5          # 10–30 days
        h = int(rng.integers(50, 61 + ext))
    else:
        h = int(np.clip(np.round(rng.gamma(2.6, 10.0)), 1, 60))
    if rng.uniform() < 0.012:
        h = 60 + ext + int(rng.integers(1, 25))  # closed late
    return ext, h


def _closing_dates(rng: np.random.Generator, year: int, accepted: list[date | None],
                   pop: np.ndarray) -> tuple[np.ndarray, list[date | None]]:
    """Deadline = 受理 + 60 + 延期天数; a few late, the rest closed by the deadline; a handful
    of long-stuck cases overdue and still open at year end."""
    year_end = date(year, 12, 31)
    ext = np.zeros(len(accepted), dtype=int)
    closed: list[date | None] = []
    for i, a in enumerate(accepted):
        if a is None:
            closed.append(None)
            continue
        ext[i], h = _handling_days(rng)
        c = a + timedelta(h)
        closed.append(c if c <= year_end else None)
    stuck_pool = [i for i in pop if accepted[i] is not None and closed[i] is not None
                  and accepted[i] + timedelta(60 + int(ext[i])) < date(year, 11, 30)]
    for i in pick(rng, np.array(stuck_pool), 3 + year % 3):
        closed[i] = None
    return ext, closed


def _repeats_and_channels(rng: np.random.Generator, t: PetitionTarget, pop: np.ndarray,
                          lit: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """初重件 and 信访形式: exactly t.online of the population online (来访/来信 weighted
    towards repeats)."""
    n = len(lit)
    repeat = np.zeros(n, dtype=bool)
    repeat[pick(rng, pop, t.repeat)] = True
    repeat[pick(rng, np.flatnonzero(lit), max(1, t.litigation // 4))] = True
    offline = np.zeros(n, dtype=bool)
    offline[pick(rng, pop, t.cases - t.online, weights=np.where(repeat[pop], 2.5, 1.0))] = True
    offline[np.flatnonzero(lit)] = rng.uniform(size=t.litigation) < 0.7

    channel = []
    for i in range(n):
        table = OFFLINE_CHANNELS if offline[i] else ONLINE_CHANNELS
        channel.append(str(rng.choice(list(table), p=np.array(list(table.values())) /
                                      sum(table.values()))))
    return repeat, channel


def _purposes(rng: np.random.Generator, t: PetitionTarget, pop: np.ndarray, lit: np.ndarray,
              repeat: np.ndarray, is_closed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """信访目的 (and the 求决类 初件 closed rows): exactly t.qiujue_initial_closed 求决类 among
    population 初件 closed cases."""
    n = len(lit)
    purpose = np.empty(n, dtype=object)
    init_closed = pop[~repeat[pop] & is_closed[pop]]
    q_rows = pick(rng, init_closed, t.qiujue_initial_closed)
    purpose[q_rows] = "求决类"
    init_closed_set = set(init_closed.tolist())
    others = list(OTHER_PURPOSES)
    other_p = np.array(list(OTHER_PURPOSES.values()))
    for i in range(n):
        if purpose[i] is not None:
            continue
        if i in init_closed_set:
            purpose[i] = str(rng.choice(others, p=other_p))
        elif lit[i]:
            purpose[i] = "申诉类" if rng.uniform() < 0.5 else "求决类"
        else:
            share = 0.55 if repeat[i] else 0.38
            purpose[i] = "求决类" if rng.uniform() < share else str(rng.choice(others, p=other_p))
    assert int(((purpose == "求决类") & ~repeat & is_closed & ~lit).sum()) == t.qiujue_initial_closed
    return purpose, q_rows


def _first_time_resolution(rng: np.random.Generator, t: PetitionTarget, q_rows: np.ndarray,
                           lit: np.ndarray, purpose: np.ndarray, repeat: np.ndarray,
                           is_closed: np.ndarray, accepted: list[date | None],
                           closed: list[date | None], ext: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """是否一次性化解 (and the rows that failed): only for 求决类 初件 closed; exactly
    t.resolved_first_time 是."""
    n = len(lit)
    resolved = np.full(n, None, dtype=object)
    late_or_ext = np.array([ext[i] > 0 or (closed[i] is not None and accepted[i] is not None and
                                           closed[i] > accepted[i] + timedelta(60 + int(ext[i])))
                            for i in range(n)])
    fails = pick(rng, q_rows, t.qiujue_initial_closed - t.resolved_first_time,
                 weights=np.where(late_or_ext[q_rows], 8.0, 1.0))
    resolved[q_rows] = "是"
    resolved[fails] = "否"
    for i in np.flatnonzero(lit):  # excluded cases: flags set like real ones
        if purpose[i] == "求决类" and not repeat[i] and is_closed[i]:
            resolved[i] = "否" if rng.uniform() < 0.5 else "是"
    return resolved, fails


def _satisfaction(rng: np.random.Generator, t: PetitionTarget, pop: np.ndarray, lit: np.ndarray,
                  is_closed: np.ndarray, fails: np.ndarray) -> np.ndarray:
    """满意度评价: among population closed cases exactly t.rated rated, t.unsatisfied 不满意."""
    satisfaction = np.full(len(lit), None, dtype=object)
    closed_pop = pop[is_closed[pop]]
    satisfaction[closed_pop] = "未评价"
    fail_set = np.isin(closed_pop, fails)
    unsat = pick(rng, closed_pop, t.unsatisfied, weights=np.where(fail_set, 30.0, 1.0))
    rest = np.setdiff1d(closed_pop, unsat)
    sat = pick(rng, rest, t.rated - t.unsatisfied)
    satisfaction[sat] = np.where(rng.uniform(size=len(sat)) < 0.86, "满意", "基本满意")
    satisfaction[unsat] = "不满意"
    for i in np.flatnonzero(lit & is_closed):
        satisfaction[i] = str(rng.choice(["满意", "基本满意", "不满意", "未评价"],
                                         p=[.3, .1, .3, .3]))
    return satisfaction


def _national(rng: np.random.Generator, t: PetitionTarget, pop: np.ndarray, lit: np.ndarray,
              purpose: np.ndarray, repeat: np.ndarray) -> np.ndarray:
    """到国家信访局登记: exactly t.national among population 求决类 初件 (any status)."""
    national = np.zeros(len(lit), dtype=bool)
    qi_all = pop[(purpose[pop] == "求决类") & ~repeat[pop]]
    national[pick(rng, qi_all, t.national)] = True
    other_pool = pop[~((purpose[pop] == "求决类") & ~repeat[pop])]
    other_w = np.where(repeat[other_pool], 4.0, 1.0) * np.where(
        np.isin(purpose[other_pool], ["求决类", "申诉类", "检举控告类"]), 3.0, 0.3)
    national[pick(rng, other_pool, t.national_other, weights=other_w)] = True
    national[np.flatnonzero(lit)] = rng.uniform(size=t.litigation) < 0.4
    return national


_PERSON_COLUMNS = ("信访人姓名", "身份证号", "联系电话", "地址")
_TOWN_NAMES = list(TOWNSHIPS)
_TOWN_P = np.array(list(TOWNSHIPS.values()))
_TOWN_P = _TOWN_P / _TOWN_P.sum()


def _earlier_case(rng: np.random.Generator, i: int, reg: list[date], repeat: np.ndarray,
                  purpose: np.ndarray, rows: list[dict],
                  first_by_purpose: dict[str, list[int]]) -> dict | None:
    """For a 重件: an earlier 初件 row of the same purpose (the same person), preferably at
    least 15 days before; ``None`` when there is none."""
    if not (repeat[i] and first_by_purpose.get(purpose[i])):
        return None
    cands = first_by_purpose[purpose[i]]
    older = [j for j in cands if (reg[i] - reg[j]).days >= 15] or cands
    return rows[older[int(rng.integers(0, len(older)))]]


def _complaint_and_person(rng: np.random.Generator, year: int, purpose: str,
                          parent: dict | None) -> tuple[str, str, str, dict]:
    """(所属镇街, 责任单位, 诉求内容, petitioner columns): the parent's for a repeat, else new."""
    if parent is not None:
        text = parent["诉求内容"]
        text = "再次" + text if not text.startswith("再次") else text
        return (parent["所属镇街"], parent["责任单位"], text,
                {k: parent[k] for k in _PERSON_COLUMNS})
    town = str(rng.choice(_TOWN_NAMES, p=_TOWN_P))
    unit, text = complaint(rng, purpose, town)
    fp = fake_person(rng, year, town)
    return town, unit, text, dict(zip(_PERSON_COLUMNS,
                                      (fp["name"], fp["id"], fp["phone"], fp["address"])))


def _check_petition_rows(rows: list[dict], year: int) -> None:
    for r in rows:
        if r["受理日期"] is not None:
            assert r["受理日期"] >= r["登记日期"]
        if r["办结日期"] is not None:
            assert r["受理日期"] is not None and r["办结日期"] >= r["受理日期"]
        assert r["登记日期"].year == year


def build_petitions(year: int) -> list[dict]:
    rng = seed_for(year, "petitions")
    t = PETITION_TARGETS[year]
    n = t.cases + t.litigation

    reg, lit = _registrations(rng, year, t)
    pop = np.flatnonzero(~lit)
    accepted = _acceptance_dates(rng, year, reg)
    ext, closed = _closing_dates(rng, year, accepted, pop)
    is_closed = np.array([c is not None for c in closed])
    repeat, channel = _repeats_and_channels(rng, t, pop, lit)
    purpose, q_rows = _purposes(rng, t, pop, lit, repeat, is_closed)
    resolved, fails = _first_time_resolution(rng, t, q_rows, lit, purpose, repeat, is_closed,
                                             accepted, closed, ext)
    satisfaction = _satisfaction(rng, t, pop, lit, is_closed, fails)
    national = _national(rng, t, pop, lit, purpose, repeat)

    # Township, responsible unit, complaint and (fake) petitioner. 重件 repeat an earlier case of
    # the same person with the same purpose when there is one.
    rows: list[dict] = []
    first_by_purpose: dict[str, list[int]] = {}
    for i in range(n):
        parent = _earlier_case(rng, i, reg, repeat, purpose, rows, first_by_purpose)
        town, unit, text, person = _complaint_and_person(rng, year, purpose[i], parent)
        a, c = accepted[i], closed[i]
        rows.append({
            "信访件编号": f"ZC{year}-{i + 1:06d}",
            "登记日期": reg[i],
            "受理日期": a,
            "办结日期": c,
            "限办截止日期": a + timedelta(60 + int(ext[i])) if a is not None else None,
            "延期天数": int(ext[i]) if a is not None else None,
            "信访形式": channel[i],
            "信访目的": purpose[i],
            "初重件": "重件" if repeat[i] else "初件",
            "是否一次性化解": resolved[i],
            "满意度评价": satisfaction[i],
            "所属镇街": town,
            "责任单位": unit,
            "是否到国家信访局登记": "是" if national[i] else "否",
            "是否涉法涉诉": "是" if lit[i] else "否",
            **person,
            "诉求内容": text,
        })
        if not repeat[i]:
            first_by_purpose.setdefault(purpose[i], []).append(i)
    _check_petition_rows(rows, year)
    return rows


def write_petitions(rows: list[dict], year: int) -> bytes:
    buf, wb = new_workbook()
    ws = wb.add_worksheet("信访台账")
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    head_fmt = wb.add_format({"bold": True, "border": 1, "align": "center",
                              "bg_color": "#DDEBF7"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, f"{year}年度信访事项登记台账（示例数据）", title_fmt)
    for c, h in enumerate(PETITION_HEADERS):
        ws.write_string(1, c, h, head_fmt)
    for r, row in enumerate(rows, start=2):
        for c, h in enumerate(PETITION_HEADERS):
            v = row[h]
            if v is None:
                continue
            if isinstance(v, date):
                ws.write_datetime(r, c, datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, int):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v)
    widths = [15, 11, 11, 11, 12, 8, 10, 11, 7, 8, 9, 10, 22, 10, 8, 9, 20, 13, 40, 50]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(2, 1)
    ws.autofilter(1, 0, len(rows) + 1, len(PETITION_HEADERS) - 1)
    return close_workbook(buf, wb, year, f"{year}年度信访事项登记台账（示例数据）")


# ---------------------------------------------------------------------------------------------
# Peers, self-assessment, department profile, provenance
# ---------------------------------------------------------------------------------------------


def write_peers(year: int) -> bytes:
    buf, wb = new_workbook()
    ws = wb.add_worksheet("各区对比")
    head_fmt = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    for c, h in enumerate(PEER_HEADERS):
        ws.write_string(0, c, h, head_fmt)
    r = 1
    for y in (year - 1, year):
        for d in DISTRICTS:
            ws.write_string(r, 0, d)
            ws.write_number(r, 1, y)
            ws.write_number(r, 2, PEER_COUNTS[y][d])
            r += 1
    ws.set_column(0, 1, 10)
    ws.set_column(2, 2, 36)
    return close_workbook(buf, wb, year, f"{year}年度各区到国家信访局登记求决类初次信访事项（示例数据）")


def load_self_assessment_rows(year: int, source: Path = SELF_ASSESSMENT_YAML) -> list[dict] | None:
    """Rows for ``year`` from scripts/sample_self_assessment.yaml, or None when absent.

    Expected shape: ``{2021: [rows], 2022: [rows], 2023: [rows]}`` (year keys int or str), each row
    a mapping with indicator_id, indicator_name, actual and optionally score, reason, evidence.
    """
    if not source.exists():
        return None
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise SystemExit(f"{source}: expected a mapping year -> rows")
    rows = None
    for key, value in data.items():
        if str(key).strip() == str(year):
            rows = value
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SystemExit(f"{source}: {year} must be a list of mappings")
    return rows


def _cell(ws, r: int, c: int, v, num_fmt) -> None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return
    if isinstance(v, bool):
        ws.write_string(r, c, "是" if v else "否")
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, float(v) if isinstance(v, float) else v, num_fmt)
    else:
        ws.write_string(r, c, str(v).strip())


def write_self_assessment(rows: list[dict], year: int) -> bytes:
    buf, wb = new_workbook()
    ws = wb.add_worksheet("自评表")
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    head_fmt = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    num_fmt = wb.add_format({"num_format": "0.00"})
    plain_num = wb.add_format({})
    ws.write_string(0, 0, f"{year}年度增城区信访局部门整体支出绩效自评指标自评情况（示例数据）",
                    title_fmt)
    for c, h in enumerate(SELF_ASSESSMENT_HEADERS):
        ws.write_string(1, c, h, head_fmt)
    keys = ("indicator_id", "indicator_name", "actual", "score", "reason", "evidence", "deviation")
    for r, row in enumerate(rows, start=2):
        for c, k in enumerate(keys):
            v = row.get(k)
            if k in ("indicator_id", "indicator_name") and v is not None:
                v = str(v)
            _cell(ws, r, c, v, num_fmt if k == "score" else plain_num)
    for c, w in enumerate((10, 30, 14, 10, 40, 30, 50)):
        ws.set_column(c, c, w)
    return close_workbook(buf, wb, year, f"{year}年度绩效自评指标自评情况（示例数据）")


FUNCTIONS = [
    "贯彻落实党和国家信访工作方针政策及法律法规，执行区委、区政府信访工作部署，研究拟订全区信访工作制度并组织实施。",
    "受理、办理群众来信、来访和网上信访等事项，及时向区委、区政府反映信访中的重要情况和意见建议，分析信访动态并提出改进工作的建议。",
    "承办上级机关和区领导交办的信访事项，向区直部门和各镇街转送、交办、督办信访事项，协调跨地区、跨部门的重要信访问题，办理复查复核。",
    "组织排查调处矛盾纠纷，协调有关部门和镇街处置集体访、非正常访，做好赴省进京上访人员的劝返工作。",
    "指导、督促全区各部门和镇街的信访业务工作，开展信访宣传、经验交流和干部业务培训，推进信访信息化建设。",
    "承办人大代表、政协委员向区领导反映的信访事项，承担区信访工作联席会议（协调领导小组）办公室的日常工作。",
    "完成区委、区政府和上级信访部门交办的其他任务。",
]

DEPARTMENT_TEXT = {
    2021: {
        "notice": "《关于开展2021年度区级财政资金绩效自评工作的通知》",
        "annual_work": (
            "结合党史学习教育深入开展“我为群众办实事”实践活动，把信访工作作为了解民情、解决民忧的重要窗口；"
            "做好建党一百周年等重要节点的信访维稳工作；推动网上信访、手机信访等渠道普及，"
            "压实属地和部门责任，推进信访积案化解。"),
        "key_tasks": [
            {"title": "办好群众身边的信访事项",
             "goal": "依法及时就地解决群众合理诉求，化解一批信访积案，减少重复信访。",
             "result": "按计划推进积案化解和重复信访治理，完成年初确定的工作目标。"},
            {"title": "推进网上信访和规范办理",
             "goal": "引导群众通过网上渠道反映诉求，做到及时受理、按期办结，提升群众满意度。",
             "result": "网上信访渠道持续扩展，受理办理程序进一步规范。"},
            {"title": "做好重要节点信访维稳",
             "goal": "建党一百周年等重要时段不发生有重大影响的信访事件。",
             "result": "重要时段信访秩序平稳，未发生极端恶性信访事件。"},
        ],
        "performance_goal": (
            "落实上级关于信访工作的决策部署，坚持以人民为中心，依法及时就地解决群众合理诉求，"
            "持续推进信访积案化解和重复信访治理，保障重要节点信访秩序平稳，促进全区社会和谐稳定。"),
        "management": (
            "年初按部门职责设定整体支出绩效目标和指标，执行中按月跟踪预算支出进度，年末开展绩效自评，"
            "将自评结果作为下年度预算编制的参考。"),
        "highlights": [
            "结合党史学习教育开展“我为群众办实事”活动，区领导定期接访、包案化解重点信访事项。",
            "网上信访、手机信访等渠道进一步普及，群众反映诉求更加便捷。",
            "重要节点信访维稳工作扎实有序，全区信访形势总体平稳。",
        ],
        "problems_extra": ["部分项目支出进度前慢后快，上半年支出进度偏低。"],
        "improvements_extra": ["细化项目支出用款计划，按季度跟踪执行进度，均衡支出节奏。"],
    },
    2022: {
        "notice": "《关于开展2022年度区级财政资金绩效自评工作的通知》",
        "annual_work": (
            "以《信访工作条例》施行为契机，全面推进信访工作规范化、法治化；"
            "围绕党的二十大召开等重大活动做好信访安保；深化信访问题源头治理，"
            "推动领导干部接访下访常态化，持续治理重复信访、化解信访积案。"),
        "key_tasks": [
            {"title": "学习宣传贯彻《信访工作条例》",
             "goal": "开展条例宣传和业务培训，按条例要求规范受理、办理、督办各环节。",
             "result": "条例宣传培训覆盖区直部门和各镇街，办理程序进一步规范。"},
            {"title": "依托省一体化信访信息系统高效办理信访事项",
             "goal": "推动网上信访成为主渠道，及时受理、按期办结，提升群众满意度。",
             "result": "信访事项办理时效和群众评价保持较好水平，完成年初目标。"},
            {"title": "做好重大活动期间信访安保",
             "goal": "党的二十大等重大活动期间不发生有重大影响的信访事件。",
             "result": "重大活动期间信访秩序平稳，社会大局和谐稳定。"},
        ],
        "performance_goal": (
            "贯彻《信访工作条例》，推进信访工作法治化，依法及时就地解决群众合理诉求，"
            "全力做好重大活动期间信访安保和劝返工作，维护全区信访秩序和社会稳定。"),
        "management": (
            "按照全过程预算绩效管理要求，年初设定整体绩效目标，执行中开展“双监控”，"
            "年终组织自评并对偏差原因进行分析整改。"),
        "highlights": [
            "组织《信访工作条例》专题学习和宣传，条例要求落实到信访事项办理各环节。",
            "推行区领导包案和镇街领导定期接访，一批疑难信访事项得到化解。",
            "重大活动期间信访安保工作落实到位，未发生极端恶性信访事件。",
        ],
        "problems_extra": ["绩效目标中的产出指标数量偏少，部分指标量化程度不高。"],
        "improvements_extra": ["完善绩效指标体系，增加可量化的产出和效益指标。"],
    },
    2023: {
        "notice": "《关于开展2023年度区级财政资金绩效自评工作的通知》",
        "annual_work": (
            "开展“《信访工作条例》落实年”活动，推进信访工作法治化；实施信访问题源头治理三年攻坚行动，"
            "增强基层吸附化解矛盾的能力，减少矛盾上行；常态化治理重复信访、化解信访积案；"
            "开展“千名信访干部千镇行解民忧”活动，信访干部下沉村社和问题楼盘接访约访。"),
        "key_tasks": [
            {"title": "按“三到位一处理”要求化解信访事项",
             "goal": "依法及时就地解决群众合理诉求，探索预防化解社会矛盾的长效机制和社会力量参与机制。",
             "result": "完成年初设定的目标。"},
            {"title": "依托省一体化信访信息系统高质高效办理信访案件",
             "goal": "推动网上信访成为群众信访主渠道，及时受理、按期办结，提高群众满意度。",
             "result": "网信占比和群众满意度达到年初目标。"},
            {"title": "维护区人民来访接待室安全和秩序",
             "goal": "不发生极端恶性信访事件，保障社会大局和谐稳定。",
             "result": "全年未发生极端恶性信访事件。"},
        ],
        "performance_goal": (
            "落实中央和省、市、区关于信访工作的决策部署，按“三到位一处理”要求化解信访事项，"
            "深化信访工作制度改革，推进区领导包案，攻坚化解重点信访事项，做好劝返和重大活动期间信访工作，"
            "推动全区信访工作高质量发展。"),
        "management": (
            "年初根据部门职责设定整体绩效目标和具体指标，预算执行中开展绩效监控，"
            "年度结束后开展绩效自评，并将结果用于改进预算管理。"),
        "highlights": [
            "推动《信访工作条例》进社区、进单位、进乡村，并纳入党校教学培训内容。",
            "实施源头治理三年攻坚行动，推动多宗信访积案有效化解。",
            "开展“千名信访干部千镇行解民忧”活动，领导干部挂点联系镇街，下沉开展接访约访下访。",
            "全区信访形势总体平稳，信访秩序良好。",
        ],
        "problems_extra": ["信访业务统计与预算执行数据分属不同科室，绩效监控仍靠手工汇总，数据口径核对耗时。"],
        "improvements_extra": ["建立业务数据与财务数据按月对账机制，以统一口径的台账支撑绩效监控和自评。"],
    },
}


def department_yaml(year: int) -> bytes:
    t = DEPARTMENT_TEXT[year]
    doc = {
        "sample": True,
        "department": "增城区信访局",
        "district": "增城区",
        "city": "广州市",
        "framework": "guangzhou_district",
        "notice": t["notice"],
        "functions": FUNCTIONS,
        "annual_work": t["annual_work"],
        "key_tasks": t["key_tasks"],
        "performance_goal": t["performance_goal"],
        "management": t["management"],
        "highlights": t["highlights"],
        "problems_extra": t["problems_extra"],
        "improvements_extra": t["improvements_extra"],
        # the 自评表's hand-filled fields (示例: placeholders, not real people or numbers)
        "supervisor": "增城区信访局",
        "filled_by": "示例填报人",
        "phone": "020-00000000",
        "head": "示例负责人",
        "report_date": date(year + 1, 3, 15),
    }
    head = (f"# {year}年度 增城区信访局 部门概况 —— 示例数据 (synthetic sample data)\n"
            f"# Generated by {GENERATOR}; edit the generator, not this file.\n")
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    return (head + body).encode("utf-8")


def provenance(year: int, budget_rows: list[dict], pet_rows: list[dict],
               files: list[str]) -> bytes:
    t = PETITION_TARGETS[year]
    first = min(r["登记日期"] for r in pet_rows)
    last = max(r["登记日期"] for r in pet_rows)
    described = {
        "budget.xlsx": (f"sheet 预算执行: title row, 「单位：元」 row, header on row 3, "
                        f"{len(budget_rows)} budget lines (基本支出/项目支出) with 年初/调整/全年预算数, "
                        "实际支出数 and 1月–12月 spending, then a 合计 row (exact column sums). "
                        "Amounts in 元, stored as numbers."),
        "petitions.xlsx": (f"sheet 信访台账: title row, header on row 2, {len(pet_rows)} cases "
                           f"registered {first:%Y-%m-%d} – {last:%Y-%m-%d} "
                           f"({t.cases} counted + {t.litigation} 涉法涉诉 cases that every metric "
                           "excludes). Dates as Excel dates; state as of "
                           f"{year}-12-31 (blank 受理/办结 = not yet accepted/closed)."),
        "peers.xlsx": (f"sheet 各区对比: header on row 1, 11 districts of 广州市 × {year - 1} and "
                       f"{year}, 到国家信访局登记求决类初次信访事项数 (invented; 增城区 rows equal "
                       "the registers)."),
        "department.yaml": "department profile for the report's first section (own wording).",
        "self_assessment.xlsx": ("sheet 自评表: title row, header on row 2, manual indicator "
                                 "scores from scripts/sample_self_assessment.yaml."),
    }
    lines = [
        f"# {year} 示例数据 (sample data) — provenance",
        "",
        "**示例数据 — synthetic, not real records.** Every file in this folder was generated by",
        f"`{GENERATOR}` with a fixed seed (numpy `default_rng`, base seed {BASE_SEED});",
        "running it again gives byte-identical files. Edit the generator and regenerate, never these files.",
        "",
        "The figures are constructed to be plausible for a district 信访局 (and, for 2023, to",
        "reproduce the published 2023 self-evaluation report of 增城区信访局). They are not the",
        "bureau's actual data.",
        "",
        "## Files",
        "",
    ]
    for f in files:
        if f in described:
            lines.append(f"- `{f}` — {described[f]}")
    lines += [
        "",
        "## Personal data",
        "",
        "All personal values in petitions.xlsx (信访人姓名, 身份证号, 联系电话, 地址, 诉求内容) are",
        "FAKE: random common surnames and given names, 18-character ID-like numbers starting",
        "440183 whose check digit is deliberately wrong (so none can be a real person's number), random",
        "11-digit phone numbers, invented addresses and template complaint texts. They exist only",
        "to exercise the rule that personal columns are dropped at load.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------------------------


def generate_year(year: int, out: Path, sa_source: Path = SELF_ASSESSMENT_YAML) -> dict[str, int]:
    folder = out / str(year)
    budget_rows = build_budget(year)
    pet_rows = build_petitions(year)
    files: dict[str, bytes] = {
        "budget.xlsx": write_budget(budget_rows, year),
        "petitions.xlsx": write_petitions(pet_rows, year),
    }
    if year - 1 in PEER_COUNTS and year >= 2022:
        files["peers.xlsx"] = write_peers(year)
    files["department.yaml"] = department_yaml(year)
    sa = load_self_assessment_rows(year, sa_source)
    if sa is not None:
        files["self_assessment.xlsx"] = write_self_assessment(sa, year)
    else:
        why = "has no rows for" if sa_source.exists() else "does not exist yet; skipped"
        print(f"note: {sa_source} {why} {year}: self_assessment.xlsx not written")
    files["PROVENANCE.md"] = provenance(year, budget_rows, pet_rows, list(files))
    for name, data in files.items():
        atomic_write_bytes(folder / name, data)
    return {name: len(data) for name, data in files.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate the synthetic 示例数据 in data/raw/<year>/.")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output root (default data/raw)")
    ap.add_argument("--years", type=int, nargs="*", default=list(YEARS), choices=list(YEARS))
    ap.add_argument("--self-assessment", type=Path, default=SELF_ASSESSMENT_YAML,
                    help="YAML with the manual indicator rows per year "
                         "(default scripts/sample_self_assessment.yaml)")
    args = ap.parse_args(argv)
    for year in args.years:
        sizes = generate_year(year, args.out, args.self_assessment)
        print(f"{year}: " + ", ".join(f"{k} {v:,} B" for k, v in sizes.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
