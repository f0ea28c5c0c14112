"""CONTINUES by the pair model: the evidence each edge carries, the linking rule, and real plans
beyond the seeds (tests/data/corpus/continuity.json).

The model (graph/continuity_model.py, data/continuity_model.json) was fitted by
bench/train_continuity.py on generated plans and on 台州 ↔ 温州 2022, never on
温州 2019 → 2022's pairs nor on the corpus pairs used here.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_continuity import hand_pairs, wenzhou_years

from mandategraph.graph.continuity import DEFAULTS, TaskRef, link_continues, vectorize
from mandategraph.graph.continuity_model import (FEATURES, Model, PairEvidence, is_group_unit, link_rule,
                                                 load_model, task_evidence)

CORPUS = Path(__file__).parent / "data" / "corpus"


def key(stem: str, source: str, path: str, text: str) -> str:
    return "|".join([stem, source, path, text])


W19, W22 = "wenzhou_2019_task_table", "wenzhou_2022_work_plan"


@pytest.fixture(scope="module")
def wenzhou():
    evidence: dict = {}
    links = link_continues(wenzhou_years(), evidence=evidence)
    return {(l.source, l.target): l for l in links}, evidence


# Real 温州 pairs the hand readers called sure, and the evidence that carries each.
REAL = [
    # 政务新媒体 in both; the 2022 annex row's unit 市政府办公室 leads 2019 14.(1) too.
    (key(W19, "table", "14./（1）", "落实促进政务新媒体健康有"), key(W22, "table", "15", "出台基层政务新媒体规范化"),
     {"phrases": ["政务新媒体"], "units": 1}),
    # One platform, two units in both years: 市信访局 leads and 市大数据局 assists (2019), both lead (2022).
    (key(W19, "table", "2./（4）", "在全市推广统一政务咨询投"), key(W22, "table", "10", "建设统一的智能化政策问答"),
     {"phrases": [], "units": 2}),
    # 依申请公开, rewritten around it.
    (key(W19, "table", "18.", "完善依申请公开办理工作制"), key(W22, "prose", "二/（八）", "规范高效办理政府信息公开"),
     {"phrases": ["依申请公开"], "units": 0}),
    # 政府网站, 网络意识形态 and 集约化: three key phrases of one 2019 row recur in one 2022 item.
    (key(W19, "table", "13.", "严格落实网络意识形态责任"), key(W22, "prose", "三/（十）", "统筹管好用好各类政务公开"),
     {"phrases": ["政府网站", "网络意识形态", "集约化"], "units": 0}),
    # The same row's open-data part, in the annex row of 市大数据局.
    (key(W19, "table", "13.", "严格落实网络意识形态责任"), key(W22, "table", "16", "编制全市公共数据开放目录"),
     {"phrases": ["公共数据开放"], "units": 1}),
]


@pytest.mark.parametrize("a, b, expect", REAL, ids=[f"{a.split('|')[2]}→{b.split('|')[2]}" for a, b, _ in REAL])
def test_real_wenzhou_pairs_carry_their_evidence(wenzhou, a, b, expect):
    links, evidence = wenzhou
    assert hand_pairs("wenzhou_2019_2022.csv")[(a, b)] == "sure"
    assert (a, b) in links, "the sure pair is linked"
    ev = evidence[(a, b)]
    assert isinstance(ev, PairEvidence)
    model = load_model()
    assert model.threshold <= links[(a, b)].score <= 1.0
    # text_sim is the linker's cosine of the two tasks, as an analyst can recompute it.
    years = wenzhou_years()
    tasks = years[2019] + years[2022]
    v = vectorize(tasks, DEFAULTS.continues_ngrams)
    idx = v.index()
    assert ev.text_sim == pytest.approx(v.scores(np.array([idx[a]]), np.array([idx[b]]))[0, 0], abs=1e-4)
    assert ev.evidence.startswith(f"text {ev.text_sim:.2f}")
    for phrase in expect["phrases"]:
        assert phrase in ev.evidence
    assert ev.shared_units == expect["units"]
    if expect["units"]:
        assert f"units {expect['units']}" in ev.evidence
    assert 0.0 <= ev.theme_sim <= 1.0 and 0.0 <= ev.section_sim <= 1.0


def test_every_link_has_evidence_and_the_score_orders_right_above_wrong(wenzhou):
    links, evidence = wenzhou
    assert set(evidence) == set(links)
    pairs = hand_pairs("wenzhou_2019_2022.csv")
    right = [l.score for k, l in links.items() if k in pairs]
    wrong = [l.score for k, l in links.items() if k not in pairs]
    print(f"\nmean score: right links {np.mean(right):.3f} ({len(right)}), wrong links {np.mean(wrong):.3f} ({len(wrong)})")
    assert np.mean(right) > np.mean(wrong)


# ----------------------------------------------------------------- the rule


def _rule(p, i, j, s, model, relative=0.0, layer=None):
    i, j = np.asarray(i), np.asarray(j)
    s, p = np.asarray(s, float), np.asarray(p, float)
    n = 100
    layer = np.zeros(len(i), np.int64) if layer is None else np.asarray(layer)
    slot = layer * n + i
    best_i = np.array([s[slot == slot[k]].max() for k in range(len(s))])
    best_j = np.array([s[(j == j[k]) & (layer == layer[k])].max() for k in range(len(s))])
    return set(link_rule(p, i, j, s, best_i, best_j, slot, model, relative, n).tolist())


MODEL = Model(FEATURES, (0.0,) * len(FEATURES), 0.0, threshold=0.3, margin=0.1)


def test_rule_an_earlier_task_does_not_continue_into_unrelated_later_tasks():
    """Earlier task 0 is the best of later tasks 10, 11 and 12 (they are new work that resembles it
    most); it continues only in those whose score comes within the margin of its best."""
    p = [0.9, 0.5, 0.85]
    assert _rule(p, [0, 0, 0], [10, 11, 12], [0.4, 0.3, 0.35], MODEL) == {0, 2}


def test_rule_a_later_item_merges_several_earlier_tasks():
    """Later item 10 merges earlier tasks 0 and 1: both continue in it."""
    assert _rule([0.8, 0.6], [0, 1], [10, 10], [0.4, 0.2], MODEL) == {0, 1}


def test_rule_the_evidence_vetoes_what_the_text_proposes():
    """A dropped task's best match (text proposes it) goes when the model scores it below its threshold."""
    assert _rule([0.8, 0.1], [0, 1], [10, 11], [0.4, 0.3], MODEL) == {0}


