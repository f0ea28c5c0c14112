"""Benchmark of themes and continuity: quality at seed scale, time and memory as tasks grow.

Prints figures (no asserts):

1. Seed scale: the time of each linker on the seed goldens and its precision
   and recall against the hand pairs in tests/continuity/, and the theme
   coverage.
2. Synthetic task sets of growing size: tasks made by rewording seed task
   texts (character substitutions, deletions, insertions) for synthetic
   jurisdictions grouped in provinces. Each province rewrites a template of
   seed tasks every year, and its jurisdictions copy the template with their
   own small edits, so two tasks are "the same work" when they come from the
   same seed task. For each size, in a fresh process (so peak memory is its
   own): SIMILAR_TO with LSH blocking, SIMILAR_TO by brute force (all pairs,
   small sizes only), CONTINUES over every jurisdiction, and theme
   assignment. Quality: precision against the seed origin, and the share of
   the brute-force links that blocking keeps.

3. A generated corpus with realistic rewording (bench/corpus.py ``--rewrite``:
   a share of plans rewritten from the year before, items merged and split,
   sections regrouped), from its truth: the text similarity of its right
   CONTINUES pairs beside 温州 2019 → 2022's hand pairs, and CONTINUES (apart
   for rewritten and copied plans), SIMILAR_TO and DETAILS against its truth,
   text only (before) and with the pair model.

Run: ``.venv/bin/python bench/bench_continuity.py [--sizes 10000,100000,800000] [--exact 2500,5000,10000,20000] [--rewrite 0.5]``
(about ten minutes on 2 cores with the defaults; the 800k set needs ~8 GB; ``--sizes "" --exact ""``
runs the seed and generated sections only, about a minute).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

YEARS = list(range(2017, 2025))
TASKS_PER_PLAN = 33


def seed_texts() -> list[str]:
    texts = []
    for p in sorted((ROOT / "tests" / "golden").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in p.read_text(encoding="utf-8").splitlines()]
    return texts


def reword(text: str, rate: float, rng: random.Random, alphabet: str) -> str:
    """Substitute, delete or insert about ``rate`` of the characters."""
    chars = list(text)
    for _ in range(max(1, round(len(chars) * rate))):
        if not chars:
            break
        k = rng.randrange(len(chars))
        op = rng.random()
        if op < 0.4:
            chars[k] = rng.choice(alphabet)
        elif op < 0.7:
            del chars[k]
        else:
            chars.insert(k, rng.choice(alphabet))
    return "".join(chars)


def synthetic(n_tasks: int, seed: int = 0):
    """``({jurisdiction: [TaskRef]}, {task id: origin})`` with about ``n_tasks`` tasks.

    Jurisdictions come in provinces of 30; each province keeps a template of
    45 seed tasks, reworded at 12% and turning over a fifth each year; each
    jurisdiction-year plan copies 33 of them with 5% edits of its own.
    """
    from mandategraph.graph.continuity import TaskRef

    rng = random.Random(seed)
    texts = seed_texts()
    alphabet = "".join(sorted(set("".join(texts))))
    n_jur = max(2, round(n_tasks / (len(YEARS) * TASKS_PER_PLAN)))
    by_j: dict[str, list] = {}
    origin: dict[str, int] = {}
    for p in range(0, n_jur, 30):
        template = rng.sample(range(len(texts)), 45)
        for year in YEARS:
            if year != YEARS[0]:
                out = set(rng.sample(template, 9))
                template = [t for t in template if t not in out] + rng.sample(
                    [t for t in range(len(texts)) if t not in template], 9)
            wording = {t: reword(texts[t], 0.12, rng, alphabet) for t in template}
            for j in range(p, min(p + 30, n_jur)):
                name = f"J{j:05d}"
                for k, t in enumerate(rng.sample(template, TASKS_PER_PLAN)):
                    tid = f"{name}:{year}:{k:02d}"
                    by_j.setdefault(name, []).append(
                        TaskRef(tid, reword(wording[t], 0.05, rng, alphabet), year, name,
                                "table" if k % 3 == 0 else "prose"))
                    origin[tid] = t
    return by_j, origin


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def one(kind: str, size: int) -> dict:
    """One measurement, meant to run in its own process."""
    from mandategraph.graph.continuity import link_continues, link_similar
    from mandategraph.graph.themes import load_scheme

    by_j, origin = synthetic(size)
    n = sum(len(v) for v in by_j.values())
    base = peak_mb()
    t0 = time.perf_counter()
    out: dict = {"kind": kind, "tasks": n, "jurisdictions": len(by_j)}
    if kind in ("lsh", "exact"):
        links = link_similar(by_j, method=kind)
        out["links"] = len(links)
        out["precision"] = round(sum(origin[a] == origin[b] for a, b, _ in links) / max(1, len(links)), 3)
        out["pairs"] = [[a, b] for a, b, _ in links] if n <= 25_000 else None
    elif kind == "continues":
        total = 0
        right = 0
        for tasks in by_j.values():
            years: dict[int, list] = {}
            for t in tasks:
                years.setdefault(t.year, []).append(t)
            links = link_continues(years)
            total += len(links)
            right += sum(origin[a] == origin[b] for a, b, _ in links)
        out["links"] = total
        out["precision"] = round(right / max(1, total), 3)
    elif kind == "themes":
        scheme = load_scheme()
        hits = [scheme.assign(t.text) for ts in by_j.values() for t in ts]
        out["themed"] = round(sum(any(h.key != "general" for h in r) for r in hits) / len(hits), 4)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_mb"] = round(peak_mb(), 0)
    out["data_mb"] = round(base, 0)
    return out


def run(kind: str, size: int) -> dict:
    res = subprocess.run([sys.executable, __file__, "--one", kind, str(size)], capture_output=True, text=True)
    if res.returncode != 0:
        return {"kind": kind, "tasks": size, "error": res.stderr.strip().splitlines()[-1:]}
    return json.loads(res.stdout)


def seed_scale() -> None:
    from test_continuity import details_for, hand_pairs, prf, refs, wenzhou_years

    from mandategraph.graph.continuity import link_continues, link_similar
    from mandategraph.graph.themes import assign_themes, theme_coverage

    link_similar({"a": refs("rongxian_2019_work_plan"), "b": refs("wenzhou_2019_task_table")})  # warm imports
    assign_themes("政府公报")
    print("== seed scale (hand pairs in tests/continuity/; the reconciled readings in tests/continuity/reconciled/)")
    for name, fn, pairs, sym in [
        ("CONTINUES 温州 2019→2022", lambda: link_continues(wenzhou_years()), "wenzhou_2019_2022.csv", False),
        ("  reconciled pairs", lambda: link_continues(wenzhou_years()), "reconciled/wenzhou_2019_2022.csv", False),
        ("CONTINUES text only (before)", lambda: link_continues(wenzhou_years(), model=False),
         "wenzhou_2019_2022.csv", False),
        ("  reconciled pairs", lambda: link_continues(wenzhou_years(), model=False),
         "reconciled/wenzhou_2019_2022.csv", False),
        ("CONTINUES one_to_one", lambda: link_continues(wenzhou_years(), matching="one_to_one"),
         "wenzhou_2019_2022.csv", False),
        ("SIMILAR_TO 台州↔温州 2022", lambda: link_similar(
            {"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")}),
         "taizhou_wenzhou_2022.csv", True),
        ("  reconciled pairs", lambda: link_similar(
            {"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")}),
         "reconciled/taizhou_wenzhou_2022.csv", True),
        ("SIMILAR_TO one_to_one", lambda: link_similar(
            {"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")},
            matching="one_to_one"), "taizhou_wenzhou_2022.csv", True),
        ("SIMILAR_TO LSH blocking", lambda: link_similar(
            {"台州市": refs("taizhou_2022_work_plan"), "温州市": refs("wenzhou_2022_work_plan")}, method="lsh"),
         "taizhou_wenzhou_2022.csv", True),
        ("DETAILS 3 documents", lambda: [l for s in ("jinan_shizhong_2024_work_plan", "taizhou_2022_work_plan",
                                                       "wenzhou_2022_work_plan") for l in details_for(s)],
         "details.csv", False),
    ]:
        t0 = time.perf_counter()
        links = fn()
        ms = (time.perf_counter() - t0) * 1000
        m = prf(links, hand_pairs(pairs), symmetric=sym)
        print(f"{name:28s} {ms:7.1f} ms  precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
              f"F1 {m['f1']:.3f}  ({m['links']} links)")
    print("\nF1 against the hand pairs as the threshold moves (defaults marked *):")
    from mandategraph.graph.continuity import DEFAULTS, link_details
    sweeps = [
        ("CONTINUES", DEFAULTS.continues_threshold, [0.1, 0.12, 0.14, 0.15, 0.16, 0.18, 0.2, 0.25],
         lambda th: prf(link_continues(wenzhou_years(), th), hand_pairs("wenzhou_2019_2022.csv"))),
        ("SIMILAR_TO", DEFAULTS.similar_threshold, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5],
         lambda th: prf(link_similar({"台州市": refs("taizhou_2022_work_plan"),
                                      "温州市": refs("wenzhou_2022_work_plan")}, th),
                        hand_pairs("taizhou_wenzhou_2022.csv"), symmetric=True)),
        ("DETAILS", DEFAULTS.details_threshold, [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5],
         lambda th: prf([l for s in ("jinan_shizhong_2024_work_plan", "taizhou_2022_work_plan",
                                     "wenzhou_2022_work_plan")
                         for l in link_details([t for t in refs(s) if t.source == "prose"],
                                               [t for t in refs(s) if t.source == "table"], th)],
                        hand_pairs("details.csv"))),
    ]
    for name, default, ths, fn in sweeps:
        cells = []
        for th in ths:
            m = fn(th)
            cells.append(f"{th:g}{'*' if th == default else ''}: {m['precision']:.2f}/{m['recall']:.2f}/{m['f1']:.2f}")
        print(f"  {name:10s} (P/R/F1) " + "  ".join(cells))
    texts = [t.text for s in ("taizhou_2022_work_plan", "jinan_shizhong_2024_work_plan", "rongxian_2019_work_plan",
                              "wenzhou_2019_task_table", "wenzhou_2022_work_plan") for t in refs(s)]
    t0 = time.perf_counter()
    c = theme_coverage(assign_themes(t) for t in texts)
    ms = (time.perf_counter() - t0) * 1000
    print(f"{'themes':28s} {ms:7.1f} ms  coverage {c.themed}/{c.tasks}, fallback {c.fallback}")


# ----------------------------------------------------------------- the generated corpus, realistic rewording


def generated_tasks(rewrite: float, jurisdictions: int, years: int, seed: int):
    """A corpus of bench/corpus.py as linkers see it, from its truth (no extraction): ``(by jurisdiction
    and year: TaskRefs), truth tasks by id, truth pairs, rewritten task ids)``."""
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    import corpus as C


    with tempfile.TemporaryDirectory() as tmp:
        C.generate(tmp, jurisdictions=jurisdictions, years=years, seed=seed, workers=1, rewrite=rewrite)
        tasks = list(C.read_jsonl(Path(tmp) / "truth" / "tasks.jsonl"))
        docs = {d["document"]: d for d in C.read_jsonl(Path(tmp) / "truth" / "documents.jsonl")}
        pairs = list(C.read_jsonl(Path(tmp) / "truth" / "pairs.jsonl"))
        sims = set(C.template_pairs(tmp))
    by_jy = C.task_refs(tasks)
    rewritten = {t["task"] for t in tasks if docs[t["document"]].get("rewritten")}
    return by_jy, {t["task"]: t for t in tasks}, pairs, sims, rewritten


def generated_scores(rewrite: float = 0.5, jurisdictions: int = 60, years: int = 3, seed: int = 0,
                     model=True) -> dict:
    """CONTINUES, SIMILAR_TO and DETAILS on a generated corpus against its truth (as bench/run.py
    scores them: a pair of one work item's tasks counts right, recall is on the truth's pairs), and
    CONTINUES apart for the pairs into rewritten plans and into copied ones."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus as C

    from mandategraph.graph.continuity import link_details, link_similar
    from mandategraph.graph.continuity_batch import link_continues_all

    by_jy, truth, pairs, sims, rewritten = generated_tasks(rewrite, jurisdictions, years, seed)

    def fam(a, b):
        return bool(truth[a]["family"]) and truth[a]["family"] == truth[b]["family"]

    cont = {(p["a"], p["b"]) for p in pairs if p["type"] == "CONTINUES"}
    links = [(l.source, l.target) for ls in link_continues_all(by_jy, model=model).values() for l in ls]
    out = {"tasks": len(truth), "CONTINUES": C.score_links(links, cont, fam).as_dict()}
    for name, keep in (("rewritten", lambda b: b in rewritten), ("copied", lambda b: b not in rewritten)):
        out[f"CONTINUES into {name} plans"] = C.score_links([x for x in links if keep(x[1])],
                                                             {x for x in cont if keep(x[1])}, fam).as_dict()
    by_j = {j: [t for ts in ys.values() for t in ts] for j, ys in by_jy.items()}
    sim_links = [(l.source, l.target) for l in link_similar(by_j)]
    out["SIMILAR_TO"] = C.score_links(sim_links, sims, C.template_kin(truth), directed=False).as_dict()
    det = {(p["a"], p["b"]) for p in pairs if p["type"] == "DETAILS"}
    by_doc: dict[str, list] = {}
    for ts in by_j.values():
        for t in ts:
            by_doc.setdefault(truth[t.id]["document"], []).append(t)
    det_links = [(l.source, l.target) for ts in by_doc.values()
                 for l in link_details([t for t in ts if t.source == "prose"], [t for t in ts if t.source == "table"])]
    out["DETAILS"] = C.score_links(det_links, det, fam).as_dict()
    return out


