"""Paths and fixed file names, defined once. Notebooks and the CLI take overrides as parameters."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent

DATA_RAW = PROJECT_ROOT / "data" / "raw"            # <- one folder per year, as received; read-only
DATA_PROCESSED = PROJECT_ROOT / "data" / "processed"  # <- parquet cache and tidy tables per year
OUTPUTS = PROJECT_ROOT / "outputs"                  # <- metrics.json, scorecard.xlsx, charts, report
NOTEBOOKS = PROJECT_ROOT / "notebooks"
FRAMEWORKS = PACKAGE_DIR / "frameworks"             # <- indicator frameworks (YAML), one per jurisdiction/year
FONTS = PACKAGE_DIR / "fonts"                       # <- bundled CJK font and its licence

# Fixed input file names inside data/raw/<year>/ (stem -> accepted suffixes, first match wins).
BUDGET = "budget"
PETITIONS = "petitions"
SELF_ASSESSMENT = "self_assessment"
DEPARTMENT = "department"
PEERS = "peers"
TABLE_SUFFIXES = (".xlsx", ".csv")
DEPARTMENT_SUFFIXES = (".yaml", ".yml")

# Year subfolder of data/processed/ and outputs/.
def year_dir(base: Path, year: int) -> Path:
    """Return ``base/<year>``."""
    return Path(base) / str(int(year))