def test_rule_prose_item_and_annex_row_are_both_kept():
    """The prose item and the annex row restating one work are different layers: each keeps its best."""
    assert _rule([0.9, 0.5], [0, 0], [10, 20], [0.4, 0.3], MODEL, layer=[0, 1]) == {0, 1}


def test_rule_on_wenzhou_keeps_each_earlier_tasks_links_within_the_margin(wenzhou):
    links, _ = wenzhou
    model = load_model()
    best: dict = {}
    for (a, b), l in links.items():
        layer = b.split("|")[1]
        best[(a, layer)] = max(best.get((a, layer), 0.0), l.score)
    for (a, b), l in links.items():
        assert l.score >= model.threshold
        assert l.score >= best[(a, b.split("|")[1])] - model.margin - 1e-9


def test_group_units_are_no_evidence():
    assert [is_group_unit(u) for u in ("各地", "各部门", "市级有关单位", "12个县(市、区)", "市大数据局", "市信访局")] == \
        [True, True, True, True, False, False]
    ev = task_evidence(["a", "b"], [["各地", "市大数据局"], ["各地"]])
    assert ev.units.shape[1] == 1 and ev.units.nnz == 1


# ----------------------------------------------------------------- real plans beyond the seeds


def _corpus_graph():
    from mandategraph.graph.build import build_graph
    from mandategraph.loaders.extract import extract_file

    exs = []
    for n in ("401", "402", "403", "404", "405", "406", "407"):
        meta = json.loads((CORPUS / "docs" / f"{n}.meta.json").read_text(encoding="utf-8"))
        # The plans' jurisdiction and year as the meta files give them (402 and 403 name neither).
        exs.append(extract_file(CORPUS / "docs" / f"{n}.txt", jurisdiction=meta["jurisdiction"], year=meta["year"]))
    g = build_graph(exs)
    # Each corpus file's tasks: graph ids by file number.
    by_file: dict[str, list[str]] = {}
    for node, d in g.nodes(data=True):
        if d.get("label") == "Task":
            source = g.nodes[d["document"]]["source"]
            by_file.setdefault(Path(source).stem, []).append(node)
    return g, by_file


@pytest.fixture(scope="module")
def corpus():
    return _corpus_graph()


def _links_between(g, by_file, a: str, b: str):
    ta, tb = set(by_file[a]), set(by_file[b])
    return [(u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if k == "CONTINUES" and u in ta and v in tb]


def test_corpus_every_sure_pair_is_found(corpus):
    g, by_file = corpus
    pairs = json.loads((CORPUS / "continuity.json").read_text(encoding="utf-8"))
    sure = [p for p in pairs if p["kind"] == "sure"]
    assert sure
    for p in sure:
        def task(n, start):
            found = [t for t in by_file[n] if g.nodes[t]["text"].startswith(start[:10])]
            assert len(found) == 1, (n, start)
            return found[0]
        a, b = task(p["from"], p["from_text_start"]), task(p["to"], p["to_text_start"])
        assert g.has_edge(a, b, key="CONTINUES"), p
        d = g.edges[a, b, "CONTINUES"]
        assert d["evidence"] and d["text_sim"] > 0
        print(f"\n{p['from']}→{p['to']} sure pair: score {d['score']}, {d['evidence']}")


@pytest.mark.parametrize("a, b", [("404", "405"), ("406", "407")])
def test_corpus_no_link_between_plans_without_pairs(corpus, a, b):
    g, by_file = corpus
    assert _links_between(g, by_file, a, b) == []


@pytest.mark.xfail(strict=True, reason="not met yet: 台山 2019 → 2021 (no pairs) gets one link, 401 (3) "
                                       "在重要政策出台 → 402 (1) 主动公开“十四五”规划纲要 at score 0.51: text 0.16, "
                                       "the best of its earlier task, and both sections about 政策解读")
def test_corpus_no_link_between_taishan_2019_and_2021(corpus):
    g, by_file = corpus
    assert _links_between(g, by_file, "401", "402") == []


def test_text_only_links_carry_their_text_as_evidence():
    """Without the model (model=False, or no model file) every link still has its evidence: the text."""
    from mandategraph.graph.continuity_batch import link_continues_all

    for fn in (lambda ev: link_continues(wenzhou_years(), model=False, evidence=ev),
               lambda ev: link_continues_all({"温州市": wenzhou_years()}, model=False, evidence=ev)["温州市"]):
        evidence: dict = {}
        links = fn(evidence)
        assert links and set(evidence) == {(l.source, l.target) for l in links}
        assert all(evidence[(l.source, l.target)].text_sim == l.score for l in links)
