"""Write a view as one self-contained HTML page drawn by vis-network.

Everything is inline — vis-network's JS and CSS, our script and style, the
data — and a Content-Security-Policy of ``default-src 'none'`` forbids the
page from fetching anything, so it opens with no network and cannot phone a
CDN. Text from documents reaches the page only as JSON inside a
``<script type="application/json">`` block (with ``<``, ``>`` and ``&``
escaped, so no ``</script>`` can close it) and is put on screen with
``textContent`` or on the canvas, never parsed as HTML.
"""
from __future__ import annotations

import html
import json
import math
from importlib import resources

import networkx as nx

from .vislib import vis_assets
from .names import display_name
from .style import EDGE_STYLES, FONT_FACE, NODE_STYLES, edge_style, node_kind
from .tips import edge_count, edge_tip, node_tip
from .views import View

__all__ = ["page_data", "render_page", "json_for_script", "legend_html", "DIRECTED"]

# Edge types drawn with an arrowhead: between two tasks the direction is not
# given by the node kinds (a unit leads a task; a task is in a theme).
DIRECTED = frozenset({"CONTINUES", "DETAILS"})


def json_for_script(obj) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings it holds.

    >>> json_for_script({"t": "</script><script>alert(1)</script>"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # U+2028/2029 end a line in older JS parsers; escaping them costs nothing.
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _light(colour: str, amount: float = 0.82) -> str:
    """``colour`` mixed with white, for the fill of a text box."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (r, g, b))


def _size(g: nx.MultiDiGraph, view_g: nx.MultiDiGraph, n, kind: str) -> float:
    """Node size: units by workload in the whole graph, task groups by count, others by degree in the view."""
    base = NODE_STYLES[kind].size
    if kind in ("unit", "group") and n in g:
        work = edge_count(g, n, "LEADS", "source") + 0.5 * edge_count(g, n, "ASSISTS", "source")
        return min(base + 3.0 * math.sqrt(work), 48.0)
    if kind == "aggregate":
        return min(base + 2.5 * math.sqrt(view_g.nodes[n].get("count", 1)), 64.0)
    return min(base + 1.5 * math.sqrt(view_g.degree(n)), 40.0)


def page_data(g: nx.MultiDiGraph, view: View, positions: dict) -> dict:
    """Everything the page script needs: nodes, edges, styles, messages.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        The whole graph, for tooltips and workloads.
    view : View
        What to draw.
    positions : dict
        ``{node: (x, y)}`` from :func:`.layout.layout`.
    """
    vg = view.graph
    index = {n: i for i, n in enumerate(vg.nodes)}
    boxes = view.layout == "columns"
    nodes = []
    for n, d in vg.nodes(data=True):
        kind = node_kind(d)
        x, y = positions.get(n, (0.0, 0.0))
        item = {"id": index[n], "label": d.get("name") if kind == "aggregate" else display_name(d, 18 if boxes else 12),
                "kind": kind, "x": round(x, 1), "y": round(y, 1), "size": round(_size(g, vg, n, kind), 1),
                "tip": node_tip(g, n, None if n in g and kind != "aggregate" else d)}
        if boxes and kind in ("task", "aggregate"):
            item["shape"] = "box"
        if n in view.focus:
            item["focus"] = True
        nodes.append(item)
    edges = []
    names = {n: display_name(d, 20) if node_kind(d) != "aggregate" else d.get("name", "") for n, d in vg.nodes(data=True)}
    for u, v, k, d in vg.edges(keys=True, data=True):
        item = {"from": index[u], "to": index[v], "type": k, "tip": edge_tip(names[u], names[v], k, d)}
        weight = d.get("count") or d.get("tasks")
        if weight:
            item["width"] = round(min(edge_style(k).width + 1.2 * math.log2(weight), 12.0), 1)
        if k == "WORKS_ON" and not d.get("lead"):
            item["dashes"] = EDGE_STYLES["ASSISTS"].dashes  # a unit that only assists in this theme
        edges.append(item)
    used_types = sorted({e["type"] for e in edges}, key=lambda t: list(EDGE_STYLES).index(t) if t in EDGE_STYLES else 99)
    styles = {k: {"colour": s.colour, "light": _light(s.colour), "shape": s.shape, "zh": s.zh, "en": s.en,
                  "font": s.font}
              for k, s in NODE_STYLES.items()}
    edge_styles = {t: {"colour": edge_style(t).colour, "width": edge_style(t).width, "dashes": edge_style(t).dashes,
                       "arrow": t in DIRECTED} for t in used_types}
    return {"title": view.title, "view": view.name, "layout": view.layout, "messages": view.messages,
            "nodes": nodes, "edges": edges, "styles": styles, "edgeStyles": edge_styles, "font": FONT_FACE,
            "source": {"nodes": view.source_nodes, "edges": view.source_edges, "cut": view.cut}}


_SWATCH = {
    "dot": '<circle cx="9" cy="9" r="6"/>',
    "square": '<rect x="3" y="3" width="12" height="12"/>',
    "box": '<rect x="1" y="4" width="16" height="10" rx="3"/>',
    "diamond": '<polygon points="9,2 16,9 9,16 2,9"/>',
    "triangle": '<polygon points="9,2 16,15 2,15"/>',
    "triangleDown": '<polygon points="2,3 16,3 9,16"/>',
    "hexagon": '<polygon points="5,2 13,2 17,9 13,16 5,16 1,9"/>',
    "star": '<polygon points="9,1 11,7 17,7 12,11 14,17 9,13 4,17 6,11 1,7 7,7"/>',
}


def _node_swatch(shape: str, colour: str, fill: str) -> str:
    return (f'<svg class="mg-sw" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">'
            f'<g fill="{fill}" stroke="{colour}" stroke-width="1.5">{_SWATCH.get(shape, _SWATCH["dot"])}</g></svg>')


def _edge_swatch(type_: str) -> str:
    s = edge_style(type_)
    dash = f' stroke-dasharray="{s.dashes[0]} {s.dashes[1]}"' if isinstance(s.dashes, list) else ""
    return (f'<svg class="mg-sw" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true">'
            f'<line x1="1" y1="6" x2="33" y2="6" stroke="{s.colour}" stroke-width="{min(s.width, 4)}"{dash}/></svg>')


def legend_html(data: dict) -> str:
    """The legend of the node kinds and edge types present on the page, as escaped HTML."""
    kinds: dict[str, str] = {}
    for n in data["nodes"]:
        kinds.setdefault(n["kind"], n.get("shape") or NODE_STYLES[n["kind"]].shape)
    rows: list[str] = []
    for kind in NODE_STYLES:
        if kind in kinds:
            s = NODE_STYLES[kind]
            fill = _light(s.colour) if kinds[kind] == "box" else s.colour
            rows.append(f'<li>{_node_swatch(kinds[kind], s.colour, fill)}{html.escape(s.zh)} '
                        f'<span class="mg-en">{html.escape(s.en)}</span></li>')
    lines: list[str] = []
    for t in data["edgeStyles"]:
        e = edge_style(t)
        lines.append(f'<li>{_edge_swatch(t)}{html.escape(e.zh)} <span class="mg-en">{html.escape(e.en)}</span></li>')
    if data["view"] == "unit-theme":
        lines.append(f'<li>{_edge_swatch("ASSISTS")}只配合 <span class="mg-en">assist only</span></li>')
    note = "大小 = 工作量 / 连接数 · size = workload / degree"
    return (f'<details open><summary>图例 Legend</summary><ul>{"".join(rows)}</ul>'
            f'<ul>{"".join(lines)}</ul><p class="mg-en">{html.escape(note)}</p></details>')


def _kind_filters(data: dict) -> str:
    present = {n["kind"] for n in data["nodes"]}
    boxes = []
    for kind, s in NODE_STYLES.items():
        if kind in present:
            boxes.append(f'<label class="mg-kind"><input type="checkbox" checked data-kind="{kind}"> '
                         f'{html.escape(s.zh)}</label>')
    return "".join(boxes)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def render_page(g: nx.MultiDiGraph, view: View, positions: dict) -> str:
    """The HTML text of the explorer page for ``view``."""
    data = page_data(g, view, positions)
    vis_js, vis_css = vis_assets()
    messages = "".join(f"<p>{html.escape(m)}</p>" for m in view.messages)
    n, e = len(data["nodes"]), len(data["edges"])
    stats = f"{n:,} 节点 nodes · {e:,} 边 edges"
    if view.cut:
        stats += f" (of {view.source_nodes:,} / {view.source_edges:,})"
    parts = {
        "TITLE": html.escape(view.title),
        "STATS": html.escape(stats),
        "MESSAGES": messages,
        "MESSAGES_HIDDEN": "" if messages else " hidden",
        "KINDS": _kind_filters(data),
        "LEGEND": legend_html(data),
        "VIS_CSS": vis_css,
        "PAGE_CSS": _asset("explorer.css"),
        "DATA": json_for_script(data),
        "VIS_JS": vis_js,
        "PAGE_JS": _asset("explorer.js"),
    }
    page = _asset("explorer.html")
    # One pass over the template so a replaced part is never searched again
    # (vis-network's code could contain a "{{...}}" of its own).
    out, pos = [], 0
    while True:
        start = page.find("{{", pos)
        if start < 0:
            out.append(page[pos:])
            break
        end = page.find("}}", start)
        out.append(page[pos:start])
        out.append(parts[page[start + 2:end]])
        pos = end + 2
    return "".join(out)
