"""The explorer: pick a view, fit it to the drawing limit, lay it out, write the page.

:func:`viz` is what ``mandategraph viz`` runs; :func:`render` gives the HTML
text without writing it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from .aggregate import DEFAULT_MAX_NODES, fit_view
from .layout import layout
from .page import render_page
from .views import Filters, View, make_view

__all__ = ["VizResult", "render", "viz"]


@dataclass
class VizResult:
    """What :func:`viz` wrote."""

    path: Path
    view: View  # as drawn, after any grouping or cut

    @property
    def nodes(self) -> int:
        return self.view.graph.number_of_nodes()

    @property
    def edges(self) -> int:
        return self.view.graph.number_of_edges()


def render(g: nx.MultiDiGraph, view: str | None = None, filters: Filters = Filters(),
           max_nodes: int | None = DEFAULT_MAX_NODES, seed: int = 0) -> tuple[str, View]:
    """The explorer page of one view of ``g`` as HTML text, and the view as drawn.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        A built graph (:func:`mandategraph.graph.tables.load_graph`).
    view : {"full", "unit", "unit-theme", "continuity"}, optional
        Which question the page answers; by default ``unit`` when
        ``filters.unit`` is set, ``full`` otherwise.
    filters : Filters
        Jurisdiction, year, theme, unit and role to narrow the view.
    max_nodes : int or None
        Views above this many nodes are grouped and cut (with a message on
        the page); ``None`` draws everything.
    seed : int
        Seed of the force layout.

    Examples
    --------
    >>> from mandategraph.graph.sample import sample_graph
    >>> text, drawn = render(sample_graph(), "continuity", Filters(jurisdiction="温州市"))
    >>> drawn.graph.number_of_nodes(), drawn.graph.number_of_edges()
    (5, 1)
    >>> "<script>alert(1)</script>" in render(sample_graph())[0]
    False
    """
    v = fit_view(make_view(g, view, filters), max_nodes)
    return render_page(g, v, layout(v.graph, v.layout, seed)), v


def viz(g: nx.MultiDiGraph, out: str | Path, view: str | None = None, filters: Filters = Filters(),
        max_nodes: int | None = DEFAULT_MAX_NODES, seed: int = 0) -> VizResult:
    """Write the explorer page of one view of ``g`` to ``out`` (UTF-8); see :func:`render`."""
    text, drawn = render(g, view, filters, max_nodes, seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Explicit UTF-8: pyvis wrote pages in the locale's encoding (issue 5).
    out.write_text(text, encoding="utf-8")
    return VizResult(out, drawn)
