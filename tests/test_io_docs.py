"""data/raw/README.md documents exactly the columns of evalkit/schema.py."""

from pathlib import Path

from evalkit.io.docs import column_dictionary

README = Path(__file__).resolve().parents[1] / "data" / "raw" / "README.md"


def test_readme_column_dictionary_matches_schema() -> None:
    assert column_dictionary() in README.read_text(encoding="utf-8")
