"""Node positions computed in Python, so a page is usable the moment it opens.

A force layout run in the browser took minutes for a few thousand nodes
(DEPENDENCIES.md); igraph's Fruchterman–Reingold does 3,000 nodes in 0.3 s
and 50,000 in about 5 s here, networkx's spring layout 22 s for 3,000;
components of up to KK_MAX nodes are then evened out by Kamada–Kawai.
igraph is used when installed, networkx otherwise. Connected components are
laid out one by one and packed in rows, so that isolated pieces do not fly to
the edge of the canvas.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict

import networkx as nx
import numpy as np

__all__ = ["layout", "force_layout", "column_layout"]

SPACING = 64.0  # px between neighbouring nodes at scale 1; labels are ~14 px high
KK_MAX = 600  # largest component refined with Kamada–Kawai


# Hub edges (a document to each of its tasks, a unit to its jurisdiction)
# would pull every task onto one ring around its document; drawn longer, they
# let tasks gather around the units that hold them, which is what people read.
EDGE_LENGTH = {"CONTAINS": 3.0, "BELONGS_TO": 3.0, "ISSUED": 2.0, "PART_OF": 2.0, "IN_THEME": 2.0, "CITES": 1.5}
MIN_GAP = 26.0  # px: most nodes are at least this far from their nearest neighbour


def _scale(pos: np.ndarray, g: nx.Graph, index: dict) -> np.ndarray:
    """Scale positions so the median edge is SPACING long and nodes rarely sit on top of each other."""
    pairs = np.array([(index[u], index[v]) for u, v in g.edges() if u != v], dtype=int).reshape(-1, 2)
    lengths = np.linalg.norm(pos[pairs[:, 0]] - pos[pairs[:, 1]], axis=1)
    med = float(np.median(lengths)) if len(lengths) else 1.0
    factor = SPACING / med if med > 0 else 1.0
    if len(pos) > 2:
        from scipy.spatial import cKDTree

        nearest = cKDTree(pos).query(pos, k=2)[0][:, 1]
        low = float(np.percentile(nearest, 20))
        if low > 0:
            factor = max(factor, MIN_GAP / low)
    return pos * factor


def _component_layout(g: nx.Graph, seed: int) -> np.ndarray:
    """Positions of one connected component, centred, scaled to page pixels."""
    n = g.number_of_nodes()
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-SPACING / 2, 0.0], [SPACING / 2, 0.0]])
    try:
        import igraph as ig
    except ImportError:  # pragma: no cover - igraph is a dependency; keep the page working without it
        ig = None
    index = {v: i for i, v in enumerate(g.nodes)}
    if ig is not None:
        pairs = [(u, v, d.get("length", 1.0)) for u, v, d in g.edges(data=True) if u != v]
        h = ig.Graph(n=n, edges=[(index[u], index[v]) for u, v, _ in pairs])
        lengths = [length for _, _, length in pairs]
        # igraph draws from Python's `random`; give it its own generator so a
        # layout neither depends on nor disturbs the caller's random state.
        ig.set_random_number_generator(random.Random(seed))
        try:
            # FR weights attract: a long edge pulls less. No start positions:
            # with them igraph took 120 s instead of 1 s for 10,000 nodes.
            pos = h.layout_fruchterman_reingold(niter=500, weights=[1.0 / x for x in lengths]).coords
            if n <= KK_MAX:
                # Kamada–Kawai spreads a dense cluster evenly (labels overlap
                # less) but is quadratic: 0.03 s for 250 nodes, 6 s for 2,000.
                pos = h.layout_kamada_kawai(seed=pos, maxiter=50 * n, weights=lengths).coords
            pos = np.array(pos)
        finally:
            ig.set_random_number_generator(random)
    else:
        p = nx.spring_layout(g, seed=seed, iterations=60)
        pos = np.array([p[v] for v in g.nodes])
    pos -= pos.mean(axis=0)
    return _scale(pos, g, index)


def _simple(g: nx.MultiDiGraph) -> nx.Graph:
    """The undirected simple graph of ``g``; an edge's ``length`` is the shortest of its types'."""
    s = nx.Graph()
    s.add_nodes_from(g.nodes)
    for u, v, k in g.edges(keys=True):
        length = EDGE_LENGTH.get(k, 1.0)
        if not s.has_edge(u, v) or s[u][v]["length"] > length:
            s.add_edge(u, v, length=length)
    return s


def force_layout(g: nx.MultiDiGraph, seed: int = 0) -> dict:
    """Force-directed positions, one component at a time, packed largest first in rows."""
    simple = _simple(g)
    comps = sorted(nx.connected_components(simple), key=lambda c: (-len(c), min(map(str, c))))
    placed = []
    for comp in comps:
        sub = simple.subgraph(sorted(comp, key=str))
        pos = _component_layout(sub, seed)
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        placed.append((list(sub.nodes), pos - lo, hi - lo + SPACING))
    total = sum(float(w * h) for _, _, (w, h) in placed)
    row_width = max(math.sqrt(total) * 1.2, max(float(size[0]) for _, _, size in placed))
    out: dict = {}
    x = y = row_h = 0.0
    for nodes, pos, (w, h) in placed:
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for v, (px, py) in zip(nodes, pos):
            out[v] = (float(px + x), float(py + y))
        x += float(w)
        row_h = max(row_h, float(h))
    return _fill(out)


def _fill(pos: dict, width: float = 1000.0, height: float = 560.0, most: float = 2.5) -> dict:
    """Spread a small drawing to about ``width`` × ``height`` px.

    vis-network's fit never zooms in past 1:1, so a 15-node neighbourhood
    would open as a knot in the middle of the page.
    """
    if len(pos) < 2:
        return pos
    xy = np.array(list(pos.values()))
    w, h = np.ptp(xy, axis=0)
    factor = min(width / w if w else most, height / h if h else most, most)
    if factor <= 1:
        return pos
    return {v: (x * factor, y * factor) for v, (x, y) in pos.items()}


def column_layout(g: nx.MultiDiGraph, column_width: float = 380.0, row_height: float = 46.0,
                  sweeps: int = 4) -> dict:
    """Tasks (or task groups) in one column per year, documents on top of their column.

    Rows start in document order; then a few barycentre sweeps (left to
    right, then right to left) move each task towards the mean row of the
    tasks it continues or is continued by, which removes most crossings of
    CONTINUES edges. Unlinked tasks keep their place relative to the others.
    """
    cols: dict = defaultdict(list)
    docs: dict = defaultdict(list)
    for n, d in g.nodes(data=True):
        (docs if d.get("label") == "Document" else cols)[d.get("year") or 0].append(n)
    years = sorted(set(cols) | set(docs))
    order = [sorted(cols[y], key=lambda n: (g.nodes[n].get("span_start", 0), str(n))) for y in years]
    earlier: dict = defaultdict(list)
    later: dict = defaultdict(list)
    for u, v, k in g.edges(keys=True):
        if k == "CONTINUES":
            earlier[v].append(u)
            later[u].append(v)

    def neighbours(n, side):  # side -1: earlier columns, +1: later ones
        return earlier[n] if side < 0 else later[n]

    for _ in range(sweeps):
        for direction, indices in ((-1, range(1, len(order))), (1, range(len(order) - 2, -1, -1))):
            for i in indices:
                row = {n: r for col in order for r, n in enumerate(col)}
                def key(n, i=i):
                    near = [row[m] for m in neighbours(n, direction) if m in row]
                    return (sum(near) / len(near) if near else row[n], row[n])
                order[i] = sorted(order[i], key=key)
    out: dict = {}
    for i, year in enumerate(years):
        for r, n in enumerate(order[i]):
            out[n] = (i * column_width, (r + 1) * row_height)
        for j, doc in enumerate(sorted(docs[year], key=str)):
            out[doc] = (i * column_width + j * 40.0, -row_height)
    return out


def layout(g: nx.MultiDiGraph, kind: str = "force", seed: int = 0) -> dict:
    """Positions ``{node: (x, y)}`` in page pixels for the layout a view asks for."""
    if g.number_of_nodes() == 0:
        return {}
    return column_layout(g) if kind == "columns" else force_layout(g, seed)
