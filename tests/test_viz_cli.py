"""The viz, plot and report commands as a user runs them: output, exit status, clean errors."""
from __future__ import annotations

import os
import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mandategraph", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def test_viz_writes_a_page_and_reports_what_it_drew(seed_build, tmp_path):
    out = tmp_path / "wz.html"
    r = run("viz", "--graph", str(seed_build), "-j", "温州市", "--view", "continuity", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{out}: continuity view, 96 nodes, 57 edges\n" and r.stderr == ""
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")


def test_viz_prints_the_grouping_note_on_stderr(seed_build, tmp_path):
    r = run("viz", "--graph", str(seed_build), "--max-nodes", "100", "--out", str(tmp_path / "g.html"))
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("note: Too big to draw one by one: ")
    assert "tasks are grouped by" in r.stderr


def test_plot_and_report_list_what_they_wrote(seed_build, tmp_path):
    r = run("plot", "--graph", str(seed_build), "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [str(tmp_path / "p" / f"{n}.{ext}") for n in ("themes", "workload", "continuity")
                                     for ext in ("png", "html", "csv")]
    r = run("report", "--graph", str(seed_build), "--out", str(tmp_path / "r"))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"{tmp_path / 'r' / 'index.html'}: 16 explorer pages, 9 plot files\n"


def test_bad_input_gives_a_clean_error(seed_build, tmp_path):
    cases = [
        (("viz", "--graph", str(seed_build), "-j", "杭州市", "--out", str(tmp_path / "x.html")),
         "Error: unknown jurisdiction '杭州市'; known: 台州市, 四川省, 山东省, 济南市, 济南市市中区, 浙江省, 温州市, 自贡市, 荣县\n"),
        (("viz", "--graph", str(seed_build), "--unit", "市大数据局", "--out", str(tmp_path / "x.html")),
         "Error: unit '市大数据局' exists in 台州市, 温州市; pass --jurisdiction to choose one\n"),
        (("plot", "--graph", str(tmp_path), "--out", str(tmp_path / "p")),
         f"Error: {tmp_path}: not a built graph folder (no tables/nodes_Task.parquet); run `mandategraph build` first\n"),
    ]
    for args, message in cases:
        r = run(*args)
        assert (r.returncode, r.stderr, r.stdout) == (1, message, "")
    assert not (tmp_path / "x.html").exists()


def test_viz_needs_an_output_file():
    r = run("viz")
    assert r.returncode == 2 and "Missing option '--out'" in r.stderr and "Traceback" not in r.stderr


def test_a_view_of_a_jurisdiction_reads_only_its_part_and_draws_the_whole_graphs_page(seed_build, seed_graph,
                                                                                      tmp_path):
    from mandategraph.viz.commands import load_graph_for
    from mandategraph.viz.explorer import viz
    from mandategraph.viz.views import Filters

    cases = [("浙江省", "full", Filters("浙江省")), ("温州市", "continuity", Filters("温州市")),
             ("温州市", "unit", Filters("温州市", unit="市大数据局")), ("台州市", "unit-theme", Filters("台州市")),
             ("四川省", "full", Filters("四川省", year=2019)), ("济南市市中区", "full", Filters("济南市市中区")),
             # A district's plan names a branch of its city's bureau, a unit of the city.
             ("济南市", "unit", Filters("济南市", unit="市生态环境局市中分局"))]
    def task_jurisdictions(g):
        return {d["jurisdiction"] for _n, d in g.nodes(data=True) if d.get("label") == "Task"}

    for jurisdiction, view, filters in cases:
        part = load_graph_for(str(seed_build), jurisdiction)
        assert task_jurisdictions(part) < task_jurisdictions(seed_graph)
        whole = viz(seed_graph, tmp_path / "whole.html", view, filters)
        drawn = viz(part, tmp_path / "part.html", view, filters)
        assert (drawn.nodes, drawn.edges) == (whole.nodes, whole.edges) and drawn.nodes > 0, (jurisdiction, view)
        assert (tmp_path / "part.html").read_bytes() == (tmp_path / "whole.html").read_bytes(), (jurisdiction, view)
    # A province's part holds its cities' tasks and no other province's.
    assert task_jurisdictions(load_graph_for(str(seed_build), "浙江省")) == {"温州市", "台州市"}


def test_a_page_is_the_same_in_every_process(seed_build, tmp_path):
    # Python hashes strings differently in each process; no page may depend on a set's order.
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"ut{seed}.html"
        r = subprocess.run([sys.executable, "-m", "mandategraph", "viz", "--graph", str(seed_build), "-j", "温州市",
                            "--view", "unit-theme", "--out", str(out)], capture_output=True, text=True,
                           encoding="utf-8", timeout=300, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]


def test_report_of_a_jurisdiction_has_its_pages_as_the_whole_report_draws_them(seed_build, tmp_path):
    r = run("report", "--graph", str(seed_build), "-j", "浙江省", "--out", str(tmp_path / "zj"))
    assert r.returncode == 0, r.stderr
    # 浙江省 itself, 温州市 2019 and 2022, 台州市 2022, 温州市's continuity, both cities' unit-theme
    # networks and the 5 busiest units.
    assert r.stdout == f"{tmp_path / 'zj' / 'index.html'}: 12 explorer pages, 9 plot files\n"
    assert run("report", "--graph", str(seed_build), "--out", str(tmp_path / "all")).returncode == 0
    pages = sorted(p.name for p in (tmp_path / "zj" / "views").iterdir())
    assert pages[:7] == ["330300_2019.html", "330300_2022.html", "330300_continuity.html",
                         "330300_unit_theme.html", "331000_2022.html", "331000_unit_theme.html", "full.html"]
    for name in pages[:6]:
        assert (tmp_path / "zj" / "views" / name).read_bytes() == (tmp_path / "all" / "views" / name).read_bytes()
    index = (tmp_path / "zj" / "index.html").read_text(encoding="utf-8")
    assert "浙江省 全部 All its plans" in index and "自贡市" not in index
    r = run("plot", "--graph", str(seed_build), "-j", "温州市", "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    themes = (tmp_path / "p" / "themes.csv").read_text(encoding="utf-8")
    assert "温州市" in themes and "台州市" not in themes
