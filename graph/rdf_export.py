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
               ``mg:jurisdiction`` (the issuing jurisdiction); what the build
               derives from its links: ``mg:chainBefore``, ``mg:chainAfter``,
               ``mg:chainEnd`` (a task), ``mg:similarJurisdictions``
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

How it is written
-----------------
The mapping produces *records*, one per subject: its IRI and rows of
(slot, value), a slot being one predicate with one kind of object (an IRI,
a plain, ``@zh`` or typed literal, or a constant object). Every slot has a
ready-made template in each format, so a triple costs one ``%`` and one
concatenation per format and no object is built for it. Nodes come in a
stable order (label, then id), each followed by its outgoing qualified
relations ordered by (edge type, target): the output is the same bytes for
the same graph without sorting the edges of the whole graph. The files are
encoded, hashed (SHA-256 for the catalog) and written by a background thread,
so the hashing and the disk overlap the Python work on a second core.
:func:`iter_triples` expands the same records into triples for rdflib and
the tests; :func:`write_rdf` writes any triples with the same renderers.

A build folder is written from its Parquet tables instead, column by
column with Arrow's string kernels, from the same slots
(:mod:`~mandategraph.graph.rdf_columns`): the national export's path, about
five times faster and without a graph in memory (bench/README.md).

Formats: N-Triples, N-Quads (the same lines in one named graph, for SPARQL
bulk loaders), Turtle and JSON-LD; any subset in one pass
(:func:`write_graph`, :func:`export_rdf`).

>>> from mandategraph.graph.sample import sample_graph
>>> g = graph_to_rdf(sample_graph())
>>> len(g) > 100
True
>>> from rdflib.namespace import DCTERMS
>>> sorted(str(o) for o in g.objects(None, DCTERMS.identifier))[:3]
['D:tz2022', 'D:wz2019', 'D:wz2022']
"""
from __future__ import annotations

import hashlib
import json
import math
import queue
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from json.decoder import scanstring as _unquote
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import NamedTuple, Union

import networkx as nx
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS, XSD

from .ids import theme_id
from .rdf_vocab import DEFAULT_BASE, MG, Iris, check_iri
from .schema import EDGES, NODES

__all__ = ["Lit", "Triple", "NodeMap", "EdgeMap", "NODE_MAPS", "EDGE_MAPS", "PREFIXES", "FORMATS", "DEFAULT_FORMATS",
           "iter_triples", "write_graph", "write_ntriples", "write_rdf", "ntriples_line", "graph_to_rdf", "export_rdf",
           "ExportResult", "data_file", "RDF_FILES", "parse_formats"]


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

# Graph formats: name -> file written.
FORMATS: dict[str, str] = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld", "nq": "graph.nq"}
DEFAULT_FORMATS = ("ttl", "nt", "jsonld")
# The files `export rdf` writes by default, in catalog order.
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
        _p("status", MG.status, "str"), _p("chain_before", MG.chainBefore, "int"),
        _p("chain_after", MG.chainAfter, "int"), _p("similar_jurisdictions", MG.similarJurisdictions, "int"))),
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
    EdgeMap("CONTINUES", str(MG.continues), qualified=str(MG.TaskLink),
            props=(*_SCORE, _p("text_sim", MG.textSimilarity, "double"), _p("evidence", MG.linkEvidence, "zh"))),
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

    >>> _double(1.0), _double(0.4946), _double(1e-05), _double(1e16)
    ('1', '0.4946', '0.00001', '10000000000000000')
    """
    r = repr(x)  # the shortest digits; Decimal only for an exponent (rare), NaN and infinities
    if "e" in r or "n" in r:
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "INF" if x > 0 else "-INF"
        from decimal import Decimal

        r = format(Decimal(r), "f")
    return r.rstrip("0").rstrip(".") if "." in r else r


# ------------------------------------------------------------------ slots and templates

_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
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


def _e(s: str) -> str:
    # A constant part of a %-template.
    return s.replace("%", "%%")


