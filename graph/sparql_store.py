"""The embedded SPARQL store: the graph's RDF in Oxigraph (pyoxigraph), beside the build.

Why pyoxigraph
--------------
Measured on these machines (``bench/bench_rdf.py``; DEPENDENCIES.md for the
1M-triple figures): rdflib's own Memory store parses a million triples in
48 s and answers a GROUP BY + COUNT + CONTAINS in 17 s; rdflib over Oxigraph
(oxrdflib) takes 3.0 s and 0.35 s but still converts every result term
through rdflib; pyoxigraph directly takes 2.9 s and 0.28 s with the least
memory (426–581 MB against 815 MB and 1.24 GB). On the seed graph, the 13
library queries take 0.1–5 ms each on pyoxigraph, 4–50 ms on oxrdflib and
20–1,900 ms on rdflib Memory. So the embedded store is pyoxigraph; the other
two stay selectable (``kind=``) for the benchmark.

The store of a build folder is kept at ``OUT/sparql.oxigraph/`` and rebuilt
when the node and edge tables change (a stamp file holds their sizes and
modification times), so a query on a national-scale build does not redo the
export each time.

Parameters
----------
Query files write parameters as ``$name``. SPARQL has no portable way to
pass them (rdflib's ``initBindings`` and Oxigraph's substitutions differ, a
remote endpoint has neither, and a trailing ``VALUES`` is joined after
aggregation), so :func:`substitute` replaces each ``$name`` with an escaped
literal before the query runs, the same way for every store.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import QueryError, ReadError, StoreError, UnknownNameError
from .guard import sparql_literal, substitute_sparql
from .rdf_vocab import DEFAULT_BASE
from .tables import tables_of

__all__ = ["STORE_KINDS", "EmbeddedStore", "load_store", "substitute", "sparql_literal", "python_value",
           "store_path", "store_is_current", "ensure_store", "open_graph_store", "run_sparql", "run_library_query",
           "BuildStore", "STORE_DIR"]

STORE_DIR = "sparql.oxigraph"  # inside a build folder
STORE_KINDS = ("oxigraph", "oxrdflib", "rdflib")
_STAMP = "mandategraph-stamp.json"
_STAMP_VERSION = 2  # bump when the RDF mapping changes, so old stores are rebuilt (2: derived task properties)

_INT_TYPES = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "unsignedInt",
    "unsignedLong", "unsignedShort", "unsignedByte", "nonPositiveInteger", "negativeInteger")}
_FLOAT_TYPES = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("decimal", "double", "float")}
_BOOL = "http://www.w3.org/2001/XMLSchema#boolean"


# ---------------------------------------------------------------- parameters

# One reading of a query's text and its parameters (graph/guard.py): a $name in a string,
# an IRI or a comment stays as written; a value goes in as an escaped literal.
substitute = substitute_sparql


def python_value(kind: str, value: str | None, datatype: str | None = None) -> Any:
    """A result term as Python: integers as int, decimals as float, the rest as text."""
    if kind == "unbound" or value is None:
        return None
    if kind == "literal" and datatype:
        if datatype in _INT_TYPES:
            try:
                return int(value)
            except ValueError:
                return value
        if datatype in _FLOAT_TYPES:
            try:
                return float(value)
            except ValueError:
                return value
        if datatype == _BOOL:
            return value in ("true", "1")
    return value


# ---------------------------------------------------------------- stores

@dataclass
class EmbeddedStore:
    """One RDF graph in one embedded engine, answering SPARQL SELECT / ASK."""

    kind: str
    engine: Any
    triples: int = 0

    def query(self, text: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list]]:
        """Run a SELECT (or ASK) query; return ``(columns, rows)``.

        Raises
        ------
        QueryError
            The query is not valid SPARQL, or is not a SELECT or ASK.
        """
        text = substitute(text, params)
        if self.kind == "oxigraph":
            return _query_oxigraph(self.engine, text)
        return _query_rdflib(self.engine, text)


def _query_oxigraph(store, text: str) -> tuple[list[str], list[list]]:
    import pyoxigraph as ox

    try:
        result = store.query(text)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {exc}{_caret(text, str(exc))}") from None
    except (ValueError, OSError) as exc:
        raise QueryError(f"the query failed: {exc}") from None
    if isinstance(result, bool) or isinstance(result, ox.QueryBoolean):
        return ["ask"], [[bool(result)]]
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("only SELECT and ASK queries return rows; use CONSTRUCT through `export rdf` instead")
    columns = [v.value for v in result.variables]
    rows = []
    for sol in result:
        row = []
        for c in columns:
            term = sol[c]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.Literal):
                row.append(python_value("literal", term.value, term.datatype.value if term.datatype else None))
            else:
                row.append(term.value)
        rows.append(row)
    return columns, rows


def _caret(text: str, message: str) -> str:
    """The query line Oxigraph's "error at LINE:COLUMN" points at, with a caret under it."""
    m = re.search(r"at (\d+):(\d+)", message)
    if not m:
        return ""
    lines = text.splitlines()
    line, col = int(m.group(1)), int(m.group(2))
    if not 1 <= line <= len(lines):
        return ""
    src = lines[line - 1]
    # Wide (CJK) characters take two terminal columns.
    pad = sum(2 if ord(ch) > 0x2E80 else 1 for ch in src[: max(col - 1, 0)])
    return f"\n    {src}\n    {' ' * pad}^"


