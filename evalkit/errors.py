"""Located input problems: every message names file, sheet, row, column and value, in 中文 / English."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

Level = Literal["error", "warning"]

CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0/C1 control characters other than tab and line breaks (ESC starts terminal sequences)."""
INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Zero-width characters and bidi controls: invisible, but they split or reorder labels."""
_LINE_BREAKS_RE = re.compile("[\t\r\n\u2028\u2029]+")


def clean_text(text: str) -> str:
    r"""``text`` without control characters, zero-width characters or bidi controls.

    Tabs and line breaks are kept (a cell may hold several lines).

    >>> clean_text("区城管局\x1b[2J\x00") == "区城管局[2J"
    True
    >>> clean_text("石滩\u200b镇")
    '石滩镇'
    """
    if text.isascii() and text.isprintable():
        return text
    return INVISIBLE_RE.sub("", CONTROL_RE.sub("", text))


def one_line(text: Any) -> str:
    """``text`` as one printable line: :func:`clean_text`, line breaks and tabs as spaces."""
    return _LINE_BREAKS_RE.sub(" ", clean_text(str(text)))


def _show_value(value: Any) -> str:
    text = one_line(value)
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
        return one_line(f"[{tag}] {where}：{self.zh}{shown} / {self.en}")

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


_OS_REASONS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("没有权限", "operation not permitted"),
    errno.EROFS: ("只读文件系统，不能写入", "read-only file system"),
    errno.ENOSPC: ("磁盘空间不足", "no space left on device"),
    errno.EDQUOT: ("超出磁盘配额", "disk quota exceeded"),
    errno.EISDIR: ("这是一个文件夹，应为文件", "is a folder, a file was expected"),
    errno.ENOTDIR: ("路径中有同名文件，应为文件夹", "a file stands where a folder was expected"),
    errno.EEXIST: ("已存在同名文件，应为文件夹", "a file of that name already exists"),
    errno.ENOENT: ("不存在", "not found"),
    errno.ENAMETOOLONG: ("路径过长", "path too long"),
    errno.EIO: ("读写出错（磁盘故障？）", "input/output error"),
}


def os_problem(exc: OSError, file: Any = None) -> Problem:
    """A located problem for a file-system fault (permissions, a file where a folder should be,
    disk full, …): names ``file`` (default: the path in the exception) and the reason.

    >>> os_problem(PermissionError(13, "Permission denied", "/x/.salt")).format()
    '[错误] 【/x/.salt】：无法访问（没有权限） / cannot access: permission denied'
    """
    where = file or getattr(exc, "filename", None) or "?"
    zh, en = _OS_REASONS.get(exc.errno or 0, (exc.strerror or type(exc).__name__,
                                               exc.strerror or type(exc).__name__))
    return problem("error", str(where), f"无法访问（{zh}）", f"cannot access: {en}")
