"""The guard on query texts (graph/guard.py): each bypass a review found is refused now, and the
legitimate query beside it still passes. (End to end, through the command line: test_cli_edges.py.)"""
from __future__ import annotations

import pytest

from mandategraph.errors import QueryError
from mandategraph.graph.guard import _service_in_parse, check_cypher, check_sparql, substitute_sparql


@pytest.fixture()
def root(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "in.csv").write_text("a\n1\n", encoding="utf-8")
    return out


def refused(query: str, root) -> bool:
    try:
        check_cypher(query, root)
    except QueryError as exc:
        assert "--allow-external" in str(exc)
        return True
    return False


# ---------------------------------------------------------------- 1. EXPLAIN / PROFILE, anywhere

@pytest.mark.parametrize("query", [
    "PROFILE COPY (MATCH (t:Task) RETURN t.id) TO '/tmp/x.csv'",
    "profile /* a comment */ INSTALL httpfs",
    "EXPLAIN\n  ATTACH '/tmp/x.lbug' AS x (dbtype lbug)",
    "PROFILE LOAD EXTENSION json",
    "PROFILE LOAD json",
    "EXPLAIN UNINSTALL json",
    "PROFILE EXPORT DATABASE '/tmp/x'",
    "RETURN 1 AS x; // a comment that ends at a carriage return\r COPY Task TO '/tmp/x.csv'",
    "MATCH (t:Task) RETURN t.id UNION ALL CALL { COPY Task TO '/tmp/x.csv' } RETURN 1",
])
def test_a_clause_after_explain_or_profile_or_anywhere_is_refused(query, root):
    assert refused(query, root)


@pytest.mark.parametrize("query", [
    "PROFILE MATCH (t:Task) RETURN count(*) AS n",
    "EXPLAIN LOAD FROM '{root}/in.csv' RETURN *",
    "WITH 1 AS load RETURN load",
    "WITH 2 AS copy RETURN copy + 1 AS install",
    "MATCH (n:Copy)-[:LOAD]->(m) RETURN n.attach, m.install, $export",
    "RETURN {load: 1, copy: 2} AS m",
    "MATCH (`copy`) RETURN `copy`",
    "RETURN 'PROFILE COPY Task TO /tmp/x' AS s // INSTALL httpfs",
    "CALL show_tables() RETURN *",
])
def test_names_strings_and_comments_are_not_clauses(query, root):
    assert not refused(query.replace("{root}", str(root)), root)


# ---------------------------------------------------------------- 2. COPY: every source, and TO

def test_copy_to_and_every_source_inside_a_copy_are_checked(root):
    assert refused(f"COPY (LOAD FROM '{root}/in.csv' RETURN *) TO '/tmp/evil3.csv'", root)
    assert refused(f"COPY (MATCH (t:Task) RETURN t.id) TO '{root}/x.csv'", root)  # any COPY … TO writes
    assert refused("COPY Task FROM (LOAD FROM '/etc/passwd' RETURN *)", root)
    assert refused("COPY Task FROM (MATCH (t) CALL { LOAD FROM '/etc/passwd' RETURN * } RETURN t)", root)
    assert refused(f"COPY Task FROM ['{root}/in.csv', '/etc/passwd']", root)
    assert refused("COPY Task FROM $file", root)
    # Files inside the build folder stay allowed.
    assert not refused(f"COPY Task FROM '{root}/in.csv'", root)
    assert not refused(f"COPY Task(id, text) FROM ['{root}/in.csv', '{root}/./in.csv'] (header=true)", root)
    assert not refused(f"COPY Task FROM (LOAD FROM '{root}/in.csv' RETURN *)", root)
    assert not refused("COPY Task FROM (MATCH (t:Task) RETURN t.id)", root)


# ---------------------------------------------------------------- 3. paths: ~, variables, globs, URLs

