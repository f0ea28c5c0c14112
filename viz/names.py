"""Short display names of nodes, and lookups of what a user typed on the command line.

A user types ``温州市``, ``市大数据局`` or ``公共数据开放``; the graph keys nodes
by ids such as ``U:330300:市大数据发展管理局``. These helpers map one to the
other and raise a typed error listing what exists when nothing matches.
"""
from __future__ import annotations

import networkx as nx

from ..errors import QueryError, UnknownNameError

__all__ = ["display_name", "find_jurisdictions", "find_units", "find_theme", "descendant_names",
           "nodes_of", "short"]


def short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis.

    >>> short("编制全市公共数据开放目录", 6)
    '编制全市公共…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + "…"


def display_name(data: dict, n: int = 16) -> str:
    """The label drawn next to a node.

    >>> display_name({"label": "Task", "marker": "（一）", "text": "统筹做好疫情防控信息发布"}, 6)
    '（一）统筹做好疫情…'
    >>> display_name({"label": "Instrument", "title": "浙江省公共数据条例"})
    '《浙江省公共数据条例》'
    """
    label = data.get("label")
    if label == "Task":
        marker = str(data.get("marker") or "")
        # Table rows carry a bare number as marker; prose items a bracketed one.
        prefix = f"{marker}." if marker.isdigit() else marker
        return prefix + short(data.get("text", ""), n)
    if label == "Document":
        return short(data.get("title") or data.get("source") or "", 24)
    if label == "Theme":
        return str(data.get("pref_label") or data.get("alt_label_en") or "")
    if label == "Instrument":
        return f"《{short(data.get('title', ''), n)}》"
    return str(data.get("name") or data.get("title") or "")


def nodes_of(g: nx.MultiDiGraph, label: str) -> list:
    """Node ids with a given label, in graph order."""
    return [n for n, d in g.nodes(data=True) if d.get("label") == label]


def find_jurisdictions(g: nx.MultiDiGraph, name: str) -> list:
    """Jurisdiction node ids whose name, code or id is ``name``.

    Raises
    ------
    UnknownNameError
        When none matches; the message lists the jurisdictions of the graph.
    """
    found = [n for n in nodes_of(g, "Jurisdiction")
             if name in (n, g.nodes[n].get("name"), g.nodes[n].get("code"))]
    if not found:
        raise UnknownNameError("jurisdiction", name, sorted({g.nodes[n].get("name", n) for n in nodes_of(g, "Jurisdiction")}))
    return found


def descendant_names(g: nx.MultiDiGraph, jurisdiction_ids: list) -> set[str]:
    """Names of the given jurisdictions and of every division under them (PART_OF, any depth).

    Asking for 浙江省 should show the plans of its cities, which are the
    documents that exist; a city's own plan is not filed under its province.
    """
    seen, todo = set(jurisdiction_ids), list(jurisdiction_ids)
    while todo:
        j = todo.pop()
        for child, _, key in g.in_edges(j, keys=True):
            if key == "PART_OF" and child not in seen:
                seen.add(child)
                todo.append(child)
    return {g.nodes[j].get("name", j) for j in seen}


def find_units(g: nx.MultiDiGraph, name: str, jurisdiction: str | None = None) -> list:
    """Unit node ids whose id, canonical name or an alias is ``name`` (within ``jurisdiction``).

    Raises
    ------
    UnknownNameError
        When no unit matches.
    QueryError
        When the name is ambiguous across jurisdictions and none was given.
    """
    jnames = descendant_names(g, find_jurisdictions(g, jurisdiction)) if jurisdiction else None
    units = [u for u in nodes_of(g, "Unit") if jnames is None or g.nodes[u].get("jurisdiction") in jnames]
    found = [u for u in units if u == name or g.nodes[u].get("name") == name]
    if not found:
        found = [u for u in units if name in (g.nodes[u].get("aliases") or [])]
    if not found:
        raise UnknownNameError("unit", name, _closest(name, [g.nodes[u].get("name", u) for u in units]))
    places = sorted({g.nodes[u].get("jurisdiction", "") for u in found})
    if len(places) > 1:
        raise QueryError(f"unit {name!r} exists in {', '.join(places)}; pass --jurisdiction to choose one")
    return found


def find_theme(g: nx.MultiDiGraph, name: str) -> str:
    """The Theme node id whose id, Chinese or English label is ``name`` (case-insensitive)."""
    low = name.casefold()
    for t in nodes_of(g, "Theme"):
        d = g.nodes[t]
        if low in (str(t).casefold(), str(d.get("pref_label", "")).casefold(), str(d.get("alt_label_en", "")).casefold()):
            return t
    raise UnknownNameError("theme", name, sorted(str(g.nodes[t].get("pref_label", t)) for t in nodes_of(g, "Theme")))


def _closest(name: str, names: list[str], limit: int = 12) -> list[str]:
    # Listing 150 unit names helps nobody: show those sharing most characters.
    chars = set(name)
    ranked = sorted(set(names), key=lambda s: (-len(chars & set(s)), s))
    return ranked[:limit]
