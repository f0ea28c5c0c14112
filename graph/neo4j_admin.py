"""CSVs for ``neo4j-admin database import full``, written column by column with Arrow.

One file per node label (``nodes_<Label>.csv``: ``id:ID(<Label>)``, typed
properties, ``:LABEL``) and per edge type (``edges_<TYPE>.csv``:
``:START_ID(<Label>)``, ``:END_ID(<Label>)``, properties, ``:TYPE``), each
label its own id space, and ``IMPORT.txt`` with the command line.

Fields: text always quoted (so ``""`` is an empty string, not a missing
value, and commas, quotes and line breaks inside text survive), numbers bare,
lists joined with ``;`` (``--array-delimiter``) and quoted, an empty list an
empty bare field (no property: Neo4j stores no empty arrays).

A build folder is read from its Parquet tables a batch at a time, so the
national graph (10M edges) is written without loading it: a graph in memory
is turned into the same tables first and written by the same code, so both
give the same bytes.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ReadError, StoreError
from .arrow_text import ARROW_STRING, any_true, as_text, text_bytes, text_join
from .schema import DOUBLE, EDGES, INT, NODES, STRING, STRINGS
from .tables import edge_frames, node_frames, open_table, tables_of

__all__ = ["ARRAY_DELIMITER", "BATCH_ROWS", "write_admin_csv", "admin_header"]

ARRAY_DELIMITER = ";"
BATCH_ROWS = 65_536

# long/double, not int/float: Cypher integers and floats are 64-bit, so
# imported values equal pushed ones (a 32-bit float would turn 0.61 into
# 0.6100000143).
_ADMIN_TYPE = {INT: "long", DOUBLE: "double", STRINGS: "string[]"}
_ARROW_TYPE = {INT: pa.int64(), DOUBLE: pa.float64(), STRINGS: pa.list_(ARROW_STRING)}


def admin_header(name: str, type_: str) -> str:
    """A property's column header: ``name`` or ``name:long`` / ``:double`` / ``:string[]``."""
    t = _ADMIN_TYPE.get(type_)
    return f"{name}:{t}" if t else name


@dataclass(frozen=True)
class _Table:
    """One node label or edge type as a CSV: its columns (schema types) and the text of its last field."""

    kind: str  # "nodes" or "edges"
    name: str  # the label or the edge type, also the constant :LABEL / :TYPE field
    header: list[str]
    columns: dict[str, str]

    @property
    def file(self) -> str:
        return f"{self.kind}_{self.name}"


def _tables() -> list[_Table]:
    out = []
    for spec in NODES:
        props = {p: t for p, t in spec.properties.items() if p != "id"}
        header = [f"id:ID({spec.label})"] + [admin_header(p, t) for p, t in props.items()] + [":LABEL"]
        out.append(_Table("nodes", spec.label, header, {"id": STRING, **props}))
    for spec in EDGES:
        header = [f":START_ID({spec.source})", f":END_ID({spec.target})"]
        header += [admin_header(p, t) for p, t in spec.properties.items()] + [":TYPE"]
        out.append(_Table("edges", spec.type, header,
                          {"source": STRING, "target": STRING, **spec.properties}))
    return out


def _quoted(text: pa.Array) -> pa.Array:
    text = pc.fill_null(as_text(text), "")
    if any_true(pc.match_substring(text, '"')):
        text = pc.replace_substring(text, '"', '""')
    return text_join('"', text, '"')


def _list_field(values: pa.Array, where: Callable[[int], str]) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != _ARROW_TYPE[STRINGS]:  # a column of empty lists is read back as list<null>
        values = values.cast(_ARROW_TYPE[STRINGS])
    flat = pc.list_flatten(values)
    bad = pc.fill_null(pc.match_substring(flat, ARRAY_DELIMITER), False)
    if any_true(bad):
        i = pc.index(bad, True).as_py()
        row = pc.list_parent_indices(values)[i].as_py()
        raise StoreError(f"{where(row)}: list value {flat[i].as_py()!r} contains the array delimiter "
                         f"{ARRAY_DELIMITER!r}")
    joined = pc.binary_join(pc.fill_null(values, pa.scalar([], values.type)), ARRAY_DELIMITER)
    empty = pc.equal(pc.fill_null(pc.list_value_length(values), 0), 0)
    return pc.if_else(empty, "", _quoted(joined))


