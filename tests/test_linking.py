"""Linking a built core graph: link edges as frames, SIMILAR_TO in a second process at scale."""
from __future__ import annotations

import os

import pytest

from mandategraph.graph.build import BuildOptions, build_core, iter_extractions
from mandategraph.graph import linking
from mandategraph.graph.linking import LINK_TYPES, link_tables


@pytest.fixture(scope="module")
def core(documents):
    return build_core(x for _, x in iter_extractions(sorted(str(p) for p in documents.glob("*.txt"))))


def test_link_edges_come_as_frames_in_the_columns_of_the_edge_tables(core):
    links = link_tables(core, BuildOptions(), parallel_from=10**9)
    assert tuple(links.edges) == LINK_TYPES
    similar = links.edges["SIMILAR_TO"]
    assert list(similar.columns) == ["source", "target", "score", "document", "span_start", "span_end"]
    assert list(links.edges["IN_THEME"].columns)[:4] == ["source", "target", "score", "triggers"]
    # Provenance is the source task's; 台州 and 温州 2022 share the provincial template.
    row = similar.iloc[0]
    task = core.nodes[row["source"]]
    assert (row["document"], row["span_start"], row["span_end"]) == (task["document"], task["span_start"],
                                                                     task["span_end"])
    assert {core.nodes[t]["jurisdiction"] for t in similar["source"]} | \
           {core.nodes[t]["jurisdiction"] for t in similar["target"]} >= {"台州市", "温州市"}
    # The core graph gains the Theme nodes only: no link edge is a networkx edge.
    assert not [k for _, _, k in core.edges(keys=True) if k in LINK_TYPES]
    assert links.status and set(links.status.values()) <= {"continued", "new", "dropped"}


def test_similar_to_in_a_second_process_gives_the_same_links(core):
    alone = link_tables(core, BuildOptions(), parallel_from=10**9)
    apart = link_tables(core, BuildOptions(), parallel_from=0)
    for type_ in LINK_TYPES:
        assert apart.edges[type_].equals(alone.edges[type_]), type_
    assert apart.status == alone.status


def test_an_error_in_the_second_process_is_raised_in_the_build(core):
    # SIMILAR_TO alone reads this option, and only the second process links SIMILAR_TO.
    with pytest.raises(TypeError):
        link_tables(core, BuildOptions(similar_threshold="high"), parallel_from=0)
    assert _children() == []


def test_an_error_here_leaves_no_second_process_behind(core, monkeypatch):
    def broken(*a, **kw):
        raise ValueError("DETAILS could not be linked")

    monkeypatch.setattr(linking, "link_details_all", broken)
    with pytest.raises(ValueError, match="DETAILS could not be linked"):
        link_tables(core, BuildOptions(), parallel_from=0)
    assert _children() == []


def _children() -> list[str]:
    pid = os.getpid()
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return fh.read().split()
