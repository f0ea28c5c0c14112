"""Themes of tasks: the SKOS scheme in ``data/themes.ttl`` and trigger-word assignment (IN_THEME).

Each concept of the scheme lists its trigger words as ``skos:hiddenLabel@zh``.
:func:`assign_themes` finds them in a task's text in one pass of one compiled
regular expression (the triggers arranged as a prefix tree, so the engine
branches on each character instead of trying every word), and scores each
theme by the specificity of the words that hit.

Scoring
-------
A trigger of ``n`` characters weighs ``min(n, 6) / 6``: two-character words
(舆情, 征地) count a third of a six-character phrase (政府信息公开申请), because
longer phrases are rarer and less ambiguous. A trigger listed under ``k``
themes gives each ``1/k`` of its weight. A theme's evidence is the sum over its
distinct triggers of ``weight * (1 + ln(hits))`` -- repeats add, with
diminishing returns -- and its score is its share of the task's evidence, so
the scores of one task add up to 1 and a task about one thing scores 1.0.
A task no trigger matches gets the fallback theme ``general`` with score 1.0
and no triggers; :func:`theme_coverage` counts how often that happens.
"""
from __future__ import annotations

import math
from collections import Counter
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .ids import theme_id

__all__ = [
    "FALLBACK",
    "FALLBACK_THEME",
    "Theme",
    "ThemeHit",
    "ThemeScheme",
    "ThemeCoverage",
    "load_scheme",
    "normalize",
    "assign_themes",
    "theme_coverage",
]

FALLBACK = "general"
FALLBACK_THEME = theme_id(FALLBACK)  # its node: no trigger word matched, so a task it themes is not covered
_MAX_LEN = 6  # triggers longer than this are not more specific than this


class ThemeHit(NamedTuple):
    """One theme of one task: unpacks as ``(key, score, triggers)``."""

    key: str
    score: float
    triggers: tuple[str, ...]  # the words that hit, in order of first appearance


@dataclass(frozen=True)
class Theme:
    """One skos:Concept of the scheme."""

    key: str  # last IRI segment, stable: the graph node id is Th:<key>
    iri: str
    pref_label: str  # @zh
    alt_label_en: str
    definition: str  # @zh
    broader: tuple[str, ...] = ()  # keys of skos:broader concepts
    triggers: tuple[str, ...] = ()  # skos:hiddenLabel @zh, NFKC-normalised

    @property
    def node_id(self) -> str:
        return theme_id(self.key)


def normalize(text: str) -> str:
    """NFKC (full-width punctuation and digits to ASCII) with all whitespace removed.

    >>> normalize("（市、区）１２３４５ 热线")
    '(市、区)12345热线'
    """
    return "".join(unicodedata.normalize("NFKC", text).split())


def trie_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching any of ``words``, longest first at each position.

    >>> trie_regex(["建设项目", "工程建设项目审批", "工程"]).findall("工程建设项目审批和建设项目")
    ['工程建设项目审批', '建设项目']
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word ends here: the rest is optional, tried first because ? is greedy.
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie))


@dataclass
class ThemeScheme:
    """The concept scheme with its compiled trigger matcher."""

    iri: str
    title: str
    themes: dict[str, Theme]  # by key, sorted by IRI
    fallback: str = FALLBACK
    _weights: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        owners: dict[str, list[str]] = {}
        for theme in self.themes.values():
            for t in theme.triggers:
                owners.setdefault(t, []).append(theme.key)
        self._weights = {
            t: tuple((k, min(len(t), _MAX_LEN) / _MAX_LEN / len(keys)) for k in keys)
            for t, keys in owners.items()
        }
        self._pattern = trie_regex(owners) if owners else None

    def assign(self, text: str, min_score: float = 0.0) -> list[ThemeHit]:
        """See :func:`assign_themes`."""
        return self.hits(self.triggers_in(text), min_score)

    def triggers_in(self, text: str) -> tuple[str, ...]:
        """The trigger words found in ``text``, in order, repeats kept (longest first at each place)."""
        return tuple(self._pattern.findall(normalize(text))) if self._pattern is not None else ()

    def hits(self, found: Sequence[str], min_score: float = 0.0) -> list[ThemeHit]:
        """The themes that the trigger words ``found`` in a text give it (:meth:`triggers_in`)."""
        if not found:
            return [ThemeHit(self.fallback, 1.0, ())]
        counts = Counter(found)  # keeps first-appearance order
        evidence: dict[str, float] = {}
        words: dict[str, list[str]] = {}
        for w, n in counts.items():
            for key, weight in self._weights[w]:
                evidence[key] = evidence.get(key, 0.0) + (weight if n == 1 else weight * (1.0 + math.log(n)))
                words.setdefault(key, []).append(w)
        if len(evidence) == 1:  # the common case of a short table row
            key = next(iter(evidence))
            return [ThemeHit(key, 1.0, tuple(words[key]))]
        total = sum(evidence.values())
        hits = sorted(
            (ThemeHit(k, round(v / total, 4), tuple(words[k])) for k, v in evidence.items()),
            key=lambda h: (-h.score, h.key),
        )
        # The best theme stays even under a high min_score: every task has one.
        return hits[:1] + [h for h in hits[1:] if h.score >= min_score]


