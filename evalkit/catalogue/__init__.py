"""The metric catalogue: every figure's Chinese name, unit, format, 同比 kind and definition.

The catalogue is data: every ``*.yaml`` file in this folder is a list of entries, one per key of
``metrics.json`` (see ``metrics.yaml`` for the fields). Charts, the report, the audit vocabulary,
notebook tables, the CLI summary and the scorecard read labels and formats from here, so a metric is
named in exactly one place.

    >>> get("petitions.online_share_pct").name
    '网信占比率'
    >>> format_value("budget.total_actual_wan", 774.9), format_value("petitions.total_cases", 3000)
    ('774.90万元', '3000件')
    >>> format_value("petitions.first_time_resolution_rate_pct", 98.1, unit=False)
    '98.10'
    >>> format_value("petitions.national_initial_qiujue_yoy_pct", -43.21)
    '下降43.21%'
    >>> yoy_kind("petitions.satisfaction_rate_pct"), yoy_kind("petitions.total_cases")
    ('pp', 'pct')
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evalkit.numfmt import describe_change, fmt_count, fmt_fixed

CATALOGUE_DIR = Path(__file__).resolve().parent

Kind = Literal["amount", "rate", "change", "count", "rank", "score", "text", "flag", "month", "year",
               "pp", "list", "table"]
Unit = Literal["万元", "元", "%", "件", "个", "名", "分", "个百分点", "月", "天", "年", "人", ""]

#: Default decimals by kind (amounts, rates, scores and percentage points print two decimals).
DEFAULT_DECIMALS: dict[str, int] = {"amount": 2, "rate": 2, "change": 2, "score": 2, "pp": 2}
MISSING = "—"


class Metric(BaseModel):
    """One figure (or one list table) of ``metrics.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    short: str = ""
    en: str = Field(min_length=1)
    unit: Unit = ""
    kind: Kind
    decimals: int | None = Field(default=None, ge=0, le=6)
    yoy: Literal["pct", "pp"] | None = None
    better: Literal["higher", "lower"] | None = None
    history: bool = False
    definition: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    part_of: str | None = None
    audit: bool = False
    """``evalkit audit`` checks what a report states of this figure (name, short name and synonyms
    are the words it looks for; an amount, rate or count). The audit's hand-tuned quantities are in
    ``evalkit/audit/vocabulary.yaml``; this flag adds a catalogued figure without touching it."""
    fields: tuple["Metric", ...] = ()

    @model_validator(mode="after")
    def _defaults(self) -> "Metric":
        if not self.short:
            object.__setattr__(self, "short", self.name)
        if self.decimals is None:
            object.__setattr__(self, "decimals", DEFAULT_DECIMALS.get(self.kind, 0))
        if self.fields and self.kind != "table":
            raise ValueError(f"{self.key}: only a table has fields")
        return self

    @field_validator("synonyms", mode="before")
    @classmethod
    def _tuple(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @property
    def label(self) -> str:
        """The full name with its unit, as a table header prints it: ``信访事项总量（件）``, ``占比（%）``."""
        return self.header()

    def header(self, short: bool = False, unit: bool = True) -> str:
        """A column header: the name (or short name), with the unit in brackets when ``unit``.

        Text, flags, months and years never get a unit; ``unit=False`` is for tables whose unit
        is stated once above them (「单位：万元」).
        """
        text = self.short if short else self.name
        if (not unit or self.unit in ("", "月", "年")
                or self.kind in ("text", "flag", "table", "list", "month", "year")):
            return text
        return f"{text}（{self.unit}）"


def _entries(path: Path) -> list[dict[str, Any]]:
    # evalkit's own file: the C loader (same safe subset, several times faster per kernel)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []  # noqa: S506
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: the catalogue file must be a list of entries")
    return data


def _with_full_keys(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Table columns are written with their short key; give them the full dotted key."""
    out = dict(entry)
    if out.get("fields"):
        out["fields"] = [{**f, "key": f"{entry['key']}.{f['key']}"} for f in out["fields"]]
    return out


@functools.lru_cache(maxsize=1)
def load(folder: str | None = None) -> dict[str, Metric]:
    """Every entry of every ``*.yaml`` in the catalogue folder, by key (table columns included).

    Raises:
        ValueError: a malformed file, an unknown field or a duplicated key (names the file).
    """
    base = Path(folder) if folder else CATALOGUE_DIR
    found: dict[str, Metric] = {}
    # metrics.yaml (the metrics.json keys, in report order) first, then the other files by name
    for path in sorted(base.glob("*.yaml"), key=lambda p: (p.name != "metrics.yaml", p.name)):
        for i, raw in enumerate(_entries(path)):
            try:
                metric = Metric.model_validate(_with_full_keys(raw))
            except (ValidationError, KeyError, TypeError) as exc:
                raise ValueError(f"{path.name} entry {i + 1}: {exc}") from exc
            for m in (metric, *metric.fields):
                if m.key in found:
                    raise ValueError(f"{path.name}: key {m.key!r} is defined twice")
                found[m.key] = m
    return found


def get(key: str) -> Metric:
    """The catalogue entry of ``key`` (``KeyError`` naming the key when it is not catalogued)."""
    try:
        return load()[key]
    except KeyError:
        raise KeyError(f"metric {key!r} is not in the catalogue (evalkit/catalogue/*.yaml)") from None


def keys() -> list[str]:
    """Every catalogued key, in file order."""
    return list(load())


def label(key: str, short: bool = False) -> str:
    """The Chinese name of ``key`` (``short=True``: its short name)."""
    m = get(key)
    return m.short if short else m.name


def unit(key: str) -> str:
    """The unit of ``key`` (``""`` when it has none)."""
    return get(key).unit


def yoy_kind(key: str) -> str:
    """How ``key`` changes year on year: ``'pp'`` for rates, ``'pct'`` for amounts and counts."""
    m = get(key)
    if m.yoy:
        return m.yoy
    return "pp" if m.kind in ("rate", "pp") else "pct"


def yoy_keys() -> tuple[str, ...]:
    """The headline keys that get a 同比, in catalogue order."""
    return tuple(k for k, m in load().items() if m.yoy)


def history_keys() -> tuple[str, ...]:
    """The keys kept in the year-by-year ``history`` series, in catalogue order."""
    return tuple(k for k, m in load().items() if m.history)


def audit_keys() -> tuple[str, ...]:
    """The keys marked ``audit: true`` (figures ``evalkit audit`` looks for), in catalogue order."""
    return tuple(k for k, m in load().items() if m.audit)


def parts_of(key: str) -> tuple[str, ...]:
    """The keys declared as parts of ``key`` (``part_of: key``)."""
    return tuple(k for k, m in load().items() if m.part_of == key)


def fields(table_key: str) -> dict[str, Metric]:
    """The columns of a list table, by their short key (``"cases"`` → its Metric)."""
    m = get(table_key)
    if m.kind != "table":
        raise KeyError(f"{table_key!r} is not a table in the catalogue")
    return {f.key.rsplit(".", 1)[1]: f for f in m.fields}


def header(key: str, short: bool = False, unit: bool = True) -> str:
    """The column header of ``key`` (see :meth:`Metric.header`)."""
    return get(key).header(short, unit)


def format_number(metric: Metric, value: Any, *, unit: bool = True) -> str:
    """``value`` printed the way the report prints ``metric`` (half-up; ``—`` when missing)."""
    if value is None or value == "":
        return MISSING
    kind = metric.kind
    if kind == "flag":
        return "是" if value else "否"
    if kind in ("text", "year", "list", "table"):
        return str(value)
    if kind == "change" and unit:
        return describe_change(value, "pp" if metric.unit == "个百分点" else "pct",
                               metric.decimals)
    if kind in ("count", "rank", "month"):
        text = fmt_count(value)
    else:
        text = fmt_fixed(value, metric.decimals)
    if not unit or text == MISSING or not metric.unit:
        return text
    if kind == "rank":
        return f"第{text}{metric.unit}"
    return f"{text}{metric.unit}"


def format_value(key: str, value: Any, unit: bool = True) -> str:
    """``value`` of ``key`` as the report prints it: ``774.90万元``, ``88.67%``, ``3000件``."""
    return format_number(get(key), value, unit=unit)


def table_frame(table_key: str, records: Sequence[Mapping[str, Any]] | None,
                columns: Iterable[str] | None = None, *, formatted: bool = True) -> Any:
    """A list table of ``metrics.json`` as a DataFrame with Chinese headers.

    Args:
        table_key: e.g. ``"petitions.by_township"``.
        records: the list of row dicts.
        columns: the short keys to show, in order (default: every catalogued column present).
        formatted: print values as the report does (strings: ``98.10``, ``3000``); ``False``
            keeps the numbers (for Excel).

    Returns:
        A ``pandas.DataFrame`` whose headers are the columns' labels (``件数（件）``…).
    """
    import pandas as pd

    cols = fields(table_key)
    records = list(records or [])
    wanted = list(columns) if columns is not None else [
        k for k in cols if any(k in r for r in records)] or list(cols)
    data = {}
    for k in wanted:
        m = cols[k]
        values = [r.get(k) for r in records]
        data[m.label] = ([format_number(m, v, unit=False) for v in values] if formatted
                         else values)
    return pd.DataFrame(data, columns=[cols[k].label for k in wanted])


def scalar_frame(keys_: Iterable[str], values: Mapping[str, Any], *, column: str = "数值") -> Any:
    """Headline figures as a two-column DataFrame: 指标 (Chinese name with unit) and its value."""
    import pandas as pd

    rows = [(get(k).label, format_value(k, _lookup(values, k), unit=False)) for k in keys_]
    return pd.DataFrame(rows, columns=["指标", column])


def _lookup(values: Mapping[str, Any], key: str) -> Any:
    node: Any = values
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return values.get(key) if isinstance(values, Mapping) else None
        node = node[part]
    return node


def all_labels() -> set[str]:
    """Every name and short name in the catalogue (the lint test checks none is in Python code)."""
    out: set[str] = set()
    for m in load().values():
        out.update({m.name, m.short})
    return out


def markdown_table(prefixes: Sequence[str] = ("",)) -> str:
    """Catalogue entries whose key equals or starts with one of ``prefixes``, as Markdown."""
    lines = ["| key | 名称 | 简称 | 单位 | 同比 | 方向 | 定义 |", "|---|---|---|---|---|---|---|"]
    better = {"higher": "越高越好", "lower": "越低越好", None: "—"}
    yoy = {"pct": "%", "pp": "个百分点", None: "—"}
    for k, m in load().items():
        if not any(k == p or k.startswith(p) for p in prefixes):
            continue
        lines.append(f"| `{k}` | {m.name} | {m.short} | {m.unit or '—'} | {yoy[m.yoy]} "
                     f"| {better[m.better]} | {m.definition} |")
    return "\n".join(lines)


DOCS_FILE = CATALOGUE_DIR.parents[1] / "docs" / "metrics.md"
DOCS_START = "<!-- catalogue:start (generated by `python -m evalkit.catalogue`; do not edit) -->"
DOCS_END = "<!-- catalogue:end -->"


def docs_block() -> str:
    """The generated block of ``docs/metrics.md``: one table per section of metrics.json."""
    sections = [("年度与来源", ("year", "department", "district", "city", "is_sample",
                                "generated_at", "sources", "provenance")),
                ("预算 budget", ("budget.",)), ("信访 petitions", ("petitions.",)),
                ("同比、排名与历年 peers, yoy, history", ("peers", "yoy", "history")),
                ("自评得分 score", ("score.",))]
    parts = [DOCS_START]
    for title, prefixes in sections:
        parts += ["", f"#### {title}", "", markdown_table(prefixes)]
    parts += ["", DOCS_END]
    return "\n".join(parts)


def _split_docs(text: str) -> tuple[str, str, str] | None:
    if DOCS_START not in text or DOCS_END not in text:
        return None
    head, rest = text.split(DOCS_START, 1)
    _, tail = rest.split(DOCS_END, 1)
    return head, DOCS_START + rest.split(DOCS_END, 1)[0] + DOCS_END, tail


def docs_block_current(path: Path = DOCS_FILE) -> bool:
    """Whether ``docs/metrics.md`` holds exactly the generated block."""
    parts = _split_docs(path.read_text(encoding="utf-8"))
    return parts is not None and parts[1] == docs_block()


def write_docs_block(path: Path = DOCS_FILE) -> Path:
    """Replace the block in ``docs/metrics.md`` (appended when absent) and return the path."""
    text = path.read_text(encoding="utf-8")
    parts = _split_docs(text)
    new = (parts[0] + docs_block() + parts[2]) if parts else text.rstrip() + "\n\n" + docs_block() + "\n"
    path.write_text(new, encoding="utf-8")
    return path


__all__ = ["Metric", "all_labels", "audit_keys", "docs_block", "docs_block_current", "fields", "format_number",
           "format_value", "get", "header",
           "history_keys", "keys", "label", "load", "markdown_table", "parts_of", "scalar_frame",
           "table_frame", "unit", "write_docs_block", "yoy_keys", "yoy_kind"]
