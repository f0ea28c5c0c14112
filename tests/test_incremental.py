"""Incremental builds: `add` gives the folder a full rebuild of the same inputs writes.

With ``similar="exact"`` everything is the rebuild's, byte for byte. By
default SIMILAR_TO is updated around the new tasks only: every other table,
file and database row is still the rebuild's, and SIMILAR_TO's difference is
held to what IDF drift explains (the new tasks' links carry the rebuild's
scores).
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandategraph.graph import incremental as inc
from mandategraph.graph.build import BuildOptions, build, input_record
from mandategraph.graph.incremental import AddResult, add_documents, recover, write_add_index

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"
sys.path.insert(0, str(ROOT / "bench"))

import corpus as C  # noqa: E402

SIMILAR_FILES = {"tables/edges_SIMILAR_TO.csv", "tables/edges_SIMILAR_TO.parquet"}


def _build(docs, out: Path, index: bool = True) -> Path:
    """A build folder as `mandategraph build` writes it; with ``index``, its add index counted
    again from the tables (the build keeps the frequencies its linking fitted)."""
    build(docs, out)
    if index:
        write_add_index(out, BuildOptions())
    return out


def _files(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix in (".csv", ".parquet", ".jsonl", ".json"):
            out[str(p.relative_to(folder))] = p.read_bytes()
    return out


def _parquet(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted((folder / "tables").glob("*.parquet"))}


def _assert_same(a: Path, b: Path, allowed: set[str] = frozenset()) -> set[str]:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    diff = {k for k in fa if fa[k] != fb[k]}
    assert diff <= set(allowed), f"differ: {sorted(diff - set(allowed))}"
    return diff


def _ladybug(folder: Path):
    from mandategraph.graph.ladybug_store import graph_from_ladybug

    g = graph_from_ladybug(folder / "graph.lbug")
    return (sorted((n, json.dumps(d, sort_keys=True, ensure_ascii=False)) for n, d in g.nodes(data=True)),
            sorted((u, v, k, json.dumps(d, sort_keys=True, ensure_ascii=False)) for u, v, k, d in g.edges(keys=True, data=True)))


def _ladybug_of_tables(folder: Path, tmp: Path):
    """The database a fresh write from the folder's tables gives."""
    from mandategraph.graph.ladybug_store import write_ladybug

    ref = tmp / "ref"
    ref.mkdir()
    write_ladybug(folder / "tables", ref / "graph.lbug")
    return _ladybug(ref)


def _similar(folder: Path) -> dict[tuple[str, str], float]:
    t = pd.read_parquet(folder / "tables" / "edges_SIMILAR_TO.parquet")
    return {(s, x): v for s, x, v in zip(t["source"], t["target"], t["score"])}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    C.generate(out, jurisdictions=8, years=3, seed=4, workers=1)
    return out


@pytest.fixture(scope="module")
def corpus_full(corpus, tmp_path_factory) -> Path:
    return _build(_docs(corpus), tmp_path_factory.mktemp("full") / "out")


def _docs(corpus: Path) -> list[Path]:
    return sorted((corpus / "documents").rglob("*.txt"))


# --------------------------------------------------------------------------- exact: the rebuild, byte for byte


