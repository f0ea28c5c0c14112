"""CONTINUES, SIMILAR_TO and DETAILS on the seed goldens, scored against the hand pairs.

The tasks are built from the hand-written goldens (tests/golden/*.jsonl), not
from the extractor, so these numbers measure the linkers alone. The hand pairs
are in tests/continuity/ (see its README for the sure/possible rules):
precision counts a link correct if it is a sure or possible pair, recall is
over the sure pairs.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from mandategraph.graph.continuity import (
    DEFAULTS,
    Link,
    TaskLike,
    TaskRef,
    link_continues,
    link_details,
    link_similar,
    match,
    plan_level,
    status_by_task,
    task_status,
    vectorize,
)
from mandategraph.loaders.model import Deadline, Task, UnitRef

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
PAIRS = HERE / "continuity"

# Jurisdiction and year of each seed (DESIGN.md, "The corpus"); goldens leave them out.
SEEDS = {
    "taizhou_2022_work_plan": ("台州市", 2022),
    "jinan_shizhong_2024_work_plan": ("济南市市中区", 2024),
    "rongxian_2019_work_plan": ("荣县", 2019),
    "wenzhou_2019_task_table": ("温州市", 2019),
    "wenzhou_2022_work_plan": ("温州市", 2022),
}


def golden_tasks(stem: str) -> list[Task]:
    """The golden file of one seed as extraction Tasks."""
    jurisdiction, year = SEEDS[stem]
    out = []
    for line in (GOLDEN / f"{stem}.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out.append(Task(
            document=stem, jurisdiction=jurisdiction, year=year, source=d["source"], path=list(d["path"]),
            marker=d["marker"], text=d["text"], lead=[UnitRef(u, u) for u in d["lead"]],
            assist=[UnitRef(u, u) for u in d["assist"]],
            deadline=Deadline(d["deadline"], d["deadline_normalized"]) if d["deadline"] else None,
        ))
    return out


def pair_key(task: Task) -> str:
    """The hand pairs' name of a task: file stem, source, path and first 12 characters."""
    return "|".join([task.document, task.source, "/".join(task.path), task.text[:12]])


def refs(stem: str) -> list[TaskRef]:
    return [TaskRef.from_task(pair_key(t), t) for t in golden_tasks(stem)]


def hand_pairs(name: str) -> dict[tuple[str, str], str]:
    """``(a, b) -> "sure" | "possible"`` from one CSV of tests/continuity/."""
    out = {}
    with open(PAIRS / name, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            a = "|".join([r["doc_a"], r["source_a"], r["path_a"], r["text_a"]])
            b = "|".join([r["doc_b"], r["source_b"], r["path_b"], r["text_b"]])
            out[(a, b)] = r["strength"]
    return out


def prf(links: Iterable[Link], pairs: dict[tuple[str, str], str], symmetric: bool = False) -> dict[str, float]:
    """Precision (sure or possible), recall (sure), F1, and the share of sure ``a`` tasks linked to a right b."""
    found = set()
    for l in links:
        found.add((l.source, l.target))
        if symmetric:
            found.add((l.target, l.source))
    predicted = {(l.source, l.target) for l in links}
    ok = sum(1 for p in predicted if p in pairs or (symmetric and (p[1], p[0]) in pairs))
    sure = {p for p, s in pairs.items() if s == "sure"}
    hit = sum(1 for p in sure if p in found)
    sure_a = {a for a, _ in sure}
    covered = {a for a, b in sure if (a, b) in found}
    p = ok / len(predicted) if predicted else 1.0
    r = hit / len(sure) if sure else 1.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3),
            "task_recall": round(len(covered) / len(sure_a), 3) if sure_a else 1.0, "links": len(predicted)}


def report(name: str, m: dict[str, float]) -> None:
    print(f"\n{name}: precision {m['precision']:.3f} recall {m['recall']:.3f} F1 {m['f1']:.3f} "
          f"(tasks with a right link {m['task_recall']:.3f}, {m['links']} links)")


# ----------------------------------------------------------------- the seeds


def wenzhou_years() -> dict[int, list[TaskRef]]:
    return {2019: refs("wenzhou_2019_task_table"), 2022: refs("wenzhou_2022_work_plan")}


def test_hand_pairs_name_golden_tasks():
    """Every task named in the hand pairs exists in the goldens (a typo would make a pair unreachable)."""
    known = {pair_key(t) for stem in SEEDS for t in golden_tasks(stem)}
    for name in ("wenzhou_2019_2022.csv", "taizhou_wenzhou_2022.csv", "details.csv"):
        for a, b in hand_pairs(name):
            assert a in known, (name, a)
            assert b in known, (name, b)


