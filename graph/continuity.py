"""Continuity between tasks: CONTINUES, SIMILAR_TO and DETAILS edges, and task status.

Similarity is made for Chinese text, which has no word boundaries: each task
becomes a TF-IDF vector of character n-grams (scikit-learn's sublinear
TF-IDF over hashed n-gram counts, computed in place by :mod:`.tfidf`; 1-2-grams
for CONTINUES and SIMILAR_TO, 1-3-grams for DETAILS, see :class:`Defaults`),
and two tasks score either

- ``cosine``: the cosine of their vectors, or
- ``containment``: the IDF mass of the n-grams they share divided by the IDF
  mass of the shorter one (1.0 when one restates a part of the other, as an
  annex row restates a sentence of a prose item).

CONTINUES then scores each candidate pair with a pair model over more
evidence than the text (key phrases, themes, section, units, instruments:
:mod:`.continuity_model`), and links by an explicit rule (the text proposes,
the evidence decides, an earlier task keeps only links near its best; see
:func:`~.continuity_model.scored_pairs`); each link's evidence can be had
(``evidence=``). ``model=False`` gives the text-only linker of before.

Every linker keeps only pairs scoring at least a threshold, then *matches*
them (:func:`match`): ``best`` keeps, for every task, its best counterpart on
the other side; ``one_to_one`` gives each task at most one link per
counterpart plan (greedy by score: linear on sparse candidate edges, where
scipy's ``linear_sum_assignment`` needs a dense matrix, and the same answer
whenever each task has one clear counterpart); ``many_to_one`` limits only
the left side. Plans cut their work at different grain (台州 splits an item
into clause groups, 温州 keeps it whole; a plan restates prose items as annex
rows), so ``best`` is the default: on the seed hand pairs it finds far more
of the right links than ``one_to_one`` at the same precision.

Cross-jurisdiction linking at national scale (~800k tasks) cannot score all
pairs. :func:`link_similar` then blocks with MinHash LSH over the *sentences*
of each task (template-following plans share sentences even when they cut
them into tasks differently), pairs tasks that collide in a band within a
small sliding window of each bucket, and scores only those pairs exactly.
Work and memory grow linearly with the number of tasks.
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, NamedTuple, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from numba import njit

from .tfidf import document_frequency, smooth_idf, weigh

__all__ = [
    "TaskLike",
    "TaskRef",
    "Link",
    "StatusRow",
    "Vectors",
    "DEFAULTS",
    "Defaults",
    "similarity_text",
    "similarity_texts",
    "nfkc_texts",
    "vectorize",
    "match",
    "similar_positions",
    "plan_level",
    "link_continues",
    "link_similar",
    "link_details",
    "task_status",
    "status_by_task",
]

Measure = Literal["cosine", "containment"]
Matching = Literal["one_to_one", "many_to_one", "best"]


@runtime_checkable
class TaskLike(Protocol):
    """What the linkers read from a task. :class:`TaskRef` is one; so is any object with these."""

    id: str
    text: str
    year: int | None
    jurisdiction: str
    source: str  # "prose" | "table"


@dataclass(frozen=True)
class TaskRef:
    """A task as the linkers see it."""

    id: str
    text: str
    year: int | None = None
    jurisdiction: str = ""
    source: str = "prose"
    # Evidence beyond the text (CONTINUES' model, graph/continuity_model.py): the lead and
    # assist units (ids after alias merging, or names), and a key naming the task's section
    # (document and head of path; "" for none).
    units: tuple[str, ...] = ()
    section: str = ""

    @classmethod
    def from_task(cls, task_id: str, task) -> "TaskRef":
        """From a :class:`mandategraph.loaders.model.Task` and the id the graph gave it."""
        units = tuple(dict.fromkeys(u.unit for u in (*task.lead, *task.assist)))
        section = f"{task.document}|{task.source}|{task.path[0]}" if task.path else ""
        return cls(task_id, task.text, task.year, task.jurisdiction, task.source, units, section)


class Link(NamedTuple):
    """One scored edge: CONTINUES earlier→later, SIMILAR_TO a→b, DETAILS row→item."""

    source: str
    target: str
    score: float


class StatusRow(NamedTuple):
    """A task's status between two consecutive years of its jurisdiction."""

    task_id: str
    jurisdiction: str
    year: int  # the task's own year: from_year or to_year
    from_year: int
    to_year: int
    status: str  # "continued" | "dropped" (a from_year task) | "new" (a to_year task)


@dataclass(frozen=True)
class Defaults:
    """Settings chosen by measurement on the hand-matched seed pairs (tests/continuity/).

    CONTINUES across years is paraphrase (2019 and 2022 plans word the same
    work differently): character 1- and 2-grams score it best, because single
    characters carry meaning in Chinese and longer n-grams rarely survive the
    rewording. SIMILAR_TO between plans following one template shares whole
    phrases, and 1-2-grams still do best. DETAILS asks whether a row's words
    recur inside a longer item: containment of 1-3-grams.
    Thresholds sit mid-plateau of F1 (see bench/bench_continuity.py).

    Plans differ in how much they reword: 温州 2019→2022 is rewritten (true
    pairs score 0.15–0.3) while a plan copied from last year keeps most
    tasks nearly verbatim (true pairs ~0.95, and a dropped task's best match
    ~0.2 shares only stock phrases). So CONTINUES also asks a bar relative to
    the pair: at least ``continues_relative`` times the best score of either
    of its tasks. On the hand pairs this changes almost nothing (P 0.638 →
    0.649, R 0.833); on generated copied plans (bench/run.py) it lifts
    precision from 0.81 to ~0.93 at the same recall.
    Rewording is a property of the whole plan, too: a plan copied from last
    year continues most tasks nearly verbatim, and there a pair of a dropped
    and a new task sharing stock phrases ("加强…建设", 0.15–0.4) is each
    other's best and passes the relative bar. So CONTINUES also asks at
    least ``continues_level`` times the year pair's *level*
    (:func:`plan_level`: the median score of its mutual best pairs): about
    0.3 x 0.98 in a copied plan, and below the absolute threshold in a
    rewritten one (温州's level is 0.2, where the bar is 0.06: the hand pairs
    keep P 0.649 / R 0.833). On the generated corpus at 10 % of national it
    lifts precision from 0.930 to 0.977 (recall 0.961 → 0.958); 0.2 and 0.4
    give 0.955 / 0.961 and 0.985 / 0.951.
    SIMILAR_TO keeps at most ``similar_top_k`` best links per task (a task
    copied from a national template resembles one in nearly every plan).

    With the pair model (the default for CONTINUES), ``continues_threshold``
    is the least text similarity of a candidate pair and the relative and
    level bars make the text's proposals; the model's own threshold and
    margin (``data/continuity_model.json``) decide. On the hand pairs:
    P 0.686 / R 0.800 (text only 0.649 / 0.833); on the reconciled pairs
    0.725 / 0.714 (0.684 / 0.771).
    """

    continues_threshold: float = 0.15
    continues_relative: float = 0.6
    continues_level: float = 0.3
    continues_measure: Measure = "cosine"
    continues_ngrams: tuple[int, int] = (1, 2)
    continues_matching: Matching = "best"
    similar_threshold: float = 0.35
    similar_top_k: int = 3
    similar_measure: Measure = "cosine"
    similar_ngrams: tuple[int, int] = (1, 2)
    similar_matching: Matching = "best"
    details_threshold: float = 0.25
    details_measure: Measure = "containment"
    details_ngrams: tuple[int, int] = (1, 3)


DEFAULTS = Defaults()
NGRAM_BITS = 20  # n-grams are hashed into 2**NGRAM_BITS columns (vectorize)

