"""Neo4j: the generated statements, the push, the neo4j-admin CSVs.

No Neo4j server can be installed here, so this file tests in two ways:

* The MERGE statements a push sends are run, batch by batch, against an
  empty LadybugDB database (tests marked nothing: they always run). They
  must build exactly the graph the bulk COPY builds, and running them again
  must change nothing. The resume logic runs the same way.
* The driver path (constraints, batching, retries, resume through
  ``session.execute_write``) runs against a real Neo4j only when NEO4J_URI
  is set (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE); otherwise those
  tests are reported as skipped.
"""
from __future__ import annotations

import json
import os
import re

import ladybug
import pandas as pd
import pyarrow.parquet as pq
import pytest

from mandategraph.bench.synthetic_graph import synthetic_graph
from mandategraph.errors import ReadError, StoreError
from mandategraph.graph import neo4j_store
from mandategraph.graph.ladybug_store import create_schema, graph_from_ladybug
from mandategraph.graph.neo4j_store import (TableBatches, admin_import_command, apply_batches, batches_digest,
                                            constraint_statements, export_admin_csv, node_statement, push,
                                            resolve_connection, statements_text, write_batches)
from mandategraph.graph import tables
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.schema import EDGES, NODES, node_spec
from mandategraph.graph.tables import write_tables


def contents(g):
    nodes = sorted((n, sorted(d.items())) for n, d in g.nodes(data=True))
    edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True))
    return nodes, edges


class LadybugTarget:
    """An empty LadybugDB database with the schema: where the MERGE batches go in these tests."""

    def __init__(self, path):
        self.path = path
        self.db = ladybug.Database(str(path))
        self.conn = ladybug.Connection(self.db)
        create_schema(self.conn)
        self.calls = 0

    def execute(self, cypher, params):
        self.calls += 1
        self.conn.execute(cypher, params)

    def graph(self):
        self.conn.close()
        self.db.close()
        g = graph_from_ladybug(self.path)
        self.db = ladybug.Database(str(self.path))
        self.conn = ladybug.Connection(self.db)
        return g

    def close(self):
        self.conn.close()
        self.db.close()


@pytest.fixture
def target(tmp_path):
    t = LadybugTarget(tmp_path / "merged.lbug")
    yield t
    t.close()


# ---------------------------------------------------------------- the statements

def test_one_uniqueness_constraint_per_label_comes_first():
    assert constraint_statements() == [
        f"CREATE CONSTRAINT {n.label.lower()}_id IF NOT EXISTS FOR (n:{n.label}) REQUIRE n.id IS UNIQUE"
        for n in NODES]
    text = statements_text()
    assert text.index("CREATE CONSTRAINT") < text.index("MERGE")


def test_node_statement_merges_on_id_and_sets_every_other_property():
    assert node_statement(node_spec("Instrument")) == (
        "UNWIND $rows AS row\n"
        "MERGE (n:Instrument {id: row.id})\n"
        "SET n.title = row.title, n.document = row.document, n.span_start = row.span_start, n.span_end = row.span_end")


def test_batches_cover_every_node_then_every_edge_once():
    g = sample_graph()
    batches = write_batches(g, batch_size=2)
    keys = [b.key for b in batches]
    assert keys == [
        "node:Jurisdiction:0000", "node:Jurisdiction:0001", "node:Document:0000", "node:Document:0001",
        "node:Unit:0000", "node:Unit:0001", "node:Task:0000", "node:Task:0001", "node:Theme:0000",
        "node:Instrument:0000",
        "rel:ISSUED:0000", "rel:ISSUED:0001", "rel:CONTAINS:0000", "rel:CONTAINS:0001", "rel:LEADS:0000",
        "rel:LEADS:0001", "rel:ASSISTS:0000", "rel:BELONGS_TO:0000", "rel:BELONGS_TO:0001", "rel:PART_OF:0000",
        "rel:MEMBER_OF:0000", "rel:IN_THEME:0000", "rel:IN_THEME:0001", "rel:CITES:0000", "rel:CONTINUES:0000",
        "rel:SIMILAR_TO:0000"]
    assert all(1 <= len(b.rows) <= 2 for b in batches)
    node_ids = [r["id"] for b in batches if b.key.startswith("node:") for r in b.rows]
    assert sorted(node_ids) == sorted(g.nodes)
    edge_keys = [(r["source"], r["target"], b.key.split(":")[1]) for b in batches if b.key.startswith("rel:")
                 for r in b.rows]
    assert sorted(edge_keys) == sorted(g.edges(keys=True))


