"""The embedded Cypher store: the graph in a LadybugDB database file.

LadybugDB (the maintained fork of Kùzu) needs its schema declared before any
data, so the DDL is generated from :mod:`mandategraph.graph.schema`: one node
table per label with ``id`` as primary key, one rel table per edge type,
``STRING[]`` for list properties. Data is bulk loaded with ``COPY`` from
Parquet files: a build's own tables where they are (they already have the
store's columns and types), anything else written first with an explicit
Arrow schema (an all-empty list column would otherwise have no element type
and fail to load).

A build writes ``OUT/graph.lbug`` with :func:`write_ladybug`; every read goes
through :func:`run_cypher`, which opens the file read-only so queries can run
beside a writer (DEPENDENCIES.md).

>>> from mandategraph.graph.sample import sample_graph
>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "graph.lbug"
>>> _ = write_ladybug(sample_graph(), db)
>>> run_cypher(db, "MATCH (u:Unit)-[:LEADS]->(t:Task) WHERE t.year = $y RETURN count(*) AS n", {"y": 2022})
(['n'], [[3]])
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import networkx as nx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import QueryError, ReadError, StoreError
from .schema import DOUBLE, EDGES, INT, NODES, STRINGS, EdgeSpec, NodeSpec
from .derived import DERIVED_TASK_PROPERTIES
from .folder import check_build, fault_point
from .tables import edge_frames, node_frames, read_table, read_tables, tables_of

__all__ = ["DB_NAME", "query_parameters", "schema_ddl", "write_ladybug", "create_schema", "run_cypher", "open_database",
           "ladybug_path", "graph_from_ladybug", "arrow_schema", "CypherStore"]

DB_NAME = "graph.lbug"  # the database file inside a built folder

_ARROW = {INT: pa.int64(), DOUBLE: pa.float64(), STRINGS: pa.list_(pa.string())}


def _ddl_type(type_: str) -> str:
    return type_  # schema.py already uses LadybugDB's type names


def schema_ddl() -> list[str]:
    """The ``CREATE NODE/REL TABLE`` statements for every label and edge type.

    >>> schema_ddl()[0][:60]
    'CREATE NODE TABLE Jurisdiction(id STRING, name STRING, level'
    >>> [s for s in schema_ddl() if "REL TABLE LEADS" in s][0][:63]
    'CREATE REL TABLE LEADS(FROM Unit TO Task, raw STRING, role_word'
    """
    out = []
    for spec in NODES:
        cols = ", ".join(f"{name} {_ddl_type(t)}" for name, t in spec.properties.items())
        out.append(f"CREATE NODE TABLE {spec.label}({cols}, PRIMARY KEY (id))")
    for spec in EDGES:
        cols = "".join(f", {name} {_ddl_type(t)}" for name, t in spec.properties.items())
        out.append(f"CREATE REL TABLE {spec.type}(FROM {spec.source} TO {spec.target}{cols})")
    return out


def arrow_schema(props: dict[str, str], *, edge: bool = False) -> pa.Schema:
    """The Arrow schema of a node table (or, with ``edge``, a rel table: source, target first)."""
    fields = [pa.field("source", pa.string()), pa.field("target", pa.string())] if edge else []
    fields += [pa.field(name, _ARROW.get(t, pa.string())) for name, t in props.items()]
    return pa.schema(fields)


def _typed_table(df: pd.DataFrame, props: dict[str, str], *, edge: bool) -> pa.Table:
    schema = arrow_schema(props, edge=edge)
    cols = {}
    for field in schema:
        values = df[field.name].tolist() if field.name in df else []
        if pa.types.is_floating(field.type):
            values = [float(v) for v in values]
        elif pa.types.is_list(field.type):
            values = [[str(x) for x in v] for v in values]
        cols[field.name] = pa.array(values, type=field.type)
    return pa.table(cols, schema=schema)


def create_schema(conn) -> None:
    """Run :func:`schema_ddl` on an open LadybugDB connection (an empty database)."""
    for stmt in schema_ddl():
        _execute(conn, stmt)


def _frames_of(source: nx.MultiDiGraph | str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    if isinstance(source, nx.MultiDiGraph):
        return node_frames(source), edge_frames(source)
    nodes, edges = read_tables(source)
    _fill_derived(nodes, edges)
    return nodes, edges


def _plain(t: pa.DataType) -> pa.DataType:
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(_plain(t.value_type))  # element field names differ between writers
    return t


def _loads_as_is(path: Path, props: dict[str, str], *, edge: bool) -> bool:
    """Whether the Parquet file at ``path`` has the store's columns and types and no null lists, so
    COPY can read it where it is (what the build writes) instead of a typed copy."""
    want = arrow_schema(props, edge=edge)
    have = pq.read_schema(path)
    if have.names != want.names or any(_plain(a.type) != b.type for a, b in zip(have, want)):
        return False
    lists = [f.name for f in want if pa.types.is_list(f.type)]
    # read_tables turns a null list into []: a null would load as NULL instead
    return not lists or all(c.null_count == 0 for c in pq.read_table(path, columns=lists).columns)


def _fill_derived(nodes: dict[str, pd.DataFrame], edges: dict[str, pd.DataFrame]) -> None:
    """Tables written before the derived task properties existed (graph/derived.py) get them here.

    The library queries read them, so a database rewritten from such tables
    has them too. Tables that have the columns are taken as they are: the
    build computes them (``add_derived``), as every store gets them.
    """
    from .derived import add_derived

    task = nodes["Task"]
    if all(c in task for c in DERIVED_TASK_PROPERTIES):
        return
    g = nx.MultiDiGraph()
    g.add_nodes_from((i, {"label": "Task", "jurisdiction": j}) for i, j in zip(task["id"], task["jurisdiction"]))
    for kind in ("CONTINUES", "SIMILAR_TO"):
        g.add_edges_from((a, b, kind, {"type": kind}) for a, b in zip(edges[kind]["source"], edges[kind]["target"]))
    add_derived(g)
    for c in DERIVED_TASK_PROPERTIES:
        task[c] = [g.nodes[i][c] for i in task["id"]]


def write_ladybug(source: nx.MultiDiGraph | str | Path, db_path: str | Path, *,
                  progress: Callable[[int, int, str], None] | None = None) -> Path:
    """Write a graph (or a folder of node/edge tables) to a fresh LadybugDB file.

    The database is built beside the target under a temporary name and moved
    into place when complete, so rebuilding replaces the file cleanly and a
    failed build leaves the previous database untouched.

    Parameters
    ----------
    source : networkx.MultiDiGraph or path
        The graph, or a built folder (``OUT`` or ``OUT/tables``) whose Parquet
        tables are loaded.
    db_path : path
        The database file to write, usually ``OUT/graph.lbug``.
    progress : callable, optional
        Called with (tables loaded, tables, table name) as each table is
        loaded, and (tables, tables, "CHECKPOINT") when the file is complete.

    Returns
    -------
    Path
        ``db_path``.

    Raises
    ------
    StoreError
        LadybugDB refused the schema or the data.
    """
    import ladybug

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    loads = _loads_of(source)
    work = Path(tempfile.mkdtemp(prefix=".lbug-", dir=db_path.parent))
    tmp_db = work / DB_NAME
    try:
        db = ladybug.Database(str(tmp_db))
        conn = ladybug.Connection(db)
        try:
            create_schema(conn)
            if progress:
                progress(0, len(loads) + 1, "schema")
            for k, (name, props, edge, load) in enumerate(loads, start=1):
                data = load()  # one table in memory at a time
                if isinstance(data, Path):
                    if pq.read_metadata(data).num_rows:
                        _execute(conn, f"COPY {name} FROM '{data.as_posix()}'")
                else:
                    _copy(conn, work, name, data, props, edge=edge)
                fault_point("ladybug_copy")  # test hook (graph/folder.py): a build killed mid-load
                if progress:
                    progress(k, len(loads) + 1, name)
            # Fold the write-ahead log into the file so the one file is the database.
            _execute(conn, "CHECKPOINT")
            if progress:
                progress(len(loads) + 1, len(loads) + 1, "CHECKPOINT")
        finally:
            conn.close()
            db.close()
        for suffix in ("", ".wal", ".shadow"):
            stale = Path(str(db_path) + suffix)
            if suffix and stale.exists():
                stale.unlink()
        os.replace(tmp_db, db_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return db_path


def _loads_of(source: nx.MultiDiGraph | str | Path) -> list[tuple[str, dict[str, str], bool, Callable]]:
    """(table, properties, is_edge, load) in load order; ``load`` gives a frame, or the path of a
    build's Parquet table that COPY reads as it is."""
    specs = [(s.label, s.properties, False, f"nodes_{s.label}") for s in NODES]
    specs += [(s.type, s.properties, True, f"edges_{s.type}") for s in EDGES]
    tables = None if isinstance(source, nx.MultiDiGraph) else tables_of(source)
    if tables is not None and set(DERIVED_TASK_PROPERTIES) <= set(pq.read_schema(tables / "nodes_Task.parquet").names):
        def direct(path: Path, props: dict[str, str], edge: bool) -> Callable:
            if _loads_as_is(path, props, edge=edge):
                return lambda: path
            return lambda: read_table(path, props)
        return [(name, props, edge, direct(tables / f"{stem}.parquet", props, edge))
                for name, props, edge, stem in specs]
    nodes, edges = _frames_of(source)
    return [(name, props, edge, (lambda f=(edges if edge else nodes)[name]: f)) for name, props, edge, _ in specs]


