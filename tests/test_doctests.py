"""Run the doctest examples of every evalkit module (they document the functions they sit in).

Every module is imported and its examples run, so an example that goes stale fails here. A module
without examples is still imported (an import error fails too).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import evalkit

MODULES = sorted(m.name for m in pkgutil.walk_packages(evalkit.__path__, "evalkit.")
                 if not m.name.endswith("__main__"))


def test_every_module_is_listed():
    assert "evalkit.numfmt" in MODULES and "evalkit.catalogue" in MODULES
    assert "evalkit.metrics.petitions" in MODULES and len(MODULES) > 60


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
