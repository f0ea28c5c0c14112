"""The query library: every named question, answered on graphs whose answers are known.

``small_graph`` is graph/sample.py plus a 温州市 2024 plan, so that every
question has something to find. Its answers below were worked out by hand
from the nodes and edges listed here, not by running the queries:

* Tasks: 温州市 2019 ``T:wz2019:1``; 温州市 2022 ``T:wz2022:1`` ``T:wz2022:2``
  and (added) ``T:wz2022:3`` (no unit, no deadline); (added) 温州市 2024
  ``T:wz2024:1`` (deadline ongoing); 台州市 2022 ``T:tz2022:1``.
* Mandates: 温州 市大数据发展管理局 leads wz2019:1 and wz2022:1 and (added)
  assists wz2024:1; 市疫情防控办 leads wz2022:2 and (added) wz2022:1; 台州
  市大数据发展管理局 leads tz2022:1, 市级有关单位 assists it.
* CONTINUES wz2019:1 → wz2022:1 → (added) wz2024:1; SIMILAR_TO wz2022:1 → tz2022:1.
"""
from __future__ import annotations

import re

import pytest

from mandategraph.errors import QueryError, UnknownNameError
from mandategraph.graph.ladybug_store import write_ladybug
from mandategraph.graph.sample import sample_graph
from mandategraph.graph.tables import write_tables
from mandategraph.queries.library import bind_params, get_query, list_queries, run_query

NAMES = ["co_leads", "continued_chains", "deadlines_by_month", "group_members", "jurisdiction_year_tasks",
         "shares_work_with", "task_status", "tasks_citing", "tasks_without_lead", "template_tasks",
         "themes_by_year", "unit_load", "unit_tasks"]


def small_graph():
    g = sample_graph()
    prov = {"document": "", "span_start": 0, "span_end": 0}
    g.add_node("D:wz2024", label="Document", title="2024年温州市政务公开工作要点", doc_number="", issuer="", year=2024,
               jurisdiction="温州市", source="wz2024.txt", checksum="wz2024", dates=[], encoding="utf-8",
               format="txt", **prov)
    g.add_edge("J:330300", "D:wz2024", key="ISSUED", type="ISSUED", **prov)
    for tid, doc, year, text, marker, deadline in [
            ("T:wz2022:3", "D:wz2022", 2022, "加强政务公开培训", "2", ""),
            ("T:wz2024:1", "D:wz2024", 2024, "持续开放公共数据", "1", "ongoing")]:
        g.add_node(tid, label="Task", text=text, year=year, jurisdiction="温州市", document=doc, source="prose",
                   path=[marker], marker=marker, deadline_raw="长期坚持" if deadline else "", deadline=deadline,
                   status="", span_start=0, span_end=len(text))
        g.add_edge(doc, tid, key="CONTAINS", type="CONTAINS", **prov)
    mandate = {"role_word": "", "evidence": "", "implied_others": 0, **prov}
    g.add_edge("U:330300:市大数据发展管理局", "T:wz2024:1", key="ASSISTS", type="ASSISTS", raw="市大数据局", **mandate)
    g.add_edge("U:330300:市疫情防控办", "T:wz2022:1", key="LEADS", type="LEADS", raw="市疫情防控办", **mandate)
    g.add_edge("T:wz2024:1", "Th:open_data", key="IN_THEME", type="IN_THEME", score=0.9, triggers=["公共数据"], **prov)
    g.add_edge("T:wz2022:1", "T:wz2024:1", key="CONTINUES", type="CONTINUES", score=0.7, **prov)
    return g


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "out"
    write_tables(small_graph(), out / "tables")
    write_ladybug(out / "tables", out / "graph.lbug")
    return out


def rows(name, graph_dir, **params):
    return [tuple(r) for r in run_query(name, params, graph_dir)[1]]


# ---------------------------------------------------------------- the files

def test_the_library_has_the_thirteen_questions():
    assert [q.name for q in list_queries()] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_query_file_starts_with_its_description_and_params(name):
    lines = get_query(name).text.splitlines()
    assert lines[0].startswith("// description: ") and len(lines[0]) > 30
    assert lines[1].startswith("// params:")


