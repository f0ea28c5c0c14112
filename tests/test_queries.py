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
from mandategraph.graph.derived import add_derived
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
    add_derived(g)
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
    final = text[text.rindex("RETURN"):]  # a WITH before may order and cut on its own
    returned = re.search(r"\bRETURN\s+(?:DISTINCT\s+)?(.*?)\s*ORDER BY", final, re.S).group(1)
    aliases = [re.split(r"\s+AS\s+", item.strip())[-1].strip("`") for item in _top_level_split(returned)]
    order = re.search(r"ORDER BY\s+(.*?)(?:\s+LIMIT\b.*)?$", final, re.S).group(1)
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
        "jurisdiction": "温州市", "from_year": 2019, "to_year": 2022, "limit": 1000}
    # The CLI reads `title=2022` as the integer 2022: a string parameter gets its text back.
    assert bind_params(get_query("tasks_citing"), {"title": 2022}) == {"title": "2022", "limit": 1000}


def test_every_query_is_bounded_by_a_limit():
    for language in ("cypher", "sparql"):
        for q in list_queries(language):
            assert q.params["limit"].type == "int" and q.params["limit"].default in (20, 1000), q.name
            assert q.text.rstrip().endswith("LIMIT $limit"), q.name


def test_limit_keeps_the_first_rows_in_the_query_order(small):
    for name, params in [("unit_load", {}), ("template_tasks", {}), ("deadlines_by_month", {"jurisdiction": "温州市"}),
                         ("unit_tasks", {"unit": "市大数据局", "jurisdiction": "温州市"})]:
        everything = rows(name, small, **params)
        assert len(everything) >= 2, name
        assert rows(name, small, **params, limit=1) == everything[:1]
        assert rows(name, small, **params, limit=0) == []


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
    assert rows("unit_tasks", small, unit="市大数据局", jurisdiction="温州市") == [
        (2019, "lead", "T:wz2019:1", "建成全市统一公共数据开放平台"),
        (2022, "lead", "T:wz2022:1", "编制全市公共数据开放目录，有序开放公共数据"),
        (2024, "assist", "T:wz2024:1", "持续开放公共数据")]
    assert rows("unit_tasks", small, unit="市大数据局", jurisdiction="台州市") == [
        (2022, "lead", "T:tz2022:1", "编制全市数据开放目录,有序开放公共数据<script>alert(1)</script>")]
    assert rows("unit_tasks", small, unit="市疫情防控办", jurisdiction="温州市") == [
        (2022, "lead", "T:wz2022:1", "编制全市公共数据开放目录，有序开放公共数据"),
        (2022, "lead", "T:wz2022:2", "统筹做好疫情防控信息发布")]
    assert rows("unit_tasks", small, unit="市疫情防控办", jurisdiction="台州市") == []
    assert rows("unit_tasks", small, unit="市教育局", jurisdiction="温州市") == []


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
    assert rows("co_leads", small, jurisdiction="温州市") == [("市大数据发展管理局", "市疫情防控办", 1)]
    assert rows("co_leads", small, jurisdiction="台州市") == []


def test_themes_by_year(small):
    assert rows("themes_by_year", small, jurisdiction="台州市") == [("台州市", 2022, "公共数据开放", 1)]
    assert rows("themes_by_year", small, jurisdiction="温州市") == [
        ("温州市", 2019, "公共数据开放", 1),
        ("温州市", 2022, "公共数据开放", 1),
        ("温州市", 2022, "疫情防控", 1),
        ("温州市", 2024, "公共数据开放", 1)]


def test_task_status_between_two_years(small):
    """Each task once per link (the linked task and the link's score), or once with its status alone."""
    assert rows("task_status", small, jurisdiction="温州市", from_year=2019, to_year=2022) == [
        ("T:wz2019:1", 2019, "continued", "T:wz2022:1", 0.61), ("T:wz2022:1", 2022, "continued", "T:wz2019:1", 0.61),
        ("T:wz2022:2", 2022, "new", "", 0.0), ("T:wz2022:3", 2022, "new", "", 0.0)]
    assert rows("task_status", small, jurisdiction="温州市", from_year=2022, to_year=2024) == [
        ("T:wz2022:1", 2022, "continued", "T:wz2024:1", 0.7), ("T:wz2022:2", 2022, "dropped", "", 0.0),
        ("T:wz2022:3", 2022, "dropped", "", 0.0), ("T:wz2024:1", 2024, "continued", "T:wz2022:1", 0.7)]


