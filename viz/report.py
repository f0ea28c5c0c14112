"""``mandategraph report``: one front page with the summary figures, the plots and links to explorer views.

:func:`report` writes ``index.html`` (self-contained: the interactive charts
are inline), ``plots/`` (:func:`.plots.plot`) and ``views/`` with an explorer
page for the whole graph, each jurisdiction-year, each jurisdiction's
continuity across years and unit–theme network, and the busiest units.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from . import charts
from .aggregate import DEFAULT_MAX_NODES
from .explorer import viz
from .names import nodes_of
from .plots import plot
from .views import Filters

__all__ = ["ReportResult", "report", "summary_figures"]

E = html.escape


@dataclass
class ReportResult:
    """What :func:`report` wrote."""

    index: Path
    views: list[Path] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)


def summary_figures(g: nx.MultiDiGraph) -> list[tuple[str, int]]:
    """``[(caption, number), ...]`` for the top of the report.

    >>> from mandategraph.graph.sample import sample_graph
    >>> dict(summary_figures(sample_graph()))["任务 tasks"]
    4
    """
    labels = Counter(d.get("label") for _, d in g.nodes(data=True))
    types = Counter(k for _, _, k in g.edges(keys=True))
    groups = sum(1 for _, d in g.nodes(data=True) if d.get("label") == "Unit" and d.get("is_group") == 1)
    return [("文件 documents", labels["Document"]), ("任务 tasks", labels["Task"]),
            ("单位 units", labels["Unit"] - groups), ("单位组 groups", groups),
            ("牵头 lead mandates", types["LEADS"]), ("配合 assist mandates", types["ASSISTS"]),
            ("主题 themes", labels["Theme"]), ("法规政策 instruments", labels["Instrument"]),
            ("延续 continues", types["CONTINUES"]), ("相似 similar", types["SIMILAR_TO"])]


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]+", "_", str(text)).strip("_") or "x"


def _jurisdiction_years(g: nx.MultiDiGraph) -> list[tuple[str, str, int, int]]:
    """``(name, code, year, tasks)`` for each jurisdiction-year that has tasks, in name and year order."""
    code = {g.nodes[j].get("name"): g.nodes[j].get("code") or _slug(j) for j in nodes_of(g, "Jurisdiction")}
    count = Counter((g.nodes[t].get("jurisdiction", ""), int(g.nodes[t].get("year") or 0)) for t in nodes_of(g, "Task"))
    return [(j, code.get(j) or f"j{i}", y, c) for i, ((j, y), c) in enumerate(sorted(count.items()))]


def report(g: nx.MultiDiGraph, out: str | Path, top_units: int = 5, max_nodes: int | None = DEFAULT_MAX_NODES,
           title: str = "政务公开任务图谱 mandategraph report", jurisdiction: str | None = None) -> ReportResult:
    """Write the report folder ``out`` for graph ``g``; see the module docstring.

    Parameters
    ----------
    top_units : int
        How many of the busiest units get a neighbourhood page.
    max_nodes : int or None
        Drawing limit of every explorer page.
    jurisdiction : str, optional
        Report this jurisdiction (and the divisions under it) only, e.g. of
        ``g`` read with :func:`~mandategraph.viz.commands.load_graph_for`:
        its first page is the jurisdiction's instead of the whole graph's.
    """
    out = Path(out)
    (out / "views").mkdir(parents=True, exist_ok=True)
    result = ReportResult(out / "index.html")
    plots = plot(g, out / "plots")
    result.plots = plots.files

    links: list[tuple[str, str, str]] = []  # (section, href, text)

    def page(name: str, text: str, section: str, view: str | None, f: Filters) -> None:
        r = viz(g, out / "views" / name, view, f, max_nodes)
        result.views.append(r.path)
        extra = f" — grouped: {r.nodes:,} of {r.view.source_nodes:,} nodes" if r.view.cut else f" — {r.nodes:,} nodes"
        links.append((section, f"views/{name}", text + extra))

    if jurisdiction is None:
        page("full.html", "全部图谱 The whole graph", "全图 Whole graph", "full", Filters())
    else:
        title = f"{title} · {jurisdiction}"
        page("full.html", f"{jurisdiction} 全部 All its plans", "全图 Whole graph", "full",
             Filters(jurisdiction=jurisdiction))
    jys = _jurisdiction_years(g)
    for j, code, y, _ in jys:
        page(f"{_slug(code)}_{y}.html", f"{j} {y}", "行政区·年度 Jurisdiction-year", "full", Filters(jurisdiction=j, year=y))
    has_themes = any(k == "IN_THEME" for _, _, k in g.edges(keys=True))
    years_of = Counter(j for j, _, _, _ in jys)
    for j, code in dict((j, code) for j, code, _, _ in jys).items():
        if years_of[j] > 1:
            page(f"{_slug(code)}_continuity.html", f"{j} 延续 continuity", "延续 Continuity across years",
                 "continuity", Filters(jurisdiction=j))
        if has_themes:
            page(f"{_slug(code)}_unit_theme.html", f"{j} 单位–主题 units and themes", "单位–主题 Units and themes",
                 "unit-theme", Filters(jurisdiction=j))
    busiest = plots.frames["workload"].head(top_units)
    for i, (unit, name, j) in enumerate(zip(busiest["unit"], busiest["name"], busiest["jurisdiction"])):
        page(f"unit_{i + 1}.html", f"{name}（{j}）", "单位 Busiest units", "unit", Filters(unit=unit, jurisdiction=j))

    result.index.write_text(_index_html(g, title, jys, links, plots), encoding="utf-8")
    return result


def _index_html(g, title, jys, links, plots) -> str:
    figures = "".join(f"<li><b>{n:,}</b><span>{E(c)}</span></li>" for c, n in summary_figures(g))
    docs = sorted(nodes_of(g, "Document"), key=lambda d: (str(g.nodes[d].get("jurisdiction")), g.nodes[d].get("year", 0)))
    tasks_in = Counter(u for u, _, k in g.edges(keys=True) if k == "CONTAINS")
    doc_rows = "".join(
        f"<tr><td>{E(str(g.nodes[d].get('jurisdiction', '')))}</td><td>{E(str(g.nodes[d].get('year', '')))}</td>"
        f"<td>{E(str(g.nodes[d].get('title', '')))}</td><td>{E(str(g.nodes[d].get('doc_number') or ''))}</td>"
        f"<td>{tasks_in[d]}</td><td>{E(str(g.nodes[d].get('source', '')))}</td></tr>" for d in docs)
    sections: dict[str, list[str]] = {}
    for section, href, text in links:
        sections.setdefault(section, []).append(f'<li><a href="{E(href)}">{E(text)}</a></li>')
    link_html = "".join(f"<h3>{E(s)}</h3><ul class='mg-links'>{''.join(items)}</ul>" for s, items in sections.items())
    f, n = plots.frames, plots.notes
    body = (
        f'<ul class="mg-figures">{figures}</ul>'
        f"<h2>文件 Documents</h2><table class='mg-plain'><thead><tr><th>行政区</th><th>年份</th><th>标题 Title</th>"
        f"<th>文号</th><th>任务 Tasks</th><th>文件 File</th></tr></thead><tbody>{doc_rows}</tbody></table>"
        f"<h2>浏览图谱 Explore the graph</h2>{link_html}"
        f"<h2>图表 Plots</h2>"
        f"{charts.theme_chart(f['themes'], n.get('themes', ''))}"
        f"<p><a href='plots/themes.png'>PNG</a> · <a href='plots/themes.csv'>CSV</a></p>"
        f"{charts.workload_chart(f['workload'], n.get('workload', ''))}"
        f"<p><a href='plots/workload.png'>PNG</a> · <a href='plots/workload.csv'>CSV</a></p>"
        f"{charts.continuity_chart(f['continuity'], n.get('continuity', ''))}"
        f"<p><a href='plots/continuity.png'>PNG</a> · <a href='plots/continuity.csv'>CSV</a></p>")
    return charts.chart_page(title, body)
