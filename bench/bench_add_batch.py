"""A batch `add` against a rebuild of all: where rebuilding is faster.

``python bench/bench_add_batch.py [--jurisdictions 300] [--years 4] [--ks 1,5,20,50,150] [--work DIR]
[--add-args=--one-by-one]``

Generates a corpus of ``--jurisdictions`` x (``--years`` + 1) plans with
``bench/corpus.py``, builds the first ``--years`` years (300 x 4 = 1,200
plans), then for each k adds k plans of the last year to a copy of that
build (``mandategraph add --one-by-one`` by default: ``--add-args=...``)
and, apart, builds all 1,200 + k (``mandategraph build``). Each command runs
in its own process; its wall time and peak RSS (``wait4``) are printed with
the ratio add / rebuild. ``--json OUT`` keeps the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MG = [sys.executable, "-m", "mandategraph"]


def run(args: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a command run to the end; fails on a non-zero exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT.parent)
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.perf_counter() - t0
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"{shlex.join(args)} failed ({p.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jurisdictions", type=int, default=300)
    ap.add_argument("--years", type=int, default=4)
    ap.add_argument("--ks", default="1,5,20,50,150")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default=None, help="folder for the corpus and builds (default: a temporary one)")
    ap.add_argument("--add-args", default="--one-by-one", help="extra arguments of `mandategraph add`")
    ap.add_argument("--skip-rebuild", action="store_true", help="time the adds only")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    ks = [int(k) for k in args.ks.split(",")]
    work = Path(args.work or tempfile.mkdtemp(prefix="mg-bench-add-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    if not (corpus / "documents").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "--jurisdictions", str(args.jurisdictions),
                        "--years", str(args.years + 1), "--seed", str(args.seed), "--out", str(corpus)],
                       check=True, stdout=subprocess.DEVNULL)
    docs = sorted((corpus / "documents").rglob("*.txt"))
    years = sorted({_year(p) for p in docs})
    base_docs = [p for p in docs if _year(p) != years[-1]]
    extra = [p for p in docs if _year(p) == years[-1]]
    assert len(extra) >= max(ks), f"only {len(extra)} plans of {years[-1]} to add"
    base = work / "base"
    if not (base / "BUILD_COMPLETE").exists():
        secs, mb = run(MG + ["build", *map(str, base_docs), "--out", str(base), "-q"])
        print(f"build of {len(base_docs)}: {secs:.1f} s, {mb:.0f} MB", flush=True)
    rows = []
    print(f"{'k':>5} {'add s':>8} {'add MB':>8} {'rebuild s':>10} {'rebuild MB':>11} {'add/rebuild':>12}", flush=True)
    for k in ks:
        # Spread over the jurisdictions (every n-th plan of the last year).
        step = max(1, len(extra) // k)
        batch = extra[::step][:k]
        target = work / f"add{k}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(base, target, symlinks=True)
        add_s, add_mb = run(MG + ["add", *map(str, batch), "--graph", str(target), "-q", *shlex.split(args.add_args)])
        shutil.rmtree(target, ignore_errors=True)
        full = work / f"full{k}"
        reb_s, reb_mb = (float("nan"), float("nan")) if args.skip_rebuild else \
            run(MG + ["build", *map(str, base_docs + batch), "--out", str(full), "-q"])
        shutil.rmtree(full, ignore_errors=True)
        rows.append({"k": k, "build": len(base_docs), "add_s": round(add_s, 2), "add_mb": round(add_mb),
                     "rebuild_s": round(reb_s, 2), "rebuild_mb": reb_mb if reb_mb != reb_mb else round(reb_mb),
                     "ratio": round(add_s / reb_s, 3), "add_args": args.add_args})
        r = rows[-1]
        print(f"{k:>5} {r['add_s']:>8.1f} {r['add_mb']:>8} {r['rebuild_s']:>10.1f} {r['rebuild_mb']:>11.0f} "
              f"{r['ratio']:>12.2f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def _year(p: Path) -> int:
    digits = "".join(ch if ch.isdigit() else " " for ch in p.stem).split()
    return next((int(d) for d in reversed(digits) if len(d) == 4), 0)


if __name__ == "__main__":
    sys.exit(main())