class _Slots:
    """Slot = one predicate with one kind of object; its text in every format.

    ``kind`` is ``"iri"``, ``""`` (plain literal), ``"@zh"`` (language) or
    ``"^^"`` + datatype IRI. A row is ``(slot, value)``: ``value`` is an IRI,
    or a literal's lexical form already quoted and escaped (JSON's escapes,
    which N-Triples and Turtle read the same), or ``()`` for a slot whose
    object is a constant baked into its text (classes, roles, ``true``).

    ``parts[fmt][slot]`` is the text before and after the value (after is
    None for a constant); ``nt``, ``ttl`` and ``jval`` are the same as
    ``%`` templates. N-Triples parts hold the predicate and the final
    `` .\n`` (the subject goes before), Turtle parts the predicate (``a``
    for rdf:type), JSON-LD parts the value object; ``jkey`` is the JSON-LD key.
    """

    FORMATS = ("nt", "ttl", "json")

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.spec: list[tuple[str, str, Obj | None]] = []
        self.parts: dict[str, list[tuple[str, str | None]]] = {f: [] for f in self.FORMATS}
        self.nt: list[str] = []  # '<p> <%s> .\n'
        self.ttl: list[str] = []  # 'mg:p <%s>'
        self.jkey: list[str] = []  # '"mg:p"'
        self.jval: list[str] = []  # '{"@id": "%s"}'
        self._expand: list[tuple] = []
        self._lock = threading.Lock()

    def __call__(self, predicate: str, kind: str, const: Obj | None = None) -> int:
        key = (predicate, kind, const)
        i = self.index.get(key)
        if i is not None:
            return i
        with self._lock:  # the column writer builds batches in several threads
            i = self.index.get(key)
            return i if i is not None else self._add(key)

    def _add(self, key: tuple) -> int:
        predicate, kind, const = key
        i = len(self.spec)
        self.spec.append(key)
        c = lambda iri: _curie(iri) or f"<{iri}>"  # noqa: E731
        if kind == "iri":
            nt, ttl, js = ("<", ">"), ("<", ">"), ('{"@id": "', '"}')
            if predicate == _RDF_TYPE:  # JSON-LD's @type takes the class itself
                js = ('"', '"')
        else:
            if kind.startswith("@"):
                nt_s = ttl_s = kind
                js_s = f', "@language": "{kind[1:]}"'
            elif kind.startswith("^^"):
                nt_s, ttl_s = f"^^<{kind[2:]}>", "^^" + c(kind[2:])
                js_s = f', "@type": "{c(kind[2:]).strip("<>")}"'
            else:
                nt_s = ttl_s = js_s = ""
            nt, ttl, js = ("", nt_s), ("", ttl_s), ('{"@value": ', js_s + "}")
        nt = (f"<{predicate}> " + nt[0], nt[1] + " .\n")
        ttl = (("a " if predicate == _RDF_TYPE else c(predicate) + " ") + ttl[0], ttl[1])
        if const is not None:
            if kind == "iri":
                v, tv, jv = const, None, None
                if _curie(const):  # a vocabulary term: a CURIE in Turtle and in JSON-LD's @type
                    tv = _curie(const)
                    jv = tv if predicate == _RDF_TYPE else const
                nt = (nt[0] + v + nt[1], None)
                ttl = (ttl[0][:-1] + tv if tv else ttl[0] + v + ttl[1], None)
                js = (js[0] + (jv or v) + js[1], None)
            else:
                q = _quote(const.lex)
                nt, ttl, js = ((a + q + b, None) for a, b in (nt, ttl, js))
        for f, part in zip(self.FORMATS, (nt, ttl, js)):
            self.parts[f].append(part)
        t = lambda a, b: _e(a) + ("" if b is None else "%s" + _e(b))  # noqa: E731
        self.nt.append(t(*nt))
        self.ttl.append(t(*ttl))
        self.jval.append(t(*js))
        self.jkey.append('"@type"' if predicate == _RDF_TYPE else '"' + c(predicate).strip("<>") + '"')
        lang = kind[1:] if kind.startswith("@") else None
        datatype = kind[2:] if kind.startswith("^^") else None
        self._expand.append((predicate, const, kind == "iri", lang, datatype))
        self.index[key] = i  # last: a slot is visible once its texts are there
        return i

    def row(self, p: str, o: Obj) -> tuple[int, object]:
        """The row of one triple's predicate and object."""
        if isinstance(o, Lit):
            kind = "@" + o.lang if o.lang else "^^" + o.datatype if o.datatype else ""
            return self(p, kind), _quote(o.lex)
        if p == _RDF_TYPE or _curie(o) is not None:  # a vocabulary term: a constant (CURIE in Turtle)
            return self(p, "iri", o), ()
        return self(p, "iri"), o

    def triples(self, s: str, rows: list) -> Iterator[Triple]:
        """The triples of one record."""
        ex = self._expand
        for sl, v in rows:
            p, const, is_iri, lang, datatype = ex[sl]
            if const is not None:
                yield s, p, const
            elif is_iri:
                yield s, p, v
            else:
                yield s, p, Lit(_unquote(v, 1)[0], lang, datatype)


