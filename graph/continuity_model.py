"""Evidence for a candidate pair of tasks, and the model that turns it into one calibrated score.

Character n-grams alone cannot tell a carried-on task from its neighbour in a
rewritten plan (温州 2019 → 2022: right pairs score 0.15–0.25 in text, the same
as wrong ones). Each candidate pair therefore gets these numbers, the
*evidence* an edge keeps (``Evidence``):

``text_sim``
    the cosine of the two tasks' character n-gram TF-IDF vectors (as before);
``text_rel``
    ``text_sim`` over the best ``text_sim`` of the earlier task in the later
    plan's layer (1.0: the pair is the earlier task's best), and ``text_rel_b``
    the same for the later task;
``phrase_sim`` / ``shared_phrases``
    key domain phrases both tasks name (政策解读, 依申请公开, 政府公报,
    政务新媒体 …): the trigger words and labels of the theme scheme
    (``data/themes.ttl``), each weighing ``min(len, 6) / 6`` as the scheme
    weighs them; ``phrase_sim`` is the weight shared over the smaller of the
    two tasks' weights, ``shared_phrases`` the phrases themselves;
``theme_sim``
    the cosine of the tasks' theme scores (IN_THEME; 0 when either has only
    the fallback theme);
``section_sim``
    the cosine of the theme profiles of the sections the tasks sit in (all
    tasks of a document under the same head of path): work regrouped under a
    new heading still sits among the same kind of work;
``shared_units``
    lead or assist units both tasks name, after alias merging, group units
    (各地, 各部门, 12个县(市、区) …) left out: a number;
``shared_instruments``
    instruments (《…》, digits folded so that a year's report matches the next
    year's) both cite.

A logistic regression over these (:data:`FEATURES`, transformed by
:func:`design`) gives the pair's ``score``, a probability that the pair is
one the hand readers would link. Its coefficients live in
``data/continuity_model.json`` and are applied with NumPy: the run time needs
no scikit-learn. ``bench/train_continuity.py`` fits them (with scikit-learn)
on pairs the project can justify: generated plans with realistic rewording
(``bench/corpus.py --rewrite``) and the hand pairs of *another* relation
(台州 ↔ 温州 2022 for CONTINUES), never on the pairs a figure is reported on.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["FEATURES", "Model", "TaskEvidence", "load_model", "task_evidence", "pair_evidence", "design",
           "evidence_text", "is_group_unit", "PairEvidence", "scored_pairs", "link_rule", "evidence_of"]

FEATURES = ("text_sim", "text_rel", "text_rel_b", "phrase_sim", "shared_phrases", "theme_sim", "section_sim",
            "shared_units", "shared_instruments", "phrase_rel", "theme_rel", "text_level")

_INSTRUMENT = re.compile(r"《([^《》]{2,80})》")
_DIGITS = re.compile(r"\d+")
_GROUP = re.compile(r"^(各|全市|全县|全区|全省)|有关|县[(（〈]市|\d+个|乡镇|街道|镇[(（]街")


def is_group_unit(name: str) -> bool:
    """A unit that names many (各地, 各部门, 市级有关单位, 12个县(市、区) …): no evidence of the same work.

    >>> [is_group_unit(u) for u in ("各地", "市级有关单位", "12个县(市、区)", "市大数据局")]
    [True, True, True, False]
    """
    return bool(_GROUP.search(unicodedata.normalize("NFKC", name)))


@lru_cache(maxsize=1)
def _phrase_scheme():
    """The theme scheme (its trigger words and labels are the key phrases) and the phrase list."""
    from .themes import load_scheme, normalize

    scheme = load_scheme()
    phrases = set()
    for th in scheme.themes.values():
        phrases.update(th.triggers)
        if th.pref_label and len(th.pref_label) >= 3:
            phrases.add(normalize(th.pref_label))
    return scheme, sorted(phrases)


@lru_cache(maxsize=1)
def _phrase_pattern() -> tuple[re.Pattern, dict[str, int]]:
    from .themes import trie_regex

    _, phrases = _phrase_scheme()
    return trie_regex(phrases), {p: k for k, p in enumerate(phrases)}


@dataclass
class TaskEvidence:
    """What the pair evidence needs of each task of a list, in rows."""

    phrases: sp.csr_matrix  # tasks x phrases: the phrase's weight where the task names it
    phrase_names: list[str]
    themes: np.ndarray  # tasks x themes, l2-normalised theme scores (0 for the fallback only)
    sections: np.ndarray  # tasks x themes, l2-normalised theme profile of the task's section
    units: sp.csr_matrix  # tasks x units, 1 where the task names the unit (group units left out)
    instruments: sp.csr_matrix  # tasks x instruments, 1 where cited


def _binary(rows: list[list[str]]) -> sp.csr_matrix:
    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for r in rows:
        cols = sorted({vocab.setdefault(x, len(vocab)) for x in r})
        indices += cols
        indptr.append(len(indices))
    return sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices, np.int32), np.asarray(indptr)),
                         shape=(len(rows), max(len(vocab), 1)))


def _normalised(m: np.ndarray) -> np.ndarray:
    norm = np.sqrt((m * m).sum(axis=1, keepdims=True))
    return np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)


def task_evidence(texts: Sequence[str], units: Sequence[Sequence[str]] | None = None,
                  sections: Sequence[str] | None = None, groups: Sequence[int] | None = None) -> TaskEvidence:
    """Phrases, themes, section profiles, units and instruments of each task.

    ``units``: each task's lead and assist unit names or ids (group units are
    left out here); ``sections``: a key per task naming its section (document
    and head of path), "" for none; ``groups``: the IDF group of each task
    (its jurisdiction; one group if None). A phrase weighs its length weight
    times its smoothed IDF among the tasks of its group: 政府公报 in two tasks
    says more than 政务公开 in forty.
    """
    from .themes import normalize

    scheme, phrases = _phrase_scheme()
    pattern, index = _phrase_pattern()
    keys = sorted(k for k in scheme.themes if k != scheme.fallback)
    tcol = {k: c for c, k in enumerate(keys)}
    n = len(texts)
    themes = np.zeros((n, len(keys)), np.float64)
    p_ind, p_ptr, p_val = [], [0], []
    cites = []
    for r, text in enumerate(texts):
        norm = normalize(text)
        found = sorted({index[w] for w in pattern.findall(norm)})
        p_ind += found
        p_val += [min(len(phrases[c]), 6) / 6 for c in found]
        p_ptr.append(len(p_ind))
        for h in scheme.hits(scheme.triggers_in(text)):
            if h.key in tcol:
                themes[r, tcol[h.key]] = h.score
        cites.append([_DIGITS.sub("0", t) for t in _INSTRUMENT.findall(norm.replace("<", "《").replace(">", "》"))])
    pm = sp.csr_matrix((np.asarray(p_val, np.float64), np.asarray(p_ind, np.int32), np.asarray(p_ptr)),
                       shape=(n, max(len(phrases), 1)))
    if pm.nnz:
        grp = np.zeros(n, np.int64) if groups is None else np.asarray(groups, np.int64)
        rows = np.repeat(np.arange(n), np.diff(pm.indptr))
        key = grp[rows] * pm.shape[1] + pm.indices
        _, inv, df = np.unique(key, return_inverse=True, return_counts=True)
        size = np.bincount(grp, minlength=int(grp.max()) + 1)
        pm.data = pm.data * (np.log((1.0 + size[grp[rows]]) / (1.0 + df[inv.ravel()])) + 1.0)
    prof = themes.copy()
    if sections is not None:
        groups: dict[str, list[int]] = {}
        for r, s in enumerate(sections):
            if s:
                groups.setdefault(s, []).append(r)
        for rows in groups.values():
            prof[rows] = themes[rows].sum(axis=0)
    unit_rows = [[u for u in us if not is_group_unit(str(u).rsplit(":", 1)[-1])] for us in units] if units is not None \
        else [[] for _ in range(n)]
    return TaskEvidence(pm, phrases, _normalised(themes), _normalised(prof), _binary(unit_rows), _binary(cites))


def _pair_dots(m: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``m[i[k]] . m[j[k]]`` for every k."""
    from .continuity import row_dots

    if len(i) == 0:
        return np.empty(0)
    order = np.argsort(i, kind="stable")
    out = np.empty(len(i))
    out[order] = row_dots(m.indptr, m.indices, m.data.astype(np.float32), i[order], j[order], m.shape[1])
    return out


