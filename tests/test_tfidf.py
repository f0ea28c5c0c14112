"""The in-place TF-IDF gives scikit-learn's TfidfTransformer values to the bit."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings, strategies as st
from sklearn.feature_extraction.text import TfidfTransformer

from mandategraph.graph.continuity import TaskRef, _count_matrix, similarity_text, vectorize
from mandategraph.graph.tfidf import document_frequency, smooth_idf, weigh

# Task-like texts: a few characters of the plans, clause marks included.
texts = st.lists(st.text(alphabet="公开政务数据信息平台建设目录，。；、", max_size=40), min_size=1, max_size=30)


def _sklearn(counts: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
    tf = TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit(counts)
    return tf.idf_, tf.transform(counts, copy=True).astype(np.float32).tocsr()


@settings(max_examples=60, deadline=None)
@given(texts, st.integers(1, 7))
def test_vectors_are_scikit_learns_to_the_bit(values, chunk):
    counts = _count_matrix(values, (2, 3), 12)
    idf, expected = _sklearn(counts.copy())
    # A chunk smaller than the entries: frequencies counted and the IDF applied in several slices.
    mine = smooth_idf(document_frequency(counts, chunk=chunk), counts.shape[0])
    assert np.array_equal(mine, idf)
    got = weigh(counts, mine, chunk=chunk)
    assert np.array_equal(got.indptr, expected.indptr) and np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


def test_vectorize_scores_as_before():
    v = vectorize([TaskRef("a", "编制公共数据开放目录"), TaskRef("b", "有序开放公共数据"), TaskRef("c", "举办政务公开工作培训班")])
    _, expected = _sklearn(_count_matrix(["编制公共数据开放目录", "有序开放公共数据", "举办政务公开工作培训班"], (2, 3), 20))
    assert np.array_equal(v.tfidf.data, expected.data)
    assert v.scores(np.array([0]), np.array([1, 2])).round(2).tolist() == [[0.28, 0.0]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="公开数据，。㍻㈱12", max_size=12), min_size=1, max_size=12), st.integers(1, 5))
def test_counts_in_chunks_are_the_counts_of_each_text(values, chunk):
    # ㍻ and ㈱ grow under NFKC (平成, (株)): more n-grams than the raw texts have room for.
    counts = _count_matrix(values, (1, 2), 10, chunk=chunk)
    one_by_one = sp.vstack([_count_matrix([v], (1, 2), 10) for v in values], format="csr")
    assert (counts != one_by_one).nnz == 0 and np.array_equal(counts.indptr, one_by_one.indptr)
    clauses = [[c for c in similarity_text(v).split(" ") if c] for v in values]
    assert counts.sum(axis=1).A1.tolist() == [sum(len(c) + len(c) - 1 for c in cs) for cs in clauses]


def test_weigh_wants_float32_counts():
    with pytest.raises(TypeError, match="float32"):
        weigh(sp.csr_matrix(np.ones((1, 2))), np.ones(2, np.float32))
