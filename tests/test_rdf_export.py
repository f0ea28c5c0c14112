"""The RDF export: mapping, IRIs, formats and the round trip (graph -> RDF -> graph)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdf_helpers import chain_graph
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS

from mandategraph.errors import MandateGraphError
from mandategraph.graph.rdf_export import Lit, export_rdf, graph_to_rdf, iter_triples, ntriples_line
from mandategraph.graph.rdf_read import graph_from_rdf, label_counts
from mandategraph.graph.rdf_vocab import MG, Iris
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.schema import EDGES, NODES, STRINGS, edge_spec, node_spec

# A term outside a closed namespace must fail, not mint a bad IRI (rdflib's
# DCAT and TIME only warn, so the warning is made an error here).
pytestmark = [pytest.mark.filterwarnings("error:Code.*is not defined in namespace"),
              pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")]

B = "https://w3id.org/mandategraph/"
XSD = "http://www.w3.org/2001/XMLSchema#"
INT, DATE, DOUBLE = XSD + "integer", XSD + "date", XSD + "double"
CITY = "%E5%B8%82%E7%96%AB%E6%83%85%E9%98%B2%E6%8E%A7%E5%8A%9E"  # 市疫情防控办, percent-encoded


@pytest.fixture(scope="module")
def seed_export(seed_graph, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rdf") / "export"
    export_rdf(seed_graph, out, contact="open@example.gov.cn",
               license="https://creativecommons.org/licenses/by/4.0/", download_url="https://data.example.gov.cn/mg/")
    return out


def test_task_and_its_mandate_are_mapped_whole():
    # The mandate's last segment is a digest of its unit (mg:unit names the unit).
    task, mandate = f"{B}task/wz2022/2", f"{B}mandate/wz2022/2/lead/03d6bce1fe4f"
    triples = {t for t in iter_triples(sample_graph()) if t[0] in (task, mandate)}
    assert triples == {
        (task, str(RDF.type), str(MG.Task)),
        (task, str(DCTERMS.identifier), Lit("T:wz2022:2")),
        (task, str(MG.text), Lit("统筹做好疫情防控信息发布", "zh")),
        (task, str(MG.year), Lit("2022", None, INT)),
        (task, str(MG.jurisdictionName), Lit("温州市", "zh")),
        (task, str(MG.sourceKind), Lit("table")),
        (task, str(MG.sectionPath), Lit("1")),
        (task, str(MG.marker), Lit("1")),
        (task, str(MG.deadlineText), Lit("12月底前", "zh")),
        (task, str(MG.deadline), Lit("2022-12-31", None, DATE)),
        # Derived at build time (graph/derived.py): no CONTINUES into or out of it, no SIMILAR_TO.
        (task, str(MG.chainBefore), Lit("0", None, INT)),
        (task, str(MG.chainAfter), Lit("0", None, INT)),
        (task, str(MG.chainEnd), task),
        (task, str(MG.similarJurisdictions), Lit("0", None, INT)),
        (task, str(MG.jurisdiction), f"{B}jurisdiction/330300"),
        (task, str(PROV.wasDerivedFrom), f"{B}document/wz2022"),
        (task, str(MG.spanStart), Lit("0", None, INT)),
        (task, str(MG.spanEnd), Lit("12", None, INT)),
        (task, str(DCTERMS.subject), f"{B}theme/epidemic"),
        (mandate, str(RDF.type), str(MG.Mandate)),
        (mandate, str(MG.unit), f"{B}unit/330300/{CITY}"),
        (mandate, str(MG.task), task),
        (mandate, str(MG.role), str(MG.lead)),
        (mandate, str(MG.raw), Lit("市疫情防控办", "zh")),
        (mandate, str(PROV.wasDerivedFrom), f"{B}document/wz2022"),
        (mandate, str(MG.spanStart), Lit("0", None, INT)),
        (mandate, str(MG.spanEnd), Lit("0", None, INT)),
    }
    assert (f"{B}theme-assignment/wz2022/2/epidemic", str(MG.score), Lit("1", None, DOUBLE)) in set(
        iter_triples(sample_graph()))


def test_every_edge_type_has_its_direct_triple():
    g = graph_to_rdf(sample_graph())
    U = lambda s: __import__("rdflib").URIRef(B + s)  # noqa: E731
    wz, tz = U("jurisdiction/330300"), U("jurisdiction/331000")
    assert (U("document/wz2022"), DCTERMS.publisher, wz) in g  # ISSUED
    assert (U("document/wz2022"), DCTERMS.hasPart, U("task/wz2022/1")) in g  # CONTAINS
    assert (U(f"unit/330300/{CITY}"), MG.leads, U("task/wz2022/2")) in g  # LEADS
    assert (wz, ORG.subOrganizationOf, U("jurisdiction/330000")) in g  # PART_OF
    bd = U("unit/331000/%E5%B8%82%E5%A4%A7%E6%95%B0%E6%8D%AE%E5%8F%91%E5%B1%95%E7%AE%A1%E7%90%86%E5%B1%80")
    group = U("unit/331000/%E5%B8%82%E7%BA%A7%E6%9C%89%E5%85%B3%E5%8D%95%E4%BD%8D")
    assert (bd, ORG.unitOf, tz) in g and (bd, ORG.subOrganizationOf, tz) in g  # BELONGS_TO
    assert (group, MG.assists, U("task/tz2022/1")) in g  # ASSISTS
    assert (group, ORG.hasMember, bd) in g  # MEMBER_OF
    assert (U("task/tz2022/1"), DCTERMS.references, U("instrument/1")) in g  # CITES
    assert (U("task/wz2019/1"), MG.continues, U("task/wz2022/1")) in g  # CONTINUES
    assert (U("task/wz2022/1"), MG.similarTo, U("task/tz2022/1")) in g  # SIMILAR_TO


def test_labels_are_chinese_and_jurisdictions_carry_their_code():
    g = graph_to_rdf(sample_graph())
    labels = [o for s in g.subjects(RDF.type, MG.Unit) for o in g.objects(s, SKOS.prefLabel)]
    assert labels and all(o.language == "zh" for o in labels)
    from rdflib import URIRef

    wz = URIRef(B + "jurisdiction/330300")
    assert set(g.predicate_objects(wz)) >= {
        (SKOS.prefLabel, Literal("温州市", lang="zh")),
        (ORG.identifier, Literal("330300", datatype=MG.gbt2260)),
        (RDF.type, ORG.Organization),
    }


def test_base_is_configurable_and_ids_become_safe_distinct_segments():
    iris = Iris("https://data.example.gov.cn/kg")
    assert iris.node("J:330300", "Jurisdiction") == "https://data.example.gov.cn/kg/jurisdiction/330300"
    assert iris.node("U:330300:a/b", "Unit") == "https://data.example.gov.cn/kg/unit/330300/a%2Fb"
    assert iris.node("U:330300:a:b", "Unit") == "https://data.example.gov.cn/kg/unit/330300/a/b"
    assert iris.node("U:330300:市委宣传部(市新闻办)", "Unit").endswith(
        "/%E5%B8%82%E5%A7%94%E5%AE%A3%E4%BC%A0%E9%83%A8%28%E5%B8%82%E6%96%B0%E9%97%BB%E5%8A%9E%29")
    subjects = {t[0] for t in iter_triples(sample_graph(), "https://data.example.gov.cn/kg/")}
    assert all(s.startswith("https://data.example.gov.cn/kg/") for s in subjects)


@pytest.mark.parametrize("base", ["example.org/kg", "https://example.org/a b/", "https://example.org/<x>/"])
def test_a_bad_base_is_a_clear_error(base, tmp_path):
    with pytest.raises(MandateGraphError, match="base IRI"):
        export_rdf(sample_graph(), tmp_path, base)


def test_two_ids_minting_one_iri_is_an_error():
    g = sample_graph()
    g.add_node("330300", label="Jurisdiction", name="重复", level="city", code="", parent_code="")
    with pytest.raises(MandateGraphError, match="mint the same IRI"):
        list(iter_triples(g))


def test_iris_are_stable_across_runs_and_when_a_document_is_added(tmp_path):
    first = export_rdf(sample_graph(), tmp_path / "a").folder
    again = export_rdf(sample_graph(), tmp_path / "b").folder
    for name in ("graph.nt", "graph.ttl", "graph.jsonld"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    # Adding a document (chain_graph is the sample plus a 2024 plan) changes
    # no existing IRI: every node keeps the IRI it had, and so does every
    # qualified relation.
    def iris(g):
        ids = {t[0]: t[2].lex for t in iter_triples(g) if t[1] == str(DCTERMS.identifier)}
        qualified = {t[0] for t in iter_triples(g) if t[1] == str(RDF.type) and t[2] in (
            str(MG.Mandate), str(MG.ThemeAssignment), str(MG.TaskLink))}
        return {v: k for k, v in ids.items()}, qualified

    old_nodes, old_qualified = iris(sample_graph())
    new_nodes, new_qualified = iris(chain_graph())
    assert {k: new_nodes[k] for k in old_nodes} == old_nodes
    assert old_qualified < new_qualified


def test_literals_are_escaped_for_ntriples():
    line = ntriples_line(("http://ex/s", "http://ex/p", Lit('a "quote"\\ and\nnew line\r', "zh")))
    assert line == '<http://ex/s> <http://ex/p> "a \\"quote\\"\\\\ and\\nnew line\\r"@zh .\n'
    g = Graph().parse(data=line, format="nt")
    assert str(next(iter(g))[2]) == 'a "quote"\\ and\nnew line\r'


def test_the_three_formats_hold_the_same_triples(seed_export):
    import pyoxigraph as ox

    sets = {}
    for name, fmt in (("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE),
                      ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        sets[name] = {str(t) for t in ox.parse(path=str(seed_export / name), format=fmt)}
    assert sets["graph.nt"] == sets["graph.ttl"] == sets["graph.jsonld"]
    # rdflib reads the compact JSON-LD (its @context of prefixes) the same way.
    assert len(Graph().parse(seed_export / "graph.jsonld", format="json-ld")) == len(sets["graph.nt"])


def test_there_are_no_blank_nodes(seed_export):
    text = (seed_export / "graph.nt").read_text(encoding="utf-8")
    assert not re.search(r"(^|\s)_:", text)


@pytest.mark.parametrize("fmt", ["graph.nt", "graph.ttl", "graph.jsonld"])
def test_round_trip_keeps_the_count_of_every_label_and_edge_type(seed_graph, seed_export, fmt):
    back = graph_from_rdf(seed_export / fmt)
    counts = label_counts(seed_graph)
    assert label_counts(back) == counts
    assert counts["Task"] > 200 and counts["LEADS"] > 300  # the seed build, not an empty graph


def _norm(value, type_):
    return sorted(value) if type_ == STRINGS else value


def test_round_trip_keeps_node_properties_and_qualified_edge_properties(tmp_path):
    g = chain_graph()
    out = export_rdf(g, tmp_path).folder
    back = graph_from_rdf(out / "graph.nt")
    assert set(back.nodes) == set(g.nodes)
    # The derived task properties (graph/derived.py) are not exported yet: the SPARQL
    # twins compute them from the edges. Drop this exception once the export carries them.
    from mandategraph.graph.derived import DERIVED_TASK_PROPERTIES

    for n, d in g.nodes(data=True):
        spec = node_spec(d["label"])
        props = {k: t for k, t in spec.properties.items() if k != "id" and k not in DERIVED_TASK_PROPERTIES}
        assert {k: _norm(d.get(k), t) for k, t in props.items()} == \
               {k: _norm(back.nodes[n].get(k), t) for k, t in props.items()}, n
    assert set(back.edges(keys=True)) == set(g.edges(keys=True))
    for u, v, k, d in g.edges(keys=True, data=True):
        if k in ("LEADS", "ASSISTS", "IN_THEME", "CONTINUES", "SIMILAR_TO", "DETAILS"):
            spec = edge_spec(k)
            assert {p: _norm(d.get(p), t) for p, t in spec.properties.items()} == \
                   {p: _norm(back.edges[u, v, k].get(p), t) for p, t in spec.properties.items()}, (u, v, k)


def test_label_counts_cover_the_whole_schema():
    assert set(label_counts(sample_graph())) == {n.label for n in NODES} | {e.type for e in EDGES}


def test_mg_namespace_and_ontology_declare_the_same_terms():
    from mandategraph.graph.rdf_export import data_file

    onto = Graph().parse(data_file("ontology.ttl"), format="turtle")
    declared = {str(s)[len(str(MG._NS)):] for s in onto.subjects() if str(s).startswith(str(MG._NS))}
    assert declared == set(MG.__annotations__)
    with pytest.raises(AttributeError):
        MG.leadz  # noqa: B018  -- a typo fails


def test_rdflib_vocabularies_are_held_closed_here():
    from rdflib.namespace import DCAT

    with pytest.raises(UserWarning):
        DCAT.distributon  # noqa: B018


def test_export_writes_every_file(seed_export):
    names = sorted(p.name for p in seed_export.iterdir())
    assert names == ["catalog.ttl", "graph.jsonld", "graph.nt", "graph.ttl", "ontology.ttl", "shapes.ttl"]
    # The Turtle uses our prefixes, not full IRIs everywhere.
    head = (seed_export / "graph.ttl").read_text(encoding="utf-8")[:2000]
    assert "@prefix mg: <https://w3id.org/mandategraph/ontology#> ." in head
