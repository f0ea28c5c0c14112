"""Text columns with Arrow's string kernels: the pieces the table-to-text writers share.

The RDF export (:mod:`~mandategraph.graph.rdf_columns`) and the neo4j-admin
CSVs (:mod:`~mandategraph.graph.neo4j_admin`) turn a batch of table rows into
one text column, a row of text per table row, and write its buffer as it is.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ARROW_STRING", "text_join", "text_concat", "as_text", "as_int64", "any_true", "text_bytes"]

ARROW_STRING = pa.string()


def text_join(*parts, sep: str = "") -> pa.Array:
    """Element-wise concatenation; a null part gives a null row."""
    return pc.binary_join_element_wise(*parts, sep)


def text_concat(parts: list):
    """Element-wise concatenation, null parts counting as empty.

    (``null_handling="skip"`` would be the natural call, but pyarrow drops
    the rows where every part is null from its result.) Constant parts are
    Python strings; all constants give one string.
    """
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    if len(parts) == 1:
        return pc.fill_null(parts[0], "")
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def as_text(col) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return col if col.type == ARROW_STRING else pc.cast(col, ARROW_STRING)


def as_int64(col) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return col if col.type == pa.int64() else pc.cast(col, pa.int64())


def any_true(mask) -> bool:
    return bool(pc.any(mask).as_py())


def text_bytes(text: pa.Array):
    """The concatenated UTF-8 of a text column, without a copy."""
    if text.null_count:
        text = pc.fill_null(text, "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if len(text) == 0:
        return b""
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(text.buffers()[1], dtype=width, count=len(text) + 1,
                            offset=np.dtype(width).itemsize * text.offset)
    start, end = int(offsets[0]), int(offsets[-1])
    data = text.buffers()[2]
    return data.slice(start, end - start) if end > start and data is not None else b""
