"""The RDF export of a build folder, straight from its Parquet tables.

The same triples as :func:`~mandategraph.graph.rdf_export.iter_triples` on
the graph the folder holds (``load_graph``), made column by column with
Arrow's string kernels instead of one Python object per triple: a batch of
rows of a node or edge table becomes, per format, one text column (one row
of text per subject) whose buffer is written as it is. No graph is built,
memory stays at one batch of one table, and the Python work per triple is
gone: the national export runs at the speed of Arrow's string kernels and
of the disk.

The mapping is the one of :mod:`~mandategraph.graph.rdf_export` (its
``NODE_MAPS``, ``EDGE_MAPS`` and slot texts), applied to columns:

* a node table gives one block per batch: subject IRIs and *pieces*, each a
  slot with a column of values (null: no triple), a boolean column (the
  slot's constant object where true), ``None`` (the constant on every row)
  or a list column (several objects per row);
* an edge table gives the direct triple(s) of each edge and, for qualified
  edges, the mandate / theme assignment / task link node, side by side;
* a piece is rendered per format by concatenating its slot's text around
  its values, and a subject's pieces are concatenated into its text.

Order: node tables in schema order, then edge tables in schema order, each
in its rows' order (the build writes them sorted by id, source and target),
then the theme scheme. The same tables give the same bytes.

Edges whose ends are not nodes of the labels the schema gives their type
are skipped, as the graph export skips edges to unknown nodes.
"""
from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import rdf_export as rx
from .arrow_text import any_true, as_int64, as_text, text_bytes, text_concat, text_join
from .rdf_vocab import LABEL_SEGMENTS, MG, Iris
from .schema import EDGES, NODES, edge_spec
from .tables import tables_of

__all__ = ["write_tables_rdf"]

_S = pa.string()
_NULL = pa.scalar(None, _S)
BATCH_ROWS = 16_384  # rows of a table rendered at once: peak ~0.5 GB with three formats (bench/README.md)

# JSON's escapes (json.encoder.encode_basestring), which N-Triples and Turtle read the same.
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"))
_OTHER_CONTROL = r"[\x00-\x07\x0b\x0e-\x1f]"
_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_SAFE_ID = r"^[A-Za-z0-9_.~:-]*$"  # quote(..., safe="") leaves these alone; ':' splits segments


# ------------------------------------------------------------------ column helpers

def _lit(values: pa.Array) -> pa.Array:
    """Literal lexical forms quoted and escaped as :func:`json.encoder.encode_basestring` does."""
    out = values
    if any_true(pc.match_substring_regex(values, _NEEDS_ESCAPE)):  # one pass; most text has nothing to escape
        for a, b in _ESCAPES:
            if any_true(pc.match_substring(values, a)):
                out = pc.replace_substring(out, a, b)
        other = pc.fill_null(pc.match_substring_regex(values, _OTHER_CONTROL), False)
        if any_true(other):  # rare: \u00XX, row by row
            fixed = [rx._quote(x)[1:-1] for x in values.filter(other).to_pylist()]
            out = pc.replace_with_mask(out, other, pa.array(fixed, _S))
    return text_join('"', out, '"')


def _nonempty(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), _NULL, values)


def _tails(ids: pa.Array, label: str, safe: bool | None = None) -> pa.Array:
    """What :meth:`Iris.node` puts after ``BASE/segment/``: the id's parts, percent-encoded.

    ``safe``: known beforehand whether every id is made of characters that
    need no percent-encoding (None: look).
    """
    _seg, prefix = LABEL_SEGMENTS[label]
    rest = pc.if_else(pc.starts_with(ids, prefix), pc.utf8_slice_codeunits(ids, len(prefix)), ids)
    if safe is None:
        safe = pc.all(pc.match_substring_regex(rest, _SAFE_ID)).as_py() is not False
    if safe:
        return pc.replace_substring(rest, ":", "/")
    enc = rest.dictionary_encode()  # unit names: percent-encode each distinct id once
    tails = pa.array(["/".join(quote(p, safe="") for p in x.split(":")) for x in enc.dictionary.to_pylist()], _S)
    return tails.take(enc.indices)