def test_continued_chains(small):
    assert rows("continued_chains", small) == [("T:wz2019:1", "T:wz2024:1", 3)]
    assert rows("continued_chains", small, min_years=2) == [("T:wz2019:1", "T:wz2024:1", 3)]  # from chain starts only
    assert rows("continued_chains", small, min_years=4) == []
    assert rows("continued_chains", small, jurisdiction="温州市") == [("T:wz2019:1", "T:wz2024:1", 3)]
    assert rows("continued_chains", small, jurisdiction="台州市") == []


def test_template_tasks(small):
    assert rows("template_tasks", small) == [("T:tz2022:1", "台州市", 1), ("T:wz2022:1", "温州市", 1)]
    assert rows("template_tasks", small, min_jurisdictions=3) == []
    assert rows("template_tasks", small, jurisdiction="台州市") == [("T:tz2022:1", "台州市", 1)]


def test_tasks_without_lead(small):
    assert rows("tasks_without_lead", small, jurisdiction="温州市") == [
        ("T:wz2022:3", "温州市", 2022, "加强政务公开培训"),
        ("T:wz2024:1", "温州市", 2024, "持续开放公共数据")]
    assert rows("tasks_without_lead", small, jurisdiction="台州市") == []


def test_deadlines_by_month(small):
    assert rows("deadlines_by_month", small, jurisdiction="台州市") == [("台州市", "2022-12", 1)]
    assert rows("deadlines_by_month", small, jurisdiction="温州市") == [
        ("温州市", "2019-12", 1), ("温州市", "2022-12", 2), ("温州市", "ongoing", 1)]


def test_group_members(small):
    assert run_query("group_members", {}, small) == (
        ["group_id", "group", "member_id", "member"],
        [["U:331000:市级有关单位", "市级有关单位", "U:331000:市大数据发展管理局", "市大数据发展管理局"]])
    assert rows("group_members", small, jurisdiction="温州市") == []


def test_tasks_citing(small):
    assert rows("tasks_citing", small, title="公共数据") == [("浙江省公共数据条例", "T:tz2022:1", "台州市", 2022)]
    assert rows("tasks_citing", small, title="数据安全法") == []


def test_shares_work_with(small):
    assert rows("shares_work_with", small, unit="市疫情防控办", jurisdiction="温州市") == [
        ("市疫情防控办", "市大数据发展管理局", 1)]
    assert rows("shares_work_with", small, unit="市大数据局", jurisdiction="温州市") == [
        ("市大数据发展管理局", "市疫情防控办", 1)]
    assert rows("shares_work_with", small, unit="市大数据局", jurisdiction="台州市") == [
        ("市大数据发展管理局", "市级有关单位", 1)]


# ---------------------------------------------------------------- the columns the SPARQL twins match

def test_result_columns_are_the_agreed_ones(small):
    params = {"unit_tasks": {"unit": "x", "jurisdiction": "x"}, "jurisdiction_year_tasks": {"jurisdiction": "x", "year": 1},
              "task_status": {"jurisdiction": "x", "from_year": 1, "to_year": 2}, "tasks_citing": {"title": "x"},
              "shares_work_with": {"unit": "x", "jurisdiction": "x"}, "co_leads": {"jurisdiction": "x"},
              "themes_by_year": {"jurisdiction": "x"}, "tasks_without_lead": {"jurisdiction": "x"},
              "deadlines_by_month": {"jurisdiction": "x"}}
    columns = {name: run_query(name, params.get(name, {}), small)[0] for name in NAMES}
    assert columns == {
        "unit_load": ["unit_id", "unit", "jurisdiction", "leads", "assists"],
        "unit_tasks": ["year", "role", "task_id", "text"],
        "jurisdiction_year_tasks": ["task_id", "marker", "role", "unit", "deadline"],
        "co_leads": ["unit_a", "unit_b", "shared"],
        "themes_by_year": ["jurisdiction", "year", "theme", "tasks"],
        "task_status": ["task_id", "year", "status", "other_task", "score"],
        "continued_chains": ["start_id", "end_id", "years"],
        "template_tasks": ["task_id", "jurisdiction", "similar_jurisdictions"],
        "tasks_without_lead": ["task_id", "jurisdiction", "year", "text"],
        "deadlines_by_month": ["jurisdiction", "month", "tasks"],
        "group_members": ["group_id", "group", "member_id", "member"],
        "tasks_citing": ["instrument", "task_id", "jurisdiction", "year"],
        "shares_work_with": ["unit", "other_unit", "shared"],
    }


