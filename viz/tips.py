"""Tooltip contents: (field, value) rows for a node or an edge.

Rows are plain strings; the page turns them into DOM text nodes, never into
HTML, so a document text such as ``<script>`` shows as it is written.
Facts are read from the whole graph, not the view, so a unit's task count is
the same in every view.
"""
from __future__ import annotations

import networkx as nx

from .names import display_name, short
from .style import edge_style, node_kind, NODE_STYLES

__all__ = ["node_tip", "edge_tip", "edge_count", "EDGE_COUNTS", "COUNTED"]

# Key of ``g.graph`` holding ``{(edge type, end): {node: edges}}`` for a graph read in part: a unit's
# mandates and a theme's or an instrument's tasks are counted in the whole build, as on the whole graph.
EDGE_COUNTS = "edge_counts"
COUNTED = (("LEADS", "source"), ("ASSISTS", "source"), ("IN_THEME", "target"), ("CITES", "target"))

Rows = list[tuple[str, str]]


def _names(g: nx.MultiDiGraph, nodes) -> str:
    return "、".join(display_name(g.nodes[n]) for n in nodes if n in g) or "—"


def _task_tip(g: nx.MultiDiGraph, t, d: dict) -> Rows:
    leads = [u for u, _, k in g.in_edges(t, keys=True) if k == "LEADS"]
    assists = [u for u, _, k in g.in_edges(t, keys=True) if k == "ASSISTS"]
    themes = [v for _, v, k in g.out_edges(t, keys=True) if k == "IN_THEME"]
    docs = [u for u, _, k in g.in_edges(t, keys=True) if k == "CONTAINS"] or [d.get("document")]
    doc = g.nodes[docs[0]] if docs[0] in g else {}
    deadline = d.get("deadline_raw") or ""
    if d.get("deadline") and d.get("deadline") != deadline:
        deadline = f"{deadline} ({d['deadline']})" if deadline else d["deadline"]
    path = " > ".join(map(str, d.get("path") or []))
    where = (f"{doc.get('title') or doc.get('source') or docs[0]} · {path} · "
             f"{d.get('source', '')} · chars {d.get('span_start', 0)}–{d.get('span_end', 0)}")
    return [("内容 Text", str(d.get("text", ""))),
            ("牵头 Lead", _names(g, leads)),
            ("配合 Assist", _names(g, assists)),
            ("时限 Deadline", deadline or "—"),
            ("主题 Themes", _names(g, themes)),
            ("来源 Source", where),
            ("年份 Year", f"{d.get('jurisdiction', '')} {d.get('year', '')}")]


def _unit_tip(g: nx.MultiDiGraph, u, d: dict) -> Rows:
    lead, assist = edge_count(g, u, "LEADS", "source"), edge_count(g, u, "ASSISTS", "source")
    groups = [v for _, v, k in g.out_edges(u, keys=True) if k == "MEMBER_OF"]
    members = [w for w, _, k in g.in_edges(u, keys=True) if k == "MEMBER_OF"]
    rows = [("单位 Unit", str(d.get("name", u))), ("类别 Kind", str(d.get("kind", ""))),
            ("行政区 Jurisdiction", str(d.get("jurisdiction", ""))),
            ("别名 Aliases", "、".join(map(str, d.get("aliases") or [])) or "—"),
            ("任务 Tasks", f"牵头 lead {lead} · 配合 assist {assist}")]
    if groups:
        rows.append(("所属 Member of", _names(g, groups)))
    if members:
        rows.append(("成员 Members", f"{len(members)}: " + short(_names(g, members), 200)))
    return rows


def edge_count(g: nx.MultiDiGraph, n, type_: str, end: str) -> int:
    """Edges of ``type_`` with ``n`` at their ``end`` ("source" or "target") in the whole build: given
    with a graph read in part (:data:`EDGE_COUNTS`), else counted in ``g``."""
    given = g.graph.get(EDGE_COUNTS, {}).get((type_, end))
    if given is not None:
        return given.get(n, 0)
    edges = g.out_edges(n, keys=True) if end == "source" else g.in_edges(n, keys=True)
    return sum(1 for _, _, k in edges if k == type_)