def _per_distinct(values: pa.Array, fn) -> pa.Array:
    """``fn`` of each distinct value, spread back over the column (nulls stay null)."""
    enc = values.dictionary_encode()
    return pa.array([fn(x) for x in enc.dictionary.to_pylist()], _S).take(enc.indices)


def _items(col, keep=None) -> pa.Array:
    """A list column's non-empty items (and ``keep`` ones) quoted, as a list column of the same length."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    flat, parents = as_text(pc.list_flatten(col)), pc.list_parent_indices(col)
    mask = pc.not_equal(flat, "")
    if keep is not None:
        mask = pc.and_(mask, keep(flat))
    mask = pc.fill_null(mask, False)
    flat, parents = flat.filter(mask), parents.filter(mask)
    counts = np.bincount(parents.to_numpy(zero_copy_only=False), minlength=len(col))
    offsets = np.zeros(len(col) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), _lit(flat))


# ------------------------------------------------------------------ blocks

Piece = tuple  # (slot, None | BooleanArray | StringArray | ListArray)


class _Tables:
    """The tables of a build folder and the columns every block needs."""

    def __init__(self, folder: Path, base: str, slots: rx._Slots):
        self.folder = folder
        self.iris = Iris(base)
        self.base = self.iris.base
        self.slots = slots
        self.ids = {spec.label: self._ids(spec.label) for spec in NODES if spec.label in rx.NODE_MAPS}
        self._check_unique()
        issued = self._read_all("edges_ISSUED", ["source", "target"])
        if issued is not None and len(issued):
            src, tgt = as_text(issued.column("source")), as_text(issued.column("target"))
            ok = pc.and_(pc.is_in(src, value_set=self.ids["Jurisdiction"]),
                         pc.is_in(tgt, value_set=self.ids["Document"]))
            src, tgt = src.filter(ok), tgt.filter(ok)
            self.issued_docs = tgt
            self.issuer_iris = self.iri(src, "Jurisdiction")
        else:
            self.issued_docs = pa.array([], _S)
            self.issuer_iris = pa.array([], _S)

        sl = slots
        self.type_ = lambda cls: sl(rx._RDF_TYPE, "iri", cls)
        self.id_slot, self.derived = sl(rx._ID, ""), sl(rx._DERIVED, "iri")
        self.start, self.end = sl(rx._SPAN_START, "^^" + rx._XSD_INT), sl(rx._SPAN_END, "^^" + rx._XSD_INT)
        self.ongoing = sl(str(MG.ongoing), "^^" + rx._XSD_BOOL, rx._TRUE)
        self.juris = sl(str(MG.jurisdiction), "iri")
        self.chain_end = sl(str(MG.chainEnd), "iri")
        # Checked once for the table (none, unless the table was edited): an is_in against every
        # task id builds its set of 774,208 ids again for each batch of 16,384 rows (84 ms a batch).
        self.unknown_chain_ends = self._unknown("nodes_Task", "chain_end", "Task")
        self.in_scheme = sl(str(rx.SKOS.inScheme), "iri", self.iris.theme_scheme)

    def path(self, stem: str) -> Path:
        return self.folder / f"{stem}.parquet"

    def _read_all(self, stem: str, columns: list[str]) -> pa.Table | None:
        p = self.path(stem)
        if not p.is_file():
            return None
        have = set(pq.ParquetFile(p).schema_arrow.names)
        return pq.read_table(p, columns=[c for c in columns if c in have])

    def _unknown(self, stem: str, column: str, label: str) -> pa.Array:
        """The distinct non-empty values of a table's column that are not ids of ``label``."""
        t = self._read_all(stem, [column])
        if t is None or column not in t.column_names:
            return pa.array([], _S)
        values = pc.unique(pc.drop_null(as_text(t.column(column))))
        values = values.filter(pc.not_equal(values, ""))
        return values.filter(pc.invert(pc.is_in(values, value_set=self.ids[label])))

    def _ids(self, label: str) -> pa.Array:
        t = self._read_all(f"nodes_{label}", ["id"])
        return as_text(t.column("id")) if t is not None and "id" in t.column_names else pa.array([], _S)

    def _check_unique(self) -> None:
        """Raise if two ids mint one IRI; note the labels whose ids need no percent-encoding."""
        self.safe: dict[str, bool] = {}
        for label, ids in self.ids.items():
            self.safe[label] = pc.all(pc.match_substring_regex(ids, _SAFE_ID)).as_py() is not False
            tails = _tails(ids, label, self.safe[label])
            if pc.count_distinct(tails).as_py() < len(tails):
                from ..errors import MandateGraphError

                seen: dict[str, str] = {}
                for n, t in sorted(zip(ids.to_pylist(), tails.to_pylist()), key=lambda x: str(x[0])):
                    if t in seen:
                        iri = self.iris.node(n, label)
                        raise MandateGraphError(f"node ids {seen[t]!r} and {n!r} mint the same IRI {iri}")
                    seen[t] = n

    def tails(self, ids: pa.Array, label: str) -> pa.Array:
        """Tails of ids of nodes of ``label`` (or of values masked out afterwards)."""
        return _tails(ids, label, True if self.safe.get(label) else None)

    def iri(self, ids: pa.Array, label: str, tails: pa.Array | None = None) -> pa.Array:
        seg = LABEL_SEGMENTS[label][0]
        return text_join(f"{self.base}{seg}/", self.tails(ids, label) if tails is None else tails)

    def batches(self, stem: str) -> Iterator[pa.RecordBatch]:
        p = self.path(stem)
        if not p.is_file():
            return
        yield from pq.ParquetFile(p).iter_batches(batch_size=BATCH_ROWS)

    # ---- pieces shared by nodes and edges

    def props(self, batch: pa.RecordBatch, props) -> list[Piece]:
        out: list[Piece] = []
        names = set(batch.schema.names)
        for name, code, a, b in props:
            if name not in names:
                continue
            col = batch.column(name)
            if code == rx._TEXT:
                out.append((a, _lit(_nonempty(as_text(col)))))
            elif code == rx._INT:
                out.append((a, text_join('"', as_text(as_int64(col)), '"')))
            elif code == rx._DOUBLE:
                out.append((a, _per_distinct(pc.cast(col, pa.float64()), lambda x: '"' + rx._double(x) + '"')))
            elif code == rx._LIST:
                out.append((a, _items(col)))
            elif code == rx._DEADLINE:
                v = as_text(col)
                q = _lit(v)
                ok = pc.and_(pc.not_equal(v, ""), pc.not_equal(v, "ongoing"))
                iso = pc.match_substring_regex(v, _ISO_DATE)
                out.append((a, pc.if_else(pc.and_(ok, iso), q, _NULL)))
                out.append((b, pc.if_else(pc.and_(ok, pc.invert(iso)), q, _NULL)))
            elif code == rx._BOOL:
                iv = as_int64(col)
                out.append((a, pc.fill_null(pc.not_equal(iv, 0), False)))
                out.append((b, pc.fill_null(pc.equal(iv, 0), False)))
            elif code == rx._FLAG:
                out.append((a, pc.fill_null(pc.not_equal(as_int64(col), 0), False)))
            elif code == rx._DATES:
                out.append((a, _items(col, lambda f: pc.match_substring_regex(f, _ISO_DATE))))
                out.append((b, _items(col, lambda f: pc.invert(pc.match_substring_regex(f, _ISO_DATE)))))
            elif code == rx._PATH:
                if isinstance(col, pa.ChunkedArray):
                    col = col.combine_chunks()
                joined = pc.binary_join(pc.cast(col, pa.list_(_S)), rx._PATH_SEP)
                has = pc.fill_null(pc.greater(pc.list_value_length(col), 0), False)
                out.append((a, pc.if_else(has, _lit(joined), _NULL)))
        return out

    def provenance(self, batch: pa.RecordBatch, self_ids: pa.Array | None = None) -> list[Piece]:
        n, names = batch.num_rows, set(batch.schema.names)
        zeros = pa.array(np.zeros(n, dtype=np.int64))
        doc = pc.fill_null(as_text(batch.column("document")), "") if "document" in names else pa.array([""] * n, _S)
        start = pc.fill_null(as_int64(batch.column("span_start")), 0) if "span_start" in names else zeros
        end = pc.fill_null(as_int64(batch.column("span_end")), 0) if "span_end" in names else zeros
        has = pc.or_(pc.or_(pc.not_equal(doc, ""), pc.not_equal(start, 0)), pc.not_equal(end, 0))
        if not any_true(has):
            return []
        ok = pc.and_(pc.not_equal(doc, ""), pc.is_in(doc, value_set=self.ids["Document"]))
        if self_ids is not None:
            ok = pc.and_(ok, pc.not_equal(doc, self_ids))
        out: list[Piece] = []
        if any_true(ok):
            out.append((self.derived, pc.if_else(ok, self.iri(doc, "Document"), _NULL)))
        for slot, v in ((self.start, start), (self.end, end)):
            out.append((slot, pc.if_else(has, text_join('"', as_text(v), '"'), _NULL)))
        return out

    # ---- blocks

    def node_block(self, label: str, batch: pa.RecordBatch, props) -> tuple[pa.Array, list[Piece]]:
        m = rx.NODE_MAPS[label]
        ids = as_text(batch.column("id"))
        pieces: list[Piece] = [(self.type_(c), None) for c in m.classes]
        pieces.append((self.id_slot, _lit(ids)))
        pieces += self.props(batch, props)
        names = set(batch.schema.names)
        if label == "Task":
            if "deadline" in names:
                pieces.append((self.ongoing, pc.fill_null(pc.equal(as_text(batch.column("deadline")), "ongoing"), False)))
            if "document" in names and len(self.issued_docs):
                at = pc.index_in(pc.fill_null(as_text(batch.column("document")), ""), value_set=self.issued_docs)
                pieces.append((self.juris, self.issuer_iris.take(at)))
            if "chain_end" in names:  # a task id: its IRI, when it is a task's (no dangling link)
                end = pc.fill_null(as_text(batch.column("chain_end")), "")
                ok = pc.not_equal(end, "")
                if len(self.unknown_chain_ends):
                    ok = pc.and_(ok, pc.invert(pc.is_in(end, value_set=self.unknown_chain_ends)))
                if any_true(ok):
                    pieces.append((self.chain_end, pc.if_else(ok, self.iri(end, "Task"), _NULL)))
        elif label == "Theme":
            pieces.append((self.in_scheme, None))
        pieces += self.provenance(batch, ids if label == "Document" else None)
        return self.iri(ids, label), pieces

    def edge_batches(self, type_: str) -> Iterator[pa.RecordBatch]:
        """The edges of one type whose ends are nodes of the schema's labels, in batches.

        The ends are checked once for the whole table: ``is_in`` builds its
        hash set of the node ids on every call.
        """
        p = self.path(f"edges_{type_}")
        if not p.is_file() or pq.ParquetFile(p).metadata.num_rows == 0:
            return
        spec = edge_spec(type_)
        ends = pq.read_table(p, columns=["source", "target"])
        keep = pc.and_(pc.is_in(as_text(ends.column("source")), value_set=self.ids[spec.source]),
                       pc.is_in(as_text(ends.column("target")), value_set=self.ids[spec.target]))
        everything = pc.all(keep).as_py()
        del ends
        at = 0
        for batch in pq.ParquetFile(p).iter_batches(batch_size=BATCH_ROWS):
            if not everything:
                mask = keep.slice(at, batch.num_rows)
                at += batch.num_rows
                batch = batch.filter(mask)
            if batch.num_rows:
                yield batch

    def edge_blocks(self, type_: str, batch: pa.RecordBatch, props, digests: dict) -> list[tuple[pa.Array, list]]:
        m, spec = rx.EDGE_MAPS[type_], edge_spec(type_)
        src, tgt = as_text(batch.column("source")), as_text(batch.column("target"))
        sl = self.slots
        st, tt = self.tails(src, spec.source), self.tails(tgt, spec.target)
        su, tu = self.iri(src, spec.source, st), self.iri(tgt, spec.target, tt)
        s, o = (tu, su) if m.reverse else (su, tu)
        blocks = [(s, [(sl(m.predicate, "iri"), o)] + [(sl(p, "iri"), o) for p in m.also])]
        if m.qualified is None:
            return blocks
        if type_ in rx._ROLE:
            role = rx._ROLE[type_]

            def digest(tail: str) -> str:
                d = digests.get(tail)
                if d is None:
                    d = digests[tail] = hashlib.sha1(tail.encode("utf-8")).hexdigest()[:12]
                return d

            q = text_join(f"{self.base}mandate/", tt, f"/{role}/", _per_distinct(st, digest))
            pieces = [(self.type_(m.qualified), None), (sl(str(MG.unit), "iri"), su), (sl(str(MG.task), "iri"), tu),
                      (sl(str(MG.role), "iri", str(MG[role])), None)]
        elif type_ == "IN_THEME":
            q = text_join(f"{self.base}theme-assignment/", st, "/", tt)
            pieces = [(self.type_(m.qualified), None), (sl(str(MG.task), "iri"), su), (sl(str(MG.theme), "iri"), tu)]
        else:
            q = text_join(f"{self.base}link/{rx._LINK_KIND[type_]}/", st, "/", tt)
            pieces = [(self.type_(m.qualified), None), (sl(str(MG.linkFrom), "iri"), su),
                      (sl(str(MG.linkTo), "iri"), tu), (sl(str(MG.linkType), "iri", m.predicate), None)]
        pieces += self.props(batch, props)
        pieces += self.provenance(batch)
        blocks.append((q, pieces))
        return blocks


