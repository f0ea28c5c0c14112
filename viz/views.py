"""Views: the part of the graph that answers one question a person asks.

Each view function takes the whole graph and filters and returns a
:class:`View` — a subgraph (nodes keep every attribute of the source graph)
plus a title, the layout it wants and messages for the page. Drawing is
elsewhere (:mod:`.page`); cutting a view that is too big is in
:mod:`.aggregate`.

- ``full``: a jurisdiction-year (or the whole build) with documents, tasks,
  units, themes and instruments.
- ``unit``: one unit's tasks, the units it shares them with, their themes.
- ``unit-theme``: units linked to the themes of the tasks they lead or assist.
- ``continuity``: a jurisdiction's tasks in one column per year, with the
  CONTINUES edges between them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

from ..errors import UnknownNameError
from .names import descendant_names, find_jurisdictions, find_theme, find_units, nodes_of

__all__ = ["View", "Filters", "VIEWS", "make_view", "select_tasks", "full_view", "unit_view",
           "unit_theme_view", "continuity_view"]

MANDATES = ("LEADS", "ASSISTS")
ROLE_EDGE = {"lead": "LEADS", "assist": "ASSISTS"}


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the view to; ``None`` means everything."""

    jurisdiction: str | None = None
    year: int | None = None
    theme: str | None = None
    unit: str | None = None
    role: str | None = None  # "lead" | "assist"

    def any(self) -> bool:
        return any(v is not None for v in (self.jurisdiction, self.year, self.theme, self.unit, self.role))

    def describe(self) -> str:
        """``"温州市 · 2022 · role lead"``: the filters for a page title."""
        parts = [self.jurisdiction, self.year and str(self.year), self.theme and f"主题 {self.theme}",
                 self.unit and f"单位 {self.unit}", self.role and f"role {self.role}"]
        return " · ".join(p for p in parts if p)


@dataclass
class View:
    """A drawable part of the graph."""

    graph: nx.MultiDiGraph
    name: str
    title: str
    layout: str = "force"  # "force" | "columns"
    messages: list[str] = field(default_factory=list)
    focus: list = field(default_factory=list)  # nodes to select and centre on when the page opens
    source_nodes: int = 0  # size before any aggregation or cut
    source_edges: int = 0
    cut: bool = False


def select_tasks(g: nx.MultiDiGraph, f: Filters) -> set:
    """Task ids that pass every filter.

    ``role`` alone keeps tasks that have a mandate of that role; with
    ``unit`` it keeps the tasks that unit holds in that role.
    """
    tasks = nodes_of(g, "Task")
    if f.jurisdiction is not None:
        names = descendant_names(g, find_jurisdictions(g, f.jurisdiction))
        tasks = [t for t in tasks if g.nodes[t].get("jurisdiction") in names]
    if f.year is not None:
        years = {g.nodes[t].get("year") for t in tasks}
        tasks = [t for t in tasks if g.nodes[t].get("year") == f.year]
        if not tasks:
            raise UnknownNameError("year", str(f.year), [str(y) for y in years if y])
    if f.theme is not None:
        th = find_theme(g, f.theme)
        tasks = [t for t in tasks if g.has_edge(t, th, "IN_THEME")]
    types = (ROLE_EDGE[f.role],) if f.role else MANDATES
    if f.unit is not None:
        units = find_units(g, f.unit, f.jurisdiction)
        tasks = [t for t in tasks if any(g.has_edge(u, t, k) for u in units for k in types)]
    elif f.role is not None:
        tasks = [t for t in tasks if any(k in types for _, _, k in g.in_edges(t, keys=True))]
    return set(tasks)


def _edges_among(g: nx.MultiDiGraph, nodes: set, keep=lambda k: True):
    """``(u, v, key, data)`` of the edges between ``nodes`` whose key passes ``keep``, in ``g.edges`` order.

    Only the kept nodes' adjacency is walked: ``g.edges`` would walk every
    edge of the graph for each page (10M at national size).
    """
    for u in g:
        if u in nodes:
            for v, keyed in g.adj[u].items():
                if v in nodes:
                    for k, d in keyed.items():
                        if keep(k):
                            yield u, v, k, d


def _induced(g: nx.MultiDiGraph, nodes: set, drop_types: tuple[str, ...] = ()) -> nx.MultiDiGraph:
    """A copy of the subgraph on ``nodes`` without edges of ``drop_types``."""
    h = nx.MultiDiGraph()
    h.add_nodes_from((n, g.nodes[n]) for n in g.nodes if n in nodes)
    h.add_edges_from(_edges_among(g, nodes, lambda k: k not in drop_types))
    return h


def _other_role(f: Filters) -> tuple[str, ...]:
    return tuple(t for r, t in ROLE_EDGE.items() if f.role and r != f.role)


def full_view(g: nx.MultiDiGraph, f: Filters = Filters()) -> View:
    """Documents, tasks, units, themes and instruments of a jurisdiction-year.

    With no filter at all this is the whole build.
    """
    if not f.any():
        return View(g.copy(), "full", "全部图谱 Whole graph", source_nodes=g.number_of_nodes(),
                    source_edges=g.number_of_edges())
    tasks = select_tasks(g, f)
    keep = set(tasks)
    drop = _other_role(f)
    for t in tasks:
        for u, _, k in g.in_edges(t, keys=True):
            if k == "CONTAINS" or (k in MANDATES and k not in drop):
                keep.add(u)
        for _, v, k in g.out_edges(t, keys=True):
            if k in ("IN_THEME", "CITES"):
                keep.add(v)
    for d in [n for n in keep if g.nodes[n].get("label") == "Document"]:
        keep.update(u for u, _, k in g.in_edges(d, keys=True) if k == "ISSUED")
    h = _induced(g, keep, drop)
    view = View(h, "full", f"图谱 {f.describe()}", source_nodes=h.number_of_nodes(), source_edges=h.number_of_edges())
    if not tasks:
        view.messages.append(f"No task matches {f.describe()}.")
    return view


