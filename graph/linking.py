"""Themes and continuity over the tasks of a graph: IN_THEME, CONTINUES, SIMILAR_TO, DETAILS.

The similarity and matching live in :mod:`mandategraph.graph.continuity`, the
theme scheme in :mod:`mandategraph.graph.themes`; this module gathers the
graph's tasks for them and hands their answers back as :class:`Links`: one
frame per edge type, in the columns of the edge tables. ``build`` writes those
frames to the tables as they are, so the ~8M link edges of a national build
never become networkx edges (a dict each: ~13 GB); :func:`add_links` puts
them into a graph for those who want one (``build_graph``, ``add``).
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from .collector import collector_paused
from .continuity import NGRAM_BITS, Link, TaskRef, nfkc_texts, similar_positions, status_by_task, task_status
from .continuity_batch import link_continues_all, link_details_all
from .heap import return_free_memory
from .schema import edge_spec
from .themes import load_scheme
from .worker import Worker

__all__ = ["LINK_TYPES", "Links", "link_tables", "add_links", "add_themes", "add_continuity", "task_refs",
           "mandate_units"]

LINK_TYPES = ("IN_THEME", "DETAILS", "CONTINUES", "SIMILAR_TO")
# Below this many tasks a second process costs more (~2 s to start and import) than it saves.
PARALLEL_FROM = 50_000


@dataclass
class Links:
    """What linking found: an edge frame per type (``source``, ``target``, then the
    type's properties in schema order) and each task's status."""

    edges: dict[str, pd.DataFrame] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    # The n-gram document frequencies of all tasks SIMILAR_TO's IDF was fitted on (None when it
    # did not fit one): what ``add_index.npz`` keeps, not counted a second time.
    similar_frequencies: np.ndarray | None = None


@dataclass(frozen=True)
class _Tasks:
    """The graph's tasks, columns in id order: what the linkers and the provenance need."""

    ids: list[str]
    texts: list[str]
    years: list[int]
    jurisdictions: list[str]
    sources: list[str]
    documents: list[str]
    span_starts: list[int]
    span_ends: list[int]
    sections: list[str] = field(default_factory=list)  # document|source|head of path ("" for none)
    units: list[tuple[str, ...]] = field(default_factory=list)  # lead and assist unit ids (CONTINUES' evidence)

    @classmethod
    def of(cls, g: nx.MultiDiGraph, units: Mapping[str, Sequence[str]] | None = None) -> "_Tasks":
        rows = sorted((n, d) for n, d in g.nodes(data=True) if d.get("label") == "Task")
        units = units or {}
        return cls([n for n, _ in rows], [d["text"] for _, d in rows], [d["year"] for _, d in rows],
                   [d["jurisdiction"] for _, d in rows], [d["source"] for _, d in rows],
                   [d["document"] for _, d in rows], [d["span_start"] for _, d in rows],
                   [d["span_end"] for _, d in rows],
                   [_section(d) for _, d in rows], [tuple(units.get(n, ())) for n, _ in rows])

    def refs(self, texts: list[str] | None = None) -> list[TaskRef]:
        """The tasks as the linkers see them; ``texts`` in place of the tasks' own (their NFKC)."""
        n = len(self.ids)
        sections = self.sections or [""] * n
        units = self.units or [()] * n
        return [TaskRef(*row) for row in zip(self.ids, self.texts if texts is None else texts, [y or None for y in self.years],
                                             self.jurisdictions, self.sources, units, sections)]


def _section(d: dict) -> str:
    """The section key of a Task node's attributes: its document, source and head of path."""
    path = d.get("path")
    path = list(path) if path is not None else []
    return f"{d.get('document', '')}|{d.get('source', '')}|{path[0]}" if path else ""


def mandate_units(g: nx.MultiDiGraph | None = None, frames: Mapping[str, pd.DataFrame] | None = None
                  ) -> dict[str, tuple[str, ...]]:
    """Each task's lead and assist unit ids, from ``g``'s LEADS and ASSISTS edges or from their edge
    ``frames`` (the build's :class:`~.edge_columns.EdgeColumns` frames): CONTINUES' unit evidence
    (``link_tables(g, options, units=...)``). Group units (is_group) are left out where ``g`` knows them."""
    out: dict[str, list[str]] = defaultdict(list)
    if frames is not None:
        for type_ in ("LEADS", "ASSISTS"):
            df = frames.get(type_)
            if df is not None:
                for u, t in zip(df["source"], df["target"]):
                    out[t].append(u)
    if g is not None:
        for u, t, k in g.edges(keys=True):
            if k in ("LEADS", "ASSISTS") and not g.nodes[u].get("is_group"):
                out[t].append(u)
    return {t: tuple(dict.fromkeys(us)) for t, us in out.items()}


def task_refs(g: nx.MultiDiGraph) -> list[TaskRef]:
    """The graph's tasks as the linkers see them, in id order."""
    return _Tasks.of(g).refs()


def _frame(type_: str, tasks: _Tasks, source_pos: np.ndarray, target: list[str], score: list[float],
           unique: bool = False, **extra: list) -> pd.DataFrame:
    """An edge frame whose provenance is its source task's; one row per (source, target), the last
    kept, as networkx keeps one edge per (source, target, type). ``unique``: the caller's pairs are
    distinct already (the check costs seconds and a gigabyte on the millions of IN_THEME rows)."""
    pos = np.asarray(source_pos, dtype=np.int64)
    cols = {"source": np.asarray(tasks.ids, dtype=object)[pos], "target": np.asarray(target, dtype=object),
            "score": np.asarray(score, dtype=np.float64), **extra,
            "document": np.asarray(tasks.documents, dtype=object)[pos],
            "span_start": np.asarray(tasks.span_starts, dtype=np.int64)[pos],
            "span_end": np.asarray(tasks.span_ends, dtype=np.int64)[pos]}
    df = pd.DataFrame(cols, columns=["source", "target", *edge_spec(type_).properties])
    return df if unique else df.drop_duplicates(["source", "target"], keep="last", ignore_index=True)


def _link_frame(type_: str, tasks: _Tasks, index: dict[str, int], links: list[Link],
                evidence: dict | None = None) -> pd.DataFrame:
    extra = {}
    if evidence is not None:  # CONTINUES: the text similarity and the evidence of each link
        ev = [evidence[(x.source, x.target)] for x in links]
        extra = {"text_sim": np.asarray([e.text_sim for e in ev], np.float64),
                 "evidence": np.asarray([e.evidence for e in ev], dtype=object)}
    return _frame(type_, tasks, [index[x.source] for x in links], [x.target for x in links],
                  [x.score for x in links], **extra)


def _theme_frame(tasks: _Tasks, scheme, texts: list[str] | None = None) -> pd.DataFrame:
    """IN_THEME: every theme the scheme assigns to a task (score, trigger words); ``texts`` in place
    of the tasks' own (their NFKC: the scheme matches the NFKC of a text)."""
    # A third of the texts recur (plans copied year to year, templates), and half of the distinct
    # ones share their trigger words with another: each set of trigger words is scored once, its
    # hits stored once and shared by the rows of every task that has it (3M rows at national
    # scale), spread over the tasks with NumPy rather than a Python loop over the rows.
    code, distinct = pd.factorize(pd.Series(tasks.texts if texts is None else texts, dtype=object))
    node_ids = {key: theme.node_id for key, theme in scheme.themes.items()}  # the fallback is one (load_scheme)
    by_words: dict[tuple[str, ...], int] = {}  # trigger words -> number of their set of hits
    first, count = [], []  # per set of hits: its first row in the lists below, its length
    target, score, triggers = [], [], []
    hit_set = np.empty(len(distinct), np.int64)
    for k, text in enumerate(distinct):
        words = scheme.triggers_in(text)
        at = by_words.get(words)
        if at is None:
            at = by_words[words] = len(count)
            hits = scheme.hits(words)
            first.append(len(target))
            count.append(len(hits))
            for h in hits:
                target.append(node_ids[h.key])
                score.append(round(float(h.score), 4))
                triggers.append(list(h.triggers))
        hit_set[k] = at
    of_task = hit_set[code]
    per_task = np.asarray(count, np.int64)[of_task]
    rows = np.arange(int(per_task.sum())) - np.repeat(np.cumsum(per_task) - per_task, per_task)
    hit = np.repeat(np.asarray(first, np.int64)[of_task], per_task) + rows
    # A task's themes are distinct, and so its (task, theme) rows.
    return _frame("IN_THEME", tasks, np.repeat(np.arange(len(code)), per_task), np.asarray(target, dtype=object)[hit],
                  np.asarray(score, dtype=np.float64)[hit], unique=True, triggers=_objects(triggers)[hit])


def _objects(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (lists stay elements; ``np.asarray`` would make a 2-d array of them)."""
    out = np.empty(len(values), dtype=object)
    for k, v in enumerate(values):
        out[k] = v
    return out


def _add_theme_nodes(g: nx.MultiDiGraph, scheme) -> None:
    for theme in scheme.themes.values():
        if theme.node_id not in g:
            g.add_node(theme.node_id, label="Theme", pref_label=theme.pref_label, alt_label_en=theme.alt_label_en,
                       definition=theme.definition, scheme="themes", document="", span_start=0, span_end=0)


def _similar_positions(texts: list[str], years: list[int | None], by_j: dict[str, list[int]], options
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """SIMILAR_TO as (source position, target position, score) arrays over ``texts``, and the
    n-gram document frequencies of ``texts`` (None with one jurisdiction: nothing fitted); ``by_j``
    holds each jurisdiction's positions. Plain lists in, arrays out: cheap to send between processes."""
    if len(by_j) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64), None
    frequencies = np.zeros(1 << NGRAM_BITS, np.int64)
    # A task's id is its position, to find it again in the order similar_positions returns.
    with collector_paused():  # as the build's own linking (collector.py), here in the worker's process
        tasks, a, b, score = similar_positions({j: [TaskRef(str(k), texts[k], years[k], j) for k in ks]
                                                for j, ks in by_j.items()},
                                               options.similar_threshold, top_k=options.similar_top_k,
                                               frequencies=frequencies)
    at = np.fromiter((int(t.id) for t in tasks), np.int64, len(tasks))
    return at[a], at[b], np.asarray(score, dtype=np.float64), frequencies


def _continuity(tasks: _Tasks, options, parallel_from: int = PARALLEL_FROM, scheme=None) -> Links:
    """DETAILS within a document, CONTINUES within a jurisdiction across years (and the status
    it implies), SIMILAR_TO across jurisdictions; IN_THEME too when given the theme ``scheme``.

    From ``parallel_from`` tasks on, and with a second core, SIMILAR_TO (the longest part)
    runs in a process of its own while this one links the rest.
    """
    # Every linker and the theme scheme start from the NFKC of the texts (~6 s a pass at national
    # scale): taken once here, the same answers (NFKC is idempotent) for one pass instead of five.
    texts = nfkc_texts(tasks.texts)
    refs = tasks.refs(texts)
    index = {t: k for k, t in enumerate(tasks.ids)}
    by_jy: dict[str, dict[int, list[TaskRef]]] = defaultdict(lambda: defaultdict(list))
    by_doc: dict[str, list[TaskRef]] = defaultdict(list)
    by_j: dict[str, list[int]] = defaultdict(list)
    for k, (t, doc) in enumerate(zip(refs, tasks.documents)):
        by_jy[t.jurisdiction][t.year or 0].append(t)
        by_doc[doc].append(t)
    for jur, years in by_jy.items():  # each jurisdiction's tasks by year, as CONTINUES sees them
        by_j[jur] = [index[t.id] for ts in years.values() for t in ts]
    similar_args = ([r.text for r in refs], [r.year for r in refs], dict(by_j), options)
    similar = None
    if len(refs) >= parallel_from and (os.cpu_count() or 1) > 1:
        similar, similar_args = Worker(_similar_positions, *similar_args), None  # sent: not kept here
    try:
        out = _continues_details(tasks, refs, index, by_jy, by_doc, options)
        del refs, index, by_jy, by_doc, by_j  # for the themes to reuse (national: ~0.4 GB)
        if scheme is not None:  # while SIMILAR_TO still runs
            out.edges["IN_THEME"] = _theme_frame(tasks, scheme, texts)
        del texts  # their NFKC (national: ~0.2 GB), not held through the wait
        if similar is not None:
            return_free_memory()  # the wait is when the two processes are at their largest together
        src, dst, score, out.similar_frequencies = (_similar_positions(*similar_args) if similar is None
                                                    else similar.result())
    finally:
        if similar is not None:
            similar.close()
    # similar_positions' pairs are distinct (one per candidate pair of tasks).
    out.edges["SIMILAR_TO"] = _frame("SIMILAR_TO", tasks, src, np.asarray(tasks.ids, dtype=object)[dst], score,
                                     unique=True)
    return out


def _continues_details(tasks: _Tasks, refs: list[TaskRef], index: dict[str, int], by_jy, by_doc, options) -> Links:
    """DETAILS and CONTINUES as frames, and the status CONTINUES implies."""
    out = Links()
    details = link_details_all({doc: ([t for t in ts if t.source == "prose"], [t for t in ts if t.source == "table"])
                                for doc, ts in by_doc.items()}, options.details_threshold)
    out.edges["DETAILS"] = _link_frame("DETAILS", tasks, index, [x for doc in sorted(details) for x in details[doc]])
    evidence: dict = {}
    continues = link_continues_all(by_jy, options.continues_threshold, relative=options.continues_relative,
                                   level=options.continues_level, model=options.continues_model, evidence=evidence)
    statuses = []
    for jur in sorted(continues):
        # Status from CONTINUES alone: spreading it over DETAILS partners was measured
        # to lower its accuracy on the hand-matched seed pairs (0.76 → 0.67 for 2022).
        statuses += task_status(by_jy[jur], continues[jur])
    out.edges["CONTINUES"] = _link_frame("CONTINUES", tasks, index, [x for jur in sorted(continues)
                                                                     for x in continues[jur]], evidence)
    out.status = status_by_task(statuses)
    return out


def link_tables(g: nx.MultiDiGraph, options, scheme=None, parallel_from: int = PARALLEL_FROM,
                units: Mapping[str, Sequence[str]] | None = None) -> Links:
    """Link the tasks of ``g``: IN_THEME, DETAILS, CONTINUES, SIMILAR_TO and status, as frames.

    ``g`` only gains the Theme nodes (reference data the IN_THEME edges point to).
    ``parallel_from``: the number of tasks from which SIMILAR_TO runs in a second process.
    ``units``: each task's lead and assist unit ids (:func:`mandate_units`), CONTINUES' unit
    evidence; without them CONTINUES weighs the other evidence only. They are not read from ``g``
    itself, so that a build whose mandates are edge frames and one whose mandates are edges give
    the same links.
    """
    scheme = scheme or load_scheme()
    _add_theme_nodes(g, scheme)
    tasks = _Tasks.of(g, units)
    out = _continuity(tasks, options, parallel_from, scheme)
    out.edges = {t: out.edges[t] for t in LINK_TYPES}
    return out


def add_links(g: nx.MultiDiGraph, links: Links) -> None:
    """Put linked edges and statuses into ``g`` (the edge's key is its type, as every edge of the graph)."""
    for type_, df in links.edges.items():
        props = [c for c in df.columns if c not in ("source", "target")]
        for row in zip(df["source"], df["target"], *(df[c] for c in props)):
            attrs = {c: _plain(x) for c, x in zip(props, row[2:])}
            g.add_edge(row[0], row[1], key=type_, type=type_, **attrs)
    for task_id, status in links.status.items():
        g.nodes[task_id]["status"] = status


def _plain(x):
    # numpy scalars back to Python values, so graphs built either way compare equal.
    return x.item() if isinstance(x, np.generic) else x


def add_themes(g: nx.MultiDiGraph, scheme=None) -> None:
    """Every concept of the scheme as a Theme node, and IN_THEME from each task (score, trigger words)."""
    scheme = scheme or load_scheme()
    _add_theme_nodes(g, scheme)
    add_links(g, Links({"IN_THEME": _theme_frame(_Tasks.of(g), scheme)}))


def add_continuity(g: nx.MultiDiGraph, options) -> None:
    """CONTINUES within a jurisdiction across years, SIMILAR_TO across jurisdictions,
    DETAILS within a document, and each task's status."""
    add_links(g, _continuity(_Tasks.of(g), options))
