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

from collections import defaultdict

import networkx as nx

__all__ = ["DERIVED_TASK_PROPERTIES", "add_derived"]

DERIVED_TASK_PROPERTIES = ("chain_before", "chain_after", "chain_end", "similar_jurisdictions")


def add_derived(g: nx.MultiDiGraph) -> None:
    """Set ``chain_before``, ``chain_after``, ``chain_end`` and ``similar_jurisdictions`` on every Task of ``g``.

    Raises
    ------
    ValueError
        CONTINUES edges form a cycle (they run from a plan year to a later
        one, so a cycle is a linking error).
    """
    tasks = [n for n, d in g.nodes(data=True) if d.get("label") == "Task"]
    nexts: dict[str, list[str]] = defaultdict(list)
    prevs: dict[str, list[str]] = defaultdict(list)
    partners: dict[str, set[str]] = defaultdict(set)
    for n in tasks:
        for m, edges in g.adj[n].items():
            for key, data in edges.items():
                kind = data.get("type", key)
                if kind == "CONTINUES":
                    nexts[n].append(m)
                    prevs[m].append(n)
                elif kind == "SIMILAR_TO":
                    partners[n].add(m)
                    partners[m].add(n)
    before, after, end = _longest(tasks, nexts, prevs)
    for n in tasks:
        data = g.nodes[n]
        j = data.get("jurisdiction", "")
        data["chain_before"] = before[n]
        data["chain_after"] = after[n]
        data["chain_end"] = end[n]
        data["similar_jurisdictions"] = len({g.nodes[m].get("jurisdiction", "") for m in partners.get(n, ())} - {j})


def _longest(tasks: list[str], nexts: dict[str, list[str]], prevs: dict[str, list[str]]
             ) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Longest-path steps into and out of every task over the CONTINUES edges (Kahn's order),
    and where the longest path out of it ends (the smallest such id)."""
    indeg = {n: len(prevs.get(n, ())) for n in tasks}
    for n, ms in nexts.items():
        for m in ms:
            indeg.setdefault(m, len(prevs.get(m, ())))
    order = [n for n, d in indeg.items() if d == 0]
    left = dict(indeg)
    i = 0
    while i < len(order):
        n = order[i]
        i += 1
        for m in nexts.get(n, ()):
            left[m] -= 1
            if left[m] == 0:
                order.append(m)
    if len(order) < len(indeg):
        stuck = sorted(n for n, d in left.items() if d > 0)[:5]
        raise ValueError(f"CONTINUES edges form a cycle through {', '.join(map(str, stuck))}")
    before = dict.fromkeys(indeg, 0)
    for n in order:
        for m in nexts.get(n, ()):
            if before[n] + 1 > before[m]:
                before[m] = before[n] + 1
    after = dict.fromkeys(indeg, 0)
    end = {n: n for n in indeg}
    for n in reversed(order):
        for m in nexts.get(n, ()):
            if after[m] + 1 > after[n] or (after[m] + 1 == after[n] and end[m] < end[n]):
                after[n] = after[m] + 1
                end[n] = end[m]
    return before, after, end
