"""Deterministic synthetic graphs of any size, valid against graph/schema.py.

For benchmarks of every store and view: ``synthetic_graph(n_tasks, seed=0)``
returns a MultiDiGraph shaped like a national corpus of work plans — about 40
tasks per plan, plans of 2019-2024 for each jurisdiction, jurisdictions under
provinces, units per jurisdiction with group units and members, mandates,
themes, cited instruments, CONTINUES chains across a jurisdiction's years,
SIMILAR_TO across jurisdictions of one year, DETAILS within a plan. The same
``n_tasks`` and ``seed`` give the same graph, byte for byte in its tables.

>>> g = synthetic_graph(200)
>>> sum(1 for _, d in g.nodes(data=True) if d["label"] == "Task")
200
>>> from mandategraph.graph.tables import node_frames
>>> node_frames(g)["Task"].equals(node_frames(synthetic_graph(200))["Task"])
True
"""
from __future__ import annotations

import random

import networkx as nx

from mandategraph.graph.derived import add_derived

__all__ = ["synthetic_graph"]

TASKS_PER_PLAN = 40
YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
_THEMES = ["政策解读", "回应关切", "依申请公开", "政府网站", "政务新媒体", "政府公报", "公共数据开放", "基层政务公开",
           "重大行政决策", "行政执法公示", "政务服务", "财政预决算", "重大建设项目", "公共资源配置", "国资国企",
           "乡村振兴", "就业", "教育", "医疗卫生", "住房", "生态环境", "疫情防控", "考核评估", "培训"]
_UNITS = ["人民政府办公室", "发展和改革委员会", "财政局", "教育局", "卫生健康委员会", "大数据发展管理局", "住房和城乡建设局",
          "生态环境局", "农业农村局", "人力资源和社会保障局", "市场监督管理局", "司法局", "信访局", "自然资源和规划局",
          "交通运输局", "民政局", "应急管理局", "审计局", "统计局", "政务服务管理办公室", "委宣传部", "国有资产监督管理委员会"]
_VERBS = ["加大", "做好", "推进", "规范", "完善", "强化", "深化", "落实"]
_OBJECTS = ["信息公开", "政策解读", "平台建设", "目录编制", "数据开放", "结果公示", "专栏更新", "意见征集", "标准化建设"]


def _prov(doc: str = "", start: int = 0, end: int = 0) -> dict:
    return {"document": doc, "span_start": start, "span_end": end}