# ------------------------------------------------------------------ rendering

def _count(pieces: list[Piece], n: int) -> int:
    """The triples of a block of ``n`` rows."""
    total = 0
    for _slot, v in pieces:
        if v is None:
            total += n
        elif pa.types.is_boolean(v.type):
            total += int(pc.sum(v).as_py() or 0)
        elif pa.types.is_list(v.type):
            total += int(pc.sum(pc.list_value_length(v)).as_py() or 0)
        else:
            total += len(v) - v.null_count
    return total


def _join_skip(parts: list, sep: str | pa.Array, n: int) -> pa.Array:
    """Element-wise join of the non-null parts of ``n`` rows with ``sep``.

    pyarrow's ``null_handling="skip"`` drops the rows where every part is
    null from its result, so the blocks put first a part that is never null
    (a class, an edge's direct object); should a row still go missing, the
    parts are joined again with a separator before each and the first one
    cut off.
    """
    out = pc.binary_join_element_wise(*parts, sep, null_handling="skip")
    if isinstance(out, pa.Array) and len(out) == n:
        return out
    if not isinstance(sep, str):
        raise ValueError("a per-row separator needs a first part that is never null")
    joined = text_concat([sep + p if isinstance(p, str) else text_join(sep, p) for p in parts])
    return pc.utf8_slice_codeunits(joined, len(sep))


