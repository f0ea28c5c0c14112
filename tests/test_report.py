"""`mandategraph report`: the front page, its links, and every page it links, in Chromium."""
from __future__ import annotations

import re

import pytest

from conftest_browser import CHARTS_READY, PAGE_READY, browser, drawn_counts, open_page  # noqa: F401
from mandategraph.graph.sample import sample_graph
from mandategraph.viz import report
from mandategraph.viz.report import summary_figures


def test_summary_figures_of_the_sample():
    assert summary_figures(sample_graph()) == [
        ("文件 documents", 3), ("任务 tasks", 4), ("单位 units", 3), ("单位组 groups", 1),
        ("牵头 lead mandates", 4), ("配合 assist mandates", 1), ("主题 themes", 2), ("法规政策 instruments", 1),
        ("延续 continues", 1), ("相似 similar", 1)]


def test_report_of_the_sample_links_what_it_wrote(tmp_path):
    r = report(sample_graph(), tmp_path / "rep", top_units=2)
    assert sorted(p.name for p in r.views) == ["330300_2019.html", "330300_2022.html", "330300_continuity.html",
                                               "330300_unit_theme.html", "331000_2022.html", "331000_unit_theme.html",
                                               "full.html", "unit_1.html", "unit_2.html"]
    page = r.index.read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"#]+)"', page) + re.findall(r"href='([^'#]+)'", page)
    assert sorted(set(hrefs)) == sorted({f"views/{p.name}" for p in r.views} | {
        f"plots/{n}.{ext}" for n in ("themes", "workload", "continuity") for ext in ("png", "csv")})
    assert all((tmp_path / "rep" / h).is_file() for h in hrefs)


@pytest.mark.browser
def test_seed_report_opens_and_every_view_draws(tmp_path, seed_graph, browser, open_page):  # noqa: F811
    r = report(seed_graph, tmp_path / "rep")
    open_page(r.index, ready=CHARTS_READY)
    figures = browser.evaluate("Array.from(document.querySelectorAll('.mg-figures li')).map(li => li.textContent)")
    assert figures[:2] == ["5文件 documents", "226任务 tasks"]
    assert browser.evaluate("document.querySelectorAll('.mg-chart').length") == 3
    links = browser.evaluate("Array.from(document.querySelectorAll('a[href^=\"views/\"]')).map(a => a.href)")
    # The whole graph, 5 jurisdiction-years, 温州市's continuity, the unit–theme networks of the 4
    # jurisdictions, the 5 busiest units.
    assert len(links) == len(r.views) == 1 + 5 + 1 + 4 + 5
    browser.screenshot(tmp_path / "report.png")
    for url in links:
        load = browser.open(url, ready=PAGE_READY)
        assert load.problems == [] and load.requests == [url]
        nodes, edges = drawn_counts(browser)
        assert nodes == browser.evaluate("mandategraph.data.nodes.length") > 0
        assert edges == browser.evaluate("mandategraph.data.edges.length")