def synthetic_graph(n_tasks: int, seed: int = 0) -> nx.MultiDiGraph:
    """A schema-valid graph with exactly ``n_tasks`` Task nodes.

    Parameters
    ----------
    n_tasks : int
        Number of tasks; jurisdictions, plans and units scale with it.
    seed : int
        Seed of the private random generator (the global one is not touched).
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    n_plans = max(1, -(-n_tasks // TASKS_PER_PLAN))
    plans_per_jur = 3
    n_jur = max(2, -(-n_plans // plans_per_jur))
    n_prov = max(1, n_jur // 12)

    provinces = []
    for p in range(n_prov):
        code = f"{11 + p:02d}0000"
        jid = f"J:{code}"
        g.add_node(jid, label="Jurisdiction", name=f"省{p:03d}", level="province", code=code, parent_code="", **_prov())
        provinces.append(code)
    jurs = []
    for j in range(n_jur):
        parent = provinces[j % n_prov]
        code = f"{parent[:2]}{j + 1:04d}"  # unique per jurisdiction, six digits like GB/T 2260
        jid = f"J:{code}"
        name = f"市{j:04d}"
        g.add_node(jid, label="Jurisdiction", name=name, level="city", code=code, parent_code=parent, **_prov())
        g.add_edge(jid, f"J:{parent}", key="PART_OF", type="PART_OF", **_prov())
        jurs.append((jid, code, name))

    for k, theme in enumerate(_THEMES):
        g.add_node(f"Th:t{k:02d}", label="Theme", pref_label=theme, alt_label_en=f"theme {k}",
                   definition=f"{theme}相关工作", scheme="themes", **_prov())
    n_instr = max(5, n_tasks // 50)
    for k in range(n_instr):
        g.add_node(f"I:{k:06d}", label="Instrument", title=f"政策文件{k:04d}号条例", **_prov())

    units: dict[str, list[str]] = {}
    for jid, code, name in jurs:
        ids = []
        for k, base in enumerate(_UNITS):
            uid = f"U:{code}:市{base}"
            g.add_node(uid, label="Unit", name=f"市{base}", aliases=[f"市{base[:2]}局"] if k % 3 == 0 else [],
                       names_by_year=[], kind="department", jurisdiction=name, is_group=0, **_prov())
            g.add_edge(uid, jid, key="BELONGS_TO", type="BELONGS_TO", **_prov())
            ids.append(uid)
        group = f"U:{code}:市级有关单位"
        g.add_node(group, label="Unit", name="市级有关单位", aliases=[], names_by_year=[], kind="group",
                   jurisdiction=name, is_group=1, **_prov())
        g.add_edge(group, jid, key="BELONGS_TO", type="BELONGS_TO", **_prov())
        for uid in rng.sample(ids, 8):
            g.add_edge(uid, group, key="MEMBER_OF", type="MEMBER_OF", **_prov())
        units[jid] = ids + [group]

    # Plans: each jurisdiction gets up to three consecutive-ish years.
    plans = []
    for p in range(n_plans):
        jid, code, name = jurs[p % n_jur]
        year = YEARS[(p // n_jur) * 2 % len(YEARS)]
        plans.append((jid, code, name, year))
    by_plan: dict[int, list[str]] = {}
    t = 0
    for p, (jid, code, name, year) in enumerate(plans):
        did = f"D:{code}{year}"
        g.add_node(did, label="Document", title=f"{year}年{name}政务公开工作要点", doc_number="", issuer=name,
                   year=year, jurisdiction=name, source=f"{code}_{year}.txt", checksum=f"{code}{year}", dates=[],
                   encoding="utf-8", format="txt", **_prov())
        g.add_edge(jid, did, key="ISSUED", type="ISSUED", **_prov(did))
        size = min(TASKS_PER_PLAN, n_tasks - t)
        tasks = []
        for i in range(size):
            tid = f"T:{code}{year}:{i + 1:04d}"
            text = f"{rng.choice(_VERBS)}{rng.choice(_THEMES)}{rng.choice(_OBJECTS)}工作，{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}"
            r = rng.random()
            deadline = "" if r < 0.4 else "ongoing" if r < 0.5 else f"{year}-{rng.choice(['06-30', '09-30', '12-31'])}"
            start = i * 100
            g.add_node(tid, label="Task", text=text, year=year, jurisdiction=name, document=did,
                       source=rng.choice(["prose", "table"]), path=[str(i // 5 + 1), str(i + 1)], marker=str(i + 1),
                       deadline_raw="" if not deadline else "长期坚持" if deadline == "ongoing" else "年底前",
                       deadline=deadline, status="", span_start=start, span_end=start + len(text))
            g.add_edge(did, tid, key="CONTAINS", type="CONTAINS", **_prov(did, start, start + len(text)))
            pool = units[jid]
            n_lead = rng.choice([0, 1, 1, 1, 2, 2, 3])
            chosen = rng.sample(pool, n_lead + rng.choice([0, 0, 1, 2]))
            for k, uid in enumerate(chosen):
                kind = "LEADS" if k < n_lead else "ASSISTS"
                g.add_edge(uid, tid, key=kind, type=kind, raw=g.nodes[uid]["name"],
                           role_word="牵头" if kind == "LEADS" else "配合", evidence="", implied_others=0,
                           **_prov(did, start, start + len(text)))
            for th in rng.sample(range(len(_THEMES)), rng.choice([1, 1, 2])):
                g.add_edge(tid, f"Th:t{th:02d}", key="IN_THEME", type="IN_THEME", score=round(rng.random(), 3),
                           triggers=[_THEMES[th]], **_prov(did))
            if rng.random() < 0.1:
                g.add_edge(tid, f"I:{rng.randrange(n_instr):06d}", key="CITES", type="CITES", **_prov(did))
            if i and rng.random() < 0.1:
                g.add_edge(tid, tasks[rng.randrange(len(tasks))], key="DETAILS", type="DETAILS",
                           score=round(rng.random(), 3), **_prov(did))
            tasks.append(tid)
        by_plan[p] = tasks
        t += size
        if t >= n_tasks:
            break

    # CONTINUES: the same marker in the jurisdiction's next plan, for about half the tasks.
    by_jur: dict[str, list[int]] = {}
    for p in by_plan:
        by_jur.setdefault(plans[p][0], []).append(p)
    for ps in by_jur.values():
        ps.sort(key=lambda p: plans[p][3])
        for a, b in zip(ps, ps[1:]):
            for ta, tb in zip(by_plan[a], by_plan[b]):
                if rng.random() < 0.5:
                    score = round(0.5 + rng.random() / 2, 3)
                    g.add_edge(ta, tb, key="CONTINUES", type="CONTINUES", score=score, text_sim=score,
                               evidence=f"text {score:.2f}", **_prov())
    # SIMILAR_TO: plans of one year in different jurisdictions share a template.
    by_year: dict[int, list[int]] = {}
    for p in by_plan:
        by_year.setdefault(plans[p][3], []).append(p)
    for ps in by_year.values():
        for a, b in zip(ps, ps[1:]):
            for ta, tb in zip(by_plan[a], by_plan[b]):
                if rng.random() < 0.2:
                    g.add_edge(ta, tb, key="SIMILAR_TO", type="SIMILAR_TO", score=round(0.5 + rng.random() / 2, 3),
                               **_prov())
    add_derived(g)  # as a build does
    return g