def _piece_texts(pieces: list[Piece], parts: list, item_sep: str) -> list:
    """Each piece's text per row (null: none): its slot's text around the values.

    A constant is a Python string; a list's items are joined with ``item_sep``.
    """
    out: list = []
    for slot, v in pieces:
        pre, post = parts[slot]
        if v is None:
            out.append(pre)
        elif pa.types.is_boolean(v.type):
            out.append(pc.if_else(v, pre, _NULL))
        elif pa.types.is_list(v.type):
            first, last = v.offsets[0].as_py(), v.offsets[-1].as_py()
            items = text_join(pre, v.values.slice(first, last - first), post)
            joined = pc.binary_join(pa.ListArray.from_arrays(pc.subtract(v.offsets, first), items), item_sep)
            out.append(pc.if_else(pc.greater(pc.list_value_length(v), 0), joined, _NULL))
        else:
            out.append(text_join(pre, v, post))
    return out


def _row(parts: list) -> pa.Array:
    """One element-wise concatenation of everything a subject's text is made of.

    ``parts`` are constants (Python strings, merged here), columns without
    nulls, and columns whose null rows stand for nothing. One pass builds
    the text: no intermediate column per piece.
    """
    merged: list = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
        else:
            merged.append(p)
    return pc.binary_join_element_wise(*merged, "", null_handling="replace", null_replacement="")


