"""Jurisdictions, documents, tasks and cited instruments: ISSUED, PART_OF, CONTAINS, CITES."""
from __future__ import annotations

import networkx as nx

from ..loaders.model import Extraction, Jurisdiction
from .ids import document_id, instrument_id, jurisdiction_id, task_id

__all__ = ["add_jurisdiction", "add_document"]

_NO_PROV = {"document": "", "span_start": 0, "span_end": 0}


def add_jurisdiction(g: nx.MultiDiGraph, j: Jurisdiction, edges=None) -> str:
    """Add a jurisdiction and its parent chain (PART_OF); return its id.

    ``edges`` (an :class:`~mandategraph.graph.edge_columns.EdgeColumns`) takes
    the edges instead of ``g``; here and in ``add_document`` and ``add_mandates``.
    """
    edges = g if edges is None else edges
    jid = jurisdiction_id(j.code, j.name)
    chain = [(j.code, j.name, j.level)] + [(c, n, _level(c)) for c, n in j.parents]
    for k, (code, name, level) in enumerate(chain):
        nid = jurisdiction_id(code, name)
        parent = chain[k + 1][0] if k + 1 < len(chain) else ""
        if "label" not in g.nodes.get(nid, {}):  # an edge may have created it bare
            g.add_node(nid, label="Jurisdiction", name=name, level=level, code=code, parent_code=parent, **_NO_PROV)
        if k + 1 < len(chain):
            pid = jurisdiction_id(chain[k + 1][0], chain[k + 1][1])
            edges.add_edge(nid, pid, key="PART_OF", type="PART_OF", **_NO_PROV)
    return jid


def _level(code: str) -> str:
    return "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"


def add_document(g: nx.MultiDiGraph, ex: Extraction, edges=None) -> tuple[str, list[str]]:
    """Add a document, its tasks and their citations; return (doc id, task ids in order)."""
    m = ex.meta
    did = document_id(m.checksum or _text_checksum(ex.text))
    jid = add_jurisdiction(g, m.jurisdiction, edges)
    edges = g if edges is None else edges
    g.add_node(did, label="Document", title=m.title, doc_number=m.doc_number, issuer=m.issuer, year=m.year or 0,
               jurisdiction=m.jurisdiction.name, source=m.source, checksum=m.checksum, dates=list(m.dates),
               encoding=m.encoding, format=m.format, document=did, span_start=0, span_end=len(ex.text))
    edges.add_edge(jid, did, key="ISSUED", type="ISSUED", document=did, span_start=0, span_end=0)
    ids = []
    for n, t in enumerate(ex.tasks, start=1):
        tid = task_id(did, n)
        ids.append(tid)
        g.add_node(tid, label="Task", text=t.text, year=t.year or 0, jurisdiction=t.jurisdiction, document=did,
                   source=t.source, path=list(t.path), marker=t.marker,
                   deadline_raw=t.deadline.raw if t.deadline else "",
                   deadline=(t.deadline.normalized or "") if t.deadline else "", status="",
                   span_start=t.span[0], span_end=t.span[1])
        prov = {"document": did, "span_start": t.span[0], "span_end": t.span[1]}
        edges.add_edge(did, tid, key="CONTAINS", type="CONTAINS", **prov)
        for title in t.instruments:
            iid = instrument_id(title)
            if iid not in g:
                g.add_node(iid, label="Instrument", title=title, **prov)
            edges.add_edge(tid, iid, key="CITES", type="CITES", **prov)
    return did, ids


def _text_checksum(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
