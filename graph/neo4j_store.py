"""Neo4j: the write statements of a push, the push itself, and neo4j-admin CSVs.

Every statement a push sends is generated here and nowhere else:

* :func:`constraint_statements` — Neo4j only: a uniqueness constraint on
  ``id`` per label, sent first so each ``MERGE`` below finds its node through
  an index.
* :func:`write_batches` — dialect-neutral ``UNWIND $rows AS row MERGE …``
  statements, one per label and edge type, with their rows cut into batches.
  They use only Cypher that LadybugDB runs too (no ``SET n += row``, no
  APOC), so the test suite runs these very statements against LadybugDB and
  checks they build the same graph as the bulk load — no Neo4j server can be
  installed here (DEPENDENCIES.md).

Node ids are the graph's own deterministic ids, and an edge is identified by
(source, type, target) — a MultiDiGraph keyed by type has at most one such
edge — so ``MERGE`` on them makes a re-push change nothing.

:func:`apply_batches` runs batches through any ``execute(cypher, params)``
function and records finished batches in a checkpoint file, so an interrupted
push resumes where it stopped; :func:`push` gives it a Neo4j driver session.

>>> from mandategraph.graph.sample import sample_graph
>>> print(write_batches(sample_graph())[0].cypher)
UNWIND $rows AS row
MERGE (n:Jurisdiction {id: row.id})
SET n.name = row.name, n.level = row.level, n.code = row.code, n.parent_code = row.parent_code, n.document = row.document, n.span_start = row.span_start, n.span_end = row.span_end
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import networkx as nx

from ..errors import StoreError
from .neo4j_admin import ARRAY_DELIMITER, write_admin_csv
from .schema import DOUBLE, EDGES, INT, NODES, STRINGS, EdgeSpec, NodeSpec
from .tables import edge_frames, node_frames, open_table, tables_of

__all__ = ["Batch", "PushReport", "constraint_statements", "node_statement", "edge_statement",
           "write_batches", "TableBatches", "batches_digest", "apply_batches", "resolve_connection", "push",
           "export_admin_csv", "admin_import_command", "statements_text", "URI_SCHEMES",
           "ARRAY_DELIMITER"]

URI_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
DEFAULT_BATCH_SIZE = 1000  # ~22k rows/s into LadybugDB at this size (DEPENDENCIES.md)


@dataclass(frozen=True)
class Batch:
    """One transaction of a push: a statement and the rows bound to ``$rows``."""

    key: str  # e.g. "node:Task:0002", stable for a given graph and batch size
    cypher: str
    rows: list[dict] = field(repr=False)


@dataclass
class PushReport:
    """What a push did: batches sent and skipped (already done), and Neo4j's counters."""

    batches: int = 0
    sent: int = 0
    skipped: int = 0
    rows: int = 0
    counters: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- statements

def constraint_statements() -> list[str]:
    """Neo4j-only uniqueness constraints on ``id``, one per node label.

    >>> constraint_statements()[2]
    'CREATE CONSTRAINT unit_id IF NOT EXISTS FOR (n:Unit) REQUIRE n.id IS UNIQUE'
    """
    return [f"CREATE CONSTRAINT {spec.label.lower()}_id IF NOT EXISTS FOR (n:{spec.label}) REQUIRE n.id IS UNIQUE"
            for spec in NODES]


def node_statement(spec: NodeSpec) -> str:
    """``UNWIND $rows AS row MERGE (n:Label {id: row.id}) SET n.p = row.p, …``."""
    sets = ", ".join(f"n.{p} = row.{p}" for p in spec.properties if p != "id")
    return f"UNWIND $rows AS row\nMERGE (n:{spec.label} {{id: row.id}})\nSET {sets}"


def edge_statement(spec: EdgeSpec) -> str:
    """``UNWIND … MATCH (a) MATCH (b) MERGE (a)-[r:TYPE]->(b) SET r.p = row.p, …``.

    >>> from mandategraph.graph.schema import edge_spec
    >>> print(edge_statement(edge_spec("CONTINUES")))
    UNWIND $rows AS row
    MATCH (a:Task {id: row.source})
    MATCH (b:Task {id: row.target})
    MERGE (a)-[r:CONTINUES]->(b)
    SET r.score = row.score, r.text_sim = row.text_sim, r.evidence = row.evidence, r.document = row.document, r.span_start = row.span_start, r.span_end = row.span_end
    """
    sets = ", ".join(f"r.{p} = row.{p}" for p in spec.properties)
    return (f"UNWIND $rows AS row\nMATCH (a:{spec.source} {{id: row.source}})\n"
            f"MATCH (b:{spec.target} {{id: row.target}})\nMERGE (a)-[r:{spec.type}]->(b)\nSET {sets}")