def _copy(conn, work: Path, table: str, df: pd.DataFrame, props: dict[str, str], *, edge: bool) -> None:
    if not len(df):
        return  # COPY of an empty file is refused; an empty table is already there
    path = work / f"{table}.parquet"
    pq.write_table(_typed_table(df, props, edge=edge), path)
    _execute(conn, f"COPY {table} FROM '{path.as_posix()}'")


def _execute(conn, query: str, params: dict[str, Any] | None = None):
    try:
        return conn.execute(query, params or {})
    except RuntimeError as exc:
        raise StoreError(f"LadybugDB refused: {exc}\n  statement: {query[:200]}") from exc


def ladybug_path(graph_dir: str | Path) -> Path:
    """The database of a built folder, (re)written from its tables when missing or older.

    ``build`` writes ``OUT/graph.lbug`` itself; this covers a folder whose
    tables were rewritten since, or written by an older build.

    Raises
    ------
    ReadError
        ``graph_dir`` is not a built folder.
    """
    folder = Path(graph_dir)
    if folder.suffix == ".lbug" and folder.is_file():
        return folder
    check_build(folder)  # an incomplete build is refused (graph/folder.py)
    tables = folder / "tables"
    db = folder / DB_NAME
    parquet = sorted(tables.glob("*.parquet")) if tables.is_dir() else []
    if not parquet:
        if db.is_file():
            return db
        if not folder.exists():
            raise ReadError(str(folder), "no such graph folder; run `mandategraph build DOCS --out "
                                         f"{folder}` first or pass --graph")
        raise ReadError(str(folder), "not a built graph folder (no tables/ and no graph.lbug); "
                                     "run `mandategraph build` first")
    newest = max(p.stat().st_mtime for p in parquet)
    if not db.is_file() or db.stat().st_mtime < newest:
        write_ladybug(folder, db)
    return db


