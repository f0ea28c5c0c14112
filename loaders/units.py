"""Unit names: splitting lists, cleaning, canonical names, kinds.

This module is the one place where a unit name is normalised. Canonical names
are scoped to a jurisdiction by the graph, not here: ``市财政局`` in 温州市 and
in 台州市 get the same canonical string and different graph ids.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterator, Mapping

from .model import UnitRef

__all__ = [
    "split_units",
    "unit_names",
    "clean_unit",
    "strip_catch_all",
    "canonical_unit",
    "unit_kind",
    "looks_like_unit",
    "load_aliases",
    "make_unit",
    "UnitPiece",
]

_OPEN = "(（〈<《【["
_CLOSE = ")）〉>》】]"
_SEPARATORS = "、，,；;"
# The only characters split_units acts on: the scan jumps from one to the next
# instead of looking at every character of a long unit list in Python.
_SPLIT_MARKS = re.compile("[" + re.escape(_OPEN + _CLOSE + _SEPARATORS) + "\n]")
_NESTING = re.compile("[" + re.escape(_OPEN + _CLOSE) + "\n]")
_SEPARATOR = re.compile("[" + re.escape(_SEPARATORS) + "]")

# Unit-like endings: what a government unit's name ends with.
_UNIT_END = re.compile(
    r"(?:局|委|办|办公室|厅|部|院|会|中心|政府|单位|部门|办事处|街道|乡镇|指挥部|支行|海关|分局|总台|社|队|所|站|处|"
    r"公司|集团|署|馆|团|组|小组|镇|乡|园区|管委会|机关|法院|检察院|各地|县|区|市|分行|银行|专班|联席会议)$"
)
_BRACKET_TAIL = re.compile(r"[(（〈][^()（）〈〉]{1,20}[)）〉]$")
_ANY_BRACKET = re.compile(r"[(（〈][^()（）〈〉]*[)）〉]")
_LIST_SEP = re.compile(r"[、，,；;]")
_CATCH_ALL = re.compile(r"等(?:其他|其它|有关|相关|各)?(?:部门|单位|机构|部门和单位)?(?:[(（]单位[)）])?$")
_GROUP = re.compile(r"^各|有关单位|有关部门|相关部门|相关单位|各部门|^\d+个|^[一二三四五六七八九十]+个|各类|全体")
_PARTY = re.compile(r"^[市县区省州]委(?!市政府)|纪委|党委|党组|组织部|宣传部|统战部|政法委|编办|网信办|改革办|目标绩效办|党校|团[市县区]委|妇联|总工会|共青团")
_VERTICAL = re.compile(r"税务局|海关|海事局|气象局|调查队|人民银行|^人行|中心支行|银保监|金融监管|烟草专卖局|邮政管理局|国家安全局|消防救援|通信管理局|[^市县区]分局$|市中分局|分局$")
_ENTERPRISE = re.compile(r"电业局|供电公司|供电局|公司$|集团|广电总台|总台$|融媒体中心|银行$(?<!人民银行)")
_TEMPORARY = re.compile(r"指挥部|领导小组|联席办|防控办|专班|工作组|联席会议")


@dataclass(frozen=True)
class UnitPiece:
    """One element of a unit list, as written, with its offsets in the slot."""

    text: str
    start: int
    end: int


def split_units(text: str) -> list[UnitPiece]:
    """Split a unit list on 、，,；; (and line breaks between whole names).

    A unit's own bracket stays with it, and a line break or space inside a
    name is a layout artefact, not a separator.

    >>> [p.text for p in split_units("市委宣传部(市新闻办)、市发展改革委,各县〈市、区〉政府办公室")]
    ['市委宣传部(市新闻办)', '市发展改革委', '各县〈市、区〉政府办公室']
    >>> [p.text for p in split_units("市大\\n数据局、市政府办公室\\n市司法局")]
    ['市大\\n数据局', '市政府办公室', '市司法局']
    """
    return [UnitPiece(text[a:b], a, b) for a, b in _piece_spans(text)]


def unit_names(text: str) -> list[str]:
    """The pieces of :func:`split_units` as written, without their offsets
    (what most callers need; a frozen UnitPiece costs more to make than the split).

    >>> unit_names("市委宣传部(市新闻办)、 市发展改革委")
    ['市委宣传部(市新闻办)', '市发展改革委']
    """
    if not _NESTING.search(text):
        # No bracket and no line break: every separator splits, so a C split
        # gives the same pieces as the scan below.
        return [name for name in (p.strip(_PIECE_SPACE) for p in _SEPARATOR.split(text)) if name]
    return [text[a:b] for a, b in _piece_spans(text)]


_PIECE_SPACE = " \t\n\u3000\xa0"


def _piece_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0

    def flush(end: int) -> None:
        chunk = text[start:end]
        name = chunk.strip(_PIECE_SPACE)
        if name:
            a = start + len(chunk) - len(chunk.lstrip(_PIECE_SPACE))
            spans.append((a, a + len(name)))

    for m in _SPLIT_MARKS.finditer(text):
        i = m.start()
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in _SEPARATORS:
            flush(i)
            start = i + 1
        elif depth == 0 and ch == "\n":
            left = clean_unit(text[start:i])
            if left and looks_like_unit(left):
                flush(i)
                start = i + 1
    flush(len(text))
    return spans


def clean_unit(raw: str) -> str:
    """A unit as written, with spaces and line breaks removed.

    >>> clean_unit("市国 资委")
    '市国资委'
    """
    return "".join(raw.split()).strip("。.:：")  # split() cuts on every space and line break


def strip_catch_all(name: str) -> tuple[str, bool]:
    """Remove a trailing catch-all (等 / 等有关部门(单位) …).

    >>> strip_catch_all("区投资促进局等有关部门(单位)")
    ('区投资促进局', True)
    >>> strip_catch_all("市水利局等单位")
    ('市水利局', True)
    >>> strip_catch_all("市财政局")
    ('市财政局', False)
    """
    m = _CATCH_ALL.search(name)
    if m and m.start() > 0:
        return name[: m.start()], True
    return name, False


def looks_like_unit(name: str) -> bool:
    """Whether a cleaned string reads as the name of a unit.

    >>> looks_like_unit("市委宣传部(市新闻办)"), looks_like_unit("便民"), looks_like_unit("各地")
    (True, False, True)
    >>> looks_like_unit("市、区"), looks_like_unit("各县(市、区)政府办公室")
    (False, True)
    """
    if not name or len(name) > 40:
        return False
    if name in ("各地", "各部门", "各单位", "各县", "各区", "各乡镇"):
        return True
    core = _BRACKET_TAIL.sub("", name)
    if len(core) < 3 or _LIST_SEP.search(_ANY_BRACKET.sub("", core)):
        return False
    if re.search(r"[。！？；：:“”\"]", core):
        return False
    return bool(_UNIT_END.search(core))


def _fold_brackets(name: str) -> str:
    return (name.replace("（", "(").replace("）", ")").replace("〈", "(").replace("〉", ")")
            .replace("【", "(").replace("】", ")"))


@lru_cache(maxsize=8)
def load_aliases(path: str | None = None) -> Mapping[str, str]:
    """Alias → canonical suffix table from ``data/unit_aliases.csv``."""
    if path is None:
        text = resources.files("mandategraph.data").joinpath("unit_aliases.csv").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    rows = csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    table = {}
    for row in rows:
        if len(row) >= 2 and row[0] != "alias":
            table[row[0].strip()] = row[1].strip()
    return table


_PREFIX = re.compile(r"^([市县区省州旗])")


def canonical_unit(name: str, aliases: Mapping[str, str] | None = None) -> str:
    """Canonical name of a cleaned unit name (aliases merged, brackets folded).

    >>> canonical_unit("市发改委") == canonical_unit("市发展改革委") == "市发展和改革委员会"
    True
    >>> canonical_unit("市人力社保局")
    '市人力资源和社会保障局'
    >>> canonical_unit("市大数据发展中心")
    '市大数据发展中心'
    >>> canonical_unit("各县〈市、区〉政府办公室")
    '各县(市、区)政府办公室'

    A bracket naming the same unit's other title is an alias, not part of
    its identity:

    >>> canonical_unit("市委宣传部（市新闻办）"), canonical_unit("区政府各部门(单位)")
    ('市委宣传部', '区政府各部门(单位)')
    """
    table = load_aliases() if aliases is None else aliases
    folded = _fold_brackets(name)
    base, bracket = folded, ""
    m = re.search(r"\([^()]*\)$", folded)
    if m and m.start() > 0 and not folded.startswith("各"):
        base, bracket = folded[: m.start()], m.group(0)
        if looks_like_unit(bracket[1:-1]):
            bracket = ""
    if base in table:
        return table[base] + bracket
    p = _PREFIX.match(base)
    if p:
        suffix = base[1:]
        if suffix in table:
            return p.group(1) + table[suffix] + bracket
    return base + bracket


def unit_kind(name: str) -> str:
    """Kind of unit: group, party organ, vertical agency, enterprise, temporary command or department.

    >>> [unit_kind(n) for n in ("市委宣传部", "市税务局", "台州电业局", "市疫情防控指挥部", "各街道办事处", "市财政局")]
    ['party', 'vertical', 'enterprise', 'temporary', 'group', 'department']
    """
    if _GROUP.search(name):
        return "group"
    if _TEMPORARY.search(name):
        return "temporary"
    if _ENTERPRISE.search(name):
        return "enterprise"
    if _VERTICAL.search(name):
        return "vertical"
    if _PARTY.search(name):
        return "party"
    return "department"


def make_unit(raw_piece: str, role_word: str = "", aliases: Mapping[str, str] | None = None) -> UnitRef | None:
    """A :class:`UnitRef` from one list element, or None if nothing is left."""
    if aliases is None:
        return _make_unit_cached(raw_piece, role_word)
    return _make_unit(raw_piece, role_word, aliases)


@lru_cache(maxsize=65536)
def _make_unit_cached(raw_piece: str, role_word: str) -> UnitRef | None:
    # The same units are named in document after document (UnitRef is frozen,
    # so one instance serves them all).
    return _make_unit(raw_piece, role_word, None)


def _make_unit(raw_piece: str, role_word: str, aliases: Mapping[str, str] | None) -> UnitRef | None:
    cleaned = clean_unit(raw_piece)
    cleaned, implied = strip_catch_all(cleaned)
    if not cleaned:
        return None
    canonical = canonical_unit(cleaned, aliases)
    return UnitRef(raw=cleaned, unit=canonical, kind=unit_kind(canonical), implied_others=implied, role_word=role_word)


def iter_units(text: str, role_word: str = "", aliases: Mapping[str, str] | None = None) -> Iterator[UnitRef]:
    for name in unit_names(text):
        ref = make_unit(name, role_word, aliases)
        if ref is not None:
            yield ref