# ---------------------------------------------------------------------------
# Text to vectors

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE = re.compile(r"[。；;！!？?\n]+")


def similarity_text(text: str) -> str:
    """The text n-grams are cut from: NFKC, digit runs as ``0``, punctuation runs as one space.

    Digits are folded so that "2019年底前" and "2022年底前" agree; a space marks a
    boundary no n-gram may cross.

    >>> similarity_text("2022年，编制全市公共数据开放目录（12项）")
    '0年 编制全市公共数据开放目录 0项 '
    """
    t = unicodedata.normalize("NFKC", text)
    t = _DIGITS.sub("0", t)
    return _NON_WORD.sub(" ", t)


_SEP = "\ua66e"  # a letter (so \W runs stop at it) that NFKC keeps and plans do not use
_NOT_CJK = re.compile(r"[\x00-\x7f]?[^\x00-\x7f\u4e00-\u9fff]+")


def nfkc_texts(texts: Sequence[str]) -> list[str]:
    """NFKC of many texts, each run of characters outside ASCII and the CJK unified ideographs once.

    Both are NFKC-stable, and a CJK ideograph composes with nothing, so
    normalising only the stretches between them (with the ASCII character
    before a stretch, which a combining mark may compose with) normalises the
    whole; a text already in NFKC is left as it is.
    """
    memo: dict[str, str] = {}

    def nfkc(m: re.Match) -> str:
        run = m.group()
        out = memo.get(run)
        if out is None:
            out = memo[run] = unicodedata.normalize("NFKC", run)
        return out

    return [t if unicodedata.is_normalized("NFKC", t) else _NOT_CJK.sub(nfkc, t) for t in texts]


def similarity_texts(texts: Sequence[str]) -> list[str]:
    """:func:`similarity_text` of many texts, in one pass over their concatenation (several times faster)."""
    joined = _SEP.join(nfkc_texts(texts))
    if not texts or joined.count(_SEP) != len(texts) - 1:  # the separator occurs in a text
        return [similarity_text(t) for t in texts]
    return _NON_WORD.sub(" ", _DIGITS.sub("0", joined)).split(_SEP)


_M64 = np.uint64(0x9E3779B97F4A7C15)  # odd constant of Fibonacci hashing
_P64 = np.uint64(0x100000001B3)  # FNV-1a prime


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of all texts end to end, and the document of each position."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    return codes, doc