def _list_text(v: pa.Array, pre: str, post: str, sep) -> pa.Array:
    """A list piece's items, each between ``pre`` and ``post``, joined with ``sep``; null for no item."""
    first, last = v.offsets[0].as_py(), v.offsets[-1].as_py()
    items = text_join(pre, v.values.slice(first, last - first), post)
    joined = pc.binary_join(pa.ListArray.from_arrays(pc.subtract(v.offsets, first), items), sep)
    return pc.if_else(pc.greater(pc.list_value_length(v), 0), joined, _NULL)


def _always(v) -> bool:
    """A piece present on every row: a constant, or a column without nulls."""
    return v is None or not pa.types.is_boolean(v.type) and not pa.types.is_list(v.type) and v.null_count == 0


def _quad_parts(slots: rx._Slots, graph_iri: str) -> list[tuple[str, str | None]]:
    """N-Triples parts ending in the graph instead of " .\\n": N-Quads in one named graph."""
    g = f" <{graph_iri}> .\n"
    return [(pre[:-3] + g, None) if post is None else (pre, post[:-3] + g) for pre, post in slots.parts["nt"]]


def _render_nt(s: pa.Array, pieces: list[Piece], slots: rx._Slots, parts_of: list | None = None) -> pa.Array:
    parts_of = parts_of or slots.parts["nt"]
    h = text_join("<", s, "> ")  # each line starts with the subject
    parts: list = []
    for slot, v in pieces:
        pre, post = parts_of[slot]
        if v is None:
            parts += [h, pre]
        elif pa.types.is_boolean(v.type):
            parts.append(text_join(h, pc.if_else(v, pre, _NULL)))
        elif pa.types.is_list(v.type):
            parts.append(text_join(h, _list_text(v, pre, post, h)))
        elif v.null_count == 0:
            parts += [h, pre, v, post]
        else:
            parts.append(text_join(h, pre, v, post))
    return _row(parts)


