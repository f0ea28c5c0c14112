"""Views, grouping, layout and page text of the explorer, without a browser."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from conftest_browser import HOSTILE, hostile_graph  # noqa: F401
from mandategraph.bench.synthetic_graph import synthetic_graph
from mandategraph.errors import QueryError, UnknownNameError
from mandategraph.graph.sample import sample_graph
from mandategraph.viz import Filters, fit_view, make_view, render
from mandategraph.viz.layout import column_layout, layout


def edges(view):
    return sorted((u, v, k) for u, v, k in view.graph.edges(keys=True))


def test_full_view_without_filters_is_the_whole_graph():
    g = sample_graph()
    v = make_view(g)
    assert (v.name, sorted(v.graph.nodes), edges(v)) == ("full", sorted(g.nodes), sorted(g.edges(keys=True)))


def test_full_view_of_a_jurisdiction_year():
    v = make_view(sample_graph(), "full", Filters(jurisdiction="温州市", year=2022))
    assert sorted(v.graph.nodes) == ["D:wz2022", "J:330300", "T:wz2022:1", "T:wz2022:2", "Th:epidemic", "Th:open_data",
                                     "U:330300:市大数据发展管理局", "U:330300:市疫情防控办"]
    assert edges(v) == [
        ("D:wz2022", "T:wz2022:1", "CONTAINS"), ("D:wz2022", "T:wz2022:2", "CONTAINS"),
        ("J:330300", "D:wz2022", "ISSUED"),
        ("T:wz2022:1", "Th:open_data", "IN_THEME"), ("T:wz2022:2", "Th:epidemic", "IN_THEME"),
        ("U:330300:市大数据发展管理局", "J:330300", "BELONGS_TO"), ("U:330300:市大数据发展管理局", "T:wz2022:1", "LEADS"),
        ("U:330300:市疫情防控办", "J:330300", "BELONGS_TO"), ("U:330300:市疫情防控办", "T:wz2022:2", "LEADS")]
    assert v.messages == []


def test_province_filter_includes_its_cities():
    v = make_view(sample_graph(), "full", Filters(jurisdiction="浙江省"))
    assert sorted(n for n in v.graph if n.startswith("T:")) == ["T:tz2022:1", "T:wz2019:1", "T:wz2022:1", "T:wz2022:2"]


def test_role_filter_keeps_only_that_role():
    v = make_view(sample_graph(), "full", Filters(role="assist"))
    assert sorted(v.graph.nodes) == ["D:tz2022", "I:1", "J:331000", "T:tz2022:1", "Th:open_data", "U:331000:市级有关单位"]
    assert [e for e in edges(v) if e[2] in ("LEADS", "ASSISTS")] == [("U:331000:市级有关单位", "T:tz2022:1", "ASSISTS")]


def test_theme_filter_by_english_label():
    v = make_view(sample_graph(), "full", Filters(theme="epidemic prevention and control"))
    assert sorted(n for n in v.graph if n.startswith("T:")) == ["T:wz2022:2"]


def test_unit_view_is_the_units_neighbourhood():
    v = make_view(sample_graph(), None, Filters(unit="市大数据局", jurisdiction="温州市"))
    assert v.name == "unit" and v.focus == ["U:330300:市大数据发展管理局"]
    assert edges(v) == [("T:wz2019:1", "T:wz2022:1", "CONTINUES"), ("T:wz2019:1", "Th:open_data", "IN_THEME"),
                        ("T:wz2022:1", "Th:open_data", "IN_THEME"),
                        ("U:330300:市大数据发展管理局", "T:wz2019:1", "LEADS"),
                        ("U:330300:市大数据发展管理局", "T:wz2022:1", "LEADS")]


def test_unit_view_of_a_group_shows_its_members_and_co_units():
    v = make_view(sample_graph(), "unit", Filters(unit="市级有关单位"))
    assert sorted(v.graph.nodes) == ["T:tz2022:1", "Th:open_data", "U:331000:市大数据发展管理局", "U:331000:市级有关单位"]


def test_unit_theme_view_counts_tasks_per_role():
    v = make_view(sample_graph(), "unit-theme")
    got = sorted((u, t, d["lead"], d["assist"], d["tasks"]) for u, t, d in v.graph.edges(data=True))
    assert got == [("U:330300:市大数据发展管理局", "Th:open_data", 2, 0, 2), ("U:330300:市疫情防控办", "Th:epidemic", 1, 0, 1),
                   ("U:331000:市大数据发展管理局", "Th:open_data", 1, 0, 1), ("U:331000:市级有关单位", "Th:open_data", 0, 1, 1)]


def test_continuity_view_puts_years_in_columns_and_aligns_continued_tasks():
    v = make_view(sample_graph(), "continuity", Filters(jurisdiction="温州市"))
    assert sorted(v.graph.nodes) == ["D:wz2019", "D:wz2022", "T:wz2019:1", "T:wz2022:1", "T:wz2022:2"]
    assert edges(v) == [("T:wz2019:1", "T:wz2022:1", "CONTINUES")]
    pos = column_layout(v.graph)
    assert pos["T:wz2019:1"][0] == pos["D:wz2019"][0] < pos["T:wz2022:1"][0] == pos["D:wz2022"][0]
    # The continued task sits on the row of the task it continues.
    assert pos["T:wz2022:1"][1] == pos["T:wz2019:1"][1] < pos["T:wz2022:2"][1]


def test_continuity_of_a_single_year_says_so():
    v = make_view(sample_graph(), "continuity", Filters(jurisdiction="台州市"))
    assert v.messages == ["Only one year (2022) matches: nothing can continue."]


@pytest.mark.parametrize("filters, error, text", [
    (Filters(jurisdiction="杭州市"), UnknownNameError, "unknown jurisdiction '杭州市'; known: 台州市, 浙江省, 温州市"),
    (Filters(jurisdiction="温州市", year=2030), UnknownNameError, "unknown year '2030'; known: 2019, 2022"),
    (Filters(unit="市大数据局"), QueryError, "unit '市大数据局' exists in 台州市, 温州市; pass --jurisdiction to choose one"),
    (Filters(theme="no such theme"), UnknownNameError, "unknown theme 'no such theme'; known: 公共数据开放, 疫情防控"),
])
def test_bad_filters_raise_typed_errors(filters, error, text):
    with pytest.raises(error) as info:
        make_view(sample_graph(), "full", filters)
    assert str(info.value) == text


def test_unknown_view_lists_the_views():
    with pytest.raises(UnknownNameError, match="known: continuity, full, unit, unit-theme"):
        make_view(sample_graph(), "map")


def test_small_views_are_not_grouped():
    v = make_view(sample_graph())
    assert fit_view(v, 100) is v


def test_big_view_is_grouped_by_jurisdiction_year_theme_with_a_message():
    g = synthetic_graph(1200)
    v = fit_view(make_view(g), max_nodes=1000)
    tasks_left = sum(1 for _, d in v.graph.nodes(data=True) if d["label"] == "Task")
    groups = [d for _, d in v.graph.nodes(data=True) if d["label"] == "Aggregate"]
    assert v.cut and tasks_left == 0 and v.graph.number_of_nodes() <= 1000
    assert sum(d["count"] for d in groups) == 1200  # every task is in exactly one box
    assert v.messages[0] == (f"Too big to draw one by one: {g.number_of_nodes():,} nodes and {g.number_of_edges():,} "
                             "edges, above the limit of 1,000 nodes (--max-nodes).")
    assert v.messages[1] == f"1,200 tasks are grouped by jurisdiction × year × theme into {len(groups):,} boxes (hover one for its tasks)."
    assert (v.source_nodes, v.source_edges) == (g.number_of_nodes(), g.number_of_edges())


def test_a_view_still_too_big_after_grouping_is_cut_least_connected_first():
    g = synthetic_graph(1200)
    v = fit_view(make_view(g), max_nodes=60, max_edges=200)
    assert v.graph.number_of_nodes() == 60 and v.graph.number_of_edges() <= 200
    labels = {d["label"] for _, d in v.graph.nodes(data=True)}
    assert "Jurisdiction" in labels and "Task" not in labels
    assert any(m.startswith("Left out, least connected first: ") and "Unit" in m for m in v.messages)
    assert v.messages[-1] == "Narrow the view with --jurisdiction, --year, --theme or --unit to see every task."


def test_layout_is_deterministic_and_leaves_random_state_alone():
    import random

    g = synthetic_graph(150)
    state = random.getstate()
    a, b = layout(g, seed=1), layout(g, seed=1)
    assert random.getstate() == state
    assert a == b and set(a) == set(g.nodes)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.data: dict[str, str] = {}
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = dict(attrs).get("id")

    def handle_data(self, data):
        if self._in:
            self.data[self._in] = self.data.get(self._in, "") + data


def test_page_is_self_contained_and_document_text_is_never_markup(hostile_graph):  # noqa: F811
    text, drawn = render(hostile_graph)
    p = _Tags()
    p.feed(text)
    tags = [t for t, _ in p.tags]
    # Three scripts (data, vis-network, ours), no external resource, no event-handler attribute anywhere.
    assert tags.count("script") == 3 and "img" not in tags and "link" not in tags and "iframe" not in tags
    assert all("src" not in a and not any(k.startswith("on") for k in a) for _, a in p.tags)
    assert all(a.get("href", "#").startswith("#") for _, a in p.tags)
    assert not re.search(r"https?://", text.split('<script type="application/json"')[0])  # head, legend, messages
    # The data block holds every hostile text exactly, as data.
    data = json.loads(p.data["mg-data"])
    texts = [r[1] for n in data["nodes"] for r in n["tip"]["rows"]] + [n["label"] for n in data["nodes"]]
    for h in HOSTILE:
        assert any(h in t for t in texts), h  # each survived verbatim, "</script>" included
    assert len(data["nodes"]) == drawn.graph.number_of_nodes() and len(data["edges"]) == drawn.graph.number_of_edges()


def test_page_is_written_as_utf8(tmp_path):
    from mandategraph.viz import viz

    r = viz(sample_graph(), tmp_path / "p.html")
    raw = r.path.read_bytes()
    assert "温州市".encode("utf-8") in raw and b'<meta charset="utf-8">' in raw