# ---------------------------------------------------------------- answers on the seed build
#
# Worked out by reading the seed documents and the hand-written goldens in
# tests/golden/ (never by running mandategraph). A task's id is
# T:<first 16 hex digits of its file's SHA-256>:<its line in the golden file>
# (graph/ids.py); a unit's name is the canonical one that data/unit_aliases.csv
# gives for the name as written (县发改局 → 县发展和改革局).

import hashlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

TESTS = Path(__file__).resolve().parent
DOCS = TESTS.parent / "data" / "documents"


def tid(stem: str, line: int) -> str:
    return f"T:{hashlib.sha256((DOCS / f'{stem}.txt').read_bytes()).hexdigest()[:16]}:{line:04d}"


RX, TZ, WZ19, WZ22, JN = ("rongxian_2019_work_plan", "taizhou_2022_work_plan", "wenzhou_2019_task_table",
                          "wenzhou_2022_work_plan", "jinan_shizhong_2024_work_plan")

# 荣县's units as written in the plan → canonical names (data/unit_aliases.csv, prefix 县).
RONGXIAN_CANONICAL = {
    "县发改局": "县发展和改革局", "县文广旅游局": "县文化广电旅游局", "县市场监管局": "县市场监督管理局",
    "县政府办公室": "县人民政府办公室", "县人力资源社会保障局": "县人力资源和社会保障局",
    "县自然资源规划局": "县自然资源和规划局", "县住建局": "县住房和城乡建设局", "县行政审批局": "县行政审批服务局",
    "县委编办": "县委机构编制委员会办公室", "县政府新闻办": "县人民政府新闻办公室",
}


