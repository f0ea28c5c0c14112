"""`build`: the seed graph, checked by hand against the documents; deterministic output."""
from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys

from mandategraph.graph.build import BuildOptions, build
from mandategraph.graph.tables import load_graph


def edges(g, type_):
    return {(u, v) for u, v, d in g.edges(data=True) if d["type"] == type_}


def unit(g, name, code):
    return g.nodes[f"U:{code}:{name}"]


def test_seed_counts_read_off_the_documents(seed_graph):
    labels = {}
    for _, d in seed_graph.nodes(data=True):
        labels[d["label"]] = labels.get(d["label"], 0) + 1
    # 5 documents; tasks: 台州 24 prose + 20 rows, 市中区 19 + 54, 荣县 15, 温州 2019 39 rows, 2022 15 + 40 rows.
    assert labels["Document"] == 5 and labels["Task"] == 44 + 73 + 15 + 39 + 55
    # 台州市, 温州市 → 浙江省; 荣县 → 自贡市 → 四川省; 市中区 → 济南市 → 山东省.
    assert labels["Jurisdiction"] == 9
    assert len(edges(seed_graph, "PART_OF")) == 6


def test_task_status_from_one_year_to_the_next(seed_graph):
    """温州 has plans for 2019 and 2022: its tasks continue, drop out or are new; one-year jurisdictions get none."""
    status: dict[tuple[str, int], set[str]] = {}
    for _, d in seed_graph.nodes(data=True):
        if d["label"] == "Task":
            status.setdefault((d["jurisdiction"], d["year"]), set()).add(d["status"])
    assert status[("温州市", 2019)] == {"continued", "dropped"}
    assert status[("温州市", 2022)] == {"continued", "new"}
    assert status[("台州市", 2022)] == {""} and status[("荣县", 2019)] == {""}


def test_same_unit_in_two_years_is_one_node_with_its_names(seed_graph):
    fgw = unit(seed_graph, "市发展和改革委员会", "330300")  # 温州: 市发改委 (2019), 市发展改革委 (2022 annex list)
    assert fgw["names_by_year"] == ["2019:市发改委", "2022:市发展改革委"]
    bigdata = unit(seed_graph, "市大数据发展管理局", "330300")
    assert "2019:市大数据局" in bigdata["names_by_year"] and "2022:市大数据发展管理局" in bigdata["names_by_year"]


def test_look_alike_units_stay_apart(seed_graph):
    assert "U:331000:市大数据发展管理局" in seed_graph and "U:331000:市大数据发展中心" in seed_graph


def test_unit_of_the_parent_city_named_in_a_district_plan(seed_graph):
    branch = unit(seed_graph, "市生态环境局市中分局", "370100")
    assert branch["jurisdiction"] == "济南市"
    assert ("U:370100:市生态环境局市中分局", "J:370100") in edges(seed_graph, "BELONGS_TO")


def test_group_units_link_to_the_members_the_annex_lists(seed_graph):
    members = {u for u, v in edges(seed_graph, "MEMBER_OF") if v == "U:331000:市级有关单位"}
    assert len(members) == 54  # 台州 附件2 lists 54 units
    assert "U:331000:市大数据发展中心" in members and "U:331000:台州海关" in members
    members_wz = {u for u, v in edges(seed_graph, "MEMBER_OF") if v == "U:330300:市级有关单位"}
    assert len(members_wz) == 22


def test_mandates_carry_their_wording_and_provenance(seed_graph):
    leads = [(u, v, d) for u, v, d in seed_graph.edges(data=True) if d["type"] == "LEADS"
             and u == "U:330300:市信访局"]
    assert leads, "温州 2019 2.(4): 市信访局牵头"
    u, v, d = next(x for x in leads if seed_graph.nodes[x[1]]["year"] == 2019)
    assert d["raw"] == "市信访局" and d["role_word"] == "牵头" and "市大数据局配合" in d["evidence"]
    task = seed_graph.nodes[v]
    assert d["document"] == task["document"] and d["span_start"] == task["span_start"]
    assists = {x for x, y in edges(seed_graph, "ASSISTS") if y == v}
    assert assists == {"U:330300:市大数据发展管理局"}


