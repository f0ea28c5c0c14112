"""Pushing to and querying real SPARQL servers: Oxigraph (no auth) and Virtuoso (digest auth).

The servers run on free loopback ports from scratch folders and are stopped
after the module (rdf_helpers).
"""
from __future__ import annotations

import pytest
from rdf_helpers import chain_graph, free_port, oxigraph_server, virtuoso_server, write_build  # noqa: F401

from mandategraph.errors import QueryError, StoreError
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.sparql_server import (Auth, Endpoints, default_graph_iri, graph_triple_count, push,
                                              query_endpoint, rdf_payload)

pytestmark = pytest.mark.server

DBA = Auth("dba", "dba", "digest")
TARGET = "https://w3id.org/mandategraph/graph/test"


@pytest.fixture(scope="module")
def payloads(tmp_path_factory):
    root = tmp_path_factory.mktemp("payloads")
    return {"chain": rdf_payload(write_build(chain_graph(), root / "chain")),
            "sample": rdf_payload(write_build(sample_graph(), root / "sample"))}


def _union(*payloads: bytes) -> int:
    return len(set().union(*(p.decode("utf-8").splitlines() for p in payloads)))


def _graphs(url: str, auth=None) -> dict[str, int]:
    _c, rows = query_endpoint(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                              auth=auth)
    return {g: n for g, n in rows if g.startswith("https://w3id.org/mandategraph/")}


def _task_ids(url: str, graph: str) -> list[str]:
    _c, rows = query_endpoint(url, "PREFIX mg: <https://w3id.org/mandategraph/ontology#> "
                                   "PREFIX dcterms: <http://purl.org/dc/terms/> "
                                   "SELECT ?id WHERE { ?t a mg:Task ; dcterms:identifier ?id } ORDER BY ?id",
                              default_graph=graph)
    return [r[0] for r in rows]


# ---------------------------------------------------------------- Oxigraph

def test_push_replace_then_merge_on_oxigraph(oxigraph_server, payloads):  # noqa: F811
    ep = Endpoints.infer(oxigraph_server.store)
    chain, n_chain = payloads["chain"]
    sample, n_sample = payloads["sample"]
    report = push(chain, n_chain, ep, TARGET)
    assert (report.stored, report.method, report.mode) == (n_chain, "new graph", "replace")
    assert _graphs(ep.query) == {TARGET: n_chain}
    # Replace with the smaller sample graph: only its triples remain.
    report = push(sample, n_sample, ep, TARGET)
    assert (report.stored, report.method) == (n_sample, "update")
    assert _graphs(ep.query) == {TARGET: n_sample}  # the staging graph is gone
    assert _task_ids(ep.query, TARGET) == ["T:tz2022:1", "T:wz2019:1", "T:wz2022:1", "T:wz2022:2"]
    # Merge the chain graph in: the union of both.
    assert push(chain, n_chain, ep, TARGET, mode="merge").stored == _union(chain, sample)
    assert _graphs(ep.query) == {TARGET: _union(chain, sample)}


def test_push_with_the_graph_store_protocol_only(oxigraph_server, payloads):  # noqa: F811
    ep = Endpoints.infer(oxigraph_server.store, use_update=False)
    assert ep.update is None
    sample, n = payloads["sample"]
    iri = TARGET + "-gsp"
    assert push(sample, n, ep, iri).method == "new graph"
    assert push(sample, n, ep, iri).method == "graph-store"
    assert push(sample, n, ep, iri, mode="merge").stored == n
    assert graph_triple_count(Endpoints(ep.store), iri) == n  # counted by a Graph Store GET
    assert iri + "-staging" not in "".join(_graphs(ep.query))


def test_named_graph_per_build():
    chain_iri = default_graph_iri(b"<a> <b> <c> .\n")
    assert chain_iri.startswith("https://w3id.org/mandategraph/graph/") and len(chain_iri.rsplit("/", 1)[1]) == 12
    assert default_graph_iri(b"<a> <b> <d> .\n") != chain_iri
    assert default_graph_iri(b"<a> <b> <c> .\n", "https://data.example.org/kg") == \
        "https://data.example.org/kg/graph/" + chain_iri.rsplit("/", 1)[1]


def test_malformed_data_leaves_the_graph_intact_on_oxigraph(oxigraph_server, payloads):  # noqa: F811
    ep = Endpoints.infer(oxigraph_server.store)
    sample, n = payloads["sample"]
    iri = TARGET + "-intact"
    push(sample, n, ep, iri)
    before = _task_ids(ep.query, iri)
    with pytest.raises(StoreError, match="HTTP 400"):
        push(sample + b'<https://x> <https://y> "unterminated .\n', n + 1, ep, iri)
    assert _task_ids(ep.query, iri) == before and graph_triple_count(ep, iri) == n
    assert set(_graphs(ep.query)) >= {iri} and not [g for g in _graphs(ep.query) if "staging" in g]


