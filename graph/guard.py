"""What a query text may reach outside the build: checked before a store runs it.

LadybugDB reads any file or URL a Cypher ``LOAD FROM``, ``COPY … FROM``,
``ATTACH``, ``INSTALL`` or ``LOAD EXTENSION`` names (and ``COPY … TO`` /
``EXPORT DATABASE`` write files), and Oxigraph fetches any URL a SPARQL
``SERVICE`` names; neither has a setting to forbid it. So the query text
is read here, outside its strings, comments and IRIs, and such a statement
is refused unless external access is allowed. A Cypher ``LOAD FROM`` or
``COPY … FROM`` of files inside the build folder stays allowed.

>>> check_cypher("MATCH (t:Task) WHERE t.text CONTAINS 'LOAD FROM /etc/passwd' RETURN t", "out")
>>> check_cypher("LOAD FROM '/etc/passwd' RETURN *", "out")
Traceback (most recent call last):
...
mandategraph.errors.QueryError: the query reads or writes outside the build folder (LOAD FROM '/etc/passwd'); --allow-external allows it
>>> check_sparql('SELECT * WHERE { ?s ?p "SERVICE <http://x>" }')
>>> check_sparql("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
mandategraph.errors.QueryError: the query fetches from another endpoint (SERVICE <http://example.org/sparql>); --allow-external allows it
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import QueryError

__all__ = ["check_cypher", "check_sparql", "ALLOW_OPTION"]

ALLOW_OPTION = "--allow-external"

# ---------------------------------------------------------------- Cypher

_CYPHER_TOKEN = re.compile(r"""
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<quoted>`[^`]*`)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.X | re.S)


def _cypher_tokens(text: str) -> list[tuple[str, str, int, int]]:
    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in _CYPHER_TOKEN.finditer(text)
            if m.lastgroup not in ("comment", "space")]


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def _inside(path: str, root: Path) -> bool:
    if "://" in path or path.startswith(("http:", "https:", "s3:", "gs:", "gcs:", "az:", "hf:")):
        return False
    try:
        Path(path).resolve().relative_to(root)
    except ValueError:
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


def check_cypher(text: str, build_dir: str | Path) -> None:
    """Refuse a Cypher text that reads or writes outside ``build_dir`` (or loads extensions).

    Raises
    ------
    QueryError
        Naming the statement and the option that allows it.
    """
    root = Path(build_dir).resolve()
    tokens = _cypher_tokens(text)
    words = [(k, v.upper()) for k, v, _, _ in tokens]

    def refuse(i: int, j: int) -> None:
        j = min(j, len(tokens) - 1)
        shown = " ".join(text[tokens[i][2]:tokens[j][3]].split())
        raise QueryError(f"the query reads or writes outside the build folder ({shown}); "
                         f"{ALLOW_OPTION} allows it")

    for i, (kind, word) in enumerate(words):
        if kind != "word":
            continue
        prev = words[i - 1][1] if i else ";"
        if prev in (".", "$", ":"):  # t.load, $copy, (n:Load): names, not clauses
            continue
        start = prev == ";" or (i == 0)
        nxt = words[i + 1][1] if i + 1 < len(words) else ""
        if word == "LOAD" and (nxt in ("FROM", "WITH", "EXTENSION") or start):
            if nxt == "WITH":  # LOAD WITH HEADERS (…) FROM
                j = next((k for k in range(i + 2, len(words)) if words[k] == ("word", "FROM")), len(words))
            elif nxt == "FROM":
                j = i + 1
            else:
                refuse(i, i + 2)
            files = _sources(tokens, j + 1)
            if not files or not all(_inside(f, root) for f in files):
                refuse(i, j + 1)
        elif word == "COPY" and start:
            j = next((k for k in range(i + 1, len(words)) if words[k][1] in ("FROM", "TO", ";")), len(words))
            files = _sources(tokens, j + 1) if j < len(words) and words[j][1] == "FROM" else None
            if not files or not all(_inside(f, root) for f in files):
                refuse(i, j + 1)
        elif word in ("ATTACH", "INSTALL") and start:
            refuse(i, i + 1)
        elif word in ("EXPORT", "IMPORT") and nxt == "DATABASE":
            refuse(i, i + 2)


# ---------------------------------------------------------------- SPARQL

_PN = r"A-Za-z\u00C0-\uFFFF"  # letters of SPARQL names (PN_CHARS_BASE, roughly)
_SPARQL_TOKEN = re.compile(rf"""
    (?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n]*)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$][\w\u00B7{_PN}]+)
  | (?P<pname>(?:[{_PN}](?:[\w.\-\u00B7{_PN}]*[\w\-\u00B7{_PN}])?)?:
               (?:[\w:%\-{_PN}](?:[\w.:%\-\u00B7{_PN}]*[\w:%\-\u00B7{_PN}])?)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>\S)
  | \s+
""", re.X | re.S)


def check_sparql(text: str) -> None:
    """Refuse a SPARQL text with a ``SERVICE`` clause (a federated query fetches from its IRI).

    Raises
    ------
    QueryError
        Naming the clause and the option that allows it.
    """
    tokens = [(m.lastgroup, m.group()) for m in _SPARQL_TOKEN.finditer(text) if m.lastgroup]
    for i, (kind, value) in enumerate(tokens):
        if kind == "word" and value.upper() == "SERVICE":
            target = " ".join(v for _, v in tokens[i + 1:i + 3] if v.upper() != "SILENT")[:80]
            raise QueryError(f"the query fetches from another endpoint (SERVICE {target.split(' ')[0]}); "
                             f"{ALLOW_OPTION} allows it")
