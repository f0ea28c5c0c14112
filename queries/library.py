"""The query library: named analyst questions, each once per query language.

A question ``NAME`` is the file ``queries/NAME.cypher`` (and, beside it,
``NAME.sparql``), read as package data. Its first lines are comments::

    // description: Units ranked by mandate load …
    // params: jurisdiction="", limit=20

``params`` lists every parameter: ``name=default`` (the default's type is the
parameter's type: ``""`` a string, ``20`` an integer), ``name`` (a required
string) or ``name:int`` (a required integer). SPARQL files use ``#`` for the
comment mark. The Cypher keeps to the subset LadybugDB and Neo4j run alike
(no ``type(r)``, map projections, list comprehensions, ``CALL {}`` or
``FOREACH``) and orders by every returned column, so answers are
deterministic and comparable across stores.

>>> [q.name for q in list_queries()][:3]
['co_leads', 'continued_chains', 'deadlines_by_month']
>>> get_query("unit_load").params
{'jurisdiction': Param(name='jurisdiction', type='str', default=''), 'limit': Param(name='limit', type='int', default=20)}
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from ..errors import QueryError, UnknownNameError

__all__ = ["Param", "Query", "list_queries", "get_query", "bind_params", "run_query", "register_store",
           "QuerySession", "default_session", "STORES", "LANGUAGES", "check_int64", "INT64"]

LANGUAGES = {"cypher": ("cypher", "//"), "sparql": ("sparql", "#")}  # language -> (suffix, comment mark)


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "str", "int" or "float"
    default: Any = None  # None: required


@dataclass(frozen=True)
class Query:
    """One named question in one language."""

    name: str
    language: str
    description: str
    params: dict[str, Param]
    text: str = field(repr=False)

    def signature(self) -> str:
        """The parameters as the ``// params:`` line writes them: ``jurisdiction, year:int``."""
        return ", ".join(
            (p.name if p.type == "str" else f"{p.name}:{p.type}") if p.default is None
            else f"{p.name}={json.dumps(p.default, ensure_ascii=False)}" for p in self.params.values())


def _files(language: str) -> dict[str, str]:
    suffix = LANGUAGES[language][0]
    root = resources.files("mandategraph.queries")
    return {Path(p.name).stem: p.read_text(encoding="utf-8")
            for p in root.iterdir() if p.name.endswith("." + suffix)}


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise UnknownNameError("query language", language, list(LANGUAGES))


def list_queries(language: str = "cypher") -> list[Query]:
    """Every query of a language, sorted by name."""
    _check_language(language)
    return [_parse(name, language, text) for name, text in sorted(_files(language).items())]


def get_query(name: str, language: str = "cypher") -> Query:
    """The query called ``name``.

    Raises
    ------
    UnknownNameError
        No such query; the message lists the known names.
    """
    _check_language(language)
    files = _files(language)
    if name not in files:
        raise UnknownNameError(f"{language} query", name, list(files))
    return _parse(name, language, files[name])


def _parse(name: str, language: str, text: str) -> Query:
    mark = LANGUAGES[language][1]
    description, params = "", {}
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith(mark):
            break
        body = s[len(mark):].strip()
        if body.startswith("description:"):
            description = body.split(":", 1)[1].strip()
        elif body.startswith("params:"):
            params = _parse_params(body.split(":", 1)[1])
    if not description:
        raise QueryError(f"query {name}.{LANGUAGES[language][0]} has no '{mark} description:' line")
    return Query(name, language, description, params, text)


def _parse_params(spec: str) -> dict[str, Param]:
    """``'jurisdiction="", limit=20, year:int, unit'`` → Params.

    >>> list(_parse_params('jurisdiction="", limit=20, year:int, unit').values())  # doctest: +NORMALIZE_WHITESPACE
    [Param(name='jurisdiction', type='str', default=''), Param(name='limit', type='int', default=20),
     Param(name='year', type='int', default=None), Param(name='unit', type='str', default=None)]
    """
    out: dict[str, Param] = {}
    for item in (x.strip() for x in spec.split(",")):
        if not item:
            continue
        name, _, default = item.partition("=")
        name, _, type_ = name.strip().partition(":")
        if default:
            value = json.loads(default.strip())  # "" / "温州市" / 20 / 0.5
            type_ = type_ or {str: "str", int: "int", float: "float"}[type(value)]
            out[name] = Param(name, type_, value)
        else:
            out[name] = Param(name, type_ or "str", None)
    return out