def rongxian_golden():
    for line, text in enumerate((TESTS / "golden" / f"{RX}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        task = json.loads(text)
        yield line, task, [RONGXIAN_CANONICAL.get(u, u) for u in task["lead"]], \
            [RONGXIAN_CANONICAL.get(u, u) for u in task["assist"]]


def test_seed_unit_load_of_rongxian(seed_build):
    # Leads counted over the 12 parentheticals: 县政府办公室 in 一(三) 二(一) 二(二) 三(一) 三(二) 三(三)
    # 四(一) 四(二); 县发改局 in 一(一) 一(三) 二(三) 二(四); 县政府新闻办 in 三(二) 三(三) 四(二);
    # 县财政局 in 一(二) 一(三) 二(四); 县人力资源社会保障局 (first by id of the eight with two).
    assert rows("unit_load", seed_build, jurisdiction="荣县", limit=5) == [
        ("U:510321:县人民政府办公室", "县人民政府办公室", "荣县", 8, 0),
        ("U:510321:县发展和改革局", "县发展和改革局", "荣县", 4, 0),
        ("U:510321:县人民政府新闻办公室", "县人民政府新闻办公室", "荣县", 3, 0),
        ("U:510321:县财政局", "县财政局", "荣县", 3, 0),
        ("U:510321:县人力资源和社会保障局", "县人力资源和社会保障局", "荣县", 2, 0)]
    everything = rows("unit_load", seed_build, jurisdiction="荣县", limit=100)
    # 24 leading units, then the three groups that only assist (责任单位 / 配合单位 next to a 牵头单位).
    assert len(everything) == 27
    assert everything[-3:] == [
        ("U:510321:县政府有关部门", "县政府有关部门", "荣县", 0, 10),
        ("U:510321:工业园区管委会", "工业园区管委会", "荣县", 0, 10),
        ("U:510321:各乡镇政府", "各乡镇政府", "荣县", 0, 7)]
    assert sum(r[3] for r in everything) == 46 and sum(r[4] for r in everything) == 27


def test_seed_unit_tasks_by_the_name_as_written(seed_build):
    # 县政府新闻办 is named in 三(二), 三(三) and 四(二): golden lines 9, 10 and 12.
    assert [r[:3] for r in rows("unit_tasks", seed_build, unit="县政府新闻办", jurisdiction="荣县")] == [
        (2019, "lead", tid(RX, 9)), (2019, "lead", tid(RX, 10)), (2019, "lead", tid(RX, 12))]


def test_seed_jurisdiction_year_tasks_of_rongxian(seed_build):
    expected = []
    for line, task, leads, assists in rongxian_golden():
        mandates = [("lead", u) for u in sorted(leads)] + [("assist", u) for u in sorted(assists)]
        for role, unit in mandates or [("", "")]:
            expected.append((tid(RX, line), task["marker"], role, unit, ""))
    got = rows("jurisdiction_year_tasks", seed_build, jurisdiction="荣县", year=2019)
    assert len(got) == 46 + 27 + 3  # 73 mandates, and 五(一) 五(二) 五(三) with no unit
    assert got == expected


def test_seed_co_leads_in_rongxian(seed_build):
    got = rows("co_leads", seed_build, jurisdiction="荣县")
    # 县政府办公室 and 县政府新闻办 lead 三(二), 三(三) and 四(二) together.
    assert got[0] == ("县人民政府办公室", "县人民政府新闻办公室", 3)
    # Two shared: every pair of the six units leading both 一(三) and 二(四), plus 县发改局 with
    # 县市场监管局 (一(一), 二(四)), 县司法局 (二(三), 二(四)) and 县文广旅游局 (一(一), 一(三)).
    six = ["县发展和改革局", "县财政局", "县人力资源和社会保障局", "县自然资源和规划局", "县住房和城乡建设局",
           "县行政审批服务局"]
    twos = {frozenset(p) for p in itertools.combinations(six, 2)} | {
        frozenset(("县发展和改革局", u)) for u in ("县市场监督管理局", "县司法局", "县文化广电旅游局")}
    assert {frozenset(r[:2]) for r in got if r[2] == 2} == twos
    assert all(r[2] == 1 for r in got[1 + len(twos):])
    pairs = {frozenset(p) for _, _, leads, _ in rongxian_golden() for p in itertools.combinations(leads, 2)}
    assert len(got) == len(pairs)


def test_seed_tasks_without_lead(seed_build):
    # 济南市中区's prose items (一)…(十九) and 温州市 2022's (一)…(十五) carry no units (their units
    # are in the annex tables); 荣县's 五(一)…五(三) have no parenthetical.
    assert [r[:3] for r in rows("tasks_without_lead", seed_build, jurisdiction="济南市市中区")] == [
        (tid(JN, i), "济南市市中区", 2024) for i in range(1, 20)]
    assert [r[:3] for r in rows("tasks_without_lead", seed_build, jurisdiction="温州市")] == [
        (tid(WZ22, i), "温州市", 2022) for i in range(1, 16)]
    assert [r[:3] for r in rows("tasks_without_lead", seed_build, jurisdiction="荣县")] == [
        (tid(RX, i), "荣县", 2019) for i in range(13, 16)]
    assert rows("tasks_without_lead", seed_build, jurisdiction="台州市") == []


def test_seed_deadlines_by_month(seed_build):
    # From the 完成时限 slots: 济南 "2024年12月底前" ×49 and 长期坚持 ×5; 台州 三季度前 ×5, 11月底前 ×2,
    # 12月底前/全年 ×13; 温州 2019 10月底前 ×1, 11月底前 ×2; 温州 2022 (county list and 市直 list) 6月 ×2,
    # 9月/三季度 ×9, 10月 ×3, 11月 ×1, 12月底前/全年 ×25.
    assert rows("deadlines_by_month", seed_build, jurisdiction="台州市") == [
        ("台州市", "2022-09", 5), ("台州市", "2022-11", 2), ("台州市", "2022-12", 13)]
    assert rows("deadlines_by_month", seed_build, jurisdiction="济南市市中区") == [
        ("济南市市中区", "2024-12", 49), ("济南市市中区", "ongoing", 5)]
    assert rows("deadlines_by_month", seed_build, jurisdiction="温州市") == [
        ("温州市", "2019-10", 1), ("温州市", "2019-11", 2), ("温州市", "2022-06", 2), ("温州市", "2022-09", 9),
        ("温州市", "2022-10", 3), ("温州市", "2022-11", 1), ("温州市", "2022-12", 25)]
    assert rows("deadlines_by_month", seed_build, jurisdiction="荣县") == []


def test_seed_group_members(seed_build):
    # 温州市 2022, 附件2 市级有关单位名单: 22 units, as canonical names (a bracketed second title
    # is an alias: 市委宣传部（市新闻办） is 市委宣传部).
    assert sorted(r[3] for r in rows("group_members", seed_build, jurisdiction="温州市")) == sorted([
        "市委宣传部", "市委网络安全和信息化委员会办公室", "市信访局", "市发展和改革委员会",
        "市经济和信息化局", "市教育局", "市民政局", "市司法局", "市财政局", "市人力资源和社会保障局",
        "市自然资源和规划局", "市生态环境局", "市住房和城乡建设局", "市农业农村局", "市文化广电旅游局",
        "市卫生健康委员会", "市应急管理局", "市国有资产监督管理委员会", "市市场监督管理局", "市金融工作办公室",
        "市大数据发展管理局", "市政务服务管理局"])
    assert {r[:2] for r in rows("group_members", seed_build, jurisdiction="温州市")} == {
        ("U:330300:市级有关单位", "市级有关单位")}
    # 台州市 2022, 附件2: 54 names separated by 、 (市大数 据发展中心 has a stray space).
    taizhou = rows("group_members", seed_build, jurisdiction="台州市")
    assert len(taizhou) == 54
    assert {"市大数据发展中心", "市疫情防控指挥部", "市委组织部", "市文化广电旅游体育局"} <= {r[3] for r in taizhou}


def test_seed_tasks_citing(seed_build):
    # 《浙江省公共数据条例》: 台州 三(四) (golden line 20) and 温州 2022 三(十二) (line 12).
    assert rows("tasks_citing", seed_build, title="公共数据条例") == [
        ("浙江省公共数据条例", tid(TZ, 20), "台州市", 2022), ("浙江省公共数据条例", tid(WZ22, 12), "温州市", 2022)]
    # 《中华人民共和国政府信息公开条例》: 台州 二(四) (line 15), 温州 2022 二(八) (line 8). 荣县's
    # "贯彻落实政府信息公开条例" has no 《》 and is not a citation.
    assert rows("tasks_citing", seed_build, title="政府信息公开条例") == [
        ("中华人民共和国政府信息公开条例", tid(TZ, 15), "台州市", 2022),
        ("中华人民共和国政府信息公开条例", tid(WZ22, 8), "温州市", 2022)]
    assert rows("tasks_citing", seed_build, title="重大行政决策程序") == [
        ("重大行政决策程序暂行条例", tid(RX, 4), "荣县", 2019)]


def test_seed_shares_work_with(seed_build):
    # 县政府新闻办's tasks 三(二), 三(三), 四(二): 县政府办公室 is on all three, the assisting groups
    # on 三(二) and 三(三), 县信访局 on 三(二).
    assert rows("shares_work_with", seed_build, unit="县人民政府新闻办公室", jurisdiction="荣县") == [
        ("县人民政府新闻办公室", "县人民政府办公室", 3),
        ("县人民政府新闻办公室", "县政府有关部门", 2),
        ("县人民政府新闻办公室", "各乡镇政府", 2),
        ("县人民政府新闻办公室", "工业园区管委会", 2),
        ("县人民政府新闻办公室", "县信访局", 1)]


# ---------------------------------------------------------------- continuity and themes: Cypher = plain Python
#
# These answers depend on the build's own CONTINUES / SIMILAR_TO / IN_THEME
# edges (scored against hand-matched pairs in tests/test_continuity.py), so
# here each query is checked against the same question asked in plain Python
# over the graph: the seed build, and a synthetic graph that has every kind
# of edge in quantity (bench/synthetic_graph.py).

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from mandategraph.bench.synthetic_graph import synthetic_graph

    g = synthetic_graph(600, seed=7)
    out = tmp_path_factory.mktemp("synthetic") / "out"
    write_tables(g, out / "tables")
    write_ladybug(out / "tables", out / "graph.lbug")
    return out, g


@pytest.fixture(params=["seed", "synthetic"])
def built(request):
    if request.param == "seed":
        return request.getfixturevalue("seed_build"), request.getfixturevalue("seed_graph"), ("温州市", 2019, 2022)
    out, g = request.getfixturevalue("synthetic")
    return out, g, ("市0001", 2019, 2021)


def _edges(g, kind):
    return [(u, v) for u, v, k in g.edges(keys=True) if k == kind]


def test_task_status_matches_the_continues_edges(built):
    out, g, (jurisdiction, y1, y2) = built
    tasks = {n: d for n, d in g.nodes(data=True) if d["label"] == "Task" and d["jurisdiction"] == jurisdiction}
    cont = [(u, v) for u, v in _edges(g, "CONTINUES") if u in tasks and v in tasks
            and tasks[u]["year"] == y1 and tasks[v]["year"] == y2]
    expected = sorted(
        [(u, y1, "continued", v) for u, v in cont] + [(v, y2, "continued", u) for u, v in cont]
        + [(t, y1, "dropped", "") for t, d in tasks.items() if d["year"] == y1 and not any(u == t for u, _ in cont)]
        + [(t, y2, "new", "") for t, d in tasks.items() if d["year"] == y2 and not any(v == t for _, v in cont)],
        key=lambda r: (r[1], r[2], r[0], r[3]))
    got = rows("task_status", out, jurisdiction=jurisdiction, from_year=y1, to_year=y2)
    assert [r[:4] for r in got] == expected
    scores = {(u, v): d["score"] for u, v, k, d in g.edges(keys=True, data=True) if k == "CONTINUES"}
    assert all(r[4] == pytest.approx(scores[(r[0], r[3]) if r[1] == y1 else (r[3], r[0])]) if r[3] else r[4] == 0
               for r in got)
    assert len({r[0] for r in expected if r[1] == y1}) == sum(1 for d in tasks.values() if d["year"] == y1)


def test_themes_by_year_matches_the_in_theme_edges(built):
    out, g, _ = built
    counts: dict = {}
    for t, th in _edges(g, "IN_THEME"):
        key = (g.nodes[t]["jurisdiction"], g.nodes[t]["year"], g.nodes[th]["pref_label"])
        counts.setdefault(key, set()).add(t)
    expected = sorted(((*k, len(v)) for k, v in counts.items()), key=lambda r: (r[0], r[1], -r[3], r[2]))
    jurisdictions = sorted({r[0] for r in expected})
    assert len(jurisdictions) >= 3
    assert [r for j in jurisdictions for r in rows("themes_by_year", out, jurisdiction=j)] == expected


def test_template_tasks_match_the_similar_to_edges(built):
    out, g, _ = built
    others: dict = {}
    for u, v in _edges(g, "SIMILAR_TO"):
        for a, b in ((u, v), (v, u)):
            if g.nodes[a]["jurisdiction"] != g.nodes[b]["jurisdiction"]:
                others.setdefault(a, set()).add(g.nodes[b]["jurisdiction"])
    expected = sorted(((t, g.nodes[t]["jurisdiction"], len(js)) for t, js in others.items()),
                      key=lambda r: (-r[2], r[0]))
    assert rows("template_tasks", out, min_jurisdictions=2, limit=10**6) == expected
    assert rows("template_tasks", out, min_jurisdictions=2, limit=5) == expected[:5]
    j = expected[-1][1]
    assert rows("template_tasks", out, jurisdiction=j, limit=10**6) == [r for r in expected if r[1] == j]


def test_continued_chains_match_the_continues_edges(built):
    import networkx as nx

    out, g, _ = built
    cont = nx.DiGraph(_edges(g, "CONTINUES"))
    starts = [n for n in cont if cont.in_degree(n) == 0]
    ends = [n for n in cont if cont.out_degree(n) == 0]
    # Every maximal path, then per start the longest, and the smallest end among the longest.
    paths = [(s, e, len(p)) for s in starts for e in ends for p in nx.all_simple_paths(cont, s, e)]
    best = {}
    for s, e, n in paths:
        if s not in best or (-n, e) < (-best[s][1], best[s][0]):
            best[s] = (e, n)
    expected = sorted(((s, e, n) for s, (e, n) in best.items()), key=lambda r: (-r[2], r[0], r[1]))
    assert expected
    assert rows("continued_chains", out, min_years=2, limit=10**6) == expected
    assert rows("continued_chains", out, min_years=3, limit=10**6) == [r for r in expected if r[2] >= 3]
    assert rows("continued_chains", out, min_years=2, limit=3) == expected[:3]
    j = g.nodes[expected[-1][0]]["jurisdiction"]
    assert rows("continued_chains", out, min_years=2, jurisdiction=j, limit=10**6) == [
        r for r in expected if g.nodes[r[0]]["jurisdiction"] == j]


# ---------------------------------------------------------------- Cypher and SPARQL twins agree

PARITY_PARAMS = {
    "seed": {"unit_tasks": {"unit": "县政府新闻办", "jurisdiction": "荣县"},
             "shares_work_with": {"unit": "县人民政府新闻办公室", "jurisdiction": "荣县"},
             "co_leads": {"jurisdiction": "荣县"}, "themes_by_year": {"jurisdiction": "温州市"},
             "tasks_without_lead": {"jurisdiction": "温州市"}, "deadlines_by_month": {"jurisdiction": "温州市"},
             "jurisdiction_year_tasks": {"jurisdiction": "荣县", "year": 2019},
             "task_status": {"jurisdiction": "温州市", "from_year": 2019, "to_year": 2022},
             "tasks_citing": {"title": "条例"}, "continued_chains": {"min_years": 2}},
    "synthetic": {"unit_tasks": {"unit": "市财政局", "jurisdiction": "市0001"},
                  "shares_work_with": {"unit": "市财政局", "jurisdiction": "市0001"},
                  "co_leads": {"jurisdiction": "市0001"}, "themes_by_year": {"jurisdiction": "市0001"},
                  "tasks_without_lead": {"jurisdiction": "市0001"}, "deadlines_by_month": {"jurisdiction": "市0001"},
                  "jurisdiction_year_tasks": {"jurisdiction": "市0001", "year": 2019},
                  "task_status": {"jurisdiction": "市0001", "from_year": 2019, "to_year": 2021},
                  "tasks_citing": {"title": "条例"}, "continued_chains": {"min_years": 2}},
}


@pytest.mark.parametrize("name", NAMES)
def test_cypher_on_ladybug_and_sparql_on_oxigraph_give_the_same_answer(built, name):
    import mandategraph.graph.sparql_store  # noqa: F401  (registers the oxigraph store)

    out, g, (jurisdiction, _, _) = built
    params = PARITY_PARAMS["seed" if jurisdiction == "温州市" else "synthetic"].get(name, {})
    cypher = run_query(name, params, out, store="ladybug")
    sparql = run_query(name, params, out, store="oxigraph")
    assert sparql[0] == cypher[0]
    assert [list(r) for r in sparql[1]] == [list(r) for r in cypher[1]]
    if name not in ("unit_tasks", "shares_work_with") or jurisdiction == "温州市":
        assert cypher[1], "an empty answer would make the comparison vacuous"


# ---------------------------------------------------------------- sessions: stores opened once

def test_a_session_keeps_the_store_open_and_reopens_it_when_the_build_changes(tmp_path):
    from mandategraph.queries.library import QuerySession

    out = tmp_path / "out"
    g = small_graph()
    write_tables(g, out / "tables")
    write_ladybug(out / "tables", out / "graph.lbug")
    with QuerySession() as session:
        first = session.store(out)
        assert rows_of(session.run("tasks_without_lead", {"jurisdiction": "温州市"}, out)) == [
            "T:wz2022:3", "T:wz2024:1"]
        assert session.store(out) is first  # not opened again
        # A rebuild replaces the database: the session answers from the new one.
        g.add_edge("U:330300:市疫情防控办", "T:wz2022:3", key="LEADS", type="LEADS", raw="市疫情防控办",
                   role_word="牵头", evidence="", implied_others=0, document="", span_start=0, span_end=0)
        write_tables(g, out / "tables")
        write_ladybug(out / "tables", out / "graph.lbug")
        assert rows_of(session.run("tasks_without_lead", {"jurisdiction": "温州市"}, out)) == ["T:wz2024:1"]
        assert session.store(out) is not first
    assert session._open == {}


def rows_of(result):
    return [r[0] for r in result[1]]


def test_run_query_answers_from_the_default_session(small):
    from mandategraph.queries.library import default_session

    run_query("unit_load", {}, small)
    handle = default_session().store(small)
    run_query("unit_load", {}, small)
    assert default_session().store(small) is handle


def test_a_database_written_before_the_derived_properties_asks_for_a_rebuild(tmp_path):
    import ladybug

    from mandategraph.graph.ladybug_store import CypherStore, create_schema

    db_path = tmp_path / "graph.lbug"
    db = ladybug.Database(str(db_path))
    conn = ladybug.Connection(db)
    create_schema(conn)
    conn.execute("ALTER TABLE Task DROP chain_end")
    conn.close()
    db.close()
    store = CypherStore(db_path)
    try:
        with pytest.raises(QueryError, match="rebuild it"):
            store.query(get_query("continued_chains").text, bind_params(get_query("continued_chains"), {}))
    finally:
        store.close()