def test_add_equals_rebuild_on_seeds(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    full = _build(seeds, tmp_path / "full")
    # Leave out 台州 2022 (it shares units' first mentions with 温州) and 荣县 2019.
    kept = [p for p in seeds if not p.name.startswith(("taizhou", "rongxian"))]
    part = _build(kept, tmp_path / "part")
    res = add_documents([p for p in seeds if p not in kept], part, similar="exact")
    assert len(res.added) == 2 and not res.errors
    inc.fold(part)  # the rows the adds left in tables/pending.json, into the table files
    _assert_same(full, part)
    assert _ladybug(full) == _ladybug(part)


@pytest.mark.parametrize("bulk", [False, True], ids=["few changes", "many changes"])
def test_add_equals_rebuild_on_generated_corpus(corpus, corpus_full, tmp_path, monkeypatch, bulk):
    if bulk:  # the paths for large changes: CSV spliced from an index of its lines, edge tables COPYed again
        monkeypatch.setattr(inc, "_MANY_PIECES", 0)
        monkeypatch.setattr(inc, "_BULK_ROWS", 0)
    docs = _docs(corpus)
    # Hold out documents of several kinds: the earliest year of a jurisdiction (its units' first
    # mentions move to it), a middle year, and the last document of the build order.
    held = [docs[0], docs[4], docs[-1]]
    part = _build([d for d in docs if d not in held], tmp_path / "part", index=False)  # the index made on the fly
    res = add_documents(held, part, similar="exact")
    assert len(res.added) == 3
    inc.fold(part)
    _assert_same(corpus_full, part)
    assert _ladybug(corpus_full) == _ladybug(part)
    # The index the add kept up to date is the one a build of all documents writes.
    with np.load(part / inc.INDEX_NAME) as a, np.load(corpus_full / inc.INDEX_NAME) as b:
        assert int(a["n"]) == int(b["n"]) == sum(1 for _ in (corpus_full / "extract.jsonl").open())
        assert np.array_equal(a["df"], b["df"])


def test_build_keeps_the_frequencies_its_linking_counted_as_the_add_index(corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    with monkeypatch.context() as m:  # the build does not count the tasks' n-grams a second time
        m.setattr(inc, "_index_of_texts", lambda texts: pytest.fail("the build counted the n-grams again"))
        build(_docs(corpus), out)
    with np.load(out / inc.INDEX_NAME) as z:
        kept, n = z["df"].copy(), int(z["n"])
    write_add_index(out, BuildOptions())  # counted from the Task table's texts
    with np.load(out / inc.INDEX_NAME) as z:
        assert int(z["n"]) == n == sum(1 for _ in (out / "extract.jsonl").open())
        assert kept.any() and np.array_equal(z["df"], kept)


# --------------------------------------------------------------------------- incremental SIMILAR_TO (the default)


def test_incremental_add_differs_from_rebuild_only_in_similar_to(corpus, corpus_full, tmp_path):
    docs = _docs(corpus)
    held = docs[4]
    part = _build([d for d in docs if d != held], tmp_path / "part")
    before = _similar(part)
    res = add_documents([held], part)
    assert len(res.added) == 1 and res.similar["mode"] == "incremental"
    inc.fold(part)
    diff = _assert_same(corpus_full, part, SIMILAR_FILES | {"summary.json", "tables/nodes_Task.csv",
                                                            "tables/nodes_Task.parquet"})
    # summary.json: only the SIMILAR_TO count; the Task table: only similar_jurisdictions (when derived).
    sa, sb = (json.loads((f / "summary.json").read_text(encoding="utf-8")) for f in (corpus_full, part))
    sa["edges"].pop("SIMILAR_TO"), sb["edges"].pop("SIMILAR_TO")
    assert sa == sb
    ta, tb = (pd.read_parquet(f / "tables" / "nodes_Task.parquet").drop(columns="similar_jurisdictions",
                                                                          errors="ignore") for f in (corpus_full, part))
    pd.testing.assert_frame_equal(ta, tb)
    assert diff & SIMILAR_FILES
    # The database holds exactly the add's tables.
    assert _ladybug(part) == _ladybug_of_tables(part, tmp_path)
    # SIMILAR_TO against the rebuild's: the new tasks' links carry the rebuild's scores, and the
    # links differ only where the new tasks' n-grams moved the IDF of old links' scores.
    rebuilt, added = _similar(corpus_full), _similar(part)
    tasks = pd.read_parquet(part / "tables" / "nodes_Task.parquet")
    new = set(tasks.loc[tasks["document"] == res.added[0], "id"])
    rn = {k for k in rebuilt if new & set(k)}
    an = {k for k in added if new & set(k)}
    assert rn & an and all(rebuilt[k] == added[k] for k in rn & an)
    assert len(rn & an) >= 0.95 * len(rn) and len(rn & an) >= 0.95 * len(an)
    assert len(set(rebuilt) ^ set(added)) <= 0.05 * len(rebuilt)
    # Old links the add removed (pushed out of both tasks' top 3) are gone from the rebuild too.
    removed = set(before) - set(added)
    assert removed and len(removed - set(rebuilt)) >= 0.9 * len(removed)
    assert res.similar["removed"] == len(removed) and res.similar["added"] == len(an)


def test_incremental_add_keeps_derived_properties(corpus, tmp_path):
    pytest.importorskip("mandategraph.graph.derived")
    from mandategraph.graph.derived import DERIVED_TASK_PROPERTIES, add_derived
    from mandategraph.graph.tables import load_graph

    docs = _docs(corpus)
    part = _build([d for d in docs if d != docs[10]], tmp_path / "part")
    if pd.read_parquet(part / "tables" / "nodes_Task.parquet")["chain_end"].iloc[0] == "":
        pytest.skip("this build does not compute the derived task properties")
    add_documents([docs[10]], part)
    g = load_graph(part)
    stored = {n: tuple(d[p] for p in DERIVED_TASK_PROPERTIES) for n, d in g.nodes(data=True) if d["label"] == "Task"}
    add_derived(g)  # from the folder's own CONTINUES and SIMILAR_TO
    assert stored == {n: tuple(d[p] for p in DERIVED_TASK_PROPERTIES) for n, d in g.nodes(data=True)
                      if d["label"] == "Task"}


def test_candidate_cap_scores_the_most_linked_plans(corpus, tmp_path):
    docs = _docs(corpus)
    held = docs[4]
    part = _build([d for d in docs if d != held], tmp_path / "part")
    tasks = pd.read_parquet(part / "tables" / "nodes_Task.parquet")
    sim = pd.read_parquet(part / "tables" / "edges_SIMILAR_TO.parquet")
    jur = dict(zip(tasks["id"], tasks["jurisdiction"]))
    ex = inc.extract_file(str(held))
    name, year = ex.meta.jurisdiction.name, ex.meta.year
    mine = set(tasks.loc[tasks["jurisdiction"] == name, "id"])
    links = pd.Series([jur[b] if a in mine else jur[a] for a, b in zip(sim["source"], sim["target"])
                       if (a in mine) != (b in mine)]).value_counts()
    plans = tasks[(tasks["jurisdiction"] != name) & ((tasks["year"] - year).abs() <= 1)].groupby(
        ["jurisdiction", "year"]).size()
    top = min(links.index, key=lambda j: (-links[j], j))  # all of one province here: ties go by name
    cap = int(plans[top].sum())  # room for the most linked jurisdiction's plans only
    res = add_documents([held], part, candidates=cap)
    assert res.similar["scored"] <= cap < res.similar["reach"]
    inc.fold(part)
    new = set(pd.read_parquet(part / "tables" / "nodes_Task.parquet").query("document == @res.added[0]")["id"])
    partners = {jur.get(a, name) if b in new else jur.get(b, name) for a, b in _similar(part) if new & {a, b}}
    assert partners == {top}
    assert _ladybug(part) == _ladybug_of_tables(part, tmp_path)


def test_lsh_candidates_as_a_large_build(corpus, corpus_full, tmp_path):
    """Above 20,000 tasks a build pairs tasks through LSH buckets; so does an add (here forced on a small graph)."""
    docs = _docs(corpus)
    held = docs[4]
    part = _build([d for d in docs if d != held], tmp_path / "part")
    res = add_documents([held], part, method="lsh")
    assert res.similar["method"] == "lsh" and 0 < res.similar["scored"] < res.similar["reach"]
    inc.fold(part)
    assert _ladybug(part) == _ladybug_of_tables(part, tmp_path)
    rebuilt, added = _similar(corpus_full), _similar(part)
    tasks = pd.read_parquet(part / "tables" / "nodes_Task.parquet")
    jur = dict(zip(tasks["id"], tasks["jurisdiction"]))
    new = set(tasks.loc[tasks["document"] == res.added[0], "id"])
    an = {k for k in added if new & set(k)}
    assert an and all(jur[a] != jur[b] for a, b in an)
    # Scored as the build scores LSH candidates (float64 sums): the all-pairs rebuild's score to 1e-4.
    common = an & set(rebuilt)
    assert len(common) >= 0.5 * len(an) and all(abs(rebuilt[k] - added[k]) <= 1e-4 for k in common)


# --------------------------------------------------------------------------- safety


def test_adding_again_changes_nothing(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds, tmp_path / "g")
    before = _files(out)
    db_before = _ladybug(out)
    res = add_documents([seeds[0]], out)
    assert res.added == [] and len(res.unchanged) == 1
    assert _files(out) == before
    assert _ladybug(out) == db_before


def _staged(out: Path, doc: Path):
    """What an add of ``doc`` writes, staged beside the folder's files (the add stopped before its commit)."""
    f = inc._Folder(out)
    try:
        ex = inc.extract_file(str(doc))
        return inc._prepare(f, ex, None, AddResult(), "incremental", record=input_record(doc, ex))
    finally:
        f.close()


def test_add_interrupted_before_the_database_commit_leaves_the_folder_as_it_was(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    before, db_before = _files(out), _ladybug(out)
    did, files, statements = _staged(out, seeds[4])
    inc._begin(out, did, files)  # journal written; the process dies before the database commits
    assert recover(out)
    assert _files(out) == before and _ladybug(out) == db_before
    assert not list(out.rglob(f"*{inc._TMP}")) and not (out / inc.JOURNAL_NAME).exists()
    res = add_documents([seeds[4]], out)  # and the add can run again
    assert len(res.added) == 1


def test_add_interrupted_after_the_database_commit_is_finished(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    done = _build(seeds[:4], tmp_path / "done")
    add_documents([seeds[4]], done)
    out = _build(seeds[:4], tmp_path / "g")
    did, files, statements = _staged(out, seeds[4])
    journal = inc._begin(out, did, files)
    inc._apply_ladybug(out / "graph.lbug", statements)  # the process dies before the journal says so
    before = _files(out)
    res = add_documents([seeds[4]], out)  # the next add finishes the interrupted one first
    assert res.unchanged == [did] and res.added == []
    assert _files(out) != before
    _assert_same(done, out)
    assert _ladybug(done) == _ladybug(out)
    assert journal["ladybug"] is False and not (out / inc.JOURNAL_NAME).exists()


def test_add_leaves_its_database_changes_in_the_log_until_a_checkpoint(tmp_path):
    from mandategraph.graph.ladybug_store import run_cypher

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    db = out / "graph.lbug"
    size = db.stat().st_size
    res = add_documents([seeds[4]], out)
    assert len(res.added) == 1 and res.seconds["db_checkpoint"] < 1
    assert inc.wal_bytes(db) > 0 and db.stat().st_size == size  # committed to the log, the file untouched
    count = "MATCH (d:Document) RETURN count(*)"
    assert run_cypher(out, count)[1] == [[5]]  # a reader replays the log
    tables = _ladybug_of_tables(out, tmp_path)
    assert _ladybug(out) == tables
    assert inc.checkpoint(out)["wal_bytes"] > 0
    assert inc.wal_bytes(db) == 0 and run_cypher(out, count)[1] == [[5]]
    assert _ladybug(out) == tables
    assert inc.checkpoint(out)["wal_bytes"] == 0  # nothing left to fold


def test_add_checkpoints_when_asked_or_when_the_log_is_big(tmp_path, monkeypatch):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:3], tmp_path / "g")
    add_documents([seeds[3]], out, checkpoint=True)
    assert inc.wal_bytes(out / "graph.lbug") == 0
    monkeypatch.setattr(inc, "CHECKPOINT_WAL_BYTES", 0)
    add_documents([seeds[4]], out)
    assert inc.wal_bytes(out / "graph.lbug") == 0


def test_add_leaves_its_rows_pending_until_a_reader_or_a_checkpoint_folds_them(tmp_path):
    from mandategraph.graph.ladybug_store import run_cypher
    from mandategraph.graph.tables import PENDING_NAME, load_graph

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    tables = {p.name: p.read_bytes() for p in (out / "tables").iterdir()}
    res = add_documents([seeds[4]], out)
    pending = out / "tables" / PENDING_NAME
    assert pending.is_file() and inc.pending_bytes(out) == pending.stat().st_size
    assert {p.name: p.read_bytes() for p in (out / "tables").iterdir() if p != pending} == tables  # files untouched
    assert run_cypher(out, "MATCH (d:Document) RETURN count(*)")[1] == [[5]]  # the database has the add
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["documents"] == 5
    g = load_graph(out)  # a reader of the tables folds first
    assert not pending.exists() and res.added[0] in g
    assert inc._db_current(out)  # the database is not taken for older than the tables it already holds
    full = _build(seeds, tmp_path / "full")
    _assert_same(full, out, SIMILAR_FILES | {"summary.json", "tables/nodes_Task.csv", "tables/nodes_Task.parquet"})
    assert inc.fold(out)["documents"] == 0  # nothing left


def test_pending_rows_are_read_by_the_next_add(corpus, tmp_path):
    """Two adds with the first one's rows pending give the folder two adds each folded at once give."""
    docs = _docs(corpus)
    held = [docs[4], docs[5]]  # the same jurisdiction's plans: the second add reads rows the first changed
    rest = [d for d in docs if d not in held]
    one, two = _build(rest, tmp_path / "one"), _build(rest, tmp_path / "two")
    for d in held:
        add_documents([d], one)
        inc.fold(one)
    add_documents(held[:1], two)
    add_documents(held[1:], two)
    assert inc.pending_bytes(two) > 0
    inc.fold(two)
    _assert_same(one, two)
    assert _ladybug(one) == _ladybug(two) == _ladybug_of_tables(two, tmp_path)


def test_add_folds_when_asked_or_when_its_pending_rows_are_many(tmp_path, monkeypatch):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:3], tmp_path / "g")
    res = add_documents([seeds[3]], out, checkpoint=True)
    assert inc.pending_bytes(out) == 0 and "fold" in res.seconds
    monkeypatch.setattr(inc, "FOLD_PENDING_BYTES", 0)
    add_documents([seeds[4]], out)
    assert inc.pending_bytes(out) == 0


