"""The graph as RDF: W3C ORG, SKOS, PROV-O, DCTERMS and our ``MG`` terms.

Mapping (DESIGN.md, "RDF export")
---------------------------------
=============  ===============================================================
Jurisdiction   ``mg:Jurisdiction``, ``org:Organization``; skos:prefLabel@zh,
               ``org:identifier "330300"^^mg:gbt2260``
Document       ``mg:Document``, ``foaf:Document``, ``prov:Entity``;
               dcterms:title@zh, ``mg:docNumber`` (文号), dcterms:date
Unit           ``mg:Unit``, ``org:OrganizationalUnit``; skos:prefLabel@zh,
               ``mg:alias``@zh
Task           ``mg:Task``, ``prov:Entity``; ``mg:text``@zh, ``mg:year``,
               ``mg:deadline`` (xsd:date) or ``mg:ongoing true``,
               ``prov:wasDerivedFrom`` its document with ``mg:spanStart/End``,
               ``mg:jurisdiction`` (the issuing jurisdiction)
Theme          ``mg:Theme``, ``skos:Concept`` in the theme ``skos:ConceptScheme``
Instrument     ``mg:Instrument``, ``dcterms:BibliographicResource``
=============  ===============================================================

Every node carries its graph id as ``dcterms:identifier``, so SPARQL answers
the same ids as Cypher. Every edge is one direct triple (``mg:leads``,
``org:unitOf``, ``org:subOrganizationOf``, ``org:hasMember``,
``dcterms:hasPart``, ``dcterms:subject``, ``dcterms:references``, …).
Mandates (LEADS / ASSISTS) are also qualified relations, ``mg:Mandate``
nodes with role, raw wording, role word, evidence and provenance; scored
edges (IN_THEME, CONTINUES, SIMILAR_TO, DETAILS) get ``mg:ThemeAssignment``
/ ``mg:TaskLink`` nodes with their score. Empty strings and lists are left
out (read back as the schema's defaults). There are no blank nodes: every
resource has a stable IRI (see :class:`~mandategraph.graph.rdf_vocab.Iris`).

Triples are produced by a generator (:func:`iter_triples`) and written to
N-Triples, Turtle and JSON-LD in one streaming pass (:func:`write_rdf`):
rdflib's serialisers take ~45 s per million triples (DEPENDENCIES.md), and an
in-memory store to serialise from would not fit a national-scale graph.

>>> from mandategraph.graph.sample import sample_graph
>>> g = graph_to_rdf(sample_graph())
>>> len(g) > 100
True
>>> from rdflib.namespace import DCTERMS
>>> sorted(str(o) for o in g.objects(None, DCTERMS.identifier))[:3]
['D:tz2022', 'D:wz2019', 'D:wz2022']
"""
from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple, Union

import networkx as nx
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS, XSD

from .rdf_vocab import DEFAULT_BASE, MG, Iris, check_iri
from .schema import EDGES, NODES

__all__ = ["Lit", "Triple", "NodeMap", "EdgeMap", "NODE_MAPS", "EDGE_MAPS", "PREFIXES", "iter_triples",
           "write_ntriples", "write_rdf", "ntriples_line", "graph_to_rdf", "export_rdf", "ExportResult", "data_file",
           "RDF_FILES"]


class Lit(NamedTuple):
    """A literal: lexical form with a language tag or a datatype (neither: xsd:string)."""

    lex: str
    lang: str | None = None
    datatype: str | None = None


Obj = Union[str, Lit]  # a str object is an IRI
Triple = tuple[str, str, Obj]

# Prefixes written in Turtle and used in the query library.
PREFIXES: dict[str, str] = {
    "mg": str(MG._NS),
    "org": str(ORG._NS),
    "prov": str(PROV._NS),
    "skos": str(SKOS._NS),
    "dcterms": str(DCTERMS._NS),
    "foaf": str(FOAF._NS),
    "xsd": str(XSD._NS),
    "rdf": str(RDF._NS),
}

