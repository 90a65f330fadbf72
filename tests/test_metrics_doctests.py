"""Run the doctest examples of the metrics modules (they document each metric function)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["evalkit.metrics.settings", "evalkit.metrics.budget", "evalkit.metrics.petitions",
           "evalkit.metrics.yoy", "evalkit.metrics.cli", "evalkit.pipeline"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