def test_batch_rows_carry_the_schema_types():
    (batch,) = [b for b in write_batches(sample_graph()) if b.key == "rel:CONTINUES:0000"]
    assert batch.rows == [{"source": "T:wz2019:1", "target": "T:wz2022:1", "score": 0.61, "text_sim": 0.42,
                           "evidence": "text 0.42 (best of earlier); phrases 公共数据开放; themes 1.00", "document": "",
                           "span_start": 0, "span_end": 0}]


@pytest.mark.parametrize("batch_size", [1, 5, 97, 1000])
def test_a_build_folder_gives_the_batches_of_its_graph_a_table_batch_at_a_time(tmp_path, monkeypatch, batch_size):
    g = synthetic_graph(150, seed=6)
    write_tables(g, tmp_path / "out" / "tables")
    # Row groups of 7 rows: the batches are cut across the file's own pieces.
    path = tmp_path / "out" / "tables" / "edges_IN_THEME.parquet"
    pq.write_table(pq.read_table(path), path, row_group_size=7)

    def no_graph(*_a, **_kw):
        raise AssertionError("the graph was loaded")

    monkeypatch.setattr(tables, "load_graph", no_graph)
    monkeypatch.setattr(tables, "graph_from_frames", no_graph)
    from_folder = TableBatches(tmp_path / "out", batch_size)
    assert list(from_folder) == write_batches(g, batch_size)
    assert list(from_folder) == write_batches(g, batch_size)  # iterated again: read again
    assert len(from_folder) == len(write_batches(g, batch_size))
    assert statements_text(tmp_path / "out", batch_size) == statements_text(g, batch_size)
    assert batches_digest(from_folder) == batches_digest(write_batches(g, batch_size))


def test_a_batch_size_below_one_is_refused(tmp_path):
    with pytest.raises(StoreError, match="at least 1"):
        write_batches(sample_graph(), batch_size=0)
    write_tables(sample_graph(), tmp_path / "tables")
    with pytest.raises(StoreError, match="at least 1"):
        TableBatches(tmp_path, batch_size=0)


# ---------------------------------------------------------------- the statements run on LadybugDB

@pytest.mark.parametrize("graph,batch_size", [
    (sample_graph(), 1),
    (sample_graph(), 1000),
    (synthetic_graph(400, seed=3), 97),
], ids=["sample-batches-of-1", "sample-one-batch-each", "synthetic-400-tasks"])
def test_merge_statements_build_the_same_graph_as_the_bulk_load(target, graph, batch_size):
    for _ in apply_batches(write_batches(graph, batch_size), target.execute):
        pass
    assert contents(target.graph()) == contents(graph)


def test_merge_statements_build_the_seed_graph(target, seed_build, seed_graph):
    for _ in apply_batches(write_batches(seed_graph, 250), target.execute):
        pass
    assert contents(target.graph()) == contents(graph_from_ladybug(seed_build / "graph.lbug"))


def test_running_the_statements_twice_changes_nothing(target):
    g = synthetic_graph(120, seed=1)
    batches = write_batches(g, 50)
    for _ in apply_batches(batches, target.execute):
        pass
    first = contents(target.graph())
    for _ in apply_batches(batches, target.execute):
        pass
    assert contents(target.graph()) == first == contents(g)


