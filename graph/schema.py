"""The graph's node labels, edge types and their properties.

One schema serves every store: networkx attributes, LadybugDB tables, Neo4j
labels and CSV headers, and the RDF mapping all read it from here, so the
names are the same everywhere (DESIGN.md, "Domain model").

In networkx a node's label is its ``label`` attribute and an edge's type is
its ``type`` attribute and its key. Every node and edge carries provenance: ``document`` (the id of the document
it was read from, "" for reference data such as jurisdictions and themes),
``span_start`` and ``span_end`` (character offsets into that document's text).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeSpec", "EdgeSpec", "NODES", "EDGES", "node_spec", "edge_spec", "PROVENANCE"]

# Property types use LadybugDB's names; Neo4j CSV and RDF map them.
STRING, INT, DOUBLE, STRINGS = "STRING", "INT64", "DOUBLE", "STRING[]"

PROVENANCE = {"document": STRING, "span_start": INT, "span_end": INT}


@dataclass(frozen=True)
class NodeSpec:
    label: str
    properties: dict[str, str]  # name -> type, "id" first
    description: str


@dataclass(frozen=True)
class EdgeSpec:
    type: str
    source: str  # node label
    target: str  # node label
    properties: dict[str, str]
    description: str


NODES: tuple[NodeSpec, ...] = (
    NodeSpec("Jurisdiction", {"id": STRING, "name": STRING, "level": STRING, "code": STRING,
                              "parent_code": STRING, **PROVENANCE},
             "An administrative division (GB/T 2260 code, level province/city/county)."),
    NodeSpec("Document", {"id": STRING, "title": STRING, "doc_number": STRING, "issuer": STRING,
                          "year": INT, "jurisdiction": STRING, "source": STRING, "checksum": STRING,
                          "dates": STRINGS, "encoding": STRING, "format": STRING, **PROVENANCE},
             "One work plan as read from a file."),
    NodeSpec("Unit", {"id": STRING, "name": STRING, "aliases": STRINGS, "names_by_year": STRINGS,
                      "kind": STRING, "jurisdiction": STRING, "is_group": INT, **PROVENANCE},
             "A government unit (or group of units) scoped to a jurisdiction."),
    NodeSpec("Task", {"id": STRING, "text": STRING, "year": INT, "jurisdiction": STRING,
                      "document": STRING, "source": STRING, "path": STRINGS, "marker": STRING,
                      "deadline_raw": STRING, "deadline": STRING, "status": STRING,
                      "span_start": INT, "span_end": INT,
                      # derived from CONTINUES and SIMILAR_TO at build time (graph/derived.py)
                      "chain_before": INT, "chain_after": INT, "chain_end": STRING,
                      "similar_jurisdictions": INT},
             "A task: a prose item (or clause group of one) or a table row."),
    NodeSpec("Theme", {"id": STRING, "pref_label": STRING, "alt_label_en": STRING, "definition": STRING,
                       "scheme": STRING, **PROVENANCE},
             "A concept of the SKOS theme scheme in data/themes.ttl."),
    NodeSpec("Instrument", {"id": STRING, "title": STRING, **PROVENANCE},
             "A law or policy cited in 《…》."),
)

_MANDATE = {"raw": STRING, "role_word": STRING, "evidence": STRING, "implied_others": INT, **PROVENANCE}
_SCORED = {"score": DOUBLE, **PROVENANCE}

EDGES: tuple[EdgeSpec, ...] = (
    EdgeSpec("ISSUED", "Jurisdiction", "Document", dict(PROVENANCE), "A jurisdiction issued a document."),
    EdgeSpec("CONTAINS", "Document", "Task", dict(PROVENANCE), "A document contains a task."),
    EdgeSpec("LEADS", "Unit", "Task", dict(_MANDATE), "A unit leads a task (mandate)."),
    EdgeSpec("ASSISTS", "Unit", "Task", dict(_MANDATE), "A unit assists a task (mandate)."),
    EdgeSpec("BELONGS_TO", "Unit", "Jurisdiction", dict(PROVENANCE), "A unit belongs to a jurisdiction."),
    EdgeSpec("PART_OF", "Jurisdiction", "Jurisdiction", dict(PROVENANCE), "A division is part of its parent."),
    EdgeSpec("MEMBER_OF", "Unit", "Unit", dict(PROVENANCE), "A unit is a member of a group unit."),
    EdgeSpec("IN_THEME", "Task", "Theme", {"score": DOUBLE, "triggers": STRINGS, **PROVENANCE},
             "A task is about a theme (score, trigger words)."),
    EdgeSpec("CITES", "Task", "Instrument", dict(PROVENANCE), "A task cites a law or policy."),
    EdgeSpec("CONTINUES", "Task", "Task", {"score": DOUBLE, "text_sim": DOUBLE, "evidence": STRING, **PROVENANCE},
             "A task of year Y continues in a task of the same jurisdiction in a later year "
             "(score: the pair model's; text_sim and evidence: why, graph/continuity_model.py)."),
    EdgeSpec("SIMILAR_TO", "Task", "Task", dict(_SCORED),
             "Tasks of different jurisdictions following one template."),
    EdgeSpec("DETAILS", "Task", "Task", dict(_SCORED),
             "An annex row details a prose item of the same document."),
)

_NODES = {n.label: n for n in NODES}
_EDGES = {e.type: e for e in EDGES}


def node_spec(label: str) -> NodeSpec:
    return _NODES[label]


def edge_spec(type_: str) -> EdgeSpec:
    return _EDGES[type_]
