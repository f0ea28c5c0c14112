"""Responsibility slots: which units lead and which assist.

A slot is a parenthetical after a sentence (``(市财政局牵头)``), a unit cell of a
table, or a labelled list (``牵头单位:…,责任单位:…``). Role words follow the
reading conventions of DESIGN.md.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from .model import UnitRef
from .units import clean_unit, iter_units, looks_like_unit, strip_catch_all, unit_names

__all__ = ["parse_slot", "is_responsibility_slot", "LEAD", "ASSIST"]

LEAD, ASSIST = "lead", "assist"

_LABEL = re.compile(r"(牵头单位|牵头部门|主责单位|主责部门|责任单位|责任部门|配合单位|配合部门|协办单位|协助单位|参与单位)\s*[:：]")
_ROLE_WORD = re.compile(r"(分别牵头负责|牵头负责|分别牵头|分工负责|分别负责|牵头|主责|负责|配合|协办|协助|参与)(?!单位|部门)")
_ASSIST_WORDS = ("配合", "协办", "协助", "参与")


def _label_role(label: str, has_lead_label: bool) -> str:
    if label.startswith(("牵头", "主责")):
        return LEAD
    if label.startswith("责任"):
        return ASSIST if has_lead_label else LEAD
    return ASSIST


def parse_slot(content: str, default_role: str = LEAD, aliases: Mapping[str, str] | None = None) -> tuple[list[UnitRef], list[UnitRef]]:
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
    if aliases is None:
        lead_t, assist_t = _parse_slot_cached(content, default_role)
        return list(lead_t), list(assist_t)
    return _parse_slot(content, default_role, aliases)


@lru_cache(maxsize=65536)
def _parse_slot_cached(content: str, default_role: str) -> tuple[tuple[UnitRef, ...], tuple[UnitRef, ...]]:
    lead, assist = _parse_slot(content, default_role, None)
    return tuple(lead), tuple(assist)


def _parse_slot(content: str, default_role: str, aliases: Mapping[str, str] | None) -> tuple[list[UnitRef], list[UnitRef]]:
    lead: list[UnitRef] = []
    assist: list[UnitRef] = []

    def add(segment: str, role: str, word: str) -> None:
        for ref in iter_units(segment, word, aliases):
            (lead if role == LEAD else assist).append(ref)

    labels = list(_LABEL.finditer(content))
    if labels:
        has_lead = any(m.group(1).startswith(("牵头", "主责")) for m in labels)
        head = content[: labels[0].start()]
        if clean_unit(head).strip("，,、；;"):
            _add_by_role_words(head, default_role, add)
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(content)
            add(content[m.end(): end], _label_role(m.group(1), has_lead), m.group(1))
        return _dedupe(lead), _dedupe(assist)
    _add_by_role_words(content, default_role, add)
    return _dedupe(lead), _dedupe(assist)


def _add_by_role_words(content: str, default_role: str, add) -> None:
    prev = 0
    for m in _ROLE_WORD.finditer(content):
        segment = content[prev: m.start()]
        word = m.group(1)
        role = ASSIST if word in _ASSIST_WORDS else LEAD
        if clean_unit(segment).strip("，,、；;"):
            add(segment, role, word)
        prev = m.end()
    rest = content[prev:]
    if clean_unit(rest).strip("，,、；;"):
        add(rest, default_role, "")


def _dedupe(refs: list[UnitRef]) -> list[UnitRef]:
    seen: set[str] = set()
    out = []
    for r in refs:
        if r.raw not in seen:
            seen.add(r.raw)
            out.append(r)
    return out


@lru_cache(maxsize=65536)
def is_responsibility_slot(content: str) -> bool:
    """Whether a parenthetical's content names responsible units.

    >>> is_responsibility_slot("市发展改革委、市建设局牵头"), is_responsibility_slot("市、区"), is_responsibility_slot("试行")
    (True, False, False)
    >>> is_responsibility_slot("市级有关单位,各县〈市、区〉政府办公室")
    True
    """
    if _LABEL.search(content):
        return True
    stripped = _ROLE_WORD.sub("、", content)
    pieces = [strip_catch_all(clean_unit(p))[0] for p in unit_names(stripped)]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    return all(looks_like_unit(p) for p in pieces)