def test_home_is_expanded_and_a_doubtful_path_is_refused(root, monkeypatch):
    monkeypatch.setenv("HOME", str(root.parent))
    assert not refused("LOAD FROM '~/out/in.csv' RETURN *", root)  # ~ is expanded, as LadybugDB does
    assert refused("LOAD FROM '~/s.csv' RETURN *", root)
    monkeypatch.setenv("HOME", "/elsewhere")
    assert refused("LOAD FROM '~/out/in.csv' RETURN *", root)
    for path in ("~nobody-here/x.csv", "$HOME/out/in.csv", "out/*.csv", f"{root}/*.csv", f"{root}/in.cs?",
                 f"{root}/[i]n.csv", "http://127.0.0.1/x.csv", "https://example.org/x.csv", "s3://bucket/x.csv",
                 f"file://{root}/in.csv", "gs:bucket/x", f"{root}\\in.csv", "", f"{root}/../in.csv"):
        assert refused(f"LOAD FROM '{path}' RETURN *", root), path
    # Settings that move where a relative or ~ path is looked for.
    assert refused("CALL file_search_path='/etc'", root)
    assert refused("CALL HOME_DIRECTORY = '/tmp'; LOAD FROM '~/out/in.csv' RETURN *", root)
    assert not refused("CALL threads=2", root)


def test_a_symbolic_link_out_of_the_build_is_refused(root, tmp_path):
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    (root / "link.csv").symlink_to(tmp_path / "secret.csv")
    assert refused(f"LOAD FROM '{root}/link.csv' RETURN *", root)


# ---------------------------------------------------------------- 4. SPARQL long strings, comments

SERVICE = "SERVICE <http://127.0.0.1:9/sparql> { ?a ?b ?c }"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { BIND('''x\\'''' AS ?z) " + SERVICE + " BIND('y' AS ?w) }",
    'SELECT * WHERE { BIND("""x\\"""" AS ?z) ' + SERVICE + ' BIND("y" AS ?w) }',
    "SELECT * WHERE { # a comment ends at a carriage return\r" + SERVICE + " }",
    "SELECT * WHERE { OPTIONAL { SERVICE SILENT ?endpoint { ?a ?b ?c } } }",
    "select * { service <http://127.0.0.1:9/> { ?a ?b ?c } }",
])
def test_sparql_service_is_found_after_escapes_and_comments(query):
    with pytest.raises(QueryError, match="SERVICE"):
        check_sparql(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { BIND('''it's '' SERVICE <http://x/> {}''' AS ?z) }",
    'SELECT * WHERE { BIND("""a "quote" and "" SERVICE <http://x/>""" AS ?z) }',
    'SELECT ?s WHERE { BIND("SERVICE <http://example.org/>" AS ?s) } # SERVICE <http://x>',
    "SELECT ?service WHERE { ?service a <http://www.w3.org/ns/sparql-service-description#Service> }",
])
def test_sparql_without_service_is_allowed(query):
    check_sparql(query)


def test_rdflib_parse_finds_a_nested_service():
    assert _service_in_parse("SELECT * { ?s ?p ?o OPTIONAL { { SERVICE <http://x/s> { ?a ?b ?c } } } }") == "<http://x/s>"
    assert _service_in_parse("SELECT * { ?s ?p 'SERVICE <http://x/s> {}' }") is None
    assert _service_in_parse("not sparql at all") is None


# ---------------------------------------------------------------- 5. parameters

def test_parameters_are_replaced_only_where_they_are_variables():
    hostile = "} SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } {"
    text = 'SELECT * WHERE { ?s ?p "$x" . ?s ?q <http://x/$x> . ?s ?r $x } # $x'
    out = substitute_sparql(text, {"x": hostile})
    assert out == ('SELECT * WHERE { ?s ?p "$x" . ?s ?q <http://x/$x> . ?s ?r "} SERVICE <http://127.0.0.1:9/> '
                   '{ ?a ?b ?c } {" } # $x')
    check_sparql(out)  # the value is one literal: no SERVICE
    quotes = substitute_sparql("SELECT * { ?s ?p $x }", {"x": "a\"b'c\\\n"})
    assert quotes == 'SELECT * { ?s ?p "a\\"b\\\'c\\\\\\n" }'
    assert substitute_sparql("SELECT * { ?s ?p $j@zh ; ?q $n ; ?r $other }", {"j": "温州市", "n": 3}) == (
        'SELECT * { ?s ?p "温州市"@zh ; ?q 3 ; ?r $other }')
    assert substitute_sparql("SELECT * { ?s ?p $x }", {"x": float("inf")}) == (
        'SELECT * { ?s ?p "INF"^^<http://www.w3.org/2001/XMLSchema#double> }')


def test_a_substituted_text_is_what_is_checked():
    # A value cannot close a string the query opened: "$x" is not replaced at all.
    text = substitute_sparql('SELECT * { ?s ?p "$x" }', {"x": "} SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } {"})
    check_sparql(text)
    assert "SERVICE" not in text