def bind_params(query: Query, params: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults filled in, values converted to each parameter's type.

    The CLI turns ``--param title=2022`` into the integer 2022; a string
    parameter gets it back as ``"2022"``.

    Raises
    ------
    QueryError
        An unknown or missing parameter, or a value of the wrong type.
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        raise QueryError(f"query {query.name} has no parameter {', '.join(unknown)}; "
                         f"its parameters: {query.signature() or '(none)'}")
    out = {}
    for p in query.params.values():
        if p.name not in params:
            if p.default is None:
                raise QueryError(f"query {query.name} needs --param {p.name}=…; its parameters: {query.signature()}")
            out[p.name] = p.default
            continue
        value = params[p.name]
        try:
            out[p.name] = {"str": str, "int": int, "float": float}[p.type](value)
        except (ValueError, TypeError, OverflowError):
            raise QueryError(f"query {query.name}: parameter {p.name} must be {p.type}, got {value!r}") from None
        if p.type == "int":
            check_int64(out[p.name], f"query {query.name}: parameter {p.name}")
    return out


INT64 = (-(1 << 63), (1 << 63) - 1)


def check_int64(value: Any, what: str, hint: str = "") -> Any:
    """``value``, when every integer in it (in its lists and mappings too) fits 64 bits.

    The one range check of parameters, for ``--param`` and for library queries.

    >>> check_int64([1, {"a": 2}], "--param x")
    [1, {'a': 2}]
    >>> check_int64(1 << 63, "--param x")
    Traceback (most recent call last):
    ...
    mandategraph.errors.QueryError: --param x: 9223372036854775808 is outside the 64-bit integer range (-9223372036854775808..9223372036854775807)

    Raises
    ------
    QueryError
        Naming ``what`` and the range, then ``hint``.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        raise QueryError(f"{what}: {value} is outside the 64-bit integer range ({INT64[0]}..{INT64[1]}){hint}")
    if isinstance(value, (list, tuple)):
        for v in value:
            check_int64(v, what, hint)
    if isinstance(value, dict):
        for v in value.values():
            check_int64(v, what, hint)
    return value


# A store answers query texts in its language on a built graph folder.
# "module:function" is either an opener, called once per folder as
# ``function(graph_dir)`` and returning an object with ``query(text, params)
# -> (columns, rows)``, ``current() -> bool`` (still the data on disk?) and
# ``close()``; or (``opener=False``) a plain runner called per query as
# ``function(graph_dir, text, params)``. Other stores (SPARQL) register here.
STORES: dict[str, tuple[str, str]] = {
    "ladybug": ("cypher", "mandategraph.graph.ladybug_store:CypherStore"),
}
_OPENERS: set[str] = {"ladybug"}


def register_store(name: str, language: str, runner: str, *, opener: bool = False) -> None:
    """Add a store: ``runner`` is ``"module:function"``, an opener (``opener=True``) or a
    plain runner taking ``(graph_dir, text, params)``."""
    _check_language(language)
    STORES[name] = (language, runner)
    (_OPENERS.add if opener else _OPENERS.discard)(name)


def _target(store: str) -> tuple[str, Callable]:
    import importlib

    if store not in STORES:
        raise UnknownNameError("store", store, list(STORES))
    language, target = STORES[store]
    module, func = target.split(":")
    return language, getattr(importlib.import_module(module), func)


class QuerySession:
    """Stores kept open across queries: each store of each build folder is opened once.

    Opening LadybugDB on a national build costs more than answering most
    library questions, so a session keeps every store it opened, and reopens
    one only when its files changed on disk (a rebuild, ``add``). Close it
    when done, or use it as a context manager; :func:`run_query` uses the
    process's :func:`default_session`, closed at exit. A session is for one
    thread.

    >>> from mandategraph.graph.sample import sample_graph
    >>> from mandategraph.graph.ladybug_store import write_ladybug
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_ladybug(sample_graph(), out / "graph.lbug")
    >>> with QuerySession() as session:
    ...     session.run("unit_load", {"limit": 1}, out)
    (['unit_id', 'unit', 'jurisdiction', 'leads', 'assists'], [['U:330300:市大数据发展管理局', '市大数据发展管理局', '温州市', 2, 0]])
    """

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], Any] = {}

    def store(self, graph_dir: str | Path, store: str = "ladybug") -> Any:
        """The open store ``store`` of a build folder (opened now if needed)."""
        _, opener = _target(store)
        key = (store, str(Path(graph_dir).resolve()))
        handle = self._open.get(key)
        if handle is not None and not handle.current():
            self._open.pop(key)
            handle.close()
            handle = None
        if handle is None:
            handle = self._open[key] = opener(graph_dir)
        return handle

    def run(self, name: str, params: dict[str, Any] | None = None, graph_dir: str | Path = "out",
            store: str = "ladybug") -> tuple[list[str], list[list]]:
        """Run a named query; see :func:`run_query`."""
        language, target = _target(store)
        query = get_query(name, language)
        bound = bind_params(query, params)
        if store not in _OPENERS:
            return target(graph_dir, query.text, bound)
        return self.store(graph_dir, store).query(query.text, bound)

    def close(self) -> None:
        """Close every store this session opened."""
        while self._open:
            _, handle = self._open.popitem()
            handle.close()

    def __enter__(self) -> "QuerySession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_DEFAULT: list[QuerySession] = []


def default_session() -> QuerySession:
    """The session :func:`run_query` uses, made on first use and closed when the process exits."""
    if not _DEFAULT:
        import atexit

        _DEFAULT.append(QuerySession())
        atexit.register(_DEFAULT[0].close)
    return _DEFAULT[0]


def run_query(name: str, params: dict[str, Any] | None = None, graph_dir: str | Path = "out",
              store: str = "ladybug") -> tuple[list[str], list[list]]:
    """Run a named query on a built graph folder; return ``(columns, rows)``.

    The store stays open for the next query (see :class:`QuerySession`).

    Parameters
    ----------
    name : str
        A query name (see :func:`list_queries`).
    params : dict, optional
        Parameter values; the rest take their defaults. ``limit`` (every
        query has one) caps the rows: the first ones in the query's order.
    graph_dir : path
        A folder written by ``mandategraph build``.
    store : str
        Which store answers: ``ladybug`` (embedded Cypher) by default.

    Raises
    ------
    UnknownNameError
        Unknown query or store.
    QueryError
        Bad parameters, or the store rejected the query.
    ReadError
        ``graph_dir`` is not a built graph.
    """
    return default_session().run(name, params, graph_dir, store)
