"""The embedded Cypher store: schema DDL, bulk load, rebuild, read-only queries."""
from __future__ import annotations

import os

import pytest

from mandategraph.errors import QueryError, ReadError, StoreError
from mandategraph.graph.ladybug_store import (graph_from_ladybug, ladybug_path, open_database, run_cypher,
                                              schema_ddl, write_ladybug)
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.schema import EDGES, NODES
from mandategraph.graph.tables import write_tables


def contents(g):
    """Every node and edge with its attributes, in a comparable form."""
    nodes = sorted((n, sorted(d.items())) for n, d in g.nodes(data=True))
    edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True))
    return nodes, edges


@pytest.fixture
def sample_db(tmp_path):
    return write_ladybug(sample_graph(), tmp_path / "graph.lbug")


def test_schema_ddl_declares_every_label_and_type_from_the_schema():
    ddl = schema_ddl()
    assert len(ddl) == len(NODES) + len(EDGES)
    assert ("CREATE NODE TABLE Task(id STRING, text STRING, year INT64, jurisdiction STRING, document STRING, "
            "source STRING, path STRING[], marker STRING, deadline_raw STRING, deadline STRING, status STRING, "
            "span_start INT64, span_end INT64, chain_before INT64, chain_after INT64, chain_end STRING, "
            "similar_jurisdictions INT64, PRIMARY KEY (id))") in ddl
    assert ("CREATE REL TABLE IN_THEME(FROM Task TO Theme, score DOUBLE, triggers STRING[], document STRING, "
            "span_start INT64, span_end INT64)") in ddl


def test_database_has_one_table_per_label_and_edge_type(sample_db):
    cols, rows = run_cypher(sample_db, "CALL show_tables() RETURN name, type ORDER BY name")
    assert sorted(rows) == sorted([[n.label, "NODE"] for n in NODES] + [[e.type, "REL"] for e in EDGES])


def test_graph_reads_back_exactly_as_written(sample_db):
    assert contents(graph_from_ladybug(sample_db)) == contents(sample_graph())


def test_loading_from_the_tables_folder_gives_the_same_database(tmp_path):
    write_tables(sample_graph(), tmp_path / "out" / "tables")
    db = write_ladybug(tmp_path / "out", tmp_path / "out" / "graph.lbug")
    assert contents(graph_from_ladybug(db)) == contents(sample_graph())


def test_rebuilding_replaces_the_database_and_leaves_no_stray_files(tmp_path):
    db = tmp_path / "graph.lbug"
    write_ladybug(sample_graph(), db)
    smaller = sample_graph()
    smaller.remove_node("T:wz2022:2")
    write_ladybug(smaller, db)
    assert contents(graph_from_ladybug(db)) == contents(smaller)
    assert sorted(os.listdir(tmp_path)) == ["graph.lbug"]


def test_a_failed_rebuild_keeps_the_previous_database(sample_db):
    broken = sample_graph()
    # An edge to a task that is not a node: LadybugDB refuses the COPY.
    broken.add_edge("U:330300:市疫情防控办", "T:missing", key="LEADS", type="LEADS")
    with pytest.raises(StoreError, match="LEADS"):
        write_ladybug(broken, sample_db)
    assert contents(graph_from_ladybug(sample_db)) == contents(sample_graph())
    assert sorted(os.listdir(sample_db.parent)) == ["graph.lbug"]


def test_run_cypher_returns_columns_and_rows_with_parameters(sample_db):
    query = ("MATCH (u:Unit)-[:LEADS]->(t:Task) WHERE t.jurisdiction = $j "
             "RETURN u.name AS unit, t.year AS year, t.id AS task ORDER BY year, task")
    assert run_cypher(sample_db, query, {"j": "温州市"}) == (
        ["unit", "year", "task"],
        [["市大数据发展管理局", 2019, "T:wz2019:1"],
         ["市大数据发展管理局", 2022, "T:wz2022:1"],
         ["市疫情防控办", 2022, "T:wz2022:2"]])


def test_list_properties_come_back_as_lists(sample_db):
    assert run_cypher(sample_db, "MATCH (u:Unit {id: 'U:331000:市级有关单位'}) RETURN u.aliases") == (
        ["u.aliases"], [[["市级有关单位"]]])


def test_a_malformed_query_is_a_query_error_naming_the_query(sample_db):
    with pytest.raises(QueryError) as err:
        run_cypher(sample_db, "MATCH (t:Task RETURN t")
    assert "Parser exception" in str(err.value)
    assert "query: MATCH (t:Task RETURN t" in str(err.value)


