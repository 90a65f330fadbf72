"""environment.yml (for conda users) must list the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from the PyPI names.
CONDA_NAME = {"pyyaml": "pyyaml", "python-docx": "python-docx"}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req.strip())
    assert m, req
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = dict(_split(r) for r in pyproject["project"]["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    listed.pop("python")
    listed.pop("pip")
    assert {CONDA_NAME.get(k, k): v for k, v in wanted.items()} == listed


def test_python_version_floor_matches():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    floor = pyproject["project"]["requires-python"]
    assert f"python{floor}" in env["dependencies"]