def _query_rdflib(graph, text: str) -> tuple[list[str], list[list]]:
    from pyparsing import ParseException
    from rdflib import Literal

    try:
        result = graph.query(text)
    except (ParseException, SyntaxError) as exc:  # oxrdflib passes Oxigraph's SyntaxError through
        raise QueryError(f"malformed SPARQL: {exc}") from None
    except Exception as exc:  # rdflib and oxrdflib raise many kinds
        raise QueryError(f"the query failed: {exc}") from None
    if result.type == "ASK":
        return ["ask"], [[bool(result.askAnswer)]]
    if result.type != "SELECT":
        raise QueryError("only SELECT and ASK queries return rows")
    columns = [str(v) for v in result.vars]
    rows = []
    for r in result:
        row = []
        for term in r:
            if term is None:
                row.append(None)
            elif isinstance(term, Literal):
                row.append(python_value("literal", str(term), str(term.datatype) if term.datatype else None))
            else:
                row.append(str(term))
        rows.append(row)
    return columns, rows


def load_store(source: str | Path | bytes, kind: str = "oxigraph") -> EmbeddedStore:
    """An in-memory store of ``kind`` holding an N-Triples file (or bytes).

    Parameters
    ----------
    source : path or bytes
        N-Triples.
    kind : {"oxigraph", "oxrdflib", "rdflib"}
        pyoxigraph directly, rdflib over Oxigraph, or rdflib's Memory store.
    """
    if kind not in STORE_KINDS:
        raise UnknownNameError("SPARQL store", kind, STORE_KINDS)
    data = source if isinstance(source, bytes) else None
    path = None if data is not None else str(source)
    if kind == "oxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        if data is not None:
            store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        else:
            store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES)
        return EmbeddedStore(kind, store, len(store))
    from rdflib import Graph

    if kind == "oxrdflib":
        g = Graph(store="Oxigraph")
        # "ox-ntriples" goes through Oxigraph's parser; plain "nt" would use
        # rdflib's, which is ~15 times slower (DEPENDENCIES.md).
        g.parse(data=data, format="ox-ntriples") if data is not None else g.parse(path, format="ox-ntriples")
    else:
        g = Graph()
        g.parse(data=data, format="nt") if data is not None else g.parse(path, format="nt")
    return EmbeddedStore(kind, g, len(g))


# ---------------------------------------------------------------- the store of a build

def _fingerprint(graph_dir: Path, base: str) -> dict:
    tables = tables_of(graph_dir)
    files = sorted(tables.glob("*.parquet"))
    return {"version": _STAMP_VERSION, "base": base,
            "tables": {f.name: [f.stat().st_size, f.stat().st_mtime_ns] for f in files}}


def store_path(graph_dir: str | Path) -> Path:
    return Path(graph_dir) / STORE_DIR


def store_is_current(graph_dir: str | Path, base: str = DEFAULT_BASE) -> bool:
    """Whether the build's embedded store exists and was made from its tables as they are (no load due)."""
    return _stamped(store_path(graph_dir), _fingerprint(Path(graph_dir), base))


def _stamped(store: Path, stamp: dict) -> bool:
    try:
        return json.loads((store / _STAMP).read_text(encoding="utf-8")) == stamp
    except (ValueError, OSError):  # no store, or an unreadable stamp: (re)build
        return False


