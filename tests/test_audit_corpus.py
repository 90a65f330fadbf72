"""``evalkit audit`` on six real published texts (read from ../shared/reference/real-reports).

The texts are not copied into the project. The answer key below was written from a careful
reading of each text: the figures an auditor lists (value and what it is), the arithmetic
checks and their verdicts. Only numbers and labels are written here.

Label notation (see :func:`_audit_harness.matches`): ``key`` a department-level figure;
``key@fragment`` a figure of a sub-entity / indicator whose name contains ``fragment``;
``count:fragment`` / ``amount:fragment`` a free-form count or amount naming ``fragment``;
``a|b`` either label.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _audit_harness import key_recall, mismatches, run_cli

from evalkit.audit import audit_file

REAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "real-reports"

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="real reports not available")

S, W = "indicator.score", "indicator.weight"


def _pairs(*rows: tuple[str, str, str | None]) -> list[tuple[str, str]]:
    """Indicator rows (name fragment, weight, score) as answer-key entries."""
    out = []
    for name, weight, score in rows:
        out.append((f"{weight}分", f"{W}@{name}"))
        if score is not None:
            out.append((f"{score}分", f"{S}@{name}"))
    return out


def _groups(*rows: tuple[str, str]) -> list[tuple[str, str]]:
    return [(f"{w}分", f"weight.group@{name}") for name, w in rows]


def _budget_row(scope: str, initial: str, budget: str, actual: str, rate: str):
    at = f"@{scope}" if scope else ""
    return [(f"{initial}万元", f"budget.initial_budget_wan{at}"),
            (f"{budget}万元", f"budget.total_budget_wan{at}"),
            (f"{actual}万元", f"budget.total_actual_wan{at}"),
            (rate, f"budget.execution_rate_pct{at}")]


def _project(name: str, amount: str) -> list[tuple[str, str]]:
    return [(f"{amount}万元", f"budget.total_budget_wan@{name}"),
            (f"{amount}万元", f"budget.total_actual_wan@{name}"),
            ("100%", f"budget.execution_rate_pct@{name}")]


#: file → figures (value, label), checks (kind, status) that must be present, exit code
KEY: dict[str, dict] = {
    "02_nanxian-fagaiju-2021.txt": {
        "figures": [
            ("14个", "count:职能股室"), ("5个", "count:二级机构"), ("57人", "count:编制人数"),
            ("5人", "count:离岗"), ("70人", "count:退休人数"),
            ("1432.33万元", "income.total_wan"), ("1420.09万元", "income.fiscal_wan"),
            ("1161.21万元", "budget.initial_budget_wan"), ("258.88万元", "budget.adjustment_wan"),
            ("12.24万元", "income.other_wan"), ("2263.81元", "budget.total_actual_wan"),
        ],
        # 1420.09 + 12.24 = 1432.33; 1161.21 + 258.88 = 1420.09; 14 and 5 units listed;
        # 总支出 printed in 元 among 万元 figures
        "checks": [("sum", "OK"), ("sum", "OK"), ("count", "OK"), ("count", "OK"),
                   ("unit", "MISMATCH")],
        "exit": 1,
    },
    "04_honghe-shujuzhongxin-2024.txt": {
        "figures": [
            ("15个", "count:项目"), ("5个", "count:暂付性款项项目"), ("8个", "count:项目"),
            ("985万元", "budget.initial_budget_wan"), ("1个", "count:结转结余项目"),
            ("50万元", "amount:结转结余项目"),
            ("861.46万元", "budget.total_budget_wan|budget.project_budget_wan"),
            ("8个", "count:项目"), ("5个", "count:暂付性款项项目"),
            ("334.67万元", "budget.funds_received_wan"),
            ("28个", "count:展区"), ("174台", "count:拼接屏"), ("30台", "count:主机工作站"),
            ("4台", "count:投影仪"), ("18台", "count:网络数据通讯设备"),
        ],
        # 年初 8 + 年中增加 8 = 16 projects, against 共15个
        "checks": [("phase", "MISMATCH")],
        "exit": 1,
    },
    "05_xinfang-county-2021.txt": {
        "figures": [("5个", "count:项目"), *_project("信访补贴", "2.03"),
                    *_project("宣传费", "2"), *_project("印刷费", "5"),
                    *_project("信访事务项目", "9")],
        # four projects, each 执行数 / 全年预算数 = 100%; five projects named, 5个
        "checks": [("rate", "OK")] * 4 + [("count", "OK")],
        "exit": 0,
    },
    "08_dept-2017-selfeval-scoretable.txt": {
        "figures": [
            # the project scoring table (PDF text, no header left)
            *_pairs(("必要性", "5", "5"), ("可行性", "5", "5"), ("明确性", "5", "5"),
                    ("合理性", "5", "5"), ("资金分配", "3", "3"), ("资金使用", "4", "4"),
                    ("执行规范", "3", "2"), ("完成数量", "5", "5"), ("完成质量", "5", "4"),
                    ("完成时效", "5", "5"), ("完成成本", "5", "5"), ("服务对象满意度", "10", "10")),
            *_groups(("项目决策", "20"), ("科学决策", "10"), ("绩效目标", "10"), ("项目管理", "10"),
                     ("资金管理", "7"), ("项目执行", "3"), ("特性指标", "70"), ("项目绩效", "20"),
                     ("项目效益", "50")),
            ("90分", "score.total"),
            # the department scoring table (一级/二级/三级指标, 得分)
            *_groups(("部门决策", "25"), ("目标任务", "15"), ("预算编制", "10"), ("综合管理", "30"),
                     ("专项资金分配时限", "2")),
            *_pairs(("相关性", "5", "5"), ("明确性", "5", "5"), ("合理性", "5", "5"),
                    ("测算依据", "5", "2"), ("目标管理", "5", "4"), ("省级财力", "1", "1")),
        ],
        # 5 + 5 + 5 = 15; 15 + 10 = 25; 5 + 5 = 10; every score within its weight
        "checks": [("group", "OK")] * 3 + [("indicator", "OK")] * 6,
        "exit": 0,
    },
    "10_qingshen-fagaiju-2023.txt": {
        "figures": [
            ("10分", "weight.group@预算执行"),
            *_budget_row("", "238.93", "251.89", "251.89", "100.00%"),
            ("10分", f"{W}@预算执行"),
            *_budget_row("财政资金", "238.93", "251.89", "251.89", "100.00%"),
            *_budget_row("财政专户管理资金", "0.00", "0.00", "0.00", "0.00%"),
            *_budget_row("单位资金", "0.00", "0.00", "0.00", "0.00%"),
            ("90分", "weight.group@绩效指标"),
            ("100%", "indicator.target@覆盖率"), ("60分", f"{W}@覆盖率"),
            ("100%", "indicator.target@保障率"), ("30分", f"{W}@保障率"),
            ("100分", "weight.total"),
        ],
        # 251.89 / 251.89 = 100.00%; 总额 = its 其中 rows; 60 + 30 = 90; 10 + 60 + 30 = 100
        "checks": [("rate", "OK"), ("sum", "OK"), ("sum", "OK"), ("sum", "OK"),
                   ("group", "OK"), ("table", "OK")],
        "exit": 0,
    },
    "12_yinchuan-liuzhong-2021.txt": {
        "figures": [
            ("98分", "score.total"),
            ("64.8万元", "budget.initial_budget_wan"), ("64.8万元", "budget.total_budget_wan"),
            ("64.8万元", "budget.total_actual_wan"), ("100%", "budget.execution_rate_pct"),
            *_groups(("项目决策", "10"), ("项目管理", "25"), ("产出", "30"), ("项目效益", "35"),
                     ("数量指标", "10"), ("质量指标", "5"), ("时效指标", "5"), ("成本指标", "10"),
                     ("服务对象满意度", "10")),
            *_pairs(("完整性", "4", "4"), ("相关性", "2", "2"), ("可行性", "2", "2"),
                    ("适当性", "2", "2"), ("预算执行率", "10", "9"), ("财务管理制度", "7", "7"),
                    ("绩效监控", "2", "2"), ("管理制度有效性", "6", "6"), ("保障人数", "10", "10"),
                    ("公用经费标准", "5", "5"), ("完成时间", "5", "4"), ("办公", "4", "4"),
                    ("维修", "3", "3"), ("绿化", "3", "3"), ("效果显著", "15", "13"),
                    ("可持续", "10", "8")),
            ("100%", "indicator.actual@预算执行率"), ("2370人", "indicator.target@保障人数"),
            ("2370人", "indicator.actual@保障人数"), ("15万元", "indicator.target@办公"),
            ("15万元", "indicator.actual@办公"), ("35万元", "indicator.target@维修"),
            ("35万元", "indicator.actual@维修"), ("14.8万元", "indicator.actual@绿化"),
        ],
        # 64.8 / 64.8 = 100%; 10 + 25 + 30 + 35 = 100; visible scores cap the total at 94 < 98
        "checks": [("rate", "OK"), ("group", "OK"), ("score", "UNVERIFIED")],
        "exit": 0,
    },
}


def _text(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def results() -> dict:
    return {name: audit_file(REAL / name) for name in KEY}


def test_answer_key_covers_the_folder():
    assert sorted(p.name for p in REAL.glob("*.txt")) == sorted(KEY)


@pytest.mark.parametrize("name", sorted(KEY))
def test_no_false_alarm(results, name):
    """Exit 1 only for the real inconsistencies of the README (02 unit slip, 04 count)."""
    result = results[name]
    expected = [k for k, s in KEY[name]["checks"] if s == "MISMATCH"]
    assert sorted(c.kind for c in mismatches(result)) == sorted(expected), \
        [(c.title, c.stated, c.recomputed) for c in mismatches(result)]
    assert result.exit_code == KEY[name]["exit"]


@pytest.mark.parametrize("name", sorted(KEY))
def test_expected_checks(results, name):
    have = [(c.kind, c.status) for c in results[name].checks]
    for want in KEY[name]["checks"]:
        assert want in have, (want, have)
        have.remove(want)


def test_readme_inconsistencies_are_reported(results):
    unit = next(c for c in results["02_nanxian-fagaiju-2021.txt"].checks if c.kind == "unit")
    assert unit.status == "MISMATCH" and unit.stated == "2263.81元"
    assert "2263.81万元" in unit.recomputed
    phase = next(c for c in results["04_honghe-shujuzhongxin-2024.txt"].checks
                 if c.kind == "phase")
    assert phase.status == "MISMATCH" and phase.stated == "15个" and phase.recomputed == "16个"
    ocr = next(c for c in results["12_yinchuan-liuzhong-2021.txt"].checks if c.kind == "score")
    assert ocr.status == "UNVERIFIED" and ocr.stated == "98分"
    assert "84.00" in ocr.reason and "94.00" in ocr.reason and "OCR" in ocr.reason


def test_separate_projects_are_not_one_figure(results):
    """05: four projects' budgets are four scoped figures, never compared as repeats."""
    result = results["05_xinfang-county-2021.txt"]
    budgets = [f for f in result.extraction.figures if f.key == "budget.total_budget_wan"]
    assert len(budgets) == 4 and len({f.scope for f in budgets}) == 4
    assert not any(c.kind == "duplicate" for c in result.checks)