# ---------------------------------------------------------------- resume

class Interrupted(Exception):
    pass


def test_an_interrupted_run_resumes_at_the_first_batch_not_done(target, tmp_path):
    g = synthetic_graph(120, seed=2)
    batches = write_batches(g, 40)
    checkpoint = tmp_path / "push.checkpoint.json"

    def fail_on_fifth(cypher, params):
        if target.calls == 4:
            raise Interrupted
        target.execute(cypher, params)

    with pytest.raises(Interrupted):
        for _ in apply_batches(batches, fail_on_fifth, checkpoint=checkpoint, target="lbug"):
            pass
    saved = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert saved["done"] == [b.key for b in batches[:4]]

    sent = [(b.key, was_sent) for b, was_sent, _ in
            apply_batches(batches, target.execute, checkpoint=checkpoint, target="lbug")]
    assert sent == [(b.key, i >= 4) for i, b in enumerate(batches)]
    assert target.calls == len(batches)  # every batch ran exactly once over both runs
    assert not checkpoint.exists()  # done: the next push sends everything again
    assert contents(target.graph()) == contents(g)


@pytest.mark.parametrize("change", ["other graph", "other target", "other batch size"])
def test_a_checkpoint_of_another_push_is_ignored(target, tmp_path, change):
    g = synthetic_graph(60, seed=4)
    checkpoint = tmp_path / "push.checkpoint.json"
    first = write_batches(g, 30)
    with pytest.raises(Interrupted):
        for b, _, _ in apply_batches(first, target.execute, checkpoint=checkpoint, target="a"):
            if b is first[2]:
                raise Interrupted
    batches, where = {
        "other graph": (write_batches(synthetic_graph(60, seed=5), 30), "a"),
        "other target": (first, "b"),
        "other batch size": (write_batches(g, 31), "a"),
    }[change]
    assert all(sent for _, sent, _ in apply_batches(batches, target.execute, checkpoint=checkpoint, target=where))


# ---------------------------------------------------------------- connection settings

def test_connection_settings_come_from_options_then_environment(monkeypatch):
    for k in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(StoreError, match="pass --uri or set NEO4J_URI"):
        resolve_connection()
    assert resolve_connection("neo4j://localhost:7687") == ("neo4j://localhost:7687", "neo4j", None, "neo4j")
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_USER", "analyst")
    monkeypatch.setenv("NEO4J_PASSWORD", "secret")
    monkeypatch.setenv("NEO4J_DATABASE", "mandates")
    assert resolve_connection() == ("neo4j+s://abc.databases.neo4j.io", "analyst", "secret", "mandates")
    assert resolve_connection("bolt://h:7687", "u", "p", "db") == ("bolt://h:7687", "u", "p", "db")


@pytest.mark.parametrize("uri", ["http://localhost:7474", "localhost:7687", "neo4j+x://h"])
def test_unsupported_uris_are_refused(uri):
    with pytest.raises(StoreError, match="unsupported Neo4j URI scheme"):
        resolve_connection(uri)


def test_an_unreachable_server_is_a_store_error(tmp_path):
    # A real driver and a real refused connection (nothing listens on port 9).
    with pytest.raises(StoreError, match="Neo4j push to bolt://127.0.0.1:9 .*failed"):
        push(sample_graph(), "bolt://127.0.0.1:9", "neo4j", "pw", "neo4j", checkpoint=tmp_path / "c.json",
             max_retry_time=0.5)


# ---------------------------------------------------------------- neo4j-admin CSVs