def test_continues_wenzhou_2019_2022():
    """The pair model (trained on generated plans and 台州 ↔ 温州 2022, not on these pairs) against the
    hand pairs; text similarity alone gave P 0.649 / R 0.833 (the issue asks 0.85 / 0.85)."""
    links = link_continues(wenzhou_years())
    m = prf(links, hand_pairs("wenzhou_2019_2022.csv"))
    report("CONTINUES 温州 2019→2022", m)
    assert all(l.source.startswith("wenzhou_2019") and l.target.startswith("wenzhou_2022") for l in links)
    assert m["precision"] >= 0.68
    assert m["recall"] >= 0.78
    assert m["task_recall"] >= 0.80
    text = prf(link_continues(wenzhou_years(), model=False), hand_pairs("wenzhou_2019_2022.csv"))
    report("CONTINUES 温州 2019→2022, text similarity alone", text)
    assert m["f1"] >= text["f1"]


def test_continues_one_to_one_is_stricter():
    """One-to-one matching (no merging) keeps fewer links, at the cost of recall on these plans."""
    links = link_continues(wenzhou_years(), matching="one_to_one")
    m = prf(links, hand_pairs("wenzhou_2019_2022.csv"))
    report("CONTINUES 温州 2019→2022, one_to_one", m)
    for layer in ("prose", "table"):
        ends = [(l.source, l.target) for l in links if l.target.split("|")[1] == layer]
        assert len({a for a, _ in ends}) == len(ends), "an earlier task continues twice into one layer"
        assert len({b for _, b in ends}) == len(ends), "a later task continues two earlier tasks"
    assert m["precision"] >= 0.55
    assert m["recall"] >= 0.35


def test_continues_links_are_the_best_of_one_end():
    """With matching "best" each link is the best counterpart of its earlier or of its later task
    (in text; the pair model only takes links away from these, see test_continues_rule)."""
    years = wenzhou_years()
    links = link_continues(years, model=False)
    tasks = years[2019] + years[2022]
    v = vectorize(tasks, DEFAULTS.continues_ngrams)
    idx = v.index()
    src = {t.id: t.source for t in tasks}
    for l in links:
        layer = [idx[t.id] for t in years[2022] if src[t.id] == src[l.target]]
        earlier = [idx[t.id] for t in years[2019]]
        best_of_earlier = v.scores(np.array([idx[l.source]]), np.array(layer)).max()
        best_of_later = v.scores(np.array(earlier), np.array([idx[l.target]])).max()
        assert l.score == pytest.approx(best_of_earlier, abs=1e-4) or l.score == pytest.approx(best_of_later, abs=1e-4)
        assert l.score >= DEFAULTS.continues_threshold


def test_continues_chains_consecutive_years():
    """Three years link 2019→2022 and 2022→2023, never 2019→2023."""
    y19, y22 = refs("wenzhou_2019_task_table"), refs("wenzhou_2022_work_plan")
    y23 = [TaskRef(t.id.replace("wenzhou_2022", "wenzhou_2023"), t.text, 2023, t.jurisdiction, t.source) for t in y22]
    evidence = {}
    links = link_continues({2023: y23, 2019: y19, 2022: y22}, evidence=evidence)
    pairs = {(l.source.split("_")[1], l.target.split("_")[1]) for l in links}
    assert pairs == {("2019", "2022"), ("2022", "2023")}
    # An unchanged plan: every task continues in its own copy, the text the same, the score high.
    copies = {(l.source, l.target) for l in links if evidence[(l.source, l.target)].text_sim == pytest.approx(1.0, abs=1e-4)
              and l.score >= 0.8}
    assert {(t.id, t.id.replace("wenzhou_2022", "wenzhou_2023")) for t in y22} <= copies


