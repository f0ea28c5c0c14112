"""The report of :func:`~mandategraph.graph.shacl.validate_graph` on a whole N-Triples export, in
memory bounded by a batch size: pyshacl on batches of the data."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from ..errors import ReadError
from .rdf_export import PREFIXES
from .shacl import ValidationReport, issue_of, load_rdf, raw_results, run_pyshacl, validate_graph

DEFAULT_BATCH = 200_000  # triples per batch of `validate`: ~0.5 GB for pyshacl

__all__ = ["validate_batched", "more_lines", "DEFAULT_BATCH"]


def more_lines(path: Path, n: int) -> bool:
    """Has the file more than ``n`` lines? (reads only as far as needed)"""
    seen = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            seen += chunk.count(b"\n")
            if seen > n:
                return True
    return False


# ---------------------------------------------------------------- batched validation
#
# pyshacl holds the data graph in rdflib's memory store, ~2 KB a triple: a
# 1,200-plan export (5.1M triples) passed 9.9 GB. `validate_batched` runs the
# same pyshacl, with the same shapes, on batches of the data instead. Every
# resource has a *home* batch; the batch holds, besides the triples of the
# resources at home in it, everything pyshacl reads when it checks them:
#
# - the types (rdf:type) of every resource the batch mentions (sh:class,
#   sh:targetClass), and every rdfs:subClassOf triple of the data;
# - the triples that reach its resources through a path pyshacl walks
#   backwards (sh:inversePath, sh:targetObjectsOf);
# - the triples of the resources its values lead to through a shape-valued
#   constraint (sh:node, sh:qualifiedValueShape, sh:property on a path, a
#   logical constraint on a path), and the whole small catalog record;
# - for SPARQL constraints, a resource is at home with the resources it joins
#   through the predicates the query names (a mandate, its task and the
#   unit's mg:leads to that task).
#
# Resources derived from one document (prov:wasDerivedFrom, dcterms:hasPart)
# are at home in that document's batch; the others by a hash of their IRI.
# A result counts only in the home batch of its focus node (of its value,
# for a SPARQL constraint), so a resource checked elsewhere on partial data
# says nothing. The report is the one pyshacl gives on the whole graph
# (tests/test_validate.py compares them on clean and broken exports). Shapes
# the batching cannot follow (sequence or transitive paths, SPARQL targets)
# run on the whole graph, as before.


_TYPE = "<" + str(RDF.type) + ">"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
_DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
_HASPART = "<" + str(DCTERMS.hasPart) + ">"
_NAMING = tuple(URIRef(f"{PREFIXES['mg']}{n}") for n in ("unit", "task", "theme", "linkFrom", "linkTo"))


@dataclass
class _Needs:
    """What the shapes read beyond a resource's own triples, as N-Triples predicate tokens."""

    backwards: set[str] = field(default_factory=set)  # inverse paths, sh:targetObjectsOf
    deep: set[str] = field(default_factory=set)  # paths whose values are checked against shapes
    joins: set[str] = field(default_factory=set)  # predicates named in SPARQL constraints
    unsupported: list[str] = field(default_factory=list)


def _shape_needs(shapes: Graph) -> _Needs:
    import re

    needs = _Needs()
    tok = lambda t: f"<{t}>"  # noqa: E731
    for _s, path in shapes.subject_objects(SH.path):
        if isinstance(path, URIRef):
            continue
        inv = shapes.value(path, SH.inversePath)
        if isinstance(inv, URIRef) and len(set(shapes.predicate_objects(path))) == 1:
            needs.backwards.add(tok(inv))
        else:
            needs.unsupported.append(f"the path {path.n3()}")
    needs.backwards |= {tok(p) for p in shapes.objects(None, SH.targetObjectsOf)}
    if any(True for _ in shapes.objects(None, SH.target)):
        needs.unsupported.append("sh:target (SPARQL-based targets)")

    def nested(shape, seen) -> bool:  # does checking a value against ``shape`` read the value's triples?
        if shape in seen:
            return False
        seen.add(shape)
        if any(shapes.value(shape, p) is not None for p in (SH.property, SH.sparql, SH.closed, SH.path)):
            return True
        subs = list(shapes.objects(shape, SH.node)) + list(shapes.objects(shape, SH["not"]))
        for p in (SH["or"], SH["and"], SH.xone):
            for lst in shapes.objects(shape, p):
                subs += list(shapes.items(lst))
        return any(nested(x, seen) for x in subs)

    for prop, path in shapes.subject_objects(SH.path):
        if not isinstance(path, URIRef):
            continue
        subs = list(shapes.objects(prop, SH.node)) + list(shapes.objects(prop, SH.qualifiedValueShape)) \
            + list(shapes.objects(prop, SH.property)) + list(shapes.objects(prop, SH["not"]))
        for p in (SH["or"], SH["and"], SH.xone):
            for lst in shapes.objects(prop, p):
                subs += list(shapes.items(lst))
        if any(True for _ in shapes.objects(prop, SH.property)) or any(nested(x, set()) for x in subs):
            needs.deep.add(tok(path))

    prefixes = {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
                for d in shapes.objects(None, SH.declare)}
    for constraint in shapes.objects(None, SH.sparql):
        query = str(shapes.value(constraint, SH.select) or shapes.value(constraint, SH.ask) or "")
        needs.joins |= {f"<{i}>" for i in re.findall(r"<([^<>\s]+)>", query)}
        for pre, local in re.findall(r"(?<![\w?$])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", query):
            if pre in prefixes:
                needs.joins.add(f"<{prefixes[pre]}{local}>")
        if re.search(r"\brdf:type\b|\sa\s", query):
            needs.joins.add(_TYPE)
    return needs