# Property kinds, compiled: (name, code, slot, second slot).
_TEXT, _INT, _DOUBLE, _BOOL, _FLAG, _LIST, _DATES, _PATH, _DEADLINE = range(9)
_TRUE, _FALSE = Lit("true", None, _XSD_BOOL), Lit("false", None, _XSD_BOOL)


def _compile(props: Iterable[Prop], slots: _Slots) -> tuple[tuple[str, int, int, int], ...]:
    out = []
    for prop in props:
        p, k = prop.predicate, prop.kind
        if k in ("zh", "en", "str", "code"):
            kind = {"zh": "@zh", "en": "@en", "str": "", "code": "^^" + str(MG.gbt2260)}[k]
            out.append((prop.name, _TEXT, slots(p, kind), -1))
        elif k == "int":
            out.append((prop.name, _INT, slots(p, "^^" + _XSD_INT), -1))
        elif k == "double":
            out.append((prop.name, _DOUBLE, slots(p, "^^" + _XSD_DOUBLE), -1))
        elif k == "bool":
            out.append((prop.name, _BOOL, slots(p, "^^" + _XSD_BOOL, _TRUE), slots(p, "^^" + _XSD_BOOL, _FALSE)))
        elif k == "flag":  # written only when true: one triple less per mandate
            out.append((prop.name, _FLAG, slots(p, "^^" + _XSD_BOOL, _TRUE), -1))
        elif k in ("zhs", "strs"):
            out.append((prop.name, _LIST, slots(p, "@zh" if k == "zhs" else ""), -1))
        elif k == "dates":
            out.append((prop.name, _DATES, slots(p, "^^" + _XSD_DATE), slots(p, "")))
        elif k == "path":
            out.append((prop.name, _PATH, slots(p, ""), -1))
        elif k == "deadline":
            # A normalised deadline is a date, or "ongoing" (长期坚持/持续推进,
            # written as mg:ongoing); anything else is written as it is, and the shapes flag it.
            out.append((prop.name, _DEADLINE, slots(p, "^^" + _XSD_DATE), slots(p, "")))
        else:
            raise ValueError(f"unknown property kind {k!r}")
    return tuple(out)


def _prop_rows(rows: list, d: dict, props: tuple[tuple[str, int, int, int], ...]) -> None:
    """Append the rows of the properties ``props`` of ``d``; empty values give none."""
    for name, code, a, b in props:
        v = d.get(name)
        if v is None:
            continue
        if code == _TEXT:
            if v.__class__ is not str:
                v = str(v)
            if v:
                rows.append((a, _quote(v)))
        elif code == _INT:
            rows.append((a, '"%d"' % int(v)))
        elif code == _DOUBLE:
            rows.append((a, '"' + _double(float(v)) + '"'))
        elif code == _LIST:
            for x in v:
                x = str(x)
                if x:
                    rows.append((a, _quote(x)))
        elif code == _DEADLINE:
            v = str(v)
            if v and v != "ongoing":
                rows.append((a if _ISO_DATE.match(v) else b, _quote(v)))
        elif code == _BOOL:
            rows.append((a if int(v) else b, ()))
        elif code == _FLAG:
            if int(v or 0):
                rows.append((a, ()))
        elif code == _DATES:
            for x in v:
                x = str(x)
                if x:
                    rows.append((a if _ISO_DATE.match(x) else b, _quote(x)))
        elif code == _PATH:
            if len(v):
                rows.append((a, _quote(_PATH_SEP.join([str(x) for x in v]))))


# ------------------------------------------------------------------ the mapping, as records

