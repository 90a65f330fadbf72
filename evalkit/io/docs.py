"""Markdown column dictionary of the input files, generated from :mod:`evalkit.schema`.

``data/raw/README.md`` embeds this output; ``tests/test_io_docs.py`` keeps the two in step.
Regenerate with ``python -m evalkit.io.docs``.
"""

from __future__ import annotations

from evalkit.schema import Column, TABLES, TableSpec

KIND_LABELS = {"str": "文本", "text": "文本", "amount": "金额", "int": "整数", "date": "日期",
               "bool": "是/否", "category": "选项"}
_HEAD = ("| 表头 (header) | accepted aliases | tidy column | type | unit after load | required "
         "| example | note |")


def _row(c: Column) -> str:
    header, aliases, key, note = c.header, "、".join(c.aliases), c.key, c.note
    if c.key == "m01_wan":
        header, aliases, key = "1月 … 12月", "1月支出…12月支出, 01月…12月", "m01_wan … m12_wan"
    if c.choices:
        note = "choices: " + "、".join(c.choices) + (
            f"; aliases: {'、'.join(c.choice_aliases)}" if c.choice_aliases else "") + (
            f"; {note}" if note else "")
    if c.personal:
        key = "— (dropped at load)"
        note = "个人信息 personal: dropped at load" + (
            "; hashed into petitioner_key" if c.key in ("petitioner_name", "id_number") else "")
    unit = "万元" if c.kind == "amount" else (c.unit or "")
    required = "是 required" if c.required else "否 optional"
    return (f"| {header} | {aliases or '—'} | `{key}` | {KIND_LABELS[c.kind]} ({c.kind}) | {unit} "
            f"| {required} | {c.example} | {note} |")


def table_markdown(spec: TableSpec) -> str:
    """The column dictionary of one table as a markdown section."""
    lines = [f"### `{spec.file_stem}.xlsx` (or `.csv`) — sheet 「{spec.sheet}」, {spec.title}\n"]
    if spec.key:
        lines.append(f"Unique key: {', '.join(spec.column(k).header for k in spec.key)}.\n")
    lines += [_HEAD, "|---|---|---|---|---|---|---|---|"]
    lines += [_row(c) for c in spec.columns if not (c.key.startswith("m") and c.key.endswith(
        "_wan") and c.key != "m01_wan")]
    return "\n".join(lines) + "\n"


def column_dictionary() -> str:
    """Every input table's column dictionary."""
    return "\n".join(table_markdown(spec) for spec in TABLES.values())


if __name__ == "__main__":
    print(column_dictionary())
