"""Derived task properties, checked against every CONTINUES path spelled out one by one."""
from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st

from mandategraph.graph.derived import DERIVED_TASK_PROPERTIES, add_derived


@st.composite
def plans(draw):
    """Tasks of a few jurisdictions and years; CONTINUES from a year to a later one, SIMILAR_TO anywhere."""
    n = draw(st.integers(1, 14))
    tasks = [(f"t{k:02d}", draw(st.sampled_from("ABC")), draw(st.integers(2019, 2023))) for k in range(n)]
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    continues = {(tasks[a][0], tasks[b][0]) for a, b in draw(st.lists(pairs, max_size=20))
                 if tasks[a][1] == tasks[b][1] and tasks[a][2] < tasks[b][2]}
    similar = {(tasks[a][0], tasks[b][0]) for a, b in draw(st.lists(pairs, max_size=12)) if a != b}
    return tasks, continues, similar


def _paths_from(node, nexts):
    yield [node]
    for m in sorted(nexts.get(node, ())):
        for p in _paths_from(m, nexts):
            yield [node, *p]


@given(plans())
@settings(max_examples=200, deadline=None)
def test_derived_properties_are_those_of_the_paths(plan):
    tasks, continues, similar = plan
    g = nx.MultiDiGraph()
    for t, j, y in tasks:
        g.add_node(t, label="Task", jurisdiction=j, year=y)
    for a, b in continues:
        g.add_edge(a, b, key="CONTINUES", type="CONTINUES")
    for a, b in similar:
        g.add_edge(a, b, key="SIMILAR_TO", type="SIMILAR_TO")
    add_derived(g)
    nexts, prevs = {}, {}
    for a, b in continues:
        nexts.setdefault(a, set()).add(b)
        prevs.setdefault(b, set()).add(a)
    for t, j, _ in tasks:
        out = list(_paths_from(t, nexts))
        longest = max(len(p) for p in out)
        into = list(_paths_from(t, prevs))
        partners = {b for a, b in similar if a == t} | {a for a, b in similar if b == t}
        expected = (max(len(p) for p in into) - 1, longest - 1, min(p[-1] for p in out if len(p) == longest),
                    len({g.nodes[m]["jurisdiction"] for m in partners} - {j}))
        assert tuple(g.nodes[t][p] for p in DERIVED_TASK_PROPERTIES) == expected, t


def test_a_cycle_of_continues_is_an_error_naming_its_tasks():
    g = nx.MultiDiGraph()
    for t in "xyz":
        g.add_node(t, label="Task", jurisdiction="A", year=2020)
    g.add_edge("x", "y", key="CONTINUES", type="CONTINUES")
    g.add_edge("y", "x", key="CONTINUES", type="CONTINUES")
    with pytest.raises(ValueError, match="cycle through x, y"):
        add_derived(g)
