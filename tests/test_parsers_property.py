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


# --- fast paths against the plain forms they replace (issue 6: extraction speed) ----
# Each fast path must give exactly what the slower form gave; the slower form is
# written out here as the reference.

WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
LINE_CHARS = st.sampled_from(list("附件序号编 号无障碍阅读关闭打印第页—-|｜点单表工案室府厅组会人民政府办公室要点名单"
                                  "一二十（）()1２①.、:：年月日2024 \t\u3000\xa0\x00\x0b\u2003") + list(WHITESPACE))
LINES = st.text(alphabet=LINE_CHARS, max_size=40)
SEED_LINES = sorted({line.strip(" \t\u3000\xa0\r") for text in SEEDS.values() for line in text.split("\n")} - {""})


def _furniture_tests(s: str) -> list:
    from mandategraph.loaders.lines import annex_marker, attachment_list, compact, is_date_line, is_noise, is_signature, is_title

    return [is_noise(s), annex_marker(s), attachment_list(s), is_title(s), is_date_line(s), is_signature(s),
            compact(s) in ("序号", "编号")]


@given(LINES)
def test_lines_that_cannot_be_furniture_fail_every_furniture_test(line):
    from mandategraph.loaders.lines import may_be_furniture

    s = line.strip(" \t\u3000\xa0\r")
    if s and not may_be_furniture(s):
        assert not any(_furniture_tests(s))


def test_seed_lines_that_cannot_be_furniture_fail_every_furniture_test():
    from mandategraph.loaders.lines import may_be_furniture

    for s in SEED_LINES:
        if not may_be_furniture(s):
            assert not any(_furniture_tests(s)), s


def _heading_reference(line: str):
    from mandategraph.loaders.lines import HEADING_PATTERNS, normalize_marker

    s = line.strip(" \t\u3000\xa0")
    for rank, pat in HEADING_PATTERNS:
        m = pat.match(s)
        if m:
            return rank, normalize_marker(rank, m.group(1)), m.group(2)
    return None


@given(LINES)
def test_heading_tries_only_the_patterns_of_its_first_character(line):
    from mandategraph.loaders.lines import heading

    assert heading(line) == _heading_reference(line)


def test_heading_on_seed_lines():
    from mandategraph.loaders.lines import heading

    assert [heading(s) for s in SEED_LINES] == [_heading_reference(s) for s in SEED_LINES]


@given(st.text(alphabet=st.sampled_from(list(WHITESPACE) + list("aZ09中、\x00")), max_size=40))
def test_whitespace_removal_by_split_equals_the_regex(text):
    import re

    from mandategraph.loaders.lines import compact

    assert "".join(text.split()) == re.sub(r"[\s\u3000\xa0]+", "", text)
    gap = re.compile(r"(?<=[A-Za-z0-9])[ \t\u3000\xa0]+(?=[A-Za-z0-9])")
    if not any(c in text for c in " \n\t\u3000\xa0\r"):
        reference = text
    else:
        reference = re.sub(r"[\s\u3000\xa0]+", "", gap.sub("\x00", text)).replace("\x00", " ").strip()
    assert compact(text) == reference


@given(st.text(alphabet=st.sampled_from(list("aZ09 \t\u3000\xa0中\n")), max_size=40))
def test_latin_gap_starting_at_the_space_equals_the_lookbehind_form(text):
    import re

    from mandategraph.loaders.lines import _LATIN_GAP

    reference = re.compile(r"(?<=[A-Za-z0-9])[ \t\u3000\xa0]+(?=[A-Za-z0-9])")
    assert _LATIN_GAP.sub("\x00", text) == reference.sub("\x00", text)


@given(st.text(alphabet=st.sampled_from(list("()（）〔〕[]a中、\n")), max_size=80))
def test_bracket_groups_are_the_top_level_groups(text):
    """Slots may be written in ( （ 〔 [ 【, nested or not: every group found is
    balanced, and without nesting they are exactly the flat bracket pairs."""
    import re

    from mandategraph.loaders.extract import _bracket_groups

    groups = list(_bracket_groups(text))
    for start, end, content in groups:
        assert text[start + 1:end - 1] == content
        depth = 0
        for ch in content:
            depth += ch in "(（〔[【"
            depth -= ch in ")）〕]】"
            assert depth >= 0
        assert depth == 0
    assert all(a[1] <= b[0] for a, b in zip(groups, groups[1:]))
    flat = re.compile(r"[(（〔\[【]([^()（）〔〕\[\]【】]*)[)）〕\]】]")
    if not re.search(r"[(（〔\[【][^)）〕\]】]*[(（〔\[【]", text):
        assert [(s, e, c) for s, e, c in groups] == [(m.start(), m.end(), m.group(1)) for m in flat.finditer(text)]


@given(st.text(alphabet=st.sampled_from(list("0123456789１年月日底末前内 中")), max_size=40))
def test_milestones_with_the_lookahead_equal_the_plain_pattern(text):
    import re

    from mandategraph.loaders.deadlines import _MILESTONE

    plain = re.compile(r"(?:\d{4}\s*年\s*)?(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?\s*(?:底|末)?前?|年(?:底|内|末)前?)")
    assert [m.group(0) for m in _MILESTONE.finditer(text)] == [m.group(0) for m in plain.finditer(text)]


def _names_alternation():
    import re

    from mandategraph.loaders.jurisdictions import division_table

    names = [n for n in division_table().by_name if len(n) >= 3 or n.endswith(("县", "市"))]
    names.sort(key=len, reverse=True)
    return names, re.compile("|".join(map(re.escape, names)))


def test_division_names_found_from_their_last_character_equal_the_alternation():
    from mandategraph.loaders.jurisdictions import _names_in, division_table

    names, alternation = _names_alternation()
    rnd = random.Random(0)
    texts = [text[:30000] for text in SEEDS.values()]
    texts += ["".join(rnd.choice(names + ["，", "市", "区县", "中", "省"]) for _ in range(rnd.randint(0, 30)))
              for _ in range(2000)]
    table = division_table()
    for text in texts:
        assert [n for n, _ in _names_in(table, text)] == alternation.findall(text)


@given(CJKISH)
def test_unit_names_are_the_texts_of_split_units(text):
    from mandategraph.loaders.units import unit_names

    assert unit_names(text) == [p.text for p in split_units(text)]
