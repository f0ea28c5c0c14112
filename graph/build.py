"""Build the graph from extractions, and a build folder from documents.

``build_graph`` is a pure function of its extractions; ``build`` runs the
main job: extract every document (in parallel when there are many), build the
graph, link themes and continuity, and write the build folder.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import MutableMapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import networkx as nx
import pandas as pd

from ..errors import MandateGraphError, ReadError
from ..loaders.extract import extract_file
from ..loaders.inputs import find_documents
from ..loaders.model import Extraction
from .collector import collector_paused
from .continuity import DEFAULTS as CONTINUITY_DEFAULTS
from .derived import add_derived
from .documents import add_document
from .edge_columns import EdgeColumns
from .folder import build_lock, fault_point, mark_complete, prepare_target, swap_in, unmark, writing
from .linking import Links, add_links, link_tables
from .mandates import add_mandates
from .summary import EdgeFacts, Extracted, summarize
from .tables import write_edge_tables, write_tables

__all__ = ["BuildOptions", "BuildResult", "Progress", "BUILD_STAGES", "INPUTS_NAME", "RequiredFailed", "build_core",
           "link_core", "build_graph", "build", "build_documents", "build_documents_locked", "extract_all",
           "extract_items", "find_inputs", "input_record", "inputs_text", "iter_extractions", "write_build",
           "write_extractions", "write_graph", "write_inputs", "write_stores"]


@dataclass(frozen=True)
class BuildOptions:
    """Settings of a build; the thresholds' defaults were measured on the hand-matched seed pairs."""

    continues_threshold: float = CONTINUITY_DEFAULTS.continues_threshold
    similar_threshold: float = CONTINUITY_DEFAULTS.similar_threshold
    details_threshold: float = CONTINUITY_DEFAULTS.details_threshold
    workers: int = 0  # 0: one per core when there are many documents
    ladybug: bool = True
    continues_relative: float = CONTINUITY_DEFAULTS.continues_relative
    continues_level: float = CONTINUITY_DEFAULTS.continues_level
    similar_top_k: int | None = CONTINUITY_DEFAULTS.similar_top_k
    # The pair model (graph/continuity_model.py) scores CONTINUES from more evidence than the
    # text, but measured against text alone it does not pay yet: 温州 2019→2022 F1 0.730 → 0.739,
    # while on a generated corpus of 960 plans recall fell 0.967 → 0.947 (0.925 → 0.913 with
    # real-plan layouts). Off until it beats the text on both (issue 23).
    continues_model: bool = False


@dataclass(frozen=True)
class Progress:
    """A stage event of :func:`build` (and of ``add``): ``done`` of ``total`` units of ``stage``
    (``total`` None when unknown), ``item`` what was just done (a file, a table).

    A stage reports ``done=0`` when it starts and ``done == total`` when it ends; the library
    never prints, the command draws them (``mandategraph build``: one bar per stage on stderr).
    """

    stage: str
    done: int
    total: int | None
    item: str = ""


# The stages of a build, in the order they report (:class:`Progress`); "graph.lbug" only with ladybug.
BUILD_STAGES = ("extract", "graph", "extract.jsonl", "edge tables", "link", "tables", "add index", "graph.lbug")

# The documents a build was made of, with what a rebuild needs to read them again (``add`` rebuilds
# from it when a batch is large: graph/incremental.py).
INPUTS_NAME = "inputs.json"

ProgressFn = Callable[[Progress], None]
NoticeFn = Callable[[str], None]


class RequiredFailed(ReadError):
    """A document a build had to read (``required``: an ``add`` rebuilding from the documents of the
    graph) failed to extract; nothing was replaced. ``failed`` lists (path, error text)."""

    def __init__(self, label: str, failed: list[tuple[str, str]]):
        self.failed = failed
        path, msg = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        super().__init__(label, f"{path}, a document of the build, failed to extract: {msg}{more}; "
                                f"nothing was rebuilt and {label} was left as it was")


def _report(progress: ProgressFn | None, stage: str, done: int, total: int | None, item: str = "") -> None:
    if progress is not None:
        progress(Progress(stage, done, total, item))


