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
    "OPEN_BRACKETS",
    "CLOSE_BRACKETS",
]

# The brackets a unit's own name or a slot may hold (the slot grammar in roles.py uses the same).
OPEN_BRACKETS = "(（〈<《【[〔"
CLOSE_BRACKETS = ")）〉>》】]〕"
_SEPARATORS = "、，,；;"
# The only characters split_units acts on: the scan jumps from one to the next
# instead of looking at every character of a long unit list in Python.
_SPLIT_MARKS = re.compile("[" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS + _SEPARATORS) + "\n]")
_NESTING = re.compile("[" + re.escape(OPEN_BRACKETS + CLOSE_BRACKETS) + "\n]")
_SEPARATOR = re.compile("[" + re.escape(_SEPARATORS) + "]")

# Unit-like endings: what a government unit's name ends with.
_UNIT_END = re.compile(
    r"(?:局|委|办|办公室|厅|部|院|会|中心|政府|单位|部门|办事处|街道|街镇|乡镇|指挥部|支行|海关|分局|总台|社|队|所|站|处|科|室|司|"
    r"公司|集团|署|馆|团|组|小组|镇|乡|园区|园|管委会|管委|机关|法院|检察院|各地|县|区|市|州|旗|盟|分行|银行|专班|联席会议|"
    r"主体|处室|科室|司局|委员会|工委|党组|协会|学会|联合会|医院|学校|卫生院|电视台|报社|台|中队|大队|支队|总队|派出所|"
    r"人民政府|政府办|新区|开发区|高新区|经开区|保税区|示范区|试验区|合作区|景区|片区|管理处|服务中心|有关方面|"
    r"联|协|机构|企业|学院|大学|总站|分中心|工作站|服务站|党工委|人武部|行)$"
)
_BRACKET_TAIL = re.compile(r"[(（〈<〔\[【][^()（）〈〉<>〔〕\[\]【】]{1,20}[)）〉>〕\]】]$")
_ANY_BRACKET = re.compile(r"[(（〈<〔\[【][^()（）〈〉<>〔〕\[\]【】]*[)）〉>〕\]】]")
# Words a unit's name never holds: a clause that only ends like a unit
# ("本要点各项工作均需各市") is not one.
_NOT_A_NAME = re.compile(r"的|要|需|应当|做好|作为|以下|不再|本要点|各项|工作任务|进一步|加强|推进|开展|[“”\"]")
_LABEL_WORD = re.compile(r"^(?:[省市区县州镇乡]级)?(?:牵头|主责|主办|责任|配合|协办|协助|参与|落实|承办|实施|会办|制发|发文|发布|"
                         r"成文|主管|所属)(?:单位|部门|科室|处室|司局|主体|机关|机构)$")
_SHORT_NAME = re.compile(r"^(?:各[^、]|[^全本我各此该公][司科处室局办所站队])$")  # 水司, 街办; not the 公室 of 办 公室
_LIST_SEP = re.compile(r"[、，,；;]")
# 等, 等部门, 等有关部门(单位) are catch-alls to drop; "X等相关部门",
# "X等相关区直部门" are noun phrases kept whole (as the corpus gold reads them).
_CATCH_ALL = re.compile(r"等(?:有关部门(?:[(（]单位[)）])?|有关单位|有关部门和单位|部门|单位)?$")
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
    return list(_unit_names(text))


@lru_cache(maxsize=65536)  # the same unit lists recur row after row and plan after plan
def _unit_names(text: str) -> tuple[str, ...]:
    if not _NESTING.search(text) and " " not in text and "各" not in text and not _CONJUNCTION.search(text):
        # No bracket, line break, space, group head or 和: every separator splits,
        # so a C split gives the same pieces as the scan below.
        return tuple(name for name in (p.strip(_PIECE_SPACE) for p in _SEPARATOR.split(text)) if name)
    return tuple(text[a:b] for a, b in _piece_spans(text))


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
        if ch in OPEN_BRACKETS:
            depth += 1
        elif ch in CLOSE_BRACKETS:
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
    return _merge_group_heads(text, _split_conjoined(text, _split_spaced(text, spans)))