Record = tuple[str, list]  # (subject IRI, [(slot, value), …])


def _records(g: nx.MultiDiGraph, base: str, slots: _Slots) -> Iterator[Record]:
    """The graph's RDF, one record per subject, in a stable order.

    Nodes by label (schema order) then id, each with its own properties,
    provenance and direct edge triples, followed by the qualified relations
    of its outgoing edges ordered by (edge type, target id).
    """
    from .schema import edge_spec

    iris = Iris(base)
    base = iris.base
    lb = len(base)
    nodes, succ, pred = g._node, g._succ, g._pred  # networkx's own dicts: no view object per node or edge

    by_label: dict[str, list] = {label: [] for label in NODE_MAPS}
    for n, d in nodes.items():
        ids = by_label.get(d.get("label"))
        if ids is not None:
            ids.append(n)
    ordered = [(spec.label, sorted(by_label[spec.label], key=str)) for spec in NODES if spec.label in by_label]
    iri: dict = {}
    for label, ids in ordered:
        node_iri = iris.node
        for n in ids:
            iri[n] = node_iri(str(n), label)
    if len(set(iri.values())) < len(iri):
        from ..errors import MandateGraphError

        seen: dict[str, str] = {}
        for label, ids in ordered:
            for n in ids:
                if iri[n] in seen:
                    raise MandateGraphError(f"node ids {seen[iri[n]]!r} and {n!r} mint the same IRI {iri[n]}")
                seen[iri[n]] = str(n)
    documents = by_label.get("Document", [])
    doc_iri = {str(n): iri[n] for n in documents}
    # A task's jurisdiction node is the one that issued its document.
    issuer: dict[str, str] = {}
    for doc in documents:
        for u, kd in pred[doc].items():
            if "ISSUED" in kd and u in iri:
                issuer[str(doc)] = iri[u]

    type_ = lambda cls: slots(_RDF_TYPE, "iri", cls)  # noqa: E731
    id_slot, derived = slots(_ID, ""), slots(_DERIVED, "iri")
    start_slot, end_slot = slots(_SPAN_START, "^^" + _XSD_INT), slots(_SPAN_END, "^^" + _XSD_INT)
    ongoing, juris = slots(str(MG.ongoing), "^^" + _XSD_BOOL, _TRUE), slots(str(MG.jurisdiction), "iri")
    chain_end = slots(str(MG.chainEnd), "iri")
    in_scheme = slots(str(SKOS.inScheme), "iri", iris.theme_scheme)

    def provenance(rows: list, d: dict, self_id=None) -> None:
        doc = d.get("document") or ""
        start, end = int(d.get("span_start") or 0), int(d.get("span_end") or 0)
        if not doc and not start and not end:
            return
        if doc and doc != self_id:
            di = doc_iri.get(doc)
            if di is not None:
                rows.append((derived, di))
        rows.append((start_slot, '"%d"' % start))
        rows.append((end_slot, '"%d"' % end))

    order = {spec.type: i for i, spec in enumerate(EDGES)}
    emaps = {t: m for t, m in EDGE_MAPS.items()}
    direct = {t: slots(m.predicate, "iri") for t, m in EDGE_MAPS.items()}
    also = {t: tuple(slots(p, "iri") for p in m.also) for t, m in EDGE_MAPS.items()}
    eprops = {t: _compile(m.props, slots) for t, m in EDGE_MAPS.items()}
    reverse = {t for t, m in EDGE_MAPS.items() if m.reverse}
    reverse_targets = {edge_spec(t).target for t in reverse}
    # The first rows of each qualified node, by edge type: its class, its two ends, a constant.
    mandate = (slots(str(MG.unit), "iri"), slots(str(MG.task), "iri"))
    theme_ends = (slots(str(MG.task), "iri"), slots(str(MG.theme), "iri"))
    link_ends = (slots(str(MG.linkFrom), "iri"), slots(str(MG.linkTo), "iri"))
    qual_head: dict[str, tuple] = {}
    for t, m in EDGE_MAPS.items():
        if m.qualified is None:
            continue
        if t in _ROLE:
            qual_head[t] = (type_(m.qualified), *mandate, slots(str(MG.role), "iri", str(MG[_ROLE[t]])))
        elif t == "IN_THEME":
            qual_head[t] = (type_(m.qualified), *theme_ends, None)
        else:
            qual_head[t] = (type_(m.qualified), *link_ends, slots(str(MG.linkType), "iri", m.predicate))
    digest: dict = {}  # unit -> 12 hex digits of its IRI tail (mandate IRIs)

    for label, ids in ordered:
        m = NODE_MAPS[label]
        head = [(type_(c), ()) for c in m.classes]
        props = _compile(m.props, slots)
        is_task, is_theme, is_doc = label == "Task", label == "Theme", label == "Document"
        scan_in = label in reverse_targets
        for n in ids:
            d = nodes[n]
            s = iri[n]
            rows = head.copy()
            rows.append((id_slot, _quote(str(n))))
            _prop_rows(rows, d, props)
            if is_task:
                if d.get("deadline") == "ongoing":
                    rows.append((ongoing, ()))
                j = issuer.get(d.get("document") or "")
                if j is not None:
                    rows.append((juris, j))
                end = iri.get(d.get("chain_end") or "")  # a task id: its IRI (no literal, no dangling link)
                if end is not None:
                    rows.append((chain_end, end))
            elif is_theme:
                rows.append((in_scheme, ()))
            provenance(rows, d, str(n) if is_doc else None)

            edges = []
            for v, kd in succ[n].items():
                if v in iri:
                    for k, ed in kd.items():
                        t = ed.get("type", k)
                        if t in emaps:
                            edges.append((order[t], str(v), str(k), v, t, ed))
            if len(edges) > 1:
                edges.sort(key=lambda e: e[:3])
            qualified = []
            for _o, _sv, _sk, v, t, ed in edges:
                if t not in reverse:
                    o = iri[v]
                    rows.append((direct[t], o))
                    for sl in also[t]:
                        rows.append((sl, o))
                if t in qual_head:
                    qualified.append((v, t, ed))
            if scan_in:
                back = sorted((order[t], str(u), str(k), u, t) for u, kd in pred[n].items() if u in iri
                              for k, ed in kd.items() for t in (ed.get("type", k),) if t in reverse)
                for *_key, u, t in back:
                    o = iri[u]
                    rows.append((direct[t], o))
                    for sl in also[t]:
                        rows.append((sl, o))
            yield s, rows

            if not qualified:
                continue
            tail = s[lb:].split("/", 1)[1]
            for v, t, ed in qualified:
                o = iri[v]
                cls, a, b, const = qual_head[t]
                if t in _ROLE:
                    dig = digest.get(n)
                    if dig is None:
                        dig = digest[n] = hashlib.sha1(tail.encode("utf-8")).hexdigest()[:12]
                    q = f"{base}mandate/{o[lb:].split('/', 1)[1]}/{_ROLE[t]}/{dig}"
                elif t == "IN_THEME":
                    q = f"{base}theme-assignment/{tail}/{o[lb:].split('/', 1)[1]}"
                else:
                    q = f"{base}link/{_LINK_KIND[t]}/{tail}/{o[lb:].split('/', 1)[1]}"
                qrows = [(cls, ()), (a, s), (b, o)]
                if const is not None:
                    qrows.append((const, ()))
                _prop_rows(qrows, ed, eprops[t])
                provenance(qrows, ed)
                yield q, qrows

    themes = by_label.get("Theme")
    if themes:
        yield from _group(_scheme_triples(iris, {str(n)[3:] for n in themes}), slots)