def open_database(db_path: str | Path, *, read_only: bool = True):
    """Open a LadybugDB file and return ``(database, connection)``.

    Raises
    ------
    ReadError
        The file is missing or could not be opened (e.g. written by another
        LadybugDB version: rebuild it).
    """
    import ladybug

    db_path = Path(db_path)
    if not db_path.is_file():
        raise ReadError(str(db_path), "no such database file; run `mandategraph build` first")
    try:
        db = ladybug.Database(str(db_path), read_only=read_only)
        return db, ladybug.Connection(db)
    except RuntimeError as exc:
        raise ReadError(str(db_path), f"LadybugDB {ladybug.__version__} could not open it: {exc}",
                        hint="rebuild it with `mandategraph build`") from exc


_LITERALS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*")


def query_parameters(query: str) -> list[str]:
    """The ``$name`` parameters a query uses, outside strings and comments.

    >>> query_parameters("MATCH (t:Task) WHERE t.year = $year AND t.text CONTAINS '$5' RETURN $year")
    ['year']
    """
    names = re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", _LITERALS.sub("", query))
    return list(dict.fromkeys(names))


def run_cypher(db_path: str | Path, query: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list]]:
    """Run one Cypher query read-only and return ``(columns, rows)``.

    Opens the database, runs the query and closes it again; to run many
    queries keep a :class:`CypherStore` open (the query library's
    ``QuerySession`` does).

    Parameters
    ----------
    db_path : path
        A LadybugDB file (``OUT/graph.lbug``) or a built folder.
    query : str
        Cypher; parameters are written ``$name``.
    params : dict, optional
        Parameter values.

    Raises
    ------
    QueryError
        The query is malformed or fails; the message has LadybugDB's reason
        and the query.
    """
    store = CypherStore(db_path)
    try:
        return store.query(query, params)
    finally:
        store.close()


