"""``mandategraph plot``: the three summary plots as PNG, interactive HTML and CSV.

:func:`plot` writes, for each of ``themes``, ``workload`` and ``continuity``,
a PNG (matplotlib, CJK font), a self-contained HTML chart and the CSV of its
numbers, and returns the frames so a report can reuse them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from . import charts, png
from .plotdata import NO_THEME, continuity_summary, theme_year_counts, unit_workload

__all__ = ["PlotResult", "plot", "plot_notes", "PLOTS"]

PLOTS = ("themes", "workload", "continuity")


@dataclass
class PlotResult:
    """What :func:`plot` wrote and the numbers it drew."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def plot_notes(g: nx.MultiDiGraph) -> dict[str, str]:
    """A caveat per plot when the build lacks what it counts (so an empty bar is not read as a finding)."""
    types = {k for _, _, k in g.edges(keys=True)}
    notes = {}
    if "IN_THEME" not in types:
        notes["themes"] = f"No task has a theme in this build: every task is counted under {NO_THEME}."
    if "CONTINUES" not in types:
        notes["continuity"] = "No CONTINUES edge in this build: every earlier task counts as dropped."
    return notes


def plot(g: nx.MultiDiGraph, out: str | Path, top: int = 20) -> PlotResult:
    """Write the plots of ``g`` into folder ``out``.

    Parameters
    ----------
    g : networkx.MultiDiGraph
        A built graph.
    out : path
        Folder to write (created if missing).
    top : int
        Units shown in the workload plot.

    Raises
    ------
    FontError
        When no CJK font is installed (the PNGs would show empty boxes).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes = plot_notes(g)
    frames = {"themes": theme_year_counts(g), "workload": unit_workload(g, top), "continuity": continuity_summary(g)}
    result = PlotResult(out, frames=frames, notes=notes)
    drawers = {"themes": (png.theme_png, charts.theme_chart, "任务主题分布 Tasks per theme"),
               "workload": (png.workload_png, charts.workload_chart, "单位工作量 Workload per unit"),
               "continuity": (png.continuity_png, charts.continuity_chart, "延续情况 Continuity")}
    for name in PLOTS:
        df, note = frames[name], notes.get(name, "")
        draw_png, draw_html, title = drawers[name]
        result.files.append(draw_png(df, out / f"{name}.png", note))
        page = out / f"{name}.html"
        page.write_text(charts.chart_page(title, draw_html(df, note)), encoding="utf-8")
        result.files.append(page)
        csv = out / f"{name}.csv"
        df.drop(columns=["unit"], errors="ignore").to_csv(csv, index=False, encoding="utf-8", lineterminator="\n")
        result.files.append(csv)
    return result