def test_admin_csv_headers_are_what_neo4j_admin_expects(tmp_path):
    export_admin_csv(sample_graph(), tmp_path)
    header = {p.name: p.read_text(encoding="utf-8").splitlines()[0] for p in tmp_path.glob("*.csv")}
    assert header["nodes_Unit.csv"] == ("id:ID(Unit),name,aliases:string[],names_by_year:string[],kind,jurisdiction,"
                                        "is_group:long,document,span_start:long,span_end:long,:LABEL")
    assert header["nodes_Task.csv"] == ("id:ID(Task),text,year:long,jurisdiction,document,source,path:string[],marker,"
                                        "deadline_raw,deadline,status,span_start:long,span_end:long,chain_before:long,"
                                        "chain_after:long,chain_end,similar_jurisdictions:long,:LABEL")
    assert header["edges_IN_THEME.csv"] == (":START_ID(Task),:END_ID(Theme),score:double,triggers:string[],"
                                            "document,span_start:long,span_end:long,:TYPE")
    assert header["edges_MEMBER_OF.csv"] == ":START_ID(Unit),:END_ID(Unit),document,span_start:long,span_end:long,:TYPE"
    assert sorted(header) == sorted([f"nodes_{n.label}.csv" for n in NODES] + [f"edges_{e.type}.csv" for e in EDGES])


def test_admin_csvs_read_back_with_pandas_give_the_graph(tmp_path):
    g = synthetic_graph(150, seed=6)
    export_admin_csv(g, tmp_path)
    back = {}
    for spec in NODES:
        df = pd.read_csv(tmp_path / f"nodes_{spec.label}.csv", dtype=str, keep_default_na=False)
        assert set(df[":LABEL"]) <= {spec.label}
        for rec in df.to_dict("records"):
            back[rec[f"id:ID({spec.label})"]] = _typed(rec, spec.properties)
    assert back == {n: {k: v for k, v in d.items() if k != "label"} | {"id": n} for n, d in g.nodes(data=True)}
    for spec in EDGES:
        df = pd.read_csv(tmp_path / f"edges_{spec.type}.csv", dtype=str, keep_default_na=False)
        expected = sorted((u, v) for u, v, k in g.edges(keys=True) if k == spec.type)
        assert sorted(zip(df[f":START_ID({spec.source})"], df[f":END_ID({spec.target})"])) == expected
        assert set(df[":TYPE"]) <= {spec.type}


def _typed(rec: dict, props: dict) -> dict:
    out = {}
    for name, type_ in props.items():
        col = next(c for c in rec if c.split(":")[0] == name)
        raw = rec[col]
        out[name] = {"INT64": int, "DOUBLE": float, "STRING[]": lambda s: s.split(";") if s else []}.get(
            type_, str)(raw)
    return out


def test_admin_csv_quotes_text_with_commas_quotes_and_line_breaks(tmp_path):
    g = sample_graph()
    g.nodes["T:wz2022:2"]["text"] = '统筹做好"疫情防控",信息发布\n第二行'
    export_admin_csv(g, tmp_path)
    df = pd.read_csv(tmp_path / "nodes_Task.csv", dtype=str, keep_default_na=False)
    assert df.set_index("id:ID(Task)").loc["T:wz2022:2", "text"] == '统筹做好"疫情防控",信息发布\n第二行'


def test_a_list_value_containing_the_array_delimiter_is_refused(tmp_path):
    g = sample_graph()
    g.nodes["U:330300:市疫情防控办"]["aliases"] = ["a;b"]
    with pytest.raises(StoreError, match="array delimiter"):
        export_admin_csv(g, tmp_path)


def test_a_build_folder_gives_the_bytes_of_its_graph_without_loading_it(tmp_path, monkeypatch):
    g = synthetic_graph(150, seed=6)
    g.nodes["T:wz2022:2" if "T:wz2022:2" in g else next(n for n in g if n.startswith("T:"))]["text"] = 'a "b",\nc'
    write_tables(g, tmp_path / "out" / "tables")
    export_admin_csv(g, tmp_path / "from_graph")

    def no_graph(*_a, **_kw):
        raise AssertionError("the graph was loaded")

    monkeypatch.setattr(tables, "load_graph", no_graph)
    monkeypatch.setattr(tables, "graph_from_frames", no_graph)
    export_admin_csv(tmp_path / "out", tmp_path / "from_folder")
    names = sorted(p.name for p in (tmp_path / "from_graph").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "from_folder").iterdir())
    for name in names:
        assert (tmp_path / "from_folder" / name).read_bytes() == (tmp_path / "from_graph" / name).read_bytes(), name


