"""Sublinear, smoothed, l2-normalised TF-IDF of n-gram counts, in place and in float32.

The arithmetic of scikit-learn's ``TfidfTransformer(sublinear_tf=True,
smooth_idf=True, norm="l2")`` on float32 counts, step for step, so the values
are the same to the bit (``tests/test_tfidf.py`` holds them against it). Done
here rather than there for memory: its ``transform`` multiplies by the IDF
through a temporary as long as the matrix (0.6 GB for SIMILAR_TO's n-grams at
national scale, at the peak of the build's memory), and importing it costs ~2 s
in every process that links.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["document_frequency", "smooth_idf", "weigh"]


def document_frequency(counts: sp.csr_matrix, chunk: int = 1 << 22) -> np.ndarray:
    """How many rows of ``counts`` have each column.

    Counted a chunk of entries at a time: ``np.bincount`` widens its input to
    int64 first, a copy of all the int32 indices (1 GB at national scale).
    """
    df = np.zeros(counts.shape[1], np.int64)
    for start in range(0, counts.nnz, chunk):
        df += np.bincount(counts.indices[start:start + chunk], minlength=counts.shape[1])
    return df


def smooth_idf(df: np.ndarray, n: int) -> np.ndarray:
    """``log((n + 1) / (df + 1)) + 1`` per column, in float32 as the transformer fits it on float32 counts.

    >>> smooth_idf(np.array([1, 3]), 3).astype(float).round(4).tolist()
    [1.6931, 1.0]
    """
    d = df.astype(np.float32) + np.float32(1.0)
    idf = np.full_like(d, fill_value=n + 1, dtype=np.float32)
    idf /= d
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    return idf


def weigh(counts: sp.csr_matrix, idf: np.ndarray, chunk: int = 1 << 22) -> sp.csr_matrix:
    """``counts`` (float32 CSR) made TF-IDF in place: ``1 + log(count)``, times the column's IDF,
    each row scaled to unit length. Returns ``counts``.

    >>> m = weigh(sp.csr_matrix(np.array([[1, 2], [0, 4]], np.float32)), np.array([1.0, 2.0], np.float32))
    >>> m.toarray().astype(float).round(4).tolist()
    [[0.2832, 0.9591], [0.0, 1.0]]
    """
    if counts.dtype != np.float32:
        raise TypeError(f"weigh works in place on float32 counts, not {counts.dtype}")
    data = counts.data
    np.log(data, out=data)
    data += np.float32(1.0)
    for start in range(0, len(data), chunk):  # the IDF gathered a chunk at a time, not for all entries at once
        data[start:start + chunk] *= idf[counts.indices[start:start + chunk]]
    _l2_rows(data, counts.indptr)
    return counts


@njit(cache=True, nogil=True)
def _l2_rows(data, indptr):  # pragma: no cover  (compiled)
    """sklearn.utils.sparsefuncs_fast.inplace_csr_row_normalize_l2 on float32 data: each row's
    sum of squares in float64, each entry divided by its square root."""
    for i in range(len(indptr) - 1):
        total = 0.0
        for j in range(indptr[i], indptr[i + 1]):
            total += data[j] * data[j]
        if total == 0.0:
            continue
        total = np.sqrt(total)
        for j in range(indptr[i], indptr[i + 1]):
            data[j] = data[j] / total