def test_rebuild_is_byte_identical_and_adding_a_document_changes_no_id(tmp_path, documents):
    a, b = tmp_path / "a", tmp_path / "b"
    build([documents], a)
    build([documents], b)
    for name in sorted(p.name for p in (a / "tables").iterdir() if p.suffix == ".csv"):
        assert filecmp.cmp(a / "tables" / name, b / "tables" / name, shallow=False), name
    four = tmp_path / "four"
    four.mkdir()
    for p in sorted(documents.glob("*.txt"))[:4]:
        shutil.copy(p, four / p.name)
    build([four], tmp_path / "c")
    small, full = load_graph(tmp_path / "c"), load_graph(a)
    for node, data in small.nodes(data=True):
        assert node in full
        if data["label"] in ("Task", "Document"):
            assert full.nodes[node]["text" if data["label"] == "Task" else "source"] == \
                data["text" if data["label"] == "Task" else "source"]


def test_build_writes_the_graph_that_build_graph_makes(tmp_path, documents):
    """`build` keeps the link edges as frames and writes them as they are, and lets go of the
    extractions before linking; the tables are those of the whole networkx graph all the same."""
    from mandategraph.graph.build import build_graph, iter_extractions
    from mandategraph.graph.summary import summarize
    from mandategraph.graph.tables import write_tables

    result = build([documents], tmp_path / "framed", BuildOptions(ladybug=False))
    extractions = [x for _, x in iter_extractions(sorted(str(p) for p in documents.glob("*.txt")))]
    whole = build_graph(extractions)
    write_tables(whole, tmp_path / "whole")
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert "edges_SIMILAR_TO.csv" in names and "nodes_Task.csv" in names
    for name in names:
        assert filecmp.cmp(tmp_path / "framed" / "tables" / name, tmp_path / "whole" / name, shallow=False), name
    assert sorted(result.graph.edges(keys=True)) == sorted(whole.edges(keys=True))
    assert result.summary["edges"]["SIMILAR_TO"] == len(edges(whole, "SIMILAR_TO")) > 0
    assert result.summary["documents"] == 5 and result.summary["unplaced"] == sum(len(x.unplaced) for x in extractions)
    # The core edges' tables were written before linking and their frames let go: the summary is
    # still the whole graph's.
    assert result.summary == json.loads(json.dumps(summarize(whole, extractions, []), ensure_ascii=False))
    assert result.summary["tasks_with_lead"] > 0 and result.summary["edges"]["LEADS"] == len(edges(whole, "LEADS"))


def test_build_command_prints_a_summary(tmp_path, documents):
    r = subprocess.run([sys.executable, "-m", "mandategraph", "build", str(documents), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "documents: 5  failed: 0" in r.stdout
    assert "温州市 2019: 39" in r.stdout and "济南市市中区 2024: 73" in r.stdout
    assert "theme coverage:" in r.stdout


def test_a_bad_file_in_the_input_fails_alone(tmp_path, documents):
    docs = tmp_path / "docs"
    shutil.copytree(documents, docs)
    (docs / "broken.txt").write_bytes(b"\x00\xff" * 300)
    r = subprocess.run([sys.executable, "-m", "mandategraph", "build", str(docs), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "broken.txt" in r.stderr and "Traceback" not in r.stderr
    assert "documents: 5  failed: 1" in r.stdout


def test_link_settings_out_of_range_are_refused_before_anything_is_written(tmp_path, documents):
    for flag, value in (("--similar-top-k", "-1"), ("--continues-relative", "2"), ("--continues-level", "2")):
        r = subprocess.run([sys.executable, "-m", "mandategraph", "build", str(documents), "--out", str(tmp_path / "o"),
                            flag, value], capture_output=True, text=True)
        assert r.returncode == 2 and f"Invalid value for '{flag}'" in r.stderr
        assert not (tmp_path / "o").exists()



def test_the_cycle_collector_is_paused_while_extracting_and_given_back_as_it_was(tmp_path):
    import gc

    import pytest

    from mandategraph.graph.build import collector_paused, extract_all

    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    seen = []
    extractions, errors = extract_all([str(bad)], progress=lambda k, n: seen.append(gc.isenabled()))
    assert seen == [False] and gc.isenabled()
    assert extractions == [] and errors[0][0] == str(bad)
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
