"""The extractor against the hand-written goldens of the five seed documents.

The goldens (tests/golden/*.jsonl) were written by reading the documents; see
tests/golden/README.md for the conventions. The bar: (task, role, unit) F1 ≥
0.98 overall and the exact number of tasks per document.
"""
from __future__ import annotations

import pytest

from golden_score import DOCUMENTS, align, load_golden, norm, score
from mandategraph.loaders.extract import extract_file

STEMS = sorted(p.stem for p in DOCUMENTS.glob("*.txt"))


@pytest.fixture(scope="module")
def results():
    out = {}
    for stem in STEMS:
        golden = load_golden(stem)
        found = [t.contract() for t in extract_file(DOCUMENTS / f"{stem}.txt").tasks]
        out[stem] = (golden, found)
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_task_count_matches_golden(results, stem):
    golden, found = results[stem]
    assert len(found) == len(golden)


@pytest.mark.parametrize("stem", STEMS)
def test_every_golden_task_is_found_with_its_text_path_and_deadline(results, stem):
    golden, found = results[stem]
    pairs = align(golden, found)
    assert len(pairs) == len(golden)
    for gi, fj in pairs:
        g, f = golden[gi], found[fj]
        assert norm(f["text"]) == norm(g["text"]), g["path"]
        assert (f["path"], f["marker"]) == (g["path"], g["marker"])
        assert (f["deadline"]["raw"] if f["deadline"] else None) == g["deadline"]
        assert (f["deadline"]["normalized"] if f["deadline"] else None) == g["deadline_normalized"]


def test_mandate_f1_over_all_seeds(results, capsys):
    tp = fp = fn = 0
    for stem in STEMS:
        s = score(*results[stem])
        tp, fp, fn = tp + s.tp, fp + s.fp, fn + s.fn
        with capsys.disabled():
            print(f"\n{stem}: tasks {s.tasks_found}/{s.tasks_expected} P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.98, (precision, recall)


def test_output_keeps_the_extraction_contract(results):
    _, found = results["taizhou_2022_work_plan"]
    first = found[0]
    assert list(first) == ["document", "jurisdiction", "year", "source", "path", "marker", "text",
                           "lead", "assist", "deadline", "span"]
    assert first["lead"][0] == {"raw": "市发展改革委", "unit": "市发展和改革委员会"}
    assert first["jurisdiction"] == "台州市" and first["year"] == 2022


def test_span_points_at_the_task_text(documents):
    from mandategraph.loaders.lines import compact

    ex = extract_file(documents / "rongxian_2019_work_plan.txt")
    for t in ex.tasks:
        start, end = t.span
        assert compact(ex.text[start:end]).startswith(t.text[:10])