def _coerce(value: Any, type_: str) -> Any:
    # Parameters must carry the schema's types: LadybugDB infers one type per
    # struct field of $rows, and Neo4j stores whatever type it is sent.
    if type_ == INT:
        return int(value)
    if type_ == DOUBLE:
        return float(value)
    if type_ == STRINGS:
        return [str(x) for x in value or ()]
    return "" if value is None else str(value)


def _rows(df, props: dict[str, str], *, edge: bool) -> list[dict]:
    types = {"source": "STRING", "target": "STRING", **props} if edge else props
    return [{k: _coerce(rec[k], t) for k, t in types.items()} for rec in df.to_dict("records")]


def write_batches(g: nx.MultiDiGraph, batch_size: int = DEFAULT_BATCH_SIZE) -> list[Batch]:
    """Every node and relationship of ``g`` as MERGE batches: nodes first, then edges.

    Order is deterministic (schema order, rows by id), so batch keys name the
    same rows on every run over the same graph.
    """
    if batch_size < 1:
        raise StoreError(f"batch size must be at least 1, got {batch_size}")
    out: list[Batch] = []
    nodes, edges = node_frames(g), edge_frames(g)
    for spec in NODES:
        out += _cut(f"node:{spec.label}", node_statement(spec), _rows(nodes[spec.label], spec.properties, edge=False),
                    batch_size)
    for spec in EDGES:
        out += _cut(f"rel:{spec.type}", edge_statement(spec), _rows(edges[spec.type], spec.properties, edge=True),
                    batch_size)
    return out


def _cut(name: str, cypher: str, rows: list[dict], size: int) -> list[Batch]:
    return [Batch(f"{name}:{i // size:04d}", cypher, rows[i: i + size]) for i in range(0, len(rows), size)]


