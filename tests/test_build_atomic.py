"""Builds are all or nothing: killed at any stage, a build leaves its folder the old build byte for
byte, the new one, or refused by every reader with one line; one build or add at a time in a folder;
inputs with no document replace nothing (graph/folder.py).

Builds are killed deterministically through the test hook ``MANDATEGRAPH_FAULT=<stage>`` (the process
ends with ``os._exit(137)`` right after that stage, as SIGKILL would leave it).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mandategraph.errors import ReadError
from mandategraph.graph.build import build
from mandategraph.graph.tables import load_graph
from mandategraph.graph import folder as folder_mod
from mandategraph.graph.folder import (FAULT_ENV, FAULT_STAGES, MARKER, BusyError, aside_path, build_lock, lock_path,
                                       mark_complete, staging_path)

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "data" / "documents"
OLD_DOCS = [DOCUMENTS / "rongxian_2019_work_plan.txt", DOCUMENTS / "taizhou_2022_work_plan.txt"]
# Files of a new build compared byte for byte with a reference build (graph.lbug and the zipped index
# are checked for presence only).
_EXACT = (".csv", ".parquet", ".jsonl", ".json", "")


def _cli(*args: str, fault: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _new_digests(folder: Path) -> dict[str, str]:
    return {k: v for k, v in _digests(folder).items() if Path(k).suffix in _EXACT and Path(k).name != ".add-lock"}


@pytest.fixture(scope="module")
def refs(tmp_path_factory):
    """The old build (two plans) and a reference new build (five plans)."""
    root = tmp_path_factory.mktemp("refs")
    build(OLD_DOCS, root / "old")
    build([DOCUMENTS], root / "new")
    assert (root / "old" / MARKER).is_file() and (root / "new" / MARKER).is_file()
    return root / "old", root / "new"


def _state(out: Path, old: Path | None, new: Path) -> str:
    """"old" (byte for byte), "new" (its tables and files as the reference's), or "absent"; else fails."""
    if not out.exists():
        return "absent"
    if old is not None and _digests(out) == _digests(old):
        return "old"
    if old is None and not any(out.iterdir()):
        return "old"  # the empty folder it was
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {".add-lock"}
    ref = {str(p.relative_to(new)) for p in new.rglob("*") if p.is_file()} - {".add-lock"}
    assert files == ref, f"{out} holds neither build: {sorted(files ^ ref)}"
    assert _new_digests(out) == _new_digests(new), f"{out} holds a mix of builds"
    return "new"


def _refused(folder: Path) -> None:
    """cypher, export rdf and sparql each refuse ``folder`` with one line saying the build is incomplete."""
    for args in (("cypher", "--graph", str(folder), "MATCH (t:Task) RETURN count(*)"),
                 ("export", "rdf", "--graph", str(folder), "--out", str(folder.parent / "rdf-of-incomplete")),
                 ("sparql", "--graph", str(folder), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")):
        r = _cli(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and "the build is incomplete" in lines[0], \
            (args, r.stderr)
        assert "mandategraph build" in lines[0] and not r.stdout
    assert not (folder.parent / "rdf-of-incomplete").exists()


def _answers(out: Path) -> int:
    r = _cli("cypher", "--graph", str(out), "MATCH (d:Document) RETURN count(*) AS n", "-f", "csv")
    assert r.returncode == 0, r.stderr
    return int(r.stdout.split()[-1])


# Each stage, killed over an existing build; what the folder must be afterwards.
_OVER = {"locked": "old", "extract": "old", "extractions": "old", "edge_tables": "old", "link": "old",
         "tables": "old", "add_index": "old", "ladybug_copy": "old", "ladybug": "old", "marked": "old",
         "aside": "new", "swapped": "new"}


def test_every_stage_is_tested():
    assert set(_OVER) == set(FAULT_STAGES)


@pytest.mark.parametrize("stage", list(_OVER))
def test_a_build_killed_over_an_existing_build_leaves_the_old_or_the_new(stage, refs, tmp_path):
    old, new = refs
    out = tmp_path / "out"
    shutil.copytree(old, out)
    (out / "rdf").mkdir()  # an output of the old build
    (out / "rdf" / "graph.nt").write_text("<a> <b> <c> .\n")
    before = _digests(out)
    r = _cli("build", str(DOCUMENTS), "--out", str(out), fault=stage)
    assert r.returncode == 137, r.stderr
    if not out.exists():  # killed between the two renames: the next reader puts a build back
        assert stage == "aside" and aside_path(out).is_dir()
        _answers(out)
        assert not aside_path(out).exists()
    state = "old" if out.exists() and _digests(out) == before else _state(out, None, new)
    assert state == _OVER[stage], (stage, state)
    assert _answers(out) == (2 if state == "old" else 5)
    if state == "new":
        assert not (out / "rdf").exists()  # the old build's outputs went with it
    stage_dir = staging_path(out)
    if stage_dir.exists():  # what the killed build left beside: refused (by the CLI at a few stages)
        with pytest.raises(ReadError, match="the build is incomplete"):
            load_graph(stage_dir)
        if stage in ("edge_tables", "ladybug_copy", "marked"):
            _refused(stage_dir)
    if stage in ("ladybug_copy", "aside", "swapped"):  # the next build cleans what the killed one left
        r = _cli("build", str(DOCUMENTS), "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert _state(out, None, new) == "new"
        left = [p.name for p in tmp_path.iterdir()] + [p.name for p in out.rglob(".lbug-*")]
        assert sorted(left) == sorted(["out", lock_path(out).name]), left


@pytest.mark.parametrize("stage", ["locked", "tables", "ladybug_copy", "marked", "aside", "swapped"])
def test_a_build_killed_into_an_empty_folder_leaves_it_empty_or_built(stage, refs, tmp_path):
    _, new = refs
    out = tmp_path / "out"
    out.mkdir()
    r = _cli("build", str(DOCUMENTS), "--out", str(out), fault=stage)
    assert r.returncode == 137, r.stderr
    if not out.exists():
        _cli("cypher", "--graph", str(out), "MATCH (n) RETURN count(*)")  # the reader puts it back
    state = _state(out, None, new)
    assert state == ("new" if stage in ("aside", "swapped") else "old"), (stage, state)
    if state == "old":  # the empty folder: not a build
        r = _cli("cypher", "--graph", str(out), "MATCH (n) RETURN count(*)")
        assert r.returncode == 1 and "not a built graph folder" in r.stderr and "Traceback" not in r.stderr
    if staging_path(out).exists():
        _refused(staging_path(out))


def test_a_build_killed_into_no_folder_leaves_none(refs, tmp_path):
    out = tmp_path / "out"
    r = _cli("build", str(DOCUMENTS), "--out", str(out), fault="marked")
    assert r.returncode == 137
    assert not out.exists() and (staging_path(out) / MARKER).is_file()
    _refused(staging_path(out))
    r = _cli("cypher", "--graph", str(out), "MATCH (n) RETURN count(*)")
    assert r.returncode == 1 and "no such graph folder" in r.stderr


def test_a_cut_build_is_refused_by_every_reader(refs, tmp_path):
    """A folder with a build's files and no marker (a build killed while writing in place)."""
    out = tmp_path / "out"
    shutil.copytree(refs[0], out)
    (out / MARKER).unlink()
    (out / "tables" / "edges_LEADS.parquet").write_bytes(b"cut")
    _refused(out)
    with pytest.raises(ReadError, match="the build is incomplete"):
        load_graph(out)
    for args in (("query", "unit_load", "--graph", str(out)), ("viz", "--graph", str(out), "--out", str(tmp_path / "v.html")),
                 ("neo4j", "export", "--graph", str(out), "--out", str(tmp_path / "neo")),
                 ("add", str(DOCUMENTS / "wenzhou_2019_task_table.txt"), "--graph", str(out))):
        r = _cli(*args)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and "the build is incomplete" in r.stderr, (args, r.stderr)


def _wait_for_lock(out: Path, pid: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if lock_path(out).is_file() and lock_path(out).read_text().strip() == str(pid):
            return
        time.sleep(0.05)
    raise AssertionError("the first build never took its lock")


def test_a_second_build_or_an_add_into_a_folder_being_built_is_refused(refs, tmp_path):
    old, new = refs
    out = tmp_path / "out"
    shutil.copytree(old, out)
    before = _digests(out)
    env = {**os.environ, FAULT_ENV: "link:wait"}  # the first build stops after linking, its lock held
    first = subprocess.Popen([sys.executable, "-m", "mandategraph", "build", str(DOCUMENTS), "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _wait_for_lock(out, first.pid, first)
        second = _cli("build", str(DOCUMENTS), "--out", str(out))
        assert second.returncode == 1
        assert second.stderr == (f"Error: {out}: the folder is being built or added to by pid {first.pid} "
                                 f"(lock {lock_path(out)}); wait for it to finish and run this again\n")
        add = _cli("add", str(DOCUMENTS / "wenzhou_2019_task_table.txt"), "--graph", str(out))
        assert add.returncode == 1 and add.stderr.count("\n") == 1
        assert f"{out}: the folder is being built by pid {first.pid}" in add.stderr
        assert _digests(out) == before  # readers still read the old build meanwhile
        assert _answers(out) == 2
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert _digests(out) == before
    r = _cli("build", str(DOCUMENTS), "--out", str(out))  # the lock went with the killed build
    assert r.returncode == 0, r.stderr
    assert _state(out, None, new) == "new"


def test_a_build_into_a_folder_an_add_holds_is_refused(refs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(refs[0], out)
    before = _digests(out)
    with build_lock(out, shared=True):  # as an add holds it
        r = _cli("build", str(DOCUMENTS), "--out", str(out))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "being built or added to by another process (an add, a fold or a checkpoint)" in r.stderr
    assert _digests(out) == before and not staging_path(out).exists()


def test_an_add_into_a_complete_build_works_under_the_lock(refs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(refs[0], out)
    r = _cli("add", str(DOCUMENTS / "wenzhou_2019_task_table.txt"), "--graph", str(out))
    assert r.returncode == 0, r.stderr
    assert _answers(out) == 3 and (out / MARKER).is_file()


def test_inputs_with_no_documents_replace_nothing(refs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(refs[0], out)
    before = _digests(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _cli("build", str(empty), "--out", str(out))
    assert r.returncode == 1 and not r.stdout
    assert r.stderr.startswith(f"Error: {empty}: no documents found") and r.stderr.count("\n") == 1
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.txt").write_bytes(b"")
    r = _cli("build", str(broken), "--out", str(out))
    assert r.returncode == 1 and "no documents found" in r.stderr and r.stderr.count("\n") == 1
    assert _digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", "empty", "broken", lock_path(out).name])


def test_a_folder_that_is_not_a_build_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = _cli("build", str(DOCUMENTS / "rongxian_2019_work_plan.txt"), "--out", str(out))
    assert r.returncode == 1 and "is not a build folder" in r.stderr and r.stderr.count("\n") == 1
    assert (out / "notes.txt").read_text() == "mine" and not staging_path(out).exists()
    docs = tmp_path / "b" / "docs"
    docs.mkdir(parents=True)
    shutil.copy(OLD_DOCS[0], docs)
    r = _cli("build", str(docs), "--out", str(tmp_path / "b"))
    assert r.returncode == 1 and "inside the build folder" in r.stderr
    assert (docs / OLD_DOCS[0].name).is_file()



def test_a_folder_that_only_looks_like_a_build_is_not_replaced(tmp_path):
    """A tables/ folder, or one of a build's file names, does not make a build (only the marker, or
    summary.json + extract.jsonl + tables/nodes_Task.parquet); --force replaces it all the same."""
    out = tmp_path / "mine"
    (out / "tables").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    (out / "tables" / "mydata.csv").write_text("a,b\n1,2\n")
    (out / "summary.json").write_text("{}")
    r = _cli("build", str(OLD_DOCS[0]), "--out", str(out))
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "is not a build folder and not empty (notes.txt, summary.json, tables/)" in r.stderr
    assert "--force" in r.stderr
    assert (out / "notes.txt").read_text() == "mine" and (out / "tables" / "mydata.csv").is_file()
    assert not staging_path(out).exists()
    r = _cli("build", str(OLD_DOCS[0]), "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert (out / MARKER).is_file() and not (out / "notes.txt").exists()


def test_a_build_holding_files_no_command_writes_is_not_replaced_without_force(refs, tmp_path):
    old, new = refs
    out = tmp_path / "out"
    shutil.copytree(old, out)
    (out / MARKER).unlink()  # a build made before the marker is a build too
    for name in ("rdf", "report", "answers", "sparql.oxigraph", "plots"):  # what mandategraph's commands write
        (out / name).mkdir()
        (out / name / "x").write_text("derived")
    (out / "neo4j-push.checkpoint.json").write_text("{}")
    (out / "budget.xlsx").write_text("mine")
    (out / "tables" / "mydata.csv").write_text("a,b\n")
    before = _digests(out)
    r = _cli("build", str(DOCUMENTS), "--out", str(out))
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr == (f"Error: {out}: holds what a build does not write, which replacing it would delete: "
                        "budget.xlsx, tables/mydata.csv; move it out of the folder, or replace it with --force\n")
    assert _digests(out) == before and not staging_path(out).exists()
    (out / "budget.xlsx").unlink()
    (out / "tables" / "mydata.csv").unlink()
    r = _cli("build", str(DOCUMENTS), "--out", str(out))  # the derived outputs alone: replaced with the build
    assert r.returncode == 0, r.stderr
    assert _state(out, None, new) == "new"
    (out / "budget.xlsx").write_text("mine")
    r = _cli("build", str(DOCUMENTS), "--out", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert _state(out, None, new) == "new"


def test_the_old_build_that_cannot_be_deleted_after_the_swap_is_a_warning(refs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(refs[0], out)
    rmtree = folder_mod._rmtree

    def stuck(path):
        if Path(path) == aside_path(out) and Path(path).exists():
            raise PermissionError(13, "Permission denied", str(path))
        rmtree(path)

    monkeypatch.setattr(folder_mod, "_rmtree", stuck)
    told = []
    result = build([OLD_DOCS[0]], out, notice=told.append)
    assert not result.errors and (out / MARKER).is_file() and aside_path(out).is_dir()
    assert len(result.graph.nodes) and _answers(out) == 1
    assert told == [f"warning: {out}: the new build is in place, but the old one could not be deleted ([Errno 13] "
                    f"Permission denied: '{aside_path(out)}'); it was left as {aside_path(out)}, which the next "
                    f"build into out deletes"]
    monkeypatch.undo()
    build(OLD_DOCS, out)  # the next build deletes it
    assert not aside_path(out).exists() and _answers(out) == 2


def test_the_marker_is_written_after_every_file_is_synced(tmp_path, monkeypatch):
    out = tmp_path / "b"
    (out / "tables").mkdir(parents=True)
    (out / "summary.json").write_text("{}")
    (out / "tables" / "nodes_Task.csv").write_text("id\n")
    synced = []
    fsync = os.fsync

    def recording(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording)
    mark_complete(out)
    marker = synced.index(str(out / MARKER))
    for path in (out / "summary.json", out / "tables" / "nodes_Task.csv", out / "tables", out):
        assert str(path) in synced[:marker], (path, synced)
    assert synced[-1] == str(out)  # and the folder after the marker


def test_only_an_exclusive_holder_writes_its_pid_into_the_lock(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    lock_path(out).write_text("999999\n")  # a stale pid, left by a killed build
    with build_lock(out, shared=True), build_lock(out, shared=True):  # two adds
        assert lock_path(out).read_text() == ""
        with pytest.raises(BusyError, match=r"by another process \(an add"):
            with build_lock(out):
                pass
    with build_lock(out):
        assert lock_path(out).read_text() == f"{os.getpid()}\n"
        with pytest.raises(BusyError, match=f"being built by pid {os.getpid()}"):
            with build_lock(out, shared=True):
                pass
    assert lock_path(out).read_text() == ""  # released: no pid left to mislead


def test_write_build_writes_under_the_lock(tmp_path):
    from mandategraph.graph.build import build_graph, write_build
    from mandategraph.loaders.extract import extract_file

    ex = extract_file(str(OLD_DOCS[0]))
    g = build_graph([ex])
    out = tmp_path / "w"
    with build_lock(out, shared=True):  # an add into it
        with pytest.raises(BusyError):
            write_build(g, [ex], [], out)
    assert not (out / "summary.json").exists()
    write_build(g, [ex], [], out)
    assert (out / MARKER).is_file() and _answers(out) == 1