def similarity_distributions(rewrite: float = 0.5, jurisdictions: int = 60, years: int = 3, seed: int = 0) -> None:
    """Text similarity (the linker's cosine) of the right CONTINUES pairs: 温州 2019 → 2022's sure hand
    pairs beside the generated corpus's pairs into rewritten plans and into copied ones."""
    import numpy as np
    from test_continuity import hand_pairs, wenzhou_years

    from mandategraph.graph.continuity import DEFAULTS, vectorize

    def sims(tasks, pairs):
        v = vectorize(tasks, DEFAULTS.continues_ngrams)
        idx = v.index()
        ps = [(a, b) for a, b in pairs if a in idx and b in idx]
        return v.pair_scores(np.array([idx[a] for a, _ in ps], np.int64), np.array([idx[b] for _, b in ps], np.int64))

    ys = wenzhou_years()
    hand = sims(ys[2019] + ys[2022], [k for k, v in hand_pairs("wenzhou_2019_2022.csv").items() if v == "sure"])
    by_jy, truth, pairs, _, rewritten = generated_tasks(rewrite, jurisdictions, years, seed)
    cont = [(p["a"], p["b"]) for p in pairs if p["type"] == "CONTINUES"]
    rw, cp = [], []
    for years_ in by_jy.values():
        tasks = [t for ts in years_.values() for t in ts]
        ids = {t.id for t in tasks}
        mine = [x for x in cont if x[0] in ids]
        rw.append(sims(tasks, [x for x in mine if x[1] in rewritten]))
        cp.append(sims(tasks, [x for x in mine if x[1] not in rewritten]))
    rows = [("温州 2019→2022 sure hand pairs", hand), ("generated, into rewritten plans", np.concatenate(rw)),
            ("generated, into copied plans", np.concatenate(cp))]
    qs = (10, 25, 50, 75, 90)
    print(f"  {'text similarity of right pairs':36s} {'pairs':>6} " + " ".join(f"{'p%d' % q:>5}" for q in qs))
    for name, x in rows:
        print(f"  {name:36s} {len(x):>6} " + " ".join(f"{v:5.2f}" for v in np.percentile(x, qs)))


