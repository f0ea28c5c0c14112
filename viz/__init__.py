"""Interactive explorer pages, plots and the report of a built graph.

>>> from mandategraph.graph.sample import sample_graph
>>> from mandategraph.viz import Filters, render
>>> html, drawn = render(sample_graph(), "unit", Filters(unit="市大数据局", jurisdiction="温州市"))
>>> sorted(drawn.graph.nodes)
['T:wz2019:1', 'T:wz2022:1', 'Th:open_data', 'U:330300:市大数据发展管理局']
"""
from __future__ import annotations

from .aggregate import DEFAULT_MAX_NODES, fit_view
from .explorer import VizResult, render, viz
from .plots import PlotResult, plot
from .report import ReportResult, report
from .views import VIEWS, Filters, View, make_view

__all__ = ["viz", "render", "VizResult", "plot", "PlotResult", "report", "ReportResult", "Filters", "View",
           "make_view", "fit_view", "VIEWS", "DEFAULT_MAX_NODES"]