def test_a_fold_that_fails_keeps_the_rows_pending(tmp_path, monkeypatch):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    add_documents([seeds[4]], out)
    before = _files(out)

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(inc, "_stage_table", broken)
    with pytest.raises(OSError, match="disk full"):
        inc.fold(out)
    assert _files(out) == before and not list(out.rglob(f"*{inc._TMP}"))
    monkeypatch.undo()
    assert inc.fold(out)["documents"] == 1 and inc.pending_bytes(out) == 0


def test_a_damaged_pending_file_is_named(tmp_path):
    from mandategraph.errors import ReadError

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    add_documents([seeds[4]], out)
    pending = out / "tables" / "pending.json"
    pending.write_text('{"documents": [', encoding="utf-8")
    with pytest.raises(ReadError, match="pending.json"):
        inc.fold(out)


def test_a_database_older_than_its_tables_is_left_to_be_written_again(tmp_path):
    import os

    from mandategraph.graph.ladybug_store import ladybug_path

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:4], tmp_path / "g")
    db = out / "graph.lbug"
    later = db.stat().st_mtime + 10
    os.utime(out / "tables" / "nodes_Theme.parquet", (later, later))  # the tables changed since the database
    before = db.read_bytes()
    res = add_documents([seeds[4]], out)
    assert len(res.added) == 1
    assert db.read_bytes() == before and not inc._db_current(out)  # not updated, not made to look current
    ladybug_path(out)  # what every reader does: the database written again from the tables
    assert _ladybug(out) == _ladybug_of_tables(out, tmp_path)


