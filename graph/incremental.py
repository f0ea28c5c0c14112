"""Add documents to a built folder without rebuilding it.

:func:`add_documents` extracts the new files and changes only the rows they
touch. Everything but SIMILAR_TO ends up as a full ``build`` of the old and
new inputs would write it: the same ids, byte-identical CSV and Parquet
tables and the same ``extract.jsonl`` and ``unplaced.jsonl`` once the rows
the add left pending are folded in (:func:`fold`), the same
``summary.json``, and ``graph.lbug`` updated in place. Adding a document that is already in the
graph (same bytes, so the same document id) changes nothing.

Large batches
-------------
Each document an add takes reads the tables again, so a batch of many
costs more than a rebuild (bench/bench_add_batch.py: the two meet at about
14 plans on builds of 300 and of 1,200). :func:`add_documents` rebuilds
instead from :func:`rebuild_threshold` new plans: the folder is built again
from the documents its ``inputs.json`` records (written by the build, each
add appending its documents in the same commit) plus the new ones, which is
the folder ``build`` of all of them writes. When the record is missing or a
recorded document is gone or changed, or the folder holds a file neither a
build nor a mandategraph command writes there, it says so and adds one by
one; so it does when a recorded document fails to extract during the
rebuild (nothing is swapped in). The rebuild holds the folder's build lock
(exclusive) from reading what to rebuild to the swap: an add running
meanwhile makes it refuse at once, and no add commits in between. Like any
build it replaces the folder whole, the outputs of other commands in it
(``rdf/``, ``report/``, …) included, and names those it removed.

How a build decides a row, and how an add repeats it
----------------------------------------------------
A build adds documents in the order of ``(jurisdiction code, year, file
name)``. Documents, tasks and their mandates are new rows. A unit (or cited
instrument) keeps the provenance of the *first* document in that order that
names it, while its ``aliases`` and ``names_by_year`` collect every spelling;
a ``MEMBER_OF`` edge keeps the provenance of the *last* document that lists
it. An add compares the new document's place in that order with the document
a row came from and keeps or replaces the row accordingly.

Linking runs :func:`mandategraph.graph.build.link_graph` (the build's own
linking) on a small graph: the new document and every task of its
jurisdiction (all years). From that run the add keeps

- ``IN_THEME`` of the new tasks and ``DETAILS`` of the new document (both
  decided per task or per document: exact);
- ``CONTINUES``, task ``status`` and the chain properties of the whole
  jurisdiction, replaced (decided per jurisdiction over all its years: exact).

SIMILAR_TO
----------
A build scores SIMILAR_TO over all tasks together: the IDF is fitted on every
task, and above 20,000 tasks candidate pairs come from MinHash LSH buckets of
the whole corpus, each sentence paired with the next few in a bucket sorted
with random numbers drawn over the whole corpus. One new document therefore
changes, in a rebuild, the score of nearly every old link in the 4th decimal
(IDF) and, above 20,000 tasks, which neighbours the buckets pair: at 10 % of
national a rebuild with two more plans keeps only about half of the links
of the build before (bench/README.md). No local update can give those bytes, and
the rebuild's own sample is no stabler a reference. An add
(``similar="incremental"``, the default) instead

1. takes the new tasks (with any old task of the same jurisdiction and year:
   they share matching slots) and the old tasks of other jurisdictions in
   the year window; above ``SIMILAR_CANDIDATES`` of those, the plans of the
   jurisdictions already most linked to the new document's jurisdiction,
   then of its province, up to that many tasks;
2. pairs them as the build would at the graph's size: every pair up to the
   build's exact limit, else the build's LSH bands and window among these
   tasks (so the new tasks get links as dense as a build's);
3. scores the pairs with the IDF a rebuild would fit: document frequencies of
   all tasks are kept in ``add_index.npz`` (:func:`write_add_index`) and
   updated by each add;
4. matches them as the build does (best partner per plan, ties in the
   build's order) and applies the top-k bar at both ends of every new link,
   using the stored links of the old tasks: an old link that falls out of
   the top k of both its tasks is removed, as a rebuild would remove it.

Below the exact limit the new tasks' links are the rebuild's but where the
IDF moved the order of near-equal old links; old links keep their stored
scores. ``similar="exact"`` (``mandategraph add --exact-similar``) recomputes
SIMILAR_TO over the whole graph with the build's own function instead:
identical to a rebuild, and it costs a rebuild's SIMILAR_TO.

Writing
-------
An add commits the rows it changes to the database and to
``tables/pending.json`` (per table: keys dropped, rows written; and the new
lines of ``extract.jsonl`` / ``unplaced.jsonl``), not to the table files:
rewriting the tables a national add touches takes ~6 s, longer than the rest
of the add. The next add reads the tables with those rows applied
(``_Folder``; the big edge tables only as their keys, ``_Folder.keys``).
:func:`fold` writes them into the files, once for any number of adds: every
mandategraph command that reads the tables calls it first
(:func:`mandategraph.graph.tables.tables_of`), as do :func:`checkpoint`,
``checkpoint=True`` and the add that leaves the file above
``FOLD_PENDING_BYTES``.

A fold splices every table column-wise: rows to drop are found with Arrow
``is_in``, insertion points by binary search on the sorted keys, and the new
Parquet file is the old table's slices with the new rows between them. The
CSV is copied in byte ranges (``copy_file_range``) between the rows found by
binary search in the file itself (from one index of its lines when there
are many); only new rows are rendered, with the build's own writer.
``graph.lbug`` gets the same row changes in one transaction (DELETE of
removed edges, CREATE of new nodes and edges, SET of changed nodes; an edge
table with many changes is deleted and loaded again with ``COPY``). Every
new file is written beside the old one first; a journal
(``.add-journal.json``) then records them, the database commits, and the
files are renamed into place (an add's: ``pending.json``, ``summary.json``
and the index; a fold's: the tables, with no database step). An add
interrupted before the commit leaves the folder as it was; one interrupted
after it is finished by the next add (or by :func:`recover`).

The database commit is durable in LadybugDB's write-ahead log
(``graph.lbug.wal``), and the add leaves it there: the checkpoint that folds
the log into ``graph.lbug`` rewrites the adjacency of each node group an
edge was added to or removed from (the 37 themes' IN_THEME group on every
add, and the node groups of the old tasks new links reach): ~11 s at
national size, nearly as much for one add's log as for ten. Every open of
the database (queries included) replays the log, ~70 ms per MB (~1 MB per
document at national size), so the add that leaves the log above
``CHECKPOINT_WAL_BYTES`` checkpoints, and :func:`checkpoint`
(``mandategraph checkpoint``) does it on demand. ``graph.lbug`` and
``graph.lbug.wal`` are the database together.

What grows with the graph: reading the tables an add looks at (the Task
table whole, its text column most of it), the fold (each table a row
changes in is written again whole, one sorted file per table: Parquet
decoded and encoded again, CSV and ``extract.jsonl`` copied in the kernel)
and the checkpoint. The linking, SIMILAR_TO (bounded by
``SIMILAR_CANDIDATES``) and the rows do not.
"""
from __future__ import annotations

import bisect
import contextlib
import csv
import hashlib
import inspect
import json
import mmap
import os
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Iterable, Literal

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import scipy.sparse as sp
from numba import njit

from ..errors import ReadError
from ..loaders.extract import extract_file  # noqa: F401  (callers extract with it: add_extraction)
from ..loaders.inputs import file_checksum
from ..loaders.model import Extraction
from .build import INPUTS_NAME, BuildOptions, Progress, find_inputs, inputs_text, link_graph
from .continuity import NGRAM_BITS
from .documents import add_document
from .ids import document_id
from .mandates import add_mandates
from .schema import EDGES, NODES, STRINGS, edge_spec, node_spec
from .folder import being_written, build_lock, check_build, derived_entries, foreign_entries, is_staged
from .tables import PENDING_NAME, _csv_ready, default_value, edge_frames, node_frames, not_built, parquet_options
from .tfidf import document_frequency, smooth_idf, weigh
from .themes import FALLBACK_THEME

__all__ = ["AddResult", "add_documents", "rebuild_threshold", "REBUILD_MIN_PLANS", "REBUILD_SHARE",
           "add_extraction", "recover", "checkpoint", "fold", "pending_bytes", "wal_bytes",
           "write_add_index", "LINKED_TYPES", "INDEX_NAME", "PENDING_NAME", "SIMILAR_CANDIDATES",
           "CHECKPOINT_WAL_BYTES", "FOLD_PENDING_BYTES"]

# Edge types written by linking, and how an add keeps them (see the module docstring).
LINKED_TYPES = ("IN_THEME", "CONTINUES", "SIMILAR_TO", "DETAILS")
SIMILAR_CANDIDATES = 20_000  # old tasks a new document's tasks are scored against, at most
INDEX_NAME = "add_index.npz"  # what add keeps beside the tables (n-gram document frequencies, link options)
JOURNAL_NAME = ".add-journal.json"
LOCK_NAME = ".add-lock"
_TMP = ".add-tmp"
_WORK = ".add-work"  # files LadybugDB loads during an add
_MANY_PIECES = 2000  # above this many runs of rows, a table's CSV is spliced from one index of its lines
_BULK_ROWS = 50_000  # above this many changed rows, LadybugDB gets the whole edge table again (COPY)
_BITS = NGRAM_BITS  # hashed n-gram columns, as continuity.vectorize
# An add leaves its database changes in graph.lbug's write-ahead log (graph.lbug.wal, ~1 MB per document at
# national size); the add that leaves the log above this size folds it into the file (LadybugDB's checkpoint,
# see _apply_ladybug and checkpoint). Every open of the database replays the log: ~70 ms per MB.
CHECKPOINT_WAL_BYTES = 8 << 20
# The add that leaves tables/pending.json above this size folds it into the table files (see fold).
FOLD_PENDING_BYTES = 8 << 20
_OLD = ".add-old"  # a file moved aside while its new version is renamed into place

Similar = Literal["incremental", "exact"]


@dataclass
class AddResult:
    """What :func:`add_documents` did."""

    added: list[str] = field(default_factory=list)  # document ids
    unchanged: list[str] = field(default_factory=list)  # document ids already in the graph
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    rows: dict[str, list[int]] = field(default_factory=dict)  # table -> [rows removed, rows written]
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> time
    rewritten: list[str] = field(default_factory=list)  # CSV tables rendered whole (slow path)
    similar: dict = field(default_factory=dict)  # SIMILAR_TO: mode, tasks in reach, scored, links added/removed
    rebuilt: bool = False  # the folder was rebuilt from its inputs and the new files (a large batch)
    how: str = ""  # why the add rebuilt, or why it could not
    notices: list[str] = field(default_factory=list)  # files left out, duplicates, what reading changed
    counts: dict[str, list[int]] = field(default_factory=dict)  # "nodes_X"/"edges_X" -> [before, after]


def _tick(result: AddResult, stage: str, t0: float) -> float:
    now = time.perf_counter()
    result.seconds[stage] = round(result.seconds.get(stage, 0.0) + now - t0, 4)
    return now


# --------------------------------------------------------------------------- the folder


class _Folder:
    """A build folder; tables are read once (in background threads) and kept for the add.

    A table is read as adds left it: its file with the row changes pending in
    ``tables/pending.json`` applied (``pending=False``: the file alone, as the
    fold reads it).
    """

    def __init__(self, out: str | Path, pending: bool = True):
        self.out = Path(out)
        self.tables = self.out / "tables"
        if not (self.tables / "nodes_Task.parquet").exists():  # not tables_of: it would fold the pending rows
            raise not_built(out)
        self.pending = _Pending.load(self.tables) if pending else _Pending()
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._io = ThreadPoolExecutor(max_workers=1)  # file copies that wait on the disk, not the CPU
        self._tables: dict[str | tuple[str, str], Future] = {}

    def path(self, stem: str, suffix: str = "parquet") -> Path:
        return self.tables / f"{stem}.{suffix}"

    def _read(self, stem: str, columns: list[str] | None = None) -> pa.Table:
        return _with_rows(pq.read_table(self.path(stem), columns=columns), stem,
                          self.pending.remove.get(stem, set()), self.pending.write.get(stem, {}))

    def prefetch(self, stems: Iterable[str]) -> None:
        for stem in stems:
            if stem not in self._tables:
                self._tables[stem] = self._pool.submit(self._read, stem)

    def prefetch_keys(self, stems: Iterable[str]) -> None:
        for stem in stems:
            if ("keys", stem) not in self._tables:
                self._tables[("keys", stem)] = self._pool.submit(self._read, stem, _key_columns(stem))

    def table(self, stem: str) -> pa.Table:
        """The whole table."""
        self.prefetch([stem])
        return self._tables[stem].result()

    def keys(self, stem: str) -> pa.Table:
        """An edge table's keys and score (``_key_columns``), in the rows of :meth:`table`.

        What an add looks up in the big edge tables (the links of given
        tasks, whether a key is there); reading a national IN_THEME or LEADS
        whole, with its provenance and lists, costs several times as much.
        """
        if stem in self._tables or _is_node(stem):
            return self.table(stem)
        self.prefetch_keys([stem])
        return self._tables[("keys", stem)].result()

    def submit(self, fn, *args) -> Future:
        return self._pool.submit(fn, *args)

    def submit_io(self, fn, *args) -> Future:
        return self._io.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._io.shutdown(wait=True)


def _props(stem: str) -> dict[str, str]:
    kind, name = stem.split("_", 1)
    return node_spec(name).properties if kind == "nodes" else edge_spec(name).properties


def _is_node(stem: str) -> bool:
    return stem.startswith("nodes_")


def _columns(stem: str) -> list[str]:
    return ([] if _is_node(stem) else ["source", "target"]) + list(_props(stem))


def _key_columns(stem: str) -> list[str]:
    """The columns of an edge table's key view (:meth:`_Folder.keys`)."""
    return ["source", "target"] + [c for c in ("score",) if c in _props(stem)]


def _str_set(values: Iterable[str]) -> pa.Array:
    return pa.array(sorted(set(values)), pa.large_string())


def _mask(arr, values: Iterable[str]) -> np.ndarray:
    vs = _str_set(values)
    if not len(vs) or not len(arr):
        return np.zeros(len(arr), bool)
    return pc.is_in(arr, value_set=vs.cast(arr.type)).to_numpy(zero_copy_only=False).astype(bool)


