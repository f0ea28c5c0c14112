"""Units and mandates: LEADS, ASSISTS, BELONGS_TO, MEMBER_OF.

A unit is identified by its jurisdiction and canonical name, so the same unit
in two years of one jurisdiction is one node, renamed units (aliases in
data/unit_aliases.csv) are one node with their names over time, and a unit of
another jurisdiction named in a document (市生态环境局市中分局 in a district's
plan) belongs to that jurisdiction.
"""
from __future__ import annotations

import networkx as nx

from ..loaders.model import Extraction, Jurisdiction, UnitRef
from .documents import add_jurisdiction
from .ids import unit_id

__all__ = ["unit_jurisdiction", "add_mandates"]

_LEVEL_PREFIX = {"省": "province", "市": "city", "县": "county", "区": "county"}


def unit_jurisdiction(name: str, kind: str, doc_j: Jurisdiction) -> Jurisdiction:
    """The jurisdiction a unit named in ``doc_j``'s plan belongs to.

    A name starting with 市 in a county's plan is the city's unit, one
    starting with 省 the province's; group mentions stay with the document.

    >>> from mandategraph.loaders.jurisdictions import resolve
    >>> unit_jurisdiction("市生态环境局市中分局", "vertical", resolve("济南市市中区")).name
    '济南市'
    >>> unit_jurisdiction("区财政局", "department", resolve("济南市市中区")).name
    '济南市市中区'

    A county-level city (瑞安市) calls its own units 市…:

    >>> unit_jurisdiction("市财政局", "department", resolve("瑞安市")).name
    '瑞安市'
    """
    if kind == "group" or not name or not doc_j.code:
        return doc_j
    if name[0] == "市" and doc_j.name.endswith("市"):
        return doc_j
    level = _LEVEL_PREFIX.get(name[0])
    if level is None or level == doc_j.level or name.startswith(("市级", "县级", "区级", "省级")):
        return doc_j
    order = {"province": 0, "city": 1, "county": 2}
    if order[level] < order.get(doc_j.level, 2):
        for code, pname in doc_j.parents:
            plevel = "province" if code.endswith("0000") else "city"
            if plevel == level:
                from ..loaders.jurisdictions import division_table

                return division_table().jurisdiction(code, pname)
    return doc_j


def _add_unit(g: nx.MultiDiGraph, ref: UnitRef, doc_j: Jurisdiction, year: int | None, did: str, span,
              edges) -> str:
    j = unit_jurisdiction(ref.unit, ref.kind, doc_j)
    uid = unit_id(j.code or j.name, ref.unit)
    if uid not in g:
        # Its jurisdiction once, with the unit: per mention it was 1.9M calls at national size, each adding
        # the parent chain's PART_OF edges again (a third of the graph stage).
        jid = add_jurisdiction(g, j, edges)
        g.add_node(uid, label="Unit", name=ref.unit, aliases=[], names_by_year=[], kind=ref.kind,
                   jurisdiction=j.name, is_group=int(ref.kind == "group"),
                   document=did, span_start=span[0], span_end=span[1])
        edges.add_edge(uid, jid, key="BELONGS_TO", type="BELONGS_TO", document=did, span_start=span[0], span_end=span[1])
    data = g.nodes[uid]
    if ref.raw not in data["aliases"]:
        data["aliases"] = sorted([*data["aliases"], ref.raw])
    stamp = f"{year or 0}:{ref.raw}"
    if stamp not in data["names_by_year"]:
        data["names_by_year"] = sorted([*data["names_by_year"], stamp])
    return uid


def add_mandates(g: nx.MultiDiGraph, ex: Extraction, did: str, task_ids: list[str], edges=None) -> None:
    """Add the units of one extraction, their mandates and group memberships (edges to ``edges``,
    an :class:`~mandategraph.graph.edge_columns.EdgeColumns`, when given)."""
    j = ex.meta.jurisdiction
    edges = g if edges is None else edges
    for tid, t in zip(task_ids, ex.tasks):
        for type_, refs in (("LEADS", t.lead), ("ASSISTS", t.assist)):
            for ref in refs:
                uid = _add_unit(g, ref, j, t.year, did, t.span, edges)
                edges.add_edge(uid, tid, key=type_, type=type_, raw=ref.raw, role_word=ref.role_word,
                           evidence=t.evidence, implied_others=int(ref.implied_others),
                           document=did, span_start=t.span[0], span_end=t.span[1])
    for m in ex.memberships:
        group_ref = UnitRef(raw=m.group, unit=m.group, kind="group")
        gid = _add_unit(g, group_ref, j, ex.meta.year, did, m.span, edges)
        uid = _add_unit(g, m.member, j, ex.meta.year, did, m.span, edges)
        edges.add_edge(uid, gid, key="MEMBER_OF", type="MEMBER_OF", document=did, span_start=m.span[0], span_end=m.span[1])