def test_bad_file_is_reported_and_others_added(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:2], tmp_path / "g")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    res = add_documents([bad, seeds[2]], out)
    assert len(res.added) == 1 and len(res.errors) == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 3 and len(summary["failed"]) == 1


def test_add_command(tmp_path):
    from click.testing import CliRunner

    from mandategraph.cli import cli

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:3], tmp_path / "g")
    r = CliRunner().invoke(cli, ["add", str(seeds[3]), "--graph", str(out)])
    assert r.exit_code == 0, r.output
    assert "added: 1" in r.output and "SIMILAR_TO:" in r.output
    r = CliRunner().invoke(cli, ["add", str(seeds[4]), "--graph", str(out), "--exact-similar", "-q"])
    assert r.exit_code == 0, r.output
    assert "added: 1" in r.output
    r = CliRunner().invoke(cli, ["checkpoint", "--graph", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 documents' rows written into the tables" in r.output
    full = _build(seeds, tmp_path / "full")
    _assert_same(full, out, SIMILAR_FILES | {"summary.json"})
    r = CliRunner().invoke(cli, ["add", str(seeds[3]), "--graph", str(tmp_path / "nothing")])
    assert r.exit_code != 0


# --------------------------------------------------------------------------- a batch rebuilt, beside other adds


def _documents(out: Path) -> int:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))["documents"]