def test_noise_is_not_data(results):
    """Dates, document numbers, page chrome, formulas and instructions give no figure."""
    for name, result in results.items():
        for f in result.extraction.figures:
            assert not re.search(r"20\d\d", f.raw), (name, f.raw, f.key)
    ten = results["10_qingshen-fagaiju-2023.txt"]
    rates = {f.display() for f in ten.extraction.figures if f.kind == "rate"}
    assert "90%" not in rates                     # 未达到90%的需说明原因 is an instruction
    twelve = results["12_yinchuan-liuzhong-2021.txt"]
    assert {f.display() for f in twelve.extraction.figures if f.key == "score.total"} == {"98分"}


def test_recall_on_the_answer_key(results, capsys):
    """At least 80% of the figures the auditor lists are found with the right label."""
    found = total = 0
    lines = []
    for name, spec in KEY.items():
        hit, missed = key_recall(results[name], spec["figures"])
        found += hit
        total += hit + len(missed)
        lines.append(f"{name}: {hit}/{hit + len(missed)} missed {missed}")
    with capsys.disabled():
        print("\n" + "\n".join(lines) + f"\nrecall {found}/{total} = {found / total:.1%}")
    assert found / total >= 0.8


# ---------------------------------------------------------------------------- altered copies

ALTERED = [
    # (file, old, new, kind of the mismatch, text of the offending sentence/row)
    ("05_xinfang-county-2021.txt", "执行数为2.03万元", "执行数为1.83万元", "rate", "执行数为1.83万元"),
    ("05_xinfang-county-2021.txt", "等5个项目", "等4个项目", "count", "等4个项目"),
    ("02_nanxian-fagaiju-2021.txt", "年中追加258.88", "年中追加258.68", "sum", "年中追加258.68万元"),
    ("02_nanxian-fagaiju-2021.txt", "其他收入12.24", "其他收入12.42", "sum", "其他收入12.42万元"),
    ("08_dept-2017-selfeval-scoretable.txt", "目标管理(5 分)\n4 ", "目标管理(5 分)\n6 ",
     "indicator", "目标管理(5分)6"),
    ("10_qingshen-fagaiju-2023.txt", "其中:财政资金 |\n238.93 |", "其中:财政资金 |\n228.93 |",
     "sum", "其中:财政资金年初预算228.93"),
    ("10_qingshen-fagaiju-2023.txt", "251.89 |\n100.00% |\n10 |", "251.89 |\n98.00% |\n10 |",
     "rate", "总额预算执行率98.00%"),
    ("10_qingshen-fagaiju-2023.txt", "|\n60 |\n", "|\n70 |\n", "group", "产出指标权重70"),
]


