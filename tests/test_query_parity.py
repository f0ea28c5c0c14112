"""Every Cypher question of the query library and its SPARQL twin give the same rows.

Cypher runs on the embedded LadybugDB store; SPARQL on the embedded Oxigraph
store and, marked ``server``, on a real Oxigraph server and a real Virtuoso
loaded with ``sparql-push``. Rows are compared in order (every query orders
by all its columns). Two graphs: the seed build (the real answers) and
``chain_graph`` (chains, branches, ongoing deadlines, templates: what the
seed lacks), with parameters taken from each graph's own data.
"""
from __future__ import annotations

import pytest
from rdf_helpers import chain_graph, oxigraph_server, parity_cases, virtuoso_server, write_build  # noqa: F401

from mandategraph.queries.library import list_queries, run_query
from mandategraph.graph.sparql_store import run_library_query

NAMES = [q.name for q in list_queries("cypher")]


@pytest.fixture(scope="module")
def builds(seed_build, tmp_path_factory):
    from mandategraph.graph.tables import load_graph

    chain = write_build(chain_graph(), tmp_path_factory.mktemp("parity") / "chain")
    return {"seed": (seed_build, load_graph(seed_build)), "chain": (chain, chain_graph())}


def test_every_cypher_question_has_a_sparql_twin_with_the_same_header():
    cypher = {q.name: q for q in list_queries("cypher")}
    sparql = {q.name: q for q in list_queries("sparql")}
    assert sorted(sparql) == sorted(cypher)
    for name, q in cypher.items():
        assert (sparql[name].description, sparql[name].params) == (q.description, q.params), name


_CYPHER: dict = {}


def _cypher(label, folder, name, params):
    # LadybugDB opens the database per query (~0.1 s): each answer is computed
    # once and compared with every SPARQL store.
    key = (label, name, tuple(sorted(params.items())))
    if key not in _CYPHER:
        _CYPHER[key] = run_query(name, params, folder)
    return _CYPHER[key]


def _mismatches(builds, name, answer):
    out, cases = [], 0
    for label, (folder, g) in builds.items():
        for qname, params in parity_cases(g):
            if qname != name:
                continue
            cases += 1
            expected = _cypher(label, folder, name, params)
            got = answer(label, folder, name, params)
            if got != expected:
                out.append((label, params, expected, got))
    return out, cases


@pytest.mark.parametrize("name", NAMES)
def test_embedded_sparql_answers_as_cypher(builds, name):
    bad, cases = _mismatches(builds, name, lambda _l, folder, n, p: run_library_query(n, p, graph_dir=folder))
    assert cases >= 2
    assert bad == []


def test_the_comparison_sees_rows(builds):
    # Guard against a parity that holds because both sides answer nothing.
    rows = {name: 0 for name in NAMES}
    for _label, (folder, g) in builds.items():
        for name, params in parity_cases(g):
            rows[name] += len(_cypher(_label, folder, name, params)[1])
    assert all(n > 0 for n in rows.values()), rows


# ---------------------------------------------------------------- on real servers

@pytest.fixture(scope="module")
def pushed(builds, oxigraph_server, virtuoso_server):  # noqa: F811
    """Each graph pushed to each server; -> {server: (query URL, {graph label: graph IRI})}."""
    from mandategraph.graph.sparql_server import Auth, Endpoints, push, rdf_payload

    servers = {"oxigraph": (oxigraph_server, None), "virtuoso": (virtuoso_server, Auth("dba", "dba", "digest"))}
    out = {}
    for sname, (server, auth) in servers.items():
        endpoints = Endpoints.infer(server.store)
        iris = {}
        for label, (folder, _g) in builds.items():
            payload, triples = rdf_payload(folder)
            iri = f"https://w3id.org/mandategraph/graph/parity-{label}"
            report = push(payload, triples, endpoints, iri, auth=auth)
            assert report.stored == triples
            iris[label] = iri
        out[sname] = (endpoints.query, iris)
    return out


@pytest.mark.server
@pytest.mark.parametrize("server", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("name", NAMES)
def test_sparql_on_a_server_answers_as_cypher(builds, pushed, server, name):
    url, iris = pushed[server]
    bad, cases = _mismatches(builds, name, lambda label, _f, n, p: run_library_query(
        n, p, endpoint=url, default_graph=iris[label]))
    assert cases >= 2
    assert bad == []
