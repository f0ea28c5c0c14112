"""The synthetic corpus generator: deterministic, and its documents read back to its truth."""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import corpus as C  # noqa: E402


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "corpus.json"}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    C.generate(out, jurisdictions=24, years=3, seed=11, workers=2, gbk_share=0.1)
    return out


def test_same_seed_same_bytes(small, tmp_path):
    C.generate(tmp_path, jurisdictions=24, years=3, seed=11, workers=1, gbk_share=0.1)
    assert _digest(tmp_path) == _digest(small)


def test_other_seed_other_bytes(small, tmp_path):
    C.generate(tmp_path, jurisdictions=24, years=3, seed=12, workers=1, gbk_share=0.1)
    assert _digest(tmp_path) != _digest(small)


def test_all_formats_and_real_divisions(small):
    from mandategraph.loaders.jurisdictions import division_table

    docs = list(C.read_jsonl(small / "truth" / "documents.jsonl"))
    assert len(docs) == 24 * 3
    table = division_table()
    for d in docs:
        assert table.by_code[d["code"]]
        assert d["parent"] == (table.parents(d["code"])[0][0] if table.parents(d["code"]) else "")
        assert (small / d["file"]).stat().st_size == d["bytes"]
    big = C.generate(small.parent / "styles", jurisdictions=60, years=2, seed=5, workers=1)
    styles = {d["style"] for d in C.read_jsonl(small.parent / "styles" / "truth" / "documents.jsonl")}
    assert styles == set(C.STYLES) | set(C.VARIANT_STYLES)
    assert big["documents"] == 120
    # variety 0: the five seed formats only
    C.generate(small.parent / "plain", jurisdictions=20, years=2, seed=5, workers=1, variety=0)
    plain = {d["style"] for d in C.read_jsonl(small.parent / "plain" / "truth" / "documents.jsonl")}
    assert plain <= set(C.STYLES)


def test_truth_is_consistent(small):
    tasks = list(C.read_jsonl(small / "truth" / "tasks.jsonl"))
    ids = {t["task"] for t in tasks}
    assert len(ids) == len(tasks)
    pairs = list(C.read_jsonl(small / "truth" / "pairs.jsonl"))
    by_id = {t["task"]: t for t in tasks}
    cont = [p for p in pairs if p["type"] == "CONTINUES"]
    assert cont, "lineages continue across years"
    for p in cont:
        a, b = by_id[p["a"]], by_id[p["b"]]
        assert a["code"] == b["code"] and a["year"] < b["year"] and a["lineage"] == b["lineage"]
    for p in pairs:
        if p["type"] == "DETAILS":
            a, b = by_id[p["a"]], by_id[p["b"]]
            assert a["document"] == b["document"] and a["source"] == "table" and b["source"] == "prose"
    sims = list(C.template_pairs(small))
    assert sims, "cities of one province share a template"
    for a, b in sims:
        ta, tb = by_id[a], by_id[b]
        assert ta["code"] != tb["code"] and ta["year"] == tb["year"] and ta["code"][:2] == tb["code"][:2]
    # Units are renamed between years with the spellings of data/unit_aliases.csv.
    canon: dict[tuple[str, str], set[str]] = {}
    for t in tasks:
        for u in t["lead"] + t["assist"]:
            canon.setdefault((t["code"], u["unit"]), set()).add(u["raw"])
    assert any(len(v) > 1 for v in canon.values())


def test_documents_extract_back_to_truth(small):
    docs = list(C.read_jsonl(small / "truth" / "documents.jsonl"))
    sample = [d["document"] for d in docs[::3]]
    score = C.score_extraction(small, sample)
    assert score.documents == len(sample)
    assert score.f1 >= 0.95, score.as_dict()
    assert score.tasks_matched >= 0.95 * score.tasks_truth
    assert score.metadata_ok == score.metadata_checked == score.documents


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("varied")
    C.generate(out, jurisdictions=14, years=2, seed=7, workers=1, variety=1.0)
    return out


def test_other_plans_forms_are_written(varied):
    docs = list(C.read_jsonl(varied / "truth" / "documents.jsonl"))
    assert {d["style"] for d in docs} == set(C.VARIANT_STYLES)
    text = "\n".join((varied / d["file"]).read_bytes().decode(d["encoding"]) for d in docs)
    for form in ("牵头落实,完成时限:", "负责落实)", "牵头,会同", "按职责分工负责", "配合)", "〔责任单位:", "[责任单位:",
                 "牵头单位：", "；责任单位：", "索引号: |", "字体大小:[", "当前位置:首页>>政务公开", " |\n|\n",
                 "类别 | 重点任务"):
        assert form in text.replace("（", "(").replace("）", ")").replace("，", ",") or form in text, form
    assert any(re.search(r"\n\(\S+?\)[^\n]*,", (varied / d["file"]).read_text(encoding=d["encoding"]))
               for d in docs if d["style"] == "slots"), "ASCII punctuation in some plans"
    tasks = list(C.read_jsonl(varied / "truth" / "tasks.jsonl"))
    assert any(t["assist"] and not t["lead"] for t in tasks)  # (X配合)
    assert any(t["deadline"] and t["source"] == "prose" for t in tasks)  # a slot's deadline


def test_other_plans_forms_extract_back_to_truth(varied):
    docs = list(C.read_jsonl(varied / "truth" / "documents.jsonl"))
    score = C.score_extraction(varied, [d["document"] for d in docs])
    assert score.f1 >= 0.95, score.as_dict()
    assert score.metadata_ok == score.metadata_checked == score.documents


def test_score_detects_wrong_units():
    truth = [{"document": "x", "text": "推进政务公开。", "lead": [{"raw": "市财政局", "unit": "市财政局"}],
              "assist": [], "deadline": None}]
    right = [{"text": "推进政务公开。", "lead": [{"raw": "市财政局"}], "assist": [], "deadline": None}]
    wrong = [{"text": "推进政务公开。", "lead": [], "assist": [{"raw": "市财政局"}], "deadline": None}]
    assert C.score_document(truth, right).f1 == 1.0
    assert C.score_document(truth, wrong).f1 == 0.0


def test_score_links_sure_and_possible():
    s = C.score_links([("a", "b"), ("a", "c"), ("x", "y")], {("a", "b"), ("b", "d")},
                      possible=lambda a, b: (a, b) == ("a", "c"))
    assert (s.predicted, s.correct, s.sure, s.found_sure) == (3, 2, 2, 1)
