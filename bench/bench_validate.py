"""`mandategraph validate` at size: seconds and peak memory, batched against the old whole-graph run.

For each export folder (given with ``--folder``, or generated: ``bench/corpus.py``
→ ``mandategraph build`` → ``export rdf --format nt`` with ``--jurisdictions``
and ``--years``), it runs ``mandategraph validate -q`` in a subprocess and
prints the triples, the wall time, the CPU time and the peak memory of the
process tree: the sum of the tree's RSS sampled every 0.2 s (workers
included) and the largest single ru_maxrss (``os.wait4``). ``--old`` also
runs the whole-graph pyshacl (``--batch-size 0``, what `validate` did
before) on the same folder, when it has at most ``--old-max`` triples (the
old run passed 9.9 GB on 5.1M triples), and prints the ratios. Both runs
must print the same report (checked). Prints, no asserts.

  .venv/bin/python bench/bench_validate.py --seeds --old        # seconds
  .venv/bin/python bench/bench_validate.py -n 30 -y 8 --old     # 1 % of national
  .venv/bin/python bench/bench_validate.py -n 300 -y 4          # 1,200 plans, the size of issue 21
  .venv/bin/python bench/bench_validate.py -n 3000 -y 8 --jobs 2   # national (hours)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
MG = [str(Path(sys.executable).parent / "mandategraph")]
GIB = 1024 ** 3


def run(cmd: list[str], out: Path) -> dict:
    """Run ``cmd`` with stdout to ``out``: wall, CPU, peak summed RSS of the tree, largest ru_maxrss."""
    peak = [0]
    with open(out, "w") as f:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample():
            root = psutil.Process(p.pid)
            while not done.wait(0.2):
                try:
                    procs = [root, *root.children(recursive=True)]
                    peak[0] = max(peak[0], sum(q.memory_info().rss for q in procs if q.is_running()))
                except psutil.Error:
                    pass

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _pid, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        done.set()
        th.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode()
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "tree": peak[0],
            "maxrss": usage.ru_maxrss * 1024, "summary": out.read_text().splitlines()[-1]}


def export(folder: Path, n: int | None, years: int, seed: int) -> Path:
    """A build and its N-Triples export: the seeds (n None) or a generated corpus."""
    if n is None:
        docs = ROOT / "data" / "documents"
    else:
        docs = folder / "documents"
        if not docs.is_dir():
            subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "--jurisdictions", str(n), "--years",
                            str(years), "--seed", str(seed), "--out", str(folder)], check=True,
                           stdout=subprocess.DEVNULL)
    rdf = folder / "out" / "rdf"
    folder.mkdir(parents=True, exist_ok=True)
    if not (rdf / "graph.nt").is_file():
        subprocess.run(MG + ["build", str(docs), "--out", str(folder / "out")], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(MG + ["export", "rdf", "--graph", str(folder / "out"), "--out", str(rdf), "--format", "nt"],
                       check=True, stdout=subprocess.DEVNULL)
    return rdf


def line(what: str, r: dict, triples: int) -> str:
    return (f"  {what:<28}{r['wall']:9.1f} s  CPU {r['cpu']:8.1f} s  {triples / r['wall']:>9,.0f} triples/s  "
            f"peak tree {r['tree'] / GIB:6.2f} GiB  (largest process {r['maxrss'] / GIB:5.2f} GiB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", action="append", default=[], help="an existing export folder (repeatable)")
    ap.add_argument("--seeds", action="store_true", help="the five seed documents")
    ap.add_argument("--jurisdictions", "-n", type=int, help="generate a corpus of this many jurisdictions")
    ap.add_argument("--years", "-y", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default=None, help="where generated corpora and builds go (kept)")
    ap.add_argument("--batch-size", type=int, default=200_000)
    ap.add_argument("--jobs", "-j", type=int, default=1)
    ap.add_argument("--old", action="store_true", help="also the whole-graph pyshacl run, and the ratios")
    ap.add_argument("--old-max", type=int, default=2_000_000, help="skip the old run above this many triples")
    args = ap.parse_args()

    work = Path(args.work or tempfile.mkdtemp(prefix="bench_validate_"))
    work.mkdir(parents=True, exist_ok=True)
    folders = [Path(f) for f in args.folder]
    if args.seeds:
        folders.append(export(work / "seeds", None, 0, 0))
    if args.jurisdictions:
        folders.append(export(work / f"c{args.jurisdictions}x{args.years}s{args.seed}", args.jurisdictions,
                              args.years, args.seed))
    for folder in folders:
        nt = folder / "graph.nt"
        triples = sum(1 for _ in open(nt, "rb"))
        print(f"== {folder}: {triples:,} triples in graph.nt ({nt.stat().st_size / 1e6:,.0f} MB)")
        new = run(MG + ["validate", str(folder), "-q", "--batch-size", str(args.batch_size), "--jobs",
                        str(args.jobs)], work / "new.txt")
        print(line(f"batched ({args.batch_size:,}, -j {args.jobs})", new, triples))
        print(f"    {new['summary']}")
        if args.old and triples <= args.old_max:
            old = run(MG + ["validate", str(folder), "--batch-size", "0"], work / "old.txt")
            print(line("whole graph (before)", old, triples))
            same = (work / "new.txt").read_text() == (work / "old.txt").read_text()
            print(f"    same report: {'yes' if same else 'NO'}; batched / whole: time "
                  f"{new['wall'] / old['wall']:.2f}x, peak memory {new['tree'] / old['tree']:.2f}x")
        elif args.old:
            print(f"  whole graph (before): skipped above {args.old_max:,} triples (--old-max)")
    print(f"(work folder: {work})")


if __name__ == "__main__":
    main()
