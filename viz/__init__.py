"""Interactive explorer pages, plots and the report of a built graph.

>>> from mandategraph.graph.sample import sample_graph
>>> from mandategraph.viz import Filters, render
>>> html, drawn = render(sample_graph(), "unit", Filters(unit="市大数据局", jurisdiction="温州市"))
>>> sorted(drawn.graph.nodes)
['T:wz2019:1', 'T:wz2022:1', 'Th:open_data', 'U:330300:市大数据发展管理局']
"""
from __future__ import annotations

import importlib
import sys
import types

# Imported on first use (PEP 562), so that `mandategraph --help`, which imports
# viz.commands and so this package, does not load networkx, pandas and matplotlib.
_LAZY = {"DEFAULT_MAX_NODES": "aggregate", "fit_view": "aggregate", "VizResult": "explorer", "render": "explorer",
         "viz": "explorer", "PlotResult": "plots", "plot": "plots", "ReportResult": "report", "report": "report",
         "VIEWS": "views", "Filters": "views", "View": "views", "make_view": "views"}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    # Importing the submodule viz.report sets the package's `report` to that module; the
    # package's `report` is the function, as when this file imported it eagerly.
    def __setattr__(self, name: str, value) -> None:
        if name in _LAZY and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = ["viz", "render", "VizResult", "plot", "PlotResult", "report", "ReportResult", "Filters", "View",
           "make_view", "fit_view", "VIEWS", "DEFAULT_MAX_NODES"]
