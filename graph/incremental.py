"""Add documents to a built folder without rebuilding it.

:func:`add_documents` extracts the new files and changes only the rows they
touch, so that the folder ends up as a full ``build`` of the old inputs plus
the new ones would write it: the same ids, byte-identical CSV tables, Parquet
tables with the same rows, the same ``extract.jsonl``, ``unplaced.jsonl`` and
``summary.json``, and ``graph.lbug`` updated in place. Adding a document that
is already in the graph (same bytes, so the same document id) changes nothing.

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
linking) on a small graph: the new document, every task of its jurisdiction
(all years), and the tasks of its province's jurisdictions in the years next
to it. From that run the add keeps

- ``IN_THEME`` of the new tasks and ``DETAILS`` of the new document (both
  decided per task or per document: exact);
- ``CONTINUES`` and task ``status`` of the whole jurisdiction, replaced
  (they are decided per jurisdiction over all its years: exact);
- ``SIMILAR_TO``: a rebuild scores all jurisdictions together (IDF fitted
  on every task, LSH buckets over every sentence, one matching), so one new
  document may change links between old tasks of other provinces. By default
  (``exact=True``) an add therefore recomputes SIMILAR_TO over every task with
  the build's own function and replaces that table: identical to a rebuild,
  and the one step whose time grows with the graph. With ``exact=False``
  (``mandategraph add --local-similar``) the new tasks are linked to their
  province's tasks of the near years only: fast, not identical (old links are
  kept as they were; ``bench/run.py`` measures both).

Tables are spliced, not rewritten from pandas: the kept rows' CSV bytes are
copied as they are and only new rows are rendered (with the build's own
writer), and the Parquet table is re-written from the old Arrow table with the
new rows taken into place. A table whose CSV has line breaks inside fields
(or whose old Parquet schema cannot take the new rows) is rewritten whole.
"""
from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import MandateGraphError, ReadError
from ..loaders.extract import expand_paths, extract_file
from ..loaders.model import Extraction
from .build import BuildOptions, link_graph
from .documents import add_document
from .ids import document_id
from .mandates import add_mandates
from .schema import EDGES, NODES, STRINGS, edge_spec, node_spec
from .tables import _csv_ready, edge_frames, node_frames

__all__ = ["AddResult", "add_documents", "add_extraction", "LINKED_TYPES"]

# Edge types written by linking, and how an add keeps them (see the module docstring).
LINKED_TYPES = ("IN_THEME", "CONTINUES", "SIMILAR_TO", "DETAILS")
SIMILAR_YEAR_WINDOW = 1


@dataclass
class AddResult:
    """What :func:`add_documents` did."""

    added: list[str] = field(default_factory=list)  # document ids
    unchanged: list[str] = field(default_factory=list)  # document ids already in the graph
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    rows: dict[str, list[int]] = field(default_factory=dict)  # table -> [rows removed, rows written]
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> time
    rewritten: list[str] = field(default_factory=list)  # tables written whole (slow path)


# --------------------------------------------------------------------------- reading the folder


class _Folder:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.tables = self.out / "tables"
        if not (self.tables / "nodes_Task.parquet").exists():
            raise ReadError(str(out), "not a built graph folder (no tables/nodes_Task.parquet); "
                                      "run `mandategraph build` first")

    def path(self, stem: str, suffix: str = "parquet") -> Path:
        return self.tables / f"{stem}.{suffix}"

    def table(self, stem: str, filters=None, columns=None) -> pa.Table:
        """An Arrow table, filtered (a column of an empty table has no type and matches nothing)."""
        try:
            return pq.read_table(self.path(stem), filters=filters, columns=columns)
        except (pa.ArrowTypeError, pa.ArrowNotImplementedError, pa.ArrowInvalid):
            if not filters:
                raise
            return pq.read_table(self.path(stem), columns=columns).slice(0, 0)

    def read(self, stem: str, props: dict[str, str], filters=None, columns=None) -> pd.DataFrame:
        """Rows of one table as the build's frames hold them (lists as lists)."""
        table = self.table(stem, filters=filters, columns=columns)
        df = table.to_pandas()
        for c, t in props.items():
            if t == STRINGS and c in df:
                df[c] = df[c].map(lambda v: [str(x) for x in v] if v is not None else [])
        return df

    def column(self, stem: str, name: str) -> pa.ChunkedArray:
        return pq.read_table(self.path(stem), columns=[name]).column(name)


def _node(label: str) -> tuple[str, dict[str, str], list[str]]:
    return f"nodes_{label}", node_spec(label).properties, ["id"]


def _edge(type_: str) -> tuple[str, dict[str, str], list[str]]:
    return f"edges_{type_}", edge_spec(type_).properties, ["source", "target"]


def _in(values: Iterable[str]):
    vals = sorted(set(values))
    return vals


# --------------------------------------------------------------------------- the changes of one add