def test_a_refused_value_in_a_build_folder_names_the_table_and_leaves_the_export_as_it_was(tmp_path):
    g = sample_graph()
    export_admin_csv(g, tmp_path / "csv")
    before = {p.name: p.read_bytes() for p in (tmp_path / "csv").iterdir()}
    g.nodes["U:330300:市疫情防控办"]["aliases"] = ["a;b"]
    write_tables(g, tmp_path / "out" / "tables")
    with pytest.raises(StoreError) as err:
        export_admin_csv(tmp_path / "out", tmp_path / "csv")
    table = tmp_path / "out" / "tables" / "nodes_Unit.parquet"
    assert str(err.value) == (f"{table}: Unit U:330300:市疫情防控办.aliases: "
                              "list value 'a;b' contains the array delimiter ';'")
    assert {p.name: p.read_bytes() for p in (tmp_path / "csv").iterdir()} == before


def test_a_table_without_a_column_of_the_schema_is_named(tmp_path):
    write_tables(sample_graph(), tmp_path / "out" / "tables")
    path = tmp_path / "out" / "tables" / "nodes_Theme.parquet"
    pq.write_table(pq.read_table(path).drop_columns(["definition"]), path)
    with pytest.raises(ReadError, match=f"^{re.escape(str(path))}: no column definition"):
        export_admin_csv(tmp_path / "out", tmp_path / "csv")
    assert not list((tmp_path / "csv").iterdir())


def test_numbers_are_written_as_the_shortest_text_that_reads_back_the_same(tmp_path):
    g = sample_graph()
    scores = [1.0, 0.1 + 0.2, 1e-05, 2.5e-07]
    edges = [(u, v) for u, v, k in g.edges(keys=True) if k == "IN_THEME"]
    assert len(edges) == len(scores)
    for (u, v), score in zip(edges, scores):
        g.edges[u, v, "IN_THEME"]["score"] = score
    export_admin_csv(g, tmp_path)
    df = pd.read_csv(tmp_path / "edges_IN_THEME.csv", dtype=str, keep_default_na=False)
    back = dict(zip(zip(df[":START_ID(Task)"], df[":END_ID(Theme)"]), df["score:double"]))
    assert [float(back[e]) for e in edges] == scores
    assert [back[e] for e in edges] == ["1", "0.30000000000000004", "0.00001", "2.5e-7"]


def test_import_file_holds_the_command_line_and_the_constraints(tmp_path):
    export_admin_csv(sample_graph(), tmp_path, database="mandates")
    text = (tmp_path / "IMPORT.txt").read_text(encoding="utf-8")
    command = admin_import_command("mandates")
    assert command in text
    assert command.startswith("neo4j-admin database import full mandates \\\n  --overwrite-destination \\\n"
                              "  --array-delimiter=';' \\\n  --multiline-fields=true \\\n  --id-type=string")
    for spec in NODES:
        assert f"--nodes=nodes_{spec.label}.csv" in command
    for spec in EDGES:
        assert f"--relationships=edges_{spec.type}.csv" in command
    for stmt in constraint_statements():
        assert stmt + ";" in text


# ---------------------------------------------------------------- a real Neo4j (opt-in)

needs_neo4j = pytest.mark.skipif(
    not os.environ.get("NEO4J_URI"),
    reason="needs a real Neo4j server: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE); "
           "none can be installed here, so the MERGE statements are tested on LadybugDB above")


