"""Input layer: read, validate, clean and cache the raw spreadsheets of one year.

Public API (see docs/architecture.md):

- :func:`load_year` -> :class:`YearData` (raises :class:`evalkit.errors.InputError`)
- :func:`validate_year` -> ``list[Problem]``
- :func:`load_table` -> ``(DataFrame | None, list[Problem])`` for one file
"""

from evalkit.io.loaders import SourceFile, YearData, collect_year, load_year, validate_year
from evalkit.io.tables import load_table

__all__ = ["SourceFile", "YearData", "collect_year", "load_table", "load_year", "validate_year"]
