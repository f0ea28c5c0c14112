"""Themes and continuity over the tasks of a graph: IN_THEME, CONTINUES, SIMILAR_TO, DETAILS.

The similarity and matching live in :mod:`mandategraph.graph.continuity`, the
theme scheme in :mod:`mandategraph.graph.themes`; this module only gathers
the graph's tasks for them and writes their answers back as edges.
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx

from .continuity import TaskRef, link_similar, status_by_task, task_status
from .continuity_batch import link_continues_all, link_details_all
from .themes import load_scheme

__all__ = ["add_themes", "add_continuity", "task_refs"]


def task_refs(g: nx.MultiDiGraph) -> list[TaskRef]:
    """The graph's tasks as the linkers see them, in id order."""
    return [TaskRef(n, d["text"], d["year"] or None, d["jurisdiction"], d["source"])
            for n, d in sorted(g.nodes(data=True)) if d.get("label") == "Task"]


def _prov(g: nx.MultiDiGraph, task_id: str) -> dict:
    d = g.nodes[task_id]
    return {"document": d["document"], "span_start": d["span_start"], "span_end": d["span_end"]}


def add_themes(g: nx.MultiDiGraph, scheme=None) -> None:
    """Every concept of the scheme as a Theme node, and IN_THEME from each task (score, trigger words)."""
    scheme = scheme or load_scheme()
    for theme in scheme.themes.values():
        if theme.node_id not in g:
            g.add_node(theme.node_id, label="Theme", pref_label=theme.pref_label, alt_label_en=theme.alt_label_en,
                       definition=theme.definition, scheme="themes", document="", span_start=0, span_end=0)
    tasks = [(n, d["text"]) for n, d in g.nodes(data=True) if d.get("label") == "Task"]
    for n, text in tasks:
        for hit in scheme.assign(text):
            g.add_edge(n, f"Th:{hit.key}", key="IN_THEME", type="IN_THEME", score=round(float(hit.score), 4),
                       triggers=list(hit.triggers), **_prov(g, n))


def add_continuity(g: nx.MultiDiGraph, options) -> None:
    """CONTINUES within a jurisdiction across years, SIMILAR_TO across jurisdictions,
    DETAILS within a document, and each task's status."""
    refs = task_refs(g)
    by_jy: dict[str, dict[int, list[TaskRef]]] = defaultdict(lambda: defaultdict(list))
    by_doc: dict[str, list[TaskRef]] = defaultdict(list)
    for t in refs:
        by_jy[t.jurisdiction][t.year or 0].append(t)
        by_doc[g.nodes[t.id]["document"]].append(t)
    details = link_details_all({doc: ([t for t in ts if t.source == "prose"], [t for t in ts if t.source == "table"])
                                for doc, ts in by_doc.items()}, options.details_threshold)
    for doc in sorted(details):
        for link in details[doc]:
            g.add_edge(link.source, link.target, key="DETAILS", type="DETAILS", score=link.score,
                       **_prov(g, link.source))
    statuses = []
    continues = link_continues_all(by_jy, options.continues_threshold, relative=options.continues_relative)
    for jur in sorted(continues):
        links = continues[jur]
        for link in links:
            g.add_edge(link.source, link.target, key="CONTINUES", type="CONTINUES", score=link.score,
                       **_prov(g, link.source))
        # Status from CONTINUES alone: spreading it over DETAILS partners was measured
        # to lower its accuracy on the hand-matched seed pairs (0.76 → 0.67 for 2022).
        statuses += task_status(by_jy[jur], links)
    for task_id, status in status_by_task(statuses).items():
        g.nodes[task_id]["status"] = status
    by_j = {jur: [t for ts in years.values() for t in ts] for jur, years in by_jy.items()}
    if len(by_j) > 1:
        for link in link_similar(by_j, options.similar_threshold, top_k=options.similar_top_k):
            g.add_edge(link.source, link.target, key="SIMILAR_TO", type="SIMILAR_TO", score=link.score,
                       **_prov(g, link.source))