class CypherStore:
    """A LadybugDB database opened read-only once, for many queries.

    ``current()`` tells whether the file on disk is still the one opened
    (a rebuild replaces it, and ``ladybug_path`` rewrites it when the tables
    are newer); the query library's session reopens it when not.

    >>> from mandategraph.graph.sample import sample_graph
    >>> import tempfile, pathlib
    >>> db = write_ladybug(sample_graph(), pathlib.Path(tempfile.mkdtemp()) / "graph.lbug")
    >>> store = CypherStore(db)
    >>> store.query("MATCH (t:Task) RETURN count(*) AS n"), store.current()
    ((['n'], [[4]]), True)
    >>> store.close()
    """

    def __init__(self, db_path: str | Path):
        self.source = Path(db_path)
        self.path = self._resolve()
        self._stamp = _file_stamp(self.path)
        self.db, self.conn = open_database(self.path)

    def _resolve(self) -> Path:
        path = self.source
        return ladybug_path(path) if path.is_dir() or not path.exists() else path

    def current(self) -> bool:
        """True while the database file is the one that was opened."""
        try:
            return self._resolve() == self.path and _file_stamp(self.path) == self._stamp
        except ReadError:
            return False

    def query(self, query: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list]]:
        """Run one Cypher query; see :func:`run_cypher`."""
        # LadybugDB binds a parameter it was not given to null, silently, where
        # Neo4j refuses the query: refuse it here too, so a forgotten --param is
        # an error and not an empty answer.
        missing = [p for p in query_parameters(query) if p not in (params or {})]
        if missing:
            raise QueryError(f"the query uses {', '.join('$' + m for m in missing)} but no value was given "
                             f"(--param {missing[0]}=…)")
        try:
            result = self.conn.execute(query, params or {})
        except RuntimeError as exc:
            hint = ""
            if re.search(r"Cannot find property (chain_before|chain_after|chain_end|similar_jurisdictions)", str(exc)):
                hint = (f"\n  {self.path} was written before these task properties existed: "
                        "rebuild it (`mandategraph build`, or delete the file to rewrite it from the tables)")
            raise QueryError(f"{exc}\n  query: {' '.join(query.split())}{hint}") from exc
        if isinstance(result, list):  # several statements: keep the last result
            result = result[-1]
        return result.get_column_names(), result.get_all()

    def close(self) -> None:
        self.conn.close()
        self.db.close()


def _file_stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def graph_from_ladybug(db_path: str | Path) -> nx.MultiDiGraph:
    """Read every node and relationship of a database back into a MultiDiGraph.

    The inverse of :func:`write_ladybug`: used to check that a database (built
    by COPY or by the Neo4j MERGE statements) holds exactly the graph.
    """
    db, conn = open_database(db_path)
    g = nx.MultiDiGraph()
    try:
        for spec in NODES:
            _read_nodes(conn, spec, g)
        for spec in EDGES:
            _read_edges(conn, spec, g)
    finally:
        conn.close()
        db.close()
    return g


def _read_nodes(conn, spec: NodeSpec, g: nx.MultiDiGraph) -> None:
    names = list(spec.properties)
    cols = ", ".join(f"n.{p}" for p in names)
    for row in conn.execute(f"MATCH (n:{spec.label}) RETURN {cols} ORDER BY n.id").get_all():
        rec = dict(zip(names, row))
        g.add_node(rec.pop("id"), label=spec.label, **rec)


def _read_edges(conn, spec: EdgeSpec, g: nx.MultiDiGraph) -> None:
    names = list(spec.properties)
    cols = "".join(f", r.{p}" for p in names)
    query = (f"MATCH (a:{spec.source})-[r:{spec.type}]->(b:{spec.target}) "
             f"RETURN a.id, b.id{cols} ORDER BY a.id, b.id")
    for row in conn.execute(query).get_all():
        g.add_edge(row[0], row[1], key=spec.type, type=spec.type, **dict(zip(names, row[2:])))
