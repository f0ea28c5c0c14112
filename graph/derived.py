"""Task properties derived from the whole graph, computed once at build time.

Some library questions need a walk over the whole graph to answer even one
row: the longest chains of CONTINUES, or how many other jurisdictions share
a task's template through SIMILAR_TO. At national scale (~800,000 tasks)
no store walks that in the 200 ms a query may take, so the build computes
the answer per task once, and the queries read it as a property
(``queries/continued_chains.cypher``, ``queries/template_tasks.cypher``):

``chain_before``
    CONTINUES steps on the longest chain that ends at the task (0: nothing
    continues into it, it starts its chains).
``chain_after``
    CONTINUES steps on the longest chain that starts at the task (0: it
    continues nowhere, it ends its chains). A task that starts a chain of
    three plan years has ``chain_before == 0`` and ``chain_after == 2``.
``chain_end``
    The id of the task where the longest chain from it ends (the smallest id
    when several chains are as long; its own id when ``chain_after`` is 0).
``similar_jurisdictions``
    The number of distinct other jurisdictions whose tasks are linked to it
    by SIMILAR_TO, in either direction (0: it shares no template).

They are plain functions of the CONTINUES and SIMILAR_TO edges: anything
that changes those edges (a build, ``add``) must call :func:`add_derived`
again for the tasks it touched.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> for t, j, y in [("a", "温州市", 2019), ("b", "温州市", 2020), ("c", "温州市", 2021), ("d", "台州市", 2020)]:
...     g.add_node(t, label="Task", jurisdiction=j, year=y)
>>> _ = g.add_edge("a", "b", key="CONTINUES", type="CONTINUES")
>>> _ = g.add_edge("b", "c", key="CONTINUES", type="CONTINUES")
>>> _ = g.add_edge("d", "b", key="SIMILAR_TO", type="SIMILAR_TO")
>>> add_derived(g)
>>> [(t, *(g.nodes[t][p] for p in DERIVED_TASK_PROPERTIES)) for t in "abcd"]
[('a', 0, 2, 'c', 0), ('b', 1, 1, 'c', 1), ('c', 2, 0, 'c', 0), ('d', 0, 0, 'd', 1)]
"""
from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .continuity import _distinct

__all__ = ["DERIVED_TASK_PROPERTIES", "add_derived"]

DERIVED_TASK_PROPERTIES = ("chain_before", "chain_after", "chain_end", "similar_jurisdictions")


def add_derived(g: nx.MultiDiGraph, links=None) -> None:
    """Set ``chain_before``, ``chain_after``, ``chain_end`` and ``similar_jurisdictions`` on every Task of ``g``.

    The CONTINUES and SIMILAR_TO edges are ``g``'s own, or those of ``links``
    (a :class:`mandategraph.graph.linking.Links`) when the build keeps its
    link edges as frames.

    Raises
    ------
    ValueError
        CONTINUES edges form a cycle (they run from a plan year to a later
        one, so a cycle is a linking error).
    """
    nodes = g.nodes
    # In id order, so that the smallest position is the smallest id (chain_end's tie-break).
    ids = sorted(n for n, d in nodes(data=True) if d.get("label") == "Task")
    position = pa.array(ids, pa.string())
    src, dst = _positions(position, *_ends(g, ids, links, "CONTINUES"))
    before = _levels(len(ids), src, dst, ids)
    after = _levels(len(ids), dst, src, ids)
    end = _chain_ends(after, src, dst)
    jurisdiction = pd.factorize(pd.Series([nodes[n].get("jurisdiction", "") for n in ids], dtype=object))[0]
    similar = _other_jurisdictions(jurisdiction, *_positions(position, *_ends(g, ids, links, "SIMILAR_TO")))
    for k, n in enumerate(ids):
        data = nodes[n]
        data["chain_before"] = int(before[k])
        data["chain_after"] = int(after[k])
        data["chain_end"] = ids[end[k]]
        data["similar_jurisdictions"] = int(similar[k])


def _ends(g: nx.MultiDiGraph, tasks: list[str], links, kind: str) -> tuple[Sequence[str], Sequence[str]]:
    """Sources and targets of the ``kind`` edges: the columns of ``links``' frame, or ``g``'s own edges."""
    if links is not None:
        df = links.edges.get(kind)
        return ([], []) if df is None else (df["source"], df["target"])
    pairs = [(n, m) for n in tasks for m, edges in g.adj[n].items()
             for key, data in edges.items() if data.get("type", key) == kind]
    return [n for n, _ in pairs], [m for _, m in pairs]


def _positions(tasks: pa.Array, sources: Sequence[str], targets: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The positions among ``tasks`` of the edges' ends, edges with an end outside them left out."""
    # Hashed in Arrow: a national build has 4.6M CONTINUES and SIMILAR_TO edges (a dict lookup
    # each took ~20 s, pandas' get_indexer 8.6 s, this 3 s).
    s, t = (pc.fill_null(pc.index_in(pa.array(ends, pa.large_string()), value_set=tasks), -1).to_numpy()
            for ends in (sources, targets))
    keep = (s >= 0) & (t >= 0)
    return s[keep].astype(np.int64), t[keep].astype(np.int64)


def _levels(n: int, src: np.ndarray, dst: np.ndarray, ids: list[str]) -> np.ndarray:
    """Steps on the longest path of ``src → dst`` edges ending at each node: Kahn's order, a layer of
    nodes at a time (as many layers as the longest chain: a handful of plan years)."""
    level = np.zeros(n, dtype=np.int64)
    waiting = np.bincount(dst, minlength=n)
    done = np.zeros(n, dtype=bool)
    alive = np.ones(len(src), dtype=bool)
    layer, step = waiting == 0, 0
    while layer.any():
        level[layer] = step
        done |= layer
        out = alive & layer[src]
        alive &= ~out
        waiting -= np.bincount(dst[out], minlength=n)
        layer = (waiting == 0) & ~done
        step += 1
    if not done.all():
        stuck = [ids[k] for k in np.flatnonzero(~done)[:5]]
        raise ValueError(f"CONTINUES edges form a cycle through {', '.join(map(str, stuck))}")
    return level


def _chain_ends(after: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Where the longest chain from each node ends (positions; the smallest when several are as long)."""
    end = np.arange(len(after), dtype=np.int64)
    on_longest = after[src] == after[dst] + 1
    src, dst = src[on_longest], dst[on_longest]
    # A node's ends are final once those of every node one step closer to the chain ends are.
    for step in range(1, int(after.max(initial=0)) + 1):
        e = after[src] == step
        first = np.full(len(after), len(after), dtype=np.int64)
        np.minimum.at(first, src[e], end[dst[e]])
        end[src[e]] = first[src[e]]
    return end


def _other_jurisdictions(jurisdiction: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """For each node, the number of distinct jurisdictions, other than its own, of its partners."""
    n = len(jurisdiction)
    node = np.concatenate([src, dst])
    other = jurisdiction[np.concatenate([dst, src])]
    keep = other != jurisdiction[node]
    width = int(jurisdiction.max(initial=0)) + 1
    # Sorted, not hashed as np.unique does here (8 s on a national build's 7.8M pairs).
    pairs = _distinct(node[keep] * width + other[keep], in_place=True)
    return np.bincount(pairs // width, minlength=n)
