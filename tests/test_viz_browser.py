"""Explorer pages opened in headless Chromium: drawn, offline, safe, searchable, filterable.

Screenshots go to ``$MANDATEGRAPH_SCREENSHOTS`` when set (to look at them),
else to pytest's tmp folder.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest_browser import browser, drawn_counts, hostile_graph, open_page  # noqa: F401
from mandategraph.bench.synthetic_graph import synthetic_graph
from mandategraph.graph.sample import sample_graph
from mandategraph.viz import Filters, viz

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MANDATEGRAPH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check_drawn(browser, result, shots: Path, name: str) -> None:  # noqa: F811
    assert drawn_counts(browser) == (result.nodes, result.edges)
    # The legend is on screen, not scrolled or covered away.
    box = browser.evaluate("(() => { const r = document.getElementById('mg-legend').getBoundingClientRect();"
                           " return [r.left, r.top, r.width, r.height, innerWidth, innerHeight]; })()")
    assert box[2] > 100 and box[3] > 60 and box[0] >= 0 and box[1] + 40 < box[5]
    png = browser.screenshot(shots / f"{name}.png")
    assert png.stat().st_size > 10_000


def test_sample_page_draws_every_node_and_edge(tmp_path, browser, open_page, shots):  # noqa: F811
    r = viz(sample_graph(), tmp_path / "sample.html")
    open_page(r.path)
    assert (r.nodes, r.edges) == (17, 26)
    _check_drawn(browser, r, shots, "sample")


SEED_VIEWS = [
    ("seed_full", None, Filters()),
    ("seed_wenzhou_2022", "full", Filters(jurisdiction="温州市", year=2022)),
    ("seed_unit", None, Filters(unit="市大数据局", jurisdiction="温州市")),
    ("seed_unit_theme", "unit-theme", Filters(jurisdiction="温州市")),
    ("seed_continuity", "continuity", Filters(jurisdiction="温州市")),
    ("seed_jinan_lead", "full", Filters(jurisdiction="济南市市中区", role="lead")),
]


@pytest.mark.parametrize("name, view, filters", SEED_VIEWS, ids=[v[0] for v in SEED_VIEWS])
def test_seed_views_draw_with_no_error(name, view, filters, seed_graph, tmp_path, browser, open_page, shots):  # noqa: F811
    r = viz(seed_graph, tmp_path / f"{name}.html", view, filters)
    assert r.nodes > 10 and r.edges > 10
    open_page(r.path)
    _check_drawn(browser, r, shots, name)


def test_seed_continuity_view_has_the_continues_edges(seed_graph, tmp_path, browser, open_page):  # noqa: F811
    r = viz(seed_graph, tmp_path / "c.html", "continuity", Filters(jurisdiction="温州市"))
    links = sum(1 for u, v, k in seed_graph.edges(keys=True) if k == "CONTINUES"
                and seed_graph.nodes[u]["jurisdiction"] == "温州市")
    assert r.edges == links > 0
    open_page(r.path)
    assert drawn_counts(browser)[1] == links


def test_script_in_document_text_shows_as_text_and_never_runs(hostile_graph, tmp_path, browser, open_page):  # noqa: F811
    r = viz(hostile_graph, tmp_path / "hostile.html")
    open_page(r.path)  # no dialog, no console error, nothing fetched (img src=x would be a request)
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    # Hover the 台州 task with a real mouse: its tooltip shows the markup literally.
    node = browser.evaluate("mandategraph.data.nodes.find(n => n.tip.rows.some(r => r[1].includes('台州市 2022'))"
                            " && n.kind === 'task').id")
    x, y = browser.evaluate(f"(() => {{ const p = mandategraph.network.canvasToDOM(mandategraph.network.getPosition({node}));"
                            " const b = document.getElementById('mg-network').getBoundingClientRect();"
                            " return [b.left + p.x, b.top + p.y]; })()")
    browser.mouse(x - 30, y - 30)
    browser.mouse(x, y)
    browser.evaluate("new Promise(r => setTimeout(r, 300))")
    tip = browser.evaluate("(() => { const t = document.getElementById('mg-tip');"
                           " return [t.hidden, t.textContent, t.querySelectorAll('img, script, svg, b').length]; })()")
    assert tip[0] is False and tip[2] == 0
    assert "<script>alert(1)</script>" in tip[1] and "<img src=x onerror=" in tip[1]
    # Clicking opens the details panel: text again, never markup.
    browser.mouse(x, y, "mousePressed", "left", 1)
    browser.mouse(x, y, "mouseReleased", "left", 1)
    details = browser.evaluate("[document.getElementById('mg-details').hidden,"
                               " document.getElementById('mg-details-body').textContent,"
                               " document.querySelectorAll('#mg-details img, #mg-details script').length]")
    assert details[0] is False and "<script>alert(1)</script>" in details[1] and details[2] == 0
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.events_since_open().problems == []


def test_search_finds_chinese_names_and_texts(tmp_path, browser, open_page):  # noqa: F811
    r = viz(sample_graph(), tmp_path / "s.html")
    open_page(r.path)
    browser.type_text("#mg-search", "疫情")
    items = browser.evaluate("Array.from(document.querySelectorAll('#mg-results li')).map(li => li.textContent)")
    # Name matches first (the task, the unit 市疫情防控办 and the theme), then text-only matches.
    assert items[:3] == ["1.统筹做好疫情防控信息发布任务", "市疫情防控办单位", "疫情防控主题"]
    browser.key("Enter")
    selected = browser.evaluate("mandategraph.network.getSelectedNodes().map(i => mandategraph.data.nodes[i].label)")
    assert selected == ["1.统筹做好疫情防控信息发布"]
    assert "统筹做好疫情防控信息发布" in browser.evaluate("document.getElementById('mg-details-body').textContent")
    # A word only in a task's full text (past its 12-character label) is found too.
    browser.evaluate("document.getElementById('mg-search').value = ''")
    browser.type_text("#mg-search", "有序开放公共数据")
    found = browser.evaluate("Array.from(document.querySelectorAll('#mg-results li')).map(li => li.textContent)")
    assert found == ["1.编制全市公共数据开放目录…任务", "1.编制全市数据开放目录,有…任务"]
    assert browser.events_since_open().problems == []


def test_kind_filter_and_physics_toggle(tmp_path, browser, open_page):  # noqa: F811
    r = viz(sample_graph(), tmp_path / "k.html")
    open_page(r.path)
    visible = "mandategraph.nodes.get({filter: n => !n.hidden}).length"
    assert browser.evaluate(visible) == 17
    browser.evaluate("document.querySelector('#mg-kinds input[data-kind=task]').click()")
    assert browser.evaluate(visible) == 13
    browser.evaluate("document.querySelector('#mg-kinds input[data-kind=task]').click()")
    assert browser.evaluate(visible) == 17
    assert browser.evaluate("mandategraph.network.physics.physicsEnabled") is False
    before = browser.evaluate("JSON.stringify(mandategraph.network.getPositions())")
    browser.evaluate("document.getElementById('mg-physics').click()")
    assert browser.evaluate("mandategraph.network.physics.physicsEnabled") is True
    browser.evaluate("new Promise(r => setTimeout(r, 800))")
    assert browser.evaluate("JSON.stringify(mandategraph.network.getPositions())") != before  # nodes moved
    browser.evaluate("document.getElementById('mg-physics').click()")
    assert browser.evaluate("mandategraph.network.physics.physicsEnabled") is False
    assert browser.events_since_open().problems == []


def test_too_big_a_graph_is_grouped_with_a_message_on_the_page(tmp_path, browser, open_page, shots):  # noqa: F811
    g = synthetic_graph(2400)  # ~3,000 nodes: above the default limit
    r = viz(g, tmp_path / "big.html")
    assert r.view.cut and r.nodes <= 1500 < g.number_of_nodes()
    open_page(r.path)
    _check_drawn(browser, r, shots, "synthetic_grouped")
    banner = browser.evaluate("[document.getElementById('mg-messages').hidden,"
                              " document.getElementById('mg-messages').textContent]")
    assert banner[0] is False and "Too big to draw one by one" in banner[1] and "tasks are grouped by" in banner[1]
    # A group box tells what it holds.
    tip = browser.evaluate("mandategraph.data.nodes.find(n => n.kind === 'aggregate').tip.rows[1]")
    assert tip[0] == "任务数 Tasks" and int(tip[1]) > 0
