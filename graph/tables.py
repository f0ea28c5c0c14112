"""Node and edge tables: the graph as pandas frames, CSV and Parquet.

A built graph folder holds ``tables/nodes_<Label>.{csv,parquet}`` and
``tables/edges_<TYPE>.{csv,parquet}``; every other command reads the graph
back from them with :func:`load_graph`. Lists are stored as JSON strings in
CSV and as list columns in Parquet.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Iterable, MutableMapping
from pathlib import Path

import networkx as nx
import pandas as pd
import pyarrow as pa

from ..errors import ReadError
from .folder import check_build
from .schema import EDGES, INT, DOUBLE, NODES, STRINGS, node_spec

__all__ = ["node_frames", "edge_frames", "write_tables", "write_edge_tables", "read_tables", "read_table", "load_graph",
           "load_divisions", "count_ends", "open_table", "graph_from_frames", "default_value", "fold_pending",
           "tables_of", "parquet_options", "PENDING_NAME"]

# Row changes `mandategraph add` committed and has not written into the table files yet (in tables/).
PENDING_NAME = "pending.json"


def fold_pending(tables: str | Path) -> None:
    """Write the rows adds left in ``tables/pending.json`` into the table files, so that they can be read
    (:func:`mandategraph.graph.incremental.fold`); nothing to do without that file."""
    tables = Path(tables)
    if (tables / PENDING_NAME).is_file():
        from .incremental import fold

        fold(tables.parent)


def tables_of(folder: str | Path) -> Path:
    """The tables of a build, ready to read: ``folder/tables`` or ``folder`` itself, whichever holds
    ``nodes_Task.parquet``, with the rows adds left pending folded in.

    Every reader of a build's tables starts here, so none reads the files
    before the pending rows are in them, nor those of an incomplete build
    (:func:`mandategraph.graph.folder.check_build`). Raises ReadError naming
    ``folder`` when neither holds tables, or when the build is incomplete.
    """
    folder = Path(folder)
    check_build(folder)
    for tables in (folder / "tables", folder):
        if (tables / "nodes_Task.parquet").is_file():
            fold_pending(tables)
            return tables
    raise not_built(folder)


def not_built(folder: str | Path) -> ReadError:
    """The error for a folder that holds no build's tables."""
    return ReadError(str(folder), "not a built graph folder (no tables/nodes_Task.parquet); "
                                  "run `mandategraph build` first")


def default_value(type_: str):
    return {INT: 0, DOUBLE: 0.0, STRINGS: []}.get(type_, "")


