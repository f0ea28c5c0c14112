"""Vocabulary of the RDF export: our closed namespace ``MG`` and IRI minting.

The project's own terms live in ``MG`` (published as ``data/ontology.ttl``);
everything else comes from rdflib's vocabularies (ORG, PROV, DCAT, SKOS,
TIME, DCTERMS, FOAF). ``MG`` is a closed :class:`~rdflib.namespace.DefinedNamespace`,
so a misspelt term raises instead of minting a bad IRI (STYLE.md, R5); a test
checks that it and ``data/ontology.ttl`` declare the same terms.

Instance IRIs are minted from graph node ids under a configurable base:

>>> iris = Iris("https://example.org/mg/")
>>> iris.node("J:330300", "Jurisdiction")
'https://example.org/mg/jurisdiction/330300'
>>> iris.node("U:330300:市大数据局", "Unit")
'https://example.org/mg/unit/330300/%E5%B8%82%E5%A4%A7%E6%95%B0%E6%8D%AE%E5%B1%80'
>>> iris.node("T:4402207bc84545ee:0026", "Task")
'https://example.org/mg/task/4402207bc84545ee/0026'
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

from ..errors import MandateGraphError

__all__ = ["MG", "MG_NS", "SPDX", "DCATAP", "ADMS", "VCARD", "LOCN", "DEFAULT_BASE", "Iris", "check_iri",
           "LABEL_SEGMENTS"]

MG_NS = "https://w3id.org/mandategraph/ontology#"
# Instance data lives under the base; the default matches data/themes.ttl,
# whose concept IRIs are https://w3id.org/mandategraph/theme/<key>.
DEFAULT_BASE = "https://w3id.org/mandategraph/"


class MG(DefinedNamespace):
    """The mandategraph ontology (data/ontology.ttl)."""

    _fail = True
    _NS = Namespace(MG_NS)

    # classes
    Jurisdiction: URIRef  # an administrative division and its government (org:Organization)
    Document: URIRef  # a work plan as read from a file
    Unit: URIRef  # a government unit or group of units (org:OrganizationalUnit)
    Task: URIRef  # a task of a work plan
    Theme: URIRef  # a concept of the theme scheme
    Instrument: URIRef  # a cited law or policy
    Mandate: URIRef  # a qualified LEADS / ASSISTS relation
    ThemeAssignment: URIRef  # a qualified IN_THEME relation
    TaskLink: URIRef  # a qualified CONTINUES / SIMILAR_TO / DETAILS relation
    gbt2260: URIRef  # datatype of GB/T 2260 division codes

    # role concepts
    lead: URIRef
    assist: URIRef

    # direct links (one per edge type that has no standard property)
    leads: URIRef
    assists: URIRef
    continues: URIRef
    similarTo: URIRef
    details: URIRef

    # qualified relations
    unit: URIRef
    task: URIRef
    role: URIRef
    theme: URIRef
    linkFrom: URIRef
    linkTo: URIRef
    linkType: URIRef
    raw: URIRef
    roleWord: URIRef
    evidence: URIRef
    impliesOthers: URIRef
    score: URIRef
    textSimilarity: URIRef  # a CONTINUES link's text similarity (its score is the pair model's)
    linkEvidence: URIRef  # a CONTINUES link's evidence, as a short text
    trigger: URIRef

    # provenance
    spanStart: URIRef
    spanEnd: URIRef

    # node properties
    jurisdiction: URIRef
    jurisdictionName: URIRef
    level: URIRef
    parentCode: URIRef
    docNumber: URIRef
    issuer: URIRef
    year: URIRef
    sourceFile: URIRef
    sha256: URIRef
    encoding: URIRef
    fileFormat: URIRef
    alias: URIRef
    nameByYear: URIRef
    kind: URIRef
    isGroup: URIRef
    text: URIRef
    sourceKind: URIRef
    sectionPath: URIRef
    marker: URIRef
    deadlineText: URIRef
    deadline: URIRef
    ongoing: URIRef
    status: URIRef
    chainBefore: URIRef  # derived from CONTINUES (graph/derived.py)
    chainAfter: URIRef
    chainEnd: URIRef
    similarJurisdictions: URIRef  # derived from SIMILAR_TO
    schemeName: URIRef


class SPDX(DefinedNamespace):
    """The SPDX terms DCAT-AP uses for checksums."""

    _fail = True
    _NS = Namespace("http://spdx.org/rdf/terms#")

    Checksum: URIRef
    checksum: URIRef
    algorithm: URIRef
    checksumValue: URIRef
    checksumAlgorithm_sha256: URIRef


class DCATAP(DefinedNamespace):
    """DCAT-AP's own terms."""

    _fail = True
    _NS = Namespace("http://data.europa.eu/r5r/")

    availability: URIRef


