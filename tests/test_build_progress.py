"""`build` and `add` at scale (issue 21): notices of the inputs, a capped summary, progress per
stage drawn by the command (never printed by the library), and a large batch `add` rebuilt."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mandategraph.graph import incremental as inc
from mandategraph.graph.build import BUILD_STAGES, INPUTS_NAME, BuildOptions, Progress, build
from mandategraph.graph.commands import StageBars
from mandategraph.graph.incremental import add_documents, rebuild_threshold
from mandategraph.graph.summary import SUMMARY_LINES, format_summary

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"
sys.path.insert(0, str(ROOT / "bench"))

import corpus as C  # noqa: E402


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """8 jurisdictions x 3 years: 24 jurisdiction-years, more than the summary prints."""
    out = tmp_path_factory.mktemp("corpus")
    C.generate(out, jurisdictions=8, years=3, seed=4, workers=1)
    return out


def _docs(corpus: Path) -> list[Path]:
    return sorted((corpus / "documents").rglob("*.txt"))


@pytest.fixture()
def odd_folder(tmp_path) -> Path:
    """Two seeds, a copy of one, a note, and a seed with control characters in it."""
    d = tmp_path / "in"
    d.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    shutil.copy(seeds[0], d / "a.txt")
    shutil.copy(seeds[0], d / "b_copy.txt")
    shutil.copy(seeds[1], d / "c.txt")
    (d / "notes.md").write_text("not a plan\n", encoding="utf-8")
    text = seeds[2].read_text(encoding="utf-8")
    (d / "d.txt").write_text(text.replace("\n", "\x0c\n", 3), encoding="utf-8")
    return d


# --------------------------------------------------------------------------- 1. notices of the inputs


def test_build_names_what_it_left_out_and_what_reading_changed(odd_folder, tmp_path):
    r = _cli("build", str(odd_folder), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert f"skipped: {odd_folder / 'notes.md'} (not a document (.md); documents are .txt, .htm, .html, .docx)" in lines
    assert f"duplicate: {odd_folder / 'b_copy.txt'} has the same content as {odd_folder / 'a.txt'}; read once" in lines
    assert any(l.startswith(f"notice: {odd_folder / 'd.txt'}: 3 control characters") for l in lines), lines
    assert "documents: 3 " in r.stdout
    # -q: nothing on stderr but errors.
    r = _cli("build", str(odd_folder), "--out", str(tmp_path / "o"), "-q")
    assert r.returncode == 0 and r.stderr == ""


def test_build_result_keeps_the_notices_and_the_library_prints_none(odd_folder, tmp_path, capsys):
    told = []
    result = build([odd_folder], tmp_path / "o", BuildOptions(ladybug=False), notice=told.append)
    assert result.notices == told and len(told) == 3
    assert capsys.readouterr() == ("", "")


def test_build_of_no_document_is_one_error_that_replaces_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "plan.pdf").write_bytes(b"%PDF")
    r = _cli("build", str(tmp_path / "empty"), "--out", str(tmp_path / "o"))
    assert r.returncode == 1 and not (tmp_path / "o").exists()
    assert r.stderr == (f"skipped: {tmp_path / 'empty' / 'plan.pdf'} (PDF is not read; convert it to text)\n"
                        f"Error: {tmp_path / 'empty'}: no documents found (looked for .txt, .htm, .html, .docx); "
                        f"nothing was built and {tmp_path / 'o'} was left as it was\n")


def test_add_names_what_it_left_out(odd_folder, tmp_path):
    seeds = sorted(SEEDS.glob("*.txt"))
    out = tmp_path / "g"
    build([seeds[3], seeds[4]], out, BuildOptions(ladybug=False))
    r = _cli("add", str(odd_folder), "--graph", str(out), "--one-by-one")
    assert r.returncode == 0, r.stderr
    assert "skipped:" in r.stderr and "duplicate:" in r.stderr and "control characters" in r.stderr
    assert "added: 3  already in the graph: 0  failed: 0" in r.stdout
    assert "nodes_Document +3" in r.stdout  # the rows of every document of the batch, not the last one's


# --------------------------------------------------------------------------- 2. the summary capped


def test_summary_lists_the_first_jurisdiction_years_and_points_to_the_rest(corpus, tmp_path):
    r = _cli("build", str(corpus / "documents"), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    per = summary["tasks_per_jurisdiction_year"]
    assert len(per) == 24 > SUMMARY_LINES
    lines = r.stdout.splitlines()
    listed = [l for l in lines if l.startswith("  ") and not l.startswith("  …")]
    assert listed == [f"  {k}: {v}" for k, v in list(per.items())[:SUMMARY_LINES]]
    assert f"  … and {24 - SUMMARY_LINES} more in summary.json" in lines
    assert lines[0].startswith("documents: 24 ") and lines[-1].startswith("written: ")
    # -q: the three lines of totals, nothing on stderr.
    r = _cli("build", str(corpus / "documents"), "--out", str(tmp_path / "o"), "-q")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == format_summary(summary).splitlines()[:3]
    assert [l.split(":")[0] for l in r.stdout.splitlines()] == ["documents", "nodes", "edges"]
    assert format_summary(summary, limit=None).count("\n  ") == 24


# --------------------------------------------------------------------------- 3. progress over every stage


def test_build_reports_every_stage_in_order(tmp_path):
    events: list[Progress] = []
    build([SEEDS], tmp_path / "o", progress=events.append)
    stages = list(dict.fromkeys(e.stage for e in events))
    assert stages == list(BUILD_STAGES)
    for stage in stages:
        mine = [e for e in events if e.stage == stage]
        assert mine[0].done == 0 and mine[-1].done == mine[-1].total, stage
        assert [e.done for e in mine] == sorted(e.done for e in mine), stage
    # Contiguous: a stage ends before the next starts.
    firsts = [next(k for k, e in enumerate(events) if e.stage == s) for s in stages]
    lasts = [max(k for k, e in enumerate(events) if e.stage == s) for s in stages]
    assert all(lasts[i] < firsts[i + 1] for i in range(len(stages) - 1))
    assert [e.total for e in events if e.stage == "extract"][-1] == 5
    assert {e.item for e in events if e.stage == "graph.lbug"} >= {"Task", "SIMILAR_TO", "CHECKPOINT"}


def test_no_ladybug_no_store_stage(tmp_path):
    events: list[Progress] = []
    build([SEEDS], tmp_path / "o", BuildOptions(ladybug=False), progress=events.append)
    assert list(dict.fromkeys(e.stage for e in events)) == list(BUILD_STAGES[:-1])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_drawn_on_a_terminal_only_and_never_with_q():
    events = [Progress("extract", 0, 3), Progress("extract", 3, 3, "a.txt"), Progress("link", 0, 1),
              Progress("link", 1, 1)]
    tty = _Terminal()
    with StageBars.for_cli(False, tty) as bars:
        for e in events:
            bars.progress(e)
        bars.notice("skipped: x")
    drawn = tty.getvalue()
    assert "extract" in drawn and "3/3" in drawn and "link" in drawn and "skipped: x\n" in drawn
    for quiet, stream in ((True, _Terminal()), (False, io.StringIO())):
        with StageBars.for_cli(quiet, stream) as bars:
            for e in events:
                bars.progress(e)
            bars.notice("skipped: x")
        assert stream.getvalue() == ("" if quiet else "skipped: x\n")


def test_command_draws_no_bar_when_stderr_is_not_a_terminal(tmp_path):
    r = _cli("build", str(SEEDS), "--out", str(tmp_path / "o"))
    assert r.returncode == 0 and r.stderr == ""  # seeds: nothing skipped, no bar
    r = _cli("add", str(SEEDS), "--graph", str(tmp_path / "o"))
    assert r.returncode == 0 and r.stderr == "" and "already in the graph: 5" in r.stdout


# --------------------------------------------------------------------------- 4. a large batch rebuilt


def test_threshold():
    assert rebuild_threshold(0) == rebuild_threshold(24) == rebuild_threshold(2_400) == 12
    assert rebuild_threshold(2_401) == 13 and rebuild_threshold(24_000) == 120


def test_large_batch_is_rebuilt_as_build_of_all_writes_it(corpus, tmp_path, monkeypatch):
    docs = _docs(corpus)
    held = docs[::4]  # 6 of 24: above the threshold set below
    base = [d for d in docs if d not in held]
    full = tmp_path / "full"
    build(docs, full)
    out = tmp_path / "part"
    build(base, out)
    monkeypatch.setattr(inc, "REBUILD_MIN_PLANS", 5)
    events, told = [], []
    res = add_documents(held + [docs[1]], out, progress=events.append, notice=told.append)
    full_docs = pd.read_parquet(full / "tables" / "nodes_Document.parquet", columns=["id", "source"])
    ids = dict(zip(full_docs["source"], full_docs["id"]))
    assert res.rebuilt and not res.errors
    assert sorted(res.added) == sorted(ids[d.name] for d in held)
    assert res.unchanged == [ids[docs[1].name]]
    assert told == [f"adding 6 plans to a build of 18: rebuilding (faster from 5 plans)"] == [res.how]
    assert list(dict.fromkeys(e.stage for e in events)) == list(BUILD_STAGES)
    assert res.counts["nodes_Document"] == [18, 24]
    for name in ("summary.json", "extract.jsonl", "unplaced.jsonl", INPUTS_NAME, "tables/nodes_Task.csv",
                 "tables/edges_SIMILAR_TO.csv", "tables/edges_LEADS.parquet"):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    # The command says it on stderr and prints what changed.
    out2 = tmp_path / "part2"
    build(base, out2)
    r = _cli("add", *map(str, held), "--graph", str(out2), "--rebuild")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "adding 6 plans to a build of 18: rebuilding (as asked)\n"
    assert "added: 6  already in the graph: 0  failed: 0" in r.stdout and "nodes_Document +6" in r.stdout


def test_small_batch_or_lost_inputs_add_one_by_one(corpus, tmp_path, monkeypatch):
    docs = _docs(corpus)
    copies = tmp_path / "copies"
    copies.mkdir()
    base = [Path(shutil.copy(d, copies / d.name)) for d in docs[:12]]
    out = tmp_path / "g"
    build(base, out, BuildOptions(ladybug=False))
    res = add_documents([docs[12]], out)  # 1 < 10: one by one, without a word
    assert not res.rebuilt and res.how == "" and len(res.added) == 1
    recorded = json.loads((out / INPUTS_NAME).read_text(encoding="utf-8"))["documents"]
    assert len(recorded) == 13 and os.path.abspath(docs[12]) in {d["path"] for d in recorded}
    monkeypatch.setattr(inc, "REBUILD_MIN_PLANS", 2)
    base[0].unlink()
    told: list[str] = []
    res = add_documents(docs[13:16], out, notice=told.append)
    assert not res.rebuilt and len(res.added) == 3
    assert told == [f"adding 3 plans to a build of 13: one by one, not rebuilding (faster from 2 plans): "
                    f"{base[0]}, read by the build, is gone"]
    (out / INPUTS_NAME).unlink()
    res = add_documents(docs[16:19], out, notice=told.append)
    assert not res.rebuilt and len(res.added) == 3 and "the build records no inputs" in told[-1]
