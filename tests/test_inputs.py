"""Which files a run reads (issue 21): nothing left out or read twice without a word.

An empty folder is an error; files skipped inside a folder (not documents,
hidden, Office lock files) are named with the reason; symbolic links are
followed without looping; two files with the same bytes are read once; a
document is named by its path inside the folder given.
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from mandategraph.errors import ReadError
from mandategraph.loaders.extract import expand_paths, extract_file
from mandategraph.loaders.inputs import DocumentPath, find_documents

PLAN = "rongxian_2019_work_plan.txt"  # 15 tasks
OTHER = "wenzhou_2019_task_table.txt"  # 39 tasks


def run(*args):
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True)


def rows(stdout: str) -> list[tuple[str, str]]:
    """The (document, text) of each task `extract` printed."""
    return [(r["document"], r["text"]) for r in map(json.loads, stdout.splitlines())]


def extracted(*documents) -> list[tuple[str, str]]:
    """The (document, text) of each task of the files, extracted directly: (path, name in the graph) pairs."""
    return [(t.document, t.text) for path, source in documents for t in extract_file(str(path), source=source).tasks]


def test_an_empty_folder_is_an_error_not_a_silent_success(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("extract", str(empty))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == f"Error: {empty}: no documents found (looked for .txt, .htm, .html, .docx)"
    found = find_documents([empty])
    assert found.files == [] and isinstance(found.error([empty]), ReadError)
    assert str(found.error([empty])) == f"{empty}: no documents found (looked for .txt, .htm, .html, .docx)"


def test_an_empty_folder_beside_documents_fails_alone(tmp_path, documents):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("extract", str(empty), str(documents / PLAN))
    assert r.returncode == 1
    assert rows(r.stdout) == extracted((documents / PLAN, PLAN))
    assert "no documents found" in r.stderr
    assert find_documents([empty, documents / PLAN]).error([empty, documents / PLAN]) is None


def test_files_skipped_in_a_folder_are_named_with_the_reason(tmp_path, documents):
    a = tmp_path / "a"
    a.mkdir()
    shutil.copy(documents / PLAN, a / "plan.txt")
    (a / "b.pdf").write_bytes(b"%PDF-1.4\n")
    (a / "notes.md").write_text("# notes\n", encoding="utf-8")
    (a / "units.csv").write_text("a,b\n", encoding="utf-8")
    shutil.copy(documents / OTHER, a / ".hidden.txt")  # read before: a hidden file is not a document
    (a / "~$lock.docx").write_bytes(b"\x00" * 162)  # Word's lock file beside an open document
    (a / ".git").mkdir()
    (a / ".git" / "HEAD.txt").write_text("ref\n", encoding="utf-8")
    r = run("extract", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == extracted((a / "plan.txt", "a/plan.txt"))  # the plan only
    lines = r.stderr.splitlines()
    shown = os.path.join(str(tmp_path), "a")
    for expected in (f"skipped: {shown}/b.pdf (PDF is not read; convert it to text)",
                     f"skipped: {shown}/.hidden.txt (hidden file)",
                     f"skipped: {shown}/~$lock.docx (Office lock file)",
                     f"skipped: {shown}/.git/ (hidden folder)"):
        assert expected in lines, r.stderr
    assert any(line.startswith(f"skipped: {shown}/notes.md (not a document (.md)") for line in lines)
    assert any(line.startswith(f"skipped: {shown}/units.csv (not a document (.csv)") for line in lines)
    # The library reports, the command prints; -q keeps it quiet.
    found = find_documents([tmp_path])
    assert [os.path.basename(p.rstrip(os.sep)) for p, _ in found.skipped] == [".git", ".hidden.txt", "b.pdf", "notes.md",
                                                                "units.csv", "~$lock.docx"]
    r = run("extract", "-q", str(tmp_path))
    assert r.returncode == 0 and r.stderr == ""


def test_a_file_named_directly_is_read_whatever_its_name(tmp_path, documents):
    hidden = tmp_path / ".plan.txt"
    shutil.copy(documents / PLAN, hidden)
    assert [str(p) for p in expand_paths([hidden])] == [str(hidden)]


def test_symbolic_links_are_followed_and_loops_end(tmp_path, documents):
    root, outside = tmp_path / "docs", tmp_path / "elsewhere"
    (root / "a").mkdir(parents=True)
    (root / "c").mkdir()
    outside.mkdir()
    shutil.copy(documents / PLAN, root / "a" / "plan.txt")
    shutil.copy(documents / OTHER, outside / "table.txt")
    os.symlink(outside, root / "linked")  # a folder kept elsewhere: followed
    os.symlink("..", root / "c" / "loop")  # back up the tree: would never end
    os.symlink("../a", root / "c" / "again")  # a second way into a folder read
    os.symlink(outside, outside / "self")  # a loop inside the followed folder
    os.symlink("/nonexistent/plan.txt", root / "broken.txt")
    found = find_documents([root])
    assert [p.source for p in found.files] == ["a/plan.txt", "linked/table.txt"]
    reasons = {os.path.relpath(p.rstrip(os.sep), root): why for p, why in found.skipped}
    assert reasons["c/loop"].startswith("symbolic link to .., a folder read")
    assert reasons["c/again"].startswith("symbolic link to ../a, a folder read")
    assert reasons["linked/self"].startswith("symbolic link to")
    assert reasons["broken.txt"] == "broken symbolic link to /nonexistent/plan.txt"
    r = run("extract", str(root))
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == extracted((root / "a" / "plan.txt", "a/plan.txt"),
                                       (outside / "table.txt", "linked/table.txt"))


def test_a_link_into_the_tree_is_read_under_the_folders_own_name(tmp_path, documents):
    root = tmp_path / "docs"
    (root / "z").mkdir(parents=True)
    shutil.copy(documents / PLAN, root / "z" / "plan.txt")
    os.symlink("z", root / "a_link")  # walked first by name, but z is read as z
    found = find_documents([root])
    assert [p.source for p in found.files] == ["z/plan.txt"]
    assert found.skipped == [(str(root / "a_link") + os.sep, "symbolic link to z, a folder read under its own path")]


def test_the_same_content_under_two_names_is_read_once_and_said(tmp_path, documents):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(documents / PLAN, tmp_path / sub / "plan.txt")
    shutil.copy(documents / OTHER, tmp_path / "b" / "other.txt")
    r = run("extract", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == extracted((tmp_path / "a" / "plan.txt", "a/plan.txt"),
                                       (tmp_path / "b" / "other.txt", "b/other.txt"))
    assert (f"duplicate: {tmp_path}/b/plan.txt has the same content as {tmp_path}/a/plan.txt; read once"
            in r.stderr.splitlines())
    # A file named twice too.
    found = find_documents([tmp_path / "a" / "plan.txt", tmp_path / "b" / "plan.txt"])
    assert len(found.files) == 1 and len(found.duplicates) == 1


def test_a_build_reads_duplicates_once_and_names_documents_by_their_path(tmp_path, documents):
    from mandategraph.graph.build import build

    docs = tmp_path / "docs"
    for sub, name in (("a", PLAN), ("b", OTHER), ("c", PLAN)):
        (docs / sub).mkdir(parents=True)
        shutil.copy(documents / name, docs / sub / "plan.txt")  # three plan.txt, two the same
    result = build([docs], tmp_path / "out")
    assert not result.errors
    nodes = pd.read_csv(tmp_path / "out" / "tables" / "nodes_Document.csv", dtype=str)
    assert sorted(nodes["source"]) == ["a/plan.txt", "b/plan.txt"]
    tasks = pd.read_csv(tmp_path / "out" / "tables" / "nodes_Task.csv", dtype=str, keep_default_na=False)
    expected = extracted((docs / "a" / "plan.txt", "a/plan.txt"), (docs / "b" / "plan.txt", "b/plan.txt"))
    assert sorted(tasks["text"]) == sorted(text for _, text in expected)
    contract = [json.loads(line) for line in (tmp_path / "out" / "extract.jsonl").read_text("utf-8").splitlines()]
    assert {row["document"] for row in contract} == {"a/plan.txt", "b/plan.txt"}


def test_a_document_is_named_by_its_path_in_the_folder_given(tmp_path, documents):
    (tmp_path / "a").mkdir()
    shutil.copy(documents / PLAN, tmp_path / "a" / "plan.txt")
    [path] = expand_paths([tmp_path])
    assert path.source == "a/plan.txt" and extract_file(path).meta.source == "a/plan.txt"
    # Named directly: its file name, as before (extract.jsonl of the seeds unchanged).
    assert extract_file(tmp_path / "a" / "plan.txt").meta.source == "plan.txt"
    assert extract_file(str(path), source="x/y.txt").tasks[0].document == "x/y.txt"
    # Worker processes get the name with the path.
    again = pickle.loads(pickle.dumps(path))
    assert isinstance(again, DocumentPath) and again == path and again.source == "a/plan.txt"


def test_the_order_is_kept(tmp_path, documents):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    assert [p.source for p in expand_paths([tmp_path / "b.txt", tmp_path / "a.txt"])] == ["b.txt", "a.txt"]
    assert [p.source for p in expand_paths([tmp_path])] == ["a.txt", "b.txt"]
    assert expand_paths([tmp_path / "missing.txt"]) == [str(tmp_path / "missing.txt")]  # fails when read


@pytest.mark.parametrize("name", ["plan.TXT", "plan.Html", "plan.htm", "plan.docx"])
def test_documents_are_found_whatever_the_case_of_the_suffix(tmp_path, name):
    (tmp_path / name).write_bytes(b"x")
    assert [p.source for p in find_documents([tmp_path]).files] == [name]


def test_a_folder_that_cannot_be_read_is_named_with_the_reason(tmp_path, documents, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "locked").mkdir()
    shutil.copy(documents / PLAN, tmp_path / "a" / "plan.txt")
    shutil.copy(documents / OTHER, tmp_path / "locked" / "table.txt")
    scandir = os.scandir

    def denied(path=None):  # as a folder without read permission (tests run as root: chmod would not do)
        if path is not None and os.fspath(path) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path) if path is not None else scandir()

    monkeypatch.setattr(os, "scandir", denied)
    found = find_documents([tmp_path])
    assert [p.source for p in found.files] == ["a/plan.txt"]
    assert (str(tmp_path / "locked") + os.sep, "folder cannot be read: Permission denied") in found.skipped
    assert f"skipped: {tmp_path / 'locked'}{os.sep} (folder cannot be read: Permission denied)" in found.notices()
