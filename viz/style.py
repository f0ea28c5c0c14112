"""How each node kind and edge type looks: colour, shape, dash, legend text.

One table serves the explorer pages, the legend drawn on them and the plots,
so a unit is the same blue everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeStyle", "EdgeStyle", "NODE_STYLES", "EDGE_STYLES", "node_kind", "edge_style", "FONT_FACE"]

# Canvas text is drawn with this font list; Chromium on Debian resolves the
# CJK fallback through fontconfig (fonts-noto-cjk), Windows/macOS through the
# next names, so Chinese labels are never tofu boxes.
FONT_FACE = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


@dataclass(frozen=True)
class NodeStyle:
    kind: str
    colour: str
    shape: str  # a vis-network shape that draws its label below the glyph
    size: int  # base size in px before scaling by degree or workload
    zh: str
    en: str
    font: int = 13  # label px; labels under ~8 px on screen are not drawn, so small fonts appear on zoom


@dataclass(frozen=True)
class EdgeStyle:
    type: str
    colour: str
    width: float
    dashes: bool | list[int]
    zh: str
    en: str


NODE_STYLES: dict[str, NodeStyle] = {s.kind: s for s in (
    NodeStyle("jurisdiction", "#c0392b", "star", 26, "行政区", "Jurisdiction", 18),
    NodeStyle("document", "#8e44ad", "square", 20, "文件", "Document", 15),
    NodeStyle("unit", "#2471a3", "dot", 12, "单位", "Unit", 14),
    NodeStyle("group", "#17a589", "hexagon", 14, "单位组", "Group of units", 14),
    NodeStyle("task", "#e67e22", "diamond", 9, "任务", "Task", 12),
    NodeStyle("theme", "#229954", "triangle", 16, "主题", "Theme", 15),
    NodeStyle("instrument", "#7e5109", "triangleDown", 11, "法规政策", "Cited instrument", 12),
    # A box standing for many tasks when a view is too big to draw one by one.
    NodeStyle("aggregate", "#7f8c8d", "square", 16, "任务汇总", "Tasks grouped", 14),
)}

EDGE_STYLES: dict[str, EdgeStyle] = {s.type: s for s in (
    EdgeStyle("LEADS", "#2471a3", 2.0, False, "牵头", "leads"),
    EdgeStyle("ASSISTS", "#5dade2", 1.5, [7, 5], "配合", "assists"),
    # Continuity is what the continuity view is about: thick and warm.
    EdgeStyle("CONTINUES", "#e74c3c", 4.0, False, "延续", "continues"),
    EdgeStyle("SIMILAR_TO", "#a569bd", 1.5, [2, 5], "相似", "similar to"),
    EdgeStyle("DETAILS", "#909497", 1.0, [4, 4], "细化", "details"),
    EdgeStyle("CONTAINS", "#d5d8dc", 0.8, False, "包含", "contains"),
    EdgeStyle("ISSUED", "#cd6155", 1.2, False, "印发", "issued"),
    EdgeStyle("BELONGS_TO", "#e5e8e8", 0.6, False, "隶属", "belongs to"),
    EdgeStyle("PART_OF", "#cd6155", 1.0, [3, 3], "下辖于", "part of"),
    EdgeStyle("MEMBER_OF", "#48c9b0", 1.0, [2, 3], "成员", "member of"),
    EdgeStyle("IN_THEME", "#82e0aa", 1.0, False, "主题", "in theme"),
    EdgeStyle("CITES", "#b9770e", 1.0, [1, 3], "引用", "cites"),
    # Derived edge of the unit–theme view: a unit works on tasks of a theme.
    EdgeStyle("WORKS_ON", "#2471a3", 1.5, False, "承担主题任务", "works on theme"),
)}


def node_kind(data: dict) -> str:
    """The drawing kind of a node from its attributes.

    >>> node_kind({"label": "Unit", "kind": "group", "is_group": 1})
    'group'
    >>> node_kind({"label": "Task"})
    'task'
    """
    label = data.get("label", "")
    if label == "Unit" and (data.get("is_group") == 1 or data.get("kind") == "group"):
        return "group"
    if label == "Aggregate":
        return "aggregate"
    kind = label.lower()
    return kind if kind in NODE_STYLES else "task"


def edge_style(type_: str) -> EdgeStyle:
    """The style of an edge type; an unknown type is drawn thin and grey."""
    return EDGE_STYLES.get(type_, EdgeStyle(type_, "#b2babb", 1.0, False, type_, type_.lower()))