def test_a_rebuilding_add_leaves_a_running_add_alone(tmp_path):
    """Another add between its journal and its commit: the rebuild must not undo it (recover) under it."""
    from mandategraph.graph.folder import BusyError, build_lock

    seeds = sorted(SEEDS.glob("*.txt"))
    out = _build(seeds[:3], tmp_path / "g", index=False)
    did, files, _ = _staged(out, seeds[3])
    with build_lock(out, shared=True):  # the other add holds the folder, its journal written
        inc._begin(out, did, files)
        with pytest.raises(BusyError):
            add_documents(seeds[3:], out, rebuild=True)
        assert (out / inc.JOURNAL_NAME).is_file() and all(Path(t).is_file() for t, _ in files)
    assert recover(out)  # its own recovery, later, finds it whole


def test_an_add_that_commits_while_a_rebuild_plans_is_not_lost(tmp_path, monkeypatch):
    """The plan is read under the lock the rebuild holds: an add cannot commit between the two."""
    from mandategraph.graph.folder import BusyError

    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds[:2], out, BuildOptions(ladybug=False))
    plan_of = inc._rebuild_plan
    other = []

    def racing(*args, **kw):  # another add, right after the rebuild read what to rebuild
        plan = plan_of(*args, **kw)
        try:
            other.append(add_documents([seeds[4]], out, rebuild=False))
        except BusyError:
            other.append(None)
        return plan

    monkeypatch.setattr(inc, "_rebuild_plan", racing)
    res = add_documents(seeds[2:4], out, rebuild=True)
    assert res.rebuilt and len(res.added) == 2
    if other[0] is not None:  # what an add said it added is in the graph
        assert set(other[0].added) <= set(pd.read_parquet(out / "tables" / "nodes_Document.parquet")["id"])
    assert other == [None] and _documents(out) == 4  # refused at once: the rebuild holds the folder


