"""The metric catalogue: every metrics.json key is catalogued once, formats, docs, no stray labels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from evalkit import catalogue, schema
from evalkit.metrics import yoy

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

# Parts of metrics.json whose children are data, not catalogued keys: yoy/yoy_text are keyed by
# catalogued metric keys (checked separately), score.modules by module names, provenance is a record.
OPAQUE = {"yoy", "yoy_text", "score.modules", "provenance"}


def metric_keys(node, path=""):
    """Every key path of a metrics dict, list rows folded into their table's columns."""
    if path in OPAQUE:
        yield path
        return
    if isinstance(node, dict):
        if path:
            yield path
        for k, v in node.items():
            yield from metric_keys(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        yield path
        for row in node:
            if isinstance(row, dict):
                for k in row:
                    yield f"{path}.{k}"
    else:
        yield path


@pytest.fixture
def sample(sample_build) -> dict:
    """metrics.json of the bundled 2023 sample (the real shape, every section)."""
    return sample_build.metrics(2023)


def test_every_key_of_the_sample_metrics_is_catalogued(sample):
    known = set(catalogue.keys())
    missing = sorted({k for k in metric_keys(sample) if k not in known and k not in
                      ("budget", "petitions", "score")})
    assert missing == []


#: Catalogue entries that are not keys of metrics.json: monitor.json's (checked by
#: tests/test_monitor_catalogue.py) and the working-paper tables computed by evalkit.workpapers
#: from the case-level data (tests/test_workpapers.py checks that each one is used by a workpaper
#: table, and that every workpaper table is catalogued).
DERIVED_PREFIXES = ("monitor.", "workpapers.")


def test_every_catalogued_key_exists_in_the_sample_metrics(sample):
    present = set(metric_keys(sample)) | {"provenance"}
    stale = [k for k in catalogue.keys() if k not in present and not k.startswith(DERIVED_PREFIXES)]
    assert stale == []


def test_yoy_and_history_keys_come_from_the_catalogue(sample):
    m = sample
    assert set(m["yoy"]) == set(catalogue.yoy_keys()) == set(yoy.HEADLINES)
    assert yoy.HISTORY_KEYS == catalogue.history_keys()
    assert {f"{s}.{k}" for s in ("budget", "petitions") for k in m["history"][0]
            if f"{s}.{k}" in catalogue.load()} == set(yoy.HISTORY_KEYS)
    # rates change in percentage points, amounts and counts in percent
    assert catalogue.yoy_kind("budget.execution_rate_pct") == "pp"
    assert catalogue.yoy_kind("petitions.repeat_cases") == "pct"


@pytest.mark.parametrize("key, value, text, bare", [
    ("budget.total_actual_wan", 774.9, "774.90万元", "774.90"),
    ("budget.execution_rate_pct", 98.945, "98.95%", "98.95"),        # half-up, not banker's
    ("petitions.total_cases", 3000, "3000件", "3000"),
    ("petitions.national_initial_qiujue_rank", 3, "第3名", "3"),
    ("petitions.national_initial_qiujue_yoy_pct", -43.2098, "下降43.21%", "-43.21"),
    ("score.total", 92.1, "92.10分", "92.10"),
    ("petitions.satisfaction_rate_pct", None, "—", "—"),               # missing is a dash
    ("budget.checkpoints.met", False, "否", "否"),
])
def test_values_print_the_way_the_report_prints_them(key, value, text, bare):
    assert catalogue.format_value(key, value) == text
    assert catalogue.format_value(key, value, unit=False) == bare


def test_table_frame_has_chinese_headers_and_integer_counts(sample):
    rows = sample["petitions"]["by_township"][:2]
    df = catalogue.table_frame("petitions.by_township", rows)
    assert list(df.columns)[:3] == ["镇街", "件数（件）", "网信占比率（%）"]
    assert df.iloc[0, 1] == str(rows[0]["cases"])                       # 3000, never 3000.00
    assert df.iloc[0, 2] == f"{rows[0]['online_share_pct']:.2f}"
    raw = catalogue.table_frame("petitions.by_township", rows, ["township", "cases"],
                                formatted=False)
    assert raw.iloc[0, 1] == rows[0]["cases"]


def test_headers_carry_units_only_where_they_mean_something():
    assert catalogue.header("petitions.total_cases") == "信访事项总量（件）"
    assert catalogue.header("budget.progress.month") == "月份"
    assert catalogue.header("budget.by_type.budget_wan", short=True, unit=False) == "预算数"


def test_docs_block_is_generated_from_the_catalogue():
    assert catalogue.docs_block_current(), "run: python -m evalkit.catalogue"


def test_unknown_key_names_the_key():
    with pytest.raises(KeyError, match="petitions.nope"):
        catalogue.get("petitions.nope")


def test_a_duplicated_key_or_unknown_field_is_refused(tmp_path):
    entry = "- {key: a.b, name: 甲, en: a, kind: count, definition: x}\n"
    (tmp_path / "one.yaml").write_text(entry, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(entry, encoding="utf-8")
    with pytest.raises(ValueError, match="two.yaml.*defined twice"):
        catalogue.load.__wrapped__(str(tmp_path))
    (tmp_path / "two.yaml").write_text(
        "- {key: a.c, name: 乙, en: a, kind: count, definition: x, colour: red}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two.yaml entry 1"):
        catalogue.load.__wrapped__(str(tmp_path))


# ------------------------------------------------------------------------ one place for labels

#: Files not yet reading their labels from the catalogue (being moved; this list only shrinks).
PENDING: set[str] = set()


def _input_vocabulary() -> set[str]:
    """Spreadsheet headers, aliases and category values: the input dictionary, not metric labels."""
    words: set[str] = set()
    for spec in schema.TABLES.values():
        for col in spec.columns:
            words.update({col.header, *col.aliases, *(col.choices or ())})
    return words


def _metric_labels() -> set[str]:
    scalar = [m for k, m in catalogue.load().items()
              if m.kind in ("amount", "rate", "change", "count", "rank", "score", "pp")
              and not any(k.startswith(t.key + ".") for t in catalogue.load().values()
                          if t.kind == "table")]
    labels = {text for m in scalar for text in (m.name, m.short)}
    return {t for t in labels if len(t) >= 3} - _input_vocabulary()


def test_no_metric_label_is_written_in_python_code():
    labels = _metric_labels()
    assert "一次性化解率" in labels and "网信占比率" in labels
    hits: dict[str, set[str]] = {}
    for path in sorted((ROOT / "evalkit").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in PENDING:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in labels:
                hits.setdefault(rel, set()).add(node.value)
    assert hits == {}, "read these labels from evalkit.catalogue instead"


def test_a_metric_reaches_the_audit_through_its_catalogue_entry(tmp_path, monkeypatch):
    """A new figure (信访事项回访率, marked ``audit: true``) is one catalogue entry: the audit's
    vocabulary knows it, and a report stating it against metrics.json is checked."""
    import json
    import shutil

    from evalkit.audit import vocab
    from evalkit.audit.run import audit_file

    folder = tmp_path / "catalogue"
    folder.mkdir()
    for path in catalogue.CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, folder)
    (folder / "extra.yaml").write_text(
        "- key: petitions.callback_rate_pct\n  name: 信访事项回访率\n  en: callback rate\n"
        "  unit: \"%\"\n  kind: rate\n  audit: true\n  definition: 已回访件次 ÷ 已办结件次 × 100%。\n",
        encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_DIR", folder)
    for cached in (catalogue.load, vocab.load_vocabulary):
        cached.cache_clear()
    try:
        voc = vocab.vocabulary()
        assert voc.terms["信访事项回访率"].key == "petitions.callback_rate_pct"
        assert voc.kinds["petitions.callback_rate_pct"] == "rate"
        metrics = tmp_path / "metrics.json"
        metrics.write_text(json.dumps({"year": 2023, "petitions": {"callback_rate_pct": 96.5}}),
                           encoding="utf-8")
        report = tmp_path / "report.txt"
        report.write_text("2023年度，我局信访事项回访率为97.50%。\n", encoding="utf-8")
        result = audit_file(report, metrics)
        bad = [c for c in result.checks if c.status == "MISMATCH"]
        assert bad and "信访事项回访率" in bad[0].title, [(c.status, c.title) for c in result.checks]
    finally:
        for cached in (catalogue.load, vocab.load_vocabulary):
            cached.cache_clear()