def test_queries_open_the_database_read_only(sample_db):
    with pytest.raises(QueryError, match="read-only"):
        run_cypher(sample_db, "MATCH (t:Task) DELETE t")
    assert run_cypher(sample_db, "MATCH (t:Task) RETURN count(*)")[1] == [[4]]


def test_a_missing_graph_folder_is_a_read_error(tmp_path):
    with pytest.raises(ReadError, match="no such graph folder"):
        ladybug_path(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReadError, match="not a built graph folder"):
        run_cypher(tmp_path / "empty", "RETURN 1")
    with pytest.raises(ReadError, match="no such database file"):
        open_database(tmp_path / "graph.lbug")


def test_database_is_rewritten_when_the_tables_are_newer(tmp_path):
    out = tmp_path / "out"
    write_tables(sample_graph(), out / "tables")
    db = ladybug_path(out)  # no database yet: written from the tables
    assert run_cypher(db, "MATCH (t:Task) RETURN count(*)")[1] == [[4]]
    smaller = sample_graph()
    smaller.remove_node("T:wz2022:2")
    write_tables(smaller, out / "tables")
    stamp = db.stat().st_mtime - 10
    os.utime(db, (stamp, stamp))  # the tables are now newer than the database
    assert run_cypher(ladybug_path(out), "MATCH (t:Task) RETURN count(*)")[1] == [[3]]


def test_the_seed_build_database_holds_the_build_tables(seed_build, seed_graph):
    assert contents(graph_from_ladybug(seed_build / "graph.lbug")) == contents(seed_graph)


def test_a_parameter_without_a_value_is_an_error_not_an_empty_answer(sample_db):
    # LadybugDB alone would bind $year to null and answer nothing.
    with pytest.raises(QueryError, match=r"uses \$year but no value was given \(--param year=…\)"):
        run_cypher(sample_db, "MATCH (t:Task) WHERE t.year = $year RETURN t.id")
    # "$" inside a string or a comment is not a parameter.
    assert run_cypher(sample_db, "// costs $5\nMATCH (t:Task) WHERE t.text <> '$5' RETURN count(*) AS n") == (
        ["n"], [[4]])


def test_tables_from_before_the_derived_task_properties_get_them_in_the_database(tmp_path):
    import pyarrow.parquet as pq

    from mandategraph.graph.derived import DERIVED_TASK_PROPERTIES

    write_tables(sample_graph(), tmp_path / "tables")
    task = pq.read_table(tmp_path / "tables" / "nodes_Task.parquet")
    pq.write_table(task.drop(list(DERIVED_TASK_PROPERTIES)), tmp_path / "tables" / "nodes_Task.parquet")
    db = write_ladybug(tmp_path, tmp_path / "graph.lbug")
    # sample graph: CONTINUES wz2019:1 -> wz2022:1, SIMILAR_TO wz2022:1 (温州市) -> tz2022:1 (台州市)
    assert run_cypher(db, "MATCH (t:Task) RETURN t.id, t.chain_before, t.chain_after, t.chain_end, "
                          "t.similar_jurisdictions ORDER BY t.id")[1] == [
        ["T:tz2022:1", 0, 0, "T:tz2022:1", 1], ["T:wz2019:1", 0, 1, "T:wz2022:1", 0],
        ["T:wz2022:1", 1, 0, "T:wz2022:1", 1], ["T:wz2022:2", 0, 0, "T:wz2022:2", 0]]



def test_a_table_with_other_types_or_null_lists_is_typed_before_loading(tmp_path):
    """A build's own Parquet tables load where they are; a table written by other hands (here: years
    as 32-bit integers, a null list) is read and typed first."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = tmp_path / "out" / "tables"
    write_tables(sample_graph(), tables)
    task = pq.read_table(tables / "nodes_Task.parquet")
    year = task.schema.get_field_index("year")
    task = task.set_column(year, "year", task.column("year").cast(pa.int32()))
    pq.write_table(task, tables / "nodes_Task.parquet")
    doc = pq.read_table(tables / "nodes_Document.parquet")
    dates = doc.schema.get_field_index("dates")
    doc = doc.set_column(dates, "dates", pa.array([None] * doc.num_rows, type=pa.list_(pa.string())))
    pq.write_table(doc, tables / "nodes_Document.parquet")

    db = write_ladybug(tmp_path / "out", tmp_path / "out" / "graph.lbug")
    assert run_cypher(db, "MATCH (t:Task) RETURN DISTINCT t.year ORDER BY t.year")[1] == [[2019], [2022]]
    assert run_cypher(db, "MATCH (d:Document) RETURN DISTINCT d.dates")[1] == [[[]]]