# The files `export rdf` writes, in catalog order, with their formats.
RDF_FILES = ("graph.ttl", "graph.nt", "graph.jsonld", "ontology.ttl", "shapes.ttl")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PATH_SEP = " / "  # section path ["一", "（一）"] is written "一 / （一）"


@dataclass(frozen=True)
class Prop:
    """How one graph property is written: its predicate and the kind of literal."""

    name: str
    predicate: str
    kind: str  # zh, en, str, int, double, bool, flag, code, dates, zhs, strs, path, deadline


@dataclass(frozen=True)
class NodeMap:
    label: str
    classes: tuple[str, ...]
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class EdgeMap:
    type: str
    predicate: str
    reverse: bool = False  # the triple runs target -> source
    also: tuple[str, ...] = ()  # further direct predicates (materialised super-properties)
    qualified: str | None = None  # class of the qualified relation node
    props: tuple[Prop, ...] = ()  # edge properties on the qualified node


def _p(name: str, predicate, kind: str) -> Prop:
    return Prop(name, str(predicate), kind)


NODE_MAPS: dict[str, NodeMap] = {m.label: m for m in (
    NodeMap("Jurisdiction", (str(MG.Jurisdiction), str(ORG.Organization)), (
        _p("name", SKOS.prefLabel, "zh"), _p("level", MG.level, "str"), _p("code", ORG.identifier, "code"),
        _p("parent_code", MG.parentCode, "str"))),
    NodeMap("Document", (str(MG.Document), str(FOAF.Document), str(PROV.Entity)), (
        _p("title", DCTERMS.title, "zh"), _p("doc_number", MG.docNumber, "str"), _p("issuer", MG.issuer, "zh"),
        _p("year", MG.year, "int"), _p("jurisdiction", MG.jurisdictionName, "zh"),
        _p("source", MG.sourceFile, "str"), _p("checksum", MG.sha256, "str"), _p("dates", DCTERMS.date, "dates"),
        _p("encoding", MG.encoding, "str"), _p("format", MG.fileFormat, "str"))),
    NodeMap("Unit", (str(MG.Unit), str(ORG.OrganizationalUnit)), (
        _p("name", SKOS.prefLabel, "zh"), _p("aliases", MG.alias, "zhs"), _p("names_by_year", MG.nameByYear, "strs"),
        _p("kind", MG.kind, "str"), _p("jurisdiction", MG.jurisdictionName, "zh"), _p("is_group", MG.isGroup, "bool"))),
    NodeMap("Task", (str(MG.Task),), (
        _p("text", MG.text, "zh"), _p("year", MG.year, "int"), _p("jurisdiction", MG.jurisdictionName, "zh"),
        _p("source", MG.sourceKind, "str"), _p("path", MG.sectionPath, "path"), _p("marker", MG.marker, "str"),
        _p("deadline_raw", MG.deadlineText, "zh"), _p("deadline", MG.deadline, "deadline"),
        _p("status", MG.status, "str"))),
    NodeMap("Theme", (str(MG.Theme), str(SKOS.Concept)), (
        _p("pref_label", SKOS.prefLabel, "zh"), _p("alt_label_en", SKOS.altLabel, "en"),
        _p("definition", SKOS.definition, "zh"), _p("scheme", MG.schemeName, "str"))),
    NodeMap("Instrument", (str(MG.Instrument), str(DCTERMS.BibliographicResource)), (
        _p("title", DCTERMS.title, "zh"),)),
)}

_MANDATE_PROPS = (_p("raw", MG.raw, "zh"), _p("role_word", MG.roleWord, "zh"), _p("evidence", MG.evidence, "zh"),
                  _p("implied_others", MG.impliesOthers, "flag"))
_SCORE = (_p("score", MG.score, "double"),)

