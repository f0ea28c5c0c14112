"""Helpers of the RDF/SPARQL tests: a graph that exercises every query, parity cases, servers.

``chain_graph()`` is the sample graph plus what the seed build lacks to put
every library query to work: a third plan year with CONTINUES chains that
branch and skip a year, an ongoing and a missing deadline, a task with no
unit, aliases and a multi-jurisdiction template.

``parity_cases(g)`` derives query parameters from a graph's own data (its
jurisdictions, plan years, unit names and aliases, instrument words), so the
Cypher/SPARQL comparison covers filters that match and filters that do not.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import networkx as nx

from mandategraph.graph.derived import add_derived
from mandategraph.graph.sample import sample_graph

__all__ = ["chain_graph", "parity_cases", "free_port", "write_build", "OxigraphServer", "VirtuosoServer"]


def chain_graph() -> nx.MultiDiGraph:
    """The sample graph with a 2024 plan of 温州市, chains of CONTINUES and more."""
    import hashlib

    g = sample_graph()
    for d in ("D:wz2019", "D:wz2022", "D:tz2022"):  # the sample's checksums are placeholders
        g.nodes[d]["checksum"] = hashlib.sha256(d.encode()).hexdigest()
    prov = {"document": "", "span_start": 0, "span_end": 0}
    g.add_node("D:wz2024", label="Document", title="2024年温州市政务公开工作要点", doc_number="温政办〔2024〕1号",
               issuer="温州市人民政府办公室", year=2024, jurisdiction="温州市", source="D:wz2024.txt",
               checksum="ab" * 32, dates=["2024-03-01"], encoding="utf-8", format="txt",
               document="D:wz2024", span_start=0, span_end=900)
    g.add_edge("J:330300", "D:wz2024", key="ISSUED", type="ISSUED", **{**prov, "document": "D:wz2024"})
    tasks = {
        "T:wz2024:1": ("深化公共数据开放，按季度更新开放目录", "2024-12-31", "12月底前"),
        "T:wz2024:2": ("推进公共数据授权运营", "ongoing", "长期坚持"),
        "T:wz2024:3": ("做好突发公共卫生事件信息发布", "", ""),
        "T:wz2019:2": ("做好疫情信息发布", "2019-06-30", "6月底前"),
    }
    for i, (t, (text, deadline, raw)) in enumerate(tasks.items()):
        d = "D:wz2019" if t.startswith("T:wz2019") else "D:wz2024"
        year = 2019 if d == "D:wz2019" else 2024
        g.add_node(t, label="Task", text=text, year=year, jurisdiction="温州市", document=d, source="prose",
                   path=["一", f"（{i + 1}）"], marker=f"（{i + 1}）", deadline_raw=raw, deadline=deadline,
                   status="", span_start=10 * i, span_end=10 * i + len(text))
        g.add_edge(d, t, key="CONTAINS", type="CONTAINS", **{**prov, "document": d})
    mandate = {"role_word": "牵头", "evidence": "市大数据局牵头", "implied_others": 0, "span_start": 5, "span_end": 12}
    g.add_edge("U:330300:市大数据发展管理局", "T:wz2024:1", key="LEADS", type="LEADS", raw="市大数据局",
               document="D:wz2024", **mandate)
    g.add_edge("U:330300:市疫情防控办", "T:wz2024:1", key="ASSISTS", type="ASSISTS", raw="市疫情防控办",
               document="D:wz2024", **{**mandate, "role_word": "配合", "implied_others": 1})
    g.add_edge("U:330300:市大数据发展管理局", "T:wz2024:2", key="LEADS", type="LEADS", raw="市大数据局",
               document="D:wz2024", **mandate)
    g.add_edge("U:330300:市疫情防控办", "T:wz2024:2", key="LEADS", type="LEADS", raw="市疫情防控办",
               document="D:wz2024", **mandate)
    g.add_edge("U:330300:市疫情防控办", "T:wz2019:2", key="LEADS", type="LEADS", raw="市疫情防控办",
               document="D:wz2019", **mandate)
    # Chains: 2019:1 -> 2022:1 -> 2024:1, a branch 2022:1 -> 2024:2, and
    # 2019:2 -> 2024:3 skipping a year; 2022:2 -> 2024:3 joins it.
    for a, b, s in (("T:wz2022:1", "T:wz2024:1", 0.7), ("T:wz2022:1", "T:wz2024:2", 0.4),
                    ("T:wz2019:2", "T:wz2024:3", 0.5), ("T:wz2022:2", "T:wz2024:3", 0.55)):
        g.add_edge(a, b, key="CONTINUES", type="CONTINUES", score=s, text_sim=s, evidence=f"text {s:.2f}", **prov)
    g.add_edge("T:tz2022:1", "T:wz2024:1", key="SIMILAR_TO", type="SIMILAR_TO", score=0.6, **prov)
    g.add_edge("T:wz2024:3", "Th:epidemic", key="IN_THEME", type="IN_THEME", score=0.8, triggers=["公共卫生"], **prov)
    g.add_edge("T:wz2024:2", "Th:open_data", key="IN_THEME", type="IN_THEME", score=1.0, triggers=["公共数据"], **prov)
    g.add_edge("T:wz2024:1", "I:1", key="CITES", type="CITES", **{**prov, "document": "D:wz2024"})
    g.add_node("I:2", label="Instrument", title="中华人民共和国政府信息公开条例", document="D:wz2024", span_start=1,
               span_end=20)
    g.add_edge("T:wz2024:2", "I:2", key="CITES", type="CITES", **{**prov, "document": "D:wz2024"})
    g.add_edge("U:330300:市疫情防控办", "U:331000:市级有关单位", key="MEMBER_OF", type="MEMBER_OF", **prov)
    add_derived(g)
    return g


def write_build(g: nx.MultiDiGraph, folder: Path) -> Path:
    """A build folder (tables; the Cypher store is made from them on first query) of a graph."""
    from mandategraph.graph.tables import write_tables

    write_tables(g, folder / "tables")
    return folder


def parity_cases(g: nx.MultiDiGraph) -> list[tuple[str, dict]]:
    """(query name, params) pairs covering every library query with values taken from ``g``."""
    nodes = list(g.nodes(data=True))
    jurisdictions = sorted({d["jurisdiction"] for _n, d in nodes if d.get("label") == "Task"})
    plans = sorted({(d["jurisdiction"], int(d["year"])) for _n, d in nodes if d.get("label") == "Document"})
    units = [d for _n, d in nodes if d.get("label") == "Unit"]
    # The most loaded units, and an alias that differs from its unit's name.
    load = {n: g.out_degree(n) for n, d in nodes if d.get("label") == "Unit"}
    busy = sorted(load, key=lambda n: (-load[n], n))[:3]
    names = sorted({g.nodes[n]["name"] for n in busy})
    aliases = sorted({a for d in units for a in d.get("aliases", []) if a != d["name"]})[:2]
    titles = sorted({d["title"] for _n, d in nodes if d.get("label") == "Instrument"})
    words = sorted({t[-2:] for t in titles})[:2]
    cases: list[tuple[str, dict]] = []
    for j in ["", *jurisdictions, "不存在的区"]:
        for name in ("unit_load", "co_leads", "themes_by_year", "tasks_without_lead", "deadlines_by_month",
                     "group_members"):
            cases.append((name, {"jurisdiction": j}))
    cases.append(("unit_load", {"limit": 3}))
    for u in [*names, *aliases, "不存在的单位"]:
        # The unit's own jurisdictions, and one where no unit has that name.
        own = sorted({d["jurisdiction"] for d in units if u == d["name"] or u in d.get("aliases", [])})
        for j in [*own, "不存在的区"]:
            cases += [("unit_tasks", {"unit": u, "jurisdiction": j}),
                      ("shares_work_with", {"unit": u, "jurisdiction": j})]
    for j, y in plans:
        cases.append(("jurisdiction_year_tasks", {"jurisdiction": j, "year": y}))
    years = sorted({y for _j, y in plans})
    for j in jurisdictions:
        for a in years:
            for b in years:
                if a <= b:
                    cases.append(("task_status", {"jurisdiction": j, "from_year": a, "to_year": b}))
    for m in (1, 2, 3, 4):
        cases += [("continued_chains", {"min_years": m}), ("template_tasks", {"min_jurisdictions": m})]
    for j in [*jurisdictions, "不存在的区"]:
        cases += [("continued_chains", {"min_years": 2, "jurisdiction": j}),
                  ("template_tasks", {"jurisdiction": j})]
    # limit keeps the first rows in the query's order, the same in every store
    for name, params in [("continued_chains", {"min_years": 2}), ("template_tasks", {}), ("group_members", {}),
                         ("co_leads", {"jurisdiction": jurisdictions[0]}), ("tasks_citing", {"title": words[0]}),
                         ("themes_by_year", {"jurisdiction": jurisdictions[-1]})]:
        cases += [(name, {**params, "limit": n}) for n in (0, 1, 2, 3)]
    for w in [*words, "", "不存在"]:
        cases.append(("tasks_citing", {"title": w}))
    return cases


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"server not up after {seconds} s: {log.read_text(errors='replace')[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    # Each server runs in its own process group (start_new_session), so this
    # stops it and anything it started, and nothing else.
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port, in a scratch folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        import sys

        local = Path(sys.executable).parent / "oxigraph"
        return str(local) if local.exists() else shutil.which("oxigraph")

    def start(self) -> "OxigraphServer":
        log = self.folder / "oxigraph.log"
        self.proc = subprocess.Popen([self.binary(), "serve", "--location", str(self.folder / "db"),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.url + "/query?query=ASK%7B%7D", self.proc, 20, log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    @property
    def store(self) -> str:
        return self.url + "/store"

    @property
    def query(self) -> str:
        return self.url + "/query"


VIRTUOSO_INI = Path("/usr/share/virtuoso-opensource-7/virtuoso.ini")


class VirtuosoServer:
    """Virtuoso from Debian's packages, from a scratch ini, HTTP and SQL on free loopback ports."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.sql_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        return shutil.which("virtuoso-t") if VIRTUOSO_INI.is_file() else None

    def ini(self) -> Path:
        import re

        d = self.folder
        over = {
            ("Database", "DatabaseFile"): d / "virtuoso.db", ("Database", "ErrorLogFile"): d / "virtuoso.log",
            ("Database", "LockFile"): d / "virtuoso.lck", ("Database", "TransactionFile"): d / "virtuoso.trx",
            ("Database", "xa_persistent_file"): d / "virtuoso.pxa",
            ("TempDatabase", "DatabaseFile"): d / "virtuoso-temp.db",
            ("TempDatabase", "TransactionFile"): d / "virtuoso-temp.trx",
            ("Parameters", "ServerPort"): f"127.0.0.1:{self.sql_port}",
            ("Parameters", "DirsAllowed"): f"., {d}",
            ("HTTPServer", "ServerPort"): f"127.0.0.1:{self.port}",
            ("URIQA", "DefaultHost"): f"127.0.0.1:{self.port}",
            # The default 10,000 silently truncates SELECT, CONSTRUCT and
            # Graph Store GET results (DEPENDENCIES.md).
            ("SPARQL", "ResultSetMaxRows"): "1000000",
        }
        out, section = [], None
        for line in VIRTUOSO_INI.read_text().splitlines():
            m = re.match(r"\s*\[(.+)\]", line)
            if m:
                section = m.group(1)
            m = re.match(r"\s*([A-Za-z_0-9]+)\s*=", line)
            if m and (section, m.group(1)) in over:
                line = f"{m.group(1)} = {over[(section, m.group(1))]}"
            out.append(line)
        path = d / "virtuoso.ini"
        path.write_text("\n".join(out) + "\n")
        return path

    def start(self) -> "VirtuosoServer":
        log = self.folder / "stdout.log"
        self.proc = subprocess.Popen([self.binary(), "+configfile", str(self.ini()), "+foreground"],
                                     cwd=self.folder, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _wait(self.url + "/sparql?query=ASK%7B%7D", self.proc, 60, log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    @property
    def store(self) -> str:
        return self.url + "/sparql-graph-crud-auth"

    @property
    def query(self) -> str:
        return self.url + "/sparql"


# ---------------------------------------------------------------- pytest fixtures
# Imported by the test modules that need a server (each module's import gives
# it its own instance; a server starts in 0.1 s (Oxigraph) or ~4 s (Virtuoso)).

import pytest  # noqa: E402


def _need(binary: str | None, what: str, install: str) -> None:
    if binary is None:
        pytest.fail(f"{what} is not installed ({install}); deselect server tests with -m 'not server'")


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A running Oxigraph server on loopback, stopped after the module."""
    _need(OxigraphServer.binary(), "the oxigraph CLI", "pip install oxigraph==0.5.13")
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_server(tmp_path_factory):
    """A running Virtuoso (own scratch database, dba/dba) on loopback, stopped after the module."""
    _need(VirtuosoServer.binary(), "Virtuoso", "apt-get install virtuoso-opensource")
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server.start()
    finally:
        server.stop()
