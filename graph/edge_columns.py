"""Edges collected as columns, one set per edge type, instead of as networkx edges.

A national build has ~2.6M structural edges (CONTAINS, LEADS, ASSISTS, …);
as networkx edges, each with its attribute dict, they hold ~2 GB. Collected
here they are a few lists per type, and become the edge tables' frames
directly. :class:`EdgeColumns` has networkx's ``add_edge`` signature, so the
code that adds edges (``add_document``, ``add_mandates``) writes to either.

>>> edges = EdgeColumns()
>>> edges.add_edge("U:1", "T:1", key="LEADS", type="LEADS", raw="a", role_word="牵头", evidence="",
...                implied_others=0, document="D:1", span_start=0, span_end=5)
>>> edges.add_edge("U:1", "T:1", key="LEADS", type="LEADS", raw="b", role_word="牵头", evidence="",
...                implied_others=0, document="D:1", span_start=0, span_end=5)
>>> edges.frames()["LEADS"][["source", "target", "raw"]].values.tolist()  # one edge per pair, the last kept
[['U:1', 'T:1', 'b']]
"""
from __future__ import annotations

import pandas as pd

from .schema import edge_spec

__all__ = ["EdgeColumns"]


class EdgeColumns:
    """Edge columns by type; like networkx, a second edge of a type between two nodes replaces the first."""

    def __init__(self) -> None:
        self._columns: dict[str, dict[str, list]] = {}

    def add_edge(self, u: str, v: str, key: str, type: str, **attrs) -> None:  # noqa: A002 (networkx's name)
        cols = self._columns.get(type)
        if cols is None:
            cols = self._columns[type] = {"source": [], "target": [], **{c: [] for c in edge_spec(type).properties}}
        cols["source"].append(u)
        cols["target"].append(v)
        for c, values in cols.items():
            if c not in ("source", "target"):
                values.append(attrs[c])

    def frames(self) -> dict[str, pd.DataFrame]:
        """One frame per type collected, in the columns of the edge tables."""
        return {t: pd.DataFrame(cols).drop_duplicates(["source", "target"], keep="last", ignore_index=True)
                for t, cols in self._columns.items()}