EDGE_MAPS: dict[str, EdgeMap] = {m.type: m for m in (
    EdgeMap("ISSUED", str(DCTERMS.publisher), reverse=True),
    EdgeMap("CONTAINS", str(DCTERMS.hasPart)),
    EdgeMap("LEADS", str(MG.leads), qualified=str(MG.Mandate), props=_MANDATE_PROPS),
    EdgeMap("ASSISTS", str(MG.assists), qualified=str(MG.Mandate), props=_MANDATE_PROPS),
    EdgeMap("BELONGS_TO", str(ORG.unitOf), also=(str(ORG.subOrganizationOf),)),
    EdgeMap("PART_OF", str(ORG.subOrganizationOf)),
    EdgeMap("MEMBER_OF", str(ORG.hasMember), reverse=True),
    EdgeMap("IN_THEME", str(DCTERMS.subject), qualified=str(MG.ThemeAssignment),
            props=(*_SCORE, _p("triggers", MG.trigger, "zhs"))),
    EdgeMap("CITES", str(DCTERMS.references)),
    EdgeMap("CONTINUES", str(MG.continues), qualified=str(MG.TaskLink), props=_SCORE),
    EdgeMap("SIMILAR_TO", str(MG.similarTo), qualified=str(MG.TaskLink), props=_SCORE),
    EdgeMap("DETAILS", str(MG.details), qualified=str(MG.TaskLink), props=_SCORE),
)}

_ROLE = {"LEADS": "lead", "ASSISTS": "assist"}
_LINK_KIND = {"CONTINUES": "continues", "SIMILAR_TO": "similar-to", "DETAILS": "details"}

_RDF_TYPE, _ID = str(RDF.type), str(DCTERMS.identifier)
_DERIVED, _SPAN_START, _SPAN_END = str(PROV.wasDerivedFrom), str(MG.spanStart), str(MG.spanEnd)
_XSD_INT, _XSD_DOUBLE, _XSD_BOOL, _XSD_DATE = str(XSD.integer), str(XSD.double), str(XSD.boolean), str(XSD.date)


def _double(x: float) -> str:
    """The lexical form Oxigraph keeps for an xsd:double: shortest digits, no exponent.

    Oxigraph stores values, not lexical forms ("1.0" comes back "1"), so
    writing its form keeps the N-Triples, the Turtle it serialises and the
    stores' answers the very same terms.

    >>> _double(1.0), _double(0.4946), _double(1e-05)
    ('1', '0.4946', '0.00001')
    """
    import math
    from decimal import Decimal

    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "INF" if x > 0 else "-INF"
    s = format(Decimal(repr(x)), "f")  # repr's shortest digits, written without an exponent
    return s.rstrip("0").rstrip(".") if "." in s else s


def _literals(kind: str, value) -> list[Obj]:
    """The objects for one property value; [] for an empty one."""
    if value is None:
        return []
    if kind in ("zhs", "strs", "dates"):
        items = [str(v) for v in value if str(v) != ""]
        if kind == "zhs":
            return [Lit(v, "zh") for v in items]
        if kind == "dates":
            return [Lit(v, None, _XSD_DATE) if _ISO_DATE.match(v) else Lit(v) for v in items]
        return [Lit(v) for v in items]
    if kind == "int":
        return [Lit(str(int(value)), None, _XSD_INT)]
    if kind == "bool":
        return [Lit("true" if int(value) else "false", None, _XSD_BOOL)]
    if kind == "flag":  # written only when true: one triple less per mandate
        return [Lit("true", None, _XSD_BOOL)] if int(value or 0) else []
    if kind == "double":
        return [Lit(_double(float(value)), None, _XSD_DOUBLE)]
    if kind == "path":
        return [Lit(_PATH_SEP.join(str(v) for v in value))] if len(value) else []
    value = str(value)
    if value == "":
        return []
    if kind == "zh":
        return [Lit(value, "zh")]
    if kind == "en":
        return [Lit(value, "en")]
    if kind == "code":
        return [Lit(value, None, str(MG.gbt2260))]
    if kind == "deadline":
        # A normalised deadline is a date, or "ongoing" (长期坚持/持续推进);
        # anything else is written as it is, and the shapes flag it.
        if value == "ongoing":
            return []
        return [Lit(value, None, _XSD_DATE) if _ISO_DATE.match(value) else Lit(value)]
    return [Lit(value)]


