"""Read an RDF export back into a graph: the inverse of :mod:`~mandategraph.graph.rdf_export`.

Used for the round trip (the exported RDF gives back the same nodes and
edges, with their properties) and by anyone holding only the RDF. Node
properties come back whole; edge properties come back for the edges that
have a qualified node (mandates, theme assignments, task links). The other
edges' own provenance is not exported: it repeats the provenance of the
node they lead to (a CONTAINS edge's span is its task's span).

>>> from mandategraph.graph.sample import sample_graph
>>> from mandategraph.graph.rdf_export import iter_triples, write_ntriples
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "g.nt"
>>> _ = write_ntriples(iter_triples(sample_graph()), p)
>>> g = graph_from_rdf(p)
>>> g.nodes["T:wz2022:1"]["deadline"], g.edges["U:330300:市大数据发展管理局", "T:wz2022:1", "LEADS"]["raw"]
('2022-12-31', '市大数据局')
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import networkx as nx
from rdflib.namespace import DCTERMS, PROV, RDF

from ..errors import ReadError
from .rdf_export import _PATH_SEP, EDGE_MAPS, NODE_MAPS, Prop
from .rdf_vocab import MG
from .schema import EDGES, NODES, edge_spec
from .tables import default_value

__all__ = ["graph_from_rdf", "label_counts"]

_CLASS_LABEL = {str(MG[label]): label for label in NODE_MAPS}
_TYPE, _ID = str(RDF.type), str(DCTERMS.identifier)
_DERIVED, _START, _END = str(PROV.wasDerivedFrom), str(MG.spanStart), str(MG.spanEnd)
_CHAIN_END = str(MG.chainEnd)


def _value(kind: str, lits: list):
    """Literal objects back to a property value of the schema type."""
    if kind in ("zhs", "strs", "dates"):
        return sorted(lit.value for lit in lits)
    if not lits:
        return None
    v = lits[0].value
    if kind == "int":
        return int(v)
    if kind in ("bool", "flag"):
        return int(v == "true" or v == "1")
    if kind == "double":
        return float(v)
    if kind == "path":
        return v.split(_PATH_SEP)
    return v


def _parse(source: str | Path):
    import pyoxigraph as ox

    p = Path(source)
    fmt = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".jsonld": ox.RdfFormat.JSON_LD,
           ".nq": ox.RdfFormat.N_QUADS}.get(p.suffix)
    if fmt is None:
        raise ReadError(str(p), "unknown RDF format (expected .nt, .ttl, .jsonld or .nq)")
    try:
        yield from ox.parse(path=str(p), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise ReadError(str(p), f"cannot read RDF: {exc}") from None


def graph_from_rdf(source: str | Path) -> nx.MultiDiGraph:
    """The graph an export file describes.

    Parameters
    ----------
    source : path
        ``graph.nt``, ``graph.ttl``, ``graph.jsonld`` or ``graph.nq`` (the
        quads of every graph).

    Raises
    ------
    ReadError
        The file cannot be read or parsed.
    """
    import pyoxigraph as ox

    subjects: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in _parse(source):
        if isinstance(t.subject, ox.NamedNode):
            subjects[t.subject.value][t.predicate.value].append(t.object)

    label_of: dict[str, str] = {}
    id_of: dict[str, str] = {}
    for s, props in subjects.items():
        for c in props.get(_TYPE, []):
            if c.value in _CLASS_LABEL and props.get(_ID):
                label_of[s] = _CLASS_LABEL[c.value]
                id_of[s] = props[_ID][0].value

    g = nx.MultiDiGraph()
    for spec in NODES:
        m = NODE_MAPS[spec.label]
        by_pred: dict[str, list[Prop]] = defaultdict(list)
        for prop in m.props:
            by_pred[prop.predicate].append(prop)
        for s, label in label_of.items():
            if label != spec.label:
                continue
            props = subjects[s]
            data = {k: default_value(t) for k, t in spec.properties.items() if k != "id"}
            for prop in m.props:
                v = _value(prop.kind, props.get(prop.predicate, []))
                if v is not None:
                    data[prop.name] = v
            if label == "Task" and props.get(str(MG.ongoing)):
                data["deadline"] = "ongoing"
            if label == "Task" and props.get(_CHAIN_END):
                data["chain_end"] = id_of.get(props[_CHAIN_END][0].value, "")
            data.update(_provenance(props, id_of, self_id=id_of[s] if label == "Document" else None))
            g.add_node(id_of[s], label=label, **{k: v for k, v in data.items() if k in spec.properties})

    qualified = _qualified(subjects, id_of)
    for spec in EDGES:
        m = EDGE_MAPS[spec.type]
        for s, props in subjects.items():
            for o in props.get(m.predicate, []):
                if not isinstance(o, ox.NamedNode):
                    continue
                u, v = (o.value, s) if m.reverse else (s, o.value)
                if label_of.get(u) != spec.source or label_of.get(v) != spec.target:
                    continue
                uid, vid = id_of[u], id_of[v]
                data = {k: default_value(t) for k, t in spec.properties.items()}
                data.update(qualified.get((spec.type, uid, vid), {}))
                g.add_edge(uid, vid, key=spec.type, type=spec.type, **data)
    return g


def _provenance(props: dict, id_of: dict[str, str], self_id: str | None = None) -> dict:
    out = {}
    derived = props.get(_DERIVED, [])
    if derived:
        out["document"] = id_of.get(derived[0].value, "")
    elif self_id and props.get(_START):
        out["document"] = self_id
    if props.get(_START):
        out["span_start"] = int(props[_START][0].value)
    if props.get(_END):
        out["span_end"] = int(props[_END][0].value)
    return out


def _qualified(subjects: dict, id_of: dict[str, str]) -> dict[tuple[str, str, str], dict]:
    """Edge properties from the qualified nodes, keyed by (edge type, source id, target id)."""
    link_type = {EDGE_MAPS[t].predicate: t for t in ("CONTINUES", "SIMILAR_TO", "DETAILS")}
    out = {}
    for props in subjects.values():
        types = {c.value for c in props.get(_TYPE, [])}

        def one(p):
            vals = props.get(str(p), [])
            return id_of.get(vals[0].value) if vals else None

        if str(MG.Mandate) in types:
            role = props.get(str(MG.role), [None])[0]
            key = ("LEADS" if role is not None and role.value == str(MG.lead) else "ASSISTS",
                   one(MG.unit), one(MG.task))
        elif str(MG.ThemeAssignment) in types:
            key = ("IN_THEME", one(MG.task), one(MG.theme))
        elif str(MG.TaskLink) in types:
            lt = props.get(str(MG.linkType), [None])[0]
            key = (link_type.get(lt.value if lt is not None else "", ""), one(MG.linkFrom), one(MG.linkTo))
        else:
            continue
        if not key[0] or key[1] is None or key[2] is None:
            continue
        spec = edge_spec(key[0])
        data = {}
        for prop in EDGE_MAPS[key[0]].props:
            v = _value(prop.kind, props.get(prop.predicate, []))
            if v is not None and prop.name in spec.properties:
                data[prop.name] = v
        data.update(_provenance(props, id_of))
        out[key] = data
    return out


def label_counts(g: nx.MultiDiGraph) -> dict[str, int]:
    """Count of every node label and edge type (zeros included), for round-trip checks."""
    counts = {spec.label: 0 for spec in NODES} | {spec.type: 0 for spec in EDGES}
    for _n, d in g.nodes(data=True):
        if d.get("label") in counts:
            counts[d["label"]] += 1
    for _u, _v, k, d in g.edges(keys=True, data=True):
        t = d.get("type", k)
        if t in counts:
            counts[t] += 1
    return counts
