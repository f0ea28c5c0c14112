"""Run the Examples in the docstrings of every module as tests."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mandategraph

MODULES = sorted(
    m.name for pkg in ("loaders", "graph", "queries", "viz")
    for m in pkgutil.iter_modules(importlib.import_module(f"mandategraph.{pkg}").__path__, f"mandategraph.{pkg}.")
) + ["mandategraph.options", "mandategraph.errors"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