def _provenance(subject: str, data: dict, doc_iri: dict[str, str], self_id: str | None = None) -> Iterator[Triple]:
    """prov:wasDerivedFrom the document and the character span, when there is a document."""
    doc = data.get("document") or ""
    start, end = int(data.get("span_start") or 0), int(data.get("span_end") or 0)
    if not doc and not start and not end:
        return
    if doc and doc != self_id and doc in doc_iri:
        yield subject, _DERIVED, doc_iri[doc]
    yield subject, _SPAN_START, Lit(str(start), None, _XSD_INT)
    yield subject, _SPAN_END, Lit(str(end), None, _XSD_INT)


def _sorted_nodes(g: nx.MultiDiGraph) -> list[tuple[str, dict]]:
    order = {spec.label: i for i, spec in enumerate(NODES)}
    return sorted(((n, d) for n, d in g.nodes(data=True) if d.get("label") in NODE_MAPS),
                  key=lambda nd: (order[nd[1]["label"]], str(nd[0])))


def iter_triples(g: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[Triple]:
    """Every triple of the graph's RDF, in a stable order.

    Subjects and predicates are IRI strings; an object is an IRI string or a
    :class:`Lit`. Nodes whose label is not in the schema, and edges whose
    type is not, are skipped (the schema is the contract).

    Raises
    ------
    MandateGraphError
        The base IRI is not absolute, or two node ids mint the same IRI.
    """
    iris = Iris(base)
    nodes = _sorted_nodes(g)
    iri: dict[str, str] = {}
    seen: dict[str, str] = {}
    for n, d in nodes:
        i = iris.node(str(n), d["label"])
        if i in seen:
            from ..errors import MandateGraphError

            raise MandateGraphError(f"node ids {seen[i]!r} and {n!r} mint the same IRI {i}")
        seen[i] = str(n)
        iri[n] = i
    doc_iri = {str(n): iri[n] for n, d in nodes if d["label"] == "Document"}
    # A task's jurisdiction node is the one that issued its document.
    issuer = {v: u for u, v, k in g.edges(keys=True) if k == "ISSUED" and u in iri}

    has_themes = False
    for n, d in nodes:
        label, s = d["label"], iri[n]
        m = NODE_MAPS[label]
        for c in m.classes:
            yield s, _RDF_TYPE, c
        yield s, _ID, Lit(str(n))
        for prop in m.props:
            for o in _literals(prop.kind, d.get(prop.name)):
                yield s, prop.predicate, o
        if label == "Task":
            if d.get("deadline") == "ongoing":
                yield s, str(MG.ongoing), Lit("true", None, _XSD_BOOL)
            doc = d.get("document") or ""
            if doc in issuer:
                yield s, str(MG.jurisdiction), iri[issuer[doc]]
        if label == "Theme":
            has_themes = True
            yield s, str(SKOS.inScheme), iris.theme_scheme
        yield from _provenance(s, d, doc_iri, self_id=str(n) if label == "Document" else None)
    if has_themes:
        yield from _scheme_triples(iris, {str(n)[3:] for n, d in nodes if d["label"] == "Theme"})

    order = {spec.type: i for i, spec in enumerate(EDGES)}
    edges = sorted(((u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
                    if d.get("type", k) in EDGE_MAPS and u in iri and v in iri),
                   key=lambda e: (order[e[3].get("type", e[2])], str(e[0]), str(e[1])))
    for u, v, _k, d in edges:
        type_ = d.get("type", _k)
        m = EDGE_MAPS[type_]
        s, o = iri[u], iri[v]
        if m.reverse:
            s, o = o, s
        yield s, m.predicate, o
        for p in m.also:
            yield s, p, o
        if m.qualified is None:
            continue
        su, tu = iri[u], iri[v]
        if type_ in _ROLE:
            q = iris.mandate(su, tu, _ROLE[type_])
            yield q, _RDF_TYPE, m.qualified
            yield q, str(MG.unit), su
            yield q, str(MG.task), tu
            yield q, str(MG.role), str(MG[_ROLE[type_]])
        elif type_ == "IN_THEME":
            q = iris.theme_assignment(su, tu)
            yield q, _RDF_TYPE, m.qualified
            yield q, str(MG.task), su
            yield q, str(MG.theme), tu
        else:
            q = iris.task_link(_LINK_KIND[type_], su, tu)
            yield q, _RDF_TYPE, m.qualified
            yield q, str(MG.linkFrom), su
            yield q, str(MG.linkTo), tu
            yield q, str(MG.linkType), m.predicate
        for prop in m.props:
            for lit in _literals(prop.kind, d.get(prop.name)):
                yield q, prop.predicate, lit
        yield from _provenance(q, d, doc_iri)


@lru_cache(maxsize=1)
def _theme_scheme_source() -> tuple[tuple[str, str, str, str], ...]:
    """(subject key, predicate, object, kind) of data/themes.ttl worth carrying over."""
    path = data_file("themes.ttl")
    if path is None:
        return ()
    from rdflib import Graph, Literal, URIRef

    g = Graph()
    g.parse(path, format="turtle")
    out = []
    ns = "https://w3id.org/mandategraph/theme/"
    keep = {str(DCTERMS.title), str(DCTERMS.description), str(SKOS.broader), str(SKOS.topConceptOf)}
    for s, p, o in g:
        if str(p) not in keep or not str(s).startswith(ns):
            continue
        if isinstance(o, URIRef) and str(o).startswith(ns):
            out.append((str(s)[len(ns):], str(p), str(o)[len(ns):], "iri"))
        elif isinstance(o, Literal):
            out.append((str(s)[len(ns):], str(p), str(o), o.language or ""))
    return tuple(sorted(out))


def _scheme_triples(iris: Iris, keys: set[str]) -> Iterator[Triple]:
    """The theme scheme (title, hierarchy) from data/themes.ttl, rebased, for the concepts present."""
    scheme = iris.theme_scheme
    yield scheme, _RDF_TYPE, str(SKOS.ConceptScheme)
    titled = False
    for s_key, p, o, kind in _theme_scheme_source():
        if s_key != "scheme" and s_key not in keys:
            continue
        s = scheme if s_key == "scheme" else iris.node(f"Th:{s_key}", "Theme")
        if kind == "iri":
            if o != "scheme" and o not in keys:
                continue
            yield s, p, scheme if o == "scheme" else iris.node(f"Th:{o}", "Theme")
        else:
            titled |= s == scheme and p == str(DCTERMS.title)
            yield s, p, Lit(o, kind or None)
    if not titled:
        yield scheme, str(DCTERMS.title), Lit("mandategraph themes", "en")


def data_file(name: str) -> Path | None:
    """A file shipped in ``mandategraph/data`` (None when absent)."""
    p = resources.files("mandategraph.data") / name
    return Path(str(p)) if p.is_file() else None


# ------------------------------------------------------------------ serialisation

_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_ESC_RE = re.compile(r'[\\"\n\r]')
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _escape(s: str) -> str:
    # The same four escapes make a valid N-Triples and Turtle string.
    return _ESC_RE.sub(lambda m: _ESC[m.group()], s)


def _term(o: Obj) -> str:
    if isinstance(o, Lit):
        body = f'"{_escape(o.lex)}"'
        if o.lang:
            return f"{body}@{o.lang}"
        if o.datatype:
            return f"{body}^^<{o.datatype}>"
        return body
    return f"<{o}>"


def ntriples_line(t: Triple) -> str:
    """One N-Triples line (with its newline).

    >>> ntriples_line(("http://ex/s", "http://ex/p", Lit('say "hi"\\n', "zh")))
    '<http://ex/s> <http://ex/p> "say \\\\"hi\\\\"\\\\n"@zh .\\n'
    """
    return f"<{t[0]}> <{t[1]}> {_term(t[2])} .\n"


_NS_PREFIX = {ns: prefix for prefix, ns in PREFIXES.items()}


def _curie(iri: str) -> str | None:
    """``mg:Task`` for an IRI in one of our namespaces with a plain local name, else None.

    >>> _curie("https://w3id.org/mandategraph/ontology#Task"), _curie("https://w3id.org/mandategraph/task/a/1")
    ('mg:Task', None)
    """
    # Every namespace of PREFIXES ends in '#' or '/', so the split is one lookup.
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    prefix = _NS_PREFIX.get(iri[:cut])
    if prefix is None or not _LOCAL.fullmatch(iri, cut):
        return None
    return f"{prefix}:{iri[cut:]}"


class _Writers:
    """N-Triples, Turtle and JSON-LD written side by side in one pass over the triples.

    Triples come grouped by subject (as :func:`iter_triples` yields them;
    a subject may come back later, which all three formats allow), so each
    writer holds one subject's triples at a time: memory stays flat however
    large the graph (an Oxigraph store in memory needs ~0.5 GB per million
    triples, DEPENDENCIES.md).
    """

    def __init__(self, nt: Path | None, ttl: Path | None, jsonld: Path | None):
        self.files = {k: open(p, "w", encoding="utf-8", newline="\n") for k, p in
                      (("nt", nt), ("ttl", ttl), ("jsonld", jsonld)) if p is not None}
        self.buf: dict[str, list[str]] = {k: [] for k in self.files}
        self.first_node = True
        self._curies: dict[str, str] = {}
        if "ttl" in self.files:
            self.buf["ttl"] += [f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()]
        if "jsonld" in self.files:
            import json

            self.buf["jsonld"].append('{"@context": ' + json.dumps(PREFIXES) + ',\n "@graph": [\n')

    def _c(self, iri: str) -> str:
        # Turtle form of a predicate, class or datatype: a CURIE when possible.
        c = self._curies.get(iri)
        if c is None:
            c = self._curies[iri] = _curie(iri) or f"<{iri}>"
        return c

    def _ttl_obj(self, o: Obj) -> str:
        if isinstance(o, Lit):
            body = f'"{_escape(o.lex)}"'
            if o.lang:
                return f"{body}@{o.lang}"
            return f"{body}^^{self._c(o.datatype)}" if o.datatype else body
        c = _curie(o)
        return c if c else f"<{o}>"

    def _json_obj(self, o: Obj) -> dict:
        if isinstance(o, Lit):
            if o.lang:
                return {"@value": o.lex, "@language": o.lang}
            if o.datatype:
                return {"@value": o.lex, "@type": self._c(o.datatype).strip("<>")}
            return {"@value": o.lex}
        return {"@id": o}

    def group(self, s: str, pos: list[tuple[str, Obj]]) -> None:
        if "nt" in self.files:
            subj = f"<{s}> "
            self.buf["nt"].append("".join(f"{subj}<{p}> {_term(o)} .\n" for p, o in pos))
        if "ttl" in self.files:
            lines = [("a" if p == _RDF_TYPE else self._c(p)) + " " + self._ttl_obj(o) for p, o in pos]
            self.buf["ttl"].append(f"\n<{s}> " + " ;\n    ".join(lines) + " .\n")
        if "jsonld" in self.files:
            import json

            node: dict = {"@id": s}
            for p, o in pos:
                if p == _RDF_TYPE:
                    node.setdefault("@type", []).append(self._c(o).strip("<>"))
                else:
                    node.setdefault(self._c(p).strip("<>"), []).append(self._json_obj(o))
            self.buf["jsonld"].append(("" if self.first_node else ",\n") + json.dumps(node, ensure_ascii=False))
        self.first_node = False
        if len(self.buf.get("nt", self.buf.get("ttl", self.buf.get("jsonld", [])))) > 2000:
            self.flush()

    def flush(self) -> None:
        for k, f in self.files.items():
            f.write("".join(self.buf[k]))
            self.buf[k].clear()

    def close(self) -> None:
        if "jsonld" in self.files:
            self.buf["jsonld"].append("\n]}\n")
        self.flush()
        for f in self.files.values():
            f.close()


def write_rdf(triples: Iterable[Triple], *, nt: str | Path | None = None, ttl: str | Path | None = None,
              jsonld: str | Path | None = None) -> int:
    """Write triples as N-Triples, Turtle and/or JSON-LD in one streaming pass; return their number.

    Turtle uses our prefixes for vocabulary terms and full IRIs for resources
    (local names like ``task/…/0001`` would need backslash escapes); JSON-LD
    is compacted by an ``@context`` of the same prefixes.
    """
    w = _Writers(*(Path(p) if p is not None else None for p in (nt, ttl, jsonld)))
    n = 0
    current, pos = None, []
    try:
        for s, p, o in triples:
            n += 1
            if s != current:
                if pos:
                    w.group(current, pos)
                current, pos = s, []
            pos.append((p, o))
        if pos:
            w.group(current, pos)
    finally:
        w.close()
    return n


def write_ntriples(triples: Iterable[Triple], path: str | Path) -> int:
    """Stream triples to an N-Triples file; return how many were written."""
    return write_rdf(triples, nt=path)


def _rdflib_term(o: Obj):
    from rdflib import Literal, URIRef

    if isinstance(o, Lit):
        return Literal(o.lex, lang=o.lang, datatype=URIRef(o.datatype) if o.datatype else None)
    return URIRef(o)


def graph_to_rdf(g: nx.MultiDiGraph, base: str = DEFAULT_BASE):
    """The graph as an :class:`rdflib.Graph` (eager; see :func:`iter_triples` for streaming)."""
    from rdflib import Graph, URIRef

    out = Graph()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
    for s, p, o in iter_triples(g, base):
        out.add((URIRef(s), URIRef(p), _rdflib_term(o)))
    return out


# ------------------------------------------------------------------ export

@dataclass
class ExportResult:
    """What :func:`export_rdf` wrote."""

    folder: Path
    files: list[Path]
    triples: int
    seconds: dict[str, float] = field(default_factory=dict)  # step -> wall time

    @property
    def triples_per_second(self) -> float:
        t = self.seconds.get("graph", 0.0)
        return self.triples / t if t else float("inf")


def export_rdf(g: nx.MultiDiGraph, out: str | Path, base: str = DEFAULT_BASE, *,
               download_url: str | None = None, license: str | None = None, contact: str | None = None,
               publisher: str | None = None) -> ExportResult:
    """Write the graph as RDF into ``out``, with the ontology, the shapes and a DCAT record.

    Files: ``graph.ttl``, ``graph.nt``, ``graph.jsonld``, ``ontology.ttl``,
    ``shapes.ttl`` and ``catalog.ttl`` (one dcat:Distribution per other file).

    Parameters
    ----------
    g : networkx.MultiDiGraph
        A graph following :mod:`mandategraph.graph.schema`.
    out : path
        Folder to write (created).
    base : str
        Base IRI of every instance IRI.
    download_url, license, contact, publisher : str, optional
        For the catalog record: where the files will be downloadable (a folder
        URL; each file's dcat:downloadURL is this plus its name), the licence
        IRI, a contact e-mail and the publisher's name.

    Raises
    ------
    MandateGraphError
        A bad base or option IRI.
    """
    from .dcat import CatalogOptions, write_catalog

    base = check_iri(base, "base IRI")
    base = base if base.endswith(("/", "#")) else base + "/"
    options = CatalogOptions(base=base, download_url=download_url, license=license, contact=contact,
                             publisher=publisher)
    options.check()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    n = write_rdf(iter_triples(g, base), nt=out / "graph.nt", ttl=out / "graph.ttl", jsonld=out / "graph.jsonld")
    seconds["graph"] = time.perf_counter() - t0

    for name in ("ontology.ttl", "shapes.ttl"):
        src = data_file(name)
        if src is None:
            from ..errors import ReadError

            raise ReadError(f"mandategraph/data/{name}", "missing from the installed package")
        shutil.copyfile(src, out / name)

    files = [out / f for f in RDF_FILES]
    t0 = time.perf_counter()
    catalog = write_catalog(g, files, out / "catalog.ttl", options, triples=n)
    seconds["catalog"] = time.perf_counter() - t0
    return ExportResult(out, files + [catalog], n, seconds)