def _touching(table: pa.Table, ids: Iterable[str], ends=("source", "target")) -> np.ndarray:
    """Row numbers of edges with an end in ``ids``."""
    ids = set(ids)
    m = np.zeros(table.num_rows, bool)
    if ids:
        for e in ends:
            m |= _mask(table.column(e), ids)
    return np.flatnonzero(m)


def _take(table: pa.Table | pa.ChunkedArray, rows) -> pa.Table | pa.ChunkedArray:
    """Rows of a table (or of one of its columns) by number, chunk by chunk.

    Arrow's take joins a column's chunks into one array first, on every
    call: 50 ms for the national Task table (a Parquet file reads in chunks
    of 128k rows), and an add takes rows ~130 times.
    """
    rows = np.asarray(rows, np.int64)
    table_like = isinstance(table, pa.Table)
    chunks = table.to_batches() if table_like else table.chunks
    if len(chunks) <= 1 or not len(rows):
        return table.take(pa.array(rows, pa.int64()))
    starts = np.cumsum([0] + [len(c) for c in chunks])
    of = np.searchsorted(starts, rows, side="right") - 1
    order = np.argsort(of, kind="stable")
    cut = np.searchsorted(of[order], np.arange(len(chunks) + 1))
    parts = [chunks[k].take(pa.array(rows[order[cut[k]:cut[k + 1]]] - starts[k]))
             for k in range(len(chunks)) if cut[k + 1] > cut[k]]
    got = pa.Table.from_batches(parts, schema=table.schema) if table_like else pa.chunked_array(parts, table.type)
    if np.all(order[1:] > order[:-1]):  # the rows were in chunk order already
        return got
    back = np.empty(len(rows), np.int64)
    back[order] = np.arange(len(rows))
    return got.take(pa.array(back))  # as small as the result


def _rows_with_keys(table: pa.Table, keys: set, node: bool) -> tuple[np.ndarray, list]:
    """Row numbers (sorted) of the rows whose key is in ``keys``, and those keys."""
    if not keys or not table.num_rows:
        return np.empty(0, np.int64), []
    if node:
        rows = np.flatnonzero(_mask(table.column("id"), keys))
        return rows, _take(table.column("id"), rows).to_pylist()
    rows = np.flatnonzero(_mask(table.column("source"), {s for s, _ in keys}))
    sub = _take(table.select(["source", "target"]), rows)
    found = list(zip(sub.column("source").to_pylist(), sub.column("target").to_pylist()))
    ok = [k for k, key in enumerate(found) if key in keys]
    return rows[ok], [found[k] for k in ok]


class _KeySeq:
    """The sorted keys of a table as a sequence for :mod:`bisect`, read one value at a time."""

    def __init__(self, table: pa.Table, node: bool):
        self.cols = [table.column("id")] if node else [table.column("source"), table.column("target")]
        self.node = node
        self.n = table.num_rows

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if self.node:
            return self.cols[0][i].as_py()
        return self.cols[0][i].as_py(), self.cols[1][i].as_py()


def _key_of(row: dict, node: bool):
    return row["id"] if node else (row["source"], row["target"])