def _group(triples: Iterable[Triple], slots: _Slots) -> Iterator[Record]:
    """Records of triples, one per run of triples with the same subject."""
    current, rows = None, []
    row = slots.row
    for s, p, o in triples:
        if s != current:
            if rows:
                yield current, rows
            current, rows = s, []
        rows.append(row(p, o))
    if rows:
        yield current, rows


def iter_triples(g: nx.MultiDiGraph, base: str = DEFAULT_BASE) -> Iterator[Triple]:
    """Every triple of the graph's RDF, in a stable order (the order of the files).

    Subjects and predicates are IRI strings; an object is an IRI string or a
    :class:`Lit`. Nodes whose label is not in the schema, and edges whose
    type is not, are skipped (the schema is the contract).

    Raises
    ------
    MandateGraphError
        The base IRI is not absolute, or two node ids mint the same IRI.
    """
    slots = _Slots()
    for s, rows in _records(g, base, slots):
        yield from slots.triples(s, rows)


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
        s = scheme if s_key == "scheme" else iris.node(theme_id(s_key), "Theme")
        if kind == "iri":
            if o != "scheme" and o not in keys:
                continue
            yield s, p, scheme if o == "scheme" else iris.node(theme_id(o), "Theme")
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

def ntriples_line(t: Triple) -> str:
    """One N-Triples line (with its newline).

    >>> ntriples_line(("http://ex/s", "http://ex/p", Lit('say "hi"\\n', "zh")))
    '<http://ex/s> <http://ex/p> "say \\\\"hi\\\\"\\\\n"@zh .\\n'
    """
    sl, v = _LINE_SLOTS.row(t[1], t[2])
    return f"<{t[0]}> " + _LINE_SLOTS.nt[sl] % v