# "各区、县(市)政府", "各市〔州〕、县〔市、区〕政府": a leading 各 over a 、-list
# of levels that share one head noun is one group unit, not 各区 + 县(市)政府.
_LEVEL_HEAD = re.compile(r"^各[省市州县区乡镇旗盟](?:[(（〔<〈][^)）〕>〉]*[)）〕>〉])?$")
_LEVEL_TAIL = re.compile(r"^(?:[省市州县区乡镇旗盟](?:[(（〔<〈][^)）〕>〉]*[)）〕>〉])?)+(?:人民)?政府(?:办公室|办)?$")


# Levels from the top: a group over "各镇(街)、县政府办公室" would climb up, so
# those are two units; "各区、县(市)政府" and "各市、县〔区〕人民政府" go down or across
# (a 市 after the 各 may be a county-level city: "各区、市政府").
_LEVEL_RANK = {"省": 1, "市": 2, "州": 2, "盟": 2, "县": 3, "区": 3, "旗": 3, "乡": 4, "镇": 4}


def _merge_group_heads(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            pa, pb = out[-1]
            head, tail = text[pa:pb], text[a:b]
            if (_LEVEL_HEAD.match(head) and "、" in text[pb:a] and _LEVEL_TAIL.match(tail)
                    and _LEVEL_RANK[head[1]] <= max(_LEVEL_RANK[tail[0]], 3 if tail[0] == "市" else 0)):
                out[-1] = (pa, b)
                continue
        out.append((a, b))
    return out


_CONJUNCTION = re.compile(r"[和及与]")


def _split_conjoined(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut "市财政局和市审计局" into its two units; never a name that holds 和
    itself (市发展和改革委员会: 市发展 is no unit)."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        piece = text[a:b]
        m = _CONJUNCTION.search(piece)
        if m and looks_like_unit(clean_unit(piece[:m.start()])) and looks_like_unit(clean_unit(piece[m.end():])):
            out += [(a, a + m.start()), (a + m.end(), b)]
        else:
            out.append((a, b))
    return out


def _split_spaced(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut a piece at the spaces between whole unit names ("市发改委 市自然资源局",
    from a PDF), never inside a name ("各县 (市、 区 ) 政府")."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        piece = text[a:b]
        if " " not in piece and "\u3000" not in piece:
            out.append((a, b))
            continue
        cuts = [m for m in re.finditer(r"[ \u3000]+", piece)]
        start = 0
        kept = []
        for m in cuts:
            left, right = clean_unit(piece[start:m.start()]), clean_unit(piece[m.end():])
            nxt = piece[m.end():m.end() + 1]
            if left and looks_like_unit(left) and nxt not in OPEN_BRACKETS and right and not right.startswith(tuple(CLOSE_BRACKETS)):
                # the rest must also begin a unit: its first whole name looks like one
                first = clean_unit(re.split(r"[ \u3000]+", piece[m.end():])[0])
                if looks_like_unit(first) or looks_like_unit(right):
                    kept.append((a + start, a + m.start()))
                    start = m.end()
        kept.append((a + start, b))
        out.extend(kept)
    return out


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
    if name in ("各地", "各部门", "各单位", "各县", "各区", "各乡镇", "单位", "部门"):
        return True
    if _LABEL_WORD.match(name):
        return False  # 责任单位 is a label, not a unit
    core = _BRACKET_TAIL.sub("", name)
    if _NOT_A_NAME.search(core):
        return False
    if "、" in core and core.startswith("各"):
        # a group unit over a list of levels: 各区、县(市)政府
        core = core.rsplit("、", 1)[1]
    if len(core) < 3 and not _SHORT_NAME.match(core):
        return False
    if _LIST_SEP.search(_ANY_BRACKET.sub("", core)):
        return False
    if re.search(r"[。！？；：:]", core):
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
        if looks_like_unit(bracket[1:-1]) and bracket[1:-1] not in ("单位", "部门"):
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


# A bracket that is a note on the list, not part of the name: 市有关单位(见附件1,下同).
_NOTE_BRACKET = re.compile(r"[(（〔\[][^()（）〔〕\[\]]*(?:见附件|下同|同上|以下简称|详见|按职责|按照职责|分工|负责|牵头|配合)"
                           r"[^()（）〔〕\[\]]*[)）〕\]]$")


def _make_unit(raw_piece: str, role_word: str, aliases: Mapping[str, str] | None) -> UnitRef | None:
    cleaned = _NOTE_BRACKET.sub("", clean_unit(raw_piece))
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