class TableBatches:
    """The batches of a build folder, read from its Parquet tables each time they are iterated.

    The same batches as :func:`write_batches` on the folder's graph (the
    tables hold its rows in the same order), with one table batch in memory
    instead of the graph and every row: a national build's graph alone takes
    ~13.5 GB. Iterating twice reads the tables twice, as :func:`push` does
    (once for the checkpoint's key, once to send).
    """

    def __init__(self, folder: str | Path, batch_size: int = DEFAULT_BATCH_SIZE):
        if batch_size < 1:
            raise StoreError(f"batch size must be at least 1, got {batch_size}")
        self.folder, self.batch_size = tables_of(folder), batch_size
        self._parts = [(f"node:{s.label}", node_statement(s), f"nodes_{s.label}", s.properties, False) for s in NODES]
        self._parts += [(f"rel:{s.type}", edge_statement(s), f"edges_{s.type}", s.properties, True) for s in EDGES]

    def _file(self, stem: str):
        return open_table(self.folder / f"{stem}.parquet")

    def counts(self) -> dict[str, tuple[int, int]]:
        """Rows and batches per statement (``node:Task``, ``rel:LEADS``, …), from the tables' metadata."""
        out = {}
        for name, _c, stem, _p, _e in self._parts:
            rows = self._file(stem).metadata.num_rows
            out[name] = (rows, -(-rows // self.batch_size))
        return out

    def __len__(self) -> int:
        return sum(n for _rows, n in self.counts().values())

    def __iter__(self) -> Iterator[Batch]:
        for name, cypher, stem, props, edge in self._parts:
            types = {"source": "STRING", "target": "STRING", **props} if edge else props
            pending: list[dict] = []
            number = 0
            for chunk in self._file(stem).iter_batches(self.batch_size, columns=list(types)):
                pending += [{k: _coerce(rec[k], t) for k, t in types.items()} for rec in chunk.to_pylist()]
                while len(pending) >= self.batch_size:
                    yield Batch(f"{name}:{number:04d}", cypher, pending[:self.batch_size])
                    pending, number = pending[self.batch_size:], number + 1
            if pending:
                yield Batch(f"{name}:{number:04d}", cypher, pending)


def batches_digest(batches: Iterable[Batch]) -> str:
    """A hash of the statements and rows: the identity of a push for resuming."""
    h = hashlib.sha256()
    for b in batches:
        h.update(json.dumps([b.key, b.cypher, b.rows], ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()


def statements_text(source: nx.MultiDiGraph | str | Path | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> str:
    """Every statement a push sends, for review, with row and batch counts when a graph or a build folder
    is given."""
    counts: dict[str, tuple[int, int]] = {}
    if isinstance(source, nx.Graph):
        for b in write_batches(source, batch_size):
            name = b.key.rsplit(":", 1)[0]
            rows, n = counts.get(name, (0, 0))
            counts[name] = (rows + len(b.rows), n + 1)
    elif source is not None:
        counts = TableBatches(source, batch_size).counts()
    lines = ["// 1. Constraints (Neo4j only; LadybugDB's primary keys play this part)"]
    lines += [s + ";" for s in constraint_statements()]
    lines.append("")
    lines.append(f"// 2. Nodes, then 3. relationships: $rows is a list of at most {batch_size} maps")
    for name, cypher in [(f"node:{s.label}", node_statement(s)) for s in NODES] + \
                        [(f"rel:{s.type}", edge_statement(s)) for s in EDGES]:
        note = ""
        if source is not None:
            rows, n = counts.get(name, (0, 0))
            note = f" — {rows} rows in {n} batch{'es' if n != 1 else ''}"
        lines += [f"// {name}{note}", cypher + ";", ""]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- running

def apply_batches(batches: Iterable[Batch], execute: Callable[[str, dict], Any], *,
                  checkpoint: str | Path | None = None, target: str = "") -> Iterator[tuple[Batch, bool, Any]]:
    """Run batches in order, yielding ``(batch, sent, result)`` for each.

    Parameters
    ----------
    batches : list of Batch or TableBatches
        From :func:`write_batches` or :class:`TableBatches`: iterated twice,
        once for the checkpoint's key and once to run them.
    execute : callable
        ``execute(cypher, {"rows": rows})`` runs one batch in one transaction
        and returns anything (Neo4j's counters, or None).
    checkpoint : path, optional
        A JSON file recording finished batches. Batches it lists are skipped
        (``sent`` is False) when it was written for the same batches and
        target; it is removed when every batch is done, so the next push
        sends everything again (and, being MERGE, changes nothing).
    target : str
        Where the batches go (URI and database), part of the checkpoint's key.
    """
    key = hashlib.sha256(f"{batches_digest(batches)}|{target}".encode()).hexdigest()
    path = Path(checkpoint) if checkpoint else None
    done: list[str] = []
    if path and path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if saved.get("key") == key:
            done = list(saved.get("done", []))
    finished = set(done)
    for batch in batches:
        if batch.key in finished:
            yield batch, False, None
            continue
        result = execute(batch.cypher, {"rows": batch.rows})
        done.append(batch.key)
        if path:
            _save_checkpoint(path, key, target, done)
        yield batch, True, result
    if path and path.exists():
        path.unlink()


def _save_checkpoint(path: Path, key: str, target: str, done: list[str]) -> None:
    # Write-then-rename: an interruption mid-write never leaves a torn file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"key": key, "target": target, "done": done}, ensure_ascii=False, indent=0),
                   encoding="utf-8")
    os.replace(tmp, path)


def resolve_connection(uri: str | None = None, user: str | None = None, password: str | None = None,
                       database: str | None = None) -> tuple[str, str, str | None, str]:
    """Options first, then NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE.

    >>> resolve_connection("neo4j+s://x.databases.neo4j.io", "neo4j", "pw", None)[3]
    'neo4j'
    >>> try:
    ...     resolve_connection("http://localhost:7474")
    ... except StoreError as exc:
    ...     print(exc)
    unsupported Neo4j URI scheme 'http' in 'http://localhost:7474'; use one of neo4j, neo4j+s, neo4j+ssc, bolt, bolt+s, bolt+ssc
    """
    uri = uri or os.environ.get("NEO4J_URI")
    if not uri:
        raise StoreError("no Neo4j URI: pass --uri or set NEO4J_URI (e.g. neo4j://localhost:7687)")
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in URI_SCHEMES:
        raise StoreError(f"unsupported Neo4j URI scheme {scheme!r} in {uri!r}; use one of {', '.join(URI_SCHEMES)}")
    user = user or os.environ.get("NEO4J_USER") or "neo4j"
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    database = database or os.environ.get("NEO4J_DATABASE") or "neo4j"
    return uri, user, password, database


def push(source: nx.MultiDiGraph | str | Path, uri: str | None = None, user: str | None = None,
         password: str | None = None, database: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE, *,
         checkpoint: str | Path | None = None, max_retry_time: float = 30.0,
         progress: Callable[[Batch, bool], None] | None = None) -> PushReport:
    """Push a graph or a build folder into Neo4j: constraints, then node batches, then relationship batches.

    A build folder is read from its tables a batch at a time (:class:`TableBatches`).

    Each batch is one managed write transaction (``session.execute_write``),
    which the driver retries on transient errors (leader switch, deadlock,
    lost connection) for up to ``max_retry_time`` seconds. With a
    ``checkpoint`` file an interrupted push resumes at the first unfinished
    batch. ``database`` is always named, never left to the server's default.

    Raises
    ------
    StoreError
        No URI, a bad scheme, a refused login or a failed batch (the
        checkpoint then keeps the batches done so far).
    """
    uri, user, password, database = resolve_connection(uri, user, password, database)
    try:
        import neo4j
        from neo4j.exceptions import Neo4jError, DriverError
    except ImportError as exc:  # the driver is a dependency, but only this store needs it
        raise StoreError("the `neo4j` driver is not installed: pip install neo4j") from exc

    batches = write_batches(source, batch_size) if isinstance(source, nx.Graph) else TableBatches(source, batch_size)
    report = PushReport(batches=len(batches))
    auth = (user, password) if password is not None else None
    try:
        with neo4j.GraphDatabase.driver(uri, auth=auth, max_transaction_retry_time=max_retry_time) as driver:
            driver.verify_connectivity()
            for stmt in constraint_statements():
                driver.execute_query(stmt, database_=database)
            with driver.session(database=database) as session:
                def execute(cypher: str, params: dict) -> dict:
                    return session.execute_write(_write_tx, cypher, params)

                for batch, sent, counters in apply_batches(batches, execute, checkpoint=checkpoint,
                                                           target=f"{uri}|{database}"):
                    if sent:
                        report.sent += 1
                        report.rows += len(batch.rows)
                        for k, v in counters.items():
                            report.counters[k] = report.counters.get(k, 0) + v
                    else:
                        report.skipped += 1
                    if progress:
                        progress(batch, sent)
    except (Neo4jError, DriverError, OSError) as exc:
        raise StoreError(f"Neo4j push to {uri} (database {database!r}) failed: {exc}") from exc
    return report


def _write_tx(tx, cypher: str, params: dict) -> dict[str, int]:
    summary = tx.run(cypher, params).consume()
    c = summary.counters
    return {"nodes_created": c.nodes_created, "relationships_created": c.relationships_created,
            "properties_set": c.properties_set}


# ---------------------------------------------------------------- neo4j-admin CSVs

def export_admin_csv(source: nx.MultiDiGraph | str | Path, folder: str | Path, database: str = "neo4j"
                     ) -> list[Path]:
    """Write the CSV set for ``neo4j-admin database import full`` and the command to run it.

    One file per label (``nodes_<Label>.csv``: ``id:ID(<Label>)``, typed
    properties, ``:LABEL``) and per edge type (``edges_<TYPE>.csv``:
    ``:START_ID(<Label>)``, ``:END_ID(<Label>)``, properties, ``:TYPE``), each
    label its own id space. Lists are joined with ``;`` (``--array-delimiter``).
    ``IMPORT.txt`` holds the command line and the constraints to create after.

    ``source`` is a graph or a build folder; a folder's tables are written a
    batch at a time, without loading the graph (:mod:`.neo4j_admin`).

    Returns
    -------
    list of Path
        The CSV files and ``IMPORT.txt``.
    """
    return write_admin_csv(source, folder, _import_readme(database))


def admin_import_command(database: str = "neo4j") -> str:
    """The ``neo4j-admin`` command line that imports the CSVs (run from their folder).

    >>> admin_import_command().split(" \\\\\\n  ")[:3]
    ['neo4j-admin database import full neo4j', '--overwrite-destination', "--array-delimiter=';'"]
    """
    parts = [f"neo4j-admin database import full {shlex.quote(database)}", "--overwrite-destination",
             f"--array-delimiter={shlex.quote(ARRAY_DELIMITER)}", "--multiline-fields=true", "--id-type=string"]
    parts += [f"--nodes=nodes_{s.label}.csv" for s in NODES]
    parts += [f"--relationships=edges_{s.type}.csv" for s in EDGES]
    return " \\\n  ".join(parts)


def _import_readme(database: str) -> str:
    return (
        "CSV files for neo4j-admin database import (Neo4j 5), written by `mandategraph neo4j export`.\n"
        "\n"
        "One file per node label and per relationship type; each label is its own ID space\n"
        "(id:ID(Label)), and the id is also stored as the property `id`. List properties are\n"
        f"joined with '{ARRAY_DELIMITER}'; an empty list is an empty field (no property).\n"
        "Stop the database first (or import into a new one), then run from this folder:\n"
        "\n"
        f"{admin_import_command(database)}\n"
        "\n"
        "Then create the constraints a `mandategraph neo4j push` would have created:\n"
        "\n"
        + "\n".join(s + ";" for s in constraint_statements()) + "\n"
    )