def _field(values: pa.Array, type_: str, where: Callable[[int], str]) -> pa.Array:
    if type_ == STRINGS:
        return _list_field(values, where)
    if type_ in (INT, DOUBLE):
        # Arrow writes the shortest text that reads back as the same number, as Python's repr does.
        return as_text(pc.fill_null(values, 0))
    return _quoted(values)


def _lines(table: _Table, batch: pa.RecordBatch, where: Callable[[pa.RecordBatch, int, str], str]) -> pa.Array:
    cells = []
    for name, type_ in table.columns.items():
        cells.append(_field(batch.column(name), type_, lambda row, p=name: where(batch, row, p)))
    return text_join(*cells, table.name + "\n", sep=",")


def _batches_of_frames(frames: dict, table: _Table) -> Iterator[pa.RecordBatch]:
    df = frames[table.kind][table.name]
    schema = pa.schema([(c, _ARROW_TYPE.get(t, ARROW_STRING)) for c, t in table.columns.items()])
    arrow = pa.Table.from_pandas(df[list(table.columns)], schema=schema, preserve_index=False)
    yield from arrow.to_batches(BATCH_ROWS)


def _batches_of_file(path: Path, table: _Table) -> Iterator[pa.RecordBatch]:
    f = open_table(path)
    missing = [c for c in table.columns if c not in f.schema_arrow.names]
    if missing:
        raise ReadError(str(path), f"no column {', '.join(missing)}: written by another version? Build again")
    yield from f.iter_batches(BATCH_ROWS, columns=list(table.columns))


def _sources(source: nx.MultiDiGraph | str | Path) -> Iterator[tuple[_Table, Iterable[pa.RecordBatch], str]]:
    if isinstance(source, nx.Graph):
        frames = {"nodes": node_frames(source), "edges": edge_frames(source)}
        for table in _tables():
            yield table, _batches_of_frames(frames, table), ""
        return
    folder = tables_of(source)
    for table in _tables():
        path = folder / f"{table.file}.parquet"
        yield table, _batches_of_file(path, table), f"{path}: "


def write_admin_csv(source: nx.MultiDiGraph | str | Path, folder: str | Path, import_text: str) -> list[Path]:
    """Write the CSV set of a graph or a build folder into ``folder``, and ``import_text`` as ``IMPORT.txt``.

    Each file is written beside its final name and renamed into place once
    every file is done, so a refused value (a list item holding the array
    delimiter) leaves the folder as it was.

    Raises
    ------
    StoreError
        A list value holds the array delimiter (names the node or edge, and
        the table file of a build folder).
    ReadError
        A table of the build folder cannot be read.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    done: list[tuple[Path, Path]] = []
    try:
        for table, batches, place in _sources(source):
            final = folder / f"{table.file}.csv"
            part = folder / f".{table.file}.csv.{os.getpid()}.part"
            done.append((part, final))
            with open(part, "wb") as fh:
                fh.write((",".join(table.header) + "\n").encode("utf-8"))
                for batch in batches:
                    fh.write(text_bytes(_lines(table, batch, _where(table, place))))
        readme = folder / "IMPORT.txt"
        part = folder / f".IMPORT.txt.{os.getpid()}.part"
        part.write_text(import_text, encoding="utf-8")
        done.append((part, readme))
    except BaseException:
        for part, _ in done:
            part.unlink(missing_ok=True)
        raise
    for part, final in done:
        os.replace(part, final)
    return [final for _, final in done]


def _where(table: _Table, place: str) -> Callable[[pa.RecordBatch, int, str], str]:
    """Names a row of a batch as errors do: ``Unit U:…:name.aliases``, ``LEADS U:…->T:….evidence``."""

    def where(batch: pa.RecordBatch, row: int, prop: str) -> str:
        if table.kind == "nodes":
            return f"{place}{table.name} {batch.column('id')[row].as_py()}.{prop}"
        source, target = batch.column("source")[row].as_py(), batch.column("target")[row].as_py()
        return f"{place}{table.name} {source}->{target}.{prop}"

    return where
