"""Responsibility slots: which units lead, which assist, and the slot's deadline.

One grammar serves every place a plan names who is responsible: a
parenthetical after a sentence (``(市财政局牵头)``), a unit cell of a table, a
labelled line (``牵头单位：… 责任单位：…``) or a clause glued to a row.

A slot is a sequence of clauses separated by ``；;。`` (and by ``，,`` where a
new label or role phrase starts). Each clause is one of

- ``label : value`` — 牵头单位 / 责任科室 / 配合处室 … followed by a unit list,
  or 完成时限 / 时限要求 … followed by a deadline;
- ``units + role phrase (+ words)`` — 市财政局牵头, 各部门按职责分工负责,
  区司法局牵头区级规范性文件公开工作, X会同Y落实;
- a bare unit list, which takes the role of the label or role phrase that
  closes it (``A,B负责``) or the slot's default role;
- a standing note (以下不再列出 …), which names no mandate.

Role words follow DESIGN.md: 牵头 / 主责 / 统筹 / 负责 / 落实 → lead;
配合 / 协办 / 协助 / 参与 / 会办 / 会同 → assist; a 责任… label is lead unless a
牵头 label stands in the same slot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

from .deadlines import looks_like_deadline
from .model import UnitRef
from .units import CLOSE_BRACKETS, OPEN_BRACKETS, clean_unit, iter_units, looks_like_unit

__all__ = ["parse_slot", "read_slot", "SlotReading", "is_responsibility_slot", "LEAD", "ASSIST",
           "UNIT_LABEL", "DEADLINE_LABEL"]

LEAD, ASSIST = "lead", "assist"

# Label words: an optional level prefix (市级, 区级), a role stem and an office noun.
_OFFICE = r"(?:单位|部门|处室|科室|司局|处|科|室|主体|领导|人)"
UNIT_LABEL = (r"(?:[省市区县州镇乡]级)?(?:牵头|主责|主办|责任|落实|承办|实施|配合|协办|协助|参与|会办|配合责任)" + _OFFICE
              + r"(?:及责任人)?(?:[(（][^()（）:：]{1,6}[)）])?")  # 责任单位（部门）：
DEADLINE_LABEL = r"(?:完成时限|完成时间|完成期限|时限要求|时间要求|办结时限|时间节点|时间安排|进度安排|时限)"
# A bare role word can be a label too: "牵头：市委宣传部；配合：市网信办".
_BARE_ROLE_LABEL = r"(?:牵头|主责|主办|责任|配合|协办|协助|参与|会办)(?=\s*[:：])"
_LABEL = re.compile(rf"[【\[]?({UNIT_LABEL}|{DEADLINE_LABEL}|{_BARE_ROLE_LABEL})(?:\s*[】\]]\s*[:：]?|\s*[:：])")  # 责任单位：/【责任单位】
_DEADLINE_LABEL_RE = re.compile(rf"^{DEADLINE_LABEL}$")
_PERSON_LABEL = re.compile(r"(?:领导|人)$")  # 牵头领导：张三 names a person, not a mandate

# A role phrase: an optional manner (按职责分工, 分别, 具体 …), a role verb, and
# what may follow the verb (负责 / 落实 / 实施). The verb decides the role.
_MANNER = r"(?:按照?(?:各自)?(?:职责|职能|职责分工|工作职责)(?:分工)?|根据职责|依职责|分别|分工|具体|参照|组织|共同|统一)*"
_VERB = r"(?:牵头|主责|统筹|负责|落实|配合|协办|协助|参与|会办)(?!单位|部门|处室|科室|司局|同志|人)"
_ROLE_PHRASE = re.compile(rf"{_MANNER}({_VERB})(?:负责|落实|实施|推进|执行)*")
_ASSIST_VERBS = frozenset(("配合", "协办", "协助", "参与", "会办"))
_TOGETHER = re.compile(r"会同|协同")  # X会同Y落实: X leads, Y assists
_STANDING = re.compile(r"以下(?:不再|均|各项)|不再列|下同|同上")
# "A、B,C。逗号前为牵头单位": the document's own rule for one unit list.
_COMMA_RULE = re.compile(r"逗号前(?:的)?(?:为|是)牵头单位")
_AS_LABEL = re.compile(rf"^(?:.*?(?:均需|均由|需|由))?(.+?)(?:均|都)?(?:作为|为|是)({UNIT_LABEL})$")
_SPACED_LABEL = re.compile(rf"[ \t\u3000]+(?=(?:{UNIT_LABEL}|{DEADLINE_LABEL}|{_BARE_ROLE_LABEL})\s*[:：])")
_BRACKETED = re.compile(r"[(（〔\[【][^()（）〔〕\[\]【】]*[)）〕\]】]")
_LEADING_NOISE = re.compile(r"^(?:由|请|另|并|及|和|其中|各项工作)")


@dataclass
class SlotReading:
    """What one slot says: units by role, a deadline if it gives one, whether
    every clause of it was understood, and how many words follow its role
    phrases ("区司法局牵头区级规范性文件集中公开工作": a clause, not a bare list)."""

    lead: list[UnitRef] = field(default_factory=list)
    assist: list[UnitRef] = field(default_factory=list)
    deadline: str = ""
    understood: bool = True
    trailing: int = 0

    def add(self, refs: list[UnitRef], role: str) -> None:
        target = self.lead if role == LEAD else self.assist
        have = {r.raw for r in self.lead} | {r.raw for r in self.assist}
        for r in refs:
            if r.raw not in have:
                target.append(r)
                have.add(r.raw)


def _segments(content: str) -> list[tuple[str, str]]:
    """Top-level pieces of a slot and the separator that closed each one
    (brackets protect the separators inside a unit's own name)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(content):
        if ch in OPEN_BRACKETS:
            depth += 1
        elif ch in CLOSE_BRACKETS:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in "；;。，,":
            out.append((content[start:i], ch))
            start = i + 1
    out.append((content[start:], ""))
    pieces = []
    for seg, sep in out:
        # "牵头单位：市政府办公室 责任单位：各县区": labels set apart by a space only
        parts = _SPACED_LABEL.split(seg)
        pieces += [(p, " ") for p in parts[:-1]] + [(parts[-1], sep)]
    return [(s.strip(" \t\n\u3000"), sep) for s, sep in pieces]


# A person named beside the office in a 责任科室、责任人 column (综合科、张鸿).
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,3}$")