def _split(line: str, quads: bool) -> tuple[str, str, str] | None:
    """(subject, predicate, object) tokens of an N-Triples (or N-Quads) line; None for blanks and comments."""
    parts = line.split(None, 2)
    if len(parts) < 3 or parts[0].startswith("#"):
        return None
    s, p, rest = parts
    rest = rest.rstrip()
    if not rest.endswith("."):
        raise ValueError(line)
    o = rest[:-1].rstrip()
    if quads and not o.endswith('"') and " " in o:  # drop the graph term
        head, last = o.rsplit(None, 1)
        if last.startswith(("<", "_:")) and not head.endswith("^^"):
            o = head
    return s, p, o


class _Uf:
    """Union-find over group (document) numbers."""

    def __init__(self):
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _lines(path: Path, bar=None):
    """Text lines of an N-Triples / N-Quads file, advancing ``bar`` by bytes."""
    with open(path, "rb") as f:
        for raw in f:
            if bar is not None:
                bar.update(len(raw))
            yield raw.decode("utf-8")


def _bar(total: int, desc: str, unit: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", disable=not progress, leave=False,
                file=sys.stderr, dynamic_ncols=True)


_SHAPES: Graph | None = None


def _worker_init(shape_files: list[str]) -> None:
    global _SHAPES
    _SHAPES = load_rdf(shape_files)


def _check_batch(own: str, context: str, names: list[str], focus: list[str] | None) -> tuple[int, list, list]:
    """pyshacl on one batch: (its own triples, raw results, the triples that name their resources)."""
    g = Graph()
    try:
        g.parse(data=own, format="nt")
        n = len(g)
        g.parse(data=context, format="nt")
    except Exception as exc:
        raise ReadError(names[0], f"not valid RDF (nt): {exc}") from None
    raw = raw_results(run_pyshacl(g, _SHAPES, names[1:], None if focus is None else frozenset(map(URIRef, focus))))
    naming = set()
    for r in raw:
        for node in (r[1], r[4]):
            if not isinstance(node, URIRef):
                continue
            naming.update(g.triples((node, RDF.type, None)))
            naming.update(g.triples((node, DCTERMS.identifier, None)))
            for p in _NAMING:
                for end in g.objects(node, p):
                    naming.add((node, p, end))
                    naming.update(g.triples((end, DCTERMS.identifier, None)))
    return n, raw, sorted(naming)