def test_a_rebuild_that_cannot_read_an_old_document_again_adds_one_by_one(tmp_path, monkeypatch):
    """A recorded document that fails to extract now (reader changed, file gone after the check):
    the rebuilt graph would lack it, so nothing is replaced and the batch is added one by one."""
    from mandategraph.errors import ReadError
    from mandategraph.graph import build as build_mod

    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds[:3], out, BuildOptions(ladybug=False))
    extract = build_mod.extract_file

    def changed_reader(path, **kw):
        if str(path) == str(seeds[0].resolve()):
            raise ReadError(str(path), "the reader changed")
        return extract(path, **kw)

    monkeypatch.setattr(build_mod, "extract_file", changed_reader)
    told = []
    res = add_documents(seeds[3:], out, rebuild=True, notice=told.append)
    assert not res.rebuilt and len(res.added) == 2 and not res.errors
    assert told == ["adding 2 plans to a build of 3: rebuilding (as asked)",
                    f"not rebuilding: {seeds[0].resolve()}, read by the build, failed to extract "
                    f"({seeds[0].resolve()}: the reader changed); the folder was left as it was; adding one by one"]
    assert _documents(out) == 5


def test_a_rebuild_says_which_derived_outputs_it_removes_and_keeps_other_files(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build(seeds[:3], out, BuildOptions(ladybug=False))
    for name in ("rdf", "report", "answers"):  # as .ci/main writes them into the build folder
        (out / name).mkdir()
        (out / name / "x").write_text("derived", encoding="utf-8")
    told = []
    res = add_documents(seeds[3:], out, rebuild=True, notice=told.append)
    assert res.rebuilt and len(res.added) == 2
    assert told[-1] == ("the rebuild removed answers/, rdf/, report/ (written from the old build by other commands: "
                        "run them again)")
    assert not (out / "rdf").exists() and _documents(out) == 5
    # A file no mandategraph command writes there: a rebuild would delete it, so the add goes one by one.
    out = tmp_path / "h"
    build(seeds[:3], out, BuildOptions(ladybug=False))
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    told = []
    res = add_documents(seeds[3:], out, rebuild=True, notice=told.append)
    assert not res.rebuilt and len(res.added) == 2 and (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert told == ["adding 2 plans to a build of 3: one by one, not rebuilding (as asked): the folder holds what "
                    "a build does not write, which a rebuild would delete: notes.txt"]


# --------------------------------------------------------------------------- the n-gram index


def test_vectors_are_the_builds():
    from mandategraph.graph.continuity import (_SENTENCE, DEFAULTS, TaskRef, _band_keys, _count_matrix,
                                               _minhash_bands, _sentences, similarity_text, similarity_texts,
                                               vectorize)
    from mandategraph.graph.tfidf import document_frequency, smooth_idf

    texts = [t for p in sorted(SEEDS.glob("*.txt")) for t in p.read_text(encoding="utf-8").splitlines()]
    texts += ["①２０２２年（一）ｱｲ㈠ﬁ", "e\u0301x", "\u0301abc", "", "12,345个", "Ⅻ号"]  # compatibility forms, marks
    assert similarity_texts(texts) == [similarity_text(t) for t in texts]
    ngrams = DEFAULTS.similar_ngrams
    a, b = inc._counts(texts, ngrams), _count_matrix(texts, ngrams, 20)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)
    assert np.array_equal(inc._frequencies(texts, ngrams), np.bincount(b.indices, minlength=b.shape[1]))
    # Sentences and band keys from the batched NFKC are those of one text at a time.
    sents, owner = _sentences(texts, 8)
    one_by_one = [(x, k) for k, t in enumerate(texts)
                  for x in ([x for x in _SENTENCE.split(unicodedata.normalize("NFKC", t)) if len(x) >= 8] or [t])]
    assert list(zip(sents, owner.tolist())) == one_by_one
    assert np.array_equal(_minhash_bands(sents, 16, 2, 0),
                          _band_keys(sents, 16, 2, 0, 100_000, lambda part: [similarity_text(t) for t in part]))
    v = vectorize([TaskRef(str(k), t) for k, t in enumerate(texts)], ngrams)
    idf = smooth_idf(document_frequency(a), len(texts))
    assert np.array_equal(idf, v.idf)
    assert (inc._tfidf(a, idf) != v.tfidf).nnz == 0


def test_index_records_the_build_options(tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    taizhou = [p for p in seeds if p.name.startswith("taizhou")]
    strict = BuildOptions(similar_threshold=0.6)
    out = tmp_path / "g"
    build([p for p in seeds if p not in taizhou], out, strict)
    write_add_index(out, strict)
    res = add_documents(taizhou, out)  # no options given: the build's
    f = inc._Folder(out)
    try:
        assert inc._load_index(f).options["similar_threshold"] == 0.6  # kept by the add
    finally:
        f.close()
    inc.fold(out)
    new = set(pd.read_parquet(out / "tables" / "nodes_Task.parquet").query("document == @res.added[0]")["id"])
    scores = [v for k, v in _similar(out).items() if new & set(k)]
    default = _build(seeds, tmp_path / "default")  # 台州 2022 ≈ 温州 2022: many links, some below 0.6
    below = [v for k, v in _similar(default).items() if new & set(k) and v < 0.6]
    assert scores and min(scores) >= 0.6 and below


@given(st.lists(st.integers(0, 5), min_size=1, max_size=6), st.data())
def test_rows_taken_chunk_by_chunk_are_the_rows_asked_for(sizes, data):
    # An add takes rows from tables read in chunks (a national Task table in six) without joining them.
    schema = pa.schema([("n", pa.int64()), ("s", pa.string())])
    first = [sum(sizes[:k]) for k in range(len(sizes))]
    table = pa.Table.from_batches([pa.record_batch([pa.array(range(a, a + k), pa.int64()),
                                                    pa.array([str(v) for v in range(a, a + k)])], schema=schema)
                                   for a, k in zip(first, sizes)], schema=schema)
    rows = data.draw(st.lists(st.integers(0, table.num_rows - 1), max_size=20)) if table.num_rows else []
    assert inc._take(table, rows).column("n").to_pylist() == rows
    assert inc._take(table.column("s"), rows).to_pylist() == [str(r) for r in rows]


def test_tables_are_zstd_parquet_with_task_text_outside_the_dictionary(seed_build, tmp_path):
    # Free text gains nothing from a dictionary and decodes faster without one; an add's fold writes as the build.
    meta = pq.ParquetFile(seed_build / "tables" / "nodes_Task.parquet").metadata.row_group(0)
    columns = {meta.column(i).path_in_schema: meta.column(i) for i in range(meta.num_columns)}
    assert {c.compression for c in columns.values()} == {"ZSTD"}
    assert "RLE_DICTIONARY" not in columns["text"].encodings
    assert "RLE_DICTIONARY" in columns["jurisdiction"].encodings
