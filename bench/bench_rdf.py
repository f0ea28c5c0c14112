"""Benchmark of the RDF side: export, embedded SPARQL stores side by side, server load. Prints, no asserts.

For the seed build and synthetic graphs of growing size
(``bench/synthetic_graph.py``), and for existing build folders (``--tables``):

* export: triples, wall and CPU time, triples/s and peak memory of the
  export from the graph in memory (one pass writing N-Triples, Turtle and
  JSON-LD) and from the build's tables (column by column: the three
  formats, N-Triples alone, N-Quads alone), file sizes;
* embedded SPARQL, the three candidate stores in the same run: load time of
  the N-Triples and p50 latency of every library query on rdflib's Memory
  store, rdflib over Oxigraph (oxrdflib) and pyoxigraph, plus the answer
  check (all three must give the same rows); rdflib Memory is skipped above
  ``--rdflib-max`` triples (default 50,000: it takes minutes per query beyond);
* servers: Graph Store push rate into a real Oxigraph server and a real
  Virtuoso (when installed), and p50 of every library query on each.

Run: ``.venv/bin/python bench/bench_rdf.py [--sizes 2000,20000] [--repeat 5] [--no-servers]``;
``--tables OUT [--export-only] [--null]`` times the export of a build folder
(``--null``: the graph files go to /dev/null, to time the export without the disk).
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the servers' start/stop helpers

from mandategraph.bench.synthetic_graph import synthetic_graph  # noqa: E402
from mandategraph.graph.rdf_export import export_rdf  # noqa: E402
from mandategraph.graph.sparql_store import STORE_KINDS, load_store, run_library_query  # noqa: E402
from mandategraph.queries.library import list_queries  # noqa: E402


def _mb(n: int) -> str:
    return f"{n / 1e6:8.1f} MB"


def _rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def query_params(g) -> dict[str, dict]:
    """Parameters for every library query, from the graph's own data (its busiest unit, largest plan…)."""
    from collections import Counter

    tasks = [d for _n, d in g.nodes(data=True) if d.get("label") == "Task"]
    plans = Counter((d["jurisdiction"], d["year"]) for d in tasks)
    (jur, year), _ = plans.most_common(1)[0]
    years = sorted({y for (j, y) in plans if j == jur})
    load = Counter(u for u, _v, k in g.edges(keys=True) if k in ("LEADS", "ASSISTS"))
    unit = g.nodes[load.most_common(1)[0][0]]["name"]
    titles = sorted(d["title"] for _n, d in g.nodes(data=True) if d.get("label") == "Instrument")
    word = titles[0][-2:] if titles else "条例"
    return {"unit_tasks": {"unit": unit}, "shares_work_with": {"unit": unit},
            "jurisdiction_year_tasks": {"jurisdiction": jur, "year": year},
            "task_status": {"jurisdiction": jur, "from_year": years[0], "to_year": years[-1]},
            "tasks_citing": {"title": word}, "continued_chains": {"min_years": 2}}


def _p50(fn, repeat: int, warm: bool = True) -> tuple[float, list]:
    """Median wall time of ``repeat`` runs (after one warm-up run unless ``warm`` is off) and the answer."""
    answer = fn() if warm else None
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        answer = fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), answer


def _export(source, folder: Path, formats: str, null: bool = False):
    """One export: (result, wall seconds, CPU seconds of the process)."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("graph.nt", "graph.ttl", "graph.jsonld", "graph.nq"):
        p = folder / name
        if p.is_symlink() or p.exists():
            p.unlink()
        if null:
            os.symlink(os.devnull, p)
    cpu, t = time.process_time(), time.perf_counter()
    result = export_rdf(source, folder, formats=formats)
    return result, time.perf_counter() - t, time.process_time() - cpu


def _line(what: str, result, wall: float, cpu: float) -> str:
    return (f"  {what:<34}{result.triples:>12,} triples {wall:7.2f} s (CPU {cpu:6.2f} s) "
            f"{result.triples / result.seconds['graph']:>11,.0f} triples/s; peak RSS so far {_rss_mb():,} MB")


def bench_export(g, folder: Path, build: Path | None = None, null: bool = False) -> Path:
    """Export from the graph (if given) and from the build's tables; return the folder of the three formats."""
    if g is not None:
        result, wall, cpu = _export(g, folder / "from-graph", "ttl,nt,jsonld", null)
        print(_line("from the graph, ttl+nt+jsonld:", result, wall, cpu))
    if build is None:
        from mandategraph.graph.tables import write_tables

        build = folder / "build"
        write_tables(g, build / "tables")
    for formats in ("nt", "nq", "ttl,nt,jsonld"):
        result, wall, cpu = _export(build, folder / f"from-tables-{formats.replace(',', '+')}", formats, null)
        print(_line(f"from the tables, {formats.replace(',', '+')}:", result, wall, cpu))
        for f in result.files:
            if f.name.startswith("graph.") and not null:
                print(f"    {f.name:<14}{_mb(f.stat().st_size)}")
    return folder / "from-tables-ttl+nt+jsonld"


