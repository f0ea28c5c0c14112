"""Benchmark of the Cypher stores: load time, query latency, MERGE load rate, and a baseline.

Prints figures (no asserts). For the seed build and synthetic graphs of
growing size (``bench/synthetic_graph.py``):

* LadybugDB bulk load (COPY from the Parquet tables) time and file size;
* p50 / p95 latency of every library query, warm on an open connection, and
  once end to end through ``run_query`` (open read-only + query + close);
* the rate of the Neo4j MERGE statements (:mod:`mandategraph.graph.neo4j_store`)
  run into an empty LadybugDB, and over Bolt when NEO4J_URI is set;
* a baseline: the ``unit_load`` aggregation in pandas over the tables and in
  networkx over the in-memory graph.

Run: ``.venv/bin/python bench/bench_stores.py [--sizes 1000,10000,50000] [--repeat 20]``
(about two minutes on 2 cores with the defaults).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import ladybug
import networkx as nx
import pandas as pd

from mandategraph.bench.synthetic_graph import synthetic_graph
from mandategraph.graph.ladybug_store import create_schema, write_ladybug
from mandategraph.graph.neo4j_store import apply_batches, write_batches
from mandategraph.graph.tables import load_graph, read_tables, write_tables
from mandategraph.queries.library import bind_params, get_query, list_queries, run_query

ROOT = Path(__file__).resolve().parent.parent

SEED_PARAMS = {"unit_tasks": {"unit": "市大数据局"}, "shares_work_with": {"unit": "市大数据局"},
               "jurisdiction_year_tasks": {"jurisdiction": "温州市", "year": 2022},
               "task_status": {"jurisdiction": "温州市", "from_year": 2019, "to_year": 2022},
               "tasks_citing": {"title": "条例"}}
SYNTH_PARAMS = {"unit_tasks": {"unit": "市财政局"}, "shares_work_with": {"unit": "市财政局"},
                "jurisdiction_year_tasks": {"jurisdiction": "市0001", "year": 2019},
                "task_status": {"jurisdiction": "市0001", "from_year": 2019, "to_year": 2021},
                "tasks_citing": {"title": "条例"}}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def _pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def bench_load(out: Path, repeat: int = 3) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        db = write_ladybug(out / "tables", out / "graph.lbug")
        times.append(time.perf_counter() - t)
    return statistics.median(times), db.stat().st_size


def bench_queries(out: Path, params: dict, repeat: int) -> None:
    db = ladybug.Database(str(out / "graph.lbug"), read_only=True)
    conn = ladybug.Connection(db)
    print(f"    {'query':<24} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8} {'cold ms':>8}")
    for q in list_queries():
        bound = bind_params(q, params.get(q.name, {}))
        samples, n = [], 0
        for _ in range(repeat + 1):
            t = time.perf_counter()
            n = len(conn.execute(q.text, bound).get_all())
            samples.append(time.perf_counter() - t)
        samples = samples[1:]  # the first run compiles and warms the buffer pool
        t = time.perf_counter()
        run_query(q.name, params.get(q.name, {}), out)
        cold = time.perf_counter() - t
        print(f"    {q.name:<24} {n:>6} {_ms(_pct(samples, .5))} {_ms(_pct(samples, .95))} {_ms(cold)}")
    conn.close()
    db.close()


def bench_merge(g: nx.MultiDiGraph, work: Path, batch_size: int = 1000) -> None:
    batches = write_batches(g, batch_size)
    rows = sum(len(b.rows) for b in batches)
    path = work / "merge.lbug"
    db = ladybug.Database(str(path))
    conn = ladybug.Connection(db)
    create_schema(conn)
    t = time.perf_counter()
    for _ in apply_batches(batches, lambda c, p: conn.execute(c, p)):
        pass
    first = time.perf_counter() - t
    t = time.perf_counter()
    for _ in apply_batches(batches, lambda c, p: conn.execute(c, p)):
        pass
    again = time.perf_counter() - t
    conn.close()
    db.close()
    print(f"    MERGE statements into LadybugDB: {rows} rows in {len(batches)} batches of ≤{batch_size}: "
          f"{first:.2f} s ({rows / first:,.0f} rows/s); re-run (no change) {again:.2f} s ({rows / again:,.0f} rows/s)")
    if os.environ.get("NEO4J_URI"):
        from mandategraph.graph.neo4j_store import push

        t = time.perf_counter()
        report = push(g, batch_size=batch_size, checkpoint=work / "bolt.checkpoint.json")
        dt = time.perf_counter() - t
        print(f"    Bolt push to {os.environ['NEO4J_URI']}: {report.rows} rows in {dt:.2f} s ({report.rows / dt:,.0f} rows/s)")
    else:
        print("    Bolt push: not measured (NEO4J_URI not set; no Neo4j server here)")


def bench_baseline(out: Path, g: nx.MultiDiGraph, repeat: int) -> None:
    nodes, edges = read_tables(out / "tables")

    def pandas_unit_load():
        units = nodes["Unit"][["id", "name", "jurisdiction"]]
        leads = edges["LEADS"].groupby("source")["target"].nunique().rename("leads")
        assists = edges["ASSISTS"].groupby("source")["target"].nunique().rename("assists")
        df = units.set_index("id").join(leads).join(assists).fillna(0)
        df = df[(df.leads + df.assists) > 0].reset_index()
        return df.sort_values(["leads", "assists", "id"], ascending=[False, False, True]).head(20)

    def networkx_unit_load():
        counts = []
        for n, d in g.nodes(data=True):
            if d["label"] != "Unit":
                continue
            keys = [k for _, _, k in g.out_edges(n, keys=True)]
            leads, assists = keys.count("LEADS"), keys.count("ASSISTS")
            if leads + assists:
                counts.append((-leads, -assists, n))
        return sorted(counts)[:20]

    # The three must agree before their times mean anything.
    cypher = run_query("unit_load", {}, out)[1]
    assert [r[0] for r in cypher] == list(pandas_unit_load()["id"]) == [c[2] for c in networkx_unit_load()]
    for name, fn in (("pandas (tables)", pandas_unit_load), ("networkx (graph)", networkx_unit_load)):
        samples = []
        for _ in range(max(3, repeat // 4)):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        print(f"    baseline unit_load in {name:<17} p50 {_ms(_pct(samples, .5))} ms")


def bench_graph(title: str, g: nx.MultiDiGraph, out: Path, params: dict, repeat: int, merge: bool) -> None:
    print(f"\n== {title}: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges")
    if not (out / "tables").is_dir():
        write_tables(g, out / "tables")
    load, size = bench_load(out)
    print(f"    LadybugDB load from Parquet tables (COPY, median of 3): {load:.2f} s; database {size / 1e6:.1f} MB")
    bench_queries(out, params, repeat)
    bench_baseline(out, g, repeat)
    if merge:
        bench_merge(g, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000", help="synthetic graph sizes in tasks")
    ap.add_argument("--repeat", type=int, default=20, help="runs per query")
    ap.add_argument("--merge-max", type=int, default=10000, help="largest size whose MERGE rate is measured")
    args = ap.parse_args()
    print(f"LadybugDB {ladybug.__version__}, networkx {nx.__version__}, pandas {pd.__version__}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        from mandategraph.graph.build import build

        seed = work / "seed"
        t = time.perf_counter()
        build([ROOT / "data" / "documents"], seed)
        print(f"seed build (all stages, for reference): {time.perf_counter() - t:.2f} s")
        bench_graph("seed (5 documents)", load_graph(seed), seed, SEED_PARAMS, args.repeat, merge=True)
        for n in (int(s) for s in args.sizes.split(",") if s):
            t = time.perf_counter()
            g = synthetic_graph(n)
            print(f"\n(synthetic graph of {n:,} tasks generated in {time.perf_counter() - t:.1f} s)")
            out = work / f"synthetic_{n}"
            bench_graph(f"synthetic {n:,} tasks", g, out, SYNTH_PARAMS, args.repeat, merge=n <= args.merge_max)


if __name__ == "__main__":
    main()
