"""Extraction throughput on the seeds replicated to >= 50 MB, next to a plain read-and-regex scan.

``python bench/bench_extract.py [--mb 50] [--json OUT.json]`` prints, for the
same files in the same run:

- ``scan``: read each file, decode it, run one precompiled regex over the
  text (the role words of a responsibility slot) — the baseline; and
  ``scan (bytes)``: the same regex over the undecoded bytes;
- ``extract x1``: :func:`mandategraph.loaders.extract.extract_file` on every
  file in one process;
- ``extract xN``: the build's parallel extraction
  (:func:`mandategraph.graph.build.iter_extractions`, one process per core),
  extractions pickled back to the parent as the build receives them;

each with MB/s, documents/s, its ratio to the scan and its peak memory (each
stage runs in a fresh subprocess; the peak is that process's max RSS, plus
its workers' for the parallel stage). Then the (task, role, unit) F1 of
extraction on a generated corpus sample against its truth, and on the five
seeds against their hand-written golden files.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"
SCAN = re.compile(r"牵头|配合|负责|责任单位")
SCAN_BYTES = re.compile("牵头|配合|负责|责任单位".encode("utf-8"))


def replicate(folder: Path, mb: float) -> list[Path]:
    """Copies of the seeds until they add up to ``mb`` megabytes (files renamed, bytes unchanged)."""
    seeds = sorted(SEEDS.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    out, total, k = [], 0, 0
    while total < mb * 1e6:
        for s in seeds:
            p = folder / f"{k:05d}_{s.name}"
            if not p.exists():
                shutil.copyfile(s, p)
            out.append(p)
            total += p.stat().st_size
        k += 1
    return out


def _max_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def stage_scan(files: list[str]) -> dict:
    t = time.perf_counter()
    n = hits = 0
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        n += len(data)
        hits += len(SCAN.findall(data.decode("utf-8")))
    return {"seconds": time.perf_counter() - t, "bytes": n, "docs": len(files), "hits": hits}


def stage_extract(files: list[str]) -> dict:
    from mandategraph.loaders.extract import extract_file

    extract_file(files[0])  # imports and lazily built tables, as in any long run
    t = time.perf_counter()
    n = tasks = 0
    for f in files:
        n += os.path.getsize(f)
        tasks += len(extract_file(f).tasks)
    return {"seconds": time.perf_counter() - t, "bytes": n, "docs": len(files), "tasks": tasks}


def stage_parallel(files: list[str]) -> dict:
    from mandategraph.graph.build import iter_extractions

    t = time.perf_counter()
    n = tasks = failed = 0
    for path, res in iter_extractions(files, 0):
        n += os.path.getsize(path)
        if isinstance(res, str):
            failed += 1
        else:
            tasks += len(res.tasks)
    return {"seconds": time.perf_counter() - t, "bytes": n, "docs": len(files), "tasks": tasks, "failed": failed,
            "workers": os.cpu_count(), "children_max_rss_mb": _max_rss_mb(resource.RUSAGE_CHILDREN)}


def stage_scan_bytes(files: list[str]) -> dict:
    t = time.perf_counter()
    n = hits = 0
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        n += len(data)
        hits += len(SCAN_BYTES.findall(data))
    return {"seconds": time.perf_counter() - t, "bytes": n, "docs": len(files), "hits": hits}


STAGES = {"scan": stage_scan, "scan_bytes": stage_scan_bytes, "extract": stage_extract, "parallel": stage_parallel}


def run_stage(stage: str, file_list: Path) -> dict:
    """Run one stage in a fresh interpreter and read its result and max RSS."""
    proc = subprocess.Popen([sys.executable, __file__, "--stage", stage, "--files", str(file_list)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"stage {stage} failed (status {status})")
    res = json.loads(out.strip().splitlines()[-1])
    res["max_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    res["mb_s"] = round(res["bytes"] / 1e6 / res["seconds"], 2)
    res["docs_s"] = round(res["docs"] / res["seconds"], 1)
    return res


def accuracy(sample_jurisdictions: int = 40, years: int = 2, seed: int = 0) -> dict:
    """F1 on a generated corpus against its truth, and on the seeds against their golden files."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus as C

    out = {}
    with tempfile.TemporaryDirectory() as d:
        C.generate(d, sample_jurisdictions, years, seed, workers=1)
        out["generated"] = C.score_extraction(d).as_dict()
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from golden_score import load_golden, score

        from mandategraph.loaders.extract import extract_file

        tot = {"tp": 0, "fp": 0, "fn": 0}
        for path in sorted(SEEDS.glob("*.txt")):
            s = score(load_golden(path.stem), [t.contract() for t in extract_file(path).tasks])
            for k in tot:
                tot[k] += getattr(s, k)
        f1 = 2 * tot["tp"] / (2 * tot["tp"] + tot["fp"] + tot["fn"])
        out["seeds_golden"] = {**tot, "f1": round(f1, 4)}
    except ImportError:
        pass
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="size of the replicated seeds (MB)")
    ap.add_argument("--dir", default=None, help="where to put the copies (default: a temporary folder)")
    ap.add_argument("--json", default=None, help="also write the figures here")
    ap.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    ap.add_argument("--files", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage:
        files = Path(args.files).read_text(encoding="utf-8").split("\n")
        print(json.dumps(STAGES[args.stage]([f for f in files if f])))
        return 0
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="mg-bench-extract-"))
    files = replicate(tmp / "seeds", args.mb)
    file_list = tmp / "files.txt"
    file_list.write_text("\n".join(map(str, files)), encoding="utf-8")
    total = sum(f.stat().st_size for f in files)
    print(f"corpus: {len(files)} documents, {total / 1e6:.1f} MB (the 5 seeds replicated)")
    res = {"documents": len(files), "mb": round(total / 1e6, 2)}
    for stage in ("scan", "scan_bytes", "extract", "parallel"):
        res[stage] = run_stage(stage, file_list)
    scan = res["scan"]["mb_s"]
    print(f"{'stage':<14}{'MB/s':>9}{'docs/s':>10}{'vs scan':>10}{'peak MB':>10}")
    for stage, label in (("scan", "scan (regex)"), ("scan_bytes", "scan (bytes)"), ("extract", "extract x1"),
                         ("parallel", f"extract x{os.cpu_count()}")):
        r = res[stage]
        r["ratio"] = round(r["mb_s"] / scan, 4)
        peak = max(r["max_rss_mb"], r.get("children_max_rss_mb", 0))
        print(f"{label:<14}{r['mb_s']:>9.2f}{r['docs_s']:>10.1f}{r['ratio']:>10.1%}{peak:>10.0f}")
    target = 0.05
    print(f"target: extraction >= {target:.0%} of the scan on one core: "
          f"{'PASS' if res['extract']['ratio'] >= target else 'FAIL'} ({res['extract']['ratio']:.1%}; "
          f"{res['extract']['mb_s'] / res['scan_bytes']['mb_s']:.1%} of the bytes-only scan)")
    res["accuracy"] = accuracy()
    g = res["accuracy"]["generated"]
    print(f"accuracy on a generated sample ({g['documents']} documents, {g['tasks_truth']} tasks): "
          f"(task, role, unit) P {g['precision']:.4f} R {g['recall']:.4f} F1 {g['f1']:.4f}; "
          f"deadlines {g['deadline_accuracy']:.4f}; jurisdiction+year {g['metadata_accuracy']:.4f}")
    if "seeds_golden" in res["accuracy"]:
        print(f"accuracy on the seeds vs golden files: F1 {res['accuracy']['seeds_golden']['f1']:.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.dir:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