@pytest.mark.parametrize("name,old,new,kind,shown", ALTERED,
                         ids=[f"{a[0][:2]}-{a[3]}-{i}" for i, a in enumerate(ALTERED)])
def test_altered_copy_fails(tmp_path, capsys, name, old, new, kind, shown):
    text = _text(name)
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    rc, out, _ = run_cli(["audit", str(path)], capsys)
    assert rc == 1
    result = audit_file(path)
    before = {(c.kind, c.title) for c in mismatches(audit_file(REAL / name))}
    new_bad = [c for c in mismatches(result) if (c.kind, c.title) not in before]
    assert kind in {c.kind for c in new_bad}, [(c.kind, c.title) for c in mismatches(result)]
    section = out.split("三、不一致明细", 1)[1]
    assert shown in section, section[:2000]


def test_corrected_copy_passes(tmp_path):
    """04 with the count made consistent (共16个) has nothing left to flag."""
    text = _text("04_honghe-shujuzhongxin-2024.txt").replace("实施项目共15个", "实施项目共16个")
    path = tmp_path / "04.txt"
    path.write_text(text, encoding="utf-8")
    result = audit_file(path)
    assert result.exit_code == 0
    assert [c.status for c in result.checks if c.kind == "phase"] == ["OK"]


def test_altered_ocr_copy_is_unverified_with_the_row(tmp_path, capsys):
    """On OCR text a changed weight is reported 未核对 with its row — never exit 1."""
    text = _text("12_yinchuan-liuzhong-2021.txt").replace("项目决策(10分)", "项目决策(12分)")
    path = tmp_path / "12.txt"
    path.write_text(text, encoding="utf-8")
    rc, out, _ = run_cli(["audit", str(path)], capsys)
    assert rc == 0
    result = audit_file(path)
    group = next(c for c in result.checks if c.kind == "group" and "项目决策" in c.title
                 and "分值之和" in c.title)
    assert group.status == "UNVERIFIED" and "OCR" in group.reason
    assert "四、未核对及原因" in out and "项目决策" in out.split("四、未核对及原因", 1)[1]