def _units(text: str, role_word: str, aliases, persons: bool = False) -> list[UnitRef] | None:
    """The units of a unit list, or None when the text is not a unit list.
    With ``persons``, short personal names beside the units are left out."""
    text = _LEADING_NOISE.sub("", text.strip(" \t\n\u3000"))
    if not clean_unit(text):
        return []
    refs = list(iter_units(text, role_word, aliases))
    if persons:
        refs = [r for r in refs if looks_like_unit(r.raw) or not _PERSON.match(r.raw)]
    if not refs or not all(looks_like_unit(r.raw) or r.implied_others and looks_like_unit(r.raw + "单位")
                           for r in refs):
        return None
    return refs


def _role_split(segment: str) -> tuple[str, str, str, str, str] | None:
    """``(units before, role word, role, units after 会同, words after)`` of a
    clause with a role phrase."""
    m = _ROLE_PHRASE.search(segment)
    if not m:
        return None
    before = segment[: m.start()]
    role = ASSIST if m.group(1) in _ASSIST_VERBS else LEAD
    together = ""
    t = _TOGETHER.search(before)
    if t:
        before, together = before[: t.start()], before[t.end():]
    return before, m.group(0), role, together, segment[m.end():]


def read_slot(content: str, default_role: str = LEAD, aliases: Mapping[str, str] | None = None,
              persons: bool = False) -> SlotReading:
    """Read one responsibility slot with the clause grammar of this module.

    Readings with the default alias table are remembered and shared: treat
    the result as read-only.

    >>> r = read_slot("牵头单位：县财政局；责任单位：县数据局、县审计局")
    >>> [u.raw for u in r.lead], [u.raw for u in r.assist]
    (['县财政局'], ['县数据局', '县审计局'])
    >>> r = read_slot("区商务局、西城园管委会负责落实,完成时限:2022年10月")
    >>> [u.raw for u in r.lead], r.deadline
    (['区商务局', '西城园管委会'], '2022年10月')
    >>> r = read_slot("监测司牵头,会同大气司落实")
    >>> [u.raw for u in r.lead], [u.raw for u in r.assist]
    (['监测司'], ['大气司'])
    """
    if aliases is None:
        return _read_slot_cached(content, default_role, persons)
    return _read_slot(content, default_role, aliases, persons)