class _Delta:
    """Rows to remove (by key) and rows to write, per table."""

    def __init__(self):
        self.remove: dict[str, set] = {}
        self.write: dict[str, list[pd.DataFrame]] = {}
        self.updated_nodes: dict[str, set[str]] = {}  # label -> ids whose row changed (for Ladybug SET)
        self.whole: dict[str, pd.DataFrame] = {}  # tables replaced as a whole (SIMILAR_TO in exact mode)

    def put(self, stem: str, df: pd.DataFrame, keys: list[str], replace: bool = False) -> None:
        if not len(df):
            return
        self.write.setdefault(stem, []).append(df)
        if replace:
            self.drop(stem, _key_list(df, keys))

    def drop(self, stem: str, keys: Iterable) -> None:
        keys = set(keys)
        if keys:
            self.remove.setdefault(stem, set()).update(keys)

    def frame(self, stem: str) -> pd.DataFrame | None:
        parts = self.write.get(stem)
        if not parts:
            return None
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)

    def stems(self) -> list[str]:
        return sorted((set(self.remove) | set(self.write)) - set(self.whole))


def _key_list(df: pd.DataFrame, keys: list[str]) -> list[str]:
    if keys == ["id"]:
        return df["id"].astype(str).tolist()
    return (df["source"].astype(str) + "\x00" + df["target"].astype(str)).tolist()


def _order_key(code: str, year, source: str) -> tuple:
    """A document's place in the build's order."""
    return (code, year or 0, source)


def _doc_keys(folder: _Folder, doc_ids: set[str]) -> dict[str, tuple]:
    """Build-order keys of documents already in the graph."""
    if not doc_ids:
        return {}
    ids = _in(doc_ids)
    docs = folder.read("nodes_Document", node_spec("Document").properties, filters=[("id", "in", ids)],
                       columns=["id", "year", "source"])
    issued = folder.read("edges_ISSUED", edge_spec("ISSUED").properties, filters=[("target", "in", ids)],
                         columns=["source", "target"])
    code = {t: (s[2:] if s[2:].isdigit() else "") for s, t in zip(issued["source"], issued["target"])}
    return {d: _order_key(code.get(d, ""), y, s) for d, y, s in zip(docs["id"], docs["year"], docs["source"])}


def _plain_row(rec: dict) -> dict:
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in rec.items()}


def _first_wins(folder: _Folder, delta: _Delta, label: str, new: pd.DataFrame, me: tuple,
                merge_lists: tuple[str, ...] = ()) -> set[str]:
    """Nodes whose row comes from the first document naming them; returns ids that take the new row."""
    stem, props, _ = _node(label)
    if not len(new):
        return set()
    ids = new["id"].tolist()
    old = folder.read(stem, props, filters=[("id", "in", _in(ids))])
    old_by_id = {r["id"]: r for r in old.to_dict("records")}
    keys = _doc_keys(folder, {r["document"] for r in old_by_id.values() if r.get("document")})
    rows, earlier = [], set()
    for rec in new.to_dict("records"):
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
            delta.updated_nodes.setdefault(label, set()).add(rec["id"])
    if rows:
        delta.put(stem, pd.DataFrame(rows, columns=list(props)), ["id"], replace=True)
    return earlier


def _new_only(folder: _Folder, delta: _Delta, stem: str, new: pd.DataFrame, keys: list[str]) -> None:
    """Rows written only if their key is not in the table yet (no provenance: PART_OF, Jurisdiction)."""
    if not len(new):
        return
    if keys == ["id"]:
        have = set(folder.column(stem, "id").to_pylist())
        new = new[~new["id"].isin(have)]
    else:
        old = folder.table(stem, columns=["source", "target"], filters=[("source", "in", _in(new["source"]))])
        have = set(zip(old.column("source").to_pylist(), old.column("target").to_pylist()))
        new = new[[(s, t) not in have for s, t in zip(new["source"], new["target"])]]
    delta.put(stem, new, keys)


# --------------------------------------------------------------------------- linking