def _other_tip(g: nx.MultiDiGraph, n, d: dict) -> Rows:
    label = d.get("label")
    if label == "Document":
        tasks = sum(1 for _, _, k in g.out_edges(n, keys=True) if k == "CONTAINS")
        return [("文件 Document", str(d.get("title", ""))), ("文号 Number", str(d.get("doc_number") or "—")),
                ("发文 Issuer", str(d.get("issuer") or "—")), ("年份 Year", str(d.get("year", ""))),
                ("文件名 File", str(d.get("source", ""))), ("任务 Tasks", str(tasks))]
    if label == "Jurisdiction":
        return [("行政区 Jurisdiction", str(d.get("name", ""))), ("级别 Level", str(d.get("level", ""))),
                ("代码 Code", str(d.get("code", "")))]
    if label == "Theme":
        tasks = edge_count(g, n, "IN_THEME", "target")
        return [("主题 Theme", str(d.get("pref_label", ""))), ("English", str(d.get("alt_label_en", ""))),
                ("定义 Definition", str(d.get("definition", "") or "—")), ("任务 Tasks", str(tasks))]
    if label == "Instrument":
        tasks = edge_count(g, n, "CITES", "target")
        return [("法规政策 Instrument", f"《{d.get('title', '')}》"), ("引用 Cited by", f"{tasks} tasks")]
    if label == "Aggregate":
        members = d.get("members") or []
        sample = [display_name(g.nodes[t], 30) for t in members[:6] if t in g]
        rows = [("任务汇总 Tasks grouped", str(d.get("name", ""))), ("任务数 Tasks", str(d.get("count", 0)))]
        return rows + [("", s) for s in sample] + ([("", "…")] if len(members) > len(sample) else [])
    return [(k, str(v)) for k, v in d.items() if isinstance(v, (str, int, float))]


def node_tip(g: nx.MultiDiGraph, n, view_data: dict | None = None) -> dict:
    """``{"head": ..., "rows": [[field, value], ...]}`` for node ``n``.

    ``g`` is the whole graph; ``view_data`` the node's attributes in the view
    when it exists only there (an Aggregate node).
    """
    d = view_data if view_data is not None else g.nodes[n]
    kind = node_kind(d)
    style = NODE_STYLES[kind]
    if d.get("label") == "Task":
        rows = _task_tip(g, n, d)
    elif d.get("label") == "Unit":
        rows = _unit_tip(g, n, d)
    else:
        rows = _other_tip(g, n, d)
    head = f"{style.zh} {style.en}: {display_name(d, 40) if d.get('label') != 'Aggregate' else d.get('name', '')}"
    return {"head": head, "rows": [list(r) for r in rows] + [["id", str(n)]]}


def edge_tip(u_name: str, v_name: str, type_: str, d: dict) -> dict:
    """Tooltip of an edge: its relation, the evidence text of a mandate, a score or a merged count."""
    s = edge_style(type_)
    rows = []
    for field, key in (("原文 Raw", "raw"), ("角色词 Role word", "role_word"), ("依据 Evidence", "evidence")):
        if d.get(key):
            rows.append([field, str(d[key])])
    if "score" in d:
        rows.append(["相似度 Score", f"{float(d['score']):.2f}"])
    if "count" in d:
        rows.append(["合并 Merged", f"{d['count']} edges"])
    if type_ == "WORKS_ON":
        rows.append(["任务 Tasks", f"{d.get('tasks', 0)} (牵头 lead {d.get('lead', 0)} · 配合 assist {d.get('assist', 0)})"])
    return {"head": f"{u_name} —{s.zh} {s.en}→ {v_name}", "rows": rows}
