"""What a query text may reach outside the build: checked before a store runs it.

LadybugDB reads any file or URL a Cypher ``LOAD FROM``, ``COPY … FROM``,
``ATTACH``, ``INSTALL`` or ``LOAD EXTENSION`` names (and ``COPY … TO`` /
``EXPORT DATABASE`` write files), and Oxigraph fetches any URL a SPARQL
``SERVICE`` names; neither has a setting to forbid it. So the query text
is read here, outside its strings, comments, backquoted names and IRIs, and
such a statement is refused wherever it stands (also after ``EXPLAIN`` or
``PROFILE``, or inside a ``COPY``) unless external access is allowed.

Only a ``LOAD FROM`` or ``COPY … FROM`` of files named by string literals,
each inside the build folder (``~`` expanded, symbolic links followed),
stays allowed; a name that may mean something else (a URL or ``scheme:``,
``$VAR``, a glob, a backslash) is refused, and so are ``COPY … TO``,
``EXPORT``/``IMPORT DATABASE``, ``ATTACH``, ``INSTALL``, ``UNINSTALL``,
``LOAD EXTENSION`` and ``CALL home_directory=…`` / ``CALL file_search_path=…``
(they change where later file names are looked for).

A SPARQL text is refused when it has a ``SERVICE`` clause, as read by this
module's tokenizer or by rdflib's SPARQL parser (either one is enough).
:func:`substitute_sparql` replaces ``$name`` parameters by escaped literals
with the same tokenizer, so a value cannot open a clause, and the text it
gives is checked again.

>>> check_cypher("MATCH (t:Task) WHERE t.text CONTAINS 'LOAD FROM /etc/passwd' RETURN t", "out")
>>> check_cypher("LOAD FROM '/etc/passwd' RETURN *", "out")
Traceback (most recent call last):
...
mandategraph.errors.QueryError: the query reads or writes outside the build folder (LOAD FROM '/etc/passwd'); --allow-external allows it
>>> check_cypher("PROFILE COPY (MATCH (t:Task) RETURN t.id) TO '/tmp/x.csv'", "out")
Traceback (most recent call last):
...
mandategraph.errors.QueryError: the query reads or writes outside the build folder (COPY (MATCH (t:Task) RETURN t.id) TO '/tmp/x.csv'); --allow-external allows it
>>> check_sparql('SELECT * WHERE { ?s ?p "SERVICE <http://x>" }')
>>> check_sparql("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
mandategraph.errors.QueryError: the query fetches from another endpoint (SERVICE <http://example.org/sparql>); --allow-external allows it
>>> substitute_sparql('SELECT * { ?s ?p $x . ?s ?q "$x" } # $x', {"x": 'a"b'})
'SELECT * { ?s ?p "a\\\\"b" . ?s ?q "$x" } # $x'
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

from ..errors import QueryError

__all__ = ["check_cypher", "check_sparql", "substitute_sparql", "sparql_literal", "ALLOW_OPTION"]

ALLOW_OPTION = "--allow-external"

# ---------------------------------------------------------------- Cypher

# LadybugDB's lexer ends a // comment at \r as well as \n; a backquoted name
# may hold a doubled backquote. Where this tokenizer and LadybugDB's could
# disagree, this one sees more code (an unknown escape, an unclosed string),
# so it refuses more, never less.
_CYPHER_TOKEN = re.compile(r"""
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<comment>//[^\r\n]*|/\*.*?(?:\*/|\Z))
  | (?P<quoted>(?:`[^`]*`)+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.X | re.S)

# Statements that reach outside the database (LOAD and COPY are checked further).
_CLAUSES = {"LOAD", "COPY", "ATTACH", "INSTALL", "UNINSTALL", "EXPORT", "IMPORT"}
# A clause word followed by one of these is a name (`WITH 1 AS load RETURN load`).
_NAME_FOLLOWERS = {"AS", "AND", "OR", "XOR", "IS", "IN", "CONTAINS", "STARTS", "ENDS", "RETURN", "WHERE", "ORDER",
                   "SKIP", "LIMIT", "UNION", "ASC", "DESC", "ASCENDING", "DESCENDING", "THEN", "ELSE", "END", "WHEN",
                   "MATCH", "OPTIONAL", "UNWIND", "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "CALL",
                   "WITH"}  # (LOAD WITH HEADERS stays a clause)
# `CALL setting=value` options that change where a relative or ~ path is looked for.
_PATH_SETTINGS = {"HOME_DIRECTORY", "FILE_SEARCH_PATH"}


def _cypher_tokens(text: str) -> list[tuple[str, str, int, int]]:
    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in _CYPHER_TOKEN.finditer(text)
            if m.lastgroup not in ("comment", "space")]


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1], flags=re.S)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DOUBTFUL = set("*?[]{}$%\\\x00")  # globs, variables, escapes: LadybugDB may read them otherwise


def _inside(path: str, root: Path) -> bool:
    """True when ``path`` surely names a file inside ``root`` (else, on any doubt, False)."""
    if not path or "://" in path or _SCHEME.match(path) or _DOUBTFUL & set(path):
        return False
    if path.startswith("~"):
        path = os.path.expanduser(path)
        if path.startswith("~"):
            return False
    try:
        Path(path).resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _sources(tokens: list[tuple[str, str, int, int]], i: int) -> list[str] | None:
    """The file names from ``tokens[i]`` on: one string or a list of strings, else None."""
    if i + 1 < len(tokens) and tokens[i + 1][1] == ",":
        return None
    if i < len(tokens) and tokens[i][0] == "string":
        return [_unquote(tokens[i][1])]
    if i < len(tokens) and tokens[i][1] == "[":
        out, j = [], i + 1
        while j < len(tokens) and tokens[j][0] == "string":
            out.append(_unquote(tokens[j][1]))
            if j + 1 < len(tokens) and tokens[j + 1][1] == ",":
                j += 2
            else:
                j += 1
        if j < len(tokens) and tokens[j][1] == "]" and out:
            return out
    return None


def _after_parens(tokens: list[tuple[str, str, int, int]], i: int) -> int:
    """The index after the parenthesis opened at ``tokens[i]`` closes (``len(tokens)`` if never)."""
    depth = 0
    for k in range(i, len(tokens)):
        if tokens[k][0] == "other":
            depth += {"(": 1, ")": -1}.get(tokens[k][1], 0)
            if depth == 0:
                return k + 1
    return len(tokens)


def check_cypher(text: str, build_dir: str | Path) -> None:
    """Refuse a Cypher text that reads or writes outside ``build_dir`` (or loads extensions).

    Every ``LOAD``, ``COPY``, ``ATTACH``, ``INSTALL``, ``UNINSTALL``,
    ``EXPORT`` and ``IMPORT`` that is a keyword (not in a string, a comment
    or a backquoted name, not a property, parameter or label, not a variable
    as in ``RETURN load``) is checked, wherever it stands.

    Raises
    ------
    QueryError
        Naming the statement and the option that allows it.
    """
    root = Path(build_dir).resolve()
    tokens = _cypher_tokens(text)
    words = [(k, v.upper()) for k, v, _, _ in tokens]
    n = len(tokens)

    def refuse(i: int, j: int) -> None:
        j = max(i, min(j, n - 1))
        shown = " ".join(text[tokens[i][2]:tokens[j][3]].split())
        raise QueryError(f"the query reads or writes outside the build folder ({shown}); "
                         f"{ALLOW_OPTION} allows it")

    def files_inside(j: int) -> bool:
        files = _sources(tokens, j)
        return bool(files) and all(_inside(f, root) for f in files)

    for i, (kind, word) in enumerate(words):
        if kind != "word":
            continue
        prev = tokens[i - 1] if i else None
        if prev and (prev[1] in (".", ":") or (prev[1] == "$" and prev[3] == tokens[i][2])):
            continue  # t.load, (n:Load), $copy: names, not clauses
        nxt_kind, nxt = words[i + 1] if i + 1 < n else ("", "")
        if word == "CALL":
            name = nxt.strip("`")
            if nxt_kind in ("word", "quoted") and name in _PATH_SETTINGS:
                refuse(i, i + 3)
            continue
        if word not in _CLAUSES:
            continue
        after = words[i + 2][1] if i + 2 < n else ""
        clause = (nxt_kind in ("string", "quoted") or (nxt_kind == "word" and nxt not in _NAME_FOLLOWERS)
                  or (word == "COPY" and nxt == "(") or (word == "LOAD" and nxt == "WITH" and after == "HEADERS"))
        if not clause:
            continue  # RETURN load, load + 1, {copy: 1}: a variable or a key
        if word == "LOAD":
            if nxt == "FROM":
                j = i + 1
            elif nxt == "WITH":  # LOAD WITH HEADERS (…) FROM
                j = next((k for k in range(i + 2, n) if words[k] == ("word", "FROM")), n)
            else:  # LOAD EXTENSION x, LOAD x
                refuse(i, i + 2)
            if not files_inside(j + 1):
                refuse(i, j + 1)
        elif word == "COPY":
            j = i + 1
            if nxt == "(":  # COPY (query) TO …
                j = _after_parens(tokens, j)
            else:  # COPY Table [(columns)] FROM|TO …
                j += 1
                if j < n and tokens[j][1] == "(":
                    j = _after_parens(tokens, j)
            target = words[j][1] if j < n else ""
            if target != "FROM":
                refuse(i, j + 1)  # COPY … TO writes a file; anything else is not understood
            if j + 1 < n and tokens[j + 1][1] == "(":
                continue  # COPY Table FROM (query): its own LOAD/COPY are checked where they stand
            if not files_inside(j + 1):
                refuse(i, j + 1)
        else:  # ATTACH, INSTALL, UNINSTALL, EXPORT/IMPORT DATABASE
            refuse(i, i + 1)


# ---------------------------------------------------------------- SPARQL

_PN = r"A-Za-z\u00C0-\uFFFF"  # letters of SPARQL names (PN_CHARS_BASE, roughly)
# Long strings may hold escapes (\') and one or two quotes; a comment ends at
# \r or \n (SPARQL's EOL), as in Oxigraph.
_SPARQL_TOKEN = re.compile(rf"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\r\n]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$][\w\u00B7{_PN}]+)
  | (?P<pname>(?:[{_PN}](?:[\w.\-\u00B7{_PN}]*[\w\-\u00B7{_PN}])?)?:
               (?:[\w:%\-{_PN}](?:[\w.:%\-\u00B7{_PN}]*[\w:%\-\u00B7{_PN}])?)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>\S)
  | (?P<space>\s+)
""", re.X | re.S)


def _sparql_tokens(text: str) -> list[re.Match]:
    return list(_SPARQL_TOKEN.finditer(text))


def _service_in_parse(text: str) -> str | None:
    """The target of a SERVICE clause rdflib's SPARQL parser finds, else None (also when it cannot parse)."""
    try:
        from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
        from rdflib.plugins.sparql.parserutils import CompValue
    except ImportError:  # pragma: no cover - rdflib is a dependency
        return None
    tree = None
    for parse in (parseQuery, parseUpdate):
        try:
            tree = parse(text)
            break
        except Exception:  # noqa: BLE001 - pyparsing errors, Oxigraph extensions: the tokenizer decides
            continue
    stack, seen = [tree], 0
    while stack and seen < 1_000_000:
        node, seen = stack.pop(), seen + 1
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                from rdflib import URIRef

                term = node.get("term")
                return f"<{term}>" if isinstance(term, URIRef) else f"?{term}"
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(list(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
    return None


def check_sparql(text: str) -> None:
    """Refuse a SPARQL text with a ``SERVICE`` clause (a federated query fetches from its IRI).

    The text is read by this module's tokenizer (outside strings, comments
    and IRIs) and by rdflib's SPARQL parser; a SERVICE either finds is refused.

    Raises
    ------
    QueryError
        Naming the clause and the option that allows it.
    """
    tokens = [(m.lastgroup, m.group()) for m in _sparql_tokens(text) if m.lastgroup not in ("space", "comment")]
    target = None
    for i, (kind, value) in enumerate(tokens):
        if kind == "word" and value.upper() == "SERVICE":
            following = [v for _, v in tokens[i + 1:i + 3] if v.upper() != "SILENT"]
            target = (following[0] if following else "")[:80]
            break
    if target is None:
        target = _service_in_parse(text)
    if target is not None:
        raise QueryError(f"the query fetches from another endpoint (SERVICE {target}); "
                         f"{ALLOW_OPTION} allows it")


def sparql_literal(value: Any) -> str:
    """A Python value as a SPARQL literal: a string (or a list, a mapping) is a quoted, escaped string.

    >>> sparql_literal('温州"市\\n'), sparql_literal(2022), sparql_literal(0.5), sparql_literal(float("nan"))
    ('"温州\\\\"市\\\\n"', '2022', '0.5', '"NaN"^^<http://www.w3.org/2001/XMLSchema#double>')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        word = "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
        return f'"{word}"^^<http://www.w3.org/2001/XMLSchema#double>'
    s = str(value)
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                 ("\b", "\\b"), ("\f", "\\f")):
        s = s.replace(a, b)
    return f'"{s}"'


def substitute_sparql(text: str, params: dict[str, Any] | None) -> str:
    """Replace each ``$name`` variable of ``params`` by its literal; other ``$`` variables stay.

    Only a ``$name`` the tokenizer reads as a variable is replaced: one in a
    string, an IRI or a comment stays as written. ``$name@zh`` gives a
    language-tagged literal (the tag stays after the value).

    >>> substitute_sparql('FILTER (?j = $jurisdiction) LIMIT $limit', {"jurisdiction": "温州市", "limit": 5})
    'FILTER (?j = "温州市") LIMIT 5'
    >>> substitute_sparql('?t mg:jurisdictionName $jurisdiction@zh # $jurisdiction', {"jurisdiction": "温州市"})
    '?t mg:jurisdictionName "温州市"@zh # $jurisdiction'
    """
    params = params or {}
    out, last = [], 0
    for m in _sparql_tokens(text):
        value = m.group()
        if m.lastgroup == "var" and value.startswith("$") and value[1:] in params:
            out += [text[last:m.start()], sparql_literal(params[value[1:]])]
            last = m.end()
    out.append(text[last:])
    return "".join(out)