_TTL_SEP = " ;\n    "


def _render_ttl(s: pa.Array, pieces: list[Piece], slots: rx._Slots) -> pa.Array:
    parts_of = slots.parts["ttl"]
    if not _always(pieces[0][1]):  # a subject's first piece must be there to go without a separator
        texts = _piece_texts(pieces, parts_of, _TTL_SEP)
        return text_join("\n<", s, "> ", _join_skip(texts, _TTL_SEP, len(s)), " .\n")
    parts: list = ["\n<", s, "> "]
    for i, (slot, v) in enumerate(pieces):
        pre, post = parts_of[slot]
        sep = _TTL_SEP if i else ""
        if v is None:
            parts.append(sep + pre)
        elif pa.types.is_boolean(v.type):
            parts.append(pc.if_else(v, sep + pre, _NULL))
        elif pa.types.is_list(v.type):
            parts.append(text_join(sep, _list_text(v, pre, post, _TTL_SEP)))
        elif v.null_count == 0:
            parts += [sep + pre, v, post]
        else:
            parts.append(text_join(sep + pre, v, post))
    parts.append(" .\n")
    return _row(parts)


def _render_json(s: pa.Array, pieces: list[Piece], slots: rx._Slots) -> pa.Array:
    parts_of = slots.parts["json"]
    groups: dict[str, list[Piece]] = {}
    for p in pieces:
        groups.setdefault(slots.jkey[p[0]], []).append(p)
    parts: list = [',\n{"@id": "', s, '"']
    for key, group in groups.items():
        head = f", {key}: ["
        if len(group) > 1:  # several slots under one key (classes, date or plain deadline)
            vals = _piece_texts(group, parts_of, ", ")
            if all(isinstance(v, str) for v in vals):
                parts.append(head + ", ".join(vals) + "]")
            else:  # maybe all null on a row: ", " before each, the first cut off
                joined = text_concat([", " + v if isinstance(v, str) else text_join(", ", v) for v in vals])
                parts.append(pc.if_else(pc.equal(joined, ""), _NULL,
                                        text_join(head, pc.utf8_slice_codeunits(joined, 2), "]")))
            continue
        slot, v = group[0]
        pre, post = parts_of[slot]
        if v is None:
            parts.append(head + pre + "]")
        elif pa.types.is_boolean(v.type):
            parts.append(pc.if_else(v, head + pre + "]", _NULL))
        elif pa.types.is_list(v.type):
            parts.append(text_join(head, _list_text(v, pre, post, ", "), "]"))
        elif v.null_count == 0:
            parts += [head + pre, v, post + "]"]
        else:
            parts.append(text_join(head + pre, v, post + "]"))
    parts.append("}")
    return _row(parts)