_LINE_SLOTS = _Slots()  # one slot per predicate and kind of object: the vocabulary bounds it


class _Files:
    """Output files written by a background thread, which also hashes them.

    The main thread renders text and encodes it; writing and SHA-256 release
    the GIL, so they overlap the rendering. The queue is bounded: memory
    stays at a few chunks whatever the size of the graph.
    """

    def __init__(self, paths: dict[str, Path]):
        self.paths = paths
        self.files = {}
        try:
            for k, p in paths.items():
                self.files[k] = open(p, "wb")
        except OSError:
            for f in self.files.values():
                f.close()
            raise
        self.sha = {k: hashlib.sha256() for k in paths}
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.thread = threading.Thread(target=self._run, name="rdf-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is None:
                k, data = item
                try:
                    self.sha[k].update(data)
                    self.files[k].write(data)
                except BaseException as exc:  # noqa: BLE001 -- handed to the main thread
                    self.error = exc

    def put(self, k: str, data) -> None:
        """Queue text (str) or bytes (any buffer) for the file of format ``k``."""
        if self.error is not None:
            raise self.error
        self.queue.put((k, data.encode("utf-8") if isinstance(data, str) else data))

    def close(self) -> dict[str, str]:
        """Finish writing; return the SHA-256 of each file (hex) by format."""
        self.queue.put(None)
        self.thread.join()
        for f in self.files.values():
            f.close()
        if self.error is not None:
            raise self.error
        return {k: h.hexdigest() for k, h in self.sha.items()}


class _Writer:
    """Renders batches of records into every format asked for."""

    def __init__(self, slots: _Slots, paths: dict[str, Path], graph_iri: str | None = None):
        unknown = set(paths) - set(FORMATS)
        if unknown:
            raise ValueError(f"unknown RDF format(s) {sorted(unknown)}; expected {', '.join(FORMATS)}")
        self.slots = slots
        self.formats = set(paths)
        self.quads = " <" + check_iri(graph_iri, "graph IRI") + "> .\n" if "nq" in paths and graph_iri else None
        if "nq" in paths and self.quads is None:
            raise ValueError("N-Quads need a graph IRI")
        self.files = _Files(paths)
        self.triples = 0
        self._json_started = False
        if "ttl" in paths:
            self.files.put("ttl", "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()))
        if "jsonld" in paths:
            self.files.put("jsonld", '{"@context": ' + json.dumps(PREFIXES) + ',\n "@graph": [')

    def put(self, fmt: str, data) -> None:
        """Queue text or bytes for one format. JSON-LD node objects each come after ``",\n"``."""
        if fmt == "jsonld" and not self._json_started and len(data):
            # the first node object comes after "[" and a newline, not a comma
            data = data[1:] if isinstance(data, (str, bytes)) else memoryview(data)[1:]
            self._json_started = True
        self.files.put(fmt, data)

    def write(self, batch: list[Record]) -> None:
        if not batch:
            return
        self.triples += sum([len(rows) for _s, rows in batch])
        if "nt" in self.formats or "nq" in self.formats:
            t = self.slots.nt
            text = "".join([h + t[sl] % v for s, rows in batch for h in ("<" + s + "> ",) for sl, v in rows])
            if "nt" in self.formats:
                self.put("nt", text)
            if "nq" in self.formats:
                # Every line ends " .\n" and nothing else can (literals escape their newlines).
                self.put("nq", text.replace(" .\n", self.quads))
        if "ttl" in self.formats:
            t = self.slots.ttl
            self.put("ttl", "".join(["\n<" + s + "> " + " ;\n    ".join([t[sl] % v for sl, v in rows]) + " .\n"
                                     for s, rows in batch]))
        if "jsonld" in self.formats:
            keys, vals = self.slots.jkey, self.slots.jval
            nodes = []
            for s, rows in batch:
                groups: dict[str, list[str]] = {}
                for sl, v in rows:
                    k = keys[sl]
                    x = vals[sl] % v
                    same = groups.get(k)
                    if same is None:
                        groups[k] = [x]
                    else:
                        same.append(x)
                nodes.append(',\n{"@id": "' + s + '", ' + ", ".join([k + ": [" + ", ".join(xs) + "]"
                                                                       for k, xs in groups.items()]) + "}")
            self.put("jsonld", "".join(nodes))

    def close(self) -> dict[str, str]:
        if "jsonld" in self.formats:
            self.files.put("jsonld", "\n]}\n")
        return self.files.close()


def _write(records: Iterable[Record], slots: _Slots, paths: dict[str, Path], graph_iri: str | None = None,
           batch: int = 2000) -> tuple[int, dict[str, str]]:
    """Write records in batches; return the triple count and each format's SHA-256."""
    w = _Writer(slots, paths, graph_iri)
    try:
        chunk: list[Record] = []
        for r in records:
            chunk.append(r)
            if len(chunk) >= batch:
                w.write(chunk)
                chunk = []
        w.write(chunk)
    finally:
        sums = w.close()
    return w.triples, sums


def _paths(nt, ttl, jsonld, nq) -> dict[str, Path]:
    return {k: Path(p) for k, p in (("ttl", ttl), ("nt", nt), ("jsonld", jsonld), ("nq", nq)) if p is not None}


def write_graph(source: nx.MultiDiGraph | str | Path, base: str = DEFAULT_BASE, *, nt: str | Path | None = None,
                ttl: str | Path | None = None, jsonld: str | Path | None = None, nq: str | Path | None = None,
                graph_iri: str | None = None) -> int:
    """Write the RDF of a graph or a build folder in any of the formats in one pass; return the number of triples.

    The same triples as :func:`iter_triples`, without building them: a graph
    is written record by record (in :func:`iter_triples`' order), a build
    folder (``OUT`` or ``OUT/tables``) column by column from its tables
    (:mod:`~mandategraph.graph.rdf_columns`), with no graph in memory.
    ``graph_iri`` names the graph of the N-Quads (required with ``nq``).
    """
    paths = _paths(nt, ttl, jsonld, nq)
    if not isinstance(source, nx.Graph):
        from .rdf_columns import write_tables_rdf

        return write_tables_rdf(source, base, paths, graph_iri)[0]
    slots = _Slots()
    return _write(_records(source, base, slots), slots, paths, graph_iri)[0]


def write_rdf(triples: Iterable[Triple], *, nt: str | Path | None = None, ttl: str | Path | None = None,
              jsonld: str | Path | None = None, nq: str | Path | None = None, graph_iri: str | None = None) -> int:
    """Write triples as N-Triples, Turtle, JSON-LD and/or N-Quads in one streaming pass; return their number.

    Turtle uses our prefixes for vocabulary terms and full IRIs for resources
    (local names like ``task/…/0001`` would need backslash escapes); JSON-LD
    is compacted by an ``@context`` of the same prefixes. Triples with the
    same subject in a row share one Turtle block and one JSON-LD node.
    """
    slots = _Slots()
    return _write(_group(triples, slots), slots, _paths(nt, ttl, jsonld, nq), graph_iri)[0]


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


def parse_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """Formats from a list or a comma-separated string, checked, in :data:`FORMATS` order.

    >>> parse_formats("nq,nt"), parse_formats(["jsonld", "ttl"])
    (('nt', 'nq'), ('ttl', 'jsonld'))
    """
    from ..errors import MandateGraphError

    items = formats.split(",") if isinstance(formats, str) else [x for f in formats for x in str(f).split(",")]
    items = {x.strip().lower().removeprefix("graph.") for x in items if x.strip()}
    items = {{"ntriples": "nt", "n-triples": "nt", "turtle": "ttl", "json-ld": "jsonld", "nquads": "nq",
              "n-quads": "nq"}.get(x, x) for x in items}
    bad = sorted(items - set(FORMATS))
    if bad or not items:
        raise MandateGraphError(f"unknown RDF format {', '.join(bad) or '(none)'}: choose from {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in items)


def export_rdf(source: nx.MultiDiGraph | str | Path, out: str | Path, base: str = DEFAULT_BASE, *,
               formats: str | Sequence[str] = DEFAULT_FORMATS, graph_iri: str | None = None,
               download_url: str | None = None, license: str | None = None, contact: str | None = None,
               publisher: str | None = None) -> ExportResult:
    """Write the graph as RDF into ``out``, with the ontology, the shapes and a DCAT record.

    Files: ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` (the default
    ``formats``) and/or ``graph.nq``, then ``ontology.ttl``, ``shapes.ttl``
    and ``catalog.ttl`` (one dcat:Distribution per other file). A
    ``graph.*`` file of a format not asked for is removed, so the folder and
    its catalog agree.

    Parameters
    ----------
    source : networkx.MultiDiGraph or path
        A graph following :mod:`mandategraph.graph.schema`, or a build folder
        (``OUT`` or ``OUT/tables``): then its Parquet tables are turned into
        RDF column by column (:mod:`~mandategraph.graph.rdf_columns`), with
        no graph in memory, several times faster. Both give the same triples
        for the same data.
    out : path
        Folder to write (created).
    base : str
        Base IRI of every instance IRI.
    formats : str or list of str
        Any of ``ttl``, ``nt``, ``jsonld``, ``nq`` (a list or ``"nt,nq"``).
    graph_iri : str, optional
        The named graph of the N-Quads; default the dataset's IRI in the
        catalog record (``BASE/catalog/dataset``).
    download_url, license, contact, publisher : str, optional
        For the catalog record: where the files will be downloadable (a folder
        URL; each file's dcat:downloadURL is this plus its name), the licence
        IRI, a contact e-mail and the publisher's name.

    Raises
    ------
    MandateGraphError
        A bad base or option IRI, an unknown format, or two node ids minting
        one IRI.
    ReadError
        ``source`` is a folder without tables.
    """
    from .dcat import CatalogOptions, graph_facts, table_facts, write_catalog

    base = check_iri(base, "base IRI")
    base = base if base.endswith(("/", "#")) else base + "/"
    formats = parse_formats(formats)
    options = CatalogOptions(base=base, download_url=download_url, license=license, contact=contact,
                             publisher=publisher)
    options.check()
    if "nq" in formats:
        graph_iri = check_iri(graph_iri, "graph IRI") if graph_iri else Iris(base).catalog("dataset")
    tables = None
    if not isinstance(source, nx.Graph):
        from .tables import tables_of

        tables = tables_of(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}

    paths = {f: out / FORMATS[f] for f in formats}
    for f, name in FORMATS.items():
        if f not in paths and (out / name).is_file():
            (out / name).unlink()
    t0 = time.perf_counter()
    if tables is None:
        slots = _Slots()
        n, sums = _write(_records(source, base, slots), slots, paths, graph_iri)
    else:
        from .rdf_columns import write_tables_rdf

        n, sums = write_tables_rdf(tables, base, paths, graph_iri)
    seconds["graph"] = time.perf_counter() - t0

    for name in ("ontology.ttl", "shapes.ttl"):
        src = data_file(name)
        if src is None:
            from ..errors import ReadError

            raise ReadError(f"mandategraph/data/{name}", "missing from the installed package")
        shutil.copyfile(src, out / name)

    files = [paths[f] for f in formats] + [out / "ontology.ttl", out / "shapes.ttl"]
    t0 = time.perf_counter()
    facts = graph_facts(source) if tables is None else table_facts(tables)
    catalog = write_catalog(facts, files, out / "catalog.ttl", options, triples=n,
                            checksums={paths[f].name: sums[f] for f in formats})
    seconds["catalog"] = time.perf_counter() - t0
    return ExportResult(out, files + [catalog], n, seconds)
