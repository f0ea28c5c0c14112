"""The batched linkers give the links of the per-jurisdiction and per-document linkers, all at once."""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from mandategraph.graph.continuity import TaskRef, link_continues, link_details
from mandategraph.graph.continuity_batch import link_continues_all, link_details_all
from mandategraph.loaders.extract import extract_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import corpus as C  # noqa: E402


def as_set(links_by_key: dict) -> dict:
    """Links per key as sets: the batch may order exact ties (score 1.0) differently."""
    return {k: {(l.source, l.target, l.score) for l in v} for k, v in links_by_key.items()}


@pytest.fixture(scope="module")
def tasks(tmp_path_factory, seed_graph) -> list[TaskRef]:
    """The seeds' tasks and those of a small generated corpus (copied plans, renamed units, dropped tasks)."""
    out = tmp_path_factory.mktemp("corpus")
    C.generate(out, jurisdictions=12, years=4, seed=5, workers=1)
    refs = [TaskRef(n, d["text"], d["year"] or None, d["jurisdiction"], d["source"])
            for n, d in sorted(seed_graph.nodes(data=True)) if d.get("label") == "Task"]
    for path in sorted((out / "documents").rglob("*.txt")):
        ex = extract_file(path)
        refs += [TaskRef(f"{path.stem}#{k}", t.text, t.year, t.jurisdiction, t.source) for k, t in enumerate(ex.tasks)]
    return refs


def test_continues_all_equals_one_jurisdiction_at_a_time(tasks):
    by_jy: dict[str, dict[int, list[TaskRef]]] = defaultdict(lambda: defaultdict(list))
    for t in tasks:
        by_jy[t.jurisdiction][t.year or 0].append(t)
    one_by_one = {j: link_continues(by_jy[j]) for j in by_jy if len(by_jy[j]) >= 2}
    batched = link_continues_all(by_jy, batch=2_000)  # several batches
    assert sum(map(len, one_by_one.values())) > 500
    assert as_set(batched) == as_set(one_by_one)
    # Other settings go through the same way.
    assert as_set(link_continues_all(by_jy, 0.3, relative=0, by_source=False)) == \
        as_set({j: link_continues(by_jy[j], 0.3, relative=0, by_source=False) for j in one_by_one})
    # The plan-level bar off, and higher: the batch's levels are the per-jurisdiction ones.
    for level in (0, 0.6):
        assert as_set(link_continues_all(by_jy, level=level)) == \
            as_set({j: link_continues(by_jy[j], level=level) for j in one_by_one})


def test_details_all_equals_one_document_at_a_time(tasks):
    by_doc: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for t in tasks:
        doc = t.id.split("#")[0] if "#" in t.id else t.id.split(":")[1]
        by_doc[doc][0 if t.source == "prose" else 1].append(t)
    one_by_one = {d: link_details(*by_doc[d]) for d in by_doc if by_doc[d][0] and by_doc[d][1]}
    assert sum(map(len, one_by_one.values())) > 100
    assert as_set(link_details_all(by_doc, batch=1_000)) == as_set(one_by_one)
    assert as_set(link_details_all(by_doc, 0.5)) == as_set({d: link_details(*by_doc[d], 0.5) for d in one_by_one})
