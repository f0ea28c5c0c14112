"""CONTINUES and DETAILS over a whole corpus in a few sparse products.

:func:`~mandategraph.graph.continuity.link_continues` and
:func:`~mandategraph.graph.continuity.link_details` link one jurisdiction or
one document per call; at national scale that is ~3,000 and ~24,000 calls,
each paying fixed costs of scipy and scikit-learn (12 ms a document) that
dwarf the arithmetic. The functions here give the same links for many
jurisdictions or documents at once:

- the IDF of each n-gram is counted within each row's *IDF group* (the
  jurisdiction, or the document), as the per-call functions fit it;
- each row's n-gram columns are keyed by a *block* as well, so one product
  ``left @ right.T`` only meets rows of the same block (a jurisdiction's year
  and its next year; a document's rows and its prose items) and never
  computes a pair the per-call functions would not;
- each year pair's level (:func:`~mandategraph.graph.continuity.plan_level`)
  is read off all its pairs before any threshold, as the per-jurisdiction
  function reads it off its score matrices;
- thresholds and matching then run once over all pairs, with each block's
  slots kept apart.

Tasks go in batches of about ``batch`` tasks (whole jurisdictions or
documents), so memory follows the batch, not the corpus. A batch's n-gram
entries (~300 a task, each with its row, column, key and value arrays) take
~12 KB a task: 10,000 tasks hold ~0.2 GB where 100,000 held ~1.1 GB, and
were faster too at 10 % of national (CONTINUES 5.9 s against 8.2 s).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .continuity import DEFAULTS, Link, Matching, TaskLike, pair_model_of, _count_matrix, text_evidence, match

__all__ = ["link_continues_all", "link_details_all"]

_BITS = 20  # hashed n-gram columns, as continuity.vectorize
BATCH = 10_000  # tasks per product (see above)


def _entries(texts: Sequence[str], ngrams: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The hashed n-gram counts, and the row and column of each of its entries."""
    m = _count_matrix(list(texts), ngrams, _BITS)
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    return m, rows, m.indices.astype(np.int64)