def bench_embedded(nt: Path, params: dict, repeat: int, rdflib_max: int, triples: int) -> None:
    stores, loads = {}, {}
    for kind in STORE_KINDS:
        if kind == "rdflib" and triples > rdflib_max:
            continue
        t = time.perf_counter()
        stores[kind] = load_store(nt, kind)
        loads[kind] = time.perf_counter() - t
    kinds = list(stores)
    print("  embedded SPARQL (p50 ms per library query, rows; rdflib: one cold run; load = parse of graph.nt)")
    print(f"    {'':<24}{'':>6}" + "".join(f"{k:>12}" for k in kinds))
    print(f"    {'load':<24}{'':>6}" + "".join(f"{loads[k] * 1000:12.0f}" for k in kinds))
    totals = {k: 0.0 for k in kinds}
    for q in list_queries("sparql"):
        cells, answers = [], []
        for k in kinds:
            # rdflib Memory takes seconds per query: one cold run is its figure.
            seconds, answer = _p50(lambda: run_library_query(q.name, params.get(q.name), store=stores[k]),
                                   1 if k == "rdflib" else repeat, warm=k != "rdflib")
            totals[k] += seconds
            cells.append(f"{seconds * 1000:12.1f}")
            answers.append(answer)
        same = "" if all(a == answers[0] for a in answers) else "  DIFFERENT ANSWERS"
        print(f"    {q.name:<24}{len(answers[0][1]):>6}" + "".join(cells) + same)
    print(f"    {'all 13 queries':<24}{'':>6}" + "".join(f"{totals[k] * 1000:12.1f}" for k in kinds))
    if "rdflib" not in stores:
        print(f"    (rdflib Memory skipped above {rdflib_max:,} triples)")


def bench_servers(export_dir: Path, params: dict, repeat: int, work: Path) -> None:
    from rdf_helpers import OxigraphServer, VirtuosoServer

    from mandategraph.graph.sparql_server import Auth, Endpoints, push, rdf_payload

    payload, triples = rdf_payload(export_dir)
    for name, cls, auth in (("oxigraph", OxigraphServer, None), ("virtuoso", VirtuosoServer, Auth("dba", "dba", "digest"))):
        if cls.binary() is None:
            print(f"  {name}: not installed, skipped")
            continue
        server = cls(Path(tempfile.mkdtemp(dir=work)))
        try:
            t = time.perf_counter()
            server.start()
            up = time.perf_counter() - t
            ep = Endpoints.infer(server.store)
            iri = "https://w3id.org/mandategraph/graph/bench"
            report = push(payload, triples, ep, iri, auth=auth)
            s = report.seconds
            print(f"  {name}: up in {up:.1f} s; push {triples:,} triples ({_mb(len(payload)).strip()}) into a new "
                  f"graph: upload {s['upload']:.2f} s = {triples / s['upload']:,.0f} triples/s, "
                  f"count check {s['verify']:.2f} s")
            again = push(payload, triples, ep, iri, auth=auth)  # the graph holds data now: staged + MOVE
            a = again.seconds
            print(f"    replace of that graph (staging upload + count + MOVE): {sum(a.values()):.2f} s "
                  f"(MOVE {a['apply']:.2f} s)")
            total, slowest = 0.0, ("", 0.0)
            for q in list_queries("sparql"):
                seconds, _answer = _p50(lambda: run_library_query(q.name, params.get(q.name), endpoint=ep.query,
                                                             default_graph=iri), repeat)
                total += seconds
                slowest = max(slowest, (q.name, seconds), key=lambda x: x[1])
            print(f"    library queries over HTTP: all 13 p50 sum {total * 1000:.0f} ms, slowest "
                  f"{slowest[0]} {slowest[1] * 1000:.0f} ms")
        finally:
            server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000", help="synthetic graph sizes in tasks, comma-separated")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rdflib-max", type=int, default=50_000, help="largest graph (triples) for rdflib Memory")
    ap.add_argument("--no-servers", action="store_true")
    ap.add_argument("--tables", action="append", default=[], metavar="OUT",
                    help="also time the export of this build folder (its tables, no graph); repeatable")
    ap.add_argument("--export-only", action="store_true", help="only the export, no SPARQL stores or servers")
    ap.add_argument("--null", action="store_true", help="write the graph files to /dev/null (no disk)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_rdf_"))
    from mandategraph.graph.build import build
    from mandategraph.graph.tables import load_graph

    build([ROOT / "data" / "documents"], work / "seed")
    graphs = [("seed (5 documents)", lambda: load_graph(work / "seed"), work / "seed")]
    graphs += [(f"synthetic {int(n):,} tasks", lambda n=int(n): synthetic_graph(n), None)
               for n in args.sizes.split(",") if n]
    graphs += [(f"tables {folder}", None, Path(folder)) for folder in args.tables]
    for i, (label, make, tables) in enumerate(graphs):
        g = make() if make else None
        size = f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges" if g is not None else "no graph"
        print(f"\n== {label}: {size}")
        folder = bench_export(g, work / f"export-{i}", tables, args.null)
        if args.export_only or args.null:
            continue
        if g is None:
            g = load_graph(tables)
        triples = sum(1 for _ in open(folder / "graph.nt", "rb"))
        params = query_params(g)
        bench_embedded(folder / "graph.nt", params, args.repeat, args.rdflib_max, triples)
        if not args.no_servers:
            bench_servers(folder, params, args.repeat, work)
    print(f"\n(work folder: {work})")


if __name__ == "__main__":
    main()
