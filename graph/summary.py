"""What a build contains: counts per node label and edge type, per jurisdiction and year."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from .schema import EDGES, NODES
from .themes import FALLBACK_THEME

__all__ = ["Extracted", "EdgeFacts", "summarize", "format_summary", "SUMMARY_LINES"]


@dataclass(frozen=True)
class Extracted:
    """What the summary needs of the extractions, so that they can be let go before linking."""

    documents: int
    unplaced: int

    @classmethod
    def of(cls, extractions) -> "Extracted":
        return cls(len(extractions), sum(len(e.unplaced) for e in extractions))


@dataclass(frozen=True)
class EdgeFacts:
    """What the summary needs of edges kept as frames: their number per type, and which tasks have
    a lead unit (LEADS) or a theme (IN_THEME), when those types are among them. Taken from frames
    about to be written and let go: the build writes the core edge tables before it links."""

    counts: dict[str, int]
    with_lead: frozenset[str] | None = None
    themed: frozenset[str] | None = None

    @classmethod
    def of(cls, framed: Mapping[str, pd.DataFrame]) -> "EdgeFacts":
        with_lead = themed = None
        if "LEADS" in framed:
            with_lead = frozenset(framed["LEADS"]["target"])
        if "IN_THEME" in framed:
            df = framed["IN_THEME"]
            themed = frozenset(df["source"][df["target"] != FALLBACK_THEME])
        return cls({t: len(df) for t, df in framed.items()}, with_lead, themed)

    def __or__(self, other: "EdgeFacts") -> "EdgeFacts":
        return EdgeFacts({**self.counts, **other.counts},
                         other.with_lead if other.with_lead is not None else self.with_lead,
                         other.themed if other.themed is not None else self.themed)


def summarize(g: nx.MultiDiGraph, extracted: "Extracted | list", errors,
              framed: Mapping[str, pd.DataFrame] | None = None, written: EdgeFacts | None = None) -> dict:
    """The build's figures.

    ``extracted`` is the extractions or their :class:`Extracted` counts;
    ``framed`` holds the edges of some types as frames rather than as edges of ``g``,
    ``written`` the facts of those already written and let go.
    """
    if not isinstance(extracted, Extracted):
        extracted = Extracted.of(extracted)
    facts = EdgeFacts.of(framed or {})
    if written is not None:
        facts = written | facts
    nodes = Counter(d.get("label") for _, d in g.nodes(data=True))
    edges = Counter(d.get("type") for _, _, d in g.edges(data=True))
    edges.update(facts.counts)
    per_jy: Counter = Counter()
    for _, d in g.nodes(data=True):
        if d.get("label") == "Task":
            per_jy[f"{d['jurisdiction']} {d['year']}"] += 1
    tasks = [n for n, d in g.nodes(data=True) if d.get("label") == "Task"]
    if facts.themed is not None:
        themed = facts.themed
    else:
        themed = {u for u, v, d in g.edges(data=True) if d.get("type") == "IN_THEME" and v != FALLBACK_THEME}
    if facts.with_lead is not None:
        with_lead = facts.with_lead
    else:
        with_lead = {v for _, v, d in g.edges(data=True) if d.get("type") == "LEADS"}
    return {
        "documents": extracted.documents,
        "failed": [{"path": p, "error": m} for p, m in errors],
        "nodes": {s.label: nodes.get(s.label, 0) for s in NODES},
        "edges": {s.type: edges.get(s.type, 0) for s in EDGES},
        "tasks_per_jurisdiction_year": dict(sorted(per_jy.items())),
        "theme_coverage": round(len(themed & set(tasks)) / len(tasks), 4) if tasks else 0.0,
        "tasks_with_lead": len(with_lead),
        "unplaced": extracted.unplaced,
    }


SUMMARY_LINES = 20  # jurisdiction-years printed by `build` (the rest are in summary.json)


def format_summary(s: dict, limit: int | None = SUMMARY_LINES, totals_only: bool = False) -> str:
    """The summary as `mandategraph build` prints it: the totals, then the tasks of the first
    ``limit`` jurisdiction-years (None: all) and how many more summary.json lists, theme coverage
    and the failed files. ``totals_only``: the three lines of totals alone (``build -q``)."""
    lines = [f"documents: {s['documents']}  failed: {len(s['failed'])}  not placed: {s['unplaced']}"]
    lines.append("nodes:  " + "  ".join(f"{k} {v}" for k, v in s["nodes"].items()))
    lines.append("edges:  " + "  ".join(f"{k} {v}" for k, v in s["edges"].items()))
    if totals_only:
        return "\n".join(lines)
    per = s["tasks_per_jurisdiction_year"]
    lines.append(f"tasks per jurisdiction and year ({len(per):,}):")
    shown = list(per.items()) if limit is None else list(per.items())[:limit]
    lines += [f"  {k}: {v}" for k, v in shown]
    if len(shown) < len(per):
        lines.append(f"  … and {len(per) - len(shown):,} more in summary.json")
    lines.append(f"theme coverage: {s['theme_coverage']:.1%} of tasks have a theme; "
                 f"tasks with a lead unit: {s['tasks_with_lead']}")
    for f in s["failed"]:
        lines.append(f"failed: {f['error']}")
    return "\n".join(lines)