def ensure_store(graph_dir: str | Path, base: str = DEFAULT_BASE) -> Path:
    """The on-disk Oxigraph store of a build folder, (re)built when its tables changed.

    The store is built in a scratch folder and renamed into place, so a reader
    never sees half a store and a failed build leaves the old one.
    """
    from .rdf_export import write_graph

    graph_dir = Path(graph_dir)
    stamp = _fingerprint(graph_dir, base)
    target = store_path(graph_dir)
    if _stamped(target, stamp):
        return target
    import pyoxigraph as ox

    scratch = Path(tempfile.mkdtemp(prefix=".sparql-", dir=graph_dir))
    try:
        nt = scratch / "graph.nt"
        # Straight from the tables, as `export rdf` does: loading a national build's graph took 123 s, 13.5 GB.
        write_graph(graph_dir, base, nt=nt)
        db = scratch / "store"
        store = ox.Store(str(db))
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        del store
        (db / _STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        old = graph_dir / f".sparql-old-{os.getpid()}-{time.monotonic_ns()}"
        if target.exists():
            target.rename(old)
        db.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _OPEN.pop(str(target), None)
    return target


_OPEN: dict[str, tuple[float, EmbeddedStore]] = {}


def open_graph_store(graph_dir: str | Path, base: str = DEFAULT_BASE) -> EmbeddedStore:
    """The embedded store of a build folder, opened read-only (and kept open in this process)."""
    import pyoxigraph as ox

    path = ensure_store(graph_dir, base)
    key = str(path)
    mtime = (path / _STAMP).stat().st_mtime
    cached = _OPEN.get(key)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        store = ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the SPARQL store {path}: {exc}") from None
    opened = EmbeddedStore("oxigraph", store)
    _OPEN[key] = (mtime, opened)
    return opened


class BuildStore:
    """The embedded store of a build folder, opened read-only once for many queries.

    The query library's opener for ``--store oxigraph`` (its ``QuerySession``
    keeps it open and reopens it when ``current()`` turns false: the tables
    changed, or the store was rebuilt).
    """

    def __init__(self, graph_dir: str | Path, base: str = DEFAULT_BASE):
        import pyoxigraph as ox

        self.graph_dir, self.base = Path(graph_dir), base
        self.path = ensure_store(self.graph_dir, base)
        self._stamp = (self.path / _STAMP).stat().st_mtime_ns
        try:
            self.store = EmbeddedStore("oxigraph", ox.Store.read_only(str(self.path)))
        except OSError as exc:
            raise StoreError(f"cannot open the SPARQL store {self.path}: {exc}") from None

    def current(self) -> bool:
        """True while the tables are those the store was made from, and the store the one opened."""
        try:
            stamp = self.path / _STAMP
            return (stamp.stat().st_mtime_ns == self._stamp
                    and json.loads(stamp.read_text(encoding="utf-8")) == _fingerprint(self.graph_dir, self.base))
        except (OSError, ValueError, ReadError):
            return False

    def query(self, text: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list]]:
        return self.store.query(text, params)

    def close(self) -> None:
        self.store = None  # pyoxigraph closes the store when its last reference goes


def run_sparql(graph_dir: str | Path, text: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list]]:
    """Run SPARQL on a build folder's embedded store; the runner the query library registers as ``oxigraph``."""
    return open_graph_store(graph_dir).query(text, params)


def run_library_query(name: str, params: dict[str, Any] | None = None, *, graph_dir: str | Path | None = None,
                      store: EmbeddedStore | None = None, endpoint: str | None = None,
                      default_graph: str | None = None, auth: Any = None) -> tuple[list[str], list[list]]:
    """Run the library query ``name`` in SPARQL on a build, an open store or an endpoint.

    Parameters are checked and defaulted by the query library, as for Cypher.
    """
    from ..queries.library import bind_params, get_query

    query = get_query(name, "sparql")
    bound = bind_params(query, params)
    if store is not None:
        return store.query(query.text, bound)
    if endpoint is not None:
        from .sparql_server import query_endpoint

        return query_endpoint(endpoint, substitute(query.text, bound), default_graph=default_graph, auth=auth)
    if graph_dir is None:
        raise QueryError("run_library_query needs graph_dir, store or endpoint")
    return run_sparql(graph_dir, query.text, bound)


def _register() -> None:
    # The query library's documented extension point: `query --store oxigraph`.
    from ..queries.library import STORES, register_store

    if "oxigraph" not in STORES:
        register_store("oxigraph", "sparql", "mandategraph.graph.sparql_store:BuildStore", opener=True)


_register()