_RENDER = {"nt": _render_nt, "ttl": _render_ttl, "jsonld": _render_json}


def _jobs(tables: _Tables) -> Iterator[tuple]:
    """One job per batch of a table: what :func:`_render_job` needs to make its text."""
    slots = tables.slots
    for spec in NODES:
        if spec.label not in rx.NODE_MAPS:
            continue
        props = rx._compile(rx.NODE_MAPS[spec.label].props, slots)
        for batch in tables.batches(f"nodes_{spec.label}"):
            if batch.num_rows:
                yield "node", spec.label, batch, props
    for spec in EDGES:
        if spec.type not in rx.EDGE_MAPS:
            continue
        props = rx._compile(rx.EDGE_MAPS[spec.type].props, slots)
        for batch in tables.edge_batches(spec.type):
            yield "edge", spec.type, batch, props


def _render_job(tables: _Tables, job: tuple, formats: list[str], quads: str | None,
                digests: dict) -> tuple[int, list[tuple[str, object]]]:
    # ``quads``: the N-Quads' graph IRI.
    """The triple count and the (format, bytes) chunks of one batch, in file order."""
    kind, name, batch, props = job
    if kind == "node":
        blocks = [tables.node_block(name, batch, props)]
    else:
        blocks = tables.edge_blocks(name, batch, props, digests)
    triples, out = 0, []
    for s, pieces in blocks:  # an edge table's direct triples, then its qualified nodes
        triples += _count(pieces, len(s))
        for fmt in ("ttl", "jsonld"):
            if fmt in formats:
                out.append((fmt, text_bytes(_RENDER[fmt](s, pieces, tables.slots))))
        if "nt" in formats:
            out.append(("nt", text_bytes(_render_nt(s, pieces, tables.slots))))
        if "nq" in formats:
            out.append(("nq", text_bytes(_render_nt(s, pieces, tables.slots, _quad_parts(tables.slots, quads)))))
    return triples, out


def _in_order(pool: ThreadPoolExecutor, fn, jobs: Iterator, ahead: int) -> Iterator:
    """``fn`` of every job, computed ``ahead`` at a time by the pool, in the jobs' order."""
    pending: deque = deque()
    for job in jobs:
        pending.append(pool.submit(fn, job))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def write_tables_rdf(folder: str | Path, base: str, paths: dict[str, Path], graph_iri: str | None = None,
                     threads: int | None = None) -> tuple[int, dict[str, str]]:
    """Write the RDF of a build's tables in the formats of ``paths``; return the triple count and SHA-256s.

    ``paths`` maps ``ttl``, ``nt``, ``jsonld`` and/or ``nq`` to files;
    ``graph_iri`` names the N-Quads' graph. Batches are made by ``threads``
    threads (default: one per core, at most 4): Arrow's kernels release the
    GIL, so they run side by side; the files get them in order.
    """
    tf = tables_of(folder)
    slots = rx._Slots()
    tables = _Tables(tf, base, slots)
    w = rx._Writer(slots, paths, graph_iri)
    formats = [f for f in ("ttl", "nt", "jsonld", "nq") if f in paths]
    threads = threads or max(1, min(4, os.cpu_count() or 1))
    digests: dict[str, str] = {}
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="rdf-batch") as pool:
            render = partial(_render_job, tables, formats=formats, quads=graph_iri, digests=digests)
            for triples, chunks in _in_order(pool, render, _jobs(tables), ahead=threads):
                w.triples += triples
                for fmt, data in chunks:
                    w.put(fmt, data)
        themes = tables.ids.get("Theme")
        if themes is not None and len(themes):
            keys = {str(n)[3:] for n in themes.to_pylist()}
            w.write(list(rx._group(rx._scheme_triples(tables.iris, keys), slots)))
    finally:
        sums = w.close()
    return w.triples, sums
