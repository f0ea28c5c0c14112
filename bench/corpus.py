"""A deterministic synthetic corpus of work plans, with the truth it was made from.

``python bench/corpus.py --jurisdictions N --years Y --seed S --out DIR`` writes

``DIR/documents/<province code>/<code>_<year>.txt``
    one work plan per jurisdiction and year, in the five seed formats:
    ``taizhou`` (prose items whose clauses carry ``(…牵头)`` slots, a ``|``
    annex table with a repeated header row, an annex unit list), ``rongxian``
    (prose with ``(牵头单位:…,责任单位:…)`` slots, some items without units),
    ``wenzhou2019`` (one cell per tab-led line, multi-line and merged cells,
    ``…牵头，…配合``, deadlines split over lines), ``jinan`` (a web page with
    navigation and a 文号, prose items numbered across sections, an annex
    table one cell per line with section headings repeated in cells) and
    ``wenzhou2022`` (full-width prose and two TSV annex tables from a PDF
    whose merged cells print their text in the middle row of the block).
    A share ``--variety`` of plans (default 0.25) is written instead in forms of
    other real plans: ``slots`` (prose with the slot forms the loaders read:
    ``(X牵头落实,完成时限:…)``, ``(牵头科室:X;责任科室:Y)``, ``〔责任单位:X,Y〕``,
    ``(X牵头,会同Y落实)``, ``(X配合)`` …, ASCII punctuation in some), ``cells``
    (one cell per line closed by `` |``, lone ``|`` lines between rows) and
    ``pipes`` (``|`` rows whose merged 类别 cell is left out on later rows),
    some with web page noise before the title.
``DIR/truth/documents.jsonl``
    one line per document: file, jurisdiction, code, year, style, document id
    (and ``rewritten``: true for a plan rewritten from the year before).

``--rewrite R`` (default 0: the corpus of earlier versions, byte for byte)
rewrites a share R of the plans from the year before as real plans are
rewritten (温州 2019 → 2022): each continuing item's sentences said anew
around their key phrase (another seed sentence naming it), titles and annex
phrases too, some items merged with the next (lineage ``A+B``: both
continue into it) or a clause split in two (``A~1``), a third of the items
moved to other sections. The CONTINUES pairs into rewritten plans then have
the text similarity 温州's hand pairs have (bench/bench_continuity.py prints
both distributions).
``DIR/truth/tasks.jsonl``
    one line per task in document order: its expected graph id, source,
    path, marker, text, lead and assist units (``raw`` as written and
    canonical ``unit``), deadline (raw and normalised), and the generator's
    bookkeeping: ``lineage`` (the same work in another year), ``family``
    (the work item it belongs to), ``template`` (the provincial template task
    it copies, "" if none) and ``origin`` (the seed text it was drawn from).
``DIR/truth/pairs.jsonl``
    ``CONTINUES`` pairs (same lineage, consecutive plan years of one
    jurisdiction) and ``DETAILS`` pairs (annex row → prose item).
``DIR/truth/templates.jsonl``
    groups of tasks of one province's cities in one year that copy the same
    provincial template task: every pair of two jurisdictions in a group is a
    ``SIMILAR_TO`` pair.

Everything is drawn from the seed documents in ``data/documents`` and their
hand-written golden files in ``tests/golden``: sentences, item titles, section
headings and unit names, reworded year by year; units take the spellings of
``data/unit_aliases.csv`` and change spelling between years. Jurisdictions are
real GB/T 2260 divisions (codes and parents from
:func:`mandategraph.loaders.jurisdictions.division_table`). The same seed gives
the same bytes: each jurisdiction has its own random stream, so documents are
generated in parallel processes and written in a fixed order.
"""
from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "data" / "documents"
GOLDEN = ROOT / "tests" / "golden"
ALIASES = ROOT / "data" / "unit_aliases.csv"

STYLES = ("taizhou", "rongxian", "wenzhou2019", "jinan", "wenzhou2022")
_STYLE_WEIGHTS = (25, 20, 20, 15, 20)
# Forms of other real plans (issue 20): a plan is rendered in one of these instead of its
# jurisdiction's style with probability ``variety`` (own random stream: 0 gives the old corpus).
VARIANT_STYLES = ("slots", "cells", "pipes")
_VARIANT_WEIGHTS = (50, 25, 25)
VARIETY = 0.25
NATIONAL_JURISDICTIONS = 3000
NATIONAL_YEARS = 8
LAST_YEAR = 2024

# Seed place names replaced by the generated jurisdiction's name.
_SEED_PLACES = ("济南市市中区", "温州市", "台州市", "济南市", "市中区", "荣县", "温州", "台州", "济南", "瓯海区", "自贡市")
_CN = "一二三四五六七八九十"

# Reword pairs (applied in both directions): the kind of change a plan's
# drafters make from one year to the next.
_SYNONYMS = (
    ("加大", "加强"), ("推进", "推动"), ("完善", "健全"), ("进一步", "持续"), ("做好", "抓好"),
    ("全面", "深入"), ("积极", "主动"), ("建立", "构建"), ("提升", "提高"), ("扎实", "切实"),
    ("着力", "大力"), ("有序", "稳步"), ("统筹", "协调"), ("及时", "第一时间"), ("强化", "加强"),
    ("规范", "规范化"), ("信息公开", "公开工作"), ("政策解读", "解读工作"), ("落实", "贯彻"),
)
_SYN = {}
for _a, _b in _SYNONYMS:
    _SYN.setdefault(_a, []).append(_b)
    _SYN.setdefault(_b, []).append(_a)
_SYN_RE = re.compile("|".join(sorted(map(re.escape, _SYN), key=len, reverse=True)))

_FULLWIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})
_FOLD = str.maketrans({"（": "(", "）": ")", "〈": "(", "〉": ")", "，": ",", "：": ":", "；": ";"})


def norm(s: str) -> str:
    """Text folded for comparison: no whitespace, ASCII brackets and commas."""
    return re.sub(r"\s+", "", s or "").translate(_FOLD)


# --------------------------------------------------------------------------- pools from the seeds


@dataclass(frozen=True)
class Pools:
    sentences: tuple[str, ...]  # body sentences, each ending in 。
    titles: tuple[str, ...]  # item titles (a prose item's first sentence, with 。)
    headings: tuple[str, ...]  # section headings without their 一、 marker
    shorts: tuple[str, ...]  # short table rows
    departments: tuple[str, ...]  # canonical unit suffixes (财政局, 发展和改革委员会, …)
    spellings: dict  # canonical suffix -> tuple of spellings (canonical first)
    aliases: dict  # alias suffix -> canonical suffix


def _place_free(s: str) -> str:
    for p in _SEED_PLACES:
        s = s.replace(p, "{J}")
    return s


_BAD_SENTENCE = re.compile(r"[()（）〈〉|\t]|^[（(]?[一二三四五六七八九十\d]+[、.．)）]|牵头|配合|负责")