def pair_evidence(ev: TaskEvidence, i: np.ndarray, j: np.ndarray, text_sim: np.ndarray, best_i: np.ndarray,
                  best_j: np.ndarray, slot: np.ndarray | None = None, level: np.ndarray | None = None) -> np.ndarray:
    """The evidence of pairs ``(i[k], j[k])`` (rows of ``ev``) as a ``len(i) x len(FEATURES)`` array.

    ``best_i`` / ``best_j``: per pair, the best ``text_sim`` of its earlier task in the layer, and of its
    later task. ``slot``: per pair, its earlier task's slot (the earlier task and the later plan's
    layer); ``phrase_rel`` and ``theme_rel`` are ``phrase_sim`` and ``theme_sim`` over the best of
    the slot's candidates (1 without slots). ``level``: per pair, its year pair's plan level
    (:func:`~mandategraph.graph.continuity.plan_level`); ``text_level`` is ``text_sim`` over it (at
    most 3): how the pair compares with the plan's own carried-on work, so that a rewritten plan's
    0.2 and a copied plan's 0.95 both read as "as close as this plan's continued tasks are".
    """
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    # Similarities to 6 decimals: the batch and the per-jurisdiction linker sum float32 products in
    # different orders, and the scores they give must agree to the 4 decimals an edge keeps.
    text_sim, best_i, best_j = (np.round(np.asarray(x, np.float64), 6) for x in (text_sim, best_i, best_j))
    level = None if level is None else np.round(np.asarray(level, np.float64), 6)
    out = np.zeros((len(i), len(FEATURES)))
    out[:, 0] = text_sim
    out[:, 1] = np.divide(text_sim, best_i, out=np.zeros(len(i)), where=best_i > 0)
    out[:, 2] = np.divide(text_sim, best_j, out=np.zeros(len(i)), where=best_j > 0)
    presence = ev.phrases.copy()
    presence.data[:] = 1.0
    weight = np.asarray(ev.phrases.sum(axis=1)).ravel()
    # Shared weight: presence of i times weights of j.
    shared_w = _pair_dots_mixed(presence, ev.phrases, i, j)
    denom = np.minimum(weight[i], weight[j])
    out[:, 3] = np.divide(shared_w, denom, out=np.zeros(len(i)), where=denom > 0)
    out[:, 4] = _pair_dots(presence, i, j)
    out[:, 5] = np.einsum("ij,ij->i", ev.themes[i], ev.themes[j]) if len(i) else 0.0
    out[:, 6] = np.einsum("ij,ij->i", ev.sections[i], ev.sections[j]) if len(i) else 0.0
    out[:, 7] = _pair_dots(ev.units, i, j)
    out[:, 8] = _pair_dots(ev.instruments, i, j)
    key = np.zeros(len(i), np.int64) if slot is None else np.asarray(slot)
    for c, f in ((9, 3), (10, 5)):
        if slot is None:
            out[:, c] = 1.0
            continue
        top = _group_max(key, out[:, f]) if len(i) else np.empty(0)
        out[:, c] = np.divide(out[:, f], top, out=np.zeros(len(i)), where=top > 0)
    lv = np.zeros(len(i)) if level is None else np.asarray(level, np.float64)
    out[:, 11] = np.minimum(np.divide(out[:, 0], lv, out=out[:, 0].copy(), where=lv > 0), 3.0)
    return out