def test_continues_copied_plan_skips_stock_phrase_pairs():
    """A plan copied from last year, with a quarter of its tasks replaced by another plan's: every
    copy is linked, and no replacement is linked to a dropped task through stock phrases ("加强",
    "公开"), which the plan-level bar (``DEFAULTS.continues_level``) alone stops."""
    y22 = refs("wenzhou_2022_work_plan")
    dropped = {t.id for k, t in enumerate(y22) if k % 4 == 0}
    kept = [TaskRef(t.id.replace("wenzhou_2022", "wenzhou_2023"), t.text, 2023, t.jurisdiction, t.source)
            for t in y22 if t.id not in dropped]
    new = [TaskRef("new|" + t.id, t.text, 2023, "温州市", t.source) for t in refs("rongxian_2019_work_plan")]
    years = {2022: y22, 2023: kept + new[:len(dropped)]}
    links = {(l.source, l.target) for l in link_continues(years)}
    assert {(t.id.replace("wenzhou_2023", "wenzhou_2022"), t.id) for t in kept} <= links
    assert not [b for _, b in links if b.startswith("new|")]
    without = [l.target for l in link_continues(years, level=0, model=False)]
    assert len([b for b in without if b.startswith("new|")]) >= 10
    # The pair model alone vetoes most of them too (they share stock words, little evidence).
    vetoed = [l.target for l in link_continues(years, level=0)]
    assert len([b for b in vetoed if b.startswith("new|")]) < len([b for b in without if b.startswith("new|")])


def test_plan_level_of_the_seed_plans():
    """温州 rewrote its 2019 plan (level ~0.2: the bar stays below the threshold); a copy is ~1."""
    years = wenzhou_years()
    tasks = years[2019] + years[2022]
    v = vectorize(tasks, DEFAULTS.continues_ngrams)
    earlier = np.arange(len(years[2019]))
    later = len(years[2019]) + np.arange(len(years[2022]))
    layers = [later[[t.source == s for t in years[2022]]] for s in ("prose", "table")]
    level = plan_level([v.scores(earlier, layer) for layer in layers])
    assert 0.15 < level < 0.25
    assert DEFAULTS.continues_level * level < DEFAULTS.continues_threshold
    same = np.arange(len(years[2022]))
    w = vectorize(years[2022], DEFAULTS.continues_ngrams)
    assert plan_level([w.scores(same, same)]) == pytest.approx(1.0, abs=1e-4)


def test_continues_needs_two_years():
    assert link_continues({2022: refs("wenzhou_2022_work_plan")}) == []


def test_similar_taizhou_wenzhou_2022():
    links = link_similar({"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")})
    m = prf(links, hand_pairs("taizhou_wenzhou_2022.csv"), symmetric=True)
    report("SIMILAR_TO 台州 2022 ↔ 温州 2022", m)
    assert all(l.source.startswith("taizhou") and l.target.startswith("wenzhou") for l in links)
    assert m["precision"] >= 0.90
    assert m["recall"] >= 0.60


def test_similar_one_to_one():
    links = link_similar({"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")},
                         matching="one_to_one")
    m = prf(links, hand_pairs("taizhou_wenzhou_2022.csv"), symmetric=True)
    report("SIMILAR_TO 台州 2022 ↔ 温州 2022, one_to_one", m)
    assert len({l.source for l in links}) == len(links) == len({l.target for l in links})
    assert m["precision"] >= 0.95
    assert m["recall"] >= 0.65


def test_similar_ignores_far_years_and_same_jurisdiction():
    by_j = {"温州市": refs("wenzhou_2019_task_table") + refs("wenzhou_2022_work_plan"),
            "荣县": refs("rongxian_2019_work_plan"), "济南市市中区": refs("jinan_shizhong_2024_work_plan")}
    links = link_similar(by_j, year_window=1)
    assert links, "荣县 2019 and 温州 2019 share work (政策解读, 政务新媒体 …)"
    # 荣县 2019 can only meet 温州 2019; 济南 2024 is two years from anyone.
    for l in links:
        assert {l.source.split("_")[0], l.target.split("_")[0]} == {"rongxian", "wenzhou"}
        assert "_2019_" in l.source and "_2019_" in l.target
    assert link_similar(by_j, year_window=0) == [l for l in links]  # 2019 pairs are same-year anyway


def test_similar_lsh_finds_what_exact_finds_on_the_seeds():
    by_j = {"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")}
    exact = link_similar(by_j, method="exact")
    lsh = link_similar(by_j, method="lsh")
    found = {(l.source, l.target) for l in exact} & {(l.source, l.target) for l in lsh}
    print(f"\nLSH blocking kept {len(found)} of the {len(exact)} exact SIMILAR_TO links on the seeds")
    assert len(found) >= 0.85 * len(exact)
    # Blocking only drops candidates: every LSH link carries the exact score of its pair.
    tasks = by_j["台州市"] + by_j["温州市"]
    v = vectorize(tasks, DEFAULTS.similar_ngrams)
    idx = v.index()
    for l in lsh:
        s = v.scores(np.array([idx[l.source]]), np.array([idx[l.target]]))[0, 0]
        assert l.score == pytest.approx(s, abs=1e-4) and l.score >= DEFAULTS.similar_threshold
    m = prf(lsh, hand_pairs("taizhou_wenzhou_2022.csv"), symmetric=True)
    report("SIMILAR_TO 台州 2022 ↔ 温州 2022, LSH blocking", m)
    assert m["precision"] >= 0.90


