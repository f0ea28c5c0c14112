"""The command line at its edges (issue 21): what a user passes is checked, never guessed, and every
failure is one `Error:` line with exit status 1 (the traceback with --debug)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from mandategraph.errors import JurisdictionError, QueryError
from mandategraph.loaders.jurisdictions import lookup, resolve
from mandategraph.options import YEARS, check_jurisdiction, parse_params

RONGXIAN = Path(__file__).resolve().parent.parent / "data" / "documents" / "rongxian_2019_work_plan.txt"


def run_main(*args, cwd=None, env=None):
    """The installed entry point in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "mandategraph", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=None if env is None else {**os.environ, **env})


def one_error_line(proc) -> str:
    """The single error line of a failed command (no traceback), last on stderr."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    # (The embedded SPARQL store may say first that it is loading.)
    lines = [l for l in proc.stderr.strip().splitlines() if not l.startswith("loading the embedded SPARQL store")]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    return lines[0]


def first_task(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[0])


@pytest.fixture(scope="module")
def build_copy(seed_build, tmp_path_factory):
    """A build of the seeds this module may add files to."""
    out = tmp_path_factory.mktemp("edges") / "out"
    shutil.copytree(seed_build, out)
    return out


# ---------------------------------------------------------------- 1. jurisdictions and years

@pytest.mark.parametrize("name, codes", [
    ("市中区", ["370103", "370402", "511002", "511102"]),
    ("鼓楼区", ["320106", "320302", "350102", "410204"]),
    ("朝阳区", ["110105", "220104"]),
])
def test_an_ambiguous_jurisdiction_lists_the_candidates_with_codes_and_parents(name, codes):
    with pytest.raises(JurisdictionError) as err:
        lookup(name)
    assert err.value.candidates == tuple(codes)
    line = one_error_line(run_main("extract", "-j", name, RONGXIAN))
    assert f"jurisdiction '{name}' is ambiguous" in line
    assert all(code in line for code in codes)
    if name == "市中区":
        assert "370103 市中区 (济南市, 山东省)" in line and "济南市市中区" in line


def test_a_code_or_a_name_with_its_parent_picks_one():
    assert lookup("370103") == lookup("济南市市中区") == lookup("山东省济南市市中区") == resolve("济南市市中区")
    for j in ("370103", "济南市市中区"):
        task = first_task(run_main("extract", "-j", j, RONGXIAN))
        assert task["jurisdiction"] == "济南市市中区"
    assert lookup("北京市").code == resolve("北京市").code == "110100"  # province and city of one name: one


def test_an_unknown_jurisdiction_is_an_error_unless_forced():
    line = one_error_line(run_main("extract", "-j", "温州", RONGXIAN))
    assert "unknown jurisdiction '温州'" in line and "温州市" in line and "--force-jurisdiction" in line
    assert "--force-jurisdiction" in one_error_line(run_main("extract", "-j", "火星市", RONGXIAN))
    task = first_task(run_main("extract", "-j", "火星市", "--force-jurisdiction", RONGXIAN))
    assert task["jurisdiction"] == "火星市"
    assert check_jurisdiction("温州市") == "330300" and check_jurisdiction("温州", force=True) == "温州"
    # What a document's own text says is still read leniently.
    assert resolve("不存在的地方").code == ""


def test_a_year_out_of_range_is_an_error_unless_forced():
    line = one_error_line(run_main("extract", "-y", "1800", RONGXIAN))
    assert f"year 1800 is outside {YEARS[0]}..{YEARS[1]}" in line and "--force-year" in line
    assert first_task(run_main("extract", "-y", "1800", "--force-year", RONGXIAN))["year"] == 1800
    assert first_task(run_main("extract", "-y", "2021", RONGXIAN))["year"] == 2021


def test_build_and_add_check_the_same_way(tmp_path, build_copy):
    line = one_error_line(run_main("build", "-j", "鼓楼区", RONGXIAN, "--out", tmp_path / "out"))
    assert "ambiguous" in line and not (tmp_path / "out").exists()
    assert "温州市" in one_error_line(run_main("add", "-j", "温州", RONGXIAN, "--graph", build_copy))
    assert "--force-year" in one_error_line(run_main("add", "-y", "3000", RONGXIAN, "--graph", build_copy))


# ---------------------------------------------------------------- 2. parameters

def test_typed_parameters():
    assert parse_params(("m:str=007", "n:int=5", "x:float=1", "ids:json=[1, 2]", "o:json={\"a\": 1}")) == {
        "m": "007", "n": 5, "x": 1.0, "ids": [1, 2], "o": {"a": 1}}
    assert parse_params(("m=007", "s=0.5", "t=nan")) == {"m": 7, "s": 0.5, "t": "nan"}  # the guess
    assert parse_params(("title=2019", "limit=5"), {"title": "str", "limit": "int"}) == {"title": "2019", "limit": 5}
    for bad in (("n:int=five",), ("n:json=[1",), ("n:date=1",), ("n=99999999999999999999999",),
                ("n:json=[1, 99999999999999999999999]",)):
        with pytest.raises(QueryError):
            parse_params(bad)
    # One range check (queries.library.check_int64) for --param and for a library query's parameters.
    from mandategraph.queries.library import bind_params, get_query

    with pytest.raises(QueryError, match="parameter limit: 9223372036854775808 is outside the 64-bit integer range"):
        bind_params(get_query("unit_load"), {"limit": 1 << 63})
    assert bind_params(get_query("unit_load"), {"limit": (1 << 63) - 1})["limit"] == (1 << 63) - 1


def test_typed_parameters_at_the_command_line(build_copy):
    g = ("--graph", build_copy, "-f", "json")
    proc = run_main("cypher", "RETURN $m AS m, $ids AS ids", "-p", "m:str=007", "-p", "ids:json=[1,2]", *g)
    assert json.loads(proc.stdout) == [{"m": "007", "ids": [1, 2]}], proc.stderr
    # A library question's declared types: its string parameter stays text.
    proc = run_main("query", "tasks_citing", "-p", "title=2022", *g)
    assert {r["instrument"] for r in json.loads(proc.stdout)} == {"2022年温州市政府工作报告"}, proc.stderr
    line = one_error_line(run_main("query", "unit_load", "-p", "limit=99999999999999999999999", "--graph", build_copy))
    assert "outside the 64-bit integer range" in line
    assert "not an int" in one_error_line(run_main("query", "unit_load", "-p", "limit=many", "--graph", build_copy))
    line = one_error_line(run_main("cypher", "RETURN $m AS m", "-p", "m=99999999999999999999999",
                                   "--graph", build_copy))
    assert "64-bit" in line and "m:str=" in line


# ---------------------------------------------------------------- 3. one-line errors, --debug

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unexpected_exception_is_one_line_and_debug_shows_the_traceback(build_copy):
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{_closed_port()}/sparql> {{ ?s ?p ?o }} }}"
    line = one_error_line(run_main("sparql", "--allow-external", "--graph", build_copy, query))
    assert line.startswith("Error: sparql: ") and "--debug" in line
    proc = run_main("--debug", "sparql", "--allow-external", "--graph", build_copy, query)
    assert proc.returncode == 1 and "Traceback" in proc.stderr


# ---------------------------------------------------------------- 4. external access

def test_cypher_reading_outside_the_build_is_refused_unless_allowed(build_copy, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("a,b\n1,secret\n", encoding="utf-8")
    query = f"LOAD FROM '{outside}' (header=true) RETURN b"
    line = one_error_line(run_main("cypher", query, "--graph", build_copy))
    assert "outside the build folder" in line and "--allow-external" in line
    proc = run_main("cypher", query, "--graph", build_copy, "--allow-external", "-f", "csv")
    assert proc.returncode == 0 and proc.stdout.split() == ["b", "secret"], proc.stderr
    for q in ("LOAD FROM '/etc/passwd' RETURN *", "INSTALL httpfs", "ATTACH '/tmp/x.lbug' AS x",
              f"COPY Task TO '{tmp_path / 'x.csv'}'"):
        assert "--allow-external" in one_error_line(run_main("cypher", q, "--graph", build_copy))
    inside = build_copy / "inside.csv"
    inside.write_text("a,b\n1,ok\n", encoding="utf-8")
    proc = run_main("cypher", f"LOAD FROM '{inside}' (header=true) RETURN b", "--graph", build_copy, "-f", "csv")
    assert proc.stdout.split() == ["b", "ok"], proc.stderr
    # The words in a string or a comment are not a clause.
    proc = run_main("cypher", "RETURN 'LOAD FROM /etc/passwd' AS s // COPY Task FROM '/x'", "--graph", build_copy,
                    "-f", "csv")
    assert proc.returncode == 0 and proc.stdout.split("\n")[1] == "LOAD FROM /etc/passwd", proc.stderr


def test_sparql_service_is_refused_unless_allowed(build_copy):
    line = one_error_line(run_main("sparql", "--graph", build_copy,
                                   "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"))
    assert "SERVICE <http://example.org/sparql>" in line and "--allow-external" in line
    proc = run_main("sparql", "--graph", build_copy, "-f", "csv",
                    'SELECT ?s WHERE { BIND("SERVICE <http://example.org/>" AS ?s) } # SERVICE <http://x>')
    assert proc.returncode == 0 and "SERVICE <http://example.org/>" in proc.stdout, proc.stderr


def test_cypher_bypasses_found_in_review_are_refused(build_copy, tmp_path):
    """PROFILE before COPY … TO, a LOAD inside a COPY, and ~ in a path: refused, and nothing is written."""
    written = tmp_path / "x.csv"
    inside = build_copy / "in.csv"
    inside.write_text("a\n1\n", encoding="utf-8")
    for q in (f"PROFILE COPY (MATCH (t:Task) RETURN t.id) TO '{written}'",
              f"explain /* c */ COPY (MATCH (t:Task) RETURN t.id) TO '{written}'",
              f"COPY (LOAD FROM '{inside}' RETURN *) TO '{written}'",
              "PROFILE INSTALL httpfs", f"PROFILE ATTACH '{tmp_path / 'x.lbug'}' AS x"):
        line = one_error_line(run_main("cypher", q, "--graph", build_copy))
        assert "outside the build folder" in line and "--allow-external" in line, q
        assert not written.exists(), q
    (tmp_path / "s.csv").write_text("a,b\n1,secret\n", encoding="utf-8")
    line = one_error_line(run_main("cypher", "LOAD FROM '~/s.csv' (header=true) RETURN b", "--graph", build_copy,
                                   env={"HOME": str(tmp_path)}))
    assert "LOAD FROM '~/s.csv'" in line
    # Still allowed: PROFILE of a plain query, and a LOAD FROM of the build's own files.
    proc = run_main("cypher", "PROFILE MATCH (t:Task) RETURN count(*) AS n", "--graph", build_copy)
    assert proc.returncode == 0, proc.stderr
    proc = run_main("cypher", f"EXPLAIN LOAD FROM '{inside}' RETURN *", "--graph", build_copy)
    assert proc.returncode == 0, proc.stderr


@contextmanager
def recording_endpoint():
    """A SPARQL "endpoint" on 127.0.0.1 that only records the requests it gets (and answers 500)."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's names
            calls.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *_args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", calls
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_sparql_service_hidden_by_a_string_or_a_parameter_is_refused(build_copy):
    with recording_endpoint() as (url, calls):
        service = f"SERVICE <{url}> {{ ?a ?b ?c }}"
        hidden = "SELECT * WHERE { BIND('''x\\'''' AS ?z) " + service + " BIND('y' AS ?w) }"
        line = one_error_line(run_main("sparql", hidden, "--graph", build_copy))
        assert f"SERVICE <{url}>" in line and "--allow-external" in line
        # A parameter in a string is not replaced; as a variable it becomes one escaped literal.
        # (Pasted into the string, the value below made the query `{ ?s ?p "" } SERVICE <…> {…} { "" }`.)
        for text in ('SELECT * WHERE { ?s ?p "$x" } LIMIT 1', "SELECT ?o WHERE { BIND($x AS ?o) }"):
            proc = run_main("sparql", text, "-p", f"x=}} {service} {{", "--graph", build_copy, "-f", "csv")
            assert proc.returncode == 0, proc.stderr
        assert calls == []
        # The test would see a request: with --allow-external the SERVICE is run.
        proc = run_main("sparql", "--allow-external", hidden, "--graph", build_copy)
        assert proc.returncode == 1 and calls, proc.stderr
    proc = run_main("sparql", "SELECT ?o WHERE { BIND('''it's''' AS ?o) }", "--graph", build_copy, "-f", "csv")
    assert proc.returncode == 0 and proc.stdout.split("\n")[1] == "it's", proc.stderr


