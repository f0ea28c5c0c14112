"""CLI commands of the visualisations: ``viz``, ``plot``, ``report``.

Each loads the build folder, calls the library function of the same name
and prints what it wrote; errors are raised as typed errors for cli.main.
"""
from __future__ import annotations

import click

from ..options import graph_option

DEFAULT_MAX_NODES = 1200  # = aggregate.DEFAULT_MAX_NODES, not imported, to keep --help fast

__all__ = ["COMMANDS", "viz", "plot", "report", "load_graph_for"]

# Same spelling as options.jurisdiction_option / year_option, but these
# select part of a built graph instead of overriding what a text says.
_jurisdiction = click.option("--jurisdiction", "-j", default=None, metavar="NAME",
                             help="Only this jurisdiction (and the divisions under it), e.g. 温州市.")
_year = click.option("--year", "-y", type=int, default=None, metavar="N", help="Only tasks of this plan year.")


def load_graph_for(graph_dir: str, jurisdiction: str | None = None):
    """The build's graph, or only the part about ``jurisdiction`` and the divisions under it (which is all
    a view filtered on it draws)."""
    from ..graph.tables import count_ends, load_divisions, load_graph

    if jurisdiction is None:
        return load_graph(graph_dir)
    from .names import descendant_names, find_jurisdictions
    from .tips import COUNTED, EDGE_COUNTS

    divisions = load_divisions(graph_dir)
    part = load_graph(graph_dir, descendant_names(divisions, find_jurisdictions(divisions, jurisdiction)))
    # Tips and unit sizes count mandates and tasks in the whole build.
    part.graph[EDGE_COUNTS] = {(t, end): count_ends(graph_dir, t, end) for t, end in COUNTED}
    return part


@click.command("viz")
@graph_option
@_jurisdiction
@_year
@click.option("--unit", "-u", default=None, metavar="NAME", help="A unit (name or alias): its neighbourhood, or a filter.")
@click.option("--theme", "-t", default=None, metavar="NAME", help="Only tasks of this theme (Chinese or English label).")
@click.option("--role", type=click.Choice(["lead", "assist"]), default=None, help="Only mandates of this role.")
@click.option("--view", "view_name", type=click.Choice(["full", "unit", "unit-theme", "continuity"]), default=None,
              help="What to draw [default: unit with --unit, else full].")
@click.option("--max-nodes", type=int, default=DEFAULT_MAX_NODES, show_default=True,
              help="Group and cut views above this many nodes (0: no limit).")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def viz(graph_dir, jurisdiction, year, unit, theme, role, view_name, max_nodes, out):
    """Write an interactive explorer page (one self-contained HTML file) of the graph.

    Examples: `mandategraph viz --out graph.html`;
    `mandategraph viz -j 温州市 --view continuity --out wz.html`;
    `mandategraph viz -j 温州市 --unit 市大数据局 --out unit.html`.
    """
    from .explorer import viz as viz_
    from .views import Filters

    g = load_graph_for(graph_dir, jurisdiction)
    r = viz_(g, out, view_name, Filters(jurisdiction, year, theme, unit, role), max_nodes or None)
    click.echo(f"{r.path}: {r.view.name} view, {r.nodes:,} nodes, {r.edges:,} edges")
    for m in r.view.messages:
        click.echo(f"note: {m}", err=True)


@click.command("plot")
@graph_option
@_jurisdiction
@click.option("--top", type=int, default=20, show_default=True, help="Units in the workload plot.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write.")
def plot(graph_dir, jurisdiction, top, out):
    """Plot tasks per theme/year/jurisdiction, unit workload and continuity (PNG, HTML, CSV).

    With --jurisdiction, of its plans and those of the divisions under it only.
    """
    from .plots import plot as plot_

    r = plot_(load_graph_for(graph_dir, jurisdiction), out, top)
    for f in r.files:
        click.echo(str(f))
    for name, note in r.notes.items():
        click.echo(f"note: {name}: {note}", err=True)


@click.command("report")
@graph_option
@_jurisdiction
@click.option("--top-units", type=int, default=5, show_default=True, help="Busiest units that get a page.")
@click.option("--max-nodes", type=int, default=DEFAULT_MAX_NODES, show_default=True,
              help="Drawing limit of each explorer page (0: no limit).")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write.")
def report(graph_dir, jurisdiction, top_units, max_nodes, out):
    """Write a report folder: index.html with figures, plots and links to explorer pages.

    With --jurisdiction, of its plans and those of the divisions under it only: a build of many
    jurisdictions gets a page per jurisdiction-year, so report a province or a city of a national one.
    """
    from .report import report as report_

    r = report_(load_graph_for(graph_dir, jurisdiction), out, top_units, max_nodes or None,
                jurisdiction=jurisdiction)
    click.echo(f"{r.index}: {len(r.views)} explorer pages, {len(r.plots)} plot files")


COMMANDS = [viz, plot, report]