@lru_cache(maxsize=1)
def pools() -> Pools:
    """Texts and units of the seeds, read once per process."""
    golden = []
    for path in sorted(GOLDEN.glob("*.jsonl")):
        golden += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    sentences, titles, shorts = set(), set(), set()
    for row in golden:
        text = row["text"].replace("\n", "")
        parts = [p + "。" for p in text.split("。") if p.strip()]
        if row["source"] == "prose" and parts and 6 <= len(parts[0]) <= 40 and not _BAD_SENTENCE.search(parts[0]):
            titles.add(_place_free(parts[0]))
            parts = parts[1:]
        if row["source"] == "table" and len(text) <= 45 and "。" not in text and not _BAD_SENTENCE.search(text):
            shorts.add(_place_free(text.rstrip("。")))
        for p in parts:
            if 12 <= len(p) <= 150 and not _BAD_SENTENCE.search(p) and "{" not in _place_free(p)[:1]:
                sentences.add(_place_free(p))
    for t in titles:
        if len(t) <= 30:
            shorts.add(t.rstrip("。"))
    headings = set()
    for path in sorted(DOCUMENTS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^\s*[一二三四五六七八九十]+、(.{6,36})$", line.strip())
            if m and "|" not in line:
                headings.add(_place_free(m.group(1).strip()))
    aliases = {}
    for row in csv.reader(l for l in ALIASES.read_text(encoding="utf-8").splitlines()
                          if l.strip() and not l.startswith("#")):
        if len(row) >= 2 and row[0] != "alias":
            aliases[row[0].strip()] = row[1].strip()
    departments = set()
    for row in golden:
        for u in row["lead"] + row["assist"]:
            u = norm(u)
            if u[:1] not in "市县区" or u.startswith(("市级", "区政府", "县政府", "市委市政府")) or u[1:2] in "委级" and u[1:3] != "委宣":
                continue
            suffix = u[1:]
            if "(" in suffix or any(p in suffix for p in ("市中", "温州", "台州", "联席", "疫情", "政府有关", "政府各")):
                continue
            departments.add(aliases.get(suffix, suffix))
    departments |= {"委宣传部", "委组织部", "委网信办", "统计局", "审计局", "公安局", "科学技术局", "民政局", "水利局",
                    "应急管理局", "退役军人事务局", "林业局", "交通运输局", "商务局", "信访局", "司法局", "财政局"}
    spellings = {}
    for d in departments:
        spellings[d] = (d, *sorted(a for a, c in aliases.items() if c == d and a != d))
    return Pools(tuple(sorted(sentences)), tuple(sorted(titles)), tuple(sorted(headings)), tuple(sorted(shorts)),
                 tuple(sorted(departments)), spellings, aliases)


# --------------------------------------------------------------------------- jurisdictions


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # display name as a title writes it (济南市市中区)
    level: str  # province / city / county
    province: str  # province code
    parent: str  # parent code ("" for a province)
    prefix: str  # what a unit name starts with (省 / 市 / 县 / 区 / 旗)
    children: int  # divisions directly under it


@lru_cache(maxsize=1)
def all_places() -> tuple[Place, ...]:
    """Every division the extractor reads back from a title to the same code."""
    from mandategraph.loaders.jurisdictions import _display_name, division_table, resolve

    t = division_table()
    children: dict[str, int] = {}
    for c in t.by_code:
        parents = t.parents(c)
        if parents:
            children[parents[0][0]] = children.get(parents[0][0], 0) + 1
    out = []
    for code in sorted(t.by_code):
        name, level = t.by_code[code], t.level(code)
        if level == "county" and not name.endswith(("县", "区", "市", "旗")):
            continue
        if level == "city" and name == t.by_code.get(code[:2] + "0000"):
            continue  # 北京市 110100: the municipality again
        display = _display_name(t, code)
        if resolve(display).code != code:
            continue
        parents = t.parents(code)
        prefix = {"province": "省", "city": "市"}.get(level) or (name[-1] if name[-1] in "县区旗" else "市")
        if level == "province" and name.endswith("市"):
            prefix = "市"
        out.append(Place(code, display, level, code[:2] + "0000", parents[0][0] if parents else "", prefix,
                         children.get(code, 0)))
    return tuple(out)


def choose_places(n: int, seed: int) -> list[Place]:
    """``n`` divisions, whole provinces at a time (so a province's cities share templates), sorted by code."""
    places = all_places()
    by_prov: dict[str, list[Place]] = {}
    for p in places:
        by_prov.setdefault(p.province, []).append(p)
    rng = random.Random(f"{seed}:places")
    provinces = sorted(by_prov)
    rng.shuffle(provinces)
    chosen: list[Place] = []
    for prov in provinces:
        members = by_prov[prov]
        # The province, then its cities, then its counties, each in a seeded order.
        head = [p for p in members if p.level == "province"]
        cities = [p for p in members if p.level == "city"]
        counties = [p for p in members if p.level == "county"]
        rng.shuffle(cities)
        rng.shuffle(counties)
        for p in head + cities + counties:
            if len(chosen) >= n:
                break
            chosen.append(p)
        if len(chosen) >= n:
            break
    return sorted(chosen, key=lambda p: p.code)


# --------------------------------------------------------------------------- the plan model


@dataclass
class Units:
    lead: list[str]  # department suffixes, or group names starting with "@"
    assist: list[str]
    word: str  # how the slot is written (see _render_slot)
    catch_all: bool = False


@dataclass
class Clause:
    lineage: str
    sentences: list[str]
    units: Units | None
    deadline: str  # a deadline kind (see _deadline)
    origin: str


@dataclass
class PlanItem:
    item_id: str  # the family
    title: str
    clauses: list[Clause]
    short: str  # the item as an annex row names it
    template: str = ""  # provincial template item id, "" if the jurisdiction's own


@dataclass
class Plan:
    place: Place
    year: int
    style: str
    sections: list[tuple[str, list[PlanItem]]]


_DEADLINES = ("全年", "12月底前", "11月底前", "10月底前", "9月底前", "6月底前", "三季度前", "上半年", "年底前",
              "长期坚持", "持续推进", "Y年12月底前", "Y年6月底前")


def _deadline(kind: str, year: int) -> tuple[str, str | None]:
    """Raw deadline text and its normalised form (DESIGN.md, Deadlines)."""
    raw = kind.replace("Y年", f"{year}年")
    if kind in ("全年", "年底前"):
        return raw, f"{year}-12-31"
    if kind in ("长期坚持", "持续推进"):
        return raw, "ongoing"
    if kind == "三季度前":
        return raw, f"{year}-09-30"
    if kind == "上半年":
        return raw, f"{year}-06-30"
    m = re.search(r"(\d+)月", kind)
    mo = int(m.group(1))
    return raw, f"{year}-{mo:02d}-{calendar.monthrange(year, mo)[1]:02d}"


def _reword(s: str, rng: random.Random) -> str:
    hits = list(_SYN_RE.finditer(s))
    if not hits:
        return s
    m = rng.choice(hits)
    return s[: m.start()] + rng.choice(_SYN[m.group(0)]) + s[m.end():]


# Realistic rewording (``rewrite``): the share of plans rewritten from the year before the way
# 温州 2019 → 2022 was (almost every sentence said anew, items merged and split, sections
# regrouped); the others are copied with small edits as before. Calibrated so that the generated
# CONTINUES pairs into rewritten plans have the text similarity of 温州's hand pairs
# (bench/bench_continuity.py prints both distributions).
REWRITE = 0.0
_SPLIT, _MERGE = "~", "+"  # lineage marks: a piece of a split clause, clauses merged into one


@lru_cache(maxsize=1)
def _key_phrases() -> tuple[str, ...]:
    """Key domain phrases: the trigger words of the theme scheme (data/themes.ttl), longest first."""
    from mandategraph.graph.themes import load_scheme

    words = {w for th in load_scheme().themes.values() for w in th.triggers if len(w) >= 3}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def _by_phrase() -> dict[str, tuple[int, ...]]:
    """For each key phrase, the pool sentences that name it."""
    out: dict[str, list[int]] = {}
    sents = pools().sentences
    for w in _key_phrases():
        out[w] = [k for k, t in enumerate(sents) if w in t]
    return {w: tuple(v) for w, v in out.items() if v}


def _phrases_in(s: str) -> list[str]:
    found, rest = [], s
    for w in _key_phrases():
        if w in rest:
            found.append(w)
            rest = rest.replace(w, "\0")
    return found


def _overlap(a: str, b: str) -> float:
    """Jaccard similarity of the character bigram sets of two sentences."""
    x, y = {a[k:k + 2] for k in range(len(a) - 1)}, {b[k:k + 2] for k in range(len(b) - 1)}
    return len(x & y) / max(len(x | y), 1)


def _paraphrase(s: str, rng: random.Random, used: set[str]) -> str:
    """The same work said anew, as a drafter rewriting last year's plan does: a sentence of the
    seeds on the same key phrase (政务新媒体, 政策解读 …), whose other words differ; a sentence
    with no key phrase keeps its first clause and gets a new rest."""
    sents = pools().sentences
    index = _by_phrase()
    phrases = [w for w in _phrases_in(s) if w in index]
    if phrases:
        w = rng.choice(phrases)
        options = [sents[k] for k in index[w] if _overlap(sents[k], s) < 0.3]  # not the same sentence again
        fresh = [t for t in options if t not in used]
        if fresh or options:
            t = rng.choice(fresh or options)
            used.add(t)
            return t
    # No key phrase: a few words of the old sentence go on in a sentence of new wording.
    core = re.sub(r"[^\u4e00-\u9fff]", "", s)
    at = rng.randrange(max(len(core) - 4, 1))
    t = rng.choice(sents)
    cut = t.find("，") + 1 if "，" in t[:-1] else 0
    return t[:cut] + core[at:at + 4] + t[cut:]


class _Jurisdiction:
    """One jurisdiction's plans over the years: its own random stream and unit spellings."""

    def __init__(self, place: Place, seed: int, rewrite: float = REWRITE):
        self.place = place
        self.seed = seed
        self.rewrite = rewrite
        self.rewritten: set[int] = set()  # the years whose plan was rewritten from the year before
        self.rng = random.Random(f"{seed}:j:{place.code}")
        P = pools()
        self.pool = P
        k = self.rng.randint(14, 26)
        self.roster = self.rng.sample(P.departments, min(k, len(P.departments)))
        for must in ("政府办公室", "财政局"):
            if must not in self.roster:
                self.roster.append(must)
        self.spelling = {d: self.rng.choice(P.spellings.get(d, (d,))) for d in self.roster}
        self.style = self.rng.choices(STYLES, _STYLE_WEIGHTS)[0]
        self.used_sentences: set[str] = set()
        self.used_titles: set[str] = set()
        self.counter = 0

    # Unit names as written this year.
    def unit_raw(self, u: str) -> str:
        if u.startswith("@"):
            return u[1:]
        return self.place.prefix + self.spelling.get(u, u)

    def unit_canonical(self, u: str) -> str:
        if u.startswith("@"):
            return u[1:]
        return self.place.prefix + u

    def groups(self) -> list[str]:
        lv, pre = self.place.level, self.place.prefix
        if lv == "province":
            return ["@各市(州)人民政府办公室", "@省级有关单位"]
        if lv == "city":
            return ["@各县(市、区)政府办公室", "@市级有关单位"]
        if pre == "区":
            return ["@各街道办事处", "@区政府各部门(单位)"]
        return ["@各乡镇政府", f"@{pre}政府有关部门"]

    def new_units(self, rng: random.Random, style_hint: str = "") -> Units | None:
        if rng.random() < 0.08:
            return None
        lead = rng.sample(self.roster, rng.choice((1, 1, 1, 2, 2, 3)))
        assist = rng.sample([d for d in self.roster if d not in lead], rng.choice((0, 0, 0, 1, 2)))
        if rng.random() < 0.2:
            g = rng.choice(self.groups())
            (assist if assist and rng.random() < 0.5 else lead).append(g)
        return Units(lead, assist, rng.choice(("a", "b", "c")), catch_all=rng.random() < 0.04)

    def new_sentence(self, rng: random.Random) -> tuple[str, str]:
        s = self.pick(rng, self.pool.sentences, self.used_sentences)
        return s, hashlib.sha1(s.encode()).hexdigest()[:8]

    def new_item(self, rng: random.Random, year: int, template: str = "") -> PlanItem:
        self.counter += 1
        item_id = f"{self.place.code}:{year}:{self.counter}"
        title = self.pick(rng, self.pool.titles, self.used_titles)
        n_clauses = rng.choice((1, 1, 1, 2, 2, 3))
        clauses = []
        for c in range(n_clauses):
            sents, origins = [], []
            for _ in range(rng.choice((1, 2, 2, 3))):
                s, o = self.new_sentence(rng)
                sents.append(s)
                origins.append(o)
            clauses.append(Clause(f"{item_id}/{c}", sents, self.new_units(rng), rng.choice(_DEADLINES),
                                  "+".join(origins)))
        # An annex row names the item by its title, or by a short phrase of its own.
        short = title.rstrip("。") if rng.random() < 0.7 else self.pick(rng, self.pool.shorts, self.used_titles)
        return PlanItem(item_id, title, clauses, short, template)

    @staticmethod
    def pick(rng: random.Random, pool: tuple[str, ...], used: set[str]) -> str:
        for _ in range(20):
            s = rng.choice(pool)
            if s not in used:
                break
        used.add(s)
        return s

    def evolve(self, item: PlanItem, rng: random.Random) -> PlanItem:
        """The same work item a year later: reworded, units and deadlines sometimes changed."""
        clauses = []
        for c in item.clauses:
            sents = [(_reword(s, rng) if rng.random() < 0.5 else s) for s in c.sentences]
            if len(sents) > 1 and rng.random() < 0.12:
                sents[rng.randrange(len(sents))] = self.new_sentence(rng)[0]
            elif rng.random() < 0.1:
                sents.append(self.new_sentence(rng)[0])
            units = c.units
            if units is not None and rng.random() < 0.15:
                lead = list(units.lead)
                repl = [d for d in self.roster if d not in lead and d not in units.assist]
                if repl:
                    lead[rng.randrange(len(lead))] = rng.choice(repl)
                units = Units(lead, list(units.assist), units.word, units.catch_all)
            deadline = c.deadline if rng.random() < 0.7 else rng.choice(_DEADLINES)
            clauses.append(Clause(c.lineage, sents, units, deadline, c.origin))
        title = _reword(item.title, rng) if rng.random() < 0.3 else item.title
        return PlanItem(item.item_id, title, clauses, item.short, item.template)

    def rework(self, items: list[PlanItem], year: int) -> list[PlanItem]:
        """With probability ``rewrite``, the plan rewritten from last year's: its continuing items'
        sentences said anew (the title and the annex row's phrase too), some items merged with the
        next or a clause split in two, and a third of the items regrouped under other sections. Its
        own random stream: the rest of the corpus is unchanged."""
        rng = random.Random(f"{self.seed}:rw:{self.place.code}:{year}")
        if rng.random() >= self.rewrite:
            return items
        self.rewritten.add(year)
        used = self.used_sentences
        said: list[PlanItem] = []
        for it in items:
            if it.template:  # a copy of the province's template (SIMILAR_TO) stays a copy
                said.append(it)
                continue
            clauses = []
            for c in it.clauses:
                sents = [_paraphrase(x, rng, used) if rng.random() < 0.95 else _reword(x, rng) for x in c.sentences]
                if len(sents) > 1 and rng.random() < 0.2:  # split: the second half is work of its own
                    h = len(sents) // 2
                    clauses.append(Clause(c.lineage, sents[:h], c.units, c.deadline, c.origin))
                    clauses.append(Clause(c.lineage + _SPLIT + "1", sents[h:], c.units, c.deadline, c.origin))
                else:
                    clauses.append(Clause(c.lineage, sents, c.units, c.deadline, c.origin))
            title = _paraphrase(it.title, rng, used).split("，")[0].rstrip("。") + "。" if rng.random() < 0.9 \
                else it.title
            short = _paraphrase(it.short, rng, used).split("，")[0].rstrip("。") if rng.random() < 0.9 else it.short
            said.append(PlanItem(it.item_id, title, clauses, short, it.template))
        out: list[PlanItem] = []
        k = 0
        while k < len(said):
            it = said[k]
            k += 1
            if not it.template and k < len(said) and not said[k].template and rng.random() < 0.15:
                other = said[k]  # merged with the next item
                k += 1
                c0, first = it.clauses[0], other.clauses[0]
                merged = Clause(c0.lineage + _MERGE + first.lineage, c0.sentences + first.sentences, c0.units,
                                c0.deadline, c0.origin)
                it = PlanItem(it.item_id, it.title, [merged, *it.clauses[1:], *other.clauses[1:]], it.short)
            out.append(it)
        for _ in range(len(out) // 3):  # regrouped: items move to other sections
            if len(out) > 1:
                out.insert(rng.randrange(len(out)), out.pop(rng.randrange(len(out))))
        return out

    def localize(self, t: PlanItem) -> PlanItem:
        """A provincial template item as this city writes it: its own units, the template's words."""
        rng = random.Random(f"{self.seed}:loc:{self.place.code}:{t.item_id}")
        clauses = [Clause(f"{self.place.code}@{c.lineage}", list(c.sentences), self.new_units(rng), c.deadline, c.origin)
                   for c in t.clauses]
        return PlanItem(f"{self.place.code}@{t.item_id}", t.title, clauses, t.short, t.item_id)

    def plans(self, years: list[int], templates: dict[int, list[PlanItem]] | None) -> Iterator[Plan]:
        rng = self.rng
        for t_items in (templates or {}).values():  # the city's own items do not reuse template sentences
            for t in t_items:
                self.used_titles.update((t.title, t.short))
                for c in t.clauses:
                    self.used_sentences.update(c.sentences)
        n_items = rng.randint(12, 20)
        items: list[PlanItem] = [self.new_item(rng, years[0]) for _ in range(n_items)]
        headings = rng.sample(self.pool.headings, k=min(len(self.pool.headings), rng.randint(4, 6)))
        style = self.style
        for yi, year in enumerate(years):
            if yi:
                kept = [self.evolve(it, rng) for it in items if rng.random() > 0.12]
                if self.rewrite:
                    kept = self.rework(kept, year)
                for _ in range(max(0, n_items - len(kept) + rng.randint(-1, 2))):
                    kept.insert(rng.randrange(len(kept) + 1), self.new_item(rng, year))
                items = kept
                if rng.random() < 0.08:
                    style = rng.choices(STYLES, _STYLE_WEIGHTS)[0]
                for d in self.roster:  # units renamed: a spelling of data/unit_aliases.csv changes
                    if rng.random() < 0.08:
                        self.spelling[d] = rng.choice(self.pool.spellings.get(d, (d,)))
            own = list(items)
            if templates and year in templates:
                chosen = [t for t in templates[year]
                          if random.Random(f"{self.seed}:pick:{self.place.code}:{t.item_id}").random() < 0.75]
                tmpl = [self.localize(t) for t in chosen]
                own = tmpl + own
            # Items into sections, in order.
            k = len(headings)
            sections = [(headings[s], own[s * len(own) // k:(s + 1) * len(own) // k]) for s in range(k)]
            yield Plan(self.place, year, style, [(h, its) for h, its in sections if its])


def province_templates(province: str, years: list[int], seed: int) -> dict[int, list[PlanItem]]:
    """The provincial template of each year: work items every city of the province copies."""
    fake = Place(province, "{J}", "city", province, "", "市", 0)
    j = _Jurisdiction(fake, seed)
    j.rng = random.Random(f"{seed}:tmpl:{province}")
    rng = j.rng
    items = [j.new_item(rng, years[0]) for _ in range(rng.randint(5, 8))]
    for it in items:
        it.item_id = f"P{province}:{it.item_id.split(':', 1)[1]}"
        for c in it.clauses:
            c.lineage = f"{it.item_id}/{c.lineage.rsplit('/', 1)[1]}"
    out = {}
    for yi, year in enumerate(years):
        if yi:
            kept = [j.evolve(it, rng) for it in items if rng.random() > 0.1]
            while len(kept) < len(items) - 1:
                it = j.new_item(rng, year)
                it.item_id = f"P{province}:{it.item_id.split(':', 1)[1]}"
                for c in it.clauses:
                    c.lineage = f"{it.item_id}/{c.lineage.rsplit('/', 1)[1]}"
                kept.append(it)
            items = kept
        out[year] = items
    return out


# --------------------------------------------------------------------------- rendering


@dataclass
class TruthTask:
    source: str
    path: list[str]
    marker: str
    text: str
    lead: list[dict]
    assist: list[dict]
    deadline: dict | None
    lineage: str
    family: str
    template: str
    origin: str
    details: int = 0  # index (from 1) of the prose task an annex row details, 0 if none


def _cn(n: int) -> str:
    if n <= 10:
        return _CN[n - 1]
    if n < 20:
        return "十" + (_CN[n - 11] if n > 10 else "")
    return _CN[n // 10 - 1] + "十" + (_CN[n % 10 - 1] if n % 10 else "")


class _Writer:
    """Collects one document's text and its truth tasks in order."""

    def __init__(self, j: _Jurisdiction, plan: Plan, rng: random.Random):
        self.j, self.plan, self.rng = j, plan, rng
        self.lines: list[str] = []
        self.tasks: list[TruthTask] = []
        self.J = plan.place.name
        self.short = re.sub(r"(市|县|区|省|旗)$", "", plan.place.name)[-4:]

    def text(self, s: str) -> str:
        return s.replace("{J}", self.J)

    def units_truth(self, units: Units | None) -> tuple[list[dict], list[dict]]:
        if units is None:
            return [], []
        j = self.j
        return ([{"raw": j.unit_raw(u), "unit": j.unit_canonical(u)} for u in units.lead],
                [{"raw": j.unit_raw(u), "unit": j.unit_canonical(u)} for u in units.assist])

    def add(self, **kw) -> int:
        self.tasks.append(TruthTask(**kw))
        return len(self.tasks)


def _slot(w: _Writer, units: Units, style: str) -> str:
    """A responsibility parenthetical's content."""
    lead = [w.j.unit_raw(u) for u in units.lead]
    assist = [w.j.unit_raw(u) for u in units.assist]
    if units.catch_all and not units.lead[-1].startswith("@"):
        lead[-1] += "等有关部门"
    L, A = "、".join(lead), "、".join(assist)
    if style == "rongxian":
        if units.word == "a" or assist:
            label = "责任单位" if units.word != "c" else "配合单位"
            return f"牵头单位:{L}" + (f",{label}:{A}" if assist else "")
        return f"{L}分工负责" if units.word == "b" else f"{L}牵头"
    # taizhou
    if assist:
        return f"{L}牵头,{A}配合"
    return f"{L}牵头"


def _cell_units(w: _Writer, units: Units) -> str:
    """A unit cell of the wenzhou 2019 task table."""
    lead = [w.j.unit_raw(u) for u in units.lead]
    assist = [w.j.unit_raw(u) for u in units.assist]
    if units.catch_all and not units.lead[-1].startswith("@"):
        lead[-1] += "等单位"
    L = "、".join(lead)
    if assist:
        return f"{L}牵头，{'、'.join(assist)}配合"
    if len(lead) > 1 or units.word == "a":
        return f"{L}分别负责"
    return f"{L}牵头负责"


def _units_of_cell(w: _Writer, units: Units | None) -> tuple[list[dict], list[dict]]:
    return w.units_truth(units)


def _deadline_truth(kind: str, year: int, show: bool = True) -> dict | None:
    if not show:
        return None
    raw, normalized = _deadline(kind, year)
    return {"raw": raw, "normalized": normalized}


def render_taizhou(w: _Writer) -> None:
    p, Y, J = w.plan, w.plan.year, w.J
    pre = p.place.prefix
    rng = w.rng
    L = w.lines
    L += [f"信息来源: {J} | 发布时间: {Y}-07-18 14: 36 | 浏览次数: |", f"{Y}年{J}政务公开工作要点",
          f"各县(市、区)政府,{pre}级有关单位:",
          f"{Y}年全{pre}政务公开工作的总体要求是:坚持以习近平新时代中国特色社会主义思想为指导,坚持以人民为中心深化政务公开,"
          f"提升政策发布、解读、回应质量,充分发挥政务公开促落实、强监管功能。"]
    prose_index: dict[str, int] = {}
    for s, (heading, items) in enumerate(p.sections, start=1):
        sec = _cn(s) + "、"
        L.append(sec + w.text(heading))
        for n, it in enumerate(items, start=1):
            marker = f"({_cn(n)})"
            parts = []
            # A clause group ends at its slot: a clause without units joins the next group
            # (or the last one when it trails), as a reader of the item would group them.
            groups: list[list[Clause]] = []
            pending: list[Clause] = []
            for cl in it.clauses:
                pending.append(cl)
                if cl.units is not None:
                    groups.append(pending)
                    pending = []
            if pending:
                if groups:
                    groups[-1] += pending
                else:
                    groups.append(pending)
            for c, group in enumerate(groups):
                head = w.text(it.title) if c == 0 else ""
                slotted = next((cl for cl in group if cl.units is not None), None)
                pieces, body = [], head
                for cl in group:
                    b = "".join(w.text(x) for x in cl.sentences)
                    if cl is slotted:
                        pieces.append(b[:-1] + f"({_slot(w, cl.units, 'taizhou')})" + "。")  # "…机制(…牵头)。"
                    else:
                        pieces.append(b)
                    body += b
                parts.append(head + "".join(pieces))
                main = slotted or group[0]
                lead, assist = w.units_truth(main.units)
                k = it.clauses.index(main)
                idx = w.add(source="prose", path=[sec[:-1], "（" + _cn(n) + "）"], marker="（" + _cn(n) + "）",
                            text=body, lead=lead, assist=assist, deadline=None, lineage=main.lineage,
                            family=it.item_id, template=it.template and f"{it.template}/{k}", origin=main.origin)
                prose_index.setdefault(it.item_id, idx)
            L.append(marker + "".join(parts))
    L.append(f"附件: 1.{Y}年{J}政务公开工作重点任务清单")
    L.append(f"2.{pre}级有关单位名单")
    L += [f"{J}政务公开领导小组办公室", f"{Y}年7月16日", "附件 1", f"{Y}年{J}政务公开工作重点任务清单"]
    header = "序号 | 重点任务 | 牵头单位 | 完成时限 |"
    L.append(header)
    rows = [it for _, items in p.sections for it in items if it.clauses[0].units is not None and rng.random() < 0.5]
    group = w.j.groups()[0]
    for r, it in enumerate(rows, start=1):
        if r == 15:
            L.append(header)  # the header repeated on a new page
        cl = it.clauses[0]
        named = [u for u in cl.units.lead if not u.startswith("@")]
        units = "、".join(w.j.unit_raw(u) for u in named)
        lead = [{"raw": w.j.unit_raw(u), "unit": w.j.unit_canonical(u)} for u in named]
        cell = units
        if rng.random() < 0.5 or not units:
            cell = (units + "," if units else "") + group[1:]
            lead = lead + [{"raw": group[1:], "unit": group[1:]}]
        raw, normalized = _deadline(cl.deadline, Y)
        short = w.text(it.short)
        L.append(f"{r} | {short} | {cell} | {raw} |")
        w.add(source="table", path=[str(r)], marker=str(r), text=short, lead=lead, assist=[],
              deadline={"raw": raw, "normalized": normalized}, lineage=f"{it.item_id}#row", family=it.item_id,
              template=it.template and f"{it.template}#row", origin="short:" + hashlib.sha1(it.short.encode()).hexdigest()[:8],
              details=prose_index.get(it.item_id, 0))
    L += ["附件2", f"{pre}级有关单位名单",
          "、".join(dict.fromkeys(w.j.unit_raw(d) for d in sorted(w.j.roster))), "打印本页 关闭窗口 |"]


def render_rongxian(w: _Writer) -> None:
    p, Y, J = w.plan, w.plan.year, w.J
    L = w.lines
    L += [f"{J}{Y}年政务公开工作要点", f"来源:{J}类别:政务公开年度要点发布时间:{Y}-07-19阅读:",
          f"  {Y}年,全{p.place.prefix}政务公开工作总体要求是:坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实"
          f"关于政务公开工作的系列部署,围绕中心工作和群众关注关切,着力深化重点领域信息公开。"]
    for s, (heading, items) in enumerate(p.sections, start=1):
        sec = _cn(s)
        L.append(f"  {sec}、{w.text(heading)}")
        n = 0
        for it in items:
            for c, cl in enumerate(it.clauses):
                n += 1
                marker = "（" + _cn(n) + "）"
                head = w.text(it.title) if c == 0 else ""
                body = head + "".join(w.text(x) for x in cl.sentences)
                lead, assist = w.units_truth(cl.units)
                slot = f"({_slot(w, cl.units, 'rongxian')})" if cl.units is not None else ""
                L.append(f"  ({_cn(n)}){body}{slot}")
                w.add(source="prose", path=[sec, marker], marker=marker, text=body, lead=lead, assist=assist,
                      deadline=None, lineage=cl.lineage, family=it.item_id,
                      template=it.template and f"{it.template}/{c}", origin=cl.origin)
    L += ["", f"{J}人民政府办公室", f"{Y}年7月18日"]


def render_wenzhou2019(w: _Writer) -> None:
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    L = w.lines
    L += ["附件", "", f"{Y}年{J}政务公开工作任务分解表", "",
          "\t工作", "任务", "\t主要内容和要求", "\t责任单位", "\t完成时限", ""]
    g = 0
    for _, items in p.sections:
        for it in items:
            g += 1
            gm = f"{g}."
            title = w.text(it.title).rstrip("。")
            multi = len(it.clauses) > 1
            prev_cell = None
            prev_deadline = ("", None)
            for c, cl in enumerate(it.clauses):
                km = f"（{c + 1}）"
                body = "".join(w.text(x) for x in cl.sentences)
                cell = _cell_units(w, cl.units) if cl.units is not None else ""
                lead, assist = w.units_truth(cl.units)
                if cl.units is None and prev_cell is not None:
                    lead, assist = prev_units  # a blank cell continues the one above in the group
                    shown_cell = ""
                elif cell == prev_cell:
                    shown_cell = ""  # merged with the cell above
                else:
                    shown_cell = cell
                if cl.units is not None:
                    prev_cell, prev_units = cell, (lead, assist)
                show_deadline = rng.random() < 0.2
                raw, normalized = _deadline(cl.deadline, Y) if show_deadline else ("", None)
                dl_cell = raw
                if show_deadline:
                    prev_deadline = (raw, normalized)
                else:
                    raw, normalized = prev_deadline  # a blank cell continues the one above in the group
                show_deadline = bool(raw)
                if raw.endswith("月底前") and not raw.startswith(str(Y)) and rng.random() < 0.5:
                    dl_cell = raw[:-2] + "\n" + raw[-2:]  # "11月\n底前"
                # long text cells wrap onto continuation lines without a tab
                text_cell = (km if multi else "") + body
                if len(text_cell) > 60 and rng.random() < 0.3:
                    cut = text_cell.find("。", 30)
                    if 0 < cut < len(text_cell) - 1:
                        text_cell = text_cell[: cut + 1] + "\n" + text_cell[cut + 1:]
                L.append("\t" + (f"{gm}{title}" if c == 0 else ""))
                L.append("\t" + text_cell)
                L.append("\t" + shown_cell)
                L.append("\t" + dl_cell)
                L.append("")
                w.add(source="table", path=[gm, km] if multi else [gm], marker=km if multi else gm, text=body,
                      lead=lead, assist=assist,
                      deadline={"raw": raw, "normalized": normalized} if show_deadline else None,
                      lineage=cl.lineage, family=it.item_id, template=it.template and f"{it.template}/{c}",
                      origin=cl.origin)
    L += ["", "— 1 —"]


def render_jinan(w: _Writer) -> None:
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    L = w.lines
    num = f"{w.short}政办发〔{Y}〕{rng.randint(1, 30)}号"
    office = f"{J}人民政府办公室"
    title = f"{Y}年{J}政务公开工作要点"
    L += ["无障碍阅读 关怀版 返回首页", "政府信息公开", f"{office}关于印发{title}的通知",
          f"11{p.place.code}7059525546-A/{Y}-{rng.randint(1000000, 9999999)}", "综合政务", num,
          f"{p.place.prefix}政府办公室", f"{Y}-06-30", f"{Y}-06-30", "有效", "", f"{office}关于印发{title}的通知", "",
          "字号:", "", "打印整页 打印内容 分享", "", office, "", f"关于印发{title}的通知", "", num, "", " ", "",
          f"各街道办事处,{p.place.prefix}政府各部门:", "",
          f"《{title}》已经{p.place.prefix}政府同意,现印发给你们,请认真抓好贯彻落实。", "", " ", "", office, "",
          f"{Y}年6月30日", "", "(此件公开发布)", "", "", title, "",
          f"{Y}年,{J}政务公开工作的总体要求是:以习近平新时代中国特色社会主义思想为指导,统筹政务公开与安全保密,"
          f"不断提升政策服务水平,持续深化政企政民互动,以公开促落实、优服务、强监管。", ""]
    n = 0
    item_rows = []
    for s, (heading, items) in enumerate(p.sections, start=1):
        sec = _cn(s) + "、" + w.text(heading)
        L += [sec, ""]
        for it in items:
            n += 1
            marker = f"({_cn(n)})"
            title_i = w.text(it.title)
            body = title_i + "".join(w.text(x) for cl in it.clauses for x in cl.sentences)
            L += [marker + body, ""]
            idx = w.add(source="prose", path=[_cn(s), "（" + _cn(n) + "）"], marker="（" + _cn(n) + "）", text=body,
                        lead=[], assist=[], deadline=None, lineage=it.item_id, family=it.item_id,
                        template=it.template and f"{it.template}/item", origin=_item_origin(it))
            item_rows.append((s, n, sec, marker, title_i.rstrip("。"), it, idx))
    L += [" ", f"附件:{Y}年{J}政务公开重点工作任务分工", "", "", "附件", "", " ", "",
          f"{Y}年{J}政务公开重点工作任务分工", "", " ", "", "序号", "", "工作任务", "", "具体要求", "", "责任单位", "",
          "完成时限", ""]
    r = 0
    last_sec = None
    for s, n, sec, marker, title_i, it, idx in item_rows:
        for c, cl in enumerate(it.clauses):
            r += 1
            L += [str(r), ""]
            if c == 0:
                if sec != last_sec or rng.random() < 0.3:
                    L += [sec, ""]
                    last_sec = sec
                L += [marker + title_i, ""]
            body = "".join(w.text(x) for x in cl.sentences)
            units = cl.units or Units(["@" + w.j.groups()[1][1:]], [], "a")
            lead = [w.j.unit_raw(u) for u in units.lead + units.assist]
            L += [body, "", "、".join(lead), ""]
            raw, normalized = _deadline(cl.deadline, Y)
            L += [raw, ""]
            truth_lead = [{"raw": w.j.unit_raw(u), "unit": w.j.unit_canonical(u)} for u in units.lead + units.assist]
            w.add(source="table", path=[_cn(s), "（" + _cn(n) + "）", str(r)], marker=str(r), text=body,
                  lead=truth_lead, assist=[], deadline={"raw": raw, "normalized": normalized}, lineage=cl.lineage,
                  family=it.item_id, template=it.template and f"{it.template}/{c}", origin=cl.origin, details=idx)
    L += ["", "", "扫码使用手机浏览本页内容"]




def _item_origin(it) -> str:
    """A whole prose item restates all its clauses: its origin is theirs together."""
    return "+".join(o for cl in it.clauses for o in cl.origin.split("+") if o)


def render_wenzhou2022(w: _Writer) -> None:
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    L = w.lines
    L += ["", "", f"{J}政务公开领导小组办公室", "", f"关于印发 {Y} 年{J}政务公开工作要点 的通知", "",
          "各县（市、区）人民政府，市各有关单位：", "", f"现将《{Y} 年{J}政务公开工作要点》印发给你们，请认真贯彻执行。", "",
          f"附件：1.{Y} 年{J}政务公开工作要点", "", "2.市级有关单位名单", "", "", "", "附件 1", "",
          f"{Y} 年{J}政务公开工作要点", "",
          f"{Y} 年全市政务公开工作的总体要求是：以习近平新时代中国特色社会主义思想为指导，坚持以人民为中心深化政务公开，"
          f"不断提升政策发布、解读、回应质量，更好发挥政务公开促落实、强监管功能。", ""]
    n = 0
    prose_idx = {}
    for s, (heading, items) in enumerate(p.sections, start=1):
        L += [f"{_cn(s)}、{w.text(heading).translate(_FULLWIDTH)}", ""]
        for it in items:
            n += 1
            marker = f"（{_cn(n)}）" if rng.random() < 0.6 else f"({_cn(n)}) "
            title_i = w.text(it.title).translate(_FULLWIDTH)
            sents = [w.text(x).translate(_FULLWIDTH) for cl in it.clauses for x in cl.sentences]
            body = title_i + "".join(sents)
            if len(sents) > 2 and rng.random() < 0.4:
                L += [marker + title_i, "", "".join(sents[:2]), "", "".join(sents[2:]), ""]
            else:
                L += [marker + body, ""]
            prose_idx[it.item_id] = w.add(
                source="prose", path=[_cn(s), "（" + _cn(n) + "）"], marker="（" + _cn(n) + "）", text=body, lead=[],
                assist=[], deadline=None, lineage=it.item_id, family=it.item_id,
                template=it.template and f"{it.template}/item", origin=_item_origin(it))
    # Table 1: the city departments' key tasks.
    L += [f"{Y} 年度{J}市直部门政务公开工作重点任务清单", "", "序号\t重点任务\t牵头单位\t完成时限"]
    items = [it for _, its in p.sections for it in its if it.clauses[0].units is not None and rng.random() < 0.6]
    for r, it in enumerate(items, start=1):
        cl = it.clauses[0]
        names = [w.j.unit_raw(u) for u in cl.units.lead]
        shown = [(n[:3] + " " + n[3:] if len(n) > 5 and rng.random() < 0.1 else n) for n in names]  # PDF line breaks
        raw, normalized = _deadline(cl.deadline, Y)
        short = w.text(it.short).translate(_FULLWIDTH)
        L.append(f"{r}\t{short}\t{'、 '.join(shown) if len(shown) > 1 and rng.random() < 0.3 else '、'.join(shown)}\t{raw}")
        lead = [{"raw": w.j.unit_raw(u), "unit": w.j.unit_canonical(u)} for u in cl.units.lead]
        w.add(source="table", path=[str(r)], marker=str(r), text=short, lead=lead, assist=[],
              deadline={"raw": raw, "normalized": normalized}, lineage=f"{it.item_id}#row", family=it.item_id,
              template=it.template and f"{it.template}#row",
              origin="short:" + hashlib.sha1(it.short.encode()).hexdigest()[:8], details=prose_idx.get(it.item_id, 0))
    # Table 2: the counties' tasks, from a PDF: merged cells print in their block's middle row.
    if p.place.level in ("city", "province") and p.place.children:
        n_rows = rng.randint(8, 16)
        shorts = rng.sample(w.j.pool.shorts, n_rows)
        who = f"{p.place.children}个县（市、区）" if p.place.level == "city" else f"{p.place.children}个市（州）"
        who_raw = re.sub(r"\s", "", who)
        block = rng.choice(range(3, n_rows - 2, 2))  # an odd block of rows sharing one deadline
        kinds = [rng.choice(_DEADLINES[:7])] + [rng.choice(_DEADLINES[:7]) for _ in range(n_rows - block)]
        values = [kinds[0]] * block + kinds[1:]
        cells = [""] * n_rows
        cells[block // 2] = kinds[0]
        for k in range(block, n_rows):
            cells[k] = values[k]
        L += ["", f"{Y} 年度{J}各县（市、区）政务公开工作重点任务 清单", "", "序号\t重点任务\t地区\t完成时限"]
        for r in range(n_rows):
            region = who if r == n_rows // 2 else ""
            short = w.text(shorts[r]).translate(_FULLWIDTH)
            dl = _deadline(cells[r], Y)[0] if cells[r] else ""
            L.append(f"{r + 1}\t{short}\t{region}\t{dl}")
            raw, normalized = _deadline(values[r], Y)
            w.add(source="table", path=[str(r + 1)], marker=str(r + 1), text=short,
                  lead=[{"raw": who_raw, "unit": who_raw.translate(_FOLD)}], assist=[],
                  deadline={"raw": raw, "normalized": normalized}, lineage=f"{p.place.code}:county-row:{shorts[r]}",
                  family=f"{p.place.code}:county-row:{shorts[r]}", template="",
                  origin="short:" + hashlib.sha1(shorts[r].encode()).hexdigest()[:8])
    L += ["", "附件 2", "", "市级有关单位名单", "",
          "、".join(dict.fromkeys(w.j.unit_raw(d) for d in sorted(w.j.roster))).translate(_FULLWIDTH), ""]


# --------------------------------------------------------------------------- forms of other real plans

_ASCII = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")"})
_LEAD_LABELS = ("牵头单位", "牵头科室", "牵头处室", "主责单位")
_SECOND_LABELS = ("责任单位", "责任科室", "责任处室", "责任部门", "配合科室", "落实单位", "承办单位")
_ALONE_LABELS = ("责任单位", "责任处室", "责任部门", "主责单位", "落实单位", "承办单位")
_DEADLINE_LABELS = ("完成时限", "时限要求", "完成时间")
_SLOT_DEADLINES = ("Y年10月", "Y年6月", "Y年12月", "6月底前", "10月底前", "年底前", "长期坚持", "三季度前")


def _slot_deadline(kind: str, year: int) -> tuple[str, str | None]:
    if re.fullmatch(r"Y年\d+月", kind):
        mo = int(kind[2:-1])
        return f"{year}年{mo}月", f"{year}-{mo:02d}-{calendar.monthrange(year, mo)[1]:02d}"
    return _deadline(kind, year)


def _page_noise(w: _Writer) -> list[str]:
    """What a government site prints above a plan's title when the page is saved as text."""
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    return [f"当前位置:首页>>政务公开>>{rng.choice(('政策文件', '法定主动公开内容', '计划总结'))}",
            f"索引号: | {p.place.code}00/{Y}-{rng.randint(10, 999):05d} | 发布机构: | {J}人民政府办公室 |",
            f"发文日期: | {Y}-0{rng.randint(3, 7)}-{rng.randint(10, 28)} | 主题分类: | 政务公开 |",
            "字体大小:[ 大 中 小 ]"]


def _variant_slot(w: _Writer, units: Units, Y: int, ascii_: bool) -> tuple[str, list[dict], list[dict], dict | None]:
    """A responsibility slot in one of the forms other plans use, and what it means (roles as loaders/roles.py reads them)."""
    rng = w.rng
    j = w.j
    lead = [u for u in units.lead]
    assist = [u for u in units.assist]
    ref = lambda u: {"raw": j.unit_raw(u), "unit": j.unit_canonical(u)}  # noqa: E731
    names = lambda us, sep="、": sep.join(j.unit_raw(u) for u in us)  # noqa: E731
    deadline = None
    tail = ""
    if rng.random() < 0.3:
        raw, normalized = _slot_deadline(rng.choice(_SLOT_DEADLINES), Y)
        tail = f"{rng.choice((',', ';'))}{rng.choice(_DEADLINE_LABELS)}:{raw}"
        deadline = {"raw": raw, "normalized": normalized}
    if assist:
        form = rng.choice(("labels", "labels_fw", "huitong", "peihe"))
        if form == "labels":
            text = f"{rng.choice(_LEAD_LABELS)}:{names(lead)};{rng.choice(_SECOND_LABELS)}:{names(assist)}"
            t_lead, t_assist = lead, assist
        elif form == "labels_fw":
            text = f"牵头单位：{names(lead)}；责任单位：{names(assist)}"
            t_lead, t_assist = lead, assist
        elif form == "huitong":
            text = f"{names(lead)}牵头,会同{names(assist)}落实"
            t_lead, t_assist = lead, assist
        else:  # only the units that help are named
            text = f"{names(assist)}配合"
            t_lead, t_assist = [], assist
    else:
        forms = ["deadline", "fuze", "label", "bracket", "fengong"] + (["both"] if len(lead) > 1 else ["square"])
        form = rng.choice(forms)
        t_lead, t_assist = lead, []
        if form == "deadline":
            if deadline is None:
                raw, normalized = _slot_deadline(rng.choice(_SLOT_DEADLINES[:3]), Y)
                tail = f",完成时限:{raw}"
                deadline = {"raw": raw, "normalized": normalized}
            text = f"{names(lead)}牵头落实"
        elif form == "fuze":
            text = f"{names(lead)}负责落实"
        elif form == "label":
            text = f"{rng.choice(_ALONE_LABELS)}:{names(lead)}"
        elif form == "bracket":
            text = f"〔责任单位:{names(lead, ',')}〕"
        elif form == "square":
            text = f"[责任单位:{names(lead)}]"
        elif form == "fengong":
            text = f"{names(lead)}按职责分工负责"
        else:  # X牵头,Y负责落实: both lead
            text = f"{names(lead[:1])}牵头,{names(lead[1:])}负责落实"
    if text.startswith(("〔", "[")):
        if tail:
            text = text[:-1] + tail + text[-1]
        slot = text
    else:
        slot = "(" + text + tail + ")"
    if not ascii_:
        slot = slot.replace(",", "，").replace(":", "：").replace("(", "（").replace(")", "）")
    return slot, [ref(u) for u in t_lead], [ref(u) for u in t_assist], deadline


def render_slots(w: _Writer) -> None:
    """Prose items each closed by a responsibility slot in the forms of other plans; ASCII punctuation in some."""
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    ascii_ = rng.random() < 0.4
    tx = (lambda s: s.translate(_ASCII)) if ascii_ else (lambda s: s.translate(_FULLWIDTH))  # noqa: E731
    L = w.lines
    if rng.random() < 0.5:
        L += _page_noise(w)
    L += [f"{J}{Y}年政务公开工作要点", "",
          tx(f"{Y}年,全{p.place.prefix}政务公开工作的总体要求是:坚持以习近平新时代中国特色社会主义思想为指导,"
             f"围绕中心工作和群众关注关切,着力深化重点领域信息公开。"), ""]
    for s, (heading, items) in enumerate(p.sections, start=1):
        sec = _cn(s)
        L += [f"{sec}、{tx(w.text(heading))}", ""]
        n = 0
        for it in items:
            for c, cl in enumerate(it.clauses):
                n += 1
                marker = "（" + _cn(n) + "）"
                head = w.text(it.title) if c == 0 else ""
                body = tx(head + "".join(w.text(x) for x in cl.sentences))
                deadline = None
                lead = assist = []
                slot = ""
                if cl.units is not None:
                    slot, lead, assist, deadline = _variant_slot(w, cl.units, Y, ascii_)
                shown = body
                if rng.random() < 0.1:  # a date in the prose is not the task's deadline
                    extra = tx(f"力争{Y}年{rng.randint(3, 11)}月底前取得阶段性成效。")
                    shown = body + extra
                    body = shown
                written_marker = f"({_cn(n)})" if ascii_ else marker
                if slot and rng.random() < 0.3 and shown.endswith("。"):
                    L += [f"{written_marker}{shown[:-1]}{slot}。", ""]
                else:
                    L += [f"{written_marker}{shown}{slot}", ""]
                w.add(source="prose", path=[sec, marker], marker=marker, text=body, lead=lead, assist=assist,
                      deadline=deadline, lineage=cl.lineage, family=it.item_id,
                      template=it.template and f"{it.template}/{c}", origin=cl.origin)
    L += ["", f"{J}人民政府办公室", f"{Y}年6月28日"]


def _cell_slot(w: _Writer, units: Units) -> tuple[str, list[dict], list[dict]]:
    j = w.j
    ref = lambda u: {"raw": j.unit_raw(u), "unit": j.unit_canonical(u)}  # noqa: E731
    L = "、".join(j.unit_raw(u) for u in units.lead)
    if units.assist:
        return (f"{L}牵头，{'、'.join(j.unit_raw(u) for u in units.assist)}配合", [ref(u) for u in units.lead],
                [ref(u) for u in units.assist])
    return L, [ref(u) for u in units.lead], []


def _table_row(w: _Writer, it, c: int, cl, year: int, number: str) -> tuple[str, str, str]:
    """A clause as a table row of the real-plan layouts: its task text, unit cell and deadline
    cell, its truth recorded (``number``: the row's 序号, "" when the table has none)."""
    units = cl.units or Units(["@" + w.j.groups()[1][1:]], [], "a")
    cell, lead, assist = _cell_slot(w, units)
    body = "".join(w.text(x) for x in cl.sentences)
    raw, normalized = _deadline(cl.deadline, year)
    w.add(source="table", path=[number] if number else [], marker=number, text=body, lead=lead, assist=assist,
          deadline={"raw": raw, "normalized": normalized}, lineage=cl.lineage, family=it.item_id,
          template=it.template and f"{it.template}/{c}", origin=cl.origin)
    return body, cell, raw


def render_cells(w: _Writer) -> None:
    """A task table saved from a web page: one cell per line closed by `` |``, a lone ``|`` between rows, no 序号."""
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    L = w.lines
    if rng.random() < 0.6:
        L += _page_noise(w)
    L += [f"{Y}年{J}政务公开重点工作任务分解表", ""]
    header = rng.choice((("工作任务", "具体内容", "责任部门", "完成时限"), ("重点任务", "工作内容", "责任单位", "完成时间")))
    L += [f"{h} |" for h in header] + ["|"]
    for _, items in p.sections:
        for it in items:
            title = w.text(it.title).rstrip("。")
            for c, cl in enumerate(it.clauses):
                body, cell, raw = _table_row(w, it, c, cl, Y, "")
                L += [f"{title} |", f"{body} |", f"{cell} |", f"{raw} |", "|"]
    L += ["", f"{J}人民政府办公室 {Y}年7月1日印发"]


def render_pipes(w: _Writer) -> None:
    """``|`` rows whose merged category cell is printed on the first row of its block only."""
    p, Y, J = w.plan, w.plan.year, w.J
    rng = w.rng
    L = w.lines
    if rng.random() < 0.5:
        L += _page_noise(w)
    L += [f"{Y}年{J}政务公开工作任务清单", ""]
    numbered = rng.random() < 0.5
    L.append(("序号 | " if numbered else "") + "类别 | 重点任务 | 牵头单位 | 完成时限 |")
    r = 0
    for heading, items in p.sections:
        first = True
        for it in items:
            for c, cl in enumerate(it.clauses):
                r += 1
                body, cell, raw = _table_row(w, it, c, cl, Y, str(r) if numbered else "")
                cat = w.text(heading)
                num = f"{r} | " if numbered else ""
                L.append(f"{num}{cat} | {body} | {cell} | {raw} |" if first else f"{num}{body} | {cell} | {raw} |")
                first = False
    L += ["", f"{J}人民政府办公室"]


_RENDER = {"taizhou": render_taizhou, "rongxian": render_rongxian, "wenzhou2019": render_wenzhou2019,
           "jinan": render_jinan, "wenzhou2022": render_wenzhou2022, "slots": render_slots, "cells": render_cells,
           "pipes": render_pipes}


# --------------------------------------------------------------------------- generation


@dataclass
class Doc:
    file: str  # path relative to the corpus folder
    data: bytes
    meta: dict
    tasks: list[dict]


def _render(j: _Jurisdiction, plan: Plan, encoding: str) -> Doc:
    rng = random.Random(f"{j.seed}:doc:{plan.place.code}:{plan.year}")
    w = _Writer(j, plan, rng)
    _RENDER[plan.style](w)
    text = "\n".join(w.lines) + "\n"
    data = text.encode(encoding)
    sha = hashlib.sha256(data).hexdigest()
    did = f"D:{sha[:16]}"
    name = f"{plan.place.code}_{plan.year}.txt"
    file = f"documents/{plan.place.province}/{name}"
    tasks = []
    for k, t in enumerate(w.tasks, start=1):
        d = t.__dict__.copy()
        d["details"] = f"T:{sha[:16]}:{t.details:04d}" if t.details else ""
        tasks.append({"task": f"T:{sha[:16]}:{k:04d}", "document": name, "index": k, "year": plan.year,
                      "code": plan.place.code, **d})
    meta = {"document": name, "file": file, "id": did, "jurisdiction": plan.place.name, "code": plan.place.code,
            "level": plan.place.level, "province": plan.place.province, "parent": plan.place.parent,
            "year": plan.year, "style": plan.style, "encoding": encoding, "bytes": len(data), "tasks": len(tasks)}
    if plan.year in j.rewritten:
        meta["rewritten"] = True  # rewritten from the year before (only then: older corpora stay as they were)
    return Doc(file, data, meta, tasks)


def _jurisdiction_docs(args) -> list[Doc]:
    place, years, seed, gbk_share, variety, rewrite = args
    j = _Jurisdiction(place, seed, rewrite)
    templates = province_templates(place.province, years, seed) if place.level == "city" else None
    out = []
    for plan in j.plans(years, templates):
        var_rng = random.Random(f"{seed}:var:{place.code}:{plan.year}")
        if var_rng.random() < variety:
            plan.style = var_rng.choices(VARIANT_STYLES, _VARIANT_WEIGHTS)[0]
        enc_rng = random.Random(f"{seed}:enc:{place.code}:{plan.year}")
        encoding = "gb18030" if enc_rng.random() < gbk_share else "utf-8"
        out.append(_render(j, plan, encoding))
    return out


def iter_documents(places: list[Place], years: list[int], seed: int, workers: int = 1,
                   gbk_share: float = 0.0, variety: float = VARIETY, rewrite: float = REWRITE) -> Iterator[Doc]:
    """Documents jurisdiction by jurisdiction, in code order (parallel when ``workers`` > 1)."""
    jobs = [(p, years, seed, gbk_share, variety, rewrite) for p in places]
    if workers <= 1 or len(jobs) < 4:
        for job in jobs:
            yield from _jurisdiction_docs(job)
        return
    from multiprocessing import get_context

    with get_context("fork").Pool(workers) as pool:
        for docs in pool.imap(_jurisdiction_docs, jobs, chunksize=4):
            yield from docs


def generate(out: str | Path, jurisdictions: int, years: int, seed: int = 0, workers: int = 0,
             gbk_share: float = 0.0, last_year: int = LAST_YEAR, progress=None, variety: float = VARIETY,
             rewrite: float = REWRITE) -> dict:
    """Write a corpus of ``jurisdictions`` × ``years`` plans and its truth to ``out``; return counts.

    ``rewrite``: the share of continuing items rewritten as real plans rewrite them (see
    :meth:`_Jurisdiction.rework`); 0 gives the corpus of earlier versions byte for byte.
    """
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    all_years = list(range(last_year - years + 1, last_year + 1))
    places = choose_places(jurisdictions, seed)
    workers = workers or (os.cpu_count() or 1)
    pools()  # read once before forking
    t0 = time.perf_counter()
    n_docs = n_tasks = n_bytes = 0
    lineage_last: dict[tuple[str, str], tuple[int, str]] = {}  # (code, lineage) -> (year, task id)
    history: dict[tuple[str, str], dict[int, list[str]]] = {}  # with rewording: (code, part) -> year -> tasks
    groups: dict[tuple[str, int], list[str]] = {}
    made_dirs: set[str] = set()
    with open(out / "truth" / "documents.jsonl", "w", encoding="utf-8") as fdoc, \
            open(out / "truth" / "tasks.jsonl", "w", encoding="utf-8") as ftask, \
            open(out / "truth" / "pairs.jsonl", "w", encoding="utf-8") as fpair:
        for doc in iter_documents(places, all_years, seed, workers, gbk_share, variety, rewrite):
            folder = os.path.dirname(doc.file)
            if folder not in made_dirs:
                (out / folder).mkdir(parents=True, exist_ok=True)
                made_dirs.add(folder)
            (out / doc.file).write_bytes(doc.data)
            fdoc.write(json.dumps(doc.meta, ensure_ascii=False) + "\n")
            year, code = doc.meta["year"], doc.meta["code"]
            for t in doc.tasks:
                ftask.write(json.dumps(t, ensure_ascii=False) + "\n")
                if rewrite:
                    for a in _earlier(history, code, t["lineage"], year, t["task"]):
                        fpair.write(json.dumps({"type": "CONTINUES", "a": a, "b": t["task"],
                                                "lineage": t["lineage"]}, ensure_ascii=False) + "\n")
                else:
                    key = (code, t["lineage"])
                    prev = lineage_last.get(key)
                    if prev is not None and prev[0] < year:
                        fpair.write(json.dumps({"type": "CONTINUES", "a": prev[1], "b": t["task"],
                                                "lineage": t["lineage"]}, ensure_ascii=False) + "\n")
                    lineage_last[key] = (year, t["task"])
                if t["details"]:
                    fpair.write(json.dumps({"type": "DETAILS", "a": t["task"], "b": t["details"]}) + "\n")
                if t["template"]:
                    groups.setdefault((t["template"], year), []).append(t["task"])
            n_docs += 1
            n_tasks += len(doc.tasks)
            n_bytes += len(doc.data)
            if progress:
                progress(n_docs)
    with open(out / "truth" / "templates.jsonl", "w", encoding="utf-8") as fh:
        for (tmpl, year), tasks in sorted(groups.items()):
            if len(tasks) > 1:
                fh.write(json.dumps({"template": tmpl, "year": year, "tasks": tasks}) + "\n")
    summary = {"jurisdictions": len(places), "years": all_years, "seed": seed, "documents": n_docs,
               "tasks": n_tasks, "bytes": n_bytes, "seconds": round(time.perf_counter() - t0, 2),
               "gbk_share": gbk_share, "variety": variety}
    (out / "truth" / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _earlier(history: dict, code: str, lineage: str, year: int, task: str) -> list[str]:
    """With rewording, the tasks of the latest earlier year that a task of ``lineage`` continues, and
    the task recorded: each part of a merged lineage (``A+B``) continues its own; a piece of a split
    clause (``A~1``) continues its whole the year it was split, and itself after."""
    found: list[str] = []
    parts = lineage.split(_MERGE)
    for part in parts:
        for key in (part, part.split(_SPLIT)[0]):
            years = [y for y in history.get((code, key), {}) if y < year]
            if years:
                found += [a for a in history[(code, key)][max(years)] if a not in found]
                break
    for part in parts:
        history.setdefault((code, part), {}).setdefault(year, []).append(task)
    return found


# --------------------------------------------------------------------------- reading the truth back


def read_jsonl(path: str | Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def truth_tasks(corpus: str | Path) -> dict[str, list[dict]]:
    """Truth tasks grouped by document file name, in document order."""
    out: dict[str, list[dict]] = {}
    for t in read_jsonl(Path(corpus) / "truth" / "tasks.jsonl"):
        out.setdefault(t["document"], []).append(t)
    return out


def template_kin(truth: dict):
    """The test of a "possible" SIMILAR_TO pair between truth tasks (``truth``: id → task): one
    provincial template, or half of their seed sentences shared."""
    def kin(a, b):
        ta, tb = truth.get(a), truth.get(b)
        if not ta or not tb:
            return False
        fa, fb = re.split(r"[/#]", ta["template"])[0], re.split(r"[/#]", tb["template"])[0]
        if fa and fa == fb:
            return True
        oa, ob = set(ta["origin"].split("+")) - {""}, set(tb["origin"].split("+")) - {""}
        return bool(oa and ob and len(oa & ob) * 2 >= min(len(oa), len(ob)))
    return kin


def task_refs(tasks) -> dict:
    """Truth tasks as the linker's :class:`~mandategraph.graph.continuity.TaskRef`, by
    jurisdiction code and year (units and section filled in, as a build gives them)."""
    from collections import defaultdict

    from mandategraph.graph.continuity import TaskRef

    by_jy: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for t in tasks:
        units = tuple(u["unit"] for u in t["lead"] + t["assist"])
        section = f"{t['document']}|{t['source']}|{t['path'][0]}" if t["path"] else ""
        by_jy[t["code"]][t["year"]].append(TaskRef(t["task"], t["text"], t["year"], t["code"], t["source"],
                                                   units, section))
    return by_jy


def template_pairs(corpus: str | Path) -> Iterator[tuple[str, str]]:
    """Every SIMILAR_TO pair of the truth (two tasks of different jurisdictions copying one template task)."""
    for g in read_jsonl(Path(corpus) / "truth" / "templates.jsonl"):
        tasks = g["tasks"]
        for i in range(len(tasks)):
            for k in range(i + 1, len(tasks)):
                yield tasks[i], tasks[k]


# --------------------------------------------------------------------------- scoring


def align_tasks(truth: list[dict], found: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (truth index, found index) pairs: the same normalised text first, then near text in order."""
    from difflib import SequenceMatcher

    by_text: dict[str, list[int]] = {}
    for j, f in enumerate(found):
        by_text.setdefault(norm(f["text"]), []).append(j)
    pairs, used = [], set()
    rest = []
    for i, t in enumerate(truth):
        cands = [j for j in by_text.get(norm(t["text"]), []) if j not in used]
        if cands:
            used.add(cands[0])
            pairs.append((i, cands[0]))
        else:
            rest.append(i)
    for i in rest:
        tt = norm(truth[i]["text"])
        best, best_j = 0.0, -1
        for j, f in enumerate(found):
            if j in used:
                continue
            r = SequenceMatcher(None, tt, norm(f["text"]), autojunk=False).quick_ratio()
            if r > best:
                best, best_j = r, j
        if best_j >= 0 and best >= 0.8:
            used.add(best_j)
            pairs.append((i, best_j))
    return sorted(pairs)


@dataclass
class ExtractionScore:
    documents: int = 0
    tasks_truth: int = 0
    tasks_found: int = 0
    tasks_matched: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    deadline_ok: int = 0
    deadline_total: int = 0
    metadata_ok: int = 0  # documents whose jurisdiction code and year were read right
    metadata_checked: int = 0
    worst: list = field(default_factory=list)  # (f1, document)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"documents": self.documents, "tasks_truth": self.tasks_truth, "tasks_found": self.tasks_found,
                "tasks_matched": self.tasks_matched, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "deadline_accuracy": round(self.deadline_ok / self.deadline_total, 4) if self.deadline_total else None,
                "metadata_accuracy": round(self.metadata_ok / self.metadata_checked, 4) if self.metadata_checked else None,
                "worst": sorted(self.worst)[:5]}


def score_document(truth: list[dict], found: list[dict], acc: ExtractionScore | None = None) -> ExtractionScore:
    """(task, role, unit) counts of one document; units compared as written (folded)."""
    acc = acc or ExtractionScore()
    pairs = align_tasks(truth, found)
    tp = fp = fn = 0
    mt, mf = {i for i, _ in pairs}, {j for _, j in pairs}
    for i, j in pairs:
        t, f = truth[i], found[j]
        for role in ("lead", "assist"):
            ts = {norm(u["raw"]) for u in t[role]}
            fs = {norm(u["raw"]) for u in f[role]}
            tp += len(ts & fs)
            fp += len(fs - ts)
            fn += len(ts - fs)
        td = t["deadline"]["normalized"] if t["deadline"] else None
        fd = f["deadline"]["normalized"] if f.get("deadline") else None
        acc.deadline_ok += td == fd
        acc.deadline_total += 1
    fn += sum(len(truth[i]["lead"]) + len(truth[i]["assist"]) for i in range(len(truth)) if i not in mt)
    fp += sum(len(found[j]["lead"]) + len(found[j]["assist"]) for j in range(len(found)) if j not in mf)
    acc.documents += 1
    acc.tasks_truth += len(truth)
    acc.tasks_found += len(found)
    acc.tasks_matched += len(pairs)
    acc.tp, acc.fp, acc.fn = acc.tp + tp, acc.fp + fp, acc.fn + fn
    doc_f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    acc.worst.append((round(doc_f1, 4), truth[0]["document"] if truth else "", len(truth), len(found)))
    acc.worst = sorted(acc.worst)[:5]
    return acc


def score_extraction(corpus: str | Path, documents: Iterable[str] | None = None, workers: int = 1) -> ExtractionScore:
    """Extract documents of a generated corpus and score them against its truth."""
    from mandategraph.loaders.extract import extract_file

    corpus = Path(corpus)
    truth = truth_tasks(corpus)
    metas = {m["document"]: m for m in read_jsonl(corpus / "truth" / "documents.jsonl")}
    names = list(documents) if documents is not None else sorted(truth)
    acc = ExtractionScore()
    for name in names:
        ex = extract_file(corpus / metas[name]["file"])
        acc.metadata_ok += (ex.meta.jurisdiction.code, ex.meta.year) == (metas[name]["code"], metas[name]["year"])
        acc.metadata_checked += 1
        score_document(truth.get(name, []), [t.contract() for t in ex.tasks], acc)
    return acc


@dataclass
class LinkScore:
    predicted: int
    correct: int  # predicted pairs that are sure or possible
    sure: int
    found_sure: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found_sure / self.sure if self.sure else 1.0

    def as_dict(self) -> dict:
        return {"predicted": self.predicted, "correct": self.correct, "sure": self.sure,
                "found_sure": self.found_sure, "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def score_links(predicted: Iterable[tuple[str, str]], sure: set[tuple[str, str]],
                possible=lambda a, b: False, directed: bool = True) -> LinkScore:
    """Precision counts a predicted pair right if it is sure or ``possible(a, b)``; recall is on sure pairs.

    Pairs are graph task ids (the truth's ``task`` ids).
    """
    key = (lambda a, b: (a, b)) if directed else (lambda a, b: (min(a, b), max(a, b)))
    sure_keys = {key(a, b) for a, b in sure}
    seen: set = set()
    correct = 0
    for a, b in predicted:
        k = key(a, b)
        if k in seen:
            continue
        seen.add(k)
        if k in sure_keys or possible(a, b):
            correct += 1
    return LinkScore(len(seen), correct, len(sure_keys), len(seen & sure_keys))


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jurisdictions", "-n", type=int, default=30)
    ap.add_argument("--years", "-y", type=int, default=NATIONAL_YEARS)
    ap.add_argument("--seed", "-s", type=int, default=0)
    ap.add_argument("--out", "-o", required=True)
    ap.add_argument("--workers", type=int, default=0, help="processes (default: one per core)")
    ap.add_argument("--gbk-share", type=float, default=0.0, help="share of documents written in GB18030")
    ap.add_argument("--last-year", type=int, default=LAST_YEAR)
    ap.add_argument("--rewrite", type=float, default=REWRITE,
                    help="share of continuing items rewritten as real plans rewrite them (merged, split, "
                         "regrouped); 0: the earlier corpus")
    ap.add_argument("--variety", type=float, default=VARIETY,
                    help="share of plans in the forms of other real plans (slots, cells, pipes); 0: the five seed formats only")
    args = ap.parse_args(argv)
    summary = generate(args.out, args.jurisdictions, args.years, args.seed, args.workers, args.gbk_share,
                       args.last_year, variety=args.variety, rewrite=args.rewrite)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT.parent)) if "mandategraph" not in sys.modules else None
    sys.exit(main())