def details_for(stem: str) -> list[Link]:
    tasks = refs(stem)
    return link_details([t for t in tasks if t.source == "prose"], [t for t in tasks if t.source == "table"])


@pytest.mark.parametrize("stem, floor_p, floor_r", [
    ("jinan_shizhong_2024_work_plan", 0.95, 0.95),
    ("taizhou_2022_work_plan", 0.80, 0.80),
    ("wenzhou_2022_work_plan", 0.80, 0.75),
])
def test_details(stem, floor_p, floor_r):
    links = details_for(stem)
    pairs = {k: v for k, v in hand_pairs("details.csv").items() if k[0].startswith(stem)}
    m = prf(links, pairs)
    report(f"DETAILS {stem}", m)
    rows = [l.source for l in links]
    assert len(rows) == len(set(rows)), "a row details two items"
    assert all(l.source.split("|")[1] == "table" and l.target.split("|")[1] == "prose" for l in links)
    assert m["precision"] >= floor_p
    assert m["recall"] >= floor_r


def test_status_wenzhou():
    years = wenzhou_years()
    rows = task_status(years, link_continues(years))
    assert len(rows) == len(years[2019]) + len(years[2022])
    status = status_by_task(rows)
    assert set(status) == {t.id for ts in years.values() for t in ts}
    # Against the status the hand pairs imply (a task with a pair continues).
    pairs = hand_pairs("wenzhou_2019_2022.csv")
    gold = {t.id: "continued" if t.id in {a for a, _ in pairs} else "dropped" for t in years[2019]}
    gold |= {t.id: "continued" if t.id in {b for _, b in pairs} else "new" for t in years[2022]}
    acc = {y: sum(status[t.id] == gold[t.id] for t in years[y]) / len(years[y]) for y in years}
    print(f"\nstatus accuracy: 2019 {acc[2019]:.3f}, 2022 {acc[2022]:.3f}")
    assert acc[2019] >= 0.85 and acc[2022] >= 0.70
    # Read from the documents: 人大建议政协提案, 金融风险 and 国资国企 are gone in 2022;
    # 政务新媒体 goes on; 配备专职人员 is new.
    key = {k.split("|")[2] + k.split("|")[3][:4]: k for k in status}
    assert status[key["2./（3）持续做好"]] == "dropped"
    assert status[key["7./（1）围绕守住"]] == "dropped"
    assert status[key["12.依法依规"]] == "dropped"
    assert status[key["14./（1）落实促进"]] == "continued"
    assert status[key["1配备政务"]] == "new"


def test_status_spreads_over_details():
    ts = {2019: [TaskRef("a", "", 2019)], 2022: [TaskRef("p", "", 2022), TaskRef("r", "", 2022, source="table")]}
    rows = task_status(ts, [Link("a", "p", 0.5)], details=[Link("r", "p", 0.9)])
    assert [(r.task_id, r.status) for r in rows] == [("a", "continued"), ("p", "continued"), ("r", "continued")]
    rows = task_status(ts, [Link("a", "p", 0.5)])
    assert [(r.task_id, r.status) for r in rows] == [("a", "continued"), ("p", "continued"), ("r", "new")]


# ----------------------------------------------------------------- the parts


def test_refs_from_tasks_keep_what_linkers_need():
    t = golden_tasks("wenzhou_2022_work_plan")[0]
    r = TaskRef.from_task("T:x:0001", t)
    assert (r.id, r.text, r.year, r.jurisdiction, r.source) == ("T:x:0001", t.text, 2022, "温州市", "prose")
    assert isinstance(r, TaskLike)


def test_vectors_are_unit_length_and_self_similar():
    tasks = refs("taizhou_2022_work_plan")
    v = vectorize(tasks)
    idx = np.arange(len(tasks))
    s = v.scores(idx, idx)
    assert np.allclose(np.diag(s), 1.0, atol=1e-5)
    c = v.scores(idx, idx, "containment")
    assert np.allclose(np.diag(c), 1.0, atol=1e-5)
    assert np.allclose(v.pair_scores(idx, idx[::-1]), s[idx, idx[::-1]], atol=1e-5)


