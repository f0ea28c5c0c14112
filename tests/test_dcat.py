"""The DCAT catalog record, checked against the official DCAT-AP 3.0.1 shapes (tests/data/dcat-ap-3.0.1)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from mandategraph.errors import MandateGraphError
from mandategraph.graph.dcat import CatalogOptions, catalog_graph, division_points
from mandategraph.graph.rdf_export import export_rdf
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.validate import load_rdf, validate_graph

DCAT_AP = Path(__file__).parent / "data" / "dcat-ap-3.0.1"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"

# Known gaps against the DCAT-AP *recommended* shapes, with the reason.
# Every other recommended property of the classes we use is present.
KNOWN_GAPS = {
    # A county has no sub-divisions in the GB/T 2260 table we have, so there
    # is nothing to draw a box around; its seat is given as dcat:centroid.
    ("dcat:bbox", "https://w3id.org/mandategraph/place/370103"),  # 济南市市中区
    ("dcat:bbox", "https://w3id.org/mandategraph/place/510321"),  # 荣县
}


@pytest.fixture(scope="module")
def export_dir(seed_graph, tmp_path_factory, monkeypatch_module) -> Path:
    monkeypatch_module.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    out = tmp_path_factory.mktemp("dcat") / "rdf"
    export_rdf(seed_graph, out, license="https://creativecommons.org/licenses/by/4.0/",
               contact="open@example.gov.cn", download_url="https://data.example.gov.cn/mandategraph/",
               publisher="某市大数据发展管理局")
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def catalog(export_dir) -> Graph:
    return Graph().parse(export_dir / "catalog.ttl", format="turtle")


def _dcat_ap(catalog: Graph, name: str):
    return validate_graph(catalog, load_rdf([DCAT_AP / name]), [name])


def test_record_passes_dcat_ap_mandatory_shapes(catalog):
    report = _dcat_ap(catalog, "shapes.ttl")
    assert report.lines() == []


def test_record_passes_dcat_ap_range_shapes(catalog):
    report = _dcat_ap(catalog, "range.ttl")
    assert report.lines() == []


def test_record_passes_dcat_ap_recommended_shapes_but_the_known_gaps(catalog):
    report = _dcat_ap(catalog, "shapes_recommended.ttl")
    gaps = {(i.path, i.focus.split("<")[1].rstrip(">")) for i in report.issues}
    assert gaps == KNOWN_GAPS


def test_the_official_shapes_do_catch_a_missing_mandatory_property(catalog):
    broken = Graph()
    for t in catalog:
        broken.add(t)
    broken.remove((URIRef("https://w3id.org/mandategraph/catalog"), DCTERMS.publisher, None))
    for d in broken.subjects(RDF.type, URIRef(DCAT + "Distribution")):
        broken.remove((d, URIRef(DCAT + "accessURL"), None))
        break
    lines = _dcat_ap(broken, "shapes.ttl").lines()
    assert len(lines) == 2
    assert "dcterms:publisher" in lines[0] + lines[1] and "dcat:accessURL" in lines[0] + lines[1]


def test_mandatory_properties_by_hand(catalog):
    """An independent check of DCAT-AP's mandatory properties, without SHACL."""
    q = lambda text: list(catalog.query("PREFIX dcat: <http://www.w3.org/ns/dcat#> "  # noqa: E731
                                        "PREFIX dcterms: <http://purl.org/dc/terms/> "
                                        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> " + text))
    assert q("ASK { ?c a dcat:Catalog ; dcterms:title ?t ; dcterms:description ?d ; dcterms:publisher ?p ;"
             " dcat:dataset ?ds . ?p foaf:name ?n }")[0]
    assert q("ASK { ?d a dcat:Dataset ; dcterms:title ?t ; dcterms:description ?x }")[0]
    assert not q("ASK { ?d a dcat:Distribution FILTER NOT EXISTS { ?d dcat:accessURL ?u } }")[0]


def test_one_distribution_per_file_with_size_checksum_and_url(catalog, export_dir):
    rows = catalog.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?title ?size ?sum ?url ?media ?format WHERE {
          ?ds dcat:distribution ?d . ?d dcterms:title ?title ; dcat:byteSize ?size ; dcat:downloadURL ?url ;
             dcat:mediaType ?media ; dcterms:format ?format ; spdx:checksum [ spdx:checksumValue ?sum ] }""")
    got = {str(r.title): (int(r.size), str(r.sum), str(r.url), str(r.media), str(r.format).rsplit("/", 1)[1])
           for r in rows}
    media = {".ttl": ("text/turtle", "RDF_TURTLE"), ".nt": ("application/n-triples", "RDF_N_TRIPLES"),
             ".jsonld": ("application/ld+json", "JSON_LD")}
    expected = {}
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "ontology.ttl", "shapes.ttl"):
        data = (export_dir / name).read_bytes()
        m, f = media[Path(name).suffix]
        expected[name] = (len(data), hashlib.sha256(data).hexdigest(),
                          f"https://data.example.gov.cn/mandategraph/{name}",
                          f"https://www.iana.org/assignments/media-types/{m}", f)
    assert got == expected


def test_coverage_comes_from_the_data(catalog, seed_graph):
    years = sorted({d["year"] for _n, d in seed_graph.nodes(data=True) if d["label"] == "Document"})
    codes = sorted({seed_graph.nodes[u]["code"] for u, _v, k in seed_graph.edges(keys=True) if k == "ISSUED"})
    start = catalog.value(URIRef("https://w3id.org/mandategraph/catalog/temporal"), URIRef(DCAT + "startDate"))
    end = catalog.value(URIRef("https://w3id.org/mandategraph/catalog/temporal"), URIRef(DCAT + "endDate"))
    assert (str(start), str(end)) == (f"{years[0]}-01-01", f"{years[-1]}-12-31")
    places = sorted(str(catalog.value(p, DCTERMS.identifier))
                    for p in catalog.objects(URIRef("https://w3id.org/mandategraph/catalog/dataset"),
                                             DCTERMS.spatial))
    assert places == codes
    wz = URIRef("https://w3id.org/mandategraph/place/330300")
    lon, lat = division_points()["330300"]
    assert str(catalog.value(wz, URIRef(DCAT + "centroid"))) == f"POINT({lon:.6f} {lat:.6f})"
    assert str(catalog.value(wz, URIRef(DCAT + "bbox"))).startswith("POLYGON((")


def test_options_appear_in_the_record(catalog):
    ds = URIRef("https://w3id.org/mandategraph/catalog/dataset")
    contact = catalog.value(ds, URIRef(DCAT + "contactPoint"))
    assert str(catalog.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"))) == \
        "mailto:open@example.gov.cn"
    pub = catalog.value(ds, DCTERMS.publisher)
    assert catalog.value(pub, URIRef("http://xmlns.com/foaf/0.1/name")) == Literal("某市大数据发展管理局")
    lic = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (URIRef("https://w3id.org/mandategraph/catalog"), DCTERMS.license, lic) in catalog
    assert str(catalog.value(lic, DCTERMS.type)) == "http://purl.org/adms/licencetype/Attribution"
    assert str(catalog.value(URIRef("https://w3id.org/mandategraph/catalog"), DCTERMS.issued)) == "2026-01-01"


def test_without_options_the_record_is_still_valid_with_warnings(tmp_path):
    out = export_rdf(sample_graph(), tmp_path).folder
    from mandategraph.graph.validate import validate

    report = validate(out)
    assert report.conforms
    messages = sorted({i.message for i in report.warnings})
    assert "has no licence (export with --license URL)" in messages
    assert "has no contact point (export with --contact EMAIL)" in messages
    assert "has no dcat:downloadURL (export with --download-url URL)" in messages
    official = validate_graph(load_rdf([out / "catalog.ttl"]), load_rdf([DCAT_AP / "shapes.ttl"]))
    assert official.lines() == []


@pytest.mark.parametrize("options, message", [
    (CatalogOptions(download_url="data.example.org/x"), "--download-url"),
    (CatalogOptions(license="not a url"), "--license"),
    (CatalogOptions(contact="nobody"), "--contact"),
])
def test_bad_options_are_clear_errors(options, message, tmp_path):
    with pytest.raises(MandateGraphError, match=message):
        catalog_graph(sample_graph(), [], options)
