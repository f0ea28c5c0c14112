"""A tiny hand-made graph with every node label and edge type, for tests and examples.

It is not read from any document: two jurisdictions, one plan each, a few
units and tasks. Use it where a test needs a valid graph of known shape; use
the seed build where it needs the real answers. A test that adds CONTINUES or
SIMILAR_TO edges calls :func:`~mandategraph.graph.derived.add_derived` again.
"""
from __future__ import annotations

import networkx as nx

from .derived import add_derived

__all__ = ["sample_graph"]


def sample_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    prov = {"document": "", "span_start": 0, "span_end": 0}
    g.add_node("J:330000", label="Jurisdiction", name="浙江省", level="province", code="330000", parent_code="", **prov)
    g.add_node("J:330300", label="Jurisdiction", name="温州市", level="city", code="330300", parent_code="330000", **prov)
    g.add_node("J:331000", label="Jurisdiction", name="台州市", level="city", code="331000", parent_code="330000", **prov)
    for j in ("J:330300", "J:331000"):
        g.add_edge(j, "J:330000", key="PART_OF", type="PART_OF", **prov)
    docs = {
        "D:wz2019": ("温州市", "J:330300", 2019, "2019年温州市政务公开工作任务分解表"),
        "D:wz2022": ("温州市", "J:330300", 2022, "2022年温州市政务公开工作要点"),
        "D:tz2022": ("台州市", "J:331000", 2022, "2022年台州市政务公开工作要点"),
    }
    for d, (jname, j, year, title) in docs.items():
        g.add_node(d, label="Document", title=title, doc_number="", issuer="", year=year, jurisdiction=jname,
                   source=f"{d}.txt", checksum=d, dates=[], encoding="utf-8", format="txt", **prov)
        g.add_edge(j, d, key="ISSUED", type="ISSUED", **{**prov, "document": d})
    tasks = {
        "T:wz2019:1": ("D:wz2019", "温州市", 2019, "建成全市统一公共数据开放平台", "2019-12-31"),
        "T:wz2022:1": ("D:wz2022", "温州市", 2022, "编制全市公共数据开放目录，有序开放公共数据", "2022-12-31"),
        "T:wz2022:2": ("D:wz2022", "温州市", 2022, "统筹做好疫情防控信息发布", "2022-12-31"),
        "T:tz2022:1": ("D:tz2022", "台州市", 2022, "编制全市数据开放目录,有序开放公共数据<script>alert(1)</script>", "2022-12-31"),
    }
    for t, (d, jname, year, text, deadline) in tasks.items():
        g.add_node(t, label="Task", text=text, year=year, jurisdiction=jname, document=d, source="table",
                   path=["1"], marker="1", deadline_raw="12月底前", deadline=deadline, status="",
                   span_start=0, span_end=len(text))
        g.add_edge(d, t, key="CONTAINS", type="CONTAINS", **{**prov, "document": d})
    units = {
        "U:330300:市大数据发展管理局": ("市大数据发展管理局", "温州市", "J:330300", "department", ["市大数据局"]),
        "U:330300:市疫情防控办": ("市疫情防控办", "温州市", "J:330300", "temporary", ["市疫情防控办"]),
        "U:331000:市大数据发展管理局": ("市大数据发展管理局", "台州市", "J:331000", "department", ["市大数据局"]),
        "U:331000:市级有关单位": ("市级有关单位", "台州市", "J:331000", "group", ["市级有关单位"]),
    }
    for u, (name, jname, j, kind, aliases) in units.items():
        g.add_node(u, label="Unit", name=name, aliases=aliases, names_by_year=[], kind=kind, jurisdiction=jname,
                   is_group=int(kind == "group"), **prov)
        g.add_edge(u, j, key="BELONGS_TO", type="BELONGS_TO", **prov)
    mandate = {"role_word": "", "evidence": "", "implied_others": 0, "span_start": 0, "span_end": 0}
    g.add_edge("U:330300:市大数据发展管理局", "T:wz2019:1", key="LEADS", type="LEADS", raw="市大数据局", document="D:wz2019", **mandate)
    g.add_edge("U:330300:市大数据发展管理局", "T:wz2022:1", key="LEADS", type="LEADS", raw="市大数据局", document="D:wz2022", **mandate)
    g.add_edge("U:330300:市疫情防控办", "T:wz2022:2", key="LEADS", type="LEADS", raw="市疫情防控办", document="D:wz2022", **mandate)
    g.add_edge("U:331000:市大数据发展管理局", "T:tz2022:1", key="LEADS", type="LEADS", raw="市大数据局", document="D:tz2022", **mandate)
    g.add_edge("U:331000:市级有关单位", "T:tz2022:1", key="ASSISTS", type="ASSISTS", raw="市级有关单位", document="D:tz2022", **mandate)
    g.add_edge("U:331000:市大数据发展管理局", "U:331000:市级有关单位", key="MEMBER_OF", type="MEMBER_OF", **{**prov, "document": "D:tz2022"})
    g.add_node("Th:open_data", label="Theme", pref_label="公共数据开放", alt_label_en="Open public data",
               definition="开放公共数据目录与数据集", scheme="themes", **prov)
    g.add_node("Th:epidemic", label="Theme", pref_label="疫情防控", alt_label_en="Epidemic prevention and control",
               definition="疫情信息发布与防控措施公开", scheme="themes", **prov)
    for t in ("T:wz2019:1", "T:wz2022:1", "T:tz2022:1"):
        g.add_edge(t, "Th:open_data", key="IN_THEME", type="IN_THEME", score=1.0, triggers=["公共数据"], **prov)
    g.add_edge("T:wz2022:2", "Th:epidemic", key="IN_THEME", type="IN_THEME", score=1.0, triggers=["疫情防控"], **prov)
    g.add_node("I:1", label="Instrument", title="浙江省公共数据条例", **prov)
    g.add_edge("T:tz2022:1", "I:1", key="CITES", type="CITES", **{**prov, "document": "D:tz2022"})
    g.add_edge("T:wz2019:1", "T:wz2022:1", key="CONTINUES", type="CONTINUES", score=0.61, text_sim=0.42,
               evidence="text 0.42 (best of earlier); phrases 公共数据开放; themes 1.00", **prov)
    g.add_edge("T:wz2022:1", "T:tz2022:1", key="SIMILAR_TO", type="SIMILAR_TO", score=0.83, **prov)
    add_derived(g)  # as a build does: chain_before/after/end, similar_jurisdictions
    return g