def _idf(rows: np.ndarray, group: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Smoothed IDF of each entry (as scikit-learn's), from its n-gram's document frequency ``df``
    within the row's group (the second half of :func:`_numbered` of the (group, n-gram) pairs)."""
    size = np.bincount(group)
    return np.log((1.0 + size[group[rows]]) / (1.0 + df)) + 1.0


def _numbered(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry, the rank of its value among the distinct values of ``key`` (non-negative),
    and how many entries share it: ``np.unique``'s inverse and counts (per entry), from one sort.

    >>> [x.tolist() for x in _numbered(np.array([7, 3, 7, 9]))]
    [[1, 0, 1, 2], [2, 1, 2, 1]]
    """
    n = len(key)
    bits = max(n - 1, 1).bit_length()
    if n == 0 or int(key.max()) >> (63 - bits):  # the value and the position do not fit one integer
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        return inverse.ravel(), counts[inverse.ravel()]
    # Value and position in one integer, sorted by np.sort's vectorised quicksort: np.unique's
    # inverse, or a searchsorted into the distinct values, took ~5x as long on a batch's entries.
    packed = np.sort((key << bits) | np.arange(n))
    value = packed >> bits
    first = np.r_[True, value[1:] != value[:-1]]
    rank = np.cumsum(first) - 1
    counts = np.diff(np.r_[np.flatnonzero(first), n])
    out = np.empty(n, np.int64)
    position = packed & ((1 << bits) - 1)
    out[position] = rank
    shared = np.empty(n, np.int64)
    shared[position] = counts[rank]
    return out, shared


def _tfidf_values(rows: np.ndarray, counts: np.ndarray, idf: np.ndarray, n: int) -> np.ndarray:
    """l2-normalised sublinear TF-IDF per entry, as ``TfidfTransformer(sublinear_tf=True)`` computes it."""
    tf = np.log(counts.astype(np.float32)) + np.float32(1)
    v = tf.astype(np.float64) * idf
    norm = np.sqrt(np.bincount(rows, weights=v * v, minlength=n))
    return (v / norm[rows]).astype(np.float32)


def _blocked(rows: np.ndarray, values: np.ndarray, columns: np.ndarray, n: int, ncols: int) -> sp.csr_matrix:
    """The entries ``(rows[k], columns[k]) = values[k]`` as an ``n x ncols`` matrix."""
    return sp.csr_matrix((values, (rows, columns)), shape=(n, ncols))


def _pairs(left: sp.csr_matrix, right: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nonzero entries of ``left @ right.T`` as (i, j, value), in row-major order."""
    prod = (left @ right.T).tocoo()
    order = np.lexsort((prod.col, prod.row))
    return prod.row[order].astype(np.int64), prod.col[order].astype(np.int64), prod.data[order].astype(np.float64)


def _batches(sizes: Sequence[int], batch: int) -> list[range]:
    out, start, total = [], 0, 0
    for k, size in enumerate(sizes):
        total += size
        if total >= batch:
            out.append(range(start, k + 1))
            start, total = k + 1, 0
    if start < len(sizes):
        out.append(range(start, len(sizes)))
    return out


# --------------------------------------------------------------------------- CONTINUES


def link_continues_all(by_jurisdiction: Mapping[str, Mapping[int, Sequence[TaskLike]]],
                       threshold: float | None = None, *, relative: float | None = None,
                       level: float | None = None, matching: Matching | None = None, by_source: bool = True,
                       ngrams: tuple[int, int] | None = None, batch: int = BATCH, model=True,
                       evidence: dict | None = None) -> dict[str, list[Link]]:
    """:func:`~mandategraph.graph.continuity.link_continues` for every jurisdiction (cosine measure).

    Returns the links of each jurisdiction with two or more years, in the
    order the per-jurisdiction function gives them. ``model`` and
    ``evidence`` as there: with the pair model (the default) each link's
    score is the model's, and ``evidence`` (a dict) gets each link's
    :class:`~mandategraph.graph.continuity_model.PairEvidence`.

    >>> from mandategraph.graph.continuity import TaskRef, link_continues
    >>> years = {2019: [TaskRef("a", "建成全市统一公共数据开放平台，加快推动公共数据开放", 2019)],
    ...          2022: [TaskRef("c", "编制全市公共数据开放目录，有序开放公共数据", 2022)]}
    >>> link_continues_all({"温州市": years}) == {"温州市": link_continues(years)}
    True
    """
    threshold = DEFAULTS.continues_threshold if threshold is None else threshold
    relative = DEFAULTS.continues_relative if relative is None else relative
    level = DEFAULTS.continues_level if level is None else level
    matching = matching or DEFAULTS.continues_matching
    ngrams = ngrams or DEFAULTS.continues_ngrams
    pair_model = pair_model_of(model)
    names = [j for j in sorted(by_jurisdiction) if sum(1 for ts in by_jurisdiction[j].values() if ts) >= 2]
    sizes = [sum(len(ts) for ts in by_jurisdiction[j].values()) for j in names]
    out: dict[str, list[Link]] = {}
    for part in _batches(sizes, batch):
        out.update(_continues_batch({j: by_jurisdiction[j] for j in (names[k] for k in part)}, threshold,
                                    relative, level, matching, by_source, ngrams, pair_model, evidence))
    return out


def _plan_levels(i: np.ndarray, j: np.ndarray, s: np.ndarray, layer: np.ndarray, nl: int, group: np.ndarray,
                 n: int) -> np.ndarray:
    """Per group (of the later task): :func:`~mandategraph.graph.continuity.plan_level`, the median
    score of the mutual best pairs (each pair's earlier task's best in the later task's layer, and
    the later task's best); 0 for a group without one."""
    best_i = np.zeros(n * nl)
    np.maximum.at(best_i, i * nl + layer[j], s)
    best_j = np.zeros(n)
    np.maximum.at(best_j, j, s)
    mutual = (s == best_i[i * nl + layer[j]]) & (s == best_j[j]) & (s > 0)
    return _group_medians(s[mutual], group[j[mutual]], int(group.max()) + 1)


def _group_medians(values: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
    """The median of ``values`` within each group ``0..size-1`` (as ``np.median``; 0 for an empty group).

    >>> _group_medians(np.array([.2, .9, .4, .5, .7]), np.array([0, 0, 0, 2, 2]), 3).tolist()
    [0.4, 0.0, 0.6]
    """
    order = np.lexsort((values, groups))
    v = values[order]
    counts = np.bincount(groups, minlength=size)
    starts = np.cumsum(counts) - counts
    out = np.zeros(size)
    has = counts > 0
    lo, hi = starts[has] + (counts[has] - 1) // 2, starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


def _continues_batch(by_j, threshold, relative, level, matching, by_source, ngrams, model=None,
                     evidence=None) -> dict[str, list[Link]]:
    tasks: list[TaskLike] = []
    jur, step = [], []  # per task: jurisdiction number, position of its year
    for jn, name in enumerate(by_j):
        years = sorted(y for y, ts in by_j[name].items() if ts)
        for k, y in enumerate(years):
            tasks.extend(by_j[name][y])
            jur += [jn] * len(by_j[name][y])
            step += [k] * len(by_j[name][y])
    n = len(tasks)
    explicit_matching = matching
    matching = matching or DEFAULTS.continues_matching
    jur_a, step_a = np.asarray(jur, np.int64), np.asarray(step, np.int64)
    # A later year's prose items and table rows are matched apart, in the order of their names.
    layers = sorted({t.source for t in tasks}) if by_source else [""]
    layer_a = np.asarray([layers.index(t.source) if by_source else 0 for t in tasks], np.int64)
    m, rows, cols = _entries([t.text for t in tasks], ngrams)
    _, df = _numbered((jur_a[rows] << _BITS) | cols)
    values = _tfidf_values(rows, m.data, _idf(rows, jur_a, df), n)
    # A task of year position k meets, on the right, the tasks of position k + 1 of its jurisdiction.
    nsteps = int(step_a.max()) + 2 if n else 1
    left_block = jur_a * nsteps + step_a
    right_block = jur_a * nsteps + step_a - 1
    later = step_a >= 1
    on_right = later[rows]
    # Columns: the distinct (block, n-gram) pairs of both sides, numbered in one.
    columns, _ = _numbered(np.concatenate([(left_block[rows] << _BITS) | cols,
                                           (right_block[rows[on_right]] << _BITS) | cols[on_right]]))
    ncols = int(columns.max(initial=-1)) + 1
    left = _blocked(rows, values, columns[:len(rows)], n, ncols)
    right = _blocked(rows[on_right], values[on_right], columns[len(rows):], n, ncols)
    i, j, s = _pairs(left, right)
    nl = len(layers)
    bar = np.full(len(s), threshold)
    plan = np.zeros(len(s))
    if (level or model is not None) and len(s):
        # The year pair's level, over all its pairs (before any threshold), as continuity.plan_level.
        year_pair = jur_a * nsteps + step_a  # of the later task
        plan = _plan_levels(i, j, s, layer_a, nl, year_pair, n)[year_pair[j]]
        if level:
            bar = np.maximum(bar, level * plan)
    if model is not None:
        return _continues_model_batch(by_j, tasks, jur_a, step_a, layer_a, nl, nsteps, i, j, s, bar, model,
                                      explicit_matching, evidence, plan, relative)
    ok = s >= bar
    i, j, s = i[ok], j[ok], s[ok]
    if relative and len(s):
        # Best score of each earlier task within the layer, and of each later task.
        best_i = np.zeros(n * nl)
        np.maximum.at(best_i, i * nl + layer_a[j], s)
        best_j = np.zeros(n)
        np.maximum.at(best_j, j, s)
        ok = s >= relative * np.maximum(best_i[i * nl + layer_a[j]], best_j[j])
        i, j, s = i[ok], j[ok], s[ok]
    block = (jur_a[j] * nsteps + step_a[j]) * nl + layer_a[j]  # jurisdiction, later year, layer
    keep = match(i, j, s, right_group=block, matching=matching)
    # Each (jurisdiction, year pair, layer) in turn, best first, as the per-jurisdiction calls append them.
    keep = keep[np.lexsort((keep, -s[keep], block[keep]))]
    names = list(by_j)
    out: dict[str, list[Link]] = {name: [] for name in names}
    for k in keep:
        link = Link(tasks[i[k]].id, tasks[j[k]].id, round(float(s[k]), 4))
        out[names[jur_a[j[k]]]].append(link)
        if evidence is not None:  # text only: the text similarity is all the evidence
            evidence[(link.source, link.target)] = text_evidence(link.score)
    return out


def _continues_model_batch(by_j, tasks, jur_a, step_a, layer_a, nl, nsteps, i, j, s, bar, model, matching,
                           evidence, plan, relative) -> dict[str, list[Link]]:
    """The batch's CONTINUES by the pair model, as :func:`~mandategraph.graph.continuity.link_continues`
    gives them: the text similarity of every pair (``i``, ``j``, ``s``: all pairs of the batch's blocks)
    makes each pair's best-of-either-end evidence, the pairs over ``bar`` are scored, matched by the
    model's rule, and ordered by (jurisdiction, year pair, layer), then score."""
    from .continuity import model_links
    from .continuity_model import task_evidence

    n = len(tasks)
    best_i = np.zeros(n * nl)
    np.maximum.at(best_i, i * nl + layer_a[j], s)
    best_j = np.zeros(n)
    np.maximum.at(best_j, j, s)
    ok = s >= bar
    i, j, s, plan = i[ok], j[ok], s[ok], plan[ok]
    names = list(by_j)
    out: dict[str, list[Link]] = {name: [] for name in names}
    if not len(s):
        return out
    ev = task_evidence([t.text for t in tasks], [getattr(t, "units", ()) for t in tasks],
                       [getattr(t, "section", "") for t in tasks], jur_a)
    # Slot: the earlier task and the later plan's layer; numbered so that slot // n orders the
    # (jurisdiction, year pair, layer) blocks as the per-jurisdiction calls append them.
    block = (jur_a[j] * nsteps + step_a[j]) * nl + layer_a[j]
    slot = block * n + i
    links = model_links(ev, tasks, i, j, s, best_i[i * nl + layer_a[j]], best_j[j], slot, model, matching,
                         evidence, plan, relative)
    jur_of = {t.id: k for k, t in zip(jur_a.tolist(), tasks)}
    for link in links:
        out[names[jur_of[link.source]]].append(link)
    return out


# --------------------------------------------------------------------------- DETAILS


def link_details_all(by_document: Mapping[str, tuple[Sequence[TaskLike], Sequence[TaskLike]]],
                     threshold: float | None = None, *, ngrams: tuple[int, int] | None = None,
                     batch: int = BATCH) -> dict[str, list[Link]]:
    """:func:`~mandategraph.graph.continuity.link_details` for every document (containment measure).

    ``by_document`` maps a document to its ``(prose_tasks, table_tasks)``;
    documents lacking either get no links.

    >>> from mandategraph.graph.continuity import TaskRef, link_details
    >>> prose = [TaskRef("p1", "统筹做好疫情防控信息发布，及时回应社会关切")]
    >>> rows = [TaskRef("r1", "统筹做好疫情防控信息发布", source="table")]
    >>> link_details_all({"d": (prose, rows)}) == {"d": link_details(prose, rows)}
    True
    """
    threshold = DEFAULTS.details_threshold if threshold is None else threshold
    ngrams = ngrams or DEFAULTS.details_ngrams
    names = [d for d in sorted(by_document) if by_document[d][0] and by_document[d][1]]
    sizes = [len(by_document[d][0]) + len(by_document[d][1]) for d in names]
    out: dict[str, list[Link]] = {}
    for part in _batches(sizes, batch):
        out.update(_details_batch({d: by_document[d] for d in (names[k] for k in part)}, threshold, ngrams))
    return out


def _details_batch(by_doc, threshold, ngrams) -> dict[str, list[Link]]:
    tasks: list[TaskLike] = []
    doc, is_row = [], []
    for dn, name in enumerate(by_doc):
        prose, table = by_doc[name]
        for t in table:  # rows first, as link_details vectorises them
            tasks.append(t)
            doc.append(dn)
            is_row.append(True)
        for t in prose:
            tasks.append(t)
            doc.append(dn)
            is_row.append(False)
    n = len(tasks)
    doc_a, row_a = np.asarray(doc, np.int64), np.asarray(is_row, bool)
    m, rows, cols = _entries([t.text for t in tasks], ngrams)
    # One numbering of the (document, n-gram) pairs: the IDF's document frequencies and the columns.
    columns, df = _numbered((doc_a[rows] << _BITS) | cols)
    idf = _idf(rows, doc_a, df).astype(np.float32)
    # Summed in float32 along each row, as continuity.Vectors.mass sums it.
    mass = np.asarray(sp.csr_matrix((idf, m.indices, m.indptr), shape=m.shape).sum(axis=1), np.float64).ravel()
    ncols = int(columns.max(initial=-1)) + 1
    is_row, is_item = row_a[rows], ~row_a[rows]
    left = _blocked(rows[is_row], idf[is_row], columns[is_row], n, ncols)  # rows: presence x idf
    right = _blocked(rows[is_item], np.ones(int(is_item.sum()), np.float32), columns[is_item], n, ncols)  # items
    i, j, shared = _pairs(left, right)
    denom = np.minimum(mass[i], mass[j])
    s = np.divide(shared, denom, out=np.zeros_like(shared), where=denom > 0)
    ok = s >= threshold
    i, j, s = i[ok], j[ok], s[ok]
    keep = match(i, j, s, matching="many_to_one")
    keep = keep[np.lexsort((keep, -s[keep], doc_a[i[keep]]))]
    names = list(by_doc)
    out: dict[str, list[Link]] = {name: [] for name in names}
    for k in keep:
        out[names[doc_a[i[k]]]].append(Link(tasks[i[k]].id, tasks[j[k]].id, round(float(s[k]), 4)))
    return out