def _default_path() -> Path:
    return Path(str(resources.files("mandategraph.data").joinpath("themes.ttl")))


@lru_cache(maxsize=8)
def _load(path: str) -> ThemeScheme:
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, RDF, SKOS

    g = Graph()
    g.parse(path, format="turtle")
    schemes = list(g.subjects(RDF.type, SKOS.ConceptScheme))
    if len(schemes) != 1:
        raise ValueError(f"{path}: expected one skos:ConceptScheme, found {len(schemes)}")
    scheme = schemes[0]

    def label(s: URIRef, p: URIRef, lang: str) -> str:
        for o in g.objects(s, p):
            if getattr(o, "language", None) == lang:
                return str(o)
        return ""

    def key(iri: URIRef) -> str:
        return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    themes: dict[str, Theme] = {}
    for c in sorted(g.subjects(SKOS.inScheme, scheme), key=str):
        triggers = sorted({normalize(str(o)) for o in g.objects(c, SKOS.hiddenLabel)
                           if getattr(o, "language", None) == "zh"})
        themes[key(c)] = Theme(
            key=key(c), iri=str(c), pref_label=label(c, SKOS.prefLabel, "zh"),
            alt_label_en=label(c, SKOS.altLabel, "en"), definition=label(c, SKOS.definition, "zh"),
            broader=tuple(sorted(key(b) for b in g.objects(c, SKOS.broader))),
            triggers=tuple(t for t in triggers if t),
        )
    if FALLBACK not in themes:
        raise ValueError(f"{path}: the fallback concept {FALLBACK!r} is missing")
    return ThemeScheme(iri=str(scheme), title=label(scheme, DCTERMS.title, "zh"), themes=themes)


def load_scheme(path: str | Path | None = None) -> ThemeScheme:
    """Read a SKOS scheme (default: the packaged ``data/themes.ttl``), cached per path.

    >>> s = load_scheme()
    >>> s.themes["open_data"].pref_label, s.themes["open_data"].node_id
    ('公共数据开放', 'Th:open_data')
    """
    return _load(str(path or _default_path()))


def assign_themes(text: str, scheme: ThemeScheme | None = None, *, min_score: float = 0.0) -> list[ThemeHit]:
    """The themes of one task text, best first, each with its score and trigger words.

    Parameters
    ----------
    text : str
        The task's text (any width of punctuation; whitespace is ignored).
    scheme : ThemeScheme, optional
        Default: :func:`load_scheme` ().
    min_score : float
        Drop themes scoring below this share, except the best one.

    Returns
    -------
    list of ThemeHit
        Never empty: ``[("general", 1.0, ())]`` when no trigger matches.

    Examples
    --------
    >>> assign_themes("编制全市公共数据开放目录，有序开放公共数据")
    [ThemeHit(key='open_data', score=1.0, triggers=('公共数据', '开放目录'))]
    >>> [h.key for h in assign_themes("统筹做好疫情防控信息发布；推进政府网站集约化")]
    ['website', 'epidemic']
    >>> assign_themes("配合做好有关工作")
    [ThemeHit(key='general', score=1.0, triggers=())]
    """
    return (scheme or load_scheme()).assign(text, min_score=min_score)


@dataclass(frozen=True)
class ThemeCoverage:
    """How many tasks got a real theme, and how often each theme was given."""

    tasks: int
    themed: int  # tasks with at least one theme other than the fallback
    fallback: int  # tasks that got only the fallback
    by_theme: dict[str, int]  # theme key -> number of tasks, most frequent first

    @property
    def share(self) -> float:
        return self.themed / self.tasks if self.tasks else 1.0


def theme_coverage(assignments: Iterable[Sequence[ThemeHit]], fallback: str = FALLBACK) -> ThemeCoverage:
    """Coverage of a batch of :func:`assign_themes` results.

    >>> c = theme_coverage([assign_themes("政府公报"), assign_themes("其他")])
    >>> c.tasks, c.themed, c.fallback, c.by_theme
    (2, 1, 1, {'gazette': 1, 'general': 1})
    """
    tasks = themed = 0
    by: dict[str, int] = {}
    for hits in assignments:
        tasks += 1
        if any(h.key != fallback for h in hits):
            themed += 1
        for h in hits:
            by[h.key] = by.get(h.key, 0) + 1
    ordered = dict(sorted(by.items(), key=lambda kv: (-kv[1], kv[0])))
    return ThemeCoverage(tasks=tasks, themed=themed, fallback=tasks - themed, by_theme=ordered)
