"""Incremental builds: `add` gives the folder a full rebuild of the same inputs writes."""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from mandategraph.graph.build import BuildOptions, build
from mandategraph.graph.incremental import add_documents
from mandategraph.graph.schema import EDGES, NODES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"
sys.path.insert(0, str(ROOT / "bench"))

import corpus as C  # noqa: E402


def _files(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".csv", ".parquet", ".jsonl", ".json"):
            out[str(p.relative_to(folder))] = p.read_bytes()
    return out


def _parquet(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted((folder / "tables").glob("*.parquet"))}


def _assert_same(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    diff = [k for k in fa if fa[k] != fb[k]]
    assert not diff, f"differ: {diff}"
    pa_, pb = _parquet(a), _parquet(b)
    for k in pa_:
        pd.testing.assert_frame_equal(pa_[k], pb[k], check_dtype=False)


def _ladybug(folder: Path):
    from mandategraph.graph.ladybug_store import graph_from_ladybug

    g = graph_from_ladybug(folder / "graph.lbug")
    return (sorted((n, json.dumps(d, sort_keys=True, ensure_ascii=False)) for n, d in g.nodes(data=True)),
            sorted((u, v, k, json.dumps(d, sort_keys=True, ensure_ascii=False)) for u, v, k, d in g.edges(keys=True, data=True)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    C.generate(out, jurisdictions=8, years=3, seed=4, workers=1)
    return out


def _docs(corpus: Path) -> list[Path]:
    return sorted((corpus / "documents").rglob("*.txt"))


def test_add_equals_rebuild_on_seeds(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    full = tmp_path / "full"
    build(seeds, full)
    part = tmp_path / "part"
    # Leave out 台州 2022 (it shares units' first mentions with 温州) and 荣县 2019.
    kept = [p for p in seeds if not p.name.startswith(("taizhou", "rongxian"))]
    build(kept, part)
    res = add_documents([p for p in seeds if p not in kept], part)
    assert len(res.added) == 2 and not res.errors
    _assert_same(full, part)
    assert _ladybug(full) == _ladybug(part)


def test_add_equals_rebuild_on_generated_corpus(corpus, tmp_path):
    docs = _docs(corpus)
    full = tmp_path / "full"
    build(docs, full)
    # Hold out documents of several kinds: the earliest year of a jurisdiction (its units' first
    # mentions move to it), a middle year, and the last document of the build order.
    held = [docs[0], docs[4], docs[-1]]
    part = tmp_path / "part"
    build([d for d in docs if d not in held], part)
    res = add_documents(held, part)
    assert len(res.added) == 3
    _assert_same(full, part)
    assert _ladybug(full) == _ladybug(part)


def test_adding_again_changes_nothing(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds, out)
    before = _files(out)
    db_before = _ladybug(out)
    res = add_documents([seeds[0]], out)
    assert res.added == [] and len(res.unchanged) == 1
    assert _files(out) == before
    assert _ladybug(out) == db_before


def test_add_command(tmp_path):
    from click.testing import CliRunner

    from mandategraph.cli import cli

    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds[:3], out)
    r = CliRunner().invoke(cli, ["add", str(seeds[3]), "--graph", str(out)])
    assert r.exit_code == 0, r.output
    assert "added: 1" in r.output
    r = CliRunner().invoke(cli, ["add", str(seeds[3]), "--graph", str(tmp_path / "nothing")])
    assert r.exit_code != 0


def test_bad_file_is_reported_and_others_added(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds[:2], out)
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    res = add_documents([bad, seeds[2]], out)
    assert len(res.added) == 1 and len(res.errors) == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 3 and len(summary["failed"]) == 1


def test_local_similar_differs_only_in_similar_to(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    full = tmp_path / "full"
    build(seeds, full)
    part = tmp_path / "part"
    new = [p for p in seeds if p.name.startswith("taizhou")]
    build([p for p in seeds if p not in new], part)
    res = add_documents(new, part, exact=False)
    assert len(res.added) == 1
    fa, fb = _files(full), _files(part)
    differ = {k for k in fa if fa[k] != fb[k]}
    assert differ <= {"tables/edges_SIMILAR_TO.csv", "tables/edges_SIMILAR_TO.parquet", "summary.json"}
    new_tasks = set(pd.read_parquet(part / "tables" / "nodes_Task.parquet").query("document == @res.added[0]")["id"])
    before = pd.read_parquet(tmp_path / "full" / "tables" / "edges_SIMILAR_TO.parquet")
    after = pd.read_parquet(part / "tables" / "edges_SIMILAR_TO.parquet")
    added = set(zip(after.source, after.target))
    # 台州 2022 and 温州 2022 follow one provincial template: the local linking finds their pairs.
    assert any(s in new_tasks or t in new_tasks for s, t in added)
    assert len(added & set(zip(before.source, before.target))) >= 0.5 * len(added)
