"""Fixtures of the viz, plot and report tests: one headless Chromium per session, hostile graphs.

Import the fixtures into a test module with
``from conftest_browser import browser, open_page, hostile_graph  # noqa: F401``.
"""
from __future__ import annotations

import itertools

import networkx as nx
import pytest

from browser import Chromium, chromium_path

__all__ = ["browser", "open_page", "hostile_graph", "HOSTILE", "drawn_counts", "PAGE_READY", "CHARTS_READY"]

PAGE_READY = "window.mandategraph && window.mandategraph.ready"
CHARTS_READY = "window.mandategraphCharts && window.mandategraphCharts.ready"

# Each would set window.__pwned or open a dialog if it ever ran as HTML or script.
HOSTILE = (
    "<script>window.__pwned='script';alert('script')</script>",
    "<img src=x onerror=\"window.__pwned='img';alert('img')\">",
    "</script><script>window.__pwned='close';alert('close')</script>",
    "<svg onload=\"window.__pwned='svg'\"></svg>",
    "\u2028\u2029 ' \" & <b>bold</b> {{DATA}}",
)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium with a fresh profile, closed at the end of the session."""
    if not chromium_path():
        pytest.fail("chromium is not installed: apt-get install -y chromium fonts-noto-cjk "
                    "(or deselect with -m 'not browser')")
    with Chromium() as b:
        yield b


@pytest.fixture
def open_page(browser):
    """``open_page(path, ready=PAGE_READY)``: load a page and assert it fetched nothing and raised nothing."""

    def _open(path, ready: str | None = PAGE_READY):
        load = browser.open(path, ready=ready)
        assert load.problems == []
        assert load.requests == [load.url], "the page asked for something besides itself"
        return load

    return _open


def drawn_counts(browser) -> tuple[int, int]:
    """Nodes and edges vis-network has in its drawing body (what it renders each frame)."""
    return tuple(browser.evaluate("[mandategraph.network.body.nodeIndices.length, "
                                  "mandategraph.network.body.edgeIndices.length]"))


@pytest.fixture
def hostile_graph() -> nx.MultiDiGraph:
    """A small valid graph whose every document text is an injection attempt."""
    from mandategraph.graph.sample import sample_graph

    g = sample_graph()
    texts = itertools.cycle(HOSTILE)
    for n, d in g.nodes(data=True):
        if d["label"] == "Task":
            d["text"] = next(texts) + d["text"]
            d["marker"] = next(texts)[:20]
        elif d["label"] == "Unit":
            d["aliases"] = [next(texts)]
        elif d["label"] == "Document":
            d["title"] = next(texts)
        elif d["label"] == "Theme":
            d["definition"] = next(texts)
        elif d["label"] == "Instrument":
            d["title"] = next(texts)
    for _, _, k, d in g.edges(keys=True, data=True):
        if k in ("LEADS", "ASSISTS"):
            d["evidence"] = next(texts)
    # A unit whose very name is markup: it is drawn as a label and listed in the workload plot.
    g.add_node("U:331000:x", label="Unit", name=HOSTILE[1], aliases=[], names_by_year=[], kind="department",
               jurisdiction="台州市", is_group=0, document="", span_start=0, span_end=0)
    g.add_edge("U:331000:x", "T:tz2022:1", key="LEADS", type="LEADS", raw=HOSTILE[0], role_word="牵头",
               evidence=HOSTILE[2], implied_others=0, document="D:tz2022", span_start=0, span_end=0)
    return g