@dataclass
class BuildResult:
    """A build: the folder written, the files that failed, and the graph on demand.

    ``build`` lets go of the extractions and the graph as soon as it has
    written them (a national build holds ~10 GB otherwise); :attr:`graph`
    reads the graph back from the folder the first time it is asked for.
    """

    out: Path
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    files: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # files left out, duplicates, what reading changed
    _graph: nx.MultiDiGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.MultiDiGraph:
        if self._graph is None:
            from .tables import load_graph

            self._graph = load_graph(self.out)
        return self._graph


def build_core(extractions: Iterable[Extraction], edges: EdgeColumns | None = None,
               progress: ProgressFn | None = None) -> nx.MultiDiGraph:
    """Jurisdictions, documents, units, tasks, instruments and mandates: the graph before linking.

    With ``edges``, the edges are collected there as columns, and the graph holds the nodes only.
    ``progress`` gets a "graph" :class:`Progress` per document.
    """
    g = nx.MultiDiGraph()
    extractions = sorted(extractions, key=lambda e: (e.meta.jurisdiction.code, e.meta.year or 0, e.meta.source))
    n = len(extractions)
    _report(progress, "graph", 0, n)
    step = max(1, n // 200)
    with collector_paused():
        for k, ex in enumerate(extractions, start=1):
            did, task_ids = add_document(g, ex, edges)
            add_mandates(g, ex, did, task_ids, edges)
            if k % step == 0 or k == n:
                _report(progress, "graph", k, n)
    return g


def link_core(g: nx.MultiDiGraph, options: BuildOptions = BuildOptions()) -> Links:
    """Link the tasks of a core graph and set the derived task properties; the link edges stay frames."""
    with collector_paused():
        links = link_tables(g, options)
        for task_id, status in links.status.items():
            g.nodes[task_id]["status"] = status
        # Not in link_graph: `add` links a partial graph, where whole-graph properties would come out wrong.
        add_derived(g, links)
    return links


def build_graph(extractions: Iterable[Extraction], options: BuildOptions = BuildOptions()) -> nx.MultiDiGraph:
    """One graph from many extractions: nodes, mandates, themes and continuity."""
    g = build_core(extractions)
    add_links(g, link_core(g, options))
    return g


def link_graph(g: nx.MultiDiGraph, options: BuildOptions = BuildOptions()) -> None:
    """Themes and continuity edges over the tasks already in ``g``."""
    add_links(g, link_tables(g, options))


def _extract_one(args) -> tuple[str, Extraction | str]:
    path, kw = args
    try:
        return path, extract_file(path, **kw)
    except MandateGraphError as exc:
        return path, f"{exc}"


def iter_extractions(paths: list[str], workers: int = 0, **kw) -> Iterator[tuple[str, Extraction | str]]:
    """Extract files, in parallel processes when there are many; yields (path, extraction or error text)."""
    return _iter_items([(p, kw) for p in paths], workers)


def _iter_items(items: list[tuple[str, dict]], workers: int = 0) -> Iterator[tuple[str, Extraction | str]]:
    """:func:`iter_extractions` of (path, extract_file keywords) pairs, each file with its own."""
    n = workers or (os.cpu_count() or 1)
    if n <= 1 or len(items) < 8:
        for item in items:
            yield _extract_one(item)
        return
    with ProcessPoolExecutor(max_workers=n) as pool:
        yield from pool.map(_extract_one, items, chunksize=max(1, len(items) // (n * 8)))


def extract_all(paths: list[str], workers: int = 0, progress: Callable[[int, int], None] | None = None, **kw
                ) -> tuple[list[Extraction], list[tuple[str, str]]]:
    """Extract files as :func:`iter_extractions` does, into (extractions, [(path, error text)])."""
    extractions, errors = [], []
    with collector_paused():
        for k, (path, res) in enumerate(iter_extractions(paths, workers, **kw), start=1):
            if isinstance(res, str):
                errors.append((path, res))
            else:
                extractions.append(res)
            if progress:
                progress(k, len(paths))
    return extractions, errors


def extract_items(items: list[tuple[str, dict]], workers: int, progress: ProgressFn | None,
                   notice: NoticeFn | None) -> tuple[list[Extraction], list[tuple[str, str]], list[dict]]:
    """(extractions, [(path, error text)], the records of :data:`INPUTS_NAME`) of ``items``; reading's
    notices (control characters blanked) go to ``notice`` as each file is read."""
    extractions, errors, records = [], [], []
    kws = {str(p): kw for p, kw in items}
    _report(progress, "extract", 0, len(items))
    with collector_paused():
        for k, (path, res) in enumerate(_iter_items(items, workers), start=1):
            if isinstance(res, str):
                errors.append((str(path), res))
            else:
                extractions.append(res)
                for line in res.notices:
                    if notice is not None:
                        notice(f"notice: {line}")
                records.append(input_record(path, res, kws.get(str(path), {})))
            _report(progress, "extract", k, len(items), getattr(path, "source", str(path)))
    return extractions, errors, records


def input_record(path: str | Path, ex: Extraction, kw: dict | None = None) -> dict:
    """The line of :data:`INPUTS_NAME` of a document read from ``path`` with :func:`extract_file` keywords ``kw``."""
    return {"path": os.path.abspath(str(path)), "source": ex.meta.source, "checksum": ex.meta.checksum,
            "options": {k: v for k, v in (kw or {}).items() if v is not None}}


def find_inputs(inputs: Iterable[str | Path], label: str, notice: NoticeFn | None = None) -> list[str]:
    """The documents of ``inputs`` (:func:`mandategraph.loaders.inputs.find_documents`), what it left
    out told to ``notice``; ReadError when there is none."""
    names = [str(p) for p in inputs]
    found = find_documents(names)
    if notice is not None:
        for line in found.notices():
            notice(line)
        if found.files:
            for error in found.errors():  # a folder named with no document, beside others that have some
                notice(f"skipped: {error}")
    error = found.error(names)
    if error is not None:
        raise ReadError(error.path, f"{error.reason}; nothing was built and {label} was left as it was")
    return list(found.files)


def build(inputs: Iterable[str | Path], out: str | Path, options: BuildOptions = BuildOptions(),
          progress: ProgressFn | None = None, notice: NoticeFn | None = None, *, force: bool = False,
          **extract_kw) -> BuildResult:
    """Extract ``inputs``, build the graph and write the build folder ``out``.

    The folder gets ``tables/`` (CSV + Parquet per node label and edge type),
    ``graph.lbug`` (LadybugDB), ``extract.jsonl`` (the extraction contract),
    ``unplaced.jsonl``, ``summary.json``, ``inputs.json`` (the documents
    read: path, name, checksum and extraction options, so that ``add`` can
    rebuild) and, last, ``BUILD_COMPLETE``. Files that fail are reported in
    the result and the summary; the others are built.

    The documents are those :func:`mandategraph.loaders.inputs.find_documents`
    finds; what it leaves out (files skipped with the reason, duplicates by
    content) and what reading changed (control characters blanked) are
    told to ``notice`` (one line each, as they come) and kept in
    :attr:`BuildResult.notices`. ``progress`` gets a :class:`Progress` for
    each step of every stage of :data:`BUILD_STAGES`, in that order.

    All or nothing (:mod:`mandategraph.graph.folder`): the build is written
    in a staging folder beside ``out`` and swapped in complete, replacing
    the previous build whole (with the outputs of other commands in it,
    :data:`~mandategraph.graph.folder.DERIVED`), under a lock that refuses a
    second build or an add into ``out`` at once
    (:class:`~mandategraph.graph.folder.BusyError`). A non-empty ``out``
    that is not a build, or a build holding anything else (a file of the
    user's), raises ReadError naming it and is left as it is, unless
    ``force``. Inputs with no document, or none that could be extracted,
    raise ReadError and replace nothing.
    """
    notices: list[str] = []

    def told(line: str) -> None:
        notices.append(line)
        if notice is not None:
            notice(line)

    names = [str(p) for p in inputs]
    paths = find_inputs(names, str(out), told)
    result = build_documents([(p, dict(extract_kw)) for p in paths], out, options, progress, told, names=names,
                             force=force)
    result.notices = notices
    return result


def build_documents(documents: list[tuple[str, dict]], out: str | Path, options: BuildOptions = BuildOptions(),
                    progress: ProgressFn | None = None, notice: NoticeFn | None = None,
                    names: list[str] | None = None, *, force: bool = False) -> BuildResult:
    """:func:`build` of documents found already: (path, :func:`extract_file` keywords) pairs, each
    document read with its own. Takes the folder's build lock (:func:`build_documents_locked` under it)."""
    with build_lock(out, label=str(out)):
        return build_documents_locked(documents, out, options, progress, notice, names, force=force)


def build_documents_locked(documents: list[tuple[str, dict]], out: str | Path,
                           options: BuildOptions = BuildOptions(), progress: ProgressFn | None = None,
                           notice: NoticeFn | None = None, names: list[str] | None = None, *, force: bool = False,
                           required: Iterable[str] = ()) -> BuildResult:
    """:func:`build_documents` for a caller that holds the folder's build lock (exclusive) already:
    ``add`` rebuilds a folder so (graph/incremental.py), having read what to rebuild under that lock.
    When a document of ``required`` fails to extract, raises :class:`RequiredFailed` before anything
    is replaced."""
    label = str(out)
    out = Path(out)
    names = names if names is not None else [str(p) for p, _ in documents]
    if not documents:
        raise ReadError(", ".join(names), f"no documents found; nothing was built and {label} was left as it was")
    real = Path(os.path.realpath(out))
    for p, _ in documents:
        if Path(os.path.realpath(p)).is_relative_to(real):
            raise ReadError(str(p), f"is inside the build folder {label}, which a build replaces whole; "
                                    "move the documents out of it or pick another --out")
    fault_point("locked")
    stage = prepare_target(out, label, force)
    try:
        with writing(stage):
            summary, files, errors = _build_into(documents, stage, options, progress, notice, names, label,
                                                 {str(p) for p in required})
        swap_in(stage, out, notice)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return BuildResult(out, errors, [out / p.relative_to(stage) for p in files], summary)


def _build_into(documents: list[tuple[str, dict]], out: Path, options: BuildOptions, progress: ProgressFn | None,
                notice: NoticeFn | None, names: list[str], label: str, required: set[str] = frozenset()
                ) -> tuple[dict, list[Path], list[tuple[str, str]]]:
    """The build of ``documents`` written into the (staging) folder ``out``, marker last."""
    extractions, errors, records = extract_items(documents, options.workers, progress, notice)
    fault_point("extract")
    failed = [(p, m) for p, m in errors if p in required]
    if failed:
        raise RequiredFailed(label, failed)
    if not extractions:
        first = f"; {errors[0][1]}" if errors else ""
        raise ReadError(", ".join(names), f"no documents found: none of the {len(documents)} file(s) could be "
                                          f"extracted{first}; nothing was built and {label} was left as it was")
    edges = EdgeColumns()
    g = build_core(extractions, edges, progress)
    _report(progress, "extract.jsonl", 0, 1)
    files = write_extractions(extractions, out)
    files.append(write_inputs(records, out))
    _report(progress, "extract.jsonl", 1, 1)
    fault_point("extractions")
    extracted = Extracted.of(extractions)
    del extractions  # in g and extract.jsonl now
    framed = edges.frames()
    del edges
    written = EdgeFacts.of(framed)
    # Linking leaves these edges alone: their tables are written before it, and their frames
    # are not held through it (national: the parent ~0.37 GB smaller beside the SIMILAR_TO process).
    _report(progress, "edge tables", 0, len(framed))
    files += write_edge_tables(framed, Path(out) / "tables", release=True)
    _report(progress, "edge tables", len(written.counts), len(written.counts))
    fault_point("edge_tables")
    _report(progress, "link", 0, 1)
    links = link_core(g, options)
    _report(progress, "link", 1, 1)
    fault_point("link")
    framed, frequencies = links.edges, links.similar_frequencies
    del links  # its frames are in `framed`, let go as they are written
    _report(progress, "tables", 0, 1)
    files += write_graph(g, extracted, errors, out, framed, release=True, written=written)
    _report(progress, "tables", 1, 1)
    fault_point("tables")
    summary = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    del g, framed  # the stores below read the tables
    files += write_stores(out, options, frequencies, progress)
    return summary, files, errors


def write_inputs(records: list[dict], out: str | Path) -> Path:
    """``inputs.json``: each document read (absolute path, name in the graph, checksum, extraction
    keywords), sorted by name; ``rebuildable`` false when a keyword could not be written as JSON."""
    path = Path(out) / INPUTS_NAME
    path.write_text(inputs_text(records), encoding="utf-8")
    return path


def inputs_text(records: list[dict], rebuildable: bool = True) -> str:
    """The text of ``inputs.json`` for these records (``add`` appends its documents with it)."""
    records = sorted(records, key=lambda r: (r["source"], r["path"]))
    try:
        text = json.dumps({"rebuildable": rebuildable, "documents": records}, ensure_ascii=False, indent=1,
                          sort_keys=True)
    except (TypeError, ValueError):
        records = [{**r, "options": None} for r in records]
        text = json.dumps({"rebuildable": False, "documents": records}, ensure_ascii=False, indent=1,
                          sort_keys=True)
    return text + "\n"


def write_build(g: nx.MultiDiGraph, extractions: list[Extraction], errors, out: str | Path,
                options: BuildOptions = BuildOptions(), links: Links | None = None) -> list[Path]:
    """Write the build folder of ``g`` (and of ``links``, link edges kept as frames) in place, holding
    its build lock (:class:`~mandategraph.graph.folder.BusyError` when a build or an add holds it)."""
    Path(out).resolve().parent.mkdir(parents=True, exist_ok=True)  # the lock file goes beside ``out``
    with build_lock(out, label=str(out)), writing(Path(out)):
        files = write_extractions(extractions, out)
        files += write_graph(g, Extracted.of(extractions), errors, out, links.edges if links is not None else None)
        return files + write_stores(out, options, links.similar_frequencies if links is not None else None)


def write_extractions(extractions: list[Extraction], out: str | Path) -> list[Path]:
    """``extract.jsonl`` (the extraction contract) and ``unplaced.jsonl``, by document."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    unmark(out)  # the first file of a build folder: not complete until write_stores marks it
    ordered = sorted(extractions, key=lambda e: e.meta.source)
    with open(out / "extract.jsonl", "w", encoding="utf-8") as fh:
        for ex in ordered:
            for t in ex.tasks:
                fh.write(json.dumps(t.contract(), ensure_ascii=False) + "\n")
    with open(out / "unplaced.jsonl", "w", encoding="utf-8") as fh:
        for ex in ordered:
            for u in ex.unplaced:
                fh.write(json.dumps({"document": ex.meta.source, "line": u.line, "span": list(u.span),
                                     "text": u.text, "reason": u.reason}, ensure_ascii=False) + "\n")
    return [out / "extract.jsonl", out / "unplaced.jsonl"]


def write_graph(g: nx.MultiDiGraph, extracted: Extracted, errors, out: str | Path,
                framed: MutableMapping[str, pd.DataFrame] | None = None, *, release: bool = False,
                written: EdgeFacts | None = None) -> list[Path]:
    """``tables/`` (CSV + Parquet per node label and edge type) and ``summary.json``; ``framed``
    holds the edges of the types kept as frames rather than in ``g`` (taken out of it as they
    are written with ``release``: see :func:`mandategraph.graph.tables.write_tables`);
    ``written``, the facts of those whose tables :func:`~mandategraph.graph.tables.write_edge_tables`
    wrote already (left as they are)."""
    out = Path(out)
    summary = summarize(g, extracted, errors, framed, written)
    files = write_tables(g, out / "tables", framed, release=release, done=written.counts if written else ())
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")
    return files + [out / "summary.json"]


def write_stores(out: str | Path, options: BuildOptions = BuildOptions(), similar_frequencies=None,
                 progress: ProgressFn | None = None) -> list[Path]:
    """What is made from the tables: ``add_index.npz`` and ``graph.lbug`` (``similar_frequencies``:
    the linking's n-gram document frequencies, :attr:`Links.similar_frequencies`, not counted again);
    then the marker ``BUILD_COMPLETE``, the last file of a build folder."""
    from .incremental import write_add_index

    out = Path(out)
    # What `add` needs to link new documents as this build did (n-gram document frequencies, options).
    _report(progress, "add index", 0, 1)
    files = [write_add_index(out, options, similar_frequencies)]
    _report(progress, "add index", 1, 1)
    fault_point("add_index")
    if options.ladybug:
        from .ladybug_store import write_ladybug

        def loaded(done: int, total: int, table: str) -> None:
            _report(progress, "graph.lbug", done, total, table)

        files.append(Path(write_ladybug(out / "tables", out / "graph.lbug", progress=loaded)))
        fault_point("ladybug")
    files.append(mark_complete(out))
    fault_point("marked")
    return files