def _gram_hashes(codes: np.ndarray, doc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every character n-gram inside one document and one clause."""
    m = len(codes) - n + 1
    if m <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    ok = doc[:m] == doc[n - 1:]
    h = np.full(m, (n * int(_M64)) & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)  # seed per n
    for k in range(n):
        c = codes[k:k + m]
        ok &= c != 32  # the clause boundary written by similarity_text
        h = (h ^ c) * _P64
    return h[ok], doc[:m][ok]


def _count_matrix(texts: Sequence[str], ngrams: tuple[int, int], bits: int, chunk: int = 20_000) -> sp.csr_matrix:
    """Hashed character n-gram counts, documents in chunks so memory stays flat: each chunk's
    entries go into arrays :func:`_reserved` for every n-gram of the raw texts (stacking the
    chunks' matrices cost 1.2 GB more at national scale)."""
    shift = np.uint64(64 - bits)
    room = max(ngrams[1] - ngrams[0] + 1, 0) * sum(map(len, texts))
    data, indices = _reserved(room, np.float32), _reserved(room, np.int32)
    indptr = np.zeros(len(texts) + 1, np.int64)
    at = 0
    for start in range(0, len(texts), chunk):
        part = similarity_texts(texts[start:start + chunk])
        codes, doc = _codes(part)
        rows, cols = [], []
        for n in range(ngrams[0], ngrams[1] + 1):
            h, d = _gram_hashes(codes, doc, n)
            rows.append(d)
            cols.append(((h * _M64) >> shift).astype(np.int64))
        r = np.concatenate(rows) if rows else np.empty(0, np.int64)
        c = np.concatenate(cols) if cols else np.empty(0, np.int64)
        block = _counted(r, c, len(part), bits)
        end = at + block.nnz
        if end > len(data):  # NFKC made the texts longer than they were
            data, indices = _grown(data, at, end), _grown(indices, at, end)
        data[at:end], indices[at:end] = block.data, block.indices
        indptr[start + 1:start + len(part) + 1] = block.indptr[1:] + at
        at = end
    index = np.int32 if at < 2**31 else np.int64
    return sp.csr_matrix((data[:at], indices[:at].astype(index, copy=False), indptr.astype(index)),
                         shape=(len(texts), 1 << bits))


def _reserved(n: int, dtype) -> np.ndarray:
    """An array with room for the most values a result can have, to be filled from the front.

    Large arrays come from the system untouched and their pages take memory only once
    written, so the room costs only what is used; a result joined from pieces held the
    pieces and itself at once, and the freed pieces stayed in the allocator's heap
    (arrays under its 32 MB mmap threshold).
    """
    return np.empty(n, dtype)


def _grown(x: np.ndarray, used: int, need: int) -> np.ndarray:
    """``x``'s first ``used`` values in a new array with room for ``need`` and as much again."""
    out = _reserved(2 * need, x.dtype)
    out[:used] = x[:used]
    return out


def _counted(rows: np.ndarray, cols: np.ndarray, nrows: int, bits: int) -> sp.csr_matrix:
    """The CSR matrix counting each (row, column) pair, in canonical form (sorted, summed) as
    scipy's ``coo -> csr`` and ``sum_duplicates`` make it, from one sort of the pairs as integers.

    >>> _counted(np.array([1, 0, 1, 1]), np.array([3, 2, 3, 0]), 2, 2).toarray().tolist()
    [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 2.0]]
    """
    if nrows and (nrows - 1) >> (62 - bits):  # the row and column do not fit one integer
        m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(nrows, 1 << bits))
        m.sum_duplicates()
        return m
    # np.sort's vectorised quicksort: scipy's sort of every row's indices took 5x as long.
    key = np.sort((rows << bits) | cols)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.empty(0, np.int64)
    counts = np.diff(np.r_[starts, len(key)]).astype(np.float32)
    key = key[starts]
    index = np.int32 if len(key) < 2**31 else np.int64
    indptr = np.r_[0, np.cumsum(np.bincount(key >> bits, minlength=nrows))].astype(index)
    return sp.csr_matrix((counts, (key & ((1 << bits) - 1)).astype(np.int32), indptr), shape=(nrows, 1 << bits))


@dataclass
class Vectors:
    """TF-IDF vectors of a list of tasks, and what containment needs."""

    ids: list[str]
    tfidf: sp.csr_matrix  # l2-normalised rows, sublinear tf
    idf: np.ndarray  # per column

    @cached_property
    def presence(self) -> sp.csr_matrix:
        """1 where a row has the n-gram (built on first use: only containment needs it).

        A TF-IDF entry is never 0 (tf >= 1, idf >= 1), so it has the pattern of the counts.
        """
        p = self.tfidf.copy()
        p.data[:] = 1.0
        return p

    @cached_property
    def mass(self) -> np.ndarray:
        """Per row: the sum of idf over the row's distinct n-grams."""
        return np.asarray(self.presence.multiply(self.idf).sum(axis=1), dtype=np.float64).ravel()

    def index(self) -> dict[str, int]:
        return {i: k for k, i in enumerate(self.ids)}

    def scores(self, a: np.ndarray, b: np.ndarray, measure: Measure = "cosine") -> np.ndarray:
        """Dense ``len(a) x len(b)`` score matrix between rows ``a`` and rows ``b``."""
        if measure == "cosine":
            return (self.tfidf[a] @ self.tfidf[b].T).toarray().astype(np.float64)
        if measure == "containment":
            shared = (self.presence[a].multiply(self.idf) @ self.presence[b].T).toarray().astype(np.float64)
            denom = np.minimum.outer(self.mass[a], self.mass[b])
            return np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
        raise ValueError(f"unknown measure {measure!r}; expected 'cosine' or 'containment'")

    def pair_scores(self, a: np.ndarray, b: np.ndarray, measure: Measure = "cosine",
                    chunk: int = 200_000) -> np.ndarray:
        """Scores of the row pairs ``(a[k], b[k])`` only, in chunks."""
        out = np.empty(len(a), dtype=np.float64)
        if measure == "cosine":
            # The compiled kernel releases the GIL: one thread per core.
            t = self.tfidf
            starts = range(0, len(a), chunk)
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                parts = pool.map(lambda s: row_dots(t.indptr, t.indices, t.data, a[s:s + chunk], b[s:s + chunk],
                                                     t.shape[1]), starts)
                for s, part in zip(starts, parts):
                    out[s:s + chunk] = part
            return out
        for s in range(0, len(a), chunk):
            ia, ib = a[s:s + chunk], b[s:s + chunk]
            if measure == "containment":
                shared = np.asarray(self.presence[ia].multiply(self.presence[ib]).multiply(self.idf)
                                    .sum(axis=1)).ravel()
                denom = np.minimum(self.mass[ia], self.mass[ib])
                out[s:s + chunk] = np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
            else:
                raise ValueError(f"unknown measure {measure!r}; expected 'cosine' or 'containment'")
        return out


@njit(cache=True, nogil=True)
def row_dots(indptr, indices, data, a, b, ncols):  # pragma: no cover  (compiled)
    """Dot products of CSR rows ``a[k]`` and ``b[k]``.

    Row ``a[k]`` is spread into a dense vector once for the run of pairs
    sharing it (candidates come sorted by ``a``), and each ``b[k]`` gathers
    from it: no branches per entry, 3-4x faster than scipy's copying of both
    row sets and elementwise product (bench on 1M pairs of 150-entry rows).
    """
    out = np.empty(len(a), np.float64)
    dense = np.zeros(ncols, np.float32)
    cur = -1
    for k in range(len(a)):
        if a[k] != cur:
            if cur >= 0:
                for p in range(indptr[cur], indptr[cur + 1]):
                    dense[indices[p]] = 0.0
            cur = a[k]
            for p in range(indptr[cur], indptr[cur + 1]):
                dense[indices[p]] = data[p]
        acc = 0.0
        for q in range(indptr[b[k]], indptr[b[k] + 1]):
            acc += data[q] * dense[indices[q]]
        out[k] = acc
    return out


def vectorize(tasks: Sequence[TaskLike], ngrams: tuple[int, int] = (2, 3), bits: int = NGRAM_BITS,
              frequencies: np.ndarray | None = None) -> Vectors:
    """TF-IDF vectors of character n-grams, IDF fitted on ``tasks`` themselves.

    ``frequencies`` (``2**bits`` integers), when given, gets the document
    frequency of every n-gram column added to it: what the IDF was fitted on,
    which ``add_index.npz`` keeps (a national build saved ~28 s of counting
    all the tasks' n-grams again).

    N-grams are hashed into ``2**bits`` columns (no vocabulary to hold at
    national scale; at 2**20 columns collisions are rare for a few hundred
    thousand distinct n-grams).

    >>> v = vectorize([TaskRef("a", "编制公共数据开放目录"), TaskRef("b", "有序开放公共数据"),
    ...                TaskRef("c", "举办政务公开工作培训班")])
    >>> v.scores(np.array([0]), np.array([1, 2])).round(2).tolist()
    [[0.28, 0.0]]
    >>> v.scores(np.array([0]), np.array([1, 2]), "containment").round(2).tolist()
    [[0.39, 0.0]]
    """
    counts = _count_matrix([t.text for t in tasks], ngrams, bits)
    df = document_frequency(counts)
    if frequencies is not None:
        frequencies += df
    idf = smooth_idf(df, counts.shape[0])
    # In place: at national scale the counts of SIMILAR_TO's n-grams are 1.2 GB.
    return Vectors([t.id for t in tasks], weigh(counts, idf), idf)


# ---------------------------------------------------------------------------
# Matching


def match(left: np.ndarray, right: np.ndarray, score: np.ndarray, *,
          left_group: np.ndarray | None = None, right_group: np.ndarray | None = None,
          matching: Matching = "one_to_one") -> np.ndarray:
    """Greedy matching by score over candidate edges; returns the indices of the kept edges.

    Edge ``k`` joins ``left[k]`` and ``right[k]``. With ``one_to_one`` each left
    item keeps at most one edge towards each ``right_group`` and each right item
    at most one edge from each ``left_group`` (groups default to one group, so
    plain one-to-one). With ``many_to_one`` only the left side is limited.
    With ``best`` an edge is kept when it is the best edge of its left slot
    *or* of its right slot: every item keeps its own best counterpart, and an
    item may be the best of several (a coarse prose item chosen by the finer
    tasks that each restate a part of it). Ties go to the earlier edge. The result equals the classic greedy loop
    (best edge first, skip edges touching a used end) but runs as a few
    vectorised rounds: each round keeps every edge that is the best of both
    its ends among the edges still open.

    >>> keep = match(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([.9, .8, .85, .1]))
    >>> keep.tolist()  # 0-0 (0.9) first; then 1-1 is the only edge left open
    [0, 3]
    >>> match(np.array([0, 1]), np.array([0, 0]), np.array([.9, .8]), matching="many_to_one").tolist()
    [0, 1]
    >>> match(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([.9, .8, .85, .1]), matching="best").tolist()
    [0, 2, 1]

    (left 0's best is 0-0, left 1's best is 1-0, right 1's best is 0-1; 1-1 is nobody's best.)
    """
    n = len(score)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if matching == "best":
        return _match_best(left, right, score, left_group, right_group)
    lg = np.zeros(n, np.int64) if right_group is None else np.asarray(right_group, np.int64)
    rg = np.zeros(n, np.int64) if left_group is None else np.asarray(left_group, np.int64)
    # A left "slot" is (left item, the group it links into); likewise on the right.
    lkey = _slots(np.asarray(left, np.int64), lg)
    rkey = _slots(np.asarray(right, np.int64), rg)
    order = np.lexsort((np.arange(n), -np.asarray(score, dtype=np.float64)))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    if matching not in ("one_to_one", "many_to_one", "best"):
        raise ValueError(f"unknown matching {matching!r}; expected 'one_to_one', 'many_to_one' or 'best'")
    both = matching == "one_to_one"
    open_ = np.ones(n, bool)
    kept = []
    big = np.iinfo(np.int64).max
    while open_.any():
        idx = np.flatnonzero(open_)
        best_l = np.full(lkey.max() + 1, big, np.int64)
        np.minimum.at(best_l, lkey[idx], rank[idx])
        win = best_l[lkey[idx]] == rank[idx]
        if both:
            best_r = np.full(rkey.max() + 1, big, np.int64)
            np.minimum.at(best_r, rkey[idx], rank[idx])
            win &= best_r[rkey[idx]] == rank[idx]
        chosen = idx[win]
        kept.append(chosen)
        used_l = np.zeros(lkey.max() + 1, bool)
        used_l[lkey[chosen]] = True
        closed = used_l[lkey[idx]]
        if both:
            used_r = np.zeros(rkey.max() + 1, bool)
            used_r[rkey[chosen]] = True
            closed |= used_r[rkey[idx]]
        open_[idx[closed]] = False
    out = np.concatenate(kept)
    return out[np.argsort(rank[out])]


def _match_best(left: np.ndarray, right: np.ndarray, score: np.ndarray, left_group: np.ndarray | None,
                right_group: np.ndarray | None) -> np.ndarray:
    """:func:`match` with ``best``: each slot's single best edge, from either side, in score order.

    No iteration and no dense slot numbers: SIMILAR_TO sends tens of millions of
    candidate edges through here, so it holds as few edge-length arrays as it can.
    """
    keep = np.zeros(len(score), bool)
    for item, group in ((left, right_group), (right, left_group)):
        key = np.asarray(item).astype(np.int64)
        if group is not None:  # taken as it comes (SIMILAR_TO sends int32), widened a slice at a time
            key *= int(group.max()) + 1
            key += np.asarray(group)
        keep[_best_of_each(key, score)] = True
        del key
    kept = np.flatnonzero(keep)
    # Best first, ties by position: the order the greedy loop would take them in.
    return kept[np.argsort(-np.asarray(score, dtype=np.float64)[kept], kind="stable")]


def _best_of_each(key: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Position of the best edge of each distinct ``key`` (its highest score, the first of ties),
    in the order of the keys.

    >>> _best_of_each(np.array([7, 3, 7, 3, 5]), np.array([.5, .9, .8, .9, .1])).tolist()
    [1, 4, 2]
    """
    if not len(key):
        return np.empty(0, np.int64)
    # One pass over the runs of equal keys, compiled: the vectorised form held ~7 edge-length arrays
    # at once (~1.5 GB for SIMILAR_TO's 32M national edges, at the peak of its process).
    return _best_of_runs(key, np.asarray(score, np.float64), _stable_argsort(key))


@njit(cache=True, nogil=True)
def _best_of_runs(key, score, perm):  # pragma: no cover  (compiled)
    """For each run of equal ``key[perm[...]]``, the first ``perm`` entry of the run's highest score."""
    out = np.empty(len(perm), np.int64)
    m = 0
    i = 0
    while i < len(perm):
        best = perm[i]
        j = i + 1
        while j < len(perm) and key[perm[j]] == key[perm[i]]:
            if score[perm[j]] > score[best]:
                best = perm[j]
            j += 1
        out[m] = best
        m += 1
        i = j
    return out[:m]


def _stable_argsort(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` of integers: key and position packed in one integer and
    sorted by np.sort's vectorised quicksort, ~6x faster on tens of millions of keys; non-negative
    keys that leave room for the position, that is (otherwise NumPy's stable sort).

    >>> _stable_argsort(np.array([7, 3, 7, 3, 5])).tolist()
    [1, 3, 4, 0, 2]
    """
    n = len(key)
    bits = max(n - 1, 1).bit_length()
    if n == 0 or int(key.min()) < 0 or int(key.max()) >> (63 - bits):
        return np.argsort(key, kind="stable")
    packed = np.asarray(key, np.int64) << bits  # in place from here: one key-length array
    packed |= np.arange(n)
    packed.sort()
    packed &= (1 << bits) - 1
    return packed


def _distinct(x: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Sorted distinct values (a sort, not np.unique's hash path, which is slow on large int64 arrays);
    ``in_place`` sorts ``x`` itself rather than a copy (tens of millions of values)."""
    if in_place:
        x.sort()
    else:
        x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _slots(item: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Dense numbers for the distinct (item, group) pairs."""
    key = item * (int(group.max()) + 1) + group if len(group) else item
    order = np.argsort(key, kind="stable")
    k = key[order]
    dense = np.cumsum(np.r_[False, k[1:] != k[:-1]])
    out = np.empty(len(key), np.int64)
    out[order] = dense
    return out


def _dense_links(v: Vectors, a: np.ndarray, b: np.ndarray, threshold: float, measure: Measure,
                 matching: Matching, relative: float = 0.0, s: np.ndarray | None = None) -> list[Link]:
    """Score all of ``a`` against all of ``b`` (or take their scores ``s``), keep ``>= threshold``
    (and ``>= relative`` x the best score of either end), match."""
    if len(a) == 0 or len(b) == 0:
        return []
    s = v.scores(a, b, measure) if s is None else s
    ok = s >= threshold
    if relative:
        # A pair must come near the best score of both its ends.
        ok &= s >= relative * np.maximum(s.max(axis=1)[:, None], s.max(axis=0)[None, :])
    i, j = np.nonzero(ok)
    keep = match(i, j, s[i, j], matching=matching)
    return [Link(v.ids[a[i[k]]], v.ids[b[j[k]]], round(float(s[i[k], j[k]]), 4)) for k in keep]


# ---------------------------------------------------------------------------
# CONTINUES


def link_continues(tasks_by_year: Mapping[int, Sequence[TaskLike]], threshold: float | None = None, *,
                   measure: Measure | None = None, matching: Matching | None = None,
                   by_source: bool = True, ngrams: tuple[int, int] | None = None,
                   relative: float | None = None, level: float | None = None, model=True,
                   evidence: dict | None = None) -> list[Link]:
    """CONTINUES links within one jurisdiction, each year to the next year present.

    Parameters
    ----------
    tasks_by_year : mapping of year to tasks
        The tasks of one jurisdiction. With three or more years, each year is
        linked to the next one present, so chains form (2019 → 2022 → 2023).
        A task's ``units`` and ``section`` (:class:`TaskRef`) are evidence too.
    threshold : float, optional
        Minimum text similarity of a candidate pair (default
        ``DEFAULTS.continues_threshold``).
    model : bool or Model
        ``True`` (default): score each candidate pair with the shipped pair
        model (:mod:`.continuity_model`: text similarity, shared key phrases,
        themes, section, units and instruments in one calibrated score) and
        link it by the model's rule: the score reaches the model's threshold
        and comes within its margin of the best score of the earlier task in
        that layer (an earlier task continues in its best counterpart, and in
        another only if that is as good; a later item may merge any number of
        earlier ones). A :class:`~.continuity_model.Model` uses that model;
        ``False`` links by text similarity alone (``relative``, ``matching``).
        The link's ``score`` is the model's score.
    evidence : dict, optional
        Filled with ``(earlier_id, later_id) -> PairEvidence`` of every link
        (the model's evidence; text similarity only with ``model=False``).
    relative : float, optional
        Text-only linking (``model=False``): also require a score of at least
        ``relative`` times the best score of either task of the pair in this
        year pair and layer (default ``DEFAULTS.continues_relative``; 0 turns
        it off): when a later task continues one earlier task nearly
        verbatim, a dropped task sharing only stock phrases with it is not
        linked to it as well.
    level : float, optional
        Also require a text similarity of at least ``level`` times the year
        pair's :func:`plan_level` (default ``DEFAULTS.continues_level``; 0
        turns it off): in a plan that copies last year's, a dropped and a new
        task sharing stock phrases are not linked, while a rewritten plan,
        whose level is low, keeps its weak but true pairs.
    measure : {"cosine", "containment"}, optional
        Default ``DEFAULTS.continues_measure``.
    matching : {"best", "one_to_one", "many_to_one"}, optional
        Text-only linking (``model=False``); default
        ``DEFAULTS.continues_matching`` (``best``): each task keeps its best
        counterpart on the other side. ``one_to_one`` forbids merging; given
        explicitly, it applies with the model too (after the model's rule).
    ngrams : (int, int), optional
        Character n-gram range, default ``DEFAULTS.continues_ngrams``.
    by_source : bool
        Match separately against the later year's prose items and its table
        rows, so that a task may continue both in a prose item and in the
        annex row that restates it (a plan writes its work twice; DETAILS ties
        the two together).

    Returns
    -------
    list of Link
        ``(earlier_id, later_id, score)``, by year pair, layer, then by score.

    Examples
    --------
    >>> y19 = [TaskRef("a", "建成全市统一公共数据开放平台，加快推动公共数据开放", 2019),
    ...        TaskRef("b", "按月公开市属国资监管企业主要经济效益指标", 2019)]
    >>> y22 = [TaskRef("c", "编制全市公共数据开放目录，有序开放公共数据", 2022),
    ...        TaskRef("d", "举办全市政务公开工作培训班", 2022)]
    >>> [l[:2] for l in link_continues({2019: y19, 2022: y22})]
    [('a', 'c')]
    >>> link_continues({2019: y19, 2022: y22}, model=False)
    [Link(source='a', target='c', score=0.5077)]
    """
    threshold = DEFAULTS.continues_threshold if threshold is None else threshold
    relative = DEFAULTS.continues_relative if relative is None else relative
    level = DEFAULTS.continues_level if level is None else level
    measure = measure or DEFAULTS.continues_measure
    pair_model = pair_model_of(model)
    if pair_model is not None:
        c = continues_candidates(tasks_by_year, threshold, level=level, measure=measure, by_source=by_source,
                                 ngrams=ngrams)
        if c is None:
            return []
        return model_links(c.evidence, c.tasks, c.i, c.j, c.text_sim, c.best_i, c.best_j, c.slot, pair_model,
                            matching, evidence, c.level, relative)
    matching = matching or DEFAULTS.continues_matching
    years = sorted(y for y, ts in tasks_by_year.items() if ts)
    if len(years) < 2:
        return []
    tasks = [t for y in years for t in tasks_by_year[y]]
    v = vectorize(tasks, ngrams or DEFAULTS.continues_ngrams)
    pos, start = {}, 0
    for y in years:
        pos[y] = np.arange(start, start + len(tasks_by_year[y]))
        start += len(tasks_by_year[y])
    links: list[Link] = []
    for y0, y1 in zip(years, years[1:]):
        later = pos[y1]
        layers = [later] if not by_source else [
            later[[tasks[k].source == s for k in later]] for s in sorted({tasks[k].source for k in later})]
        scores = [v.scores(pos[y0], layer, measure) for layer in layers]
        bar = max(threshold, level * plan_level(scores)) if level else threshold
        for layer, s in zip(layers, scores):
            links.extend(_dense_links(v, pos[y0], layer, bar, measure, matching, relative, s))
            if evidence is not None:
                for l in links:
                    evidence.setdefault((l.source, l.target), text_evidence(l.score))
    return links


def text_evidence(score: float):
    from .continuity_model import PairEvidence

    return PairEvidence(score, 0.0, 0.0, 0.0, 0, 0, f"text {score:.2f}")


class Candidates(NamedTuple):
    """CONTINUES candidate pairs of one jurisdiction (:func:`continues_candidates`)."""

    tasks: list  # all years' tasks, in year order
    evidence: object  # continuity_model.TaskEvidence of ``tasks``
    i: np.ndarray  # earlier task (position in ``tasks``)
    j: np.ndarray  # later task
    text_sim: np.ndarray
    best_i: np.ndarray  # best text similarity of the earlier task in the later plan's layer
    best_j: np.ndarray  # best text similarity of the later task
    slot: np.ndarray  # the earlier task and the later plan's layer: layer number x len(tasks) + earlier task
    level: np.ndarray  # the year pair's plan_level


def continues_candidates(tasks_by_year: Mapping[int, Sequence[TaskLike]], threshold: float | None = None, *,
                         level: float | None = None, measure: Measure | None = None, by_source: bool = True,
                         ngrams: tuple[int, int] | None = None) -> Candidates | None:
    """The candidate pairs CONTINUES' model scores: each year with the next year present, each layer
    of the later year (prose items, table rows) apart, pairs of text similarity at least ``threshold``
    and ``level`` times the year pair's :func:`plan_level`. None for fewer than two years."""
    from .continuity_model import task_evidence

    threshold = DEFAULTS.continues_threshold if threshold is None else threshold
    level = DEFAULTS.continues_level if level is None else level
    measure = measure or DEFAULTS.continues_measure
    years = sorted(y for y, ts in tasks_by_year.items() if ts)
    if len(years) < 2:
        return None
    tasks = [t for y in years for t in tasks_by_year[y]]
    v = vectorize(tasks, ngrams or DEFAULTS.continues_ngrams)
    ev = task_evidence([t.text for t in tasks], [getattr(t, "units", ()) for t in tasks],
                       [getattr(t, "section", "") for t in tasks])
    pos, start = {}, 0
    for y in years:
        pos[y] = np.arange(start, start + len(tasks_by_year[y]))
        start += len(tasks_by_year[y])
    parts = []
    nslots = 0
    for y0, y1 in zip(years, years[1:]):
        later = pos[y1]
        layers = [later] if not by_source else [
            later[[tasks[k].source == s for k in later]] for s in sorted({tasks[k].source for k in later})]
        scores = [v.scores(pos[y0], layer, measure) for layer in layers]
        plan = plan_level(scores)
        bar = max(threshold, level * plan) if level else threshold
        for layer, s in zip(layers, scores):
            if s.size:
                a, b = np.nonzero(s >= bar)
                parts.append((pos[y0][a], layer[b], s[a, b], s.max(axis=1)[a], s.max(axis=0)[b],
                              nslots * len(tasks) + pos[y0][a], np.full(len(a), plan)))
            nslots += 1
    cols = list(zip(*parts)) if parts else [[np.empty(0, np.int64)]] * 2 + [[np.empty(0)]] * 3 + \
        [[np.empty(0, np.int64)], [np.empty(0)]]
    return Candidates(tasks, ev, *(np.concatenate(c) for c in cols))


def pair_model_of(model):
    """The pair model ``link_continues``' ``model`` argument names (None: text only)."""
    if model is False or model is None:
        return None
    if model is True:
        from .continuity_model import load_model

        return load_model("CONTINUES")
    return model


def model_links(ev, tasks: Sequence[TaskLike], i: np.ndarray, j: np.ndarray, s: np.ndarray, best_i: np.ndarray,
                 best_j: np.ndarray, slot: np.ndarray, model, matching: Matching | None,
                 evidence: dict | None, level: np.ndarray | None = None, relative: float = 0.0) -> list[Link]:
    """Candidate pairs ``(i, j)`` (positions in ``tasks`` and rows of ``ev``) scored by ``model``,
    matched by its rule (:func:`~.continuity_model.scored_pairs`), best first; ``matching`` (given
    explicitly) applies after it."""
    from .continuity_model import evidence_of, scored_pairs

    keep, p, x = scored_pairs(ev, i, j, s, best_i, best_j, slot, model, level, relative, len(tasks))
    layer_of = slot // max(len(tasks), 1) if len(slot) else slot  # (year pair, layer) in order
    keep = keep[np.lexsort((keep, -p[keep], layer_of[keep]))]
    if matching is not None and matching != "best" and len(keep):
        keep = keep[match(i[keep], j[keep], p[keep], matching=matching)]
    out = []
    for k in keep.tolist():
        link = Link(tasks[i[k]].id, tasks[j[k]].id, round(float(p[k]), 4))
        out.append(link)
        if evidence is not None:
            evidence[(link.source, link.target)] = evidence_of(ev, int(i[k]), int(j[k]), x[k])
    return out


def plan_level(scores: Sequence[np.ndarray]) -> float:
    """How closely a later plan follows the earlier one: the median score of their *mutual best*
    pairs (an earlier task and a later task each the other's best, within one layer); 0 if none.

    ``scores`` are the earlier tasks x later tasks matrices of one year pair, a layer each. A plan
    copied from last year has a level near 1, a rewritten one (温州 2019→2022) about 0.2. Mutual
    best pairs are the tasks that clearly continue, so dropped and new tasks barely move it.

    >>> round(plan_level([np.array([[0.9, 0.2], [0.1, 0.8], [0.3, 0.1]])]), 4)  # (0, 0), (1, 1); row 2 dropped
    0.85
    """
    mutual = []
    for s in scores:
        if s.size == 0:
            continue
        best = (s == s.max(axis=1, keepdims=True)) & (s == s.max(axis=0, keepdims=True)) & (s > 0)
        mutual.append(s[best])
    both = np.concatenate(mutual) if mutual else np.empty(0)
    return float(np.median(both)) if len(both) else 0.0


# ---------------------------------------------------------------------------
# DETAILS


def link_details(prose_tasks: Sequence[TaskLike], table_tasks: Sequence[TaskLike], threshold: float | None = None,
                 *, measure: Measure | None = None, ngrams: tuple[int, int] | None = None) -> list[Link]:
    """DETAILS links of one document: each annex row to the prose task it restates.

    Many rows may detail one prose task; each row details at most one. The
    default measure is containment, because a row restates a *part* of an item.

    Returns
    -------
    list of Link
        ``(row_id, prose_id, score)``.

    Examples
    --------
    >>> prose = [TaskRef("p1", "加大疫情防控信息公开力度。统筹做好疫情防控信息发布，及时回应社会关切"),
    ...          TaskRef("p2", "提升公共数据开放水平。组织编制公共数据开放目录并动态调整")]
    >>> rows = [TaskRef("r1", "编制全市数据开放目录，有序开放公共数据", source="table"),
    ...         TaskRef("r2", "统筹做好疫情防控信息发布", source="table")]
    >>> [l[:2] for l in link_details(prose, rows)]
    [('r2', 'p1'), ('r1', 'p2')]
    """
    threshold = DEFAULTS.details_threshold if threshold is None else threshold
    measure = measure or DEFAULTS.details_measure
    v = vectorize(list(table_tasks) + list(prose_tasks), ngrams or DEFAULTS.details_ngrams)
    rows = np.arange(len(table_tasks))
    items = np.arange(len(table_tasks), len(table_tasks) + len(prose_tasks))
    return _dense_links(v, rows, items, threshold, measure, "many_to_one")


# ---------------------------------------------------------------------------
# SIMILAR_TO


def _groups(tasks_by_jurisdiction: Mapping[str, Sequence[TaskLike]]):
    """Flat task list with jurisdiction number, year and (jurisdiction, year) group number."""
    tasks: list[TaskLike] = []
    jur: list[int] = []
    for j, name in enumerate(sorted(tasks_by_jurisdiction)):
        for t in tasks_by_jurisdiction[name]:
            tasks.append(t)
            jur.append(j)
    jur_a = np.asarray(jur, np.int64)
    year_a = np.asarray([t.year if t.year is not None else -1 for t in tasks], np.int64)
    group = _slots(jur_a, year_a + 1) if tasks else jur_a
    return tasks, jur_a, year_a, group


def _exact_candidates(v: Vectors, jur: np.ndarray, year: np.ndarray, threshold: float, measure: Measure,
                      year_window: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of different jurisdictions within the year window scoring ``>= threshold``."""
    n = len(jur)
    out_i, out_j, out_s = [], [], []
    for s in range(0, n, chunk):
        a = np.arange(s, min(s + chunk, n))
        b = np.arange(s, n)
        m = v.scores(a, b, measure)
        ok = (m >= threshold) & (jur[a][:, None] != jur[b][None, :]) \
            & (np.abs(year[a][:, None] - year[b][None, :]) <= year_window) & (a[:, None] < b[None, :])
        i, j = np.nonzero(ok)
        out_i.append(a[i])
        out_j.append(b[j])
        out_s.append(m[i, j])
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)


def _sentences(texts: Sequence[str], min_chars: int) -> tuple[list[str], np.ndarray]:
    """Sentences of every text (at least ``min_chars`` characters) and the text each came from."""
    sents, owner = [], []
    for k, (text, norm) in enumerate(zip(texts, nfkc_texts(texts))):
        parts = [s for s in _SENTENCE.split(norm) if len(s) >= min_chars]
        for s in parts or [text]:
            sents.append(s)
            owner.append(k)
    return sents, np.asarray(owner, np.int64)


def _minhash_bands(texts: Sequence[str], bands: int, rows: int, seed: int, chunk: int = 100_000) -> np.ndarray:
    """``len(texts) x bands`` LSH band keys from MinHash signatures of character 3-gram sets."""
    return _band_keys(texts, bands, rows, seed, chunk, similarity_texts)


def _band_keys(texts: Sequence[str], bands: int, rows: int, seed: int, chunk: int, prepare) -> np.ndarray:
    """:func:`_minhash_bands` with the texts turned into similarity texts by ``prepare`` (a chunk at a time)."""
    rng = np.random.default_rng(seed)
    perms = bands * rows
    mul = rng.integers(1, 2**63 - 1, size=perms, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 2**63 - 1, size=perms, dtype=np.uint64)
    out = np.empty((len(texts), bands), np.uint64)
    for start in range(0, len(texts), chunk):
        part = prepare(texts[start:start + chunk])
        codes, doc = _codes(part)
        h, d = _gram_hashes(codes, doc, 3)
        h2, d2 = _gram_hashes(codes, doc, 2)  # 2-grams only for texts too short for 3-grams
        short = np.ones(len(part), bool)
        short[d] = False
        pick = short[d2]
        h, d = np.concatenate([h, h2[pick]]), np.concatenate([d, d2[pick]])
        sig = np.full((len(part), perms), np.iinfo(np.uint64).max, np.uint64)
        _min_hashes(h, d, mul, add, sig)
        key = np.zeros((len(part), bands), np.uint64)
        for b in range(bands):
            for r in range(rows):
                key[:, b] = (key[:, b] ^ sig[:, b * rows + r]) * _P64
        out[start:start + len(part)] = key
    return out


@njit(cache=True, nogil=True)
def _min_hashes(h, doc, mul, add, sig):  # pragma: no cover  (compiled)
    """MinHash signatures in place: ``sig[doc[i], p] = min(sig[doc[i], p], h[i] * mul[p] + add[p])`` over
    every n-gram ``i`` (uint64, wrapping), all permutations in one pass over the n-grams (a NumPy pass per
    permutation made ~9x the memory traffic)."""
    for i in range(len(h)):
        row = doc[i]
        x = h[i]
        for p in range(len(mul)):
            v = x * mul[p] + add[p]
            if v < sig[row, p]:
                sig[row, p] = v


def _lsh_candidates(texts: Sequence[str], jur: np.ndarray, year: np.ndarray, year_window: int, *,
                    bands: int, rows: int, window: int, min_chars: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Task pairs ``i < j`` sharing a near-duplicate sentence, of different jurisdictions, within the year window."""
    sents, owner = _sentences(texts, min_chars)
    keys = _minhash_bands(sents, bands, rows, seed)
    n = len(texts)
    found = _lsh_pairs(keys, owner, year, np.random.default_rng(seed + 1), window, n,
                       lambda i, j: (jur[i] != jur[j]) & (np.abs(year[i] - year[j]) <= year_window))
    # Task positions fit 32 bits far beyond national scale: half the memory of tens of millions of pairs.
    small = np.int32 if n < 2**31 else np.int64
    i = (found // n).astype(small)
    found %= n  # in place: tens of millions of pairs
    return i, found.astype(small)


def _lsh_pairs(keys: np.ndarray, owner: np.ndarray, year: np.ndarray, rng: np.random.Generator, window: int,
               n: int, keep: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """The distinct task pairs, as ``i * n + j`` with ``i < j``, of sentences at most ``window`` apart in
    the buckets of a band (a column of ``keys``; ``owner`` gives each sentence's task), in any band,
    that ``keep(i, j)`` accepts.

    In each band the sentences are sorted by band key, then by their task's year
    (near years meet inside the window), then randomly, so each band shows a
    task different neighbours.
    """
    sentence_year = year[owner]
    # Each sentence pairs with at most ``window`` others per band.
    found = _reserved(keys.shape[1] * window * len(owner), np.int64)
    at = 0
    for b in range(keys.shape[1]):
        order = _bucket_order(keys[:, b], sentence_year, rng.random(len(owner)))
        k, t = keys[order, b], owner[order]
        new = []
        for off in range(1, window + 1):
            same = k[off:] == k[:-off]
            i, j = t[:-off][same], t[off:][same]
            ok = keep(i, j)
            new.append(np.minimum(i[ok], j[ok]) * n + np.maximum(i[ok], j[ok]))
        band = _distinct(np.concatenate(new))
        found[at:at + len(band)] = band
        at += len(band)
    # One sort of all bands' pairs at the end, in place, not one per band of all pairs found so far
    # (national: 16 sorts of up to 46M pairs took 16 s).
    return _distinct(found[:at], in_place=True) if at else np.empty(0, np.int64)


def _bucket_order(key: np.ndarray, year: np.ndarray, rand: np.ndarray) -> np.ndarray:
    """``np.lexsort((rand, year, key))``, from one sort of the three ranks packed in one integer
    (national: 1.3 s a band instead of 1.8 s, 2.8M sentences).

    >>> _bucket_order(np.array([5, 2, 5, 5], np.uint64), np.array([1, 0, 0, 1]), np.array([.7, .1, .9, .3])).tolist()
    [1, 2, 3, 0]
    """
    n = len(key)
    bits = max(n - 1, 1).bit_length()
    span = int(year.max()) - int(year.min()) if n else 0
    year_bits = max(span, 1).bit_length()
    if n == 0 or 2 * bits + year_bits > 63:
        return np.lexsort((rand, year, key))
    by_rand = np.argsort(rand, kind="stable")
    rand_rank = np.empty(n, np.int64)
    rand_rank[by_rand] = np.arange(n)
    by_key = np.argsort(key)
    sorted_key = key[by_key]
    key_rank = np.empty(n, np.int64)
    key_rank[by_key] = np.cumsum(np.r_[False, sorted_key[1:] != sorted_key[:-1]])
    packed = np.sort((((key_rank << year_bits) | (year - int(year.min()))) << bits) | rand_rank)
    return by_rand[packed & ((1 << bits) - 1)]


def _scored_above(v: Vectors, i: np.ndarray, j: np.ndarray, measure: Measure, threshold: float,
                  chunk: int = 4_000_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs scoring ``>= threshold`` and their scores, scored a chunk at a time
    (about a third of the LSH candidates fall below: their scores are never all held), the
    pairs kept going into arrays :func:`_reserved` for all candidates."""
    out_i, out_j, out_s = _reserved(len(i), i.dtype), _reserved(len(j), j.dtype), _reserved(len(i), np.float64)
    at = 0
    for start in range(0, len(i), chunk):
        a, b = i[start:start + chunk], j[start:start + chunk]
        s = v.pair_scores(a, b, measure)
        ok = s >= threshold
        end = at + int(ok.sum())
        out_i[at:end], out_j[at:end], out_s[at:end] = a[ok], b[ok], s[ok]
        at = end
    return out_i[:at], out_j[:at], out_s[:at]


def _top_k(i: np.ndarray, j: np.ndarray, s: np.ndarray, k: int) -> np.ndarray:
    """Indices of the edges that rank among the ``k`` best of their ``i`` or of their ``j`` end.

    >>> _top_k(np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2]), np.array([.9, .8, .7, .95]), 1).tolist()
    [0, 2, 3]
    """
    keep = np.zeros(len(s), bool)
    order = np.argsort(-s, kind="stable")  # best first, ties by position
    for end in (i, j):
        by_end = _stable_argsort(end[order])  # groups by end, best first inside each group
        _keep_first_k(end, order, by_end, k, keep)
        del by_end
    return np.flatnonzero(keep)


@njit(cache=True, nogil=True)
def _keep_first_k(end, order, by_end, k, keep):  # pragma: no cover  (compiled)
    """Mark in ``keep`` the first ``k`` edges ``order[by_end[...]]`` of each run of equal ``end``: one
    pass, where ranks made in NumPy held four more arrays as long as the edges (tens of millions)."""
    run = 0
    for p in range(len(by_end)):
        x = order[by_end[p]]
        if p == 0 or end[x] != end[order[by_end[p - 1]]]:
            run = 0
        if run < k:
            keep[x] = True
        run += 1


def link_similar(tasks_by_jurisdiction: Mapping[str, Sequence[TaskLike]], threshold: float | None = None,
                 year_window: int = 1, *, measure: Measure | None = None, matching: Matching | None = None,
                 ngrams: tuple[int, int] | None = None, method: Literal["auto", "exact", "lsh"] = "auto",
                 exact_limit: int = 20_000, top_k: int | None = DEFAULTS.similar_top_k, bands: int = 16, rows: int = 2,
                 window: int = 2, min_chars: int = 8, seed: int = 0) -> list[Link]:
    """SIMILAR_TO links between tasks of different jurisdictions in the same or near years.

    Parameters
    ----------
    tasks_by_jurisdiction : mapping of jurisdiction to tasks
        Tasks of every year; each task's ``year`` places it.
    threshold : float, optional
        Minimum score (default ``DEFAULTS.similar_threshold``).
    year_window : int
        Link tasks whose years differ by at most this much.
    matching : {"best", "one_to_one"}, optional
        Within each pair of (jurisdiction, year) plans: ``best`` (the default,
        ``DEFAULTS.similar_matching``) keeps each task's best partner in the
        other plan, so a plan cut into finer tasks links each of them to the
        coarser item they share; ``one_to_one`` gives each task at most one
        partner there.
    ngrams : (int, int), optional
        Character n-gram range, default ``DEFAULTS.similar_ngrams``.
    method : {"auto", "exact", "lsh"}
        ``exact`` scores every pair (quadratic); ``lsh`` blocks with MinHash LSH
        over sentences; ``auto`` is exact up to ``exact_limit`` tasks.
    top_k : int or None
        Keep a link only if it is among the ``top_k`` best links of one of
        its tasks (default ``DEFAULTS.similar_top_k``; None keeps all). A task copied from a national template resembles a task in
        nearly every other plan; the cap keeps the output linear (≤ top_k
        links per task) while the best partners stay.
    bands, rows, window, min_chars, seed
        LSH settings: ``bands`` x ``rows`` MinHash values per sentence (a
        sentence pair of Jaccard s collides with probability
        ``1 - (1 - s**rows)**bands``), sentences shorter than ``min_chars``
        are left out, and each sentence is paired with the ``window`` next
        ones in its bucket.

    Returns
    -------
    list of Link
        ``(a_id, b_id, score)`` where ``a`` is the task of the earlier year,
        or of the jurisdiction sorting first in the same year.

    Examples
    --------
    >>> tz = [TaskRef("t1", "建立完善涉农补贴申报信息及结果公开机制", 2022, "台州市"),
    ...       TaskRef("t2", "举办政务公开工作培训班", 2022, "台州市")]
    >>> wz = [TaskRef("w1", "建立完善涉农补贴申报信息及结果公开机制", 2022, "温州市"),
    ...       TaskRef("w2", "编制全市公共数据开放目录", 2022, "温州市")]
    >>> link_similar({"台州市": tz, "温州市": wz})
    [Link(source='t1', target='w1', score=1.0)]
    """
    tasks, a, b, score = similar_positions(
        tasks_by_jurisdiction, threshold, year_window, measure=measure, matching=matching, ngrams=ngrams,
        method=method, exact_limit=exact_limit, top_k=top_k, bands=bands, rows=rows, window=window,
        min_chars=min_chars, seed=seed)
    return [Link(tasks[x].id, tasks[y].id, z) for x, y, z in zip(a.tolist(), b.tolist(), score)]


def similar_positions(tasks_by_jurisdiction: Mapping[str, Sequence[TaskLike]], threshold: float | None = None,
                      year_window: int = 1, *, measure: Measure | None = None, matching: Matching | None = None,
                      ngrams: tuple[int, int] | None = None, method: Literal["auto", "exact", "lsh"] = "auto",
                      exact_limit: int = 20_000, top_k: int | None = DEFAULTS.similar_top_k, bands: int = 16,
                      rows: int = 2, window: int = 2, min_chars: int = 8, seed: int = 0,
                      frequencies: np.ndarray | None = None
                      ) -> tuple[list[TaskLike], np.ndarray, np.ndarray, list[float]]:
    """:func:`link_similar`'s links as positions: ``(tasks, a, b, scores)`` where link ``k`` joins
    ``tasks[a[k]]`` (the earlier) and ``tasks[b[k]]``. A national build's millions of links need no
    object each. ``frequencies``: as :func:`vectorize`'s, of all the tasks.

    >>> tasks, a, b, score = similar_positions({"台州市": [TaskRef("t1", "编制全市公共数据开放目录", 2022, "台州市")],
    ...                                         "温州市": [TaskRef("w1", "编制全市公共数据开放目录", 2022, "温州市")]})
    >>> [(tasks[x].id, tasks[y].id) for x, y in zip(a, b)], score
    ([('t1', 'w1')], [1.0])
    """
    threshold = DEFAULTS.similar_threshold if threshold is None else threshold
    measure = measure or DEFAULTS.similar_measure
    matching = matching or DEFAULTS.similar_matching
    if matching == "many_to_one":  # which side is "many" would depend on the names' order
        raise ValueError("link_similar is symmetric: use matching 'best' or 'one_to_one'")
    tasks, jur, year, group = _groups(tasks_by_jurisdiction)
    ngrams = ngrams or DEFAULTS.similar_ngrams
    if len(tasks) < 2:
        if frequencies is not None and tasks:
            vectorize(tasks, ngrams, frequencies=frequencies)
        return tasks, np.empty(0, np.int64), np.empty(0, np.int64), []
    if method == "auto":
        method = "exact" if len(tasks) <= exact_limit else "lsh"
    # The vectors (a gigabyte at national scale) live only while pairs are scored: not beside
    # the LSH buckets before, nor the matching after.
    if method == "exact":
        v = vectorize(tasks, ngrams, frequencies=frequencies)
        i, j, s = _exact_candidates(v, jur, year, threshold, measure, year_window)
    elif method == "lsh":
        i, j = _lsh_candidates([t.text for t in tasks], jur, year, year_window, bands=bands, rows=rows,
                               window=window, min_chars=min_chars, seed=seed)
        v = vectorize(tasks, ngrams, frequencies=frequencies)
        i, j, s = _scored_above(v, i, j, measure, threshold)
    else:
        raise ValueError(f"unknown method {method!r}; expected 'auto', 'exact' or 'lsh'")
    del v
    # i < j and tasks are ordered by jurisdiction, so i's jurisdiction sorts first.
    # Group numbers fit 32 bits; per candidate pair (tens of millions at national scale) that halves them.
    group = group.astype(np.int32) if len(group) and group.max() < 2**31 else group
    keep = match(i, j, s, left_group=group[i], right_group=group[j], matching=matching)
    if top_k is not None:
        keep = keep[_top_k(i[keep], j[keep], s[keep], top_k)]
    a, b = i[keep].astype(np.int64), j[keep].astype(np.int64)
    later = year[b] < year[a]
    a[later], b[later] = b[later], a[later]
    return tasks, a, b, [round(x, 4) for x in s[keep].tolist()]


# ---------------------------------------------------------------------------
# Status


def task_status(tasks_by_year: Mapping[int, Sequence[TaskLike]], links: Iterable[Link],
                details: Iterable[Link] = ()) -> list[StatusRow]:
    """Continued / new / dropped for one jurisdiction, for each pair of consecutive years.

    A task of the earlier year is ``continued`` if it has a CONTINUES link to
    the later year and ``dropped`` otherwise; a task of the later year is
    ``continued`` if a link reaches it and ``new`` otherwise. ``details``
    (DETAILS links) carry the status across a plan's two restatements: a row
    whose prose item continued counts as continued, and so does the item of a
    row that continued.

    >>> ts = {2019: [TaskRef("a", "", 2019, "温州市"), TaskRef("b", "", 2019, "温州市")],
    ...       2022: [TaskRef("c", "", 2022, "温州市"), TaskRef("d", "", 2022, "温州市")]}
    >>> [(r.task_id, r.status) for r in task_status(ts, [Link("a", "c", 0.6)])]
    [('a', 'continued'), ('b', 'dropped'), ('c', 'continued'), ('d', 'new')]
    """
    years = sorted(y for y, ts in tasks_by_year.items() if ts)
    links = list(links)
    partners: dict[str, set[str]] = {}
    for d in details:
        partners.setdefault(d.source, set()).add(d.target)
        partners.setdefault(d.target, set()).add(d.source)

    def spread(ids: set[str]) -> set[str]:
        return ids | {p for i in ids for p in partners.get(i, ())}

    rows: list[StatusRow] = []
    for y0, y1 in zip(years, years[1:]):
        earlier = {t.id: t for t in tasks_by_year[y0]}
        later = {t.id: t for t in tasks_by_year[y1]}
        sources = spread({l.source for l in links if l.source in earlier and l.target in later})
        targets = spread({l.target for l in links if l.source in earlier and l.target in later})
        for t in tasks_by_year[y0]:
            rows.append(StatusRow(t.id, t.jurisdiction, y0, y0, y1, "continued" if t.id in sources else "dropped"))
        for t in tasks_by_year[y1]:
            rows.append(StatusRow(t.id, t.jurisdiction, y1, y0, y1, "continued" if t.id in targets else "new"))
    return rows


def status_by_task(rows: Iterable[StatusRow]) -> dict[str, str]:
    """One status per task for the Task node's ``status`` property.

    A task's status against the year before it wins (``new`` / ``continued``);
    a task of a jurisdiction's first year gets its status against the next
    year (``continued`` / ``dropped``). Tasks of a single-year jurisdiction
    have no row and get no status.

    >>> status_by_task([StatusRow("b", "温州市", 2022, 2022, 2023, "dropped"),
    ...                 StatusRow("b", "温州市", 2022, 2019, 2022, "new"),
    ...                 StatusRow("a", "温州市", 2019, 2019, 2022, "continued")])
    {'b': 'new', 'a': 'continued'}
    """
    out: dict[str, str] = {}
    later: set[str] = set()
    for r in rows:
        if r.year == r.to_year:
            out[r.task_id] = r.status
            later.add(r.task_id)
        elif r.task_id not in later:
            out[r.task_id] = r.status
    return out