# ---------------------------------------------------------------- 5. a fast --help

HEAVY = ("pandas", "pyarrow", "networkx", "numpy", "scipy", "numba", "rdflib", "pyoxigraph", "ladybug",
         "matplotlib", "pyshacl", "neo4j", "igraph")


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["query", "--help"], ["viz", "--help"],
                                  ["neo4j", "push", "--help"]])
def test_help_imports_no_heavy_package(args):
    script = (
        "import sys\n"
        "from mandategraph.cli import cli\n"
        f"try:\n    cli.main(args={args!r}, prog_name='mandategraph', standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        f"print('heavy:', ','.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].strip() == "heavy:", proc.stdout


def test_the_defaults_written_out_for_help_agree_with_the_library():
    from mandategraph.graph.build import BuildOptions
    from mandategraph.graph.commands import DEFAULTS
    from mandategraph.graph.commands_incremental import CHECKPOINT_WAL_BYTES
    from mandategraph.graph.incremental import CHECKPOINT_WAL_BYTES as wal
    from mandategraph.viz.aggregate import DEFAULT_MAX_NODES as max_nodes
    from mandategraph.viz.commands import DEFAULT_MAX_NODES

    from mandategraph.graph.commands_rdf import VALIDATE_BATCH
    from mandategraph.graph.validate_batched import DEFAULT_BATCH

    assert DEFAULTS == {k: getattr(BuildOptions(), k) for k in DEFAULTS}
    assert (CHECKPOINT_WAL_BYTES, DEFAULT_MAX_NODES, VALIDATE_BATCH) == (wal, max_nodes, DEFAULT_BATCH)