def unit_view(g: nx.MultiDiGraph, f: Filters) -> View:
    """One unit's neighbourhood: its tasks, the units sharing them, their themes, its groups.

    ``role`` keeps the tasks where the unit has that role; the other units on
    those tasks are shown in whatever role they hold.
    """
    if f.unit is None:
        raise UnknownNameError("unit", "(none)", ["pass --unit NAME for the unit view"])
    units = find_units(g, f.unit, f.jurisdiction)
    tasks = select_tasks(g, f)
    keep = set(units) | tasks
    for t in tasks:
        keep.update(u for u, _, k in g.in_edges(t, keys=True) if k in MANDATES)
        keep.update(v for _, v, k in g.out_edges(t, keys=True) if k == "IN_THEME")
    for u in units:
        # Groups it belongs to and, for a group, its listed members.
        keep.update(v for _, v, k in g.out_edges(u, keys=True) if k == "MEMBER_OF")
        keep.update(w for w, _, k in g.in_edges(u, keys=True) if k == "MEMBER_OF")
    h = _induced(g, keep, drop_types=("BELONGS_TO",))
    name = g.nodes[units[0]].get("name", units[0])
    view = View(h, "unit", f"单位 {name} ({g.nodes[units[0]].get('jurisdiction', '')})", focus=list(units),
                source_nodes=h.number_of_nodes(), source_edges=h.number_of_edges())
    if not tasks:
        view.messages.append(f"{name} holds no task matching {f.describe()}.")
    return view


def unit_theme_view(g: nx.MultiDiGraph, f: Filters = Filters()) -> View:
    """Units linked to themes by WORKS_ON edges counting their tasks in the theme.

    An edge carries ``lead``, ``assist`` and ``tasks`` counts; it is drawn
    dashed when the unit only assists in that theme.
    """
    tasks = select_tasks(g, f)
    allowed = (ROLE_EDGE[f.role],) if f.role else MANDATES
    counts: dict[tuple, Counter] = {}
    for t in sorted(tasks):  # the set's order changes with the process's string hashing, and the page with it
        themes = [v for _, v, k in g.out_edges(t, keys=True) if k == "IN_THEME"]
        for u, _, k in g.in_edges(t, keys=True):
            if k in allowed:
                for th in themes:
                    c = counts.setdefault((u, th), Counter())
                    c["lead" if k == "LEADS" else "assist"] += 1
    h = nx.MultiDiGraph()
    for (u, th), c in counts.items():
        h.add_node(u, **g.nodes[u])
        h.add_node(th, **g.nodes[th])
        h.add_edge(u, th, key="WORKS_ON", type="WORKS_ON", lead=c["lead"], assist=c["assist"],
                   tasks=c["lead"] + c["assist"])
    view = View(h, "unit-theme", f"单位–主题网络 Units and themes {f.describe()}".strip(),
                source_nodes=h.number_of_nodes(), source_edges=h.number_of_edges())
    if not nodes_of(g, "Theme") or not any(k == "IN_THEME" for _, _, k in g.edges(keys=True)):
        view.messages.append("This build has no IN_THEME edges, so no unit can be linked to a theme.")
    elif not counts:
        view.messages.append(f"No unit holds a themed task matching {f.describe() or 'the filters'}.")
    return view


def continuity_view(g: nx.MultiDiGraph, f: Filters = Filters()) -> View:
    """Tasks in one column per year, CONTINUES edges between columns, documents as column heads."""
    tasks = select_tasks(g, f)
    docs = {u for t in tasks for u, _, k in g.in_edges(t, keys=True) if k == "CONTAINS"}
    h = nx.MultiDiGraph()
    h.add_nodes_from((n, g.nodes[n]) for n in g.nodes if n in tasks or n in docs)
    h.add_edges_from(_edges_among(g, tasks, lambda k: k == "CONTINUES"))
    years = sorted({g.nodes[t].get("year") for t in tasks})
    title = f"延续 Continuity {f.describe()}".strip()
    view = View(h, "continuity", title, layout="columns", source_nodes=h.number_of_nodes(),
                source_edges=h.number_of_edges())
    if len(years) < 2:
        view.messages.append(f"Only one year ({', '.join(map(str, years)) or 'none'}) matches: nothing can continue.")
    elif not h.number_of_edges():
        view.messages.append("No CONTINUES edge links these tasks: the build found no task carried into a later year.")
    return view


VIEWS = {"full": full_view, "unit": unit_view, "unit-theme": unit_theme_view, "continuity": continuity_view}


def make_view(g: nx.MultiDiGraph, name: str | None = None, f: Filters = Filters()) -> View:
    """The view ``name`` of ``g`` under filters ``f``.

    With no name, a unit filter asks for the unit view and anything else for
    the full view.
    """
    name = name or ("unit" if f.unit else "full")
    if name not in VIEWS:
        raise UnknownNameError("view", name, list(VIEWS))
    return VIEWS[name](g, f)
