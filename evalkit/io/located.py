"""Turn row masks into located problems (file, sheet, Excel row, header as written, raw value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evalkit.errors import Level, Problem, problem

MAX_ROWS_PER_KIND = 50
"""At most this many rows are listed per (column, kind of problem); the rest are counted."""


@dataclass
class Locator:
    """Builds problems for one table.

    Attributes:
        file: file name as the analyst sees it.
        sheet: sheet name (None for csv).
        headers: tidy key -> header as written in the file.
        problems: the problems collected so far.
    """

    file: str
    sheet: str | None
    headers: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, level: Level, zh: str, en: str, *, key: str | None = None,
            row: int | None = None, **kw: Any) -> None:
        """Add one problem; ``key`` names the column by its tidy key."""
        column = self.headers.get(key, key) if key else kw.pop("column", None)
        self.problems.append(problem(level, self.file, zh, en, sheet=self.sheet, row=row,
                                     column=column, **kw))

    def rows(self, level: Level, mask: pd.Series, key: str, raw: pd.Series, zh: str, en: str,
             *, details: pd.Series | None = None) -> None:
        """Add one problem per flagged row (capped), showing the raw cell.

        Args:
            level: error or warning.
            mask: boolean mask over the table rows (index = Excel row numbers).
            key: tidy key of the column the problem is reported on.
            raw: raw cells of that column (same index).
            zh: Chinese message; ``{detail}`` is replaced by ``details`` for the row when given.
            en: English gloss (``{detail}`` likewise).
            details: optional per-row text inserted into the messages.
        """
        hit = mask[mask.fillna(False).astype(bool)].index
        for n, row in enumerate(hit):
            if n == MAX_ROWS_PER_KIND:
                rest = len(hit) - MAX_ROWS_PER_KIND
                self.add(level, f"另有{rest}行存在同样问题（{zh.format(detail='…')}）",
                         f"{rest} more rows with the same problem", key=key)
                break
            detail = "" if details is None else str(details.loc[row])
            self.add(level, zh.format(detail=detail), en.format(detail=detail), key=key,
                     row=int(row), value=_shown(raw.loc[row]))


def _shown(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "（空）"
    return value