def test_a_failed_push_into_a_new_graph_leaves_no_graph(oxigraph_server, payloads):  # noqa: F811
    ep = Endpoints.infer(oxigraph_server.store)
    sample, n = payloads["sample"]
    with pytest.raises(StoreError, match="HTTP 400"):
        push(sample + b'<https://x> <https://y> "unterminated .\n', n + 1, ep, TARGET + "-new")
    with pytest.raises(StoreError, match=rf"stored {n} of {n + 1} triples.*left empty as it was"):
        push(sample, n + 1, ep, TARGET + "-new")
    assert graph_triple_count(ep, TARGET + "-new") == 0


def test_a_short_count_leaves_the_graph_intact(oxigraph_server, payloads):  # noqa: F811
    # What a truncating server looks like: fewer triples stored than sent.
    ep = Endpoints.infer(oxigraph_server.store)
    sample, n = payloads["sample"]
    chain, n_chain = payloads["chain"]
    iri = TARGET + "-count"
    push(sample, n, ep, iri)
    with pytest.raises(StoreError, match=rf"stored {n_chain} of {n_chain + 5} triples.*is unchanged"):
        push(chain, n_chain + 5, ep, iri)
    assert graph_triple_count(ep, iri) == n
    assert not [g for g in _graphs(ep.query) if "staging" in g]


def test_query_errors_on_oxigraph(oxigraph_server):  # noqa: F811
    with pytest.raises(QueryError, match="malformed SPARQL"):
        query_endpoint(oxigraph_server.query, "SELEC ?x WHERE { ?x ?y ?z }")
    assert query_endpoint(oxigraph_server.query, "ASK { ?s ?p ?o }") == (["ask"], [[False]])


def test_an_unreachable_endpoint_is_a_clear_error(payloads):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=rf"cannot reach {url}/query: .*Connection refused"):
        query_endpoint(url + "/query", "ASK {}")
    with pytest.raises(StoreError, match=rf"cannot reach {url}/(store|query)"):
        push(*payloads["sample"], Endpoints.infer(url + "/store"), TARGET)


# ---------------------------------------------------------------- Virtuoso

def test_push_with_digest_auth_on_virtuoso(virtuoso_server, payloads):  # noqa: F811
    ep = Endpoints.infer(virtuoso_server.store)
    assert ep.update.endswith("/sparql-auth")
    chain, n_chain = payloads["chain"]
    sample, n_sample = payloads["sample"]
    assert push(chain, n_chain, ep, TARGET, auth=DBA).stored == n_chain
    assert push(sample, n_sample, ep, TARGET, auth=DBA).stored == n_sample
    assert push(chain, n_chain, ep, TARGET, mode="merge", auth=DBA).stored == _union(chain, sample)
    assert _graphs(ep.query) == {TARGET: _union(chain, sample)}


@pytest.mark.parametrize("auth, message", [
    (Auth("dba", "wrong", "digest"), "refused the credentials"),
    (Auth("dba", "dba", "basic"), "refused the credentials"),  # the endpoint takes digest only
    (None, "refused the credentials"),
])
def test_refused_credentials_leave_the_graph_intact_on_virtuoso(virtuoso_server, payloads, auth, message):  # noqa: F811
    ep = Endpoints.infer(virtuoso_server.store)
    sample, n = payloads["sample"]
    chain, n_chain = payloads["chain"]
    iri = TARGET + "-auth"
    push(sample, n, ep, iri, auth=DBA)
    with pytest.raises(StoreError, match=message):
        push(chain, n_chain, ep, iri, auth=auth)
    assert graph_triple_count(ep, iri) == n
    assert _task_ids(ep.query, iri) == ["T:tz2022:1", "T:wz2019:1", "T:wz2022:1", "T:wz2022:2"]


def test_malformed_data_leaves_the_graph_intact_on_virtuoso(virtuoso_server, payloads):  # noqa: F811
    ep = Endpoints.infer(virtuoso_server.store)
    sample, n = payloads["sample"]
    iri = TARGET + "-bad"
    push(sample, n, ep, iri, auth=DBA)
    with pytest.raises(StoreError, match="HTTP 500"):
        push(sample + b'<https://x> <https://y> "unterminated .\n', n + 1, ep, iri, auth=DBA)
    assert graph_triple_count(ep, iri) == n
    assert not [g for g in _graphs(ep.query) if "staging" in g]


def test_query_errors_on_virtuoso(virtuoso_server):  # noqa: F811
    with pytest.raises(QueryError, match="malformed SPARQL: .*syntax error"):
        query_endpoint(virtuoso_server.query, "SELEC ?x WHERE { ?x ?y ?z }")
