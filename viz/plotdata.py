"""The numbers behind the plots, as pandas frames (no drawing here).

- :func:`theme_year_counts`: tasks per theme, year and jurisdiction;
- :func:`unit_workload`: tasks each unit leads and assists;
- :func:`continuity_summary`: tasks continued, new and dropped between a
  jurisdiction's consecutive plan years.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx
import pandas as pd

from .aggregate import NO_THEME

__all__ = ["theme_year_counts", "unit_workload", "continuity_summary", "NO_THEME"]


def _tasks(g: nx.MultiDiGraph) -> list:
    return [n for n, d in g.nodes(data=True) if d.get("label") == "Task"]


def theme_year_counts(g: nx.MultiDiGraph) -> pd.DataFrame:
    """Tasks per (jurisdiction, year, theme); a task in two themes counts in both.

    Tasks with no theme are counted under ``未归类`` so the totals add up.

    Examples
    --------
    >>> from mandategraph.graph.sample import sample_graph
    >>> theme_year_counts(sample_graph()).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'jurisdiction': '台州市', 'year': 2022, 'theme': '公共数据开放', 'tasks': 1},
     {'jurisdiction': '温州市', 'year': 2019, 'theme': '公共数据开放', 'tasks': 1},
     {'jurisdiction': '温州市', 'year': 2022, 'theme': '公共数据开放', 'tasks': 1},
     {'jurisdiction': '温州市', 'year': 2022, 'theme': '疫情防控', 'tasks': 1}]
    """
    counts: Counter = Counter()
    for t in _tasks(g):
        d = g.nodes[t]
        themes = [g.nodes[v].get("pref_label", v) for _, v, k in g.out_edges(t, keys=True) if k == "IN_THEME"]
        for th in themes or [NO_THEME]:
            counts[(d.get("jurisdiction", ""), int(d.get("year") or 0), th)] += 1
    rows = [{"jurisdiction": j, "year": y, "theme": th, "tasks": c} for (j, y, th), c in counts.items()]
    df = pd.DataFrame(rows, columns=["jurisdiction", "year", "theme", "tasks"])
    return df.sort_values(["jurisdiction", "year", "theme"], kind="stable").reset_index(drop=True)


def unit_workload(g: nx.MultiDiGraph, top: int | None = 20) -> pd.DataFrame:
    """Tasks each unit leads and assists, most first (ties by name), at most ``top`` rows.

    Examples
    --------
    >>> from mandategraph.graph.sample import sample_graph
    >>> unit_workload(sample_graph(), top=2)[["name", "jurisdiction", "lead", "assist", "total"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'name': '市大数据发展管理局', 'jurisdiction': '温州市', 'lead': 2, 'assist': 0, 'total': 2},
     {'name': '市大数据发展管理局', 'jurisdiction': '台州市', 'lead': 1, 'assist': 0, 'total': 1}]
    """
    rows = []
    for u, d in g.nodes(data=True):
        if d.get("label") != "Unit":
            continue
        c = Counter(k for _, _, k in g.out_edges(u, keys=True) if k in ("LEADS", "ASSISTS"))
        if c:
            rows.append({"unit": u, "name": d.get("name", u), "jurisdiction": d.get("jurisdiction", ""),
                         "lead": c["LEADS"], "assist": c["ASSISTS"], "total": c["LEADS"] + c["ASSISTS"]})
    df = pd.DataFrame(rows, columns=["unit", "name", "jurisdiction", "lead", "assist", "total"])
    df = df.sort_values(["total", "lead", "jurisdiction", "name"], ascending=[False, False, True, True], kind="stable")
    return (df.head(top) if top else df).reset_index(drop=True)


def continuity_summary(g: nx.MultiDiGraph) -> pd.DataFrame:
    """Continued, new and dropped tasks between each jurisdiction's consecutive plan years.

    A task of the earlier year is *continued* if a CONTINUES edge leads from
    it to a task of the later year, else *dropped*; a task of the later year
    is *new* if no CONTINUES edge reaches it from the earlier year.
    Jurisdictions with a single year have no row.

    Examples
    --------
    >>> from mandategraph.graph.sample import sample_graph
    >>> continuity_summary(sample_graph()).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'jurisdiction': '温州市', 'from_year': 2019, 'to_year': 2022, 'from_tasks': 1, 'to_tasks': 2,
      'continued': 1, 'new': 1, 'dropped': 0}]
    """
    by_jy: dict = defaultdict(lambda: defaultdict(set))
    for t in _tasks(g):
        d = g.nodes[t]
        by_jy[d.get("jurisdiction", "")][int(d.get("year") or 0)].add(t)
    rows = []
    for j in sorted(by_jy):
        years = sorted(by_jy[j])
        for y1, y2 in zip(years, years[1:]):
            a, b = by_jy[j][y1], by_jy[j][y2]
            links = [(u, v) for u in a for _, v, k in g.out_edges(u, keys=True) if k == "CONTINUES" and v in b]
            continued = {u for u, _ in links}
            reached = {v for _, v in links}
            rows.append({"jurisdiction": j, "from_year": y1, "to_year": y2, "from_tasks": len(a), "to_tasks": len(b),
                         "continued": len(continued), "new": len(b - reached), "dropped": len(a - continued)})
    cols = ["jurisdiction", "from_year", "to_year", "from_tasks", "to_tasks", "continued", "new", "dropped"]
    return pd.DataFrame(rows, columns=cols)
