"""SHACL validation with pyshacl, its results as plain lines naming each resource by its graph id.

The pieces :mod:`mandategraph.graph.validate` (an export folder) and
:mod:`mandategraph.graph.validate_batched` (the same report, batch by batch)
both use: reading RDF files, running pyshacl, and turning its results into
:class:`Issue` lines.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from ..errors import ReadError
from .rdf_export import PREFIXES

__all__ = ["Issue", "ValidationReport", "load_rdf", "run_pyshacl", "raw_results", "issue_of", "validate_graph"]


_CURIES = {**PREFIXES, "dcat": "http://www.w3.org/ns/dcat#", "spdx": "http://spdx.org/rdf/terms#",
           "vcard": "http://www.w3.org/2006/vcard/ns#", "sh": str(SH._NS),
           "time": "http://www.w3.org/2006/time#", "dcatap": "http://data.europa.eu/r5r/",
           "adms": "http://www.w3.org/ns/adms#"}


@dataclass(frozen=True, order=True)
class Issue:
    """One SHACL result, in words."""

    severity: str  # Violation, Warning, Info
    focus: str  # "Task T:…" or the IRI
    path: str  # CURIE of the property path, "" for a node-level result
    message: str
    value: str = ""

    def line(self) -> str:
        where = f"{self.path}: " if self.path else ""
        value = f" (value: {self.value})" if self.value and self.value not in self.message else ""
        return f"{self.severity:<9}  {self.focus}  {where}{self.message}{value}"


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: conforming means no Violation (warnings are allowed)."""

    issues: list[Issue] = field(default_factory=list)
    triples: int = 0
    shapes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "Violation"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def lines(self) -> list[str]:
        return [i.line() for i in sorted(self.issues, key=lambda i: (i.severity != "Violation", i))]

    def summary(self) -> str:
        verdict = "conforms" if self.conforms else "does not conform"
        return (f"{verdict}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s) "
                f"on {self.triples} triples ({', '.join(self.shapes)})")


def _curie(term) -> str:
    s = str(term)
    for prefix, ns in _CURIES.items():
        if s.startswith(ns) and "/" not in s[len(ns):]:
            return f"{prefix}:{s[len(ns):]}"
    return f"<{s}>"


def _path(g: Graph, node) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return _curie(node)
    inverse = g.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + _curie(inverse)
    return str(node)


def _focus(data: Graph, node) -> str:
    """'Task T:…' from the node's type and dcterms:identifier; a qualified
    relation by the ids it joins ('Mandate U:… -> T:…'); else its IRI."""
    from .rdf_vocab import MG

    kinds = [_curie(t) for t in data.objects(node, RDF.type)]
    mg = [k[3:] for k in kinds if k.startswith("mg:")]
    kind = mg[0] if mg else (kinds[0] if kinds else "")
    ident = data.value(node, DCTERMS.identifier)
    if ident is not None and mg:
        return f"{kind} {ident}"
    ends = {"Mandate": (MG.unit, MG.task), "ThemeAssignment": (MG.task, MG.theme),
            "TaskLink": (MG.linkFrom, MG.linkTo)}.get(kind)
    if ends:
        ids = [data.value(data.value(node, p), DCTERMS.identifier) for p in ends]
        if all(i is not None for i in ids):
            return f"{kind} {ids[0]} -> {ids[1]}"
    if kind:
        return f"{kind} <{node}>"
    return _curie(node)


def load_rdf(paths: Sequence[str | Path]) -> Graph:
    """One rdflib graph from files (format from the suffix)."""
    g = Graph()
    for p in paths:
        p = Path(p)
        fmt = {".nt": "nt", ".ttl": "turtle", ".jsonld": "json-ld", ".nq": "nquads"}.get(p.suffix, "turtle")
        try:
            if fmt == "nquads":  # the triples of every named graph, as one graph
                from rdflib import Dataset

                ds = Dataset()
                ds.parse(p, format=fmt)
                for s, pr, o, _g in ds.quads():
                    g.add((s, pr, o))
                continue
            g.parse(p, format=fmt)
        except FileNotFoundError:
            raise ReadError(str(p), "no such file") from None
        except Exception as exc:  # rdflib raises many kinds; the message says where
            raise ReadError(str(p), f"not valid RDF ({fmt}): {exc}") from None
    return g


def raw_results(results: Graph) -> list[tuple]:
    """pyshacl's results graph as (severity, focus, path, message, value, from a SPARQL constraint) tuples."""
    raw = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        severity = _curie(results.value(r, SH.resultSeverity)).removeprefix("sh:")
        focus = results.value(r, SH.focusNode)
        messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
        raw.append((severity, focus, _path(results, results.value(r, SH.resultPath)),
                    messages[0] if messages else "", results.value(r, SH.value),
                    results.value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent))
    return raw


def issue_of(raw: tuple, data: Graph) -> Issue:
    """One :class:`Issue` from a raw result, its resources named from ``data``."""
    severity, focus, path, message, value, _sparql = raw
    if value == focus:  # node-level results repeat the focus node as the value
        value = None
    if value is not None and str(value) in message:  # a SPARQL constraint naming a resource
        message = message.replace(str(value), _focus(data, value))
        value = None
    return Issue(severity, _focus(data, focus), path, message, "" if value is None else str(value))


def run_pyshacl(data: Graph, shapes: Graph, shape_names: Sequence[str] = (), focus: frozenset | None = None) -> Graph:
    """pyshacl's results graph; with ``focus``, only those IRIs (and every literal or blank node) are targets,
    and ``data``, a batch thrown away after, is not copied first.

    The targets of each shape are cut down, not the nodes it reaches: a value
    checked against another shape (sh:node, sh:or …) is checked wherever it is.
    (pyshacl's own ``focus_nodes`` option would skip those too.)
    """
    import pyshacl
    from pyshacl.shape import Shape

    original = Shape.focus_nodes
    if focus is not None:
        def focus_nodes(self, data_graph, debug=False):
            return {n for n in original(self, data_graph, debug) if n in focus or not isinstance(n, URIRef)}

        Shape.focus_nodes = focus_nodes
    try:
        _conforms, results, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
                                                   advanced=True, meta_shacl=False, inplace=focus is not None)
    finally:
        Shape.focus_nodes = original
    if not isinstance(results, Graph):  # pyshacl reports a broken shapes file this way
        raise ReadError(", ".join(shape_names) or "shapes", f"the shapes cannot be run: {text}")
    return results


def validate_graph(data: Graph, shapes: Graph, shape_names: Sequence[str] = ()) -> ValidationReport:
    """Run ``shapes`` on ``data`` and turn pyshacl's results into :class:`Issue` lines."""
    issues = [issue_of(r, data) for r in raw_results(run_pyshacl(data, shapes, shape_names))]
    return ValidationReport(sorted(set(issues)), len(data), list(shape_names))