class ADMS(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://www.w3.org/ns/adms#")

    status: URIRef


class VCARD(DefinedNamespace):
    """The vCard terms of a DCAT contact point."""

    _fail = True
    _NS = Namespace("http://www.w3.org/2006/vcard/ns#")

    Kind: URIRef
    Organization: URIRef
    fn: URIRef
    hasEmail: URIRef


class LOCN(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://www.w3.org/ns/locn#")

    geometry: URIRef


# Path segment of each node label's IRIs, and the id prefix stripped from it.
LABEL_SEGMENTS: dict[str, tuple[str, str]] = {
    "Jurisdiction": ("jurisdiction", "J:"),
    "Document": ("document", "D:"),
    "Unit": ("unit", "U:"),
    "Task": ("task", "T:"),
    "Theme": ("theme", "Th:"),
    "Instrument": ("instrument", "I:"),
}

# Characters RDF forbids in an IRI reference (N-Triples IRIREF) besides controls.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_iri(iri: str, what: str = "IRI") -> str:
    """``iri`` if it is an absolute IRI that N-Triples can carry, else a clear error.

    >>> check_iri("https://example.org/mg/")
    'https://example.org/mg/'
    >>> check_iri("example.org/mg")
    Traceback (most recent call last):
    ...
    mandategraph.errors.MandateGraphError: IRI 'example.org/mg' is not absolute (expected e.g. https://example.org/…)
    """
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri or ""):
        raise MandateGraphError(f"{what} {iri!r} is not absolute (expected e.g. https://example.org/…)")
    bad = _BAD_IRI.search(iri)
    if bad:
        raise MandateGraphError(f"{what} {iri!r} contains {bad.group()!r}, which an IRI cannot hold")
    return iri


def _seg(s: str) -> str:
    # Everything but RFC 3986 unreserved characters is percent-encoded, so any
    # node id (Chinese names, brackets, slashes) makes a safe, unique segment.
    return quote(s, safe="")


class Iris:
    """Mints the export's IRIs under one base.

    An id's ``:``-separated parts become path segments and each part is
    percent-encoded, so the mapping is one-to-one: ``U:330300:a/b`` gives
    ``unit/330300/a%2Fb`` and ``U:330300:a:b`` gives ``unit/330300/a/b``.
    """

    def __init__(self, base: str = DEFAULT_BASE):
        check_iri(base, "base IRI")
        if not base.endswith(("/", "#")):
            base += "/"
        self.base = base

    def node(self, node_id: str, label: str) -> str:
        segment, prefix = LABEL_SEGMENTS[label]
        rest = node_id[len(prefix):] if node_id.startswith(prefix) else node_id
        return f"{self.base}{segment}/" + "/".join(_seg(p) for p in rest.split(":"))

    def _tail(self, iri: str) -> str:
        # The path after the label segment: task/<a>/<b> -> <a>/<b>.
        return iri[len(self.base):].split("/", 1)[1]

    def mandate(self, unit_iri: str, task_iri: str, role: str) -> str:
        """``mandate/<task>/<role>/<12 hex digits of the unit>``.

        The unit is hashed, not spelt out: its percent-encoded Chinese name
        would make each of a mandate's ten N-Triples lines ~100 bytes longer
        (1.8 GB at national scale); mg:unit names it.
        """
        digest = hashlib.sha1(self._tail(unit_iri).encode("utf-8")).hexdigest()[:12]
        return f"{self.base}mandate/{self._tail(task_iri)}/{role}/{digest}"

    def theme_assignment(self, task_iri: str, theme_iri: str) -> str:
        return f"{self.base}theme-assignment/{self._tail(task_iri)}/{self._tail(theme_iri)}"

    def task_link(self, kind: str, from_iri: str, to_iri: str) -> str:
        return f"{self.base}link/{kind}/{self._tail(from_iri)}/{self._tail(to_iri)}"

    @property
    def theme_scheme(self) -> str:
        return f"{self.base}theme/scheme"

    def place(self, code: str) -> str:
        """The dct:Location of a division (for the catalog record's spatial coverage)."""
        return f"{self.base}place/{_seg(code)}"

    def catalog(self, part: str = "") -> str:
        return f"{self.base}catalog" + (f"/{part}" if part else "")