def test_width_and_digits_do_not_matter():
    v = vectorize([TaskRef("a", "编制全县（市、区）公共数据开放目录，2022年底前完成"),
                   TaskRef("b", "编制全县(市、区)公共数据开放目录,2019年底前完成")])
    assert v.scores(np.array([0]), np.array([1]))[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_match_equals_greedy_loop():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = 200
        left, right, score = rng.integers(0, 30, n), rng.integers(0, 30, n), rng.random(n).round(2)
        keep = match(left, right, score)
        used_l, used_r, expect = set(), set(), []
        for k in sorted(range(n), key=lambda k: (-score[k], k)):
            if left[k] not in used_l and right[k] not in used_r:
                used_l.add(left[k])
                used_r.add(right[k])
                expect.append(k)
        assert keep.tolist() == expect


def test_best_match_keeps_each_slots_best_edge_from_either_side():
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = 300
        left, right, score = rng.integers(0, 40, n), rng.integers(0, 40, n), rng.random(n).round(2)
        lgroup, rgroup = rng.integers(0, 3, n), rng.integers(0, 3, n)
        keep = match(left, right, score, left_group=lgroup, right_group=rgroup, matching="best")
        rank = sorted(range(n), key=lambda k: (-score[k], k))
        best = {}
        for k in rank:  # a left slot is (left item, right group), a right slot (right item, left group)
            best.setdefault(("l", left[k], rgroup[k]), k)
            best.setdefault(("r", right[k], lgroup[k]), k)
        chosen = set(best.values())
        assert keep.tolist() == [k for k in rank if k in chosen]


def test_match_groups_limit_per_counterpart():
    # Task 0 may link once into group 0 and once into group 1.
    keep = match(np.array([0, 0, 0]), np.array([5, 6, 7]), np.array([.9, .8, .7]),
                 right_group=np.array([0, 0, 1]), left_group=np.array([0, 0, 0]))
    assert keep.tolist() == [0, 2]


def test_unknown_measure_and_matching_are_named():
    with pytest.raises(ValueError, match="unknown measure 'jaccard'"):
        link_details(refs("taizhou_2022_work_plan")[:2], refs("taizhou_2022_work_plan")[30:32], measure="jaccard")
    with pytest.raises(ValueError, match="unknown matching"):
        match(np.array([0]), np.array([0]), np.array([1.0]), matching="all")
    with pytest.raises(ValueError, match="symmetric"):
        link_similar({"a": refs("taizhou_2022_work_plan")}, matching="many_to_one")


def test_counting_in_chunks_gives_the_matrix_of_one_piece():
    from mandategraph.graph.continuity import _count_matrix

    texts = [t.text for t in refs("taizhou_2022_work_plan")] + ["", "公开"]
    whole, chunked = _count_matrix(texts, (2, 3), 20, chunk=10_000), _count_matrix(texts, (2, 3), 20, chunk=7)
    assert chunked.shape == whole.shape and (chunked != whole).nnz == 0
    assert chunked.indices.dtype == whole.indices.dtype == np.int32


def test_min_hash_signatures_are_the_minimum_over_each_texts_n_grams():
    # The compiled kernel against the plain definition: per text and permutation, the least of
    # h * mul + add (uint64, wrapping) over the text's n-gram hashes; a text without n-grams keeps the maximum.
    from mandategraph.graph.continuity import _min_hashes

    rng = np.random.default_rng(3)
    top = np.iinfo(np.uint64).max
    for _ in range(10):
        docs, perms = int(rng.integers(1, 8)), int(rng.integers(1, 6))
        doc = np.sort(rng.integers(0, docs, int(rng.integers(0, 40))))
        h = rng.integers(0, top, len(doc), dtype=np.uint64, endpoint=True)
        mul = rng.integers(1, top, perms, dtype=np.uint64) | np.uint64(1)
        add = rng.integers(0, top, perms, dtype=np.uint64)
        sig = np.full((docs, perms), top, np.uint64)
        _min_hashes(h, doc, mul, add, sig)
        with np.errstate(over="ignore"):
            for d in range(docs):
                for p in range(perms):
                    mine = h[doc == d]
                    assert sig[d, p] == (min(mine * mul[p] + add[p]) if len(mine) else top)
