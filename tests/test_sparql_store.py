"""The embedded SPARQL store: parameters, results, the three engines, the store kept beside a build."""
from __future__ import annotations

import os
import time

import pytest
from rdf_helpers import chain_graph, write_build

from mandategraph.errors import QueryError, UnknownNameError
from mandategraph.graph import tables
from mandategraph.graph.rdf_export import iter_triples, ntriples_line
from mandategraph.graph.sparql_store import (STORE_KINDS, ensure_store, load_store,
                                             run_library_query, run_sparql, store_path, substitute)
from mandategraph.queries.library import list_queries

PREFIX = "PREFIX mg: <https://w3id.org/mandategraph/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"


@pytest.fixture(scope="module")
def chain_nt() -> bytes:
    return "".join(ntriples_line(t) for t in iter_triples(chain_graph())).encode("utf-8")


@pytest.fixture(scope="module")
def stores(chain_nt):
    return {kind: load_store(chain_nt, kind) for kind in STORE_KINDS}


def test_parameters_become_escaped_literals():
    text = "SELECT * WHERE { ?u mg:name ?n FILTER (STR(?n) = $unit) } LIMIT $limit"
    hostile = 'x") } ; DROP ALL ; SELECT * { ("'
    assert substitute(text, {"unit": hostile, "limit": 3}) == (
        'SELECT * WHERE { ?u mg:name ?n FILTER (STR(?n) = "x\\") } ; DROP ALL ; SELECT * { (\\"") } LIMIT 3')


def test_a_hostile_parameter_stays_a_value(stores):
    q = PREFIX + "SELECT ?id WHERE { ?t a mg:Task ; dcterms:identifier ?id FILTER (STR(?id) = $id) }"
    for store in stores.values():
        assert store.query(q, {"id": 'T:wz2019:1" || true || "'}) == (["id"], [])
        assert store.query(q, {"id": "T:wz2019:1"}) == (["id"], [["T:wz2019:1"]])


def test_results_are_python_values(stores):
    q = PREFIX + """SELECT ?id ?year ?score ?deadline ?missing WHERE {
        ?l a mg:TaskLink ; mg:linkFrom ?t ; mg:score ?score . ?t dcterms:identifier ?id ; mg:year ?year .
        OPTIONAL { ?t mg:deadline ?deadline } OPTIONAL { ?t mg:nothing ?missing }
    } ORDER BY ?id ?score"""
    expected = (["id", "year", "score", "deadline", "missing"],
                [["T:tz2022:1", 2022, 0.6, "2022-12-31", None],
                 ["T:wz2019:1", 2019, 0.61, "2019-12-31", None], ["T:wz2019:2", 2019, 0.5, "2019-06-30", None],
                 ["T:wz2022:1", 2022, 0.4, "2022-12-31", None], ["T:wz2022:1", 2022, 0.7, "2022-12-31", None],
                 ["T:wz2022:1", 2022, 0.83, "2022-12-31", None], ["T:wz2022:2", 2022, 0.55, "2022-12-31", None]])
    for kind, store in stores.items():
        assert store.query(q) == expected, kind


def test_ask_gives_one_boolean(stores):
    for store in stores.values():
        assert store.query(PREFIX + "ASK { ?t a mg:Task }") == (["ask"], [[True]])


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_malformed_and_unsupported_queries_are_query_errors(stores, kind):
    with pytest.raises(QueryError, match="malformed SPARQL"):
        stores[kind].query("SELEC ?x WHERE { ?x ?y ?z }")
    with pytest.raises(QueryError):
        stores[kind].query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


def test_malformed_query_points_at_the_place():
    store = load_store(b"", "oxigraph")
    with pytest.raises(QueryError) as info:
        store.query("SELECT ?t\nWHERE { ?t a ?c . FILTR(?t) }")
    assert "\n    WHERE { ?t a ?c . FILTR(?t) }\n" in str(info.value)


def test_unknown_store_kind_lists_the_known():
    with pytest.raises(UnknownNameError, match="known: oxigraph, oxrdflib, rdflib"):
        load_store(b"", "sqlite")


def test_the_three_engines_answer_every_library_query_alike(stores):
    params = {"unit_tasks": {"unit": "市大数据局", "jurisdiction": "温州市"},
              "shares_work_with": {"unit": "市疫情防控办", "jurisdiction": "温州市"},
              "jurisdiction_year_tasks": {"jurisdiction": "温州市", "year": 2024},
              "task_status": {"jurisdiction": "温州市", "from_year": 2022, "to_year": 2024},
              "tasks_citing": {"title": "条例"}, "co_leads": {"jurisdiction": "温州市"},
              "themes_by_year": {"jurisdiction": "温州市"}, "tasks_without_lead": {"jurisdiction": "温州市"},
              "deadlines_by_month": {"jurisdiction": "温州市"}}
    nonempty = 0
    for q in list_queries("sparql"):
        answers = {k: run_library_query(q.name, params.get(q.name), store=s) for k, s in stores.items()}
        assert answers["oxrdflib"] == answers["oxigraph"], q.name
        assert answers["rdflib"] == answers["oxigraph"], q.name
        nonempty += bool(answers["oxigraph"][1])
    assert nonempty == len(list_queries("sparql"))  # the chain graph gives every query rows


def test_the_store_of_a_build_is_kept_and_rebuilt_when_its_tables_change(tmp_path):
    build = write_build(chain_graph(), tmp_path / "out")
    path = ensure_store(build)
    assert path == store_path(build) and (path / "mandategraph-stamp.json").is_file()
    stamp = (path / "mandategraph-stamp.json").stat().st_mtime_ns
    assert ensure_store(build) == path
    assert (path / "mandategraph-stamp.json").stat().st_mtime_ns == stamp  # not rebuilt
    q = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?t a mg:Task }"
    assert run_sparql(build, q) == (["n"], [[8]])
    # A graph with one task fewer, written over the tables: the next query sees it.
    g = chain_graph()
    g.remove_node("T:wz2024:3")
    time.sleep(0.01)
    write_build(g, build)
    assert run_sparql(build, q) == (["n"], [[7]])
    assert not [p for p in os.listdir(build) if p.startswith(".sparql")]  # no scratch left behind


def test_the_store_of_a_build_holds_its_triples_without_loading_its_graph(tmp_path, monkeypatch):
    g = chain_graph()
    build = write_build(g, tmp_path / "out")

    def no_graph(*_a, **_kw):
        raise AssertionError("the graph was loaded")

    monkeypatch.setattr(tables, "load_graph", no_graph)
    monkeypatch.setattr(tables, "graph_from_frames", no_graph)
    stored = load_store(b"".join(ntriples_line(t).encode("utf-8") for t in iter_triples(g)))
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    assert run_sparql(build, q) == stored.query(q)
