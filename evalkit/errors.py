"""Located input problems: every message names file, sheet, row, column and value, in 中文 / English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

Level = Literal["error", "warning"]


def _show_value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes:
        level: ``"error"`` stops the run; ``"warning"`` is listed and the run goes on.
        file: the file name as the analyst sees it, e.g. ``petitions.xlsx``.
        zh: what is wrong and what was expected, in Chinese.
        en: a short English gloss.
        sheet: the sheet name (``None`` for csv/yaml).
        row: the Excel row number (1-based, as shown in Excel), when the problem is in one row.
        column: the column header as written in the file.
        value: the offending raw value (shown as 原值).
    """

    level: Level
    file: str
    zh: str
    en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    has_value: bool = field(default=False, repr=False)

    def format(self) -> str:
        """Return the one-line message, e.g.

        ``【petitions.xlsx／信访台账】第12行「登记日期」：无法识别的日期（原值：2023-13-45） / unrecognised date``
        """
        where = f"【{self.file}／{self.sheet}】" if self.sheet else f"【{self.file}】"
        if self.row is not None:
            where += f"第{self.row}行"
        if self.column:
            where += f"「{self.column}」"
        tag = "错误" if self.level == "error" else "警告"
        shown = f"（原值：{_show_value(self.value)}）" if self.has_value else ""
        return f"[{tag}] {where}：{self.zh}{shown} / {self.en}"

    __str__ = format


def problem(level: Level, file: str, zh: str, en: str, *, sheet: str | None = None,
            row: int | None = None, column: str | None = None, value: Any = ...) -> Problem:
    """Build a :class:`Problem`; pass ``value=`` only when there is an offending value to show."""
    has_value = value is not ...
    return Problem(level, file, zh, en, sheet, row, column, None if not has_value else value,
                   has_value)


class InputError(Exception):
    """Raised when input files have errors; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.level == "error"]
        super().__init__(f"{len(errors)} input error(s)\n" + format_problems(self.problems))

    @property
    def errors(self) -> list[Problem]:
        """The problems of level ``error``."""
        return [p for p in self.problems if p.level == "error"]


def format_problems(problems: Iterable[Problem]) -> str:
    """Format problems one per line, errors first, in file/row order."""
    def key(p: Problem):
        return (p.level != "error", p.file, p.sheet or "", p.row or 0, p.column or "")
    return "\n".join(p.format() for p in sorted(problems, key=key))


def raise_if_errors(problems: Iterable[Problem]) -> list[Problem]:
    """Raise :class:`InputError` if any problem is an error; otherwise return the warnings."""
    problems = list(problems)
    if any(p.level == "error" for p in problems):
        raise InputError(problems)
    return problems