def _pair_dots_mixed(a: sp.csr_matrix, b: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``a[i[k]] . b[j[k]]`` for two matrices of one shape (stacked, so one kernel serves)."""
    m = sp.vstack([a, b]).tocsr()
    return _pair_dots(m, i, j + a.shape[0])


def design(x: np.ndarray) -> np.ndarray:
    """The model's inputs from the evidence: counts as ``log1p`` (a third shared phrase says less than
    the first), and the text similarity only relative to the plan's level (``text_level``; the raw
    ``text_sim`` is kept for the analyst, its coefficient is 0): plans differ in how much they reword."""
    z = np.array(x, dtype=np.float64, copy=True)
    for c in ("shared_phrases", "shared_units", "shared_instruments"):
        k = FEATURES.index(c)
        z[:, k] = np.log1p(z[:, k])
    z[:, FEATURES.index("text_sim")] = 0.0
    return z


@dataclass(frozen=True)
class Model:
    """A logistic regression over :func:`design` of the evidence: ``score = 1 / (1 + exp(-(x·w + b)))``."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # the least score a pair needs to be linked
    margin: float  # an earlier task keeps the pairs within this of its best score (per layer)
    trained_on: str = ""
    margin_later: float = 1.0  # ... and a later task those within this of its best (1: any number merge)

    def score(self, evidence: np.ndarray) -> np.ndarray:
        if evidence.shape[1] != len(self.features):
            raise ValueError(f"evidence has {evidence.shape[1]} columns; the model reads {len(self.features)}")
        z = design(evidence) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict:
        return {"features": list(self.features), "coef": [round(c, 6) for c in self.coef],
                "intercept": round(self.intercept, 6), "threshold": self.threshold, "margin": self.margin,
                "margin_later": self.margin_later, "trained_on": self.trained_on}


