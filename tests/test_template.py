"""evalkit template: empty workbooks with headers, 说明 sheet, drop-downs; never overwrites."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path

import pytest
import python_calamine

from evalkit import template
from evalkit.io import validate_year
from evalkit.schema import PETITIONS


def run(args: list[str]) -> int:
    parser = argparse.ArgumentParser()
    template.register(parser.add_subparsers())
    ns = parser.parse_args(args)
    return ns.func(ns)


def test_template_writes_files_with_headers(tmp_path: Path) -> None:
    folder = tmp_path / "2024"
    assert run(["template", str(folder), "--year", "2024"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(template.template_names())
    book = python_calamine.CalamineWorkbook.from_path(str(folder / "petitions.xlsx"))
    assert book.sheet_names == ["信访台账", "说明"]
    rows = book.get_sheet_by_name("信访台账").to_python()
    assert rows[1] == [c.header for c in PETITIONS.columns]
    guide = book.get_sheet_by_name("说明").to_python()
    assert guide[0][:6] == ["表头", "英文列名", "类型", "单位", "必填", "示例"]
    with zipfile.ZipFile(folder / "petitions.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "dataValidation" in xml and "网上信访" in xml
    problems = validate_year(folder)
    assert any("没有数据行" in p.zh for p in problems)


def test_template_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "2024"
    folder.mkdir()
    (folder / "budget.xlsx").write_bytes(b"keep me")
    assert run(["template", str(folder), "--year", "2024"]) == 1
    assert (folder / "budget.xlsx").read_bytes() == b"keep me"
    assert not (folder / "petitions.xlsx").exists()
    assert "已存在" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# a new year from last year's folder (--from)
# ---------------------------------------------------------------------------------------------

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _hand_scored(framework: str = "guangzhou_district") -> list:
    from evalkit.scoring import load_framework

    return [ind for _m, _s, ind, _p in load_framework(framework).walk() if ind.metric is None]


def _sheet_rows(path: Path) -> list[list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name("自评表").to_python()


def test_new_year_from_last_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    from evalkit.io.loaders import load_department

    folder = tmp_path / "new-2024"
    assert run(["template", str(folder), "--year", "2024", "--from", str(RAW / "2023")]) == 0
    out = capsys.readouterr().out
    # self_assessment.xlsx: every hand-scored indicator, with weight, target and last year's hint
    rows = _sheet_rows(folder / "self_assessment.xlsx")
    head = rows[1]
    from evalkit.schema import SELF_ASSESSMENT

    inputs = [c.header for c in SELF_ASSESSMENT.columns]
    assert head[:2] == inputs[:2] and head[-len(inputs[2:]):] == inputs[2:]
    assert {"自评值", "自评得分", "扣分原因", "佐证材料"} <= set(inputs[2:])
    assert {"分值", "年度指标值", "填写方法", "上年自评值"} <= set(head)
    listed = {r[0]: dict(zip(head, r)) for r in rows[2:]}
    manual = _hand_scored()
    assert list(listed) == [i.id for i in manual] and len(manual) == 15
    for ind in manual:
        assert listed[ind.id]["分值"] == float(ind.weight)
        assert listed[ind.id]["自评值"] in ("", None)          # to be filled in, not copied
    assert listed["L1.4"]["上年自评值"] == "部分达成（7.8分）"
    assert listed["M1.1"]["上年佐证材料"] == "2023年部门预算编制说明"
    assert "编制程序规范" in listed["M1.1"]["填写方法"]
    assert listed["L3.2"]["年度指标值"] == "≥95%"
    # department.yaml: carried over, year-specific fields 待填写, real data
    new, problems = load_department(folder / "department.yaml")
    old = yaml.safe_load((RAW / "2023" / "department.yaml").read_text(encoding="utf-8"))
    assert problems == []
    assert new["department"] == "增城区信访局" and new["sample"] is False
    for key in ("district", "city", "framework", "functions", "management", "supervisor",
                "filled_by", "phone", "head"):
        assert new[key] == old[key], key
    assert "report_date" not in new                                    # a new date, by hand
    assert [t["title"] for t in new["key_tasks"]] == [t["title"] for t in old["key_tasks"]]
    assert {t["result"] for t in new["key_tasks"]} == {"待填写"}
    assert new["annual_work"] == new["performance_goal"] == "待填写"
    assert new["notice"] == old["notice"].replace("2023", "2024")
    assert new["highlights"] == new["problems_extra"] == []
    # next steps printed
    assert "下一步" in out and "已列出 15 个人工评分指标" in out
    assert f"evalkit validate {folder}" in out and "--data-dir" in out and "改名为 2024" in out
    assert "annual_work、key_tasks、performance_goal" in out


def test_the_filled_template_loads_with_the_indicator_ids(tmp_path: Path) -> None:
    from evalkit.io.tables import load_table
    from evalkit.schema import SELF_ASSESSMENT

    folder = tmp_path / "2024"
    assert run(["template", str(folder), "--year", "2024"]) == 0
    frame, problems = load_table(folder / "self_assessment.xlsx", SELF_ASSESSMENT, required=False)
    assert [p for p in problems if p.level == "error"] == []
    assert frame["indicator_id"].tolist() == [i.id for i in _hand_scored()]
    assert frame["actual"].isna().all() and frame["score"].isna().all()


def test_from_a_folder_without_department_yaml_is_a_located_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evalkit import cli

    (tmp_path / "2023").mkdir()
    assert cli.main(["template", str(tmp_path / "2024"), "--year", "2024",
                     "--from", str(tmp_path / "2023")]) == 1
    assert "department.yaml" in capsys.readouterr().err
    assert not (tmp_path / "2024").exists()
