"""Themes and continuity over the tasks of a graph: IN_THEME, CONTINUES, SIMILAR_TO, DETAILS."""
from __future__ import annotations

import networkx as nx

__all__ = ["add_themes", "add_continuity"]


def add_themes(g: nx.MultiDiGraph) -> None:
    try:
        from . import themes  # noqa: F401  (written in parallel; wired when it lands)
    except ImportError:
        return


def add_continuity(g: nx.MultiDiGraph, options) -> None:
    try:
        from . import continuity  # noqa: F401
    except ImportError:
        return