@pytest.fixture
def neo4j_driver():
    import neo4j

    uri, user, password, database = resolve_connection()
    driver = neo4j.GraphDatabase.driver(uri, auth=(user, password) if password is not None else None)
    ids = list(sample_graph().nodes)
    # Delete only the nodes these tests write (the sample graph's ids), never the rest of the database.
    wipe = "MATCH (n) WHERE n.id IN $ids DETACH DELETE n"
    driver.execute_query(wipe, ids=ids, database_=database)
    yield driver, database
    driver.execute_query(wipe, ids=ids, database_=database)
    driver.close()


def _neo4j_contents(driver, database):
    nodes = {}
    for spec in NODES:
        records, _, _ = driver.execute_query(f"MATCH (n:{spec.label}) WHERE n.id IN $ids RETURN n",
                                             ids=list(sample_graph().nodes), database_=database)
        for r in records:
            props = dict(r["n"])
            nodes[props.pop("id")] = {"label": spec.label, **props}
    edges = []
    for spec in EDGES:
        records, _, _ = driver.execute_query(
            f"MATCH (a:{spec.source})-[r:{spec.type}]->(b:{spec.target}) WHERE a.id IN $ids "
            f"RETURN a.id AS a, b.id AS b, r", ids=list(nodes), database_=database)
        edges += [(r["a"], r["b"], spec.type, sorted({"type": spec.type, **dict(r["r"])}.items())) for r in records]
    return sorted((n, sorted(d.items())) for n, d in nodes.items()), sorted(edges)


@needs_neo4j
@pytest.mark.neo4j
def test_push_creates_constraints_and_the_whole_graph(neo4j_driver, tmp_path):
    driver, database = neo4j_driver
    report = push(sample_graph(), batch_size=3, checkpoint=tmp_path / "c.json")
    g = sample_graph()
    assert report.batches == len(write_batches(g, 3)) == report.sent
    assert report.counters["nodes_created"] == g.number_of_nodes()
    assert report.counters["relationships_created"] == g.number_of_edges()
    assert _neo4j_contents(driver, database) == contents(g)
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names",
                                         database_=database)
    assert {f"{n.label.lower()}_id" for n in NODES} <= set(records[0]["names"])


@needs_neo4j
@pytest.mark.neo4j
def test_a_second_push_changes_nothing(neo4j_driver, tmp_path):
    driver, database = neo4j_driver
    push(sample_graph(), checkpoint=tmp_path / "c.json")
    before = _neo4j_contents(driver, database)
    again = push(sample_graph(), checkpoint=tmp_path / "c.json")
    assert again.counters["nodes_created"] == again.counters["relationships_created"] == 0
    assert _neo4j_contents(driver, database) == before


@needs_neo4j
@pytest.mark.neo4j
def test_an_interrupted_push_resumes(neo4j_driver, tmp_path):
    driver, database = neo4j_driver
    checkpoint = tmp_path / "c.json"

    def stop_after_three(batch, sent):
        if len(json.loads(checkpoint.read_text())["done"]) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        push(sample_graph(), batch_size=2, checkpoint=checkpoint, progress=stop_after_three)
    report = push(sample_graph(), batch_size=2, checkpoint=checkpoint)
    assert (report.skipped, report.sent) == (3, report.batches - 3)
    assert _neo4j_contents(driver, database) == contents(sample_graph())


@needs_neo4j
@pytest.mark.neo4j
def test_a_transient_failure_is_retried_by_the_managed_transaction(neo4j_driver, tmp_path, monkeypatch):
    from neo4j.exceptions import TransientError

    driver, database = neo4j_driver
    real, failures = neo4j_store._write_tx, []

    def fails_once(tx, cypher, params):
        if not failures:
            failures.append(1)
            raise TransientError("injected transient failure")
        return real(tx, cypher, params)

    monkeypatch.setattr(neo4j_store, "_write_tx", fails_once)
    report = push(sample_graph(), checkpoint=tmp_path / "c.json")
    assert failures == [1] and report.sent == report.batches
    assert _neo4j_contents(driver, database) == contents(sample_graph())