@pytest.mark.parametrize("name", NAMES)
def test_each_query_keeps_to_the_portable_subset_and_orders_by_every_column(name):
    text = "\n".join(line for line in get_query(name).text.splitlines() if not line.lstrip().startswith("//"))
    for construct in (r"\btype\s*\(", r"\blabel\s*\(", r"CALL\s*\{", r"\bFOREACH\b", r"\[\s*\w+\s+IN\b",
                      r"\w\s*\{\s*\.", r"\+=", r"\bapoc\.", r"\bshortestPath\b", r"\bsubstring\s*\("):
        assert not re.search(construct, text, re.I), construct
    returned = re.search(r"\bRETURN\s+(?:DISTINCT\s+)?(.*?)\s*ORDER BY", text, re.S).group(1)
    aliases = [re.split(r"\s+AS\s+", item.strip())[-1].strip("`") for item in _top_level_split(returned)]
    order = re.search(r"ORDER BY\s+(.*?)(?:\s+LIMIT\b.*)?$", text, re.S).group(1)
    ordered = [re.sub(r"\s+(DESC|ASC)$", "", item.strip()).strip("`") for item in order.split(",")]
    assert sorted(ordered) == sorted(aliases)


def _top_level_split(s: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def test_params_line_gives_defaults_and_types():
    q = get_query("unit_load")
    assert bind_params(q, {}) == {"jurisdiction": "", "limit": 20}
    assert bind_params(get_query("task_status"), {"jurisdiction": "温州市", "from_year": "2019", "to_year": 2022}) == {
        "jurisdiction": "温州市", "from_year": 2019, "to_year": 2022}
    # The CLI reads `title=2022` as the integer 2022: a string parameter gets its text back.
    assert bind_params(get_query("tasks_citing"), {"title": 2022}) == {"title": "2022"}


def test_unknown_query_names_list_the_known_ones():
    with pytest.raises(UnknownNameError) as err:
        get_query("unit_loads")
    assert str(err.value) == "unknown cypher query 'unit_loads'; known: " + ", ".join(NAMES)


def test_bad_parameters_are_query_errors(small):
    with pytest.raises(QueryError, match="needs --param unit="):
        run_query("unit_tasks", {}, small)
    with pytest.raises(QueryError, match="has no parameter year; its parameters: jurisdiction=\"\", limit=20"):
        run_query("unit_load", {"year": 2022}, small)
    with pytest.raises(QueryError, match="from_year must be int"):
        run_query("task_status", {"jurisdiction": "温州市", "from_year": "last", "to_year": 2022}, small)


def test_an_unknown_store_lists_the_known_ones(small):
    with pytest.raises(UnknownNameError, match="unknown store 'neo5j'; known: .*ladybug"):
        run_query("unit_load", {}, small, store="neo5j")


# ---------------------------------------------------------------- answers on the small graph

def test_unit_load(small):
    assert rows("unit_load", small) == [
        ("U:330300:市大数据发展管理局", "市大数据发展管理局", "温州市", 2, 1),
        ("U:330300:市疫情防控办", "市疫情防控办", "温州市", 2, 0),
        ("U:331000:市大数据发展管理局", "市大数据发展管理局", "台州市", 1, 0),
        ("U:331000:市级有关单位", "市级有关单位", "台州市", 0, 1)]
    assert rows("unit_load", small, limit=2) == rows("unit_load", small)[:2]
    assert [r[0] for r in rows("unit_load", small, jurisdiction="台州市")] == [
        "U:331000:市大数据发展管理局", "U:331000:市级有关单位"]


def test_unit_tasks_by_alias_and_by_name(small):
    assert rows("unit_tasks", small, unit="市大数据局") == [
        (2019, "lead", "T:wz2019:1", "建成全市统一公共数据开放平台"),
        (2022, "lead", "T:tz2022:1", "编制全市数据开放目录,有序开放公共数据<script>alert(1)</script>"),
        (2022, "lead", "T:wz2022:1", "编制全市公共数据开放目录，有序开放公共数据"),
        (2024, "assist", "T:wz2024:1", "持续开放公共数据")]
    assert rows("unit_tasks", small, unit="市疫情防控办") == [
        (2022, "lead", "T:wz2022:1", "编制全市公共数据开放目录，有序开放公共数据"),
        (2022, "lead", "T:wz2022:2", "统筹做好疫情防控信息发布")]
    assert rows("unit_tasks", small, unit="市教育局") == []


def test_jurisdiction_year_tasks_one_row_per_mandate(small):
    assert rows("jurisdiction_year_tasks", small, jurisdiction="温州市", year=2022) == [
        ("T:wz2022:1", "1", "lead", "市大数据发展管理局", "2022-12-31"),
        ("T:wz2022:1", "1", "lead", "市疫情防控办", "2022-12-31"),
        ("T:wz2022:2", "1", "lead", "市疫情防控办", "2022-12-31"),
        ("T:wz2022:3", "2", "", "", "")]
    assert rows("jurisdiction_year_tasks", small, jurisdiction="台州市", year=2022) == [
        ("T:tz2022:1", "1", "lead", "市大数据发展管理局", "2022-12-31"),
        ("T:tz2022:1", "1", "assist", "市级有关单位", "2022-12-31")]


def test_co_leads(small):
    assert rows("co_leads", small) == [("市大数据发展管理局", "市疫情防控办", 1)]
    assert rows("co_leads", small, jurisdiction="台州市") == []


def test_themes_by_year(small):
    assert rows("themes_by_year", small) == [
        ("台州市", 2022, "公共数据开放", 1),
        ("温州市", 2019, "公共数据开放", 1),
        ("温州市", 2022, "公共数据开放", 1),
        ("温州市", 2022, "疫情防控", 1),
        ("温州市", 2024, "公共数据开放", 1)]


def test_task_status_between_two_years(small):
    assert rows("task_status", small, jurisdiction="温州市", from_year=2019, to_year=2022) == [
        ("T:wz2019:1", 2019, "continued"), ("T:wz2022:2", 2022, "new"), ("T:wz2022:3", 2022, "new")]
    assert rows("task_status", small, jurisdiction="温州市", from_year=2022, to_year=2024) == [
        ("T:wz2022:1", 2022, "continued"), ("T:wz2022:2", 2022, "dropped"), ("T:wz2022:3", 2022, "dropped")]


def test_continued_chains(small):
    assert rows("continued_chains", small) == [("T:wz2019:1", "T:wz2024:1", 3)]
    assert rows("continued_chains", small, min_years=2) == [("T:wz2019:1", "T:wz2024:1", 3)]  # maximal chains only
    assert rows("continued_chains", small, min_years=4) == []


def test_template_tasks(small):
    assert rows("template_tasks", small) == [("T:tz2022:1", "台州市", 1), ("T:wz2022:1", "温州市", 1)]
    assert rows("template_tasks", small, min_jurisdictions=3) == []


def test_tasks_without_lead(small):
    assert rows("tasks_without_lead", small) == [
        ("T:wz2022:3", "温州市", 2022, "加强政务公开培训"),
        ("T:wz2024:1", "温州市", 2024, "持续开放公共数据")]
    assert rows("tasks_without_lead", small, jurisdiction="台州市") == []


def test_deadlines_by_month(small):
    assert rows("deadlines_by_month", small) == [
        ("台州市", "2022-12", 1), ("温州市", "2019-12", 1), ("温州市", "2022-12", 2), ("温州市", "ongoing", 1)]


def test_group_members(small):
    assert run_query("group_members", {}, small) == (
        ["group_id", "group", "member_id", "member"],
        [["U:331000:市级有关单位", "市级有关单位", "U:331000:市大数据发展管理局", "市大数据发展管理局"]])
    assert rows("group_members", small, jurisdiction="温州市") == []


def test_tasks_citing(small):
    assert rows("tasks_citing", small, title="公共数据") == [("浙江省公共数据条例", "T:tz2022:1", "台州市", 2022)]
    assert rows("tasks_citing", small, title="数据安全法") == []


def test_shares_work_with(small):
    assert rows("shares_work_with", small, unit="市疫情防控办") == [("市疫情防控办", "市大数据发展管理局", 1)]
    assert rows("shares_work_with", small, unit="市大数据局") == [
        ("市大数据发展管理局", "市疫情防控办", 1), ("市大数据发展管理局", "市级有关单位", 1)]


# ---------------------------------------------------------------- the columns the SPARQL twins match

def test_result_columns_are_the_agreed_ones(small):
    params = {"unit_tasks": {"unit": "x"}, "jurisdiction_year_tasks": {"jurisdiction": "x", "year": 1},
              "task_status": {"jurisdiction": "x", "from_year": 1, "to_year": 2}, "tasks_citing": {"title": "x"},
              "shares_work_with": {"unit": "x"}}
    columns = {name: run_query(name, params.get(name, {}), small)[0] for name in NAMES}
    assert columns == {
        "unit_load": ["unit_id", "unit", "jurisdiction", "leads", "assists"],
        "unit_tasks": ["year", "role", "task_id", "text"],
        "jurisdiction_year_tasks": ["task_id", "marker", "role", "unit", "deadline"],
        "co_leads": ["unit_a", "unit_b", "shared"],
        "themes_by_year": ["jurisdiction", "year", "theme", "tasks"],
        "task_status": ["task_id", "year", "status"],
        "continued_chains": ["start_id", "end_id", "years"],
        "template_tasks": ["task_id", "jurisdiction", "similar_jurisdictions"],
        "tasks_without_lead": ["task_id", "jurisdiction", "year", "text"],
        "deadlines_by_month": ["jurisdiction", "month", "tasks"],
        "group_members": ["group_id", "group", "member_id", "member"],
        "tasks_citing": ["instrument", "task_id", "jurisdiction", "year"],
        "shares_work_with": ["unit", "other_unit", "shared"],
    }
