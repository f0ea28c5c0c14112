"""The RDF export at scale: straight from a build's tables, any set of formats, N-Quads.

The tables path (``export_rdf(folder, …)``, graph/rdf_columns.py) and the
graph path (``export_rdf(graph, …)``, records) are two writers of one
mapping: every test here holds them to the same triples, on the seed build
and on a graph made of the hard cases (escapes, control characters, ids that
need percent-encoding, lists with empty items, every kind of deadline).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyoxigraph as ox
import pytest
from rdf_helpers import chain_graph, write_build
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS

from mandategraph.errors import MandateGraphError, ReadError
from mandategraph.graph.rdf_export import FORMATS, export_rdf, iter_triples, parse_formats, write_graph, write_rdf
from mandategraph.graph.rdf_vocab import MG, SPDX
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.tables import load_graph

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

B = "https://w3id.org/mandategraph/"
DCAT = "http://www.w3.org/ns/dcat#"  # a string: pytest's look at rdflib's DCAT namespace object warns
ALL = ("ttl", "nt", "jsonld", "nq")
_OX = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
       "nq": ox.RdfFormat.N_QUADS}
TRICKY_TEXT = 'a "quote", a back\\slash,\na newline\r, a\ttab, a bell\x07 and \x1f, 中文 and \u2028'


def triples(path: Path) -> set[str]:
    """The triples of an export file, as N-Triples terms (a quad loses its graph)."""
    fmt = _OX[path.suffix[1:]]
    return {str(ox.Triple(t.subject, t.predicate, t.object)) for t in ox.parse(path=str(path), format=fmt)}


def tricky_graph():
    """The chain graph plus the cases a column-wise writer can get wrong."""
    g = chain_graph()
    prov = {"document": "D:wz2022", "span_start": 3, "span_end": 9}
    g.add_node("T:wz2022:9", label="Task", text=TRICKY_TEXT, year=2022, jurisdiction="温州市", document="D:wz2022",
               source="prose", path=["一", "（二）", ""], marker="", deadline_raw="长期坚持", deadline="ongoing",
               status="new", span_start=3, span_end=9)
    g.add_node("T:wz2022:10", label="Task", text="年底前\t完成", year=2022, jurisdiction="温州市",
               document="D:nowhere", source="table", path=[], marker="2", deadline_raw="年底前", deadline="年底前", status="",
               span_start=0, span_end=0)
    g.add_edge("D:wz2022", "T:wz2022:9", key="CONTAINS", type="CONTAINS", **prov)
    odd = "U:330300:市委/市政府 办公室:100%(督查)"  # a slash, a space, a colon, a percent sign
    g.add_node(odd, label="Unit", name="市委市政府办公室", aliases=["", "两办", 'the "office"'],
               names_by_year=["2019:市委办", ""], kind="group", jurisdiction="温州市", is_group=1, **prov)
    g.add_edge(odd, "J:330300", key="BELONGS_TO", type="BELONGS_TO", **prov)
    g.add_edge(odd, "T:wz2022:9", key="LEADS", type="LEADS", raw='市委/市政府"办公室"', role_word="牵头",
               evidence="（牵头单位：市委/市政府办公室\n等）", implied_others=1, **prov)
    g.add_edge("U:330300:市疫情防控办", "T:wz2022:10", key="ASSISTS", type="ASSISTS", raw="", role_word="",
               evidence="", implied_others=0, document="", span_start=0, span_end=0)
    g.add_edge("U:330300:市疫情防控办", odd, key="MEMBER_OF", type="MEMBER_OF", **prov)
    g.add_edge("T:wz2022:9", "Th:epidemic", key="IN_THEME", type="IN_THEME", score=1e-05, triggers=["", "防控"],
               **prov)
    g.add_edge("T:wz2022:9", "T:wz2022:10", key="DETAILS", type="DETAILS", score=0.30000000000000004, **prov)
    g.nodes["D:wz2022"]["dates"] = ["2022-03-01", "2022年3月", ""]
    # Derived properties (graph/derived.py); the second chain end names no task (an edited table).
    g.nodes["T:wz2022:9"].update(chain_before=0, chain_after=1, chain_end="T:wz2022:10", similar_jurisdictions=2)
    g.nodes["T:wz2022:10"].update(chain_before=1, chain_after=0, chain_end="T:gone", similar_jurisdictions=0)
    return g


@pytest.fixture(scope="module")
def tricky_build(tmp_path_factory) -> Path:
    return write_build(tricky_graph(), tmp_path_factory.mktemp("tricky") / "out")


@pytest.mark.parametrize("build", ["seed_build", "tricky_build"])
def test_tables_and_graph_give_the_same_triples_in_every_format(build, request, tmp_path):
    folder = request.getfixturevalue(build)
    from_tables = export_rdf(folder, tmp_path / "t", formats=ALL)
    from_graph = export_rdf(load_graph(folder), tmp_path / "g", formats=ALL)
    reference = triples(tmp_path / "g" / "graph.nt")
    assert from_tables.triples == from_graph.triples == len(reference)
    for fmt in ALL:
        assert triples(tmp_path / "t" / FORMATS[fmt]) == reference, fmt
        assert triples(tmp_path / "g" / FORMATS[fmt]) == reference, fmt
    assert len(reference) > (15_000 if build == "seed_build" else 400)


def test_text_survives_the_column_escapes(tricky_build, tmp_path):
    export_rdf(tricky_build, tmp_path, formats="nt,jsonld")
    json.loads((tmp_path / "graph.jsonld").read_text("utf-8"))  # strict: no raw control character in a string
    for name, fmt in (("graph.nt", "nt"), ("graph.jsonld", "json-ld")):
        g = Graph().parse(tmp_path / name, format=fmt)
        assert {str(o) for o in g.objects(URIRef(B + "task/wz2022/9"), MG.text)} == {TRICKY_TEXT}, name
    ids = set(Graph().parse(tmp_path / "graph.nt", format="nt").subjects(DCTERMS.identifier, None))
    # ':' splits segments; '/', ' ', '%', '(' are percent-encoded.
    assert URIRef(B + "unit/330300/%E5%B8%82%E5%A7%94%2F%E5%B8%82%E6%94%BF%E5%BA%9C%20%E5%8A%9E%E5%85%AC%E5%AE%A4"
                  "/100%25%28%E7%9D%A3%E6%9F%A5%29") in ids


def test_tables_export_is_the_same_bytes_every_time(seed_build, tmp_path):
    export_rdf(seed_build, tmp_path / "a", formats=ALL)
    export_rdf(seed_build, tmp_path / "b", formats=ALL)
    for fmt in ALL:
        name = FORMATS[fmt]
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("source", ["graph", "tables"])
def test_nquads_hold_the_triples_in_one_named_graph(source, seed_build, tmp_path):
    src = load_graph(seed_build) if source == "graph" else seed_build
    export_rdf(src, tmp_path / "default", formats="nt,nq")
    export_rdf(src, tmp_path / "named", formats="nq", graph_iri="https://data.example.gov.cn/graph/2026")
    nt = Graph().parse(tmp_path / "default" / "graph.nt", format="nt")
    for folder, name in (("default", B + "catalog/dataset"), ("named", "https://data.example.gov.cn/graph/2026")):
        ds = Dataset()
        ds.parse(tmp_path / folder / "graph.nq", format="nquads")
        graphs = {str(c.identifier) for c in ds.graphs() if len(c)}
        assert graphs == {name}
        assert set(ds.graph(URIRef(name))) == set(nt)


def test_only_the_formats_asked_for_are_written_and_catalogued(seed_build, tmp_path):
    export_rdf(seed_build, tmp_path)  # the default three
    assert {p.name for p in tmp_path.glob("graph.*")} == {"graph.ttl", "graph.nt", "graph.jsonld"}
    result = export_rdf(seed_build, tmp_path, formats=["nq", "nt"])
    assert [f.name for f in result.files] == ["graph.nt", "graph.nq", "ontology.ttl", "shapes.ttl", "catalog.ttl"]
    assert {p.name for p in tmp_path.glob("graph.*")} == {"graph.nt", "graph.nq"}  # no stale Turtle, JSON-LD
    cat = Graph().parse(tmp_path / "catalog.ttl", format="turtle")
    dists = {str(cat.value(d, DCTERMS.title)): d for d in cat.objects(None, URIRef(DCAT + "distribution"))}
    assert set(dists) == {"graph.nt", "graph.nq", "ontology.ttl", "shapes.ttl"}
    assert str(cat.value(dists["graph.nq"], URIRef(DCAT + "mediaType"))).endswith("/application/n-quads")
    # Checksums computed while writing are the files' checksums.
    for name, dist in dists.items():
        value = str(cat.value(cat.value(dist, SPDX.checksum), SPDX.checksumValue))
        assert value == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest(), name


def test_an_nquads_only_export_validates(seed_build, tmp_path):
    from mandategraph.graph.validate import validate

    export_rdf(seed_build, tmp_path, formats="nq", license="https://creativecommons.org/licenses/by/4.0/",
               contact="open@example.gov.cn", download_url="https://data.example.gov.cn/mg/")
    report = validate(tmp_path)
    assert report.conforms and report.triples > 15_000


@pytest.mark.parametrize("make", [sample_graph, chain_graph, tricky_graph])
def test_the_fast_writer_writes_what_iter_triples_yields(make, tmp_path):
    g = make()
    n = write_graph(g, nt=tmp_path / "f.nt", ttl=tmp_path / "f.ttl", jsonld=tmp_path / "f.jsonld")
    m = write_rdf(iter_triples(g), nt=tmp_path / "r.nt", ttl=tmp_path / "r.ttl", jsonld=tmp_path / "r.jsonld")
    assert n == m == len(list(iter_triples(g)))
    for ext in ("nt", "ttl", "jsonld"):
        assert (tmp_path / f"f.{ext}").read_bytes() == (tmp_path / f"r.{ext}").read_bytes(), ext


def test_formats_are_checked():
    assert parse_formats("NQ, turtle") == ("ttl", "nq")
    with pytest.raises(MandateGraphError, match="unknown RDF format rdfxml"):
        parse_formats("nt,rdfxml")
    with pytest.raises(MandateGraphError, match="unknown RDF format"):
        parse_formats("")


def test_derived_task_properties_are_exported_and_a_chain_end_only_when_it_is_a_task(tricky_build, tmp_path):
    export_rdf(tricky_build, tmp_path, formats="nt")
    g = Graph().parse(tmp_path / "graph.nt", format="nt")
    t9, t10 = URIRef(B + "task/wz2022/9"), URIRef(B + "task/wz2022/10")
    assert list(g.objects(t9, MG.chainEnd)) == [t10]
    assert [o.toPython() for o in g.objects(t9, MG.chainAfter)] == [1]
    assert [o.toPython() for o in g.objects(t9, MG.similarJurisdictions)] == [2]
    assert [o.toPython() for o in g.objects(t10, MG.chainBefore)] == [1]
    assert list(g.objects(t10, MG.chainEnd)) == []  # "T:gone" is no task: no link to nowhere


def test_two_ids_minting_one_iri_is_an_error_from_tables_too(tmp_path):
    g = sample_graph()
    g.add_node("330300", label="Jurisdiction", name="重复", level="city", code="", parent_code="")
    folder = write_build(g, tmp_path / "out")
    with pytest.raises(MandateGraphError, match="mint the same IRI"):
        export_rdf(folder, tmp_path / "rdf")


def test_a_folder_without_tables_is_a_clear_error(tmp_path):
    with pytest.raises(ReadError, match="not a built graph folder"):
        export_rdf(tmp_path, tmp_path / "rdf")


def test_rows_where_every_part_is_null_keep_their_place():
    # pyarrow's skip drops such rows; the writer must not lose or shift a subject.
    from mandategraph.graph.rdf_columns import _join_skip

    a = pa.array([None, "x", None], pa.string())
    b = pa.array([None, None, "y"], pa.string())
    assert _join_skip([a, b], ", ", 3).to_pylist() == ["", "x", "y"]
    assert _join_skip(["K", a, b], ", ", 3).to_pylist() == ["K", "K, x", "K, y"]


def test_cli_export_formats_and_graph_iri(tmp_path, seed_build, capsys):
    from mandategraph.cli import main

    def run(*args):
        try:
            main(list(args))
        except SystemExit as exc:
            return exc.code or 0
        return 0

    code = run("export", "rdf", "--graph", str(seed_build), "--out", str(tmp_path / "rdf"), "--format", "nt",
               "-f", "nq", "--graph-iri", "https://data.example.gov.cn/graph/x")
    out = capsys.readouterr().out
    assert code == 0
    assert re.match(r"\d+ triples \([\d,]+ triples/s\) written to ", out)
    assert [line.split()[0] for line in out.splitlines()[1:6]] == ["graph.nt", "graph.nq", "ontology.ttl",
                                                                   "shapes.ttl", "catalog.ttl"]
    assert "<https://data.example.gov.cn/graph/x> ." in (tmp_path / "rdf" / "graph.nq").read_text("utf-8")[:2000]
    assert run("export", "rdf", "--graph", str(seed_build), "--out", str(tmp_path / "x"), "-f", "xml") == 2
    assert "unknown RDF format xml" in capsys.readouterr().err
    assert run("export", "rdf", "--graph", str(seed_build), "--out", str(tmp_path / "y"),
               "--graph-iri", "https://e.org/g") == 2
    assert "goes with --format nq" in capsys.readouterr().err
