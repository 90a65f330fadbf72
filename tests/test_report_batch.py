"""The one expensive run shared by the report, notebook, runner, PII and browser tests.

``sample_batch()`` runs ``evalkit.runner.run_years`` once per test session on a scratch copy of
the sample data:

* 2021 (no peers.xlsx: the report must degrade gracefully) and 2023 (the reference figures);
* 2023's petitions.xlsx carries planted personal data (name, ID number, phone, address, content)
  and planted markup in a 责任单位 and a 镇街 value; the same ID number and phone are also planted
  in kept columns (a 责任单位, a budget 项目名称), the name in department.yaml's prose, and a file
  named after the petitioner lies in the 2023 folder (issue 10: all masked or never read);
* a "2024" folder whose petitions.xlsx is corrupted, with a previous good report already in
  ``outputs/2024/``: the batch must report it, leave that report byte-identical, still finish
  2021 and 2023, and exit non-zero.

Test modules get it through their own session fixture calling :func:`sample_batch`; the result is
memoised here, so the batch runs once however many modules use it.
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

GOOD_YEARS = (2021, 2023)
BROKEN_YEAR = 2024
PREVIOUS_REPORT = ("<!DOCTYPE html><html lang=\"zh-CN\"><body>上一次的合格报告 / previous good report"
                   "</body></html>")

#: Planted into the personal columns of one 2023 row; must appear in no output file.
PLANTED_PII = {
    "信访人姓名": "欧阳泄密者",
    "身份证号": "44018319990101123X",
    "联系电话": "13900001111",
    "地址": "广州市增城区泄密路88号之三",
    "诉求内容": "泄密诉求内容甲乙丙丁",
}
#: Planted into non-personal text columns (kept, so they must come out escaped).
PLANTED_MARKUP = {
    "责任单位": "<script>alert(1)</script>",
    "所属镇街": "荔城街道<script>alert(2)</script>",
}


@dataclass
class Batch:
    rc: int
    log: str
    raw: Path
    processed: Path
    out: Path
    seconds: float
    register_pii: dict[str, set[str]] = field(default_factory=dict)

    def report(self, year: int) -> Path:
        return self.out / str(year) / "report.html"


_BATCH: Batch | None = None


def _plant(petitions: Path) -> dict[str, set[str]]:
    """Plant PII and markup into petitions.xlsx (a copy); return the register's personal values."""
    import openpyxl

    wb = openpyxl.load_workbook(petitions)
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 6)
                      if "信访件编号" in [c.value for c in ws[r]])
    cols = {c.value: c.column for c in ws[header_row] if c.value}
    first = header_row + 1
    for name, value in PLANTED_PII.items():
        ws.cell(first, cols[name], value)
    ws.cell(first + 1, cols["责任单位"], PLANTED_MARKUP["责任单位"])
    ws.cell(first + 2, cols["所属镇街"], PLANTED_MARKUP["所属镇街"])
    personal: dict[str, set[str]] = {name: set() for name in PLANTED_PII}
    for row in ws.iter_rows(min_row=first, values_only=False):
        for name in personal:
            value = row[cols[name] - 1].value
            if value is not None and str(value).strip():
                personal[name].add(str(value).strip())
    wb.save(petitions)
    return personal


PLANTED_FILE = f"{PLANTED_PII['信访人姓名']}_{PLANTED_PII['身份证号']}_来信扫描.pdf"


def _plant_kept(year: Path) -> None:
    """Plant the personal data of PLANTED_PII where the loader keeps text (see the docstring)."""
    import openpyxl

    wb = openpyxl.load_workbook(year / "budget.xlsx")
    wb.worksheets[0]["D5"] = f"日常公用经费（经办人身份证{PLANTED_PII['身份证号']}）"
    wb.save(year / "budget.xlsx")
    wb = openpyxl.load_workbook(year / "petitions.xlsx")
    ws = wb.worksheets[0]
    unit = next(c.column for c in ws[2] if c.value == "责任单位")
    ws.cell(6, unit, f"区城管局（联系电话{PLANTED_PII['联系电话']}）")
    wb.save(year / "petitions.xlsx")
    dept = year / "department.yaml"
    text = dept.read_text(encoding="utf-8").replace(
        "problems_extra:\n", f"problems_extra:\n- 信访人{PLANTED_PII['信访人姓名']}反映的问题已办结。\n", 1)
    dept.write_text(text, encoding="utf-8")
    (year / PLANTED_FILE).write_bytes(b"%PDF-1.4 scanned letter")


def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Run (once per session) the batch described in the module docstring and return it."""
    global _BATCH
    if _BATCH is not None:
        return _BATCH
    from evalkit.runner import run_years

    base = tmp_path_factory.mktemp("batch")
    raw, processed, out = base / "raw", base / "processed", base / "outputs"
    for year in (2021, 2022, 2023):        # 2022 is input only (同比 and history of 2023)
        shutil.copytree(RAW / str(year), raw / str(year))
    pii = _plant(raw / "2023" / "petitions.xlsx")
    shutil.copytree(RAW / "2023", raw / str(BROKEN_YEAR))
    _plant_kept(raw / "2023")
    (raw / str(BROKEN_YEAR) / "petitions.xlsx").write_bytes(b"this is not a workbook\x00\x01")
    previous = out / str(BROKEN_YEAR)
    previous.mkdir(parents=True)
    (previous / "report.html").write_text(PREVIOUS_REPORT, encoding="utf-8")
    stream = io.StringIO()
    start = time.perf_counter()
    rc = run_years([*GOOD_YEARS, BROKEN_YEAR], raw, processed, out, timeout=300, stream=stream)
    _BATCH = Batch(rc, stream.getvalue(), raw, processed, out, time.perf_counter() - start, pii)
    return _BATCH


def test_batch_good_years_complete(batch: Batch) -> None:
    for year in GOOD_YEARS:
        folder = batch.out / str(year)
        for name in ("report.html", "metrics.json", "scorecard.xlsx"):
            assert (folder / name).is_file(), f"{year}/{name} missing\n{batch.log}"
        assert sorted(p.name for p in (folder / "notebooks").glob("*.ipynb")) == [
            "01_budget_execution.ipynb", "02_petitions.ipynb", "03_scorecard.ipynb",
            "04_report.ipynb", "05_monitoring.ipynb"]
        assert list((folder / "charts").glob("*.png")), f"{year}: no charts"


def test_batch_progress_lines_and_summary(batch: Batch) -> None:
    for year in GOOD_YEARS:
        for nb in ("01_budget_execution", "02_petitions", "03_scorecard", "04_report",
                   "05_monitoring"):
            assert f"[{year}] {nb}.ipynb … ok" in batch.log, batch.log
    last = batch.log.strip().splitlines()[-1]
    assert "2 ok (2021, 2023)" in last and f"1 failed ({BROKEN_YEAR})" in last
    assert "Traceback" not in batch.log


def test_batch_no_staging_left(batch: Batch) -> None:
    assert not [p for p in batch.out.iterdir() if p.name.startswith(".staging-")]
    leftovers = [p for p in batch.out.rglob(".*") if p.is_file()]
    assert not leftovers, leftovers
