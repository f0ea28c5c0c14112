"""Explorer pages in headless Chromium: page size, time to draw, time per frame, and where to cut.

Run: ``.venv/bin/python bench/bench_viz.py [--graph OUT] [--quick]`` (needs
Debian's ``chromium``). Prints tables, asserts nothing. For each graph it
writes the whole-graph page twice — as ``mandategraph viz`` draws it (grouped
above the limit) and raw (every node) — and measures

- ``python s``: view, grouping, layout and HTML in Python;
- ``MB``: size of the page file;
- ``open s``: navigation to network idle and vis-network's first frame;
- ``frame ms``: median time to redraw after a zoom (is the page usable?).

The sweep at the end draws raw synthetic graphs of growing size; the limit
(:data:`mandategraph.viz.aggregate.DEFAULT_MAX_NODES`) should sit where a
frame still takes about 100 ms or less and the page opens within ~5 s.
Without --graph the seed documents are built into a temporary folder.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the Chromium driver the browser tests use

from browser import Chromium  # noqa: E402

from mandategraph.bench.synthetic_graph import synthetic_graph  # noqa: E402
from mandategraph.graph.tables import load_graph  # noqa: E402
from mandategraph.viz import DEFAULT_MAX_NODES, render  # noqa: E402

FRAME_JS = """
(async () => {
  const net = window.mandategraph.network;
  const times = [];
  for (let i = 0; i < %d; i++) {
    const t0 = performance.now();
    const drawn = new Promise(r => net.once("afterDrawing", r));
    net.moveTo({scale: net.getScale() * (i %% 2 ? 1 / 1.15 : 1.15)});
    await drawn;
    times.push(performance.now() - t0);
  }
  return times;
})()
"""


def tasks_for_nodes(n_nodes: int) -> int:
    """Tasks that make a synthetic graph of about ``n_nodes`` nodes (it has ~1.25 nodes per task)."""
    return max(20, round(n_nodes / 1.25))


def measure(browser: Chromium, g, folder: Path, name: str, max_nodes: int | None, timeout: float = 180.0,
            frames: int = 6) -> dict:
    t = time.perf_counter()
    text, drawn = render(g, "full", max_nodes=max_nodes)
    py = time.perf_counter() - t
    path = folder / f"{name}.html"
    path.write_text(text, encoding="utf-8")
    row = {"name": name, "nodes": drawn.graph.number_of_nodes(), "edges": drawn.graph.number_of_edges(),
           "python s": py, "MB": path.stat().st_size / 1e6, "open s": None, "frame ms": None, "problems": ""}
    try:
        load = browser.open(path, timeout=timeout)
        row["open s"] = load.seconds
        times = browser.evaluate(FRAME_JS % frames, timeout=timeout)
        row["frame ms"] = statistics.median(times)
        row["problems"] = "; ".join(load.problems)[:60]
    except TimeoutError:
        row["problems"] = f"not drawn within {timeout:.0f} s"
        browser.send("Page.navigate", {"url": "about:blank"}, timeout=timeout)
    return row


def show(rows: list[dict]) -> None:
    cols = ["name", "nodes", "edges", "python s", "MB", "open s", "frame ms", "problems"]
    fmt = {"python s": "{:.2f}", "MB": "{:.2f}", "open s": "{:.2f}", "frame ms": "{:.0f}"}
    table = [[fmt.get(c, "{}").format(r[c]) if r[c] is not None else "—" for c in cols] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for t in table:
        print("  ".join(v.ljust(w) for v, w in zip(t, widths)), flush=True)


def seed_graph(graph_dir: str | None, tmp: Path):
    if graph_dir:
        return load_graph(graph_dir)
    out = tmp / "seed"
    subprocess.run([sys.executable, "-m", "mandategraph", "build", str(ROOT / "data" / "documents"), "--out", str(out),
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return load_graph(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", help="a build folder (default: build the seed documents)")
    ap.add_argument("--quick", action="store_true", help="smaller sweep, skip the 50k raw page")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-viz-"))
    print(f"limit (DEFAULT_MAX_NODES): {DEFAULT_MAX_NODES:,} nodes; pages in {tmp}\n", flush=True)
    with Chromium() as browser:
        rows = [measure(browser, seed_graph(args.graph, tmp), tmp, "seed", DEFAULT_MAX_NODES)]
        for n in (1_000, 10_000, 50_000):
            g = synthetic_graph(tasks_for_nodes(n))
            label = f"{g.number_of_nodes() // 1000}k"
            rows.append(measure(browser, g, tmp, f"synthetic {label} grouped", DEFAULT_MAX_NODES))
            if n <= 10_000 or not args.quick:
                rows.append(measure(browser, g, tmp, f"synthetic {label} raw", None, timeout=240.0, frames=3))
        print("## Whole-graph pages (grouped: as `mandategraph viz` writes them; raw: every node)")
        show(rows)

        print("\n## Sweep: raw synthetic pages of growing size (where to cut)")
        sizes = (500, 1_000, 1_500, 2_000, 3_000) if args.quick else (500, 1_000, 1_500, 2_000, 3_000, 5_000)
        sweep = [measure(browser, synthetic_graph(tasks_for_nodes(n)), tmp, f"raw ~{n}", None) for n in sizes]
        show(sweep)
    print()
    for budget in (100, 200):
        usable = [r["nodes"] for r in sweep if r["frame ms"] is not None and r["frame ms"] <= budget and r["open s"] <= 5]
        print(f"largest raw page with frames <= {budget} ms and open <= 5 s: {max(usable) if usable else 'none'} nodes")
    print(f"limit in use: {DEFAULT_MAX_NODES:,} nodes (frame times vary by ~50% between runs on a shared machine)")


if __name__ == "__main__":
    main()
