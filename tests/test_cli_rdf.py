"""The RDF commands end to end: export rdf, validate, sparql, sparql-push (and query --store oxigraph)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdf_helpers import chain_graph, free_port, oxigraph_server, virtuoso_server, write_build  # noqa: F401

from mandategraph.cli import main

Q_YEARS = ("PREFIX mg: <https://w3id.org/mandategraph/ontology#>\n"
           "SELECT ?year (COUNT(*) AS ?tasks) WHERE { ?t a mg:Task ; mg:year ?year } GROUP BY ?year ORDER BY ?year")


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture(scope="module")
def chain_build(tmp_path_factory) -> Path:
    return write_build(chain_graph(), tmp_path_factory.mktemp("cli") / "out")


def test_export_rdf_writes_the_files_and_says_so(capsys, chain_build, tmp_path):
    code, out, _ = run(capsys, "export", "rdf", "--graph", str(chain_build), "--out", str(tmp_path / "rdf"),
                       "--license", "https://creativecommons.org/licenses/by/4.0/", "--contact", "a@b.cn",
                       "--download-url", "https://data.example.gov.cn/mg/")
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"\d+ triples \([\d,]+ triples/s\) written to .*/rdf/", lines[0])
    assert [line.split()[0] for line in lines[1:7]] == ["graph.ttl", "graph.nt", "graph.jsonld", "ontology.ttl",
                                                        "shapes.ttl", "catalog.ttl"]
    assert lines[7] == f"check it: mandategraph validate {tmp_path / 'rdf'}"
    code, out, _ = run(capsys, "validate", str(tmp_path / "rdf"))
    assert code == 0
    assert out.splitlines() == [next(line for line in out.splitlines() if line.startswith("conforms"))]
    assert out.startswith("conforms: 0 violation(s), 0 warning(s) on ")


def test_validate_fails_with_lines_and_status_1(capsys, chain_build, tmp_path):
    g = chain_graph()
    del g.nodes["T:wz2024:1"]["year"]
    from mandategraph.graph.rdf_export import export_rdf

    export_rdf(g, tmp_path)
    code, out, _ = run(capsys, "validate", str(tmp_path), "--no-warnings")
    assert code == 1
    assert out.splitlines() == [
        "Violation  Task T:wz2024:1  mg:year: needs exactly one mg:year, an integer plan year",
        out.splitlines()[-1]]
    assert out.splitlines()[-1].startswith("does not conform: 1 violation(s), 7 warning(s)")


def test_validate_a_folder_that_is_not_an_export(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 1 and err.startswith(f"Error: {tmp_path}: not an RDF export folder")


def test_export_with_a_bad_base_is_a_clean_error(capsys, chain_build, tmp_path):
    code, _, err = run(capsys, "export", "rdf", "--graph", str(chain_build), "--out", str(tmp_path),
                       "--base", "example.org/kg")
    assert (code, err) == (1, "Error: base IRI 'example.org/kg' is not absolute (expected e.g. https://example.org/…)\n")


def test_sparql_on_the_build_in_each_format(capsys, chain_build):
    code, out, _ = run(capsys, "sparql", "--graph", str(chain_build), Q_YEARS)
    assert (code, out) == (0, "year  tasks\n----  -----\n2019  2\n2022  3\n2024  3\n")
    _, out, _ = run(capsys, "sparql", "--graph", str(chain_build), Q_YEARS, "--format", "csv")
    assert out == "year,tasks\n2019,2\n2022,3\n2024,3\n"
    _, out, _ = run(capsys, "sparql", "--graph", str(chain_build), Q_YEARS, "-f", "json")
    assert json.loads(out) == [{"year": 2019, "tasks": 2}, {"year": 2022, "tasks": 3}, {"year": 2024, "tasks": 3}]


def test_sparql_from_a_file_with_a_parameter(capsys, chain_build, tmp_path):
    f = tmp_path / "q.sparql"
    f.write_text("PREFIX mg: <https://w3id.org/mandategraph/ontology#>\n"
                 "SELECT (COUNT(*) AS ?n) WHERE { ?t a mg:Task ; mg:year $year }", encoding="utf-8")
    code, out, _ = run(capsys, "sparql", "--graph", str(chain_build), f"@{f}", "-p", "year=2024", "-f", "csv")
    assert (code, out) == (0, "n\n3\n")


def test_a_malformed_query_is_a_clean_error(capsys, chain_build):
    code, _, err = run(capsys, "sparql", "--graph", str(chain_build), "SELECT ?t WHERE { ?t a ?c . FILTR(?t) }")
    assert code == 1
    assert err.startswith("Error: malformed SPARQL: error at 1:")
    assert "\n    SELECT ?t WHERE { ?t a ?c . FILTR(?t) }\n" in err


def test_an_unreachable_endpoint_is_a_clean_error(capsys):
    url = f"http://127.0.0.1:{free_port()}/query"
    code, _, err = run(capsys, "sparql", "--endpoint", url, "ASK {}")
    assert code == 1 and err.startswith(f"Error: cannot reach {url}: ") and "refused" in err


def test_query_library_on_the_embedded_sparql_store(capsys, chain_build):
    unit = ["-p", "unit=市大数据局", "-p", "jurisdiction=温州市"]
    code, cypher, _ = run(capsys, "query", "unit_tasks", *unit, "--graph", str(chain_build), "-f", "json")
    code2, sparql, _ = run(capsys, "query", "unit_tasks", *unit, "--graph", str(chain_build),
                           "--store", "oxigraph", "-f", "json")
    assert code == code2 == 0
    assert json.loads(sparql) == json.loads(cypher) and len(json.loads(sparql)) == 4


def test_the_first_sparql_question_on_a_build_says_the_store_is_being_loaded(capsys, tmp_path):
    build = write_build(chain_graph(), tmp_path / "out")
    code, _, err = run(capsys, "sparql", "--graph", str(build), Q_YEARS)
    assert code == 0
    assert re.fullmatch(r"loading the embedded SPARQL store .*sparql\.oxigraph from the tables \(\d+ MB of Parquet; "
                        r"once, until the tables change: ~8 minutes for a national build\)\n", err)
    code, _, err = run(capsys, "query", "co_leads", "-p", "jurisdiction=温州市", "--graph", str(build),
                       "--store", "oxigraph")
    assert (code, err) == (0, "")  # loaded already


@pytest.mark.parametrize("command", [["export", "rdf"], ["validate"], ["sparql"], ["sparql-push"]])
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0 and out.startswith("Usage: mandategraph ")


# ---------------------------------------------------------------- servers

@pytest.mark.server
def test_push_then_query_on_oxigraph(capsys, chain_build, oxigraph_server):  # noqa: F811
    code, out, _ = run(capsys, "sparql-push", "--endpoint", oxigraph_server.store, "--graph", str(chain_build))
    assert code == 0
    m = re.fullmatch(r"pushed (\d+) triples \(.*\) to <(\S+)> in [\d.]+ s \([\d,]+ triples/s\), into a new "
                     r"graph; the graph holds (\d+) triples", out.splitlines()[0])
    assert m and m.group(1) == m.group(3)
    iri = m.group(2)
    assert re.fullmatch(r"https://w3id.org/mandategraph/graph/[0-9a-f]{12}", iri)
    assert out.splitlines()[1] == (f"query it: mandategraph sparql --endpoint {oxigraph_server.query} "
                                   f"--graph-iri {iri} \"…\"")
    code, out, _ = run(capsys, "sparql", "--endpoint", oxigraph_server.query, "--graph-iri", iri, Q_YEARS,
                       "-f", "csv")
    assert (code, out) == (0, "year,tasks\n2019,2\n2022,3\n2024,3\n")
    # The same build again: the graph holds data now, so it goes through a staging graph.
    code, out, _ = run(capsys, "sparql-push", "--endpoint", oxigraph_server.store, "--graph", str(chain_build))
    assert code == 0 and ", replace through a staging graph and SPARQL Update; the graph holds " in out


@pytest.mark.server
def test_push_an_export_folder_to_virtuoso_and_a_wrong_password(capsys, chain_build, virtuoso_server,  # noqa: F811
                                                                  tmp_path):
    run(capsys, "export", "rdf", "--graph", str(chain_build), "--out", str(tmp_path / "rdf"))
    args = ["sparql-push", "--endpoint", virtuoso_server.store, "--graph", str(tmp_path / "rdf"),
            "--graph-iri", "https://example.org/graph/latest", "--user", "dba", "--auth", "digest"]
    code, out, _ = run(capsys, *args, "--password", "dba")
    assert code == 0 and "; the graph holds " in out
    # The catalog record went along with the graph.
    code, out, _ = run(capsys, "sparql", "--endpoint", virtuoso_server.query, "--graph-iri",
                       "https://example.org/graph/latest", "-f", "csv",
                       "ASK { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    assert out == "ask\nTrue\n"
    code, _, err = run(capsys, *args, "--password", "wrong")
    assert code == 1 and err.startswith("Error: PUT ") and "refused the credentials" in err


def test_user_without_password_is_a_usage_error(capsys, chain_build):
    code, _, err = run(capsys, "sparql-push", "--endpoint", "http://127.0.0.1:1/store", "--graph", str(chain_build),
                       "--user", "dba")
    assert code == 2 and "--user and --password go together" in err
