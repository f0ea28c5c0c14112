"""Property-based tests: the parsers never crash, on random text or on mutated seeds."""
from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mandategraph.errors import ParseError
from mandategraph.loaders.deadlines import parse_deadline
from mandategraph.loaders.extract import extract_text
from mandategraph.loaders.roles import parse_slot
from mandategraph.loaders.structure import walk
from mandategraph.loaders.units import canonical_unit, clean_unit, split_units

from conftest import DOCUMENTS

ALPHABET = st.sampled_from(list("市县区局委办室、，,;；()（）〈〉牵头配合负责责任单位:：等有关部门各街道 \n\t|。一二三1.（1）" "政务公开信息年月底前全季度"))
CJKISH = st.text(alphabet=ALPHABET, max_size=200)
SEEDS = {p.name: p.read_text(encoding="utf-8") for p in sorted(DOCUMENTS.glob("*.txt"))}


@given(CJKISH)
def test_split_units_pieces_come_from_the_input(text):
    for piece in split_units(text):
        assert text[piece.start:piece.end] == piece.text


@given(CJKISH)
def test_parse_slot_gives_clean_units(text):
    lead, assist = parse_slot(text)
    for u in lead + assist:
        assert u.raw and not any(ch.isspace() for ch in u.raw)
        assert u.unit == canonical_unit(u.raw)


@given(st.text(max_size=30), st.one_of(st.none(), st.integers(1990, 2100)))
def test_parse_deadline_is_total(text, year):
    d = parse_deadline(text, year)
    if d is not None:
        assert d.normalized is None or d.normalized == "ongoing" or len(d.normalized) == 10


@given(st.text(max_size=500))
def test_walk_and_extract_never_crash_on_any_text(text):
    walk(text)
    try:
        extract_text(text, "random.txt")
    except ParseError:
        pass


def _mutate(text: str, rnd: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rnd.randint(1, 12)):
        if not lines:
            lines = [""]
        op = rnd.randrange(6)
        i = rnd.randrange(len(lines))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, rnd.choice(lines))
        elif op == 2 and lines[i]:
            k = rnd.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rnd.choice("|\t()（）、，。\n ") + lines[i][k:]
        elif op == 3:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 4 and lines[i]:
            k = rnd.randrange(len(lines[i]))
            lines[i] = lines[i][:k]  # a truncated line
        else:
            lines = lines[: max(1, i)]  # a truncated document
    return "\n".join(lines)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(sorted(SEEDS)), st.integers(0, 2**32 - 1))
def test_mutated_seed_documents_never_crash(name, seed):
    text = _mutate(SEEDS[name], random.Random(seed))
    try:
        ex = extract_text(text, name)
    except ParseError:
        return
    for t in ex.tasks:
        assert t.text
        assert 0 <= t.span[0] <= t.span[1] <= len(text)
        assert t.source in ("prose", "table")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_clean_unit_removes_all_whitespace(text):
    assert not any(ch.isspace() for ch in clean_unit(text))