def _read_slot(content: str, default_role: str, aliases: Mapping[str, str] | None, persons: bool = False
               ) -> SlotReading:
    reading = SlotReading()
    segments = _segments(content)
    labels = [m.group(1) for m in _LABEL.finditer(content)]
    has_lead_label = any(re.search("牵头|主责|主办", l) and not _PERSON_LABEL.search(l) for l in labels)
    comma_rule = bool(_COMMA_RULE.search(content))
    current: tuple[str, str] | None = None  # (role, label) a labelled value continues under
    pending: list[str] = []  # bare unit lists waiting for the role phrase that closes them
    first_group = True  # the comma rule: units before the first comma lead
    in_note = False  # a standing note (以下不再列出, 逗号前为牵头单位 …) runs to the slot's end

    def flush(role: str, word: str) -> None:
        for p in pending:
            refs = _units(p, word, aliases, persons)
            if refs:
                reading.add(refs, role)
        pending.clear()

    for seg, sep in segments:
        if not seg or in_note:
            continue
        m = _LABEL.match(seg)
        if m:
            flush(default_role, "")
            label, value = m.group(1), seg[m.end():].strip()
            if _DEADLINE_LABEL_RE.match(label):
                current = ("deadline", label)
                reading.deadline = (reading.deadline + "，" if reading.deadline else "") + value if value else reading.deadline
                continue
            if _PERSON_LABEL.search(label):
                current = ("person", label)
                continue
            current = (_label_role(label, has_lead_label), label)
            seg = value
            if not seg:
                continue
        bare = _BRACKETED.sub("", seg)  # a note inside a unit's bracket (见附件1,下同) is the unit's
        if _STANDING.search(bare) or _COMMA_RULE.search(bare):
            a = _AS_LABEL.match(seg)
            if a:
                refs = _units(a.group(1), a.group(2), aliases)
                if refs:
                    reading.add(refs, _label_role(a.group(2), has_lead_label))
            in_note = True
            continue
        a = _AS_LABEL.match(seg)
        refs = _units(a.group(1), a.group(2), aliases) if a else None
        if refs:
            reading.add(refs, _label_role(a.group(2), has_lead_label))  # X作为责任单位
            continue
        split = _role_split(seg)
        if split is not None:
            before, word, role, together, after = split
            reading.trailing += len(clean_unit(after))
            lead_refs = _units(before, word, aliases, persons) if before.strip() else []
            if lead_refs is None:
                reading.understood = False
                pending.clear()
                continue
            flush(role, word)
            reading.add(lead_refs, role)
            if together:
                refs = _units(together, "会同", aliases)
                if refs:
                    reading.add(refs, ASSIST)
            current = None
            continue
        if current is not None and current[0] == "deadline":
            reading.deadline += "，" + seg
            continue
        if current is not None and current[0] == "person":
            continue
        if looks_like_deadline(seg):
            # "(市财政局牵头，2023年6月底前完成)": a date standing in the slot is its deadline
            reading.deadline = (reading.deadline + "，" if reading.deadline else "") + seg
            continue
        if current is not None:
            refs = _units(seg, current[1], aliases, persons)
            if refs is None:
                reading.understood = False
                continue
            role = current[0]
            if comma_rule and not first_group:
                role = ASSIST
            reading.add(refs, role)
            if comma_rule and sep in "，,":
                first_group = False
            continue
        refs = _units(seg, "", aliases, persons)
        if refs is None:
            reading.understood = False
            continue
        pending.append(seg)
    flush(default_role, "")
    return reading


def _label_role(label: str, has_lead_label: bool) -> str:
    if re.search("牵头|主责|主办", label):
        return LEAD
    if re.search("配合|协办|协助|参与|会办", label):
        return ASSIST
    return ASSIST if has_lead_label else LEAD  # 责任 / 落实 / 承办 / 实施


def parse_slot(content: str, default_role: str = LEAD, aliases: Mapping[str, str] | None = None,
               persons: bool = False) -> tuple[list[UnitRef], list[UnitRef]]:
    """Lead and assist units named in one responsibility slot.

    Plans repeat the same unit cells row after row, so slots read with the
    default alias table are remembered (the result is immutable).

    >>> lead, assist = parse_slot("牵头单位:县政府办公室,配合单位:县政府有关部门、工业园区管委会")
    >>> [u.raw for u in lead], [u.raw for u in assist]
    (['县政府办公室'], ['县政府有关部门', '工业园区管委会'])
    >>> lead, assist = parse_slot("市信访局牵头，市大数据局配合")
    >>> [u.raw for u in lead], [u.raw for u in assist]
    (['市信访局'], ['市大数据局'])
    >>> [u.raw for u in parse_slot("各地、各部门分别负责")[0]]
    ['各地', '各部门']
    """
    r = read_slot(content, default_role, aliases, persons)
    return list(r.lead), list(r.assist)


@lru_cache(maxsize=65536)
def _read_slot_cached(content: str, default_role: str, persons: bool = False) -> SlotReading:
    # Plans repeat the same unit cells row after row.
    return _read_slot(content, default_role, None, persons)


@lru_cache(maxsize=65536)
def is_responsibility_slot(content: str) -> bool:
    """Whether a parenthetical's content names responsible units.

    >>> is_responsibility_slot("市发展改革委、市建设局牵头"), is_responsibility_slot("市、区"), is_responsibility_slot("试行")
    (True, False, False)
    >>> is_responsibility_slot("市级有关单位,各县〈市、区〉政府办公室")
    True
    >>> is_responsibility_slot("以下简称《条例》"), is_responsibility_slot("综合处牵头落实,完成时限:2024年10月")
    (False, True)
    """
    r = _read_slot_cached(content, LEAD, False)
    return bool(r.lead or r.assist) and r.understood