def _plain(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _plain_row(rec: dict) -> dict:
    return {k: _plain(v) for k, v in rec.items()}


# --------------------------------------------------------------------------- changes pending in tables/pending.json


def _with_rows(table: pa.Table, stem: str, remove: set, write: dict) -> pa.Table:
    """``table`` without the rows keyed in ``remove`` or ``write``, and with the rows of ``write`` after the others.

    Rows of ``write`` come last, not in key order: whoever reads the result
    in row order sorts what it takes (see ``_link_local``).
    """
    if not remove and not write:
        return table
    node = _is_node(stem)
    drop, _ = _rows_with_keys(table, set(remove) | set(write), node)
    keep = np.ones(table.num_rows, bool)
    keep[drop] = False
    kept = table.filter(pa.array(keep)) if len(drop) else table
    if not write:
        return kept
    rows = [write[k] for k in sorted(write)]
    if table.num_rows:
        try:
            return pa.concat_tables([kept, pa.Table.from_pylist(rows, schema=table.schema)])
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            pass
    # An empty table's columns may have no type (pandas writes an empty frame so): typed from the rows.
    new = pa.Table.from_pylist([{c: r[c] for c in _columns(stem)} for r in rows])
    return pa.concat_tables([kept.cast(new.schema), new]) if kept.num_rows else new


def _json_key(key):
    return list(key) if isinstance(key, tuple) else key


@dataclass
class _Pending:
    """Row changes that adds committed and no fold has written into the table files yet.

    Kept in ``tables/pending.json``: per table the keys to drop and the rows
    to write (a fold gives the files a rebuild's bytes: :func:`fold`), the
    lines of ``extract.jsonl`` and ``unplaced.jsonl`` per document, each
    table's row count, and the documents added.
    """

    documents: list[str] = field(default_factory=list)
    remove: dict[str, set] = field(default_factory=dict)  # table -> keys
    write: dict[str, dict] = field(default_factory=dict)  # table -> key -> row
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows after the changes
    lines: dict[str, list] = field(default_factory=dict)  # extract.jsonl / unplaced.jsonl -> [[source, [line]]]
    digest: str = ""  # of the file's bytes

    def __bool__(self) -> bool:
        return bool(self.documents)

    @classmethod
    def load(cls, tables: Path) -> "_Pending":
        path = tables / PENDING_NAME
        if not path.is_file():
            return cls()
        raw = path.read_bytes()
        try:
            data = json.loads(raw)
            p = cls(list(data["documents"]), rows=dict(data["rows"]), lines=dict(data["lines"]),
                    digest=hashlib.sha1(raw).hexdigest())
            for stem, t in data["tables"].items():
                node = _is_node(stem)
                p.remove[stem] = {k if node else tuple(k) for k in t["remove"]}
                p.write[stem] = {_key_of(r, node): r for r in t["write"]}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReadError(str(path), f"not a pending-changes file of mandategraph add ({exc})") from exc
        return p

    def with_add(self, did: str, staged: dict[str, "_Staged"], lines: dict[str, tuple[str, list[str]]]
                 ) -> "_Pending":
        """These changes followed by one add's (``staged``: its rows, as diffed against these changes)."""
        p = _Pending(self.documents + [did], {k: set(v) for k, v in self.remove.items()},
                     {k: dict(v) for k, v in self.write.items()}, dict(self.rows),
                     {k: list(v) for k, v in self.lines.items()})
        for stem, s in staged.items():
            node = _is_node(stem)
            remove, write = p.remove.setdefault(stem, set()), p.write.setdefault(stem, {})
            for k in s.removed:
                write.pop(k, None)
                remove.add(k)
            for r in s.written:
                write[_key_of(r, node)] = _plain_row(r)
            p.rows[stem] = s.rows
        for name, (source, ls) in lines.items():
            if ls:
                p.lines.setdefault(name, []).append([source, ls])
        return p

    def dumps(self) -> bytes:
        tables = {stem: {"remove": sorted(_json_key(k) for k in self.remove.get(stem, ())),
                         "write": [self.write[stem][k] for k in sorted(self.write.get(stem, {}))]}
                  for stem in sorted(set(self.remove) | set(self.write))}
        return json.dumps({"format": 1, "documents": self.documents, "rows": self.rows, "lines": self.lines,
                           "tables": tables}, ensure_ascii=False, sort_keys=True).encode("utf-8")


def pending_bytes(out: str | Path) -> int:
    """The size of the row changes adds left pending in ``OUT/tables/pending.json`` (0 when none)."""
    path = Path(out) / "tables" / PENDING_NAME
    return path.stat().st_size if path.is_file() else 0


# --------------------------------------------------------------------------- the changes of one add


class _Delta:
    """Rows to remove (by key) and rows to write (dicts in table column order), per table."""

    def __init__(self):
        self.remove: dict[str, set] = defaultdict(set)
        self.write: dict[str, dict] = defaultdict(dict)  # stem -> key -> row

    def put(self, stem: str, rows: Iterable[dict]) -> None:
        node = _is_node(stem)
        cols = _columns(stem)
        for r in rows:
            self.write[stem][_key_of(r, node)] = {c: r[c] for c in cols}

    def put_frame(self, stem: str, df: pd.DataFrame) -> None:
        if len(df):
            self.put(stem, df.to_dict("records"))

    def drop(self, stem: str, keys: Iterable) -> None:
        self.remove[stem].update(keys)

    def stems(self) -> list[str]:
        return sorted(s for s in set(self.remove) | set(self.write) if self.remove.get(s) or self.write.get(s))


def _order_key(code: str, year, source: str) -> tuple:
    """A document's place in the build's order."""
    return (code, year or 0, source)


def _doc_keys(folder: _Folder, doc_ids: set[str]) -> dict[str, tuple]:
    """Build-order keys of documents already in the graph."""
    if not doc_ids:
        return {}
    docs = folder.table("nodes_Document")
    d = _take(docs.select(["id", "year", "source"]), np.flatnonzero(_mask(docs.column("id"), doc_ids))).to_pylist()
    issued = folder.table("edges_ISSUED")
    i = _take(issued.select(["source", "target"]), np.flatnonzero(_mask(issued.column("target"), doc_ids))).to_pylist()
    code = {r["target"]: (r["source"][2:] if r["source"][2:].isdigit() else "") for r in i}
    return {r["id"]: _order_key(code.get(r["id"], ""), r["year"], r["source"]) for r in d}


def _old_rows(folder: _Folder, stem: str, ids: Iterable[str], by: str = "id") -> list[dict]:
    t = folder.table(stem)
    return _take(t, np.flatnonzero(_mask(t.column(by), ids))).to_pylist()


def _first_wins(folder: _Folder, delta: _Delta, label: str, new: pd.DataFrame, me: tuple,
                merge_lists: tuple[str, ...] = ()) -> set[str]:
    """Nodes whose row comes from the first document naming them; returns ids that take the new row."""
    stem = f"nodes_{label}"
    if not len(new):
        return set()
    old_by_id = {r["id"]: r for r in _old_rows(folder, stem, new["id"])}
    keys = _doc_keys(folder, {r["document"] for r in old_by_id.values() if r.get("document")})
    rows, earlier = [], set()
    for rec in new.to_dict("records"):
        rec = _plain_row(rec)
        prev = old_by_id.get(rec["id"])
        if prev is None:
            rows.append(rec)
            earlier.add(rec["id"])
            continue
        first = me < keys.get(prev.get("document", ""), me)  # the new document comes first in the build
        row = dict(rec) if first else dict(prev)
        if first:
            earlier.add(rec["id"])
        for c in merge_lists:
            row[c] = sorted(set(prev[c]) | set(rec[c]))
        if _plain_row(row) != _plain_row(prev):
            rows.append(row)
    delta.put(stem, rows)
    return earlier


def _last_wins(folder: _Folder, delta: _Delta, type_: str, new: pd.DataFrame, me: tuple) -> None:
    """Edges whose row comes from the last document listing them (MEMBER_OF)."""
    if not len(new):
        return
    stem = f"edges_{type_}"
    old_by = {(r["source"], r["target"]): r for r in _old_rows(folder, stem, new["source"], by="source")}
    doc_keys = _doc_keys(folder, {r["document"] for r in old_by.values() if r.get("document")})
    take = [r for r in new.to_dict("records")
            if (r["source"], r["target"]) not in old_by or me > doc_keys.get(old_by[(r["source"], r["target"])]
                                                                           ["document"], me)]
    delta.put(stem, [_plain_row(r) for r in take])


def _new_only(folder: _Folder, delta: _Delta, stem: str, new: pd.DataFrame) -> None:
    """Rows written only if their key is not in the table yet (no provenance: PART_OF, Jurisdiction, Theme)."""
    if not len(new):
        return
    node = _is_node(stem)
    recs = [_plain_row(r) for r in new.to_dict("records")]
    keys = {_key_of(r, node) for r in recs}
    _, have = _rows_with_keys(folder.keys(stem), keys, node)
    have = set(have)
    delta.put(stem, [r for r in recs if _key_of(r, node) not in have])


# --------------------------------------------------------------------------- the n-gram index (add_index.npz)


def _row_columns(texts: list[str], ngrams: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed n-gram columns of each text, text by text (text ``r`` at ``cols[starts[r]:starts[r+1]]``)."""
    from .continuity import _M64, _codes, _gram_hashes, similarity_texts

    shift = np.uint64(64 - _BITS)
    codes, doc = _codes(similarity_texts(texts))
    cols, docs = [], []
    for n in range(ngrams[0], ngrams[1] + 1):
        h, d = _gram_hashes(codes, doc, n)
        cols.append(((h * _M64) >> shift).astype(np.int64))
        docs.append(d)
    d = np.concatenate(docs) if docs else np.empty(0, np.int64)
    order = np.argsort(d, kind="stable")  # a merge of sorted runs: each text's n-grams together
    starts = np.r_[0, np.cumsum(np.bincount(d, minlength=len(texts)))]
    return (np.concatenate(cols)[order] if cols else np.empty(0, np.int64)), starts


def _counts(texts: list[str], ngrams: tuple[int, int], chunk: int = 100_000) -> sp.csr_matrix:
    """The hashed n-gram count matrix :func:`continuity.vectorize` fits on (the same CSR, several times faster)."""
    indptr, indices, data = [np.zeros(1, np.int64)], [], []
    for start in range(0, len(texts), chunk):
        ptr, idx, val = _csr_rows(*_row_columns(texts[start:start + chunk], ngrams))
        indptr.append(indptr[-1][-1] + ptr[1:])
        indices.append(idx)
        data.append(val)
    if not indices:
        return sp.csr_matrix((0, 1 << _BITS), dtype=np.float32)
    return sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)),
                         shape=(len(texts), 1 << _BITS))


def _frequencies(texts: list[str], ngrams: tuple[int, int], chunk: int = 100_000) -> np.ndarray:
    """The document frequency of every hashed n-gram column over ``texts`` (the IDF's counts)."""
    df = np.zeros(1 << _BITS, np.int64)
    for start in range(0, len(texts), chunk):
        df += _df_rows(*_row_columns(texts[start:start + chunk], ngrams), 1 << _BITS)
    return df


@njit(cache=True, nogil=True)
def _df_rows(cols, starts, ncols):  # pragma: no cover  (compiled)
    """Per column, the number of rows having it (rows as in :func:`_csr_rows`)."""
    df = np.zeros(ncols, np.int64)
    last = np.full(ncols, -1, np.int64)
    for r in range(len(starts) - 1):
        for j in range(starts[r], starts[r + 1]):
            c = cols[j]
            if last[c] != r:
                last[c] = r
                df[c] += 1
    return df


@njit(cache=True, nogil=True)
def _csr_rows(cols, starts):  # pragma: no cover  (compiled)
    """CSR rows (sorted columns, counts) from each row's columns, row ``r`` at ``cols[starts[r]:starts[r+1]]``."""
    rows = len(starts) - 1
    indptr = np.zeros(rows + 1, np.int64)
    indices = np.empty(len(cols), np.int32)
    data = np.empty(len(cols), np.float32)
    p = 0
    for r in range(rows):
        seg = np.sort(cols[starts[r]:starts[r + 1]])
        j = 0
        while j < len(seg):
            c = seg[j]
            n = 0
            while j < len(seg) and seg[j] == c:
                n += 1
                j += 1
            indices[p] = c
            data[p] = n
            p += 1
        indptr[r + 1] = p
    return indptr, indices[:p], data[:p]


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """A TF-IDF copy of ``counts`` (the build's arithmetic, :mod:`.tfidf`), as float32 CSR."""
    return weigh(counts.astype(np.float32, copy=True), idf).tocsr()


def _state_stamp(task_table: Path, pending_digest: str) -> str:
    """What an index is tied to: the Task table's footer, and the pending changes (when there are)."""
    footer = _footer_stamp(task_table)
    return f"{footer}+{pending_digest}" if pending_digest else footer


def _footer_stamp(path: Path) -> str:
    """A digest of a Parquet file's footer (row counts, sizes, statistics): changes with its content."""
    with open(path, "rb") as fh:
        fh.seek(-8, os.SEEK_END)
        n = int.from_bytes(fh.read(4), "little")
        fh.seek(-8 - n, os.SEEK_END)
        return hashlib.sha1(fh.read(n)).hexdigest()


@dataclass
class _Index:
    df: np.ndarray  # per hashed n-gram column: number of tasks having it
    n: int  # tasks counted
    options: dict  # the build's linking options, when the build wrote the index


def _similar_ngrams() -> tuple[int, int]:
    from .continuity import DEFAULTS

    return DEFAULTS.similar_ngrams


def _index_of_texts(texts: list[str]) -> tuple[np.ndarray, int]:
    return _frequencies(texts, _similar_ngrams()), len(texts)


def _save_index(path: Path, index: _Index, stamp: str) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, df=index.df.astype(np.int32), n=np.int64(index.n),
                 meta=np.frombuffer(json.dumps({"stamp": stamp, "ngrams": list(_similar_ngrams()), "bits": _BITS,
                                                "options": index.options}).encode(), np.uint8))


def _load_index(folder: _Folder, pending_digest: str | None = None) -> _Index | None:
    """The folder's index, None when there is none or it is not of the folder's tables (``pending_digest``:
    of the changes pending over them; default the folder's own)."""
    path = folder.out / INDEX_NAME
    digest = folder.pending.digest if pending_digest is None else pending_digest
    if not path.exists():
        return None
    try:
        with np.load(path) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if (meta.get("stamp") != _state_stamp(folder.path("nodes_Task"), digest) or meta.get("bits") != _BITS
                    or tuple(meta.get("ngrams", ())) != tuple(_similar_ngrams())):
                return None
            return _Index(z["df"].astype(np.int64), int(z["n"]), meta.get("options") or {})
    except (OSError, ValueError, KeyError):
        return None


def write_add_index(out: str | Path, options: BuildOptions | None = None,
                    frequencies: np.ndarray | None = None) -> Path:
    """Write ``OUT/add_index.npz``: what ``add`` needs from a build to link new documents as it would.

    It holds the document frequency of every hashed character n-gram over
    all tasks (so an add scores SIMILAR_TO with the IDF a rebuild would fit,
    without reading every task), and the build's linking options. It is tied
    to ``tables/nodes_Task.parquet`` by a digest of that file's footer: an
    add ignores an index that does not match its tables and rebuilds it from
    them (once; each add keeps it up to date). Call it after the tables are
    written. ``frequencies``: those the build's SIMILAR_TO fitted its IDF on
    (:attr:`Links.similar_frequencies`, of the tasks in the tables); without
    them the tasks' n-grams are counted (~2 s at 10 % of national, ~28 s at
    national size).
    """
    fold(out)  # the index is of the table files
    folder = _Folder(out)
    try:
        if frequencies is not None:
            if len(frequencies) != 1 << _BITS:
                raise ValueError(f"{len(frequencies)} n-gram frequencies; add_index.npz keeps {1 << _BITS}")
            df, n = frequencies, pq.ParquetFile(folder.path("nodes_Task")).metadata.num_rows
        else:
            texts = pq.read_table(folder.path("nodes_Task"), columns=["text"]).column("text").to_pylist()
            df, n = _index_of_texts(texts)
        path = folder.out / INDEX_NAME
        _atomic(path, lambda p: _save_index(p, _Index(df, n, asdict(options) if options else {}),
                                            _footer_stamp(folder.path("nodes_Task"))))
        return path
    finally:
        folder.close()


# --------------------------------------------------------------------------- linking within the jurisdiction


def _derived_props() -> tuple[str, ...]:
    """Task properties derived from CONTINUES and SIMILAR_TO (graph/derived.py) that the schema has."""
    try:
        from .derived import DERIVED_TASK_PROPERTIES
    except ImportError:
        return ()
    return tuple(p for p in DERIVED_TASK_PROPERTIES if p in node_spec("Task").properties)


@dataclass
class _Context:
    """The new document and what the add has learned about its neighbourhood."""

    ex: Extraction
    did: str
    g_new: nx.MultiDiGraph
    h: nx.MultiDiGraph | None = None  # g_new plus the jurisdiction's old tasks, linked
    new_tasks: list[str] = field(default_factory=list)
    j_tasks: set[str] = field(default_factory=set)  # old and new tasks of the jurisdiction
    task_rows: dict[str, dict] = field(default_factory=dict)  # Task rows to write (new and changed), by id
    continues: list[tuple[str, str]] = field(default_factory=list)  # the jurisdiction's CONTINUES after the add
    similar_touched: set[str] = field(default_factory=set)  # tasks whose SIMILAR_TO links changed


def _task_rows(folder: _Folder, ctx: _Context, ids: Iterable[str]) -> dict[str, dict]:
    """The Task rows the add will write for ``ids`` (their current rows, as changed so far)."""
    missing = [t for t in ids if t not in ctx.task_rows]
    if missing:
        t = folder.table("nodes_Task")
        for row in _take(t, np.flatnonzero(_mask(t.column("id"), missing))).to_pylist():
            ctx.task_rows[row["id"]] = row
    return {t: ctx.task_rows[t] for t in ids}


def _link_local(folder: _Folder, delta: _Delta, ctx: _Context, options: BuildOptions) -> None:
    """Run the build's linking on the new document and its jurisdiction's old tasks; record what it changes."""
    derived = set(_derived_props())
    tasks = folder.table("nodes_Task")
    jname = ctx.ex.meta.jurisdiction.name
    new_tasks = [n for n, d in ctx.g_new.nodes(data=True) if d.get("label") == "Task"]
    jnames = {ctx.g_new.nodes[n]["jurisdiction"] for n in new_tasks} | {jname}
    old = sorted(_take(tasks, np.flatnonzero(_mask(tasks.column("jurisdiction"), jnames))).to_pylist(),
                 key=lambda r: r["id"])  # the table's order once folded
    h = ctx.g_new.copy()
    for r in old:
        r = dict(r)
        h.add_node(r.pop("id"), label="Task", **r)
    before_edges = set(h.edges(keys=True))
    before_nodes = {r["id"]: r for r in old}
    link_graph(h, options)
    ctx.h, ctx.new_tasks = h, new_tasks
    ctx.j_tasks = {r["id"] for r in old} | set(new_tasks)
    made: dict[str, list[dict]] = defaultdict(list)
    new_set = set(new_tasks)
    for u, v, k, d in h.edges(keys=True, data=True):
        if (u, v, k) in before_edges:
            continue
        type_ = d.get("type", k)
        if type_ == "CONTINUES":
            keep = u in ctx.j_tasks and v in ctx.j_tasks
            if keep:
                ctx.continues.append((u, v))
        elif type_ == "SIMILAR_TO":
            keep = False  # see _similar_incremental and _similar_exact
        else:
            keep = u in new_set or v in new_set or u == ctx.did or v == ctx.did
        if keep:
            made[type_].append({"source": u, "target": v, **d})
    # CONTINUES of the jurisdiction are replaced as a whole.
    old_ids = [r["id"] for r in old]
    if old_ids:
        cont = folder.keys("edges_CONTINUES")
        rows = _take(cont.select(["source", "target"]), _touching(cont, old_ids, ("source",))).to_pylist()
        delta.drop("edges_CONTINUES", [(r["source"], r["target"]) for r in rows])
    for type_, recs in made.items():
        props = edge_spec(type_).properties
        delta.put(f"edges_{type_}", [{"source": r["source"], "target": r["target"],
                                      **{c: _plain(r.get(c, default_value(t))) for c, t in props.items()}}
                                     for r in recs])
    # Old tasks whose row linking changed (status); derived properties are set after SIMILAR_TO.
    props = node_spec("Task").properties
    for tid, prev in before_nodes.items():
        d = h.nodes[tid]
        now = {c: _plain(d.get(c, default_value(t))) for c, t in props.items() if c != "id"}
        if any(now[c] != _plain(prev.get(c)) for c in now if c not in derived):
            row = ctx.task_rows.setdefault(tid, dict(prev))
            row.update({c: v for c, v in now.items() if c not in derived})
    # New nodes made by linking (themes).
    for label in {d.get("label") for n, d in h.nodes(data=True) if n not in ctx.g_new and n not in before_nodes}:
        if label in {s.label for s in NODES}:
            ids = [n for n, d in h.nodes(data=True) if d.get("label") == label and n not in ctx.g_new
                   and n not in before_nodes]
            _new_only(folder, delta, f"nodes_{label}", node_frames(nx.MultiDiGraph(h.subgraph(ids)))[label])


# --------------------------------------------------------------------------- SIMILAR_TO


def _link_similar_defaults() -> dict:
    """link_similar's defaults: year window, exact limit (where the build switches from all pairs to
    LSH) and the LSH settings."""
    from .continuity import link_similar

    params = inspect.signature(link_similar).parameters
    return {k: params[k].default for k in ("year_window", "exact_limit", "bands", "rows", "window", "min_chars",
                                           "seed")}


def _lsh_candidates(texts: list[str], jur: np.ndarray, yr: np.ndarray, k_r: int, p: dict, salt: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (relinked task, other task) as the build's LSH finds them (``continuity._lsh_candidates``).

    Sentences are MinHashed with the build's bands; in each band they are
    sorted by key, year and a random number, and each is paired with the
    ``window`` sentences after it: among the tasks scored here, so a new
    task meets about as many neighbours as in a build. (The build's random
    numbers are drawn over the whole corpus; here they come from ``salt``.)
    """
    from .continuity import _lsh_pairs, _minhash_bands, _sentences

    sents, owner = _sentences(texts, p["min_chars"])
    keys = _minhash_bands(sents, p["bands"], p["rows"], p["seed"])
    rng = np.random.default_rng(int.from_bytes(hashlib.sha1(salt.encode()).digest()[:8], "little"))
    n = len(texts)
    found = _lsh_pairs(keys, owner, yr, rng, p["window"], n,
                       lambda i, j: ((i < k_r) | (j < k_r)) & (jur[i] != jur[j])
                       & (np.abs(yr[i] - yr[j]) <= p["year_window"]))
    return found // n, found % n


def _bool(arr) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), bool)


def _year_first(tasks: pa.Table, new: list[dict], jurisdictions: set[str]) -> dict[tuple[str, int], str]:
    """(jurisdiction, year) -> the smallest task id of that plan year, after the add, for ``jurisdictions``.

    The build orders a jurisdiction's tasks by year in the order each year
    first appears among its tasks sorted by id (``linking.add_continuity``):
    this is that order's key.
    """
    sub = _take(tasks.select(["jurisdiction", "year", "id"]),
                np.flatnonzero(_mask(tasks.column("jurisdiction"), jurisdictions)))
    g = sub.group_by(["jurisdiction", "year"]).aggregate([("id", "min")])
    out = {(j, int(y)): i for j, y, i in zip(g.column("jurisdiction").to_pylist(), g.column("year").to_pylist(),
                                             g.column("id_min").to_pylist())}
    for r in new:
        k = (r["jurisdiction"], int(r["year"] or 0))
        if r["jurisdiction"] in jurisdictions:
            out[k] = min(out.get(k, r["id"]), r["id"])
    return out


class _Tasks:
    """Id, jurisdiction, year and provenance of the tasks an add looks at: new ones and old rows."""

    def __init__(self, tasks: pa.Table, new: list[dict]):
        self.tasks = tasks
        self.new = {r["id"]: r for r in new}
        self._first: dict[tuple[str, int], str] = {}
        self._known: set[str] = set()

    def rows(self, ids: Iterable[str], cols=("jurisdiction", "year", "document", "span_start", "span_end")
             ) -> dict[str, dict]:
        ids = set(ids)
        out = {i: {c: self.new[i][c] for c in cols} for i in ids if i in self.new}
        rest = ids - set(out)
        if rest:
            sub = _take(self.tasks.select(["id", *cols]), np.flatnonzero(_mask(self.tasks.column("id"), rest)))
            for r in sub.to_pylist():
                out[r.pop("id")] = r
        return out

    def order_ranks(self, info: dict[str, dict]) -> dict[str, int]:
        """Rank of each task in the build's SIMILAR_TO order: jurisdiction, year's first id, id."""
        jurs = {r["jurisdiction"] for r in info.values()} - self._known
        if jurs:
            self._first.update(_year_first(self.tasks, list(self.new.values()), jurs))
            self._known |= jurs
        first = self._first
        keys = sorted((r["jurisdiction"], first[(r["jurisdiction"], int(r["year"] or 0))], i) for i, r in info.items())
        return {k[2]: n for n, k in enumerate(keys)}


def _rank_plans(folder: _Folder, ctx: _Context, tj, yrs: np.ndarray, pool: np.ndarray, cap: int) -> np.ndarray:
    """The pool cut to ``cap`` tasks: plans of the jurisdictions most linked to the new document's, then its province's."""
    tasks = folder.table("nodes_Task")
    sim = folder.keys("edges_SIMILAR_TO")
    old_j = ctx.j_tasks - set(ctx.new_tasks)
    weight: dict[str, int] = defaultdict(int)
    if old_j and sim.num_rows:
        st = _take(sim.select(["source", "target"]), _touching(sim, old_j))
        partners = [x for x in st.column("source").to_pylist() + st.column("target").to_pylist() if x not in old_j]
        sub = _take(tasks.select(["id", "jurisdiction"]), np.flatnonzero(_mask(tasks.column("id"), partners)))
        jur_of = dict(zip(sub.column("id").to_pylist(), sub.column("jurisdiction").to_pylist()))
        for x in partners:
            weight[jur_of[x]] += 1
    juris = folder.table("nodes_Jurisdiction").select(["name", "code"]).to_pylist()
    prov = {}
    for r in juris:
        prov.setdefault(r["name"], (r["code"] or "")[:2])
    mine = (ctx.ex.meta.jurisdiction.code or "")[:2]
    # Plans (jurisdiction, year) of the pool and their sizes, counted in Arrow: the pool holds ~200k tasks
    # at national size.
    pj = _take(tj, pool).combine_chunks().cast(pa.large_string())
    key = pc.binary_join_element_wise(pj, pc.cast(pa.array(yrs[pool]), pa.large_string()),
                                      pa.scalar("\x00", pa.large_string()))
    counted = pa.table({"key": key}).group_by("key").aggregate([([], "count_all")])
    plans = {}
    for k, n in zip(counted.column("key").to_pylist(), counted.column("count_all").to_pylist()):
        j, y = k.split("\x00")
        plans[(j, int(y))] = n
    order = sorted(plans, key=lambda p: (-weight.get(p[0], 0), prov.get(p[0], "") != mine or not mine, p[0], p[1]))
    chosen, total = [], 0
    for p in order:
        if total + plans[p] > cap:
            break
        chosen.append(f"{p[0]}\x00{p[1]}")
        total += plans[p]
    return pool[_mask(key, chosen)]


def _similar_incremental(folder: _Folder, delta: _Delta, ctx: _Context, options: BuildOptions, index: _Index,
                         result: AddResult, candidates: int = SIMILAR_CANDIDATES, method: str = "auto") -> None:
    """SIMILAR_TO of the new tasks against the old tasks in reach, and the top-k bar at both ends (module docstring)."""
    from .continuity import DEFAULTS, Vectors, match

    p = _link_similar_defaults()
    window = p["year_window"]
    tasks = folder.table("nodes_Task")
    sim = folder.keys("edges_SIMILAR_TO")
    h = ctx.h
    cols = ("jurisdiction", "year", "document", "span_start", "span_end")
    new = [{"id": n, "text": h.nodes[n]["text"], **{c: h.nodes[n][c] for c in cols}} for n in ctx.new_tasks]
    if not new:
        return
    groups = {(r["jurisdiction"], int(r["year"] or 0)) for r in new}
    tj, ty = tasks.column("jurisdiction"), tasks.column("year")
    years = np.asarray(ty.to_numpy(zero_copy_only=False), np.int64)
    yrs = np.where(years != 0, years, -1)  # link_similar's year: -1 when unknown
    same_plan = np.zeros(tasks.num_rows, bool)
    in_reach = np.zeros(tasks.num_rows, bool)
    for j, y in groups:
        of_j = _bool(pc.equal(tj, pa.scalar(j, tj.type)))
        same_plan |= of_j & (years == y)
        in_reach |= ~of_j & (np.abs(yrs - (y if y else -1)) <= window)
    r_old = np.flatnonzero(same_plan)
    pool = np.flatnonzero(in_reach & ~same_plan)
    reach = len(pool)
    if len(pool) > candidates:
        pool = _rank_plans(folder, ctx, tj, yrs, pool, candidates)
    # The tasks scored: new ones, old ones of the same plans (they share matching slots), the pool.
    some = tasks.select(["id", "text", *cols])
    rows_old = [r for part in (r_old, pool) for r in sorted(_take(some, part).to_pylist(), key=lambda r: r["id"])]
    local = new + rows_old
    k_new, k_r = len(new), len(new) + len(r_old)
    jnum = {j: k for k, j in enumerate(sorted({r["jurisdiction"] for r in local}))}
    ljur = np.asarray([jnum[r["jurisdiction"]] for r in local], np.int64)
    lyr = np.asarray([int(r["year"]) if r["year"] else -1 for r in local], np.int64)
    n_total = index.n + k_new
    exact = n_total <= p["exact_limit"] if method == "auto" else method == "exact"  # as the build chooses
    if exact:  # every pair, as the build's all-pairs scoring
        ri, ci = [], []
        for r in range(k_r):
            ok = (ljur != ljur[r]) & (np.abs(lyr - lyr[r]) <= window)
            ok[:r + 1] = False  # pairs among relinked tasks once
            c = np.flatnonzero(ok)
            ri.append(np.full(len(c), r, np.int64))
            ci.append(c)
        ri, ci = np.concatenate(ri), np.concatenate(ci)
    else:  # the pairs the build's LSH would offer
        ri, ci = _lsh_candidates([r["text"] for r in local], ljur, lyr, k_r, p, ctx.did)
        # Only the relinked tasks and their candidates are vectorised.
        keep = np.unique(np.concatenate([np.arange(k_r), ri, ci]))
        where = np.full(len(local), -1, np.int64)
        where[keep] = np.arange(len(keep))
        local = [local[k] for k in keep]
        ljur, lyr, ri, ci = ljur[keep], lyr[keep], where[ri], where[ci]
    n_loc = len(local)
    ids = [r["id"] for r in local]
    counts = _counts([r["text"] for r in local], DEFAULTS.similar_ngrams)
    index.df += document_frequency(counts[:k_new])
    index.n += k_new
    removed_keys: set = set()
    if len(r_old):
        st = _take(sim.select(["source", "target"]), _touching(sim, set(ids[k_new:k_r])))
        removed_keys |= set(zip(st.column("source").to_pylist(), st.column("target").to_pylist()))
    _similar_counts(result, mode="incremental", method="exact" if exact else "lsh", reach=reach,
                    scored=n_loc - k_r, relinked=k_r)
    delta.drop("edges_SIMILAR_TO", removed_keys)
    ctx.similar_touched |= {t for key in removed_keys for t in key}
    if not len(ri):
        return
    tf = _tfidf(counts, smooth_idf(index.df, index.n))
    if exact:  # scipy's float32 product, as Vectors.scores
        s = (tf[:k_r] @ tf.T).toarray().astype(np.float64)[ri, ci]
    else:  # the compiled gather kernel, as Vectors.pair_scores
        o = np.lexsort((ci, ri))
        ri, ci = ri[o], ci[o]
        s = Vectors(ids, tf, np.zeros(0)).pair_scores(ri, ci, DEFAULTS.similar_measure)
    ok = s >= options.similar_threshold
    ri, ci, s = ri[ok], ci[ok], s[ok]
    info = {r["id"]: {c: r[c] for c in cols} for r in local}
    order_of = _Tasks(tasks, new)
    rank_local = order_of.order_ranks(info)
    lrank = np.asarray([rank_local[i] for i in ids], np.int64)
    a = np.where(lrank[ri] < lrank[ci], ri, ci)
    b = np.where(lrank[ri] < lrank[ci], ci, ri)
    o = np.argsort(lrank[a] * n_loc + lrank[b], kind="stable")  # the build's candidate order
    a, b, s = a[o], b[o], s[o]
    plan = {}
    grp = np.asarray([plan.setdefault((ljur[k], lyr[k]), len(plan)) for k in range(n_loc)], np.int64)
    kept = match(a, b, s, left_group=grp[a], right_group=grp[b], matching=DEFAULTS.similar_matching)
    a, b, s = a[kept], b[kept], s[kept]
    m_edges = [(ids[x], ids[y], float(z)) for x, y, z in zip(a, b, s)]
    added, dropped = _top_k_update(sim, m_edges, removed_keys, options.similar_top_k, order_of, info)
    rows = []
    for x, y, z in added:
        src, dst = (x, y) if _yr(info[y]["year"]) >= _yr(info[x]["year"]) else (y, x)
        prov = info[src]
        rows.append({"source": src, "target": dst, "score": round(z, 4), "document": prov["document"],
                     "span_start": int(prov["span_start"]), "span_end": int(prov["span_end"])})
    delta.drop("edges_SIMILAR_TO", dropped)
    delta.put("edges_SIMILAR_TO", rows)
    ctx.similar_touched |= {t for key in dropped for t in key} | {t for r in rows for t in (r["source"], r["target"])}
    _similar_counts(result, pairs=int(ok.sum()), matched=len(m_edges), added=len(rows),
                    removed=len(removed_keys | dropped))


def _similar_counts(result: AddResult, **kw) -> None:
    """Into ``result.similar``: counts summed over the documents of a batch, the rest as given."""
    for k, v in kw.items():
        result.similar[k] = result.similar.get(k, 0) + v if isinstance(v, int) else v


def _yr(y) -> int:
    return int(y) if y else -1


def _top_k_update(sim: pa.Table, m_edges: list[tuple[str, str, float]], gone: set, k: int | None,
                  order_of: _Tasks, info: dict[str, dict]) -> tuple[list[tuple[str, str, float]], set]:
    """Which matched new edges stay, and which stored edges go, under the top-k bar (``link_similar``'s _top_k).

    A link stays when it ranks among the ``k`` best links of one of its two
    tasks, best score first and ties in the build's candidate order; as in
    ``_top_k``, a task ranks its links towards jurisdictions sorting after
    its own apart from those towards jurisdictions sorting before. The
    stored links of a task hold all of its ``k`` best (a link outside them
    was cut), so ranking a task's stored links with its new ones decides
    exactly which of them fall out; a stored link that does is kept when it
    is still among the ``k`` best of its other task.
    """
    if not m_edges or k is None:
        return list(m_edges), set()
    ends = {t for x, y, _ in m_edges for t in (x, y)}
    rank_info: dict[str, dict] = dict(info)

    def stored_at(ids: set) -> tuple[list, list, np.ndarray]:
        t = _take(sim.select(["source", "target", "score"]), _touching(sim, ids))
        src, tgt = t.column("source").to_pylist(), t.column("target").to_pylist()
        score = np.asarray(t.column("score").to_numpy(zero_copy_only=False), np.float64)
        keep = [n for n, key in enumerate(zip(src, tgt)) if key not in gone]
        return [src[n] for n in keep], [tgt[n] for n in keep], score[keep]

    def good(src: list, tgt: list, score: np.ndarray, at: set) -> np.ndarray:
        """Per edge: among the k best of an end in ``at`` (the edges hold every edge of those ends)."""
        need = (set(src) | set(tgt)) - set(rank_info)
        if need:
            rank_info.update(order_of.rows(need, ("jurisdiction", "year")))
        ranks = order_of.order_ranks({t: rank_info[t] for t in set(src) | set(tgt)})
        rs = np.fromiter((ranks[t] for t in src), np.int64, len(src))
        rt = np.fromiter((ranks[t] for t in tgt), np.int64, len(tgt))
        p1, p2 = np.minimum(rs, rt), np.maximum(rs, rt)
        n = len(src)
        end = np.concatenate([rs, rt])
        first = np.concatenate([rs == p1, rt == p1])  # the end is the edge's earlier task
        inside = np.fromiter((t in at for t in src), bool, n)
        inside = np.concatenate([inside, np.fromiter((t in at for t in tgt), bool, n)])
        edge = np.concatenate([np.arange(n), np.arange(n)])
        sc, q1, q2 = np.concatenate([score, score]), np.concatenate([p1, p1]), np.concatenate([p2, p2])
        order = np.lexsort((q2, q1, -sc, first, end))
        e, f = end[order], first[order]
        start = np.r_[True, (e[1:] != e[:-1]) | (f[1:] != f[:-1])]
        idx = np.arange(len(order))
        rank = idx - np.maximum.accumulate(np.where(start, idx, 0))
        ok = np.zeros(n, bool)
        sel = (rank < k) & inside[order]
        ok[edge[order][sel]] = True
        return ok

    sx_src, sx_tgt, sx_score = stored_at(ends)
    src = [x for x, _, _ in m_edges] + sx_src
    tgt = [y for _, y, _ in m_edges] + sx_tgt
    score = np.concatenate([np.asarray([z for _, _, z in m_edges], np.float64), sx_score])
    ok = good(src, tgt, score, ends)
    nm = len(m_edges)
    added = [e for e, o in zip(m_edges, ok[:nm]) if o]
    falling = [(x, y) for x, y, o in zip(sx_src, sx_tgt, ok[nm:]) if not o]
    # A stored link that fell out at its new end(s) stays if it is among the k best of its other end.
    others = {t for key in falling for t in key if t not in ends}
    kept: set = set()
    if others:
        o_src, o_tgt, o_score = stored_at(others)
        o_ok = good(o_src, o_tgt, o_score, others)
        kept = {(x, y) for x, y, o in zip(o_src, o_tgt, o_ok) if o}
    return added, {key for key in falling if key not in kept}


def _similar_exact(folder: _Folder, delta: _Delta, ctx: _Context, options: BuildOptions, index: _Index,
                   result: AddResult) -> None:
    """SIMILAR_TO as the build's linking computes it, over the old tasks and the new ones (``similar="exact"``).

    It cannot be updated locally: link_similar fits IDF on every task and
    pairs LSH neighbours in buckets of the whole corpus, so one new document
    may change links between old tasks. Only the rows that differ are written.
    """
    from .continuity import TaskRef, link_similar

    h = ctx.h
    cols = ["id", "text", "year", "jurisdiction", "source", "document", "span_start", "span_end"]
    new = [{"id": n, **{c: h.nodes[n][c] for c in cols[1:]}} for n in ctx.new_tasks]
    allt = sorted(folder.table("nodes_Task").select(cols).to_pylist() + new, key=lambda r: r["id"])
    # The same TaskRefs, in the same order and grouping, as linking.add_continuity builds.
    by_jy: dict = defaultdict(lambda: defaultdict(list))
    for r in allt:
        by_jy[r["jurisdiction"]][int(r["year"] or 0)].append(
            TaskRef(r["id"], r["text"], int(r["year"] or 0) or None, r["jurisdiction"], r["source"]))
    by_j = {jur: [t for ts in years.values() for t in ts] for jur, years in by_jy.items()}
    prov = {r["id"]: r for r in allt}
    rows = {}
    if len(by_j) > 1:
        for link in link_similar(by_j, options.similar_threshold, top_k=options.similar_top_k):
            p = prov[link.source]
            rows[(link.source, link.target)] = {
                "source": link.source, "target": link.target, "score": link.score, "document": p["document"],
                "span_start": int(p["span_start"]), "span_end": int(p["span_end"])}
    old = folder.table("edges_SIMILAR_TO").to_pylist()
    old_rows = {(r["source"], r["target"]): r for r in old}
    gone = {k for k in old_rows if k not in rows}
    changed = [r for k, r in rows.items() if k not in old_rows or _plain_row(old_rows[k]) != r]
    delta.drop("edges_SIMILAR_TO", gone)
    delta.put("edges_SIMILAR_TO", changed)
    ctx.similar_touched |= {t for k in gone for t in k} | {t for r in changed for t in (r["source"], r["target"])}
    counts = _counts([r["text"] for r in new], _similar_ngrams())
    index.df += document_frequency(counts)
    index.n += len(new)
    _similar_counts(result, mode="exact", added=len(changed), removed=len(gone))
    result.similar["tasks"] = len(allt)


# --------------------------------------------------------------------------- derived task properties


def _derived_updates(folder: _Folder, delta: _Delta, ctx: _Context) -> None:
    """Chain properties of the jurisdiction's tasks and ``similar_jurisdictions`` of every task whose
    SIMILAR_TO links changed, as :func:`mandategraph.graph.derived.add_derived` sets them in a build."""
    props = _derived_props()
    tasks = folder.table("nodes_Task")
    if not props or "chain_end" not in props or not tasks.num_rows or tasks.column("chain_end")[0].as_py() == "":
        return  # the build does not compute them: they stay at their defaults, as in a rebuild
    from .derived import add_derived

    sim = folder.keys("edges_SIMILAR_TO")
    looked = _Tasks(tasks, [ctx.task_rows[t] for t in ctx.new_tasks])
    touched = ctx.similar_touched | set(ctx.new_tasks)
    g = nx.MultiDiGraph()
    info = looked.rows(ctx.j_tasks, ("jurisdiction",))
    for t in sorted(info):
        g.add_node(t, label="Task", jurisdiction=info[t]["jurisdiction"])
    for u, v in ctx.continues:
        g.add_edge(u, v, key="CONTINUES", type="CONTINUES")
    add_derived(g)
    values = {t: {p: g.nodes[t][p] for p in ("chain_before", "chain_after", "chain_end")} for t in ctx.j_tasks}
    # SIMILAR_TO after the add, at the touched tasks: stored links not removed, and the links written.
    removed = delta.remove.get("edges_SIMILAR_TO", set())
    st = _take(sim.select(["source", "target"]), _touching(sim, touched)).to_pylist()
    links = {(r["source"], r["target"]) for r in st} - removed
    links |= set(delta.write.get("edges_SIMILAR_TO", {}))
    partners: dict[str, set[str]] = defaultdict(set)
    for u, v in links:
        if u in touched:
            partners[u].add(v)
        if v in touched:
            partners[v].add(u)
    jur = looked.rows(touched | {p for ps in partners.values() for p in ps}, ("jurisdiction",))
    for t in touched:
        own = jur[t]["jurisdiction"]
        values.setdefault(t, {})["similar_jurisdictions"] = len({jur[p]["jurisdiction"] for p in partners[t]} - {own})
    current = looked.rows(values, props)
    changed = {t: vals for t, vals in values.items() if any(current[t][p] != v for p, v in vals.items())}
    for t, row in _task_rows(folder, ctx, changed).items():
        row.update(changed[t])


# --------------------------------------------------------------------------- staging tables


@dataclass
class _Staged:
    stem: str
    files: list[tuple[Path, Path]]  # (written beside, final)
    removed: list  # keys of old rows gone
    written: list[dict]  # rows new or changed
    existed: set  # keys of written rows that replace an old row
    rows: int  # rows of the table after the add
    whole: bool = False  # CSV rendered whole (slow path)
    bulk: Path | None = None  # the whole edge table for LadybugDB's COPY, when too many rows changed


def _tmp(path: Path) -> Path:
    return path.with_name(path.name + _TMP)


def _pandas_schema(schema: pa.Schema) -> pa.Schema:
    """The schema as pandas writes it: Parquet reads list items back as ``element``, pandas writes ``item``."""
    fields_ = [pa.field(f.name, pa.list_(f.type.value_type), f.nullable) if pa.types.is_list(f.type) else f
               for f in schema]
    return pa.schema(fields_, metadata=schema.metadata)


def _pandas_of(table: pa.Table, props: dict[str, str]) -> pd.DataFrame:
    df = table.to_pandas()
    for c, t in props.items():
        if t == STRINGS and c in df:
            df[c] = df[c].map(lambda v: [str(x) for x in v] if v is not None else [])
    return df


def _diff_table(folder: _Folder, stem: str, remove: set, write: dict
                ) -> tuple[_Staged, dict, np.ndarray, list] | None:
    """What dropping ``remove`` (keys) and putting ``write`` (key -> row) changes in the table as the folder
    reads it: the rows removed, the rows new or changed (rows written again unchanged are not); with the old
    rows of the keys written again by key, and the row numbers and keys of every old row named. None when
    nothing changes."""
    node = _is_node(stem)
    old = folder.keys(stem)
    new_keys = sorted(write)
    drop_rows, drop_keys = _rows_with_keys(old, set(remove) | set(new_keys), node)
    # Whole rows only of the keys written again, to leave the unchanged ones as they are.
    again = [k for k, key in enumerate(drop_keys) if key in write]
    old_by = (dict(zip([drop_keys[k] for k in again], _take(folder.table(stem), drop_rows[again]).to_pylist()))
              if again else {})
    written = [write[k] for k in new_keys if k not in old_by or _plain_row(old_by[k]) != _plain_row(write[k])]
    removed = [k for k in drop_keys if k not in write]
    if not written and not removed:
        return None
    existed = {_key_of(r, node) for r in written if _key_of(r, node) in old_by}
    rows = old.num_rows - len(removed) - len(existed) + len(written)
    return _Staged(stem, [], removed, written, existed, rows), old_by, drop_rows, drop_keys


def _stage_table(folder: _Folder, stem: str, remove: set, write: dict) -> _Staged | None:
    """Write the table with ``remove`` (keys) dropped and ``write`` (key -> row) put in place, beside the old one."""
    node = _is_node(stem)
    props, cols = _props(stem), _columns(stem)
    old = folder.table(stem)
    diff = _diff_table(folder, stem, remove, write)
    if diff is None:
        return None
    staged, old_by, drop_rows, drop_keys = diff
    written = staged.written
    new_keys = sorted(write)
    # Rows written again unchanged stay as they are.
    same = {k for k in new_keys if k in old_by} - {_key_of(r, node) for r in written}
    drop_rows = np.asarray([r for r, k in zip(drop_rows, drop_keys) if k not in same], np.int64)
    wkeys = [_key_of(r, node) for r in written]
    seq = _KeySeq(old, node)
    pos = _positions(old, wkeys, node) if len(wkeys) > _MANY_PIECES else [bisect.bisect_left(seq, k) for k in wkeys]
    m = old.num_rows
    drop_set = set(drop_rows.tolist())
    ins: dict[int, list[int]] = defaultdict(list)
    for k, p in enumerate(pos):
        ins[p].append(k)
    bounds = sorted(set(pos) | drop_set | {d + 1 for d in drop_set} | {0, m})
    pieces: list[tuple[str, int, int]] = []  # ("old", first row, end row) or ("new", first, end)
    for n, a in enumerate(bounds):
        for k in ins.get(a, ()):
            if pieces and pieces[-1][0] == "new" and pieces[-1][2] == k:
                pieces[-1] = ("new", pieces[-1][1], k + 1)
            else:
                pieces.append(("new", k, k + 1))
        if a == m:
            break
        if a not in drop_set:
            pieces.append(("old", a, bounds[n + 1]))
    frame = pd.DataFrame(written, columns=cols)
    p_pq, p_csv = folder.path(stem), folder.path(stem, "csv")
    staged.files = [(_tmp(p_pq), p_pq), (_tmp(p_csv), p_csv)]
    merged = None
    try:
        if m == 0 or _list_types_change(old, frame, props):
            raise ValueError("no schema to keep")
        schema = _pandas_schema(old.schema)
        new_t = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        old_t = old.cast(schema)
        parts = [old_t.slice(a, b - a) if kind == "old" else new_t.slice(a, b - a) for kind, a, b in pieces]
        merged = pa.concat_tables(parts) if parts else old_t.slice(0, 0)
        pq.write_table(merged, _tmp(p_pq), **parquet_options(merged.column_names))
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError):
        merged = None
    if merged is None:  # rendered whole from pandas, as the build writes it
        full = _whole(old, frame, pieces, props)
        full.to_parquet(_tmp(p_pq), index=False, **parquet_options(full.columns))
        _csv_ready(full, props).to_csv(_tmp(p_csv), index=False, lineterminator="\n")
        staged.whole = True
        return staged
    if not _splice_csv(p_csv, _tmp(p_csv), seq, pieces, frame, props, node):
        _csv_ready(_pandas_of(merged, props), props).to_csv(_tmp(p_csv), index=False, lineterminator="\n")
        staged.whole = True
    return staged


def _needs_bulk(staged: _Staged) -> bool:
    """An edge table with so many changed rows that LadybugDB gets it again whole (``COPY``)."""
    return not _is_node(staged.stem) and len(staged.removed) + len(staged.written) > _BULK_ROWS


def _stage_bulk(folder: _Folder, staged: _Staged) -> None:
    """The whole edge table after the add, as LadybugDB loads it (``COPY``)."""
    from .ladybug_store import arrow_schema

    keyed = {_key_of(r, False): r for r in staged.written}
    table = _with_rows(folder.table(staged.stem), staged.stem, set(staged.removed), keyed)
    table = table.sort_by([("source", "ascending"), ("target", "ascending")])

    work = folder.out / _WORK
    work.mkdir(exist_ok=True)
    staged.bulk = work / f"{staged.stem}.parquet"
    schema = arrow_schema(_props(staged.stem), edge=True)
    pq.write_table(table.select(schema.names).cast(schema), staged.bulk)


def _positions(old: pa.Table, keys: list, node: bool) -> list[int]:
    """Where each of the sorted ``keys`` goes among the table's sorted rows, for many keys at once: one
    sort of the old and new keys together (the keys of an edge joined by a character below any in ids)."""
    if node:
        old_k = old.column("id").combine_chunks().cast(pa.large_string())
        new_k = pa.array(keys, pa.large_string())
    else:
        old_k = pc.binary_join_element_wise(old.column("source").combine_chunks().cast(pa.large_string()),
                                            old.column("target").combine_chunks().cast(pa.large_string()),
                                            pa.scalar("\x00", pa.large_string()))
        new_k = pa.array([f"{a}\x00{b}" for a, b in keys], pa.large_string())
    order = np.asarray(pc.sort_indices(pa.concat_arrays([old_k, new_k])).to_numpy(), np.int64)
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    m = len(old_k)
    return (rank[m:] - np.arange(len(keys))).tolist()  # old rows before each new key


def _list_types_change(old: pa.Table, frame: pd.DataFrame, props: dict[str, str]) -> bool:
    """True when pandas would describe a list column differently once the new rows are in (all-empty before)."""
    meta = json.loads((old.schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
    types = {c.get("name"): c.get("pandas_type") for c in meta.get("columns", [])}
    return any(t == STRINGS and types.get(c) == "list[empty]" and any(len(v) for v in frame[c]) for c, t in props.items())


def _whole(old: pa.Table, frame: pd.DataFrame, pieces, props) -> pd.DataFrame:
    old_df = _pandas_of(old, props) if old.num_rows else frame.iloc[0:0]
    parts = [old_df.iloc[a:b] if kind == "old" else frame.iloc[a:b] for kind, a, b in pieces]
    return pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]


def _parse_key(line: bytes, node: bool):
    try:
        f = next(csv.reader([line.decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    if node:
        return f[0] if f else None
    return (f[0], f[1]) if len(f) > 1 else None


def _line_of(mm, start: int) -> bytes:
    end = mm.find(b"\n", start)
    return mm[start: len(mm) if end < 0 else end]


def _find_row(mm, header_end: int, key, node: bool) -> int | None:
    """Byte offset of the CSV row with ``key`` (rows sorted by key), by binary search; None if not found."""
    lo, hi = header_end, len(mm)
    while lo < hi:
        mid = (lo + hi) // 2
        start = mm.rfind(b"\n", 0, mid) + 1
        start = max(start, lo)
        end = mm.find(b"\n", start)
        end = len(mm) if end < 0 else end
        k = _parse_key(mm[start:end], node)
        if k is None:
            return None
        if k < key:
            lo = end + 1
        else:
            hi = start
    if lo >= len(mm) or _parse_key(_line_of(mm, lo), node) != key:
        return None
    return lo


def _splice_csv(path: Path, tmp: Path, seq: _KeySeq, pieces, frame: pd.DataFrame, props, node: bool) -> bool:
    """Copy the kept rows' bytes from the old CSV and render only the new rows; False when rows cannot be found."""
    rendered = _csv_ready(frame, props).to_csv(index=False, header=False, lineterminator="\n").encode("utf-8") \
        if len(frame) else b""
    lines = rendered.split(b"\n")[:-1] if rendered else []
    if len(lines) != len(frame):
        return False  # a field with a line break
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return False
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            header_end = mm.find(b"\n") + 1
            m = len(seq)
            offsets: dict[int, int] = {m: len(mm)}
            starts = None
            if len(pieces) > _MANY_PIECES:  # one pass over the file beats a binary search per piece
                nl = np.flatnonzero(np.frombuffer(mm, np.uint8) == 10)
                if len(nl) != m + 1:
                    return False  # a field with a line break: rows are not lines
                starts = np.r_[nl[:-1] + 1, len(mm)]

            def off(row: int) -> int | None:
                if starts is not None:
                    return int(starts[row])
                if row not in offsets:
                    offsets[row] = _find_row(mm, header_end, seq[row], node)
                return offsets[row]

            spans = []
            for kind, a, b in pieces:
                if kind == "new":
                    spans.append(b"\n".join(lines[a:b]) + b"\n")
                    continue
                x, y = off(a), off(b)
                if x is None or y is None or y < x:
                    return False
                spans.append((x, y))
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                _write_all(fd, mm[:header_end])
                if starts is not None:  # many short pieces: gathered in memory
                    view = memoryview(mm)
                    for k in range(0, len(spans), 4096):
                        _write_all(fd, b"".join(x if isinstance(x, bytes) else view[x[0]:x[1]]
                                                for x in spans[k:k + 4096]))
                    del view
                else:
                    for x in spans:
                        if isinstance(x, bytes):
                            _write_all(fd, x)
                        else:
                            _copy_range(fh.fileno(), fd, x[0], x[1] - x[0], mm)
            finally:
                os.close(fd)
        finally:
            mm.close()
    return True


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _copy_range(src: int, dst: int, offset: int, count: int, mm) -> None:
    """Copy ``count`` bytes from ``offset`` of ``src`` to the end of ``dst`` (in the kernel when it can)."""
    while count > 0:
        try:
            n = os.copy_file_range(src, dst, count, offset)
        except (OSError, AttributeError):
            n = 0
        if n <= 0:  # not supported here: copy through memory
            _write_all(dst, mm[offset: offset + count])
            return
        offset += n
        count -= n


def _stage_jsonl(path: Path, blocks: list[tuple[str, list[str]]]) -> tuple[Path, Path] | None:
    """The file with each document's lines (``blocks``: source, lines) after every line of documents sorting
    at or before it (the build's order); documents of the same source in the order given."""
    blocks = sorted([(src, ls) for src, ls in blocks if ls], key=lambda b: b[0])
    if not blocks:
        return None
    tmp = _tmp(path)
    size = path.stat().st_size if path.exists() else 0
    if size == 0:
        tmp.write_bytes(b"".join(("\n".join(ls) + "\n").encode("utf-8") for _, ls in blocks))
        return tmp, path
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                done = 0
                for source, ls in blocks:
                    off = _after_document(mm, source)
                    _copy_range(fh.fileno(), fd, done, off - done, mm)
                    _write_all(fd, ("\n".join(ls) + "\n").encode("utf-8"))
                    done = off
                _copy_range(fh.fileno(), fd, done, len(mm) - done, mm)
            finally:
                os.close(fd)
        finally:
            mm.close()
    return tmp, path


def _after_document(mm, source: str) -> int:
    """Offset of the first line whose document sorts after ``source`` (lines sorted by document)."""
    lo, hi = 0, len(mm)
    while lo < hi:
        mid = (lo + hi) // 2
        start = max(mm.rfind(b"\n", 0, mid) + 1, lo)
        end = mm.find(b"\n", start)
        end = len(mm) if end < 0 else end
        if _jsonl_document(mm[start:end]) <= source:
            lo = end + 1
        else:
            hi = start
    return min(lo, len(mm))


def _jsonl_document(line: bytes) -> str:
    prefix = b'{"document": '
    if not line.startswith(prefix):
        return json.loads(line).get("document", "") if line.strip() else ""
    return json.JSONDecoder().raw_decode(line[len(prefix):].decode("utf-8"))[0]


# --------------------------------------------------------------------------- Ladybug

_BATCH = 2000


def _ladybug_value(v, type_: str):
    v = _plain(v)
    if type_ == STRINGS:
        return [str(x) for x in (v or [])]
    if type_ == "INT64":
        return int(v or 0)
    if type_ == "DOUBLE":
        return float(v or 0.0)
    return "" if v is None else str(v)


def _ladybug_statements(staged: list[_Staged]) -> list[tuple[str, dict]]:
    """The statements that make ``graph.lbug`` follow the staged tables, with their parameters, in order."""
    out: list[tuple[str, dict]] = []

    def rows(query: str, recs: list[dict]) -> None:
        for k in range(0, len(recs), _BATCH):
            out.append((query, {"rows": recs[k:k + _BATCH]}))

    by = {s.stem: s for s in staged}
    # Edges removed or replaced first, then nodes (new, changed), then new edges.
    for spec in EDGES:
        s = by.get(f"edges_{spec.type}")
        if s is None:
            continue
        if s.bulk is not None:  # the table again, whole (its new rows are loaded with it below)
            out.append((f"MATCH (a:{spec.source})-[r:{spec.type}]->(b:{spec.target}) DELETE r", {}))
            continue
        # One statement per edge, its ends looked up by primary key: ~0.2 ms each at national size, where
        # matching a list of them (UNWIND, or WHERE a.id IN $ids) scans the label: 0.2-1.8 s for ~100 edges.
        query = f"MATCH (a:{spec.source} {{id: $s}})-[r:{spec.type}]->(b:{spec.target} {{id: $t}}) DELETE r"
        out += [(query, {"s": a, "t": b}) for a, b in sorted(set(s.removed) | set(s.existed))]
    for spec in NODES:
        s = by.get(f"nodes_{spec.label}")
        if s is None:
            continue
        if s.removed:
            rows(f"UNWIND $rows AS p MATCH (n:{spec.label} {{id: p.id}}) DETACH DELETE n",
                 [{"id": k} for k in s.removed])
        recs = [{c: _ladybug_value(r[c], t) for c, t in spec.properties.items()} for r in s.written]
        fresh = [r for r in recs if r["id"] not in s.existed]
        changed = [r for r in recs if r["id"] in s.existed]
        if fresh:
            rows(f"UNWIND $rows AS p CREATE (n:{spec.label} {{"
                 + ", ".join(f"{c}: p.{c}" for c in spec.properties) + "})", fresh)
        if changed:
            rows(f"UNWIND $rows AS p MATCH (n:{spec.label} {{id: p.id}}) SET "
                 + ", ".join(f"n.{c} = p.{c}" for c in spec.properties if c != "id"), changed)
    for spec in EDGES:
        s = by.get(f"edges_{spec.type}")
        if s is not None and s.bulk is not None:
            if s.rows:
                out.append((f"COPY {spec.type} FROM '{s.bulk.as_posix()}'", {}))
            continue
        if s is None or not s.written:
            continue
        recs = [{"s": r["source"], "t": r["target"], **{c: _ladybug_value(r[c], t) for c, t in spec.properties.items()}}
                for r in s.written]
        sets = ", ".join(f"{c}: p.{c}" for c in spec.properties)
        rows(f"UNWIND $rows AS p MATCH (a:{spec.source}) WHERE a.id = p.s MATCH (b:{spec.target}) "
             f"WHERE b.id = p.t CREATE (a)-[:{spec.type} {{{sets}}}]->(b)", recs)
    return out


def _open_ladybug(db_path: Path):
    """The database open for an add's transaction: (database, connection); it replays the log."""
    import ladybug

    db = ladybug.Database(str(db_path), auto_checkpoint=False)
    conn = ladybug.Connection(db)
    conn.execute("CALL force_checkpoint_on_close=false")  # closing would checkpoint otherwise
    return db, conn


def _close_ladybug(opened) -> None:
    db, conn = opened
    conn.close()
    db.close()


def _apply_ladybug(db_path: Path, statements: list[tuple[str, dict]], checkpoint: bool | None = None,
                   opened: Future | None = None) -> dict[str, float]:
    """Run the statements in one transaction: the database changes wholly or not at all.

    The commit is durable in the write-ahead log (``graph.lbug.wal``); the
    checkpoint that folds the log into the file (LadybugDB rewrites there the
    adjacency of every node group an edge was added to or removed from, which
    grows with the graph) runs only with ``checkpoint`` True, when the
    statements reload a table with ``COPY``, or when None once the log holds
    more than ``CHECKPOINT_WAL_BYTES``. Readers replay the log when they open
    the file. ``opened``: the database being opened already (:func:`_open_ladybug`),
    which this closes. Returns the seconds of the statements with their commit
    (the open's included, or the wait for it), and of the checkpoint.
    """
    t0 = time.perf_counter()
    db, conn = opened.result() if opened is not None else _open_ladybug(db_path)
    t1 = t0
    try:
        conn.execute("BEGIN TRANSACTION")
        try:
            for query, params in statements:
                conn.execute(query, params)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        t1 = time.perf_counter()
        if checkpoint is None:
            checkpoint = wal_bytes(db_path) > CHECKPOINT_WAL_BYTES
        # A COPY left in the log is lost: LadybugDB 0.22 replays the log without the copied rows (every
        # edge of the table gone after the next open). An add that reloads a table (_BULK_ROWS) folds it.
        checkpoint = checkpoint or any(q.startswith("COPY ") for q, _ in statements)
        if checkpoint:
            conn.execute("CHECKPOINT")
    finally:
        conn.close()
        db.close()
    return {"db_write": round(t1 - t0, 4), "db_checkpoint": round(time.perf_counter() - t1, 4)}


def wal_bytes(db_path: str | Path) -> int:
    """The size of a database's write-ahead log (0 when it has none)."""
    wal = Path(str(db_path) + ".wal")
    return wal.stat().st_size if wal.exists() else 0


def _ladybug_has(db_path: Path, did: str) -> bool:
    from .ladybug_store import open_database

    db, conn = open_database(db_path, read_only=True)
    try:
        return bool(conn.execute("MATCH (d:Document {id: $id}) RETURN count(*)", {"id": did}).get_all()[0][0])
    finally:
        conn.close()
        db.close()


def _touch_ladybug(out: Path) -> None:
    """Keep the database newer than the tables, so readers do not rewrite it from them."""
    from .ladybug_store import DB_NAME

    db = out / DB_NAME
    if db.is_file():
        newest = max(p.stat().st_mtime for p in (out / "tables").glob("*.parquet"))
        now = max(time.time(), newest + 1e-3)
        os.utime(db, (now, now))


# --------------------------------------------------------------------------- summary.json


def _stage_summary(folder: _Folder, staged: dict[str, _Staged], ctx: _Context, new_unplaced: int
                   ) -> tuple[Path, Path]:
    """summary.json as :func:`mandategraph.graph.summary.summarize` writes it, from the previous one and the changes.

    summarize needs the whole graph in memory; this reads only row counts.
    tests/test_incremental.py holds the two equal.
    """
    path = folder.out / "summary.json"
    prev = json.loads(path.read_text(encoding="utf-8"))

    def rows(stem: str) -> int:
        if stem in staged:
            return staged[stem].rows
        if stem in folder.pending.rows:
            return folder.pending.rows[stem]
        return pq.ParquetFile(folder.path(stem)).metadata.num_rows

    nodes = {s.label: rows(f"nodes_{s.label}") for s in NODES}
    edges = {s.type: rows(f"edges_{s.type}") for s in EDGES}
    per_jy = dict(prev.get("tasks_per_jurisdiction_year", {}))
    for t in ctx.new_tasks:
        d = ctx.h.nodes[t]
        k = f"{d['jurisdiction']} {d['year']}"
        per_jy[k] = per_jy.get(k, 0) + 1
    # As summarize: the scheme's fallback theme (Th:general) does not count as covered; a task
    # gets it only when no other theme does.
    it = folder.keys("edges_IN_THEME")
    general = int(pc.sum(pc.equal(it.column("target"), FALLBACK_THEME)).as_py() or 0) if it.num_rows else 0
    new_it = staged["edges_IN_THEME"].written if "edges_IN_THEME" in staged else []
    general += sum(1 for r in new_it if r["target"] == FALLBACK_THEME)
    n_tasks = nodes["Task"]
    new_set = set(ctx.new_tasks)
    led = {r["target"] for r in (staged["edges_LEADS"].written if "edges_LEADS" in staged else [])
           if r["target"] in new_set}
    summary = {
        "documents": prev["documents"] + 1,
        "failed": prev.get("failed", []),
        "nodes": nodes,
        "edges": edges,
        "tasks_per_jurisdiction_year": dict(sorted(per_jy.items())),
        "theme_coverage": round((n_tasks - general) / n_tasks, 4) if n_tasks else 0.0,
        "tasks_with_lead": prev.get("tasks_with_lead", 0) + len(led),
        "unplaced": prev.get("unplaced", 0) + new_unplaced,
    }
    tmp = _tmp(path)
    tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return tmp, path


# --------------------------------------------------------------------------- committing


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_journal(out: Path, data: dict) -> None:
    _atomic(out / JOURNAL_NAME, lambda p: p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8"))


def _commit(out: Path, did: str, files: list[tuple[Path, Path]], statements, checkpoint: bool | None = None,
            opened: Future | None = None) -> dict[str, float]:
    """Apply the database changes and rename the staged files into place, so that the folder
    changes wholly or not at all (see :func:`recover`); returns the database's seconds."""
    from .ladybug_store import DB_NAME

    db = out / DB_NAME
    keep_db = _db_current(out)  # a database older than its tables is written again by its readers: left so
    journal = _begin(out, did, files, keep_db)
    seconds = {}
    if keep_db and statements:
        try:
            seconds = _apply_ladybug(db, statements, checkpoint, opened)
        except BaseException:  # rolled back: the folder stays as it was
            _undo(out, journal)
            raise
    elif opened is not None and opened.exception() is None:
        _close_ladybug(opened.result())
    _committed(out, journal)
    _finish(out, journal)
    return seconds


def _db_current(out: Path) -> bool:
    """True when the folder has a database at least as new as its tables."""
    from .ladybug_store import DB_NAME

    db = out / DB_NAME
    tables = list((out / "tables").glob("*.parquet"))
    return db.is_file() and (not tables or db.stat().st_mtime >= max(p.stat().st_mtime for p in tables))


def _begin(out: Path, did: str, files: list[tuple[Path, Path]], keep_db: bool = True,
           remove: Iterable[Path] = (), committed: bool = False) -> dict:
    """Record the staged files (and the files to remove after them) in the journal, before the database
    changes; ``committed``: there is nothing for the database to do (a fold)."""
    # The pending changes last: once they list the document, the add is done.
    files = sorted(files, key=lambda tf: tf[1].name == PENDING_NAME)
    data = {"document": did, "files": [[str(t), str(f)] for t, f in files], "remove": [str(p) for p in remove],
            "ladybug": committed or not keep_db, "keep_db": keep_db}
    _write_journal(out, data)
    return data


def _committed(out: Path, journal: dict) -> None:
    """Record that the database has the add (after its commit)."""
    journal["ladybug"] = True
    _write_journal(out, journal)


def _finish(out: Path, journal: dict) -> None:
    for t, f in journal["files"]:
        _replace(Path(t), Path(f))
    for p in journal.get("remove", []):
        Path(p).unlink(missing_ok=True)
    if journal.get("keep_db", True):
        _touch_ladybug(out)
    (out / JOURNAL_NAME).unlink()
    _clean_work(out)


def _replace(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` over ``final``; run again after an interruption, it finishes the job.

    ext4 writes a file's data out at once when the file is renamed over
    another (``auto_da_alloc``): seconds for the tables of a national build.
    The old file is moved aside first, so the rename replaces nothing.
    """
    old = final.with_name(final.name + _OLD)
    if tmp.exists():
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
    old.unlink(missing_ok=True)


def _drop_staged(out: Path) -> None:
    """Remove what an add or fold staged, when it stopped before its journal."""
    if not (out / JOURNAL_NAME).exists():
        for p in [*(out / "tables").glob(f"*{_TMP}"), *out.glob(f"*{_TMP}")]:
            p.unlink()
        _clean_work(out)


def _clean_work(out: Path) -> None:
    work = out / _WORK
    if work.is_dir():
        for p in work.iterdir():
            p.unlink()
        work.rmdir()


def recover(out: str | Path) -> bool:
    """Finish or undo an add that was interrupted; True if there was one.

    An add writes its files beside the old ones, lists them in a journal,
    commits the database and only then renames the files into place. If the
    database committed, the renames are finished; if not, the new files are
    removed and the folder is as it was before the add.
    """
    from .ladybug_store import DB_NAME

    out = Path(out)
    path = out / JOURNAL_NAME
    if not path.exists():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    db = out / DB_NAME
    done = data.get("ladybug") or not db.is_file() or _ladybug_has(db, data["document"])
    if done:
        _finish(out, data)
    else:
        _undo(out, data)
    return True


def checkpoint(out: str | Path) -> dict[str, float]:
    """Fold what adds left pending into the files: the rows of ``tables/pending.json`` into the tables
    (:func:`fold`), and ``graph.lbug``'s write-ahead log into the database file (LadybugDB's checkpoint).

    An add commits its database changes to the log and leaves them there
    (the checkpoint rewrites the adjacency of every node group an edge was
    added to or removed from: ~11 s at national size, nearly the same for one
    add's log as for ten); readers replay the log when they open the file.
    The add that leaves the log above ``CHECKPOINT_WAL_BYTES`` checkpoints
    itself; this (``mandategraph checkpoint``) does it now, e.g. after a batch
    of adds or before copying ``graph.lbug`` alone. Returns the log's size
    before and the checkpoint's seconds, and the documents whose rows were
    folded into the tables and that fold's seconds.
    """
    import ladybug
    from .ladybug_store import DB_NAME

    out = Path(out)
    db_path = out / DB_NAME if out.is_dir() else out
    if not db_path.is_file():
        raise ReadError(str(out), "no graph.lbug here; run `mandategraph build` first")
    folder = db_path.parent
    check_build(folder)
    with _locked(folder):
        recover(folder)
        folded = _fold_locked(folder)
        before = wal_bytes(db_path)
        t0 = time.perf_counter()
        if before:
            db = ladybug.Database(str(db_path))
            conn = ladybug.Connection(db)
            try:
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
                db.close()
    return {"wal_bytes": before, "seconds": round(time.perf_counter() - t0, 4),
            "pending_documents": folded["documents"], "fold_seconds": folded["seconds"]}


def _undo(out: Path, journal: dict) -> None:
    for t, _ in journal["files"]:
        if os.path.exists(t):
            os.unlink(t)
    (out / JOURNAL_NAME).unlink()
    _clean_work(out)


# --------------------------------------------------------------------------- one document


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _options(given: BuildOptions | None, index: _Index | None) -> BuildOptions:
    if given is not None:
        return given
    known = {f.name for f in fields(BuildOptions)}
    recorded = {k: v for k, v in (index.options if index else {}).items() if k in known}
    return BuildOptions(**recorded)


def add_extraction(folder: str | Path, ex: Extraction, options: BuildOptions | None = None,
                   result: AddResult | None = None, *, similar: Similar = "incremental",
                   candidates: int = SIMILAR_CANDIDATES, method: str = "auto", checkpoint: bool | None = None,
                   record: dict | None = None) -> AddResult:
    """Add one extracted document to a built folder (see the module docstring).

    ``options`` default to those the build recorded in ``add_index.npz``
    (else the defaults). ``similar`` is ``"incremental"`` (the new tasks'
    links, fast) or ``"exact"`` (SIMILAR_TO recomputed over every task as a
    build does: the folder equals a rebuild). ``candidates`` caps the old
    tasks the new ones are scored against (module docstring); ``method``
    picks their candidate pairs as ``link_similar``'s: ``"auto"`` (every pair
    up to its exact limit, as the build), ``"exact"`` or ``"lsh"``.
    ``checkpoint`` folds ``graph.lbug``'s write-ahead log into the file and
    the pending rows into the tables after the commit: True always, False
    never, None (default) each once its file is above
    ``CHECKPOINT_WAL_BYTES`` / ``FOLD_PENDING_BYTES`` (see :func:`checkpoint`).
    ``record`` (path, source, checksum, extraction keywords) is added to the folder's
    ``inputs.json`` with the document, so that a later add can rebuild (:func:`add_documents`).
    """
    if method not in ("auto", "exact", "lsh"):
        raise ValueError(f"unknown method {method!r}; expected 'auto', 'exact' or 'lsh'")
    if similar not in ("incremental", "exact"):
        raise ValueError(f"unknown similar mode {similar!r}; expected 'incremental' or 'exact'")
    result = result or AddResult()
    check_build(folder)  # not an incomplete build
    _Folder(folder).close()  # a built folder, or ReadError
    with _locked(Path(folder)):
        recover(folder)
        _add_locked(folder, ex, options, result, similar, candidates, method, checkpoint, record)
    return result


@contextlib.contextmanager
def _locked(out: Path):
    """One add at a time in a folder: a second one waits for the first. None while a build writes the
    folder: the build's lock beside it is held shared, and refuses at once when a build holds it
    (:func:`mandategraph.graph.folder.build_lock`; not for the staging folder a build writes itself)."""
    import fcntl

    with contextlib.ExitStack() as stack:
        if not _being_built(out):
            stack.enter_context(build_lock(out, shared=True))
        fh = stack.enter_context(open(out / LOCK_NAME, "a"))
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _being_built(out: Path) -> bool:
    """``out`` is a staging folder (the build writing it holds the lock of its target)."""
    return being_written(out) or is_staged(Path(out))


def _add_locked(folder, ex: Extraction, options, result: AddResult, similar: Similar, candidates: int,
                method: str, checkpoint: bool | None = None, record: dict | None = None) -> None:
    from .ladybug_store import DB_NAME

    f = _Folder(folder)
    known = _known(f, ex)
    if known is not None:
        result.unchanged.append(known)
        f.close()
        return
    # The database opens (and replays its log) while the tables are read and the document linked; the
    # open holds the GIL, the table reads do not, so they start first.
    f.prefetch(s for s in _PREFETCH if _is_node(s))
    f.prefetch_keys(s for s in _PREFETCH if not _is_node(s))
    opened = f.submit_io(_open_ladybug, f.out / DB_NAME) if _db_current(f.out) else None
    try:
        prepared = _prepare(f, ex, options, result, similar, candidates, method, record)
        t0 = time.perf_counter()
        db = _commit(f.out, *prepared, checkpoint=checkpoint, opened=opened)
        opened = None  # closed by the commit
        _tick(result, "commit", t0)
        for k, v in db.items():
            result.seconds[k] = round(result.seconds.get(k, 0.0) + v, 4)
        result.added.append(prepared[0])
        if checkpoint or (checkpoint is None and pending_bytes(f.out) > FOLD_PENDING_BYTES):
            t0 = time.perf_counter()
            result.rewritten += _fold_locked(f.out)["rewritten"]
            _tick(result, "fold", t0)
    finally:
        if opened is not None and opened.exception() is None:  # not committed: nothing written to it
            _close_ladybug(opened.result())
        f.close()
        _drop_staged(f.out)  # an add that failed before its commit leaves nothing behind


# Tables an add reads, biggest first (they load in the background while the document is linked; the edge
# tables as their keys, _Folder.keys).
_PREFETCH = ["nodes_Task", "edges_SIMILAR_TO", "edges_IN_THEME", "edges_LEADS", "edges_CONTINUES", "edges_CONTAINS",
             "edges_ASSISTS", "edges_DETAILS", "nodes_Unit", "edges_BELONGS_TO", "edges_CITES", "nodes_Document",
             "edges_ISSUED", "nodes_Instrument", "edges_MEMBER_OF", "nodes_Jurisdiction", "edges_PART_OF",
             "nodes_Theme"]


def _known(f: _Folder, ex: Extraction) -> str | None:
    """The document's id when it is in the graph already, else None."""
    did = document_id(ex.meta.checksum or _checksum(ex.text))
    docs = pq.read_table(f.path("nodes_Document"), columns=["id"]).column("id")
    return did if did in f.pending.documents or _mask(docs, [did]).any() else None


def _prepare(f: _Folder, ex: Extraction, options: BuildOptions | None, result: AddResult, similar: Similar,
             candidates: int = SIMILAR_CANDIDATES, method: str = "auto", record: dict | None = None
             ) -> tuple[str, list[tuple[Path, Path]], list]:
    """Everything an add of a document not in the graph yet (see ``_known``) writes, staged beside the
    folder's files: (document id, files, database statements)."""
    t0 = time.perf_counter()
    did = document_id(ex.meta.checksum or _checksum(ex.text))
    index = _load_index(f)
    g_new = nx.MultiDiGraph()
    did2, task_ids = add_document(g_new, ex)
    add_mandates(g_new, ex, did2, task_ids)
    t0 = _tick(result, "prepare", t0)
    if index is None:  # no index, or not this folder's: count every task's n-grams once
        texts = f.table("nodes_Task").column("text").to_pylist()
        index = _Index(*_index_of_texts(texts), {})
        t0 = _tick(result, "index", t0)
    options = _options(options, index)
    me = _order_key(ex.meta.jurisdiction.code, ex.meta.year, ex.meta.source)
    delta = _Delta()
    ctx = _Context(ex, did, g_new)
    _link_local(f, delta, ctx, options)
    for row in node_frames(nx.MultiDiGraph(ctx.h.subgraph(ctx.new_tasks)))["Task"].to_dict("records"):
        ctx.task_rows[row["id"]] = _plain_row(row)
    t0 = _tick(result, "link", t0)
    if similar == "exact":
        _similar_exact(f, delta, ctx, options, index, result)
    else:
        _similar_incremental(f, delta, ctx, options, index, result, candidates, method)
    t0 = _tick(result, "similar", t0)
    _derived_updates(f, delta, ctx)
    nf = node_frames(nx.MultiDiGraph(ctx.h.subgraph(g_new.nodes)))
    ef = edge_frames(g_new)
    delta.put_frame("nodes_Document", nf["Document"])
    delta.put("nodes_Task", ctx.task_rows.values())
    for type_ in ("ISSUED", "CONTAINS", "LEADS", "ASSISTS", "CITES"):
        delta.put_frame(f"edges_{type_}", ef[type_])
    _new_only(f, delta, "nodes_Jurisdiction", nf["Jurisdiction"])
    _new_only(f, delta, "edges_PART_OF", ef["PART_OF"])
    earlier_units = _first_wins(f, delta, "Unit", nf["Unit"], me, merge_lists=("aliases", "names_by_year"))
    _first_wins(f, delta, "Instrument", nf["Instrument"], me)
    bt = ef["BELONGS_TO"]
    delta.put_frame("edges_BELONGS_TO", bt[bt["source"].isin(earlier_units)])
    _last_wins(f, delta, "MEMBER_OF", ef["MEMBER_OF"], me)
    t0 = _tick(result, "rows", t0)
    staged = {}
    for stem in delta.stems():
        diff = _diff_table(f, stem, delta.remove.get(stem, set()), delta.write.get(stem, {}))
        if diff is not None:
            s = staged[stem] = diff[0]
            was = result.rows.get(stem, [0, 0])  # summed over the documents of a batch
            result.rows[stem] = [was[0] + len(s.removed), was[1] + len(s.written)]
            if _needs_bulk(s):
                _stage_bulk(f, s)
    t0 = _tick(result, "tables", t0)
    # The table files are not written: the rows go to tables/pending.json, folded in later (fold).
    lines = {"extract.jsonl": (ex.meta.source, [json.dumps(t.contract(), ensure_ascii=False) for t in ex.tasks]),
             "unplaced.jsonl": (ex.meta.source, [json.dumps({"document": ex.meta.source, "line": u.line,
                                                             "span": list(u.span), "text": u.text, "reason": u.reason},
                                                            ensure_ascii=False) for u in ex.unplaced])}
    raw = f.pending.with_add(did, staged, lines).dumps()
    pending = f.tables / PENDING_NAME
    _tmp(pending).write_bytes(raw)
    files = [(_tmp(pending), pending), _stage_summary(f, staged, ctx, len(ex.unplaced))]
    if record is not None and (f.out / INPUTS_NAME).is_file():  # the documents a rebuild reads again
        recorded = json.loads((f.out / INPUTS_NAME).read_text(encoding="utf-8"))
        _tmp(f.out / INPUTS_NAME).write_text(inputs_text(recorded["documents"] + [record], recorded["rebuildable"]),
                                             encoding="utf-8")
        files.append((_tmp(f.out / INPUTS_NAME), f.out / INPUTS_NAME))
    idx_path = f.out / INDEX_NAME
    _save_index(_tmp(idx_path), index, _state_stamp(f.path("nodes_Task"), hashlib.sha1(raw).hexdigest()))
    files.append((_tmp(idx_path), idx_path))
    statements = _ladybug_statements(list(staged.values()))
    _tick(result, "files", t0)
    return did, files, statements


# --------------------------------------------------------------------------- folding the pending changes


def fold(out: str | Path) -> dict:
    """Write the row changes adds left in ``OUT/tables/pending.json`` into the table files.

    An add commits its rows to the database and to ``pending.json`` only:
    rewriting a national build's tables (Parquet decoded and encoded again,
    CSV and ``extract.jsonl`` copied) takes longer than the rest of an add.
    Every mandategraph command that reads the tables folds first
    (:func:`mandategraph.graph.tables.tables_of`); so do
    :func:`checkpoint`, ``add --checkpoint`` and the add that leaves the file
    above ``FOLD_PENDING_BYTES``. Afterwards the files are what a build of
    all the documents writes (SIMILAR_TO as the adds made it). Returns the
    documents folded, the rows changed, the tables whose CSV was rendered
    whole (the slow path) and the seconds.
    """
    out = Path(out)
    with _locked(out):
        recover(out)
        return _fold_locked(out)


def _fold_locked(out: Path) -> dict:
    t0 = time.perf_counter()
    pend = _Pending.load(out / "tables")
    if not pend:
        return {"documents": 0, "rows": 0, "rewritten": [], "seconds": 0.0}
    f = _Folder(out, pending=False)  # the files as they are, the changes apart
    try:
        index = _load_index(f, pend.digest)
        stems = sorted(set(pend.remove) | set(pend.write), key=lambda s: -f.path(s).stat().st_size)
        f.prefetch(stems)  # queued before the jobs that wait for them, which share the threads
        futures = [f.submit(_stage_table, f, stem, pend.remove.get(stem, set()), pend.write.get(stem, {}))
                   for stem in stems]
        lines = [f.submit_io(_stage_jsonl, out / name, [tuple(b) for b in blocks]) for name, blocks in pend.lines.items()]
        staged = [st for st in (fu.result() for fu in futures) if st is not None]
        files = [tf for st in staged for tf in st.files] + [tf for fu in lines if (tf := fu.result())]
        if index is not None:  # the same counts, tied to the new Task table
            task = next((t for t, final in files if final == f.path("nodes_Task")), f.path("nodes_Task"))
            idx_path = out / INDEX_NAME
            _save_index(_tmp(idx_path), index, _state_stamp(task, ""))
            files.append((_tmp(idx_path), idx_path))
        journal = _begin(out, "", files, _db_current(out), remove=[f.tables / PENDING_NAME], committed=True)
        _finish(out, journal)
    finally:
        f.close()
        _drop_staged(out)
    return {"documents": len(pend.documents),
            "rows": sum(len(v) for v in pend.write.values()) + sum(len(v) for v in pend.remove.values()),
            "rewritten": [st.stem for st in staged if st.whole],  # CSV rendered whole (slow path)
            "seconds": round(time.perf_counter() - t0, 4)}


# --------------------------------------------------------------------------- many documents


# A batch of at least max(REBUILD_MIN_PLANS, REBUILD_SHARE x the plans in the build) new plans rebuilds the
# folder instead. bench/bench_add_batch.py: one by one cost as much as a rebuild at ~14 plans on builds of 300
# (0.6 s a plan, rebuild 11-16 s) and of 1,200 (1.7 s a plan, rebuild 20-37 s); at national size (one plan
# 2.7-6.3 s, a rebuild 5-10 min) the same rule puts it at 50-200, hence the share.
REBUILD_MIN_PLANS = 12
REBUILD_SHARE = 0.005


def rebuild_threshold(plans: int) -> int:
    """The smallest batch that :func:`add_documents` adds to a build of ``plans`` plans by a rebuild."""
    return max(REBUILD_MIN_PLANS, int(np.ceil(REBUILD_SHARE * plans)))


def add_documents(inputs: Iterable[str | Path], graph_dir: str | Path, options: BuildOptions | None = None,
                  *, similar: Similar = "incremental", candidates: int = SIMILAR_CANDIDATES,
                  method: str = "auto", checkpoint: bool | None = None, rebuild: bool | None = None,
                  progress=None, notice=None, **extract_kw) -> AddResult:
    """Add the documents in ``inputs`` (files or folders) to the built folder ``graph_dir``.

    The documents are those :func:`mandategraph.loaders.inputs.find_documents`
    finds; what it leaves out and what reading changed go to ``notice``, one
    line each (and into :attr:`AddResult.notices`). Files that fail to
    extract are reported in the result; the others are added, one at a time
    in the build's order. See :func:`add_extraction` for ``options``,
    ``similar``, ``candidates``, ``method`` and ``checkpoint`` (with True,
    the log is folded once, after the last document).

    A batch of at least :func:`rebuild_threshold` new plans (12, or 0.5 %
    of the build's when more) is faster rebuilt: the folder is then built again
    (:func:`mandategraph.graph.build.build_documents`, the build's recorded
    options) from the documents its ``inputs.json`` records plus the new
    ones, the same folder ``mandategraph build`` of all of them writes. That
    needs every document of the graph recorded there and still on disk with
    the same bytes, and nothing in the folder but what builds and
    mandategraph's commands write; when not, the add says why in
    :attr:`AddResult.how` (and to ``notice``) and adds one by one, as it
    does when a recorded document fails to extract during the rebuild. The
    plan and the rebuild run under the folder's build lock, exclusive
    (:class:`~mandategraph.graph.folder.BusyError` at once when another add
    holds the folder); the outputs of other commands the rebuild removes
    (``rdf/``, ``report/``, …) are named to ``notice``. ``rebuild`` True / False forces
    either way (True still needs the record). ``progress`` gets
    :class:`~mandategraph.graph.build.Progress` events: "extract" per file,
    then "add" per document (or the build's stages when it rebuilds).

    Raises
    ------
    ReadError
        ``graph_dir`` is not a built folder, or ``inputs`` hold no document.
    """
    check_build(graph_dir)  # not an incomplete build
    _Folder(graph_dir).close()
    result = AddResult()

    def told(line: str) -> None:
        result.notices.append(line)
        if notice is not None:
            notice(line)

    names = [str(p) for p in inputs]
    try:
        paths = find_inputs(names, str(graph_dir), told)
    except ReadError as exc:  # the build's wording, an add's outcome
        raise ReadError(exc.path, exc.reason.replace("nothing was built", "nothing was added")) from None
    out = Path(graph_dir)
    if rebuild or (rebuild is None and _worth_rebuilding(out, paths)):
        # The plan is read, and the folder rebuilt, under the build lock (exclusive): no add commits between
        # the two (its document would be lost), and none is between its journal and its commit (recover
        # would undo it).
        with build_lock(out, label=str(graph_dir)):
            recover(out)  # an add interrupted after its commit: finished, so that the record and counts have it
            plan = _rebuild_plan(out, paths, rebuild)
            if plan is not None:
                result.how = plan["how"]
                told(plan["how"])
                if plan["documents"] is not None:
                    done = _rebuild_locked(out, plan, paths, result, progress, told, extract_kw)
                    if done is not None:
                        return done
    with build_lock(graph_dir, shared=True):  # no build into the folder until the last document is in
        return _add_documents(paths, graph_dir, options, similar, candidates, method, checkpoint, result,
                              progress, told, **extract_kw)


def _graph_documents(out: Path) -> tuple[int, set[str]]:
    """(documents in the graph, their checksums), the rows adds left pending included."""
    f = _Folder(out)
    try:
        docs = f.table("nodes_Document")
        return docs.num_rows, set(docs.column("checksum").to_pylist())
    finally:
        f.close()


def _worth_rebuilding(out: Path, paths: list) -> bool:
    """Whether ``paths`` hold :func:`rebuild_threshold` plans not in the graph: asked before taking the
    lock, so that small adds wait for one another as usual (:func:`_rebuild_plan` asks again under it)."""
    plans, checksums = _graph_documents(out)
    new = sum(1 for p in paths if (c := file_checksum(p)) is None or c not in checksums)
    return new >= rebuild_threshold(plans)


def _rebuild_plan(out: Path, paths: list, rebuild: bool | None) -> dict | None:
    """None to add one by one without a word; else {"how": what to say, "documents": the recorded
    documents to rebuild from (None: it cannot, add one by one), "new": the new files, "plans": n}.
    Call it holding the folder's build lock (exclusive), as :func:`_rebuild_locked`."""
    if rebuild is False:
        return None
    plans, checksums = _graph_documents(out)
    sums = {str(p): file_checksum(p) for p in paths}
    new = [p for p in paths if sums[str(p)] is None or sums[str(p)] not in checksums]
    need = rebuild_threshold(plans)
    if rebuild is None and len(new) < need:
        return None
    size = f"adding {len(new):,} plan{'s' * (len(new) != 1)} to a build of {plans:,}"
    why = "as asked" if rebuild else f"faster from {need:,} plans"
    record = out / INPUTS_NAME
    reason = None
    documents = None
    if not record.is_file():
        reason = f"the build records no inputs ({INPUTS_NAME}; a build before this version)"
    else:
        data = json.loads(record.read_text(encoding="utf-8"))
        documents = data.get("documents", [])
        if not data.get("rebuildable", False):
            reason = "the build's extraction options are not recorded"
        elif {d["checksum"] for d in documents} != checksums or len(documents) != plans:
            reason = f"{INPUTS_NAME} does not record every document of the graph"
        else:
            for d in documents:
                if not os.path.isfile(d["path"]):
                    reason = f"{d['path']}, read by the build, is gone"
                    break
                if file_checksum(d["path"]) != d["checksum"]:
                    reason = f"{d['path']} changed since the build read it"
                    break
    if reason is None:
        foreign = foreign_entries(out)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
            reason = f"the folder holds what a build does not write, which a rebuild would delete: {shown}"
    if reason is not None:
        return {"how": f"{size}: one by one, not rebuilding ({why}): {reason}", "documents": None}
    return {"how": f"{size}: rebuilding ({why})", "documents": documents, "new": new, "plans": plans}


def _summary_counts(out: Path) -> dict[str, int]:
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {**{f"nodes_{k}": v for k, v in s["nodes"].items()}, **{f"edges_{k}": v for k, v in s["edges"].items()}}


def _rebuild_locked(out: Path, plan: dict, paths: list, result: AddResult, progress, notice, extract_kw
                    ) -> AddResult | None:
    """The add as a build of the recorded documents and the new ones (see :func:`add_documents`), the
    caller holding the folder's build lock (exclusive) since it read ``plan``. None when a recorded
    document failed to extract: nothing was replaced, and the caller adds one by one."""
    from ..loaders.inputs import DocumentPath
    from .build import RequiredFailed, build_documents_locked

    t0 = time.perf_counter()
    before = _summary_counts(out)
    derived = derived_entries(out)
    f = _Folder(out)
    try:
        options = _options(None, _load_index(f))
    finally:
        f.close()
    old = [(DocumentPath(d["path"], d["source"]), dict(d["options"] or {})) for d in plan["documents"]]
    new_ids = {str(p) for p in plan["new"]}
    unchanged = [p for p in paths if str(p) not in new_ids]
    try:
        built = build_documents_locked(old + [(p, dict(extract_kw)) for p in plan["new"]], out, options, progress,
                                       notice, names=[str(p) for p in paths],
                                       required=[str(p) for p, _ in old])
    except RequiredFailed as exc:  # the rebuilt graph would lack it: keep the folder, add one by one
        path, msg = exc.failed[0]
        more = f" (and {len(exc.failed) - 1} more)" if len(exc.failed) > 1 else ""
        result.how = (f"{result.how}; stopped: {path}, read by the build, failed to extract{more} ({msg}): "
                      "adding one by one")
        notice(f"not rebuilding: {path}, read by the build, failed to extract{more} ({msg}); the folder was "
               "left as it was; adding one by one")
        return None
    if derived:
        notice(f"the rebuild removed {', '.join(derived)} (written from the old build by other commands: "
               "run them again)")
    result.rebuilt = True
    checks = json.loads((out / INPUTS_NAME).read_text(encoding="utf-8"))["documents"]
    by_path = {d["path"]: d["checksum"] for d in checks}
    result.added = [document_id(by_path[os.path.abspath(str(p))]) for p in plan["new"]
                    if os.path.abspath(str(p)) in by_path]
    result.unchanged = [document_id(s) for p in unchanged if (s := file_checksum(p))]
    result.errors = list(built.errors)
    after = _summary_counts(out)
    result.counts = {k: [before.get(k, 0), after[k]] for k in after}
    result.seconds["rebuild"] = round(time.perf_counter() - t0, 4)
    return result


def _add_documents(paths, graph_dir, options, similar, candidates, method, checkpoint, result: AddResult,
                   progress=None, notice=None, **extract_kw) -> AddResult:
    from .build import extract_items

    t0 = time.perf_counter()
    extractions, errors, records = extract_items([(p, dict(extract_kw)) for p in paths], 0, progress, notice)
    result.errors += errors
    _tick(result, "extract", t0)
    pairs = sorted(zip(extractions, records),
                   key=lambda er: _order_key(er[0].meta.jurisdiction.code, er[0].meta.year, er[0].meta.source))
    del extractions
    n = len(pairs)
    if progress is not None:
        progress(Progress("add", 0, n))
    for k, (ex, record) in enumerate(pairs, start=1):
        last = k == n
        add_extraction(graph_dir, ex, options, result, similar=similar, candidates=candidates, method=method,
                       checkpoint=checkpoint if last else (None if checkpoint else checkpoint),
                       record=record)
        if progress is not None:
            progress(Progress("add", k, n, ex.meta.source))
    if result.errors:
        _record_failures(Path(graph_dir), result.errors)
    return result


def _record_failures(out: Path, errors: list[tuple[str, str]]) -> None:
    path = out / "summary.json"
    s = json.loads(path.read_text(encoding="utf-8"))
    s["failed"] = s.get("failed", []) + [{"path": p, "error": m} for p, m in errors]
    _atomic(path, lambda p: p.write_text(json.dumps(s, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                         encoding="utf-8"))
