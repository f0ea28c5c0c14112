"""Make a view small enough to draw: group tasks, then cut the least connected nodes.

vis-network in Chromium stays usable up to a couple of thousand nodes with
positions precomputed and physics off; past that a page freezes or draws a
hairball (DEPENDENCIES.md, and ``bench/bench_viz.py`` for the figures behind
:data:`DEFAULT_MAX_NODES`). A view above the limit is reduced in steps, each
finer grouping tried first:

1. tasks become one ``Aggregate`` node per (jurisdiction, year, theme), then
   per (jurisdiction, year), then per jurisdiction — the finest grouping that
   fits, or else whose boxes take at most a quarter of the limit; edges
   between groups are merged and carry a ``count``;
2. if that is still too big, units (then other nodes) with the smallest
   workload are left out.

Every step adds a message saying what was left out, shown on the page.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable

import networkx as nx

from .views import View

__all__ = ["DEFAULT_MAX_NODES", "fit_view", "aggregate_tasks", "GROUPINGS"]

# Measured by bench/bench_viz.py: see the README section of issue 5.
DEFAULT_MAX_NODES = 1200
# Edges cost less to draw than labelled nodes, but a few nodes with tens of
# thousands of merged edges still stall the first frame.
EDGES_PER_NODE = 4

NO_THEME = "未归类"


def _primary_theme(g: nx.MultiDiGraph, t) -> str:
    best, score = NO_THEME, float("-inf")
    for _, v, k, d in g.out_edges(t, keys=True, data=True):
        if k == "IN_THEME" and d.get("score", 0) > score:
            best, score = g.nodes[v].get("pref_label", v), d.get("score", 0)
    return best


def _by_theme(g, t):
    d = g.nodes[t]
    return (d.get("jurisdiction", ""), d.get("year", ""), _primary_theme(g, t))


def _by_year(g, t):
    d = g.nodes[t]
    return (d.get("jurisdiction", ""), d.get("year", ""))


def _by_jurisdiction(g, t):
    return (g.nodes[t].get("jurisdiction", ""),)


# (name for messages, key function), finest first.
GROUPINGS: tuple[tuple[str, Callable], ...] = (
    ("jurisdiction × year × theme", _by_theme),
    ("jurisdiction × year", _by_year),
    ("jurisdiction", _by_jurisdiction),
)


def aggregate_tasks(g: nx.MultiDiGraph, key: Callable) -> nx.MultiDiGraph:
    """``g`` with its Task nodes replaced by one Aggregate node per ``key(g, task)``.

    Edges to and from tasks are redirected to the groups; parallel edges of
    one type are merged into one with ``count``; edges inside a group vanish.
    """
    group_of: dict = {}
    members: dict[tuple, list] = defaultdict(list)
    for n, d in g.nodes(data=True):
        if d.get("label") == "Task":
            k = key(g, n)
            group_of[n] = "A:" + "|".join(map(str, k))
            members[k].append(n)
    h = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        if n not in group_of:
            h.add_node(n, **d)
    for k, tasks in members.items():
        year = g.nodes[tasks[0]].get("year", "") if len(k) > 1 else ""
        h.add_node("A:" + "|".join(map(str, k)), label="Aggregate", name=" · ".join(map(str, k)) + f" ({len(tasks)})",
                   count=len(tasks), jurisdiction=k[0], year=year, members=tasks)
    merged: Counter = Counter()
    for u, v, t in g.edges(keys=True):
        a, b = group_of.get(u, u), group_of.get(v, v)
        if a != b:
            merged[(a, b, t)] += 1
    for (a, b, t), c in merged.items():
        h.add_edge(a, b, key=t, type=t, count=c)
    return h


def _cut(g: nx.MultiDiGraph, max_nodes: int) -> tuple[nx.MultiDiGraph, Counter]:
    """Keep the ``max_nodes`` nodes of most weight; return the graph and what was left out per label.

    Jurisdictions, documents, themes and task groups are the frame of the
    picture and go last; within a label, nodes with the least weighted degree
    (merged edge counts) go first.
    """
    rank = {"Jurisdiction": 0, "Document": 1, "Theme": 2, "Aggregate": 3}
    weight: Counter = Counter()
    for u, v, d in g.edges(data=True):
        weight[u] += d.get("count", 1)
        weight[v] += d.get("count", 1)
    order = sorted(g.nodes, key=lambda n: (rank.get(g.nodes[n].get("label"), 4), -weight[n], str(n)))
    keep = set(order[:max_nodes])
    left = Counter(g.nodes[n].get("label") for n in order[max_nodes:])
    return g.subgraph(keep).copy(), left


def _cut_edges(g: nx.MultiDiGraph, max_edges: int) -> tuple[nx.MultiDiGraph, int]:
    """Drop the lightest edges beyond ``max_edges``; BELONGS_TO and CONTAINS first (their nodes stay reachable)."""
    if g.number_of_edges() <= max_edges:
        return g, 0
    cheap = {"BELONGS_TO": 0, "CONTAINS": 1, "IN_THEME": 2, "CITES": 2}
    edges = sorted(g.edges(keys=True, data=True),
                   key=lambda e: (cheap.get(e[2], 3), e[3].get("count", 1)), reverse=True)
    h = nx.MultiDiGraph()
    h.add_nodes_from(g.nodes(data=True))
    h.add_edges_from((u, v, k, d) for u, v, k, d in edges[:max_edges])
    return h, len(edges) - max_edges


def fit_view(view: View, max_nodes: int | None = DEFAULT_MAX_NODES, max_edges: int | None = None) -> View:
    """``view`` itself if it is small enough, else a grouped and cut copy with messages.

    Parameters
    ----------
    view : View
        The view to draw.
    max_nodes : int or None
        Most nodes to draw; ``None`` draws everything (for benchmarks).
    max_edges : int, optional
        Most edges to draw; ``EDGES_PER_NODE * max_nodes`` by default.
    """
    g = view.graph
    if max_nodes is None:
        return view
    max_edges = max_edges if max_edges is not None else EDGES_PER_NODE * max_nodes
    if g.number_of_nodes() <= max_nodes and g.number_of_edges() <= max_edges:
        return view
    n0, e0 = g.number_of_nodes(), g.number_of_edges()
    tasks = sum(1 for _, d in g.nodes(data=True) if d.get("label") == "Task")
    messages = [f"Too big to draw one by one: {n0:,} nodes and {e0:,} edges, above the limit of "
                f"{max_nodes:,} nodes (--max-nodes)."]
    h = g
    if tasks and n0 > max_nodes:
        for name, key in GROUPINGS:
            h = aggregate_tasks(g, key)
            groups = sum(1 for _, d in h.nodes(data=True) if d.get("label") == "Aggregate")
            # The finest grouping that fits; failing that, the finest whose
            # boxes take at most a quarter of the limit, the rest being cut.
            if h.number_of_nodes() <= max_nodes or groups <= max_nodes // 4:
                break
        messages.append(f"{tasks:,} tasks are grouped by {name} into {groups:,} boxes (hover one for its tasks).")
    if h.number_of_nodes() > max_nodes:
        h, left = _cut(h, max_nodes)
        what = ", ".join(f"{c:,} {label}" for label, c in left.most_common())
        messages.append(f"Left out, least connected first: {what}.")
    h, dropped = _cut_edges(h, max_edges)
    if dropped:
        messages.append(f"Left out {dropped:,} of the lightest edges (containment and membership first).")
    messages.append("Narrow the view with --jurisdiction, --year, --theme or --unit to see every task.")
    return View(h, view.name, view.title, view.layout, view.messages + messages,
                [n for n in view.focus if n in h], n0, e0, cut=True)