def _model_path() -> Path:
    return Path(str(resources.files("mandategraph.data").joinpath("continuity_model.json")))


@lru_cache(maxsize=4)
def load_model(relation: str = "CONTINUES", path: str | None = None) -> Model | None:
    """The shipped model of ``relation`` (``data/continuity_model.json``), None if there is none."""
    p = Path(path) if path else _model_path()
    if not p.exists():
        return None
    d = json.loads(p.read_text(encoding="utf-8")).get(relation)
    if not d:
        return None
    if tuple(d["features"]) != FEATURES:
        raise ValueError(f"{p}: the {relation} model reads {d['features']}, the evidence is {list(FEATURES)}")
    return Model(tuple(d["features"]), tuple(d["coef"]), float(d["intercept"]), float(d["threshold"]),
                 float(d["margin"]), d.get("trained_on", ""), float(d.get("margin_later", 1.0)))


def evidence_text(row: np.ndarray, phrases: Sequence[str] = ()) -> str:
    """The evidence of one pair as a short string an analyst can read.

    >>> evidence_text(np.array([0.21, 1.0, 0.8, 0.5, 2, 0.9, 0.7, 1, 0, 1, 1, 1.05]), ["政务新媒体", "政府网站"])
    'text 0.21 (best of earlier); phrases 政务新媒体、政府网站; themes 0.90; section 0.70; units 1'
    """
    parts = [f"text {row[0]:.2f}" + (" (best of earlier)" if row[1] >= 0.999 else "")]
    if row[4]:
        parts.append("phrases " + ("、".join(phrases) if phrases else f"{int(row[4])}"))
    if row[5]:
        parts.append(f"themes {row[5]:.2f}")
    if row[6]:
        parts.append(f"section {row[6]:.2f}")
    if row[7]:
        parts.append(f"units {int(row[7])}")
    if row[8]:
        parts.append(f"instruments {int(row[8])}")
    return "; ".join(parts)