def _frame(columns: dict[str, list] | pd.DataFrame, sort_by: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(columns)
    return df.sort_values(sort_by, kind="stable").reset_index(drop=True) if len(df) else df


def node_frames(g: nx.MultiDiGraph) -> dict[str, pd.DataFrame]:
    """One frame per node label, columns in schema order, rows sorted by id."""
    # Column lists filled in one pass: a dict per row costs twice the time and memory at national scale.
    cols: dict[str, dict[str, list]] = {n.label: {"id": [], **{c: [] for c in n.properties if c != "id"}}
                                        for n in NODES}
    defaults = {n.label: {c: default_value(t) for c, t in n.properties.items()} for n in NODES}
    for node_id, data in g.nodes(data=True):
        label = data.get("label")
        if label not in cols:
            continue
        out, dflt = cols[label], defaults[label]
        out["id"].append(node_id)
        for c, lst in out.items():
            if c != "id":
                lst.append(data.get(c, dflt[c]))
    return {spec.label: _frame({c: cols[spec.label][c] for c in spec.properties}, ["id"]) for spec in NODES}


def edge_frames(g: nx.MultiDiGraph, skip: set[str] = frozenset()) -> dict[str, pd.DataFrame]:
    """One frame per edge type (but those in ``skip``) with ``source`` and ``target`` ids first."""
    cols: dict[str, dict[str, list]] = {e.type: {"source": [], "target": [], **{c: [] for c in e.properties}}
                                        for e in EDGES if e.type not in skip}
    props = {e.type: [(c, default_value(t)) for c, t in e.properties.items()] for e in EDGES}
    # The adjacency dicts themselves (networkx's documented fast path), not g.edges() or g.adj: their
    # views build a tuple or a wrapper per edge, 10M at national scale.
    for u, nbrs in g._adj.items():
        for v, keyed in nbrs.items():
            for data in keyed.values():
                t = data.get("type")
                if t not in cols:
                    continue
                out = cols[t]
                out["source"].append(u)
                out["target"].append(v)
                for c, dflt in props[t]:
                    out[c].append(data.get(c, dflt))
    return {t: _frame(c, ["source", "target"]) for t, c in cols.items()}


def _csv_ready(df: pd.DataFrame, props: dict[str, str]) -> pd.DataFrame:
    lists = [c for c, t in props.items() if t == STRINGS and c in df]
    if not lists:
        return df
    out = df.copy()
    for c in lists:
        out[c] = _json_lists(out[c])
    return out


def _json_lists(values: pd.Series) -> list[str]:
    # Few distinct lists (trigger words, name lists): each is dumped once.
    done: dict[tuple, str] = {}
    out = []
    for v in values:
        key = tuple(v)
        text = done.get(key)
        if text is None:
            text = done[key] = json.dumps(list(key), ensure_ascii=False)
        out.append(text)
    return out


def write_tables(g: nx.MultiDiGraph, folder: str | Path, framed: MutableMapping[str, pd.DataFrame] | None = None,
                 *, release: bool = False, done: Collection[str] = ()) -> list[Path]:
    """Write every node and edge table as CSV and Parquet; return the paths.

    ``framed`` gives the edges of some types as frames (the build keeps them
    so) rather than as edges of ``g``. With ``release``, each frame is taken
    out of ``framed`` as it is written, so that (when nothing else holds it)
    only one table's frames are in memory at a time. The edge tables of the
    types in ``done`` were written already (:func:`write_edge_tables`) and are
    left as they are.
    """
    folder = Path(folder)
    framed = framed if framed is not None else {}
    nf = node_frames(g)
    ef = edge_frames(g, skip=set(framed) | set(done))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in NODES:
        written += _write_table(nf.pop(spec.label), spec.properties, folder / f"nodes_{spec.label}")
    for spec in EDGES:
        if spec.type in framed:
            written += _write_framed(framed, spec, folder, release)
        elif spec.type in ef:
            written += _write_table(ef.pop(spec.type), spec.properties, folder / f"edges_{spec.type}")
    return written


def write_edge_tables(framed: MutableMapping[str, pd.DataFrame], folder: str | Path, *, release: bool = False
                      ) -> list[Path]:
    """Write the edge table of each type in ``framed`` (a frame per type; ``release`` as in
    :func:`write_tables`). The build writes the edges that linking leaves alone this way before
    it links, so that their frames are not held through it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [p for spec in EDGES if spec.type in framed for p in _write_framed(framed, spec, folder, release)]


def _write_framed(framed: MutableMapping[str, pd.DataFrame], spec, folder: Path, release: bool) -> list[Path]:
    df = _frame(framed.pop(spec.type) if release else framed[spec.type], ["source", "target"])
    return _write_table(df, spec.properties, folder / f"edges_{spec.type}")


# Columns of free text, each value its own: a dictionary is tried on them, outgrows its page and is dropped.
_NO_DICTIONARY = {"text"}


def parquet_options(columns: Iterable[str]) -> dict:
    """How every writer of the tables (the build, an add's fold) writes a table's Parquet file.

    zstd, and no dictionary for free text: the national Task table reads in
    0.25 s instead of 0.6 s with snappy and a dictionary tried on its texts,
    and takes 38 MB instead of 133 MB; writes take as long (bench/README.md).
    """
    # Parquet names a list column's values ``<name>.list.element``; names that match nothing are ignored.
    dictionary = [name for c in columns if c not in _NO_DICTIONARY for name in (c, f"{c}.list.element")]
    return {"compression": "zstd", "use_dictionary": dictionary}


def parquet_schema(columns: Iterable[str], props: dict[str, str]) -> pa.Schema:
    """The Arrow types of a table's columns, from the schema's property types (columns not in ``props``,
    an edge's ``source`` and ``target``, are ids): what pandas gives a full table, and an empty one too,
    whose columns would otherwise come out ``null`` or ``double``."""
    arrow = {INT: pa.int64(), DOUBLE: pa.float64(), STRINGS: pa.list_(pa.string())}
    return pa.schema([(c, arrow.get(props.get(c), pa.large_string())) for c in columns])


def _write_table(df: pd.DataFrame, props: dict[str, str], stem: Path) -> list[Path]:
    p_csv, p_pq = stem.with_name(stem.name + ".csv"), stem.with_name(stem.name + ".parquet")
    _csv_ready(df, props).to_csv(p_csv, index=False, lineterminator="\n")
    df.to_parquet(p_pq, index=False, schema=parquet_schema(df.columns, props), **parquet_options(df.columns))
    return [p_csv, p_pq]


def read_tables(folder: str | Path, fmt: str = "parquet") -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Read node and edge frames back from a build (``OUT`` or ``OUT/tables``; ``fmt`` is ``parquet`` or
    ``csv``)."""
    folder = tables_of(folder)
    nodes, edges = {}, {}
    for spec in NODES:
        nodes[spec.label] = read_table(folder / f"nodes_{spec.label}.{fmt}", spec.properties, fmt)
    for spec in EDGES:
        edges[spec.type] = read_table(folder / f"edges_{spec.type}.{fmt}", spec.properties, fmt)
    return nodes, edges


def read_table(path: Path, props: dict[str, str], fmt: str = "parquet", filters: list | None = None) -> pd.DataFrame:
    """One node or edge table (``props``: its properties from the schema) as :func:`read_tables` reads it.

    ``filters`` (Parquet only) keeps the rows that pass all of them, in pyarrow's form:
    ``[("jurisdiction", "in", names)]``.
    """
    if fmt == "parquet":
        df = pd.read_parquet(path, filters=filters)
        for c, t in props.items():
            if t == STRINGS and c in df:
                df[c] = df[c].map(lambda v: [str(x) for x in v] if v is not None else [])
        return df
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c, t in props.items():
        if c not in df:
            continue
        if t == STRINGS:
            df[c] = df[c].map(lambda s: json.loads(s) if s else [])
        elif t == INT:
            df[c] = df[c].map(lambda s: int(s) if s not in ("", None) else 0)
        elif t == DOUBLE:
            df[c] = df[c].map(lambda s: float(s) if s not in ("", None) else 0.0)
    return df


def graph_from_frames(nodes: dict[str, pd.DataFrame], edges: dict[str, pd.DataFrame]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for label, df in nodes.items():
        for rec in df.to_dict("records"):
            node_id = rec.pop("id")
            g.add_node(node_id, label=label, **{k: _plain(v) for k, v in rec.items()})
    for type_, df in edges.items():
        for rec in df.to_dict("records"):
            u, v = rec.pop("source"), rec.pop("target")
            g.add_edge(u, v, key=type_, type=type_, **{k: _plain(x) for k, x in rec.items()})
    return g


def _plain(v):
    # numpy scalars and arrays back to Python values, so graphs compare equal.
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def load_graph(folder: str | Path, jurisdictions: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The graph of a build folder (``OUT`` or ``OUT/tables``), or the part of it about some jurisdictions.

    With ``jurisdictions`` (names), only their documents, units and tasks
    are read, with the units holding mandates on those tasks (a district's
    plan names branches of its city's bureaus), the units two MEMBER_OF
    steps from these (groups and their members), the instruments the tasks
    cite, every jurisdiction and theme, and the edges between the nodes
    read: what a view of those jurisdictions draws and shows in its tips,
    without the rest of a national build (whose whole graph takes ~2 minutes
    and 13.5 GB to load).
    """
    if jurisdictions is None:
        return graph_from_frames(*read_tables(folder))
    folder, names = tables_of(folder), sorted(set(jurisdictions))

    def nodes_of(spec, filters):
        return read_table(folder / f"nodes_{spec.label}.parquet", spec.properties, filters=filters)

    nodes = {spec.label: nodes_of(spec, [("jurisdiction", "in", names)] if "jurisdiction" in spec.properties
                                  else None) for spec in NODES}
    tasks = set(nodes["Task"]["id"])
    units = set(nodes["Unit"]["id"])
    for mandate in ("LEADS", "ASSISTS"):
        units |= _ends(_edge_keys(folder, mandate), tasks, "target")
    member_of = _edge_keys(folder, "MEMBER_OF")
    for _step in range(2):
        units |= _ends(member_of, units, "source") | _ends(member_of, units, "target")
    nodes["Unit"] = nodes_of(node_spec("Unit"), [("id", "in", sorted(units))])
    cited = _ends(_edge_keys(folder, "CITES"), tasks, "source")
    nodes["Instrument"] = nodes_of(node_spec("Instrument"), [("id", "in", sorted(cited))])
    ids = sorted({i for df in nodes.values() for i in df["id"]})
    edges = {spec.type: read_table(folder / f"edges_{spec.type}.parquet", spec.properties,
                                   filters=[("source", "in", ids), ("target", "in", ids)])
             for spec in EDGES}
    return graph_from_frames(nodes, edges)


def _edge_keys(folder: Path, edge_type: str) -> pa.Table:
    """The ``source`` and ``target`` columns of an edge table."""
    import pyarrow.parquet as pq

    return pq.read_table(folder / f"edges_{edge_type}.parquet", columns=["source", "target"])


def _ends(keys: pa.Table, ids: set, at: str) -> set:
    """The other ends of the edges (``keys``: :func:`_edge_keys`) whose ``at`` end ("source" or "target") is
    in ``ids``."""
    import pyarrow.compute as pc

    other = "target" if at == "source" else "source"
    return set(keys.filter(pc.is_in(keys.column(at), pa.array(sorted(ids), pa.string()))).column(other).to_pylist())


def open_table(path: Path):
    """A table's Parquet file, opened for its metadata and batches; a ReadError naming it if it cannot be."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise ReadError(str(path), f"cannot read the table: {exc}") from None


def count_ends(folder: str | Path, edge_type: str, end: str = "target") -> dict[str, int]:
    """How many edges of ``edge_type`` have each node at their ``end`` ("source" or "target")."""
    import pyarrow.parquet as pq

    column = pq.read_table(tables_of(folder) / f"edges_{edge_type}.parquet", columns=[end]).column(end)
    counts = column.value_counts()
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))


def load_divisions(folder: str | Path) -> nx.MultiDiGraph:
    """The jurisdictions of a build and the PART_OF edges between them: enough to find a jurisdiction by
    name and the divisions under it before reading their part of the graph (:func:`load_graph`)."""
    folder = tables_of(folder)
    nodes = {spec.label: read_table(folder / f"nodes_{spec.label}.parquet", spec.properties)
             for spec in NODES if spec.label == "Jurisdiction"}
    edges = {spec.type: read_table(folder / f"edges_{spec.type}.parquet", spec.properties)
             for spec in EDGES if spec.type == "PART_OF"}
    return graph_from_frames(nodes, edges)