def validate_batched(graph_file: Path, extra_data: Sequence[Path], shape_files: Sequence[Path], *,
                     batch_size: int = DEFAULT_BATCH, jobs: int = 1, progress: bool = False,
                     workdir: str | Path | None = None) -> ValidationReport:
    """Validate ``graph_file`` (N-Triples or N-Quads) and the small ``extra_data`` files batch by batch.

    The same report as :func:`validate_graph` on the whole graph, in memory
    bounded by ``batch_size`` (triples per batch; ~0.6 GB for pyshacl at
    200,000) plus the index of types and documents (~21 bytes a triple of
    the file). ``jobs`` processes run pyshacl, one batch each. The batches are
    written to a temporary folder first (``workdir``, else TMPDIR): as much
    disk as the file, and a little more.
    """
    import shutil
    import tempfile
    import zlib

    shape_files = [Path(p) for p in shape_files]
    names = [p.name for p in shape_files]
    shapes = load_rdf(shape_files)
    needs = _shape_needs(shapes)
    quads = graph_file.suffix == ".nq"
    if needs.unsupported:  # shapes the batches cannot follow: the whole graph, as before
        return validate_graph(load_rdf([graph_file, *extra_data]), shapes, names)
    small = load_rdf(extra_data)  # the catalog record: in every batch
    small_lines = [ln for ln in small.serialize(format="nt").splitlines() if ln.strip()]

    def stream(bar=None):
        for line in _lines(graph_file, bar):
            try:
                t = _split(line, quads)
            except ValueError:
                raise ReadError(str(graph_file), f"not valid RDF ({'nquads' if quads else 'nt'}): "
                                                 f"no final '.' in {line.strip()[:200]!r}") from None
            if t is not None:
                yield t, line if not quads else f"{t[0]} {t[1]} {t[2]} .\n"
        for line in small_lines:
            t = _split(line, False)
            if t is not None:
                yield t, line + "\n"

    size = graph_file.stat().st_size
    # ---- pass 1: the types and the document of every resource
    info: dict[str, int] = {}  # IRI -> typeset number | (group number + 1) << 24
    typesets: list[tuple[str, ...]] = [()]
    typeset_ids: dict[tuple[str, ...], int] = {(): 0}
    groups: dict[str, int] = {}  # document IRI -> group number
    uf = _Uf()
    subclass: list[str] = []
    deep_objects: set[str] = set()
    count = 0

    def group_of_doc(doc: str) -> int:
        g = groups.get(doc)
        if g is None:
            g = groups[doc] = uf.add()
        return g

    def join_group(node: str, g: int) -> None:
        v = info.get(node, 0)
        old = v >> 24
        if old:
            uf.union(old - 1, g)
        else:
            info[node] = (v & 0xFFFFFF) | ((g + 1) << 24)

    with _bar(size, "validate: index", "B", progress) as bar:
        for (s, p, o), line in stream(bar):
            count += 1
            if p == _TYPE:
                v = info.get(s, 0)
                ts = typesets[v & 0xFFFFFF]
                if o not in ts:
                    ts = ts + (o,)
                    tid = typeset_ids.get(ts)
                    if tid is None:
                        tid = typeset_ids[ts] = len(typesets)
                        typesets.append(ts)
                    info[s] = (v & ~0xFFFFFF) | tid
            elif p == _DERIVED and o[0] == "<":
                join_group(s, group_of_doc(o))
            elif p == _HASPART and o[0] == "<":
                join_group(o, group_of_doc(s))
            elif p == _SUBCLASS:
                subclass.append(line)
            if p in needs.deep and o[0] in "<_":
                deep_objects.add(o)
    for doc, g in groups.items():  # a document is at home with what derives from it
        join_group(doc, g)

    def group(node: str) -> int | None:
        v = info.get(node, 0) >> 24
        return uf.find(v - 1) if v else None

    # ---- pass 1b: resources a SPARQL constraint joins share a batch
    if needs.joins - {_TYPE}:
        adopt: dict[str, set[int]] = {}
        pending: list[tuple[str, str]] = []
        with _bar(size, "validate: joins", "B", progress) as bar:
            for (s, p, o), _line in stream(bar):
                if p in needs.joins and o[0] == "<":
                    gs, go = group(s), group(o)
                    if gs is not None and go is not None:
                        uf.union(gs, go)
                    elif gs is not None or go is not None:
                        pending.append((s, o) if gs is None else (o, s))
        for lone, grouped in pending:  # a resource without a document joins its partners' one, if they share it
            adopt.setdefault(lone, set()).add(uf.find(group(grouped)))
        for lone, gs in adopt.items():
            if len(gs) == 1:
                join_group(lone, gs.pop())
        del pending, adopt

    # ---- pass 2: each triple to its subject's batch, and where the shapes read it from
    k = max(1, -(-count // batch_size))
    roots: dict[int, int] = {}

    def home(node: str) -> int:
        v = info.get(node, 0) >> 24
        if v:
            r = uf.find(v - 1)
            b = roots.get(r)
            if b is None:
                b = roots[r] = zlib.crc32(str(r).encode()) % k
            return b
        return zlib.crc32(node.encode()) % k

    tmp = Path(tempfile.mkdtemp(prefix="mg-validate-", dir=workdir))
    try:
        buffers: list[list[str]] = [[] for _ in range(k)]  # appended to the batch files 64 MB at a time
        buffered = 0

        def flush():
            for i, buf in enumerate(buffers):
                if buf:
                    with open(tmp / f"{i}.nt", "a", encoding="utf-8") as f:
                        f.writelines(buf)
                    buf.clear()

        deep_lines: dict[str, list[str]] = {o: [] for o in deep_objects}
        backwards, joins = needs.backwards, needs.joins
        with _bar(size, "validate: batch", "B", progress) as bar:
            for (s, p, o), line in stream(bar):
                b = home(s)
                buffers[b].append("o" + line)
                buffered += len(line)
                if o[0] == "<" and (p in backwards or (p in joins and p != _TYPE and group(o) is not None)):
                    bo = home(o)
                    if bo != b:
                        buffers[bo].append("c" + line)
                        buffered += len(line)
                if s in deep_lines:
                    deep_lines[s].append(line)
                if buffered > 1 << 26:
                    flush()
                    buffered = 0
        flush()
        shared = "".join(subclass) + "".join(ln + "\n" for ln in small_lines)
        constants = [str(n) for n in shapes.objects(None, SH.targetNode) if isinstance(n, URIRef)]

        def batches():
            for i in range(k):
                own, ctx, mentioned = [], [], set()
                if not (tmp / f"{i}.nt").is_file():
                    continue
                with open(tmp / f"{i}.nt", encoding="utf-8") as f:
                    for line in f:
                        (own if line[0] == "o" else ctx).append(line[1:])
                        s, _p, rest = line[1:].split(None, 2)
                        mentioned.add(s)
                        if rest[0] in "<_":
                            mentioned.add(rest.split(None, 1)[0])
                extra = []
                for node in mentioned:
                    v = info.get(node)
                    if v and v & 0xFFFFFF:
                        extra.extend(f"{node} {_TYPE} {c} .\n" for c in typesets[v & 0xFFFFFF])
                    if node in deep_lines:
                        extra.extend(deep_lines[node])
                (tmp / f"{i}.nt").unlink()
                focus = constants + [n[1:-1] for n in mentioned if n[0] == "<" and home(n) == i]
                yield i, "".join(own), "".join(ctx) + "".join(extra) + shared, focus

        triples, kept = 0, []
        naming = Graph()
        work = [str(graph_file), *names]

        def take(i, result):
            nonlocal triples
            n, raw, name_triples = result
            triples += n
            for r in raw:
                key = r[4] if r[5] and isinstance(r[4], URIRef) else r[1]
                if not isinstance(key, URIRef) or home(f"<{key}>") == i:
                    kept.append(r)
            for t in name_triples:
                naming.add(t)

        with _bar(k, "validate: shapes", "batch", progress) as bar:
            if jobs <= 1:
                global _SHAPES
                _SHAPES = shapes
                for i, own, ctx, focus in batches():
                    take(i, _check_batch(own, ctx, work, focus))
                    bar.update(1)
            else:
                import multiprocessing as mp
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                                         initargs=([str(p) for p in shape_files],)) as pool:
                    inflight = {}
                    for i, own, ctx, focus in batches():
                        inflight[i] = pool.submit(_check_batch, own, ctx, work, focus)
                        while len(inflight) > jobs:
                            j = min(inflight)
                            take(j, inflight.pop(j).result())
                            bar.update(1)
                    for j in sorted(inflight):
                        take(j, inflight.pop(j).result())
                        bar.update(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # the ends of a qualified relation (a mandate's unit and task) may live in other batches: their ids
    missing = {f"<{o}>" for _s, p, o in naming if p in _NAMING} - \
        {f"<{s}>" for s in naming.subjects(DCTERMS.identifier, None)}
    if missing:
        for (s, p, o), line in stream():
            if s in missing and p == "<" + str(DCTERMS.identifier) + ">":
                naming.parse(data=line, format="nt")
    for s in {r[1] for r in kept} | {r[4] for r in kept}:  # their types, as the whole graph has them
        if isinstance(s, URIRef):
            v = info.get(f"<{s}>")
            for c in typesets[v & 0xFFFFFF] if v else ():
                naming.add((s, RDF.type, URIRef(c[1:-1])))
    issues = [issue_of(r, naming) for r in kept]
    return ValidationReport(sorted(set(issues)), triples, names)