def shared_phrase_names(ev: TaskEvidence, a: int, b: int) -> list[str]:
    """The key phrases tasks ``a`` and ``b`` (rows of ``ev``) both name."""
    ra = set(ev.phrases.indices[ev.phrases.indptr[a]:ev.phrases.indptr[a + 1]].tolist())
    rb = ev.phrases.indices[ev.phrases.indptr[b]:ev.phrases.indptr[b + 1]].tolist()
    return [ev.phrase_names[c] for c in rb if c in ra]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


class PairEvidence(NamedTuple):
    """The evidence a CONTINUES edge keeps (see the module docstring)."""

    text_sim: float
    phrase_sim: float
    theme_sim: float
    section_sim: float
    shared_units: int
    shared_instruments: int
    evidence: str  # all of it, and the shared phrases, as a short string


def scored_pairs(ev: TaskEvidence, i: np.ndarray, j: np.ndarray, s: np.ndarray, best_i: np.ndarray,
                 best_j: np.ndarray, slot: np.ndarray, model: Model, level: np.ndarray | None = None,
                 relative: float = 0.0, n: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score candidate pairs and link them by CONTINUES' rule; returns ``(kept positions, scores,
    evidence rows)``.

    The rule, in three steps over the candidates (``slot``: the earlier task and the later plan's
    layer, numbered ``layer block * n + earlier task``):

    1. the text proposes: pairs within ``relative`` of the best text similarity of either task,
       each task's best counterpart on the other side (matching ``best``: an earlier task's best
       in each layer, and a later task's best, so a later item may merge several earlier ones);
    2. the evidence decides: a proposed pair is linked only if the model scores it at least
       ``model.threshold`` (a dropped task's best match that shares only stock words goes);
    3. one earlier task does not continue into several unrelated later tasks: in each layer it
       keeps only the linked pairs within ``model.margin`` of its best score (the work split in
       two). The prose item and the annex row restating one work (DETAILS) are in different
       layers, so both are kept.
    """
    if len(i) == 0:
        return np.empty(0, np.int64), np.empty(0), np.empty((0, len(FEATURES)))
    x = pair_evidence(ev, i, j, s, best_i, best_j, slot, level)
    p = model.score(x)
    return link_rule(p, i, j, s, best_i, best_j, slot, model, relative, n), p, x


def link_rule(p: np.ndarray, i: np.ndarray, j: np.ndarray, s: np.ndarray, best_i: np.ndarray,
              best_j: np.ndarray, slot: np.ndarray, model: Model, relative: float = 0.0, n: int = 0) -> np.ndarray:
    """The positions :func:`scored_pairs`' rule links, given the model's scores ``p``."""
    from .continuity import match

    ok = np.ones(len(i), bool)
    if relative:
        ok &= s >= relative * np.maximum(best_i, best_j)
    cand = np.flatnonzero(ok)
    block = slot // n if n else np.zeros(len(i), np.int64)
    proposed = cand[match(i[cand], j[cand], s[cand], right_group=block[cand], matching="best")]
    linked = proposed[p[proposed] >= model.threshold]
    top = _group_max(slot[linked], p[linked]) if len(linked) else np.empty(0)
    keep = linked[p[linked] >= top - model.margin]
    if model.margin_later < 1.0 and len(keep):
        keep = keep[p[keep] >= _group_max(j[keep], p[keep]) - model.margin_later]
    return np.sort(keep)


def _group_max(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per entry, the largest ``value`` among the entries of its ``key``."""
    _, inv = np.unique(key, return_inverse=True)
    best = np.full(inv.max() + 1 if len(inv) else 0, -np.inf)
    np.maximum.at(best, inv, value)
    return best[inv]


def evidence_of(ev: TaskEvidence, a: int, b: int, row: np.ndarray) -> PairEvidence:
    """The :class:`PairEvidence` of the pair of rows ``a``, ``b`` of ``ev`` with evidence ``row``."""
    return PairEvidence(round(float(row[0]), 4), round(float(row[3]), 4), round(float(row[5]), 4),
                        round(float(row[6]), 4), int(row[7]), int(row[8]),
                        evidence_text(row, shared_phrase_names(ev, a, b)))
