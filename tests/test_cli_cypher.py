"""The `cypher`, `query` and `neo4j` commands, as a user types them."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mandategraph.cli import cli
from mandategraph.graph.ladybug_store import write_ladybug
from mandategraph.graph.neo4j_store import constraint_statements
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.schema import EDGES, NODES
from mandategraph.graph.tables import write_tables


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "out"
    write_tables(sample_graph(), out / "tables")
    write_ladybug(out / "tables", out / "graph.lbug")
    return out


def invoke(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_main(*args, env=None):
    """The installed entry point in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


LEADS_2022 = ("MATCH (u:Unit)-[:LEADS]->(t:Task) WHERE t.year = $year "
              "RETURN u.name AS unit, t.jurisdiction AS jurisdiction, count(*) AS tasks "
              "ORDER BY tasks DESC, jurisdiction, unit")


def test_cypher_prints_a_table(built):
    assert invoke("cypher", "--graph", str(built), LEADS_2022, "--param", "year=2022") == (
        "unit                jurisdiction  tasks\n"
        "------------------  ------------  -----\n"
        "市大数据发展管理局  台州市        1\n"
        "市大数据发展管理局  温州市        1\n"
        "市疫情防控办        温州市        1\n")


def test_cypher_json_is_an_array_of_objects_keyed_by_the_return_names(built):
    out = invoke("cypher", "-f", "json", "--graph", str(built), LEADS_2022, "-p", "year=2022")
    assert json.loads(out) == [
        {"unit": "市大数据发展管理局", "jurisdiction": "台州市", "tasks": 1},
        {"unit": "市大数据发展管理局", "jurisdiction": "温州市", "tasks": 1},
        {"unit": "市疫情防控办", "jurisdiction": "温州市", "tasks": 1}]
    assert json.loads(invoke("cypher", "-f", "json", "--graph", str(built), LEADS_2022, "-p", "year=1999")) == []


def test_cypher_csv_keeps_lists_as_json(built):
    out = invoke("cypher", "--format", "csv", "--graph", str(built),
                 "MATCH (u:Unit) WHERE u.jurisdiction = '温州市' RETURN u.id AS id, u.aliases AS aliases ORDER BY id")
    assert out == ('id,aliases\n'
                   'U:330300:市大数据发展管理局,"[""市大数据局""]"\n'
                   'U:330300:市疫情防控办,"[""市疫情防控办""]"\n')


def test_query_list_names_every_query_with_its_parameters(built):
    records = list(csv.reader(io.StringIO(invoke("query", "--list", "--format", "csv"))))
    assert records[0] == ["name", "params", "description"]
    assert [r[0] for r in records[1:]] == [
        "co_leads", "continued_chains", "deadlines_by_month", "group_members", "jurisdiction_year_tasks",
        "shares_work_with", "task_status", "tasks_citing", "tasks_without_lead", "template_tasks",
        "themes_by_year", "unit_load", "unit_tasks"]
    assert records[-2] == ["unit_load", 'jurisdiction="", limit=20', "Units ranked by mandate load: tasks led, "
                           "then tasks assisted (units with no mandate left out)."]
    assert records[-1][:2] == ["unit_tasks", "unit, jurisdiction, limit=1000"]


def test_query_runs_a_named_question_with_parameters(built):
    out = invoke("query", "jurisdiction_year_tasks", "-p", "jurisdiction=台州市", "-p", "year=2022",
                 "--graph", str(built), "--format", "json")
    assert json.loads(out) == [
        {"task_id": "T:tz2022:1", "marker": "1", "role": "lead", "unit": "市大数据发展管理局", "deadline": "2022-12-31"},
        {"task_id": "T:tz2022:1", "marker": "1", "role": "assist", "unit": "市级有关单位", "deadline": "2022-12-31"}]


def test_query_says_on_stderr_when_the_limit_cut_the_answer(built):
    proc = run_main("query", "unit_load", "-p", "limit=2", "--graph", str(built), "--format", "csv")
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 1 + 2
    assert proc.stderr == "note: the first 2 rows (the query's limit); -p limit=N for more\n"
    proc = run_main("query", "unit_load", "-p", "limit=20", "--graph", str(built), "--format", "csv")
    assert proc.returncode == 0 and proc.stderr == "" and len(proc.stdout.splitlines()) == 1 + 4


def test_neo4j_statements_prints_constraints_then_every_merge(built):
    out = invoke("neo4j", "statements", "--graph", str(built), "--batch-size", "2")
    assert out.index(constraint_statements()[0]) < out.index("MERGE (n:Jurisdiction {id: row.id})")
    for spec in NODES:
        assert f"MERGE (n:{spec.label} {{id: row.id}})" in out
    for spec in EDGES:
        assert f"MERGE (a)-[r:{spec.type}]->(b)" in out
    assert "// node:Task — 4 rows in 2 batches" in out
    assert "// rel:SIMILAR_TO — 1 rows in 1 batch\n" in out


def test_neo4j_export_writes_the_csv_set(built, tmp_path):
    out = invoke("neo4j", "export", "--out", str(tmp_path / "csv"), "--graph", str(built))
    assert out == f"wrote {len(NODES) + len(EDGES)} CSV files and {tmp_path / 'csv' / 'IMPORT.txt'}\n"
    assert (tmp_path / "csv" / "nodes_Task.csv").read_text(encoding="utf-8").count("\n") == 5  # header + 4 tasks


# ---------------------------------------------------------------- clean errors, no traceback

def assert_clean_error(proc, *fragments):
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: ")
    for f in fragments:
        assert f in proc.stderr


def test_a_malformed_query_is_a_clean_error(built):
    proc = run_main("cypher", "--graph", str(built), "MATCH (t:Task RETURN t")
    assert_clean_error(proc, "Parser exception", "query: MATCH (t:Task RETURN t")


def test_a_missing_graph_folder_is_a_clean_error(tmp_path):
    proc = run_main("cypher", "--graph", str(tmp_path / "nowhere"), "MATCH (t:Task) RETURN count(*)")
    assert_clean_error(proc, "nowhere: no such graph folder", "mandategraph build")
    proc = run_main("query", "unit_load", "--graph", str(tmp_path / "nowhere"))
    assert_clean_error(proc, "no such graph folder")


def test_an_unknown_query_name_is_a_clean_error(built):
    proc = run_main("query", "who_leads", "--graph", str(built))
    assert_clean_error(proc, "unknown cypher query 'who_leads'; known: co_leads, continued_chains")


def test_a_missing_query_parameter_is_a_clean_error(built):
    proc = run_main("query", "unit_tasks", "--graph", str(built))
    assert_clean_error(proc, "query unit_tasks needs --param unit=")


def test_push_without_a_uri_is_a_clean_error(built):
    env = {k: "" for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")}
    proc = run_main("neo4j", "push", "--graph", str(built), env=env)
    assert_clean_error(proc, "no Neo4j URI: pass --uri or set NEO4J_URI")


def test_push_to_a_server_that_is_not_there_is_a_clean_error(built):
    proc = run_main("neo4j", "push", "--graph", str(built), "--uri", "bolt://127.0.0.1:9", "--password", "x")
    assert_clean_error(proc, "Neo4j push to bolt://127.0.0.1:9 (database 'neo4j') failed")