def _neighbourhood(folder: _Folder, ex: Extraction, did: str, province: bool
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Old Task, Document, CONTAINS and ISSUED rows the linking of one new document needs
    (its jurisdiction's, and with ``province`` its province's near years' for SIMILAR_TO)."""
    code = ex.meta.jurisdiction.code
    year = ex.meta.year or 0
    issued = folder.read("edges_ISSUED", edge_spec("ISSUED").properties, columns=["source", "target"])
    jid_prefix = f"J:{code[:2]}" if code else f"J:{ex.meta.jurisdiction.name}"
    same_prov = issued[issued["source"].str.startswith(jid_prefix)]
    docs = folder.read("nodes_Document", node_spec("Document").properties,
                       filters=[("id", "in", _in(same_prov["target"]))]) if len(same_prov) else \
        pd.DataFrame(columns=list(node_spec("Document").properties))
    jname = ex.meta.jurisdiction.name
    near = (docs["jurisdiction"] == jname)
    if province:
        near |= (docs["year"] - year).abs() <= SIMILAR_YEAR_WINDOW
    docs = docs[near & (docs["id"] != did)]
    tasks = folder.read("nodes_Task", node_spec("Task").properties, filters=[("document", "in", _in(docs["id"]))]) \
        if len(docs) else pd.DataFrame(columns=list(node_spec("Task").properties))
    contains = folder.read("edges_CONTAINS", edge_spec("CONTAINS").properties,
                           filters=[("source", "in", _in(docs["id"]))]) if len(docs) else \
        pd.DataFrame(columns=["source", "target", *edge_spec("CONTAINS").properties])
    issued_rows = folder.read("edges_ISSUED", edge_spec("ISSUED").properties,
                              filters=[("target", "in", _in(docs["id"]))]) if len(docs) else \
        pd.DataFrame(columns=["source", "target", *edge_spec("ISSUED").properties])
    return tasks, docs, contains, issued_rows


def _add_rows(g: nx.MultiDiGraph, label: str, df: pd.DataFrame) -> None:
    for rec in df.to_dict("records"):
        nid = rec.pop("id")
        if nid not in g:
            g.add_node(nid, label=label, **_plain_row(rec))


def _add_edge_rows(g: nx.MultiDiGraph, type_: str, df: pd.DataFrame) -> None:
    for rec in df.to_dict("records"):
        u, v = rec.pop("source"), rec.pop("target")
        g.add_edge(u, v, key=type_, type=type_, **_plain_row(rec))


def _link(folder: _Folder, delta: _Delta, g_new: nx.MultiDiGraph, ex: Extraction, did: str,
          options: BuildOptions, exact: bool) -> nx.MultiDiGraph:
    """Run the build's linking on the new document's neighbourhood; record what it changes."""
    tasks, docs, contains, issued = _neighbourhood(folder, ex, did, province=False)
    h = g_new.copy()
    _add_rows(h, "Document", docs)
    _add_rows(h, "Task", tasks)
    for u, v in zip(issued["source"], issued["target"]):
        if u not in h:
            h.add_node(u, label="Jurisdiction")
    _add_edge_rows(h, "CONTAINS", contains)
    _add_edge_rows(h, "ISSUED", issued)
    before_edges = {(u, v, k) for u, v, k in h.edges(keys=True)}
    before_nodes = {n: dict(d) for n, d in h.nodes(data=True)}
    link_graph(h, options)
    new_tasks = {n for n, d in g_new.nodes(data=True) if d.get("label") == "Task"}
    jname = ex.meta.jurisdiction.name
    j_tasks = set(tasks.loc[tasks["jurisdiction"] == jname, "id"]) | new_tasks
    # Edges made by linking.
    made: dict[str, list[dict]] = {}
    for u, v, k, d in h.edges(keys=True, data=True):
        if (u, v, k) in before_edges:
            continue
        type_ = d.get("type", k)
        if type_ == "CONTINUES":
            keep = u in j_tasks and v in j_tasks
        elif type_ == "SIMILAR_TO":
            keep = False  # see _similar_everywhere and _similar_local
        else:
            keep = u in new_tasks or v in new_tasks or u == did or v == did
        if keep:
            made.setdefault(type_, []).append({**d, "source": u, "target": v})
    # CONTINUES of the jurisdiction are replaced as a whole.
    old_j = [t for t in j_tasks if t not in new_tasks]
    if old_j:
        stem, props, _ = _edge("CONTINUES")
        old = folder.table(stem, columns=["source", "target"], filters=[("source", "in", _in(old_j))])
        delta.drop(stem, [f"{s}\x00{t}" for s, t in zip(old.column("source").to_pylist(),
                                                         old.column("target").to_pylist())])
    for type_, recs in made.items():
        spec = edge_spec(type_)
        cols = ["source", "target", *spec.properties]
        from .tables import default_value

        df = pd.DataFrame([{c: r.get(c, default_value(spec.properties.get(c, ""))) for c in cols} for r in recs],
                          columns=cols)
        delta.put(f"edges_{type_}", df, ["source", "target"])
    # Nodes made by linking (themes) and old nodes it changed (task status of the jurisdiction).
    new_labels: dict[str, list[str]] = {}
    for n, d in h.nodes(data=True):
        if n in g_new:
            continue
        if n not in before_nodes:
            new_labels.setdefault(d.get("label"), []).append(n)
        elif d != before_nodes[n] and n in j_tasks:
            lab = d.get("label")
            spec = node_spec(lab)
            from .tables import default_value

            row = {"id": n, **{c: d.get(c, default_value(t)) for c, t in spec.properties.items() if c != "id"}}
            delta.put(f"nodes_{lab}", pd.DataFrame([row], columns=list(spec.properties)), ["id"], replace=True)
            delta.updated_nodes.setdefault(lab, set()).add(n)
    for lab, ids in new_labels.items():
        if lab not in {s.label for s in NODES}:
            continue
        sub = h.subgraph(ids)
        frame = node_frames(nx.MultiDiGraph(sub))[lab]
        _new_only(folder, delta, f"nodes_{lab}", frame, ["id"])
    return h


# --------------------------------------------------------------------------- one document


def add_extraction(folder: str | Path, ex: Extraction, options: BuildOptions = BuildOptions(),
                   result: AddResult | None = None, *, exact: bool = True) -> AddResult:
    """Add one extracted document to a built folder (see the module docstring).

    With ``exact`` (the default) SIMILAR_TO is recomputed over every task of
    the graph as a build does, so the folder equals a rebuild; without it the
    new tasks are linked within their province only (fast, approximate).
    """
    f = _Folder(folder)
    result = result or AddResult()
    t0 = time.perf_counter()
    did = document_id(ex.meta.checksum or _checksum(ex.text))
    have = pc.is_in(pa.array([did]), value_set=f.column("nodes_Document", "id").combine_chunks())
    if have[0].as_py():
        result.unchanged.append(did)
        return result
    g_new = nx.MultiDiGraph()
    did2, task_ids = add_document(g_new, ex)
    add_mandates(g_new, ex, did2, task_ids)
    me = _order_key(ex.meta.jurisdiction.code, ex.meta.year, ex.meta.source)
    delta = _Delta()
    h = _link(f, delta, g_new, ex, did, options, exact)
    _tick(result, "link", t0)
    ts = time.perf_counter()
    if exact:
        _similar_everywhere(f, delta, h, g_new, options)
    else:
        _similar_local(f, delta, h, g_new, ex, did, options)
    _tick(result, "similar", ts)
    t1 = time.perf_counter()
    # The new document's rows, as linking left them (task status).
    nf = node_frames(nx.MultiDiGraph(h.subgraph(g_new.nodes)))
    ef = edge_frames(g_new)
    for label in ("Document", "Task"):
        delta.put(f"nodes_{label}", nf[label], ["id"])
    for type_ in ("ISSUED", "CONTAINS", "LEADS", "ASSISTS", "CITES"):
        delta.put(f"edges_{type_}", ef[type_], ["source", "target"])
    _new_only(f, delta, "nodes_Jurisdiction", nf["Jurisdiction"], ["id"])
    _new_only(f, delta, "edges_PART_OF", ef["PART_OF"], ["source", "target"])
    earlier_units = _first_wins(f, delta, "Unit", nf["Unit"], me, merge_lists=("aliases", "names_by_year"))
    _first_wins(f, delta, "Instrument", nf["Instrument"], me)
    bt = ef["BELONGS_TO"]
    delta.put("edges_BELONGS_TO", bt[bt["source"].isin(earlier_units)], ["source", "target"], replace=True)
    _last_wins(f, delta, "MEMBER_OF", ef["MEMBER_OF"], me)
    _tick(result, "rows", t1)
    t2 = time.perf_counter()
    _apply(f, delta, result)
    _tick(result, "tables", t2)
    t3 = time.perf_counter()
    _apply_ladybug(f, delta)
    _tick(result, "ladybug", t3)
    t4 = time.perf_counter()
    _insert_jsonl(f.out / "extract.jsonl", ex.meta.source,
                  [json.dumps(t.contract(), ensure_ascii=False) for t in ex.tasks])
    _insert_jsonl(f.out / "unplaced.jsonl", ex.meta.source,
                  [json.dumps({"document": ex.meta.source, "line": u.line, "span": list(u.span), "text": u.text,
                               "reason": u.reason}, ensure_ascii=False) for u in ex.unplaced])
    _write_summary(f, len(ex.unplaced))
    _touch_ladybug(f)
    _tick(result, "files", t4)
    result.added.append(did)
    return result


def _similar_everywhere(folder: _Folder, delta: _Delta, h: nx.MultiDiGraph, g_new: nx.MultiDiGraph,
                        options: BuildOptions) -> None:
    """SIMILAR_TO as the build's linking computes it, over the old tasks and the new ones.

    It cannot be updated locally: link_similar fits IDF on every task and
    pairs LSH neighbours in buckets of the whole corpus, so one new document
    may change links between old tasks.
    """
    from collections import defaultdict

    from .continuity import TaskRef, link_similar

    cols = ["id", "text", "year", "jurisdiction", "source", "document", "span_start", "span_end"]
    old = folder.table("nodes_Task", columns=cols).to_pandas()
    new_ids = [n for n, d in g_new.nodes(data=True) if d.get("label") == "Task"]
    new = pd.DataFrame([{c: (n if c == "id" else h.nodes[n].get(c)) for c in cols} for n in new_ids], columns=cols)
    allt = pd.concat([old, new], ignore_index=True).sort_values("id", kind="stable")
    # The same TaskRefs, in the same order and grouping, as linking.add_continuity builds.
    by_jy: dict = defaultdict(lambda: defaultdict(list))
    for i, text, year, jur, source in zip(allt["id"], allt["text"], allt["year"], allt["jurisdiction"],
                                          allt["source"]):
        by_jy[jur][int(year) or 0].append(TaskRef(i, text, int(year) or None, jur, source))
    by_j = {jur: [t for ts in years.values() for t in ts] for jur, years in by_jy.items()}
    prov = {i: (d, int(a), int(b)) for i, d, a, b in zip(allt["id"], allt["document"], allt["span_start"],
                                                          allt["span_end"])}
    rows: dict[tuple[str, str], dict] = {}
    if len(by_j) > 1:
        for link in link_similar(by_j, options.similar_threshold):
            d, a, b = prov[link.source]
            rows[(link.source, link.target)] = {"source": link.source, "target": link.target, "score": link.score,
                                                "document": d, "span_start": a, "span_end": b}
    spec = edge_spec("SIMILAR_TO")
    cols = ["source", "target", *spec.properties]
    frame = pd.DataFrame(list(rows.values()), columns=cols)
    # Only the links that changed are written: most of a national graph's links stay as they were.
    old_t = folder.table("edges_SIMILAR_TO")
    old_rows = {} if not old_t.num_rows else {
        (r["source"], r["target"]): r for r in old_t.to_pandas().to_dict("records")}
    gone = [f"{s}\x00{t}" for (s, t) in old_rows if (s, t) not in rows]
    changed = [k for k, r in rows.items() if k not in old_rows or _plain_row(old_rows[k]) != _plain_row(r)]
    delta.drop("edges_SIMILAR_TO", gone)
    if changed:
        sub = frame[[(s, t) in set(changed) for s, t in zip(frame["source"], frame["target"])]]
        delta.put("edges_SIMILAR_TO", sub, ["source", "target"], replace=True)


def _similar_local(folder: _Folder, delta: _Delta, h: nx.MultiDiGraph, g_new: nx.MultiDiGraph, ex: Extraction,
                   did: str, options: BuildOptions) -> None:
    """SIMILAR_TO of the new tasks towards their province's tasks of the near years (``exact=False``).

    The build's scoring and matching (continuity.vectorize, cosine, greedy
    one-to-one per pair of plans), fitted on the new tasks and those
    neighbours only; links between old tasks are left as they are.
    """
    import numpy as np

    from .continuity import DEFAULTS, TaskRef, match, vectorize

    tasks, docs, _, _ = _neighbourhood(folder, ex, did, province=True)
    jname = ex.meta.jurisdiction.name
    others = tasks[tasks["jurisdiction"] != jname]
    new_ids = sorted(n for n, d in g_new.nodes(data=True) if d.get("label") == "Task")
    if not len(others) or not new_ids:
        return
    refs = [TaskRef(n, h.nodes[n]["text"], h.nodes[n]["year"] or None, jname, h.nodes[n]["source"]) for n in new_ids]
    refs += [TaskRef(i, t, int(y) or None, j, s) for i, t, y, j, s in
             zip(others["id"], others["text"], others["year"], others["jurisdiction"], others["source"])]
    v = vectorize(refs)
    k = len(new_ids)
    a, b = np.arange(k), np.arange(k, len(refs))
    sc = v.scores(a, b, DEFAULTS.similar_measure)
    years = np.asarray([r.year or -1 for r in refs])
    ok = (sc >= options.similar_threshold) & (np.abs(years[a][:, None] - years[b][None, :]) <= SIMILAR_YEAR_WINDOW)
    i, j = np.nonzero(ok)
    if not len(i):
        return
    plan = {}
    group = np.asarray([plan.setdefault((r.jurisdiction, r.year), len(plan)) for r in refs])
    keep = match(a[i], b[j], sc[i, j], left_group=group[a[i]], right_group=group[b[j]], matching="one_to_one")
    recs = []
    for m in keep:
        x, y = refs[a[i[m]]], refs[b[j[m]]]
        # As link_similar: the earlier year's task first, else the jurisdiction sorting first.
        src, dst = (x, y) if ((x.year or 0), x.jurisdiction) <= ((y.year or 0), y.jurisdiction) else (y, x)
        prov = h.nodes[src.id] if src.id in h else others.set_index("id").loc[src.id]
        recs.append({"source": src.id, "target": dst.id, "score": round(float(sc[i[m], j[m]]), 4),
                     "document": prov["document"], "span_start": int(prov["span_start"]),
                     "span_end": int(prov["span_end"])})
    spec = edge_spec("SIMILAR_TO")
    delta.put("edges_SIMILAR_TO", pd.DataFrame(recs, columns=["source", "target", *spec.properties]),
              ["source", "target"])


def _tick(result: AddResult, stage: str, t0: float) -> None:
    result.seconds[stage] = round(result.seconds.get(stage, 0.0) + time.perf_counter() - t0, 4)


def _checksum(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last_wins(folder: _Folder, delta: _Delta, type_: str, new: pd.DataFrame, me: tuple) -> None:
    """Edges whose row comes from the last document listing them (MEMBER_OF)."""
    if not len(new):
        return
    stem, props, keys = _edge(type_)
    old = folder.read(stem, props, filters=[("source", "in", _in(new["source"]))])
    old_by = {(r["source"], r["target"]): r for r in old.to_dict("records")}
    doc_keys = _doc_keys(folder, {r["document"] for r in old_by.values() if r.get("document")})
    take = [k for k, (s, t) in enumerate(zip(new["source"], new["target"]))
            if (s, t) not in old_by or me > doc_keys.get(old_by[(s, t)]["document"], me)]
    delta.put(stem, new.iloc[take], keys, replace=True)


# --------------------------------------------------------------------------- writing tables


def _keys_of(table: pa.Table, keys: list[str]) -> np.ndarray:
    if keys == ["id"]:
        return np.asarray(table.column("id").to_pylist(), dtype=object)
    s = table.column("source").to_pylist()
    t = table.column("target").to_pylist()
    return np.asarray([a + "\x00" + b for a, b in zip(s, t)], dtype=object)


def _apply(folder: _Folder, delta: _Delta, result: AddResult) -> None:
    stems = delta.stems()

    def one(stem: str) -> tuple[str, list[int], bool]:
        kind, name = stem.split("_", 1)
        props = node_spec(name).properties if kind == "nodes" else edge_spec(name).properties
        keys = ["id"] if kind == "nodes" else ["source", "target"]
        new = delta.frame(stem)
        if new is None:
            new = pd.DataFrame(columns=(keys if kind == "edges" else []) + list(props))
        # One row per key: the last written wins (an update after an insert in the same add).
        new = new.assign(_k=_key_list(new, keys)).drop_duplicates("_k", keep="last")
        new = new.sort_values("_k", kind="stable").reset_index(drop=True)
        removed, whole = _splice(folder, stem, props, keys, delta.remove.get(stem, set()), new)
        return stem, [removed, len(new)], whole

    for stem, frame in delta.whole.items():
        props = edge_spec(stem.split("_", 1)[1]).properties if stem.startswith("edges_") else \
            node_spec(stem.split("_", 1)[1]).properties
        _atomic(folder.path(stem), lambda p: frame.to_parquet(p, index=False))
        _atomic(folder.path(stem, "csv"), lambda p: _csv_ready(frame, props).to_csv(p, index=False, lineterminator="\n"))
        result.rows[stem] = [0, len(frame)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for stem, counts, whole in pool.map(one, stems):
            prev = result.rows.get(stem, [0, 0])
            result.rows[stem] = [prev[0] + counts[0], prev[1] + counts[1]]
            if whole and stem not in result.rewritten:
                result.rewritten.append(stem)


def _splice(folder: _Folder, stem: str, props: dict[str, str], keys: list[str], remove: set,
            new: pd.DataFrame) -> tuple[int, bool]:
    """Remove rows by key and put ``new`` (sorted by key, column ``_k``) in place; returns (removed, whole)."""
    p_pq, p_csv = folder.path(stem), folder.path(stem, "csv")
    old = pq.read_table(p_pq)
    old_keys = _keys_of(old, keys)
    new_keys = new["_k"].to_numpy(dtype=object)
    remove = set(remove) | set(new_keys.tolist())
    keep = np.fromiter((k not in remove for k in old_keys), dtype=bool, count=len(old_keys)) \
        if remove else np.ones(len(old_keys), bool)
    removed = int((~keep).sum()) - int(np.isin(new_keys, old_keys).sum()) if len(old_keys) else 0
    kept_keys = old_keys[keep]
    frame = new.drop(columns="_k")
    cols = (["source", "target"] if keys != ["id"] else []) + list(props)
    frame = frame[cols]
    m, k = len(kept_keys), len(frame)
    pos = np.searchsorted(kept_keys, new_keys) if m else np.zeros(k, np.int64)
    is_new = np.zeros(m + k, bool)
    is_new[pos + np.arange(k)] = True
    take = np.empty(m + k, np.int64)
    take[~is_new] = np.arange(m)
    take[is_new] = m + np.arange(k)
    whole = False
    try:
        if old.num_rows == 0:
            raise ValueError("empty table: no schema to keep")
        schema = _pandas_schema(old.schema)
        new_table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        merged = pa.concat_tables([old.cast(schema).filter(pa.array(keep)), new_table]).take(pa.array(take))
        _write_parquet(merged, p_pq)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError):
        whole = True
    if whole:
        if old.num_rows == 0:
            full = frame.reset_index(drop=True)  # an empty table's columns have no types to keep
        else:
            full = _read_pandas(old, props)
            full = pd.concat([full[keep], frame], ignore_index=True).iloc[take].reset_index(drop=True)
        _atomic(p_pq, lambda p: full.to_parquet(p, index=False))
        _atomic(p_csv, lambda p: _csv_ready(full, props).to_csv(p, index=False, lineterminator="\n"))
        return removed, True
    if not _splice_csv(p_csv, old.num_rows, keep, is_new, take, frame, props):
        full = _read_pandas(merged, props)
        _atomic(p_csv, lambda p: _csv_ready(full, props).to_csv(p, index=False, lineterminator="\n"))
        return removed, True
    return removed, False


def _pandas_schema(schema: pa.Schema) -> pa.Schema:
    """The schema as pandas writes it: Parquet reads list items back as ``element``, pandas writes ``item``."""
    fields = [pa.field(f.name, pa.list_(f.type.value_type), f.nullable) if pa.types.is_list(f.type) else f
              for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def _read_pandas(table: pa.Table, props: dict[str, str]) -> pd.DataFrame:
    df = table.to_pandas()
    for c, t in props.items():
        if t == STRINGS and c in df:
            df[c] = df[c].map(lambda v: [str(x) for x in v] if v is not None else [])
    return df


def _write_parquet(table: pa.Table, path: Path) -> None:
    # pandas.DataFrame.to_parquet writes with pyarrow and snappy: the build's tables.
    _atomic(path, lambda p: pq.write_table(table, p, compression="snappy"))


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _splice_csv(path: Path, n_old: int, keep: np.ndarray, is_new: np.ndarray, take: np.ndarray,
                frame: pd.DataFrame, props: dict[str, str]) -> bool:
    """Copy kept CSV lines as bytes and render only the new rows; False when lines are not rows."""
    data = path.read_bytes()
    nl = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    if len(nl) != n_old + 1:
        return False  # a field with a line break: rows are not lines
    rendered = _csv_ready(frame, props).to_csv(index=False, header=False, lineterminator="\n").encode("utf-8") \
        if len(frame) else b""
    new_lines = rendered.split(b"\n")[:-1] if rendered else []
    if len(new_lines) != len(frame):
        return False
    starts = np.concatenate([[nl[0] + 1], nl[1:] + 1])  # start of old row r; row r ends at starts[r+1]
    old_rows = np.flatnonzero(keep)  # old row of each kept index
    pieces = [data[: nl[0] + 1]]
    m = len(old_rows)
    src = np.where(is_new, -1, old_rows[np.minimum(take, m - 1)] if m else -1)
    # A piece starts at a new row, after a new row, or where the old rows stop being consecutive.
    brk = np.ones(len(take), bool)
    if len(take) > 1:
        brk[1:] = is_new[1:] | is_new[:-1] | (src[1:] != src[:-1] + 1)
    first_of = np.flatnonzero(brk)
    last_of = np.append(first_of[1:] - 1, len(take) - 1)
    for a, b in zip(first_of.tolist(), last_of.tolist()):
        if is_new[a]:
            pieces.append(new_lines[take[a] - m] + b"\n")
        else:
            first, last = src[a], src[b]
            pieces.append(data[starts[first]: starts[last + 1] if last + 1 < len(starts) else len(data)])

    def write(p: Path) -> None:
        with open(p, "wb") as fh:
            for piece in pieces:
                fh.write(piece)

    _atomic(path, write)
    return True


# --------------------------------------------------------------------------- Ladybug


def _apply_ladybug(folder: _Folder, delta: _Delta) -> None:
    """Apply the same row changes to ``graph.lbug`` (when the folder has one)."""
    from .ladybug_store import DB_NAME, _typed_table, open_database

    db_path = folder.out / DB_NAME
    if not db_path.is_file():
        return
    db, conn = open_database(db_path, read_only=False)
    work = folder.out / ".add-work"
    work.mkdir(exist_ok=True)
    try:
        # Edges first: removed edges, then nodes (new by COPY, changed by SET), then new edges.
        for stem in delta.stems():
            kind, name = stem.split("_", 1)
            if kind != "edges" or not delta.remove.get(stem):
                continue
            spec = edge_spec(name)
            for key in sorted(delta.remove[stem]):
                s, t = key.split("\x00")
                conn.execute(f"MATCH (a:{spec.source} {{id: $s}})-[r:{spec.type}]->(b:{spec.target} {{id: $t}}) "
                             "DELETE r", {"s": s, "t": t})
        for spec in NODES:
            stem = f"nodes_{spec.label}"
            df = delta.frame(stem)
            if df is None:
                continue
            df = df.drop_duplicates("id", keep="last")
            changed = delta.updated_nodes.get(spec.label, set())
            fresh = df[~df["id"].isin(changed)]
            if len(fresh):
                path = work / f"{stem}.parquet"
                pq.write_table(_typed_table(fresh, spec.properties, edge=False), path)
                conn.execute(f"COPY {spec.label} FROM '{path.as_posix()}'")
            props = [c for c in spec.properties if c != "id"]
            sets = ", ".join(f"n.{c} = ${c}" for c in props)
            for rec in df[df["id"].isin(changed)].to_dict("records"):
                conn.execute(f"MATCH (n:{spec.label}) WHERE n.id = $id SET {sets}",
                             _params(rec, spec.properties))
        for stem in delta.whole:
            spec = edge_spec(stem.split("_", 1)[1])
            conn.execute(f"MATCH (a:{spec.source})-[r:{spec.type}]->(b:{spec.target}) DELETE r")
        for spec in EDGES:
            stem = f"edges_{spec.type}"
            df = delta.whole.get(stem)
            if df is None:
                df = delta.frame(stem)
            if df is None or not len(df):
                continue
            df = df.assign(_k=_key_list(df, ["source", "target"])).drop_duplicates("_k", keep="last").drop(columns="_k")
            path = work / f"{stem}.parquet"
            pq.write_table(_typed_table(df, spec.properties, edge=True), path)
            conn.execute(f"COPY {spec.type} FROM '{path.as_posix()}'")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
        db.close()
        for p in work.glob("*"):
            p.unlink()
        work.rmdir()


def _params(rec: dict, props: dict[str, str]) -> dict:
    out = {}
    for c, t in props.items():
        v = rec.get(c)
        if hasattr(v, "tolist"):
            v = v.tolist()
        if t == STRINGS:
            v = [str(x) for x in (v or [])]
        elif t == "INT64":
            v = int(v or 0)
        elif t == "DOUBLE":
            v = float(v or 0.0)
        else:
            v = "" if v is None else str(v)
        out[c] = v
    return out


def _touch_ladybug(folder: _Folder) -> None:
    """Keep the database newer than the tables, so readers do not rewrite it from them."""
    from .ladybug_store import DB_NAME

    db = folder.out / DB_NAME
    if db.is_file():
        newest = max(p.stat().st_mtime for p in folder.tables.glob("*.parquet"))
        now = max(time.time(), newest + 1e-3)
        os.utime(db, (now, now))


# --------------------------------------------------------------------------- extract.jsonl, unplaced.jsonl, summary.json

_DOC_PREFIX = re.compile(rb'^\{"document": ("(?:[^"\\]|\\.)*")')


def _insert_jsonl(path: Path, source: str, lines: list[str]) -> None:
    """Put a document's lines after every line of documents sorting at or before it (the build's order)."""
    if not lines:
        return
    data = path.read_bytes() if path.exists() else b""
    lo, hi = 0, len(data)  # find the first line whose document sorts after ``source``
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        m = _DOC_PREFIX.match(data[start:end])
        doc = json.loads(m.group(1)) if m else ""
        if doc <= source:
            lo = end + 1
        else:
            hi = start
    off = min(lo, len(data))
    block = ("\n".join(lines) + "\n").encode("utf-8")
    _atomic(path, lambda p: p.write_bytes(data[:off] + block + data[off:]))


def _write_summary(folder: _Folder, new_unplaced: int) -> None:
    """summary.json as :func:`mandategraph.graph.summary.summarize` writes it, from the tables.

    summarize needs the whole graph in memory; this reads only row counts and
    a few columns. tests/test_incremental.py holds the two equal.
    """
    path = folder.out / "summary.json"
    prev = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"documents": 0, "failed": [],
                                                                                "unplaced": 0}
    nodes = {s.label: pq.ParquetFile(folder.path(f"nodes_{s.label}")).metadata.num_rows for s in NODES}
    edges = {s.type: pq.ParquetFile(folder.path(f"edges_{s.type}")).metadata.num_rows for s in EDGES}
    tasks = pq.read_table(folder.path("nodes_Task"), columns=["id", "jurisdiction", "year"]).to_pandas()
    per_jy = (tasks["jurisdiction"].astype(str) + " " + tasks["year"].astype(str)).value_counts()
    # As summarize: the scheme's fallback theme (Th:general) does not count as covered.
    it = folder.table("edges_IN_THEME", columns=["source", "target"])
    if it.num_rows:
        it = it.filter(pc.not_equal(it.column("target"), "Th:general"))
    themed = pc.unique(it.column("source")).to_pylist() if it.num_rows else []
    n_tasks = len(tasks)
    themed_tasks = len(set(themed) & set(tasks["id"])) if themed else 0
    led = pc.count_distinct(pq.read_table(folder.path("edges_LEADS"), columns=["target"]).column("target")).as_py()
    summary = {
        "documents": prev["documents"] + 1,
        "failed": prev.get("failed", []),
        "nodes": nodes,
        "edges": edges,
        "tasks_per_jurisdiction_year": {k: int(v) for k, v in sorted(per_jy.items())},
        "theme_coverage": round(themed_tasks / n_tasks, 4) if n_tasks else 0.0,
        "tasks_with_lead": int(led),
        "unplaced": prev.get("unplaced", 0) + new_unplaced,
    }
    text = json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


# --------------------------------------------------------------------------- many documents


def add_documents(inputs: Iterable[str | Path], graph_dir: str | Path, options: BuildOptions = BuildOptions(),
                  *, exact: bool = True, **extract_kw) -> AddResult:
    """Add the documents in ``inputs`` (files or folders) to the built folder ``graph_dir``.

    Files that fail to extract are reported in the result; the others are
    added, one at a time in the build's order.

    Raises
    ------
    ReadError
        ``graph_dir`` is not a built folder.
    """
    _Folder(graph_dir)
    result = AddResult()
    extractions = []
    t0 = time.perf_counter()
    for path in expand_paths([str(p) for p in inputs]):
        try:
            extractions.append(extract_file(path, **extract_kw))
        except MandateGraphError as exc:
            result.errors.append((path, str(exc)))
    _tick(result, "extract", t0)
    extractions.sort(key=lambda e: _order_key(e.meta.jurisdiction.code, e.meta.year, e.meta.source))
    for ex in extractions:
        add_extraction(graph_dir, ex, options, result, exact=exact)
    if result.errors:
        _record_failures(Path(graph_dir), result.errors)
    return result


def _record_failures(out: Path, errors: list[tuple[str, str]]) -> None:
    path = out / "summary.json"
    s = json.loads(path.read_text(encoding="utf-8"))
    s["failed"] = s.get("failed", []) + [{"path": p, "error": m} for p, m in errors]
    path.write_text(json.dumps(s, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