def generated_scale(rewrite: float) -> None:
    print(f"\n== generated corpus with realistic rewording (bench/corpus.py --rewrite {rewrite}: the share of "
          f"plans rewritten), 60 jurisdictions x 3 years, seed 0, truth tasks")
    similarity_distributions(rewrite)
    for label, model in (("text only (before)", False), ("pair model", True)):
        r = generated_scores(rewrite, model=model)
        print(f"  {label}:")
        for k in ("CONTINUES", "CONTINUES into rewritten plans", "CONTINUES into copied plans", "SIMILAR_TO",
                  "DETAILS"):
            m = r[k]
            print(f"    {k:32s} precision {m['precision']:.3f}  recall {m['recall']:.3f}  ({m['predicted']} links, "
                  f"{m['sure']} truth pairs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,800000")
    ap.add_argument("--exact", default="2500,5000,10000,20000", help="sizes for the brute-force baseline")
    ap.add_argument("--rewrite", type=float, default=0.5,
                    help="share of plans rewritten in the generated corpus (bench/corpus.py --rewrite)")
    ap.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]))))
        return
    seed_scale()
    generated_scale(args.rewrite)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    exact = [int(s) for s in args.exact.split(",") if s]
    print("\n== SIMILAR_TO on synthetic tasks: LSH blocking vs brute force (fresh process each)")
    print(f"{'tasks':>8} {'method':>6} {'seconds':>8} {'peak MB':>8} {'links':>9} {'precision':>9} {'kept':>6}")
    for size in sorted(set(sizes) | set(exact)):
        lsh = run("lsh", size) if size in sizes or size in exact else None
        ex = run("exact", size) if size in exact else None
        kept = ""
        if lsh and ex and lsh.get("pairs") and ex.get("pairs"):
            e = {tuple(p) for p in ex["pairs"]}
            kept = f"{len(e & {tuple(p) for p in lsh['pairs']}) / max(1, len(e)):.3f}"
        for r, label in ((lsh, "lsh"), (ex, "exact")):
            if r is None:
                continue
            if "error" in r:
                print(f"{r['tasks']:>8} {label:>6} error: {r['error']}")
                continue
            print(f"{r['tasks']:>8} {label:>6} {r['seconds']:>8} {r['peak_mb']:>8.0f} {r['links']:>9} "
                  f"{r['precision']:>9} {kept if label == 'lsh' else '':>6}")
    print("\n== CONTINUES over every synthetic jurisdiction, and theme assignment")
    for size in sizes:
        for kind in ("continues", "themes"):
            r = run(kind, size)
            if "error" in r:
                print(f"{size:>8} {kind:>9} error: {r['error']}")
                continue
            extra = (f"links {r['links']}, precision {r['precision']}" if kind == "continues"
                     else f"tasks with a theme {r['themed']:.2%}")
            print(f"{r['tasks']:>8} {kind:>9} {r['seconds']:>8} s  peak {r['peak_mb']:.0f} MB  {extra}")
    print("\n'kept': share of the brute-force links the LSH run also found (same scores, same matching).")
    print("'precision': share of links joining two rewordings of the same seed task.")


if __name__ == "__main__":
    main()
