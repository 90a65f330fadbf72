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
