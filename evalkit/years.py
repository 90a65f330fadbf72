"""Years: parse what the analyst types (``2023``, ``2021-2023``, ``2021,2023``) and list year folders.

The one helper for years; the commands, the runner, the pipeline and the monitor all use it.
"""

from __future__ import annotations

import re
from pathlib import Path

_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|—|~|～|至|到)\s*(\d{4})$")
MAX_SPAN = 100


class YearsError(ValueError):
    """Text that is not a year list; the message is Chinese with an English gloss."""


def parse_years(text: str | int) -> list[int]:
    """Parse ``2023``, ``2021-2023``, ``2021,2023`` or ``2019-2020,2023`` into sorted unique years.

    Full-width commas and 、 separate years; ``-``, ``–``, ``—``, ``~`` and ``至`` make a range.

    >>> parse_years("2021-2023"), parse_years("2023,2021"), parse_years("2021至2022，2023")
    ([2021, 2022, 2023], [2021, 2023], [2021, 2022, 2023])
    >>> parse_years("2023-2021")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    YearsError: 无法识别的年份 / bad year or range: '2023-2021' (use 2023, 2021-2023 or 2021,2023)
    """
    years: set[int] = set()
    text = re.sub(r"\s*([-–—~～至到])\s*", r"\1", str(text).strip())
    for part in re.split(r"[,，、;；\s]+", text):
        part = part.strip()
        if part:
            years.update(_one(part))
    if not years:
        raise YearsError("未指定年份 / no year given")
    return sorted(years)


def _one(part: str) -> range:
    bad = YearsError(f"无法识别的年份 / bad year or range: {part!r} "
                     "(use 2023, 2021-2023 or 2021,2023)")
    if part.isdigit() and len(part) == 4:
        return range(int(part), int(part) + 1)
    match = _RANGE.match(part)
    if not match:
        raise bad
    lo, hi = int(match.group(1)), int(match.group(2))
    if lo > hi or hi - lo > MAX_SPAN:
        raise bad
    return range(lo, hi + 1)


def available_years(data_dir: Path | str) -> list[int]:
    """Years that have a folder named by the year (four digits) in ``data_dir``, ascending.

    >>> available_years("/nonexistent")
    []
    """
    base = Path(data_dir)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir()
                  if p.is_dir() and p.name.isdigit() and len(p.name) == 4)
