"""CLI command of incremental builds: ``add``."""
from __future__ import annotations

import sys

import click

from ..options import graph_option, jurisdiction_option, quiet_option, year_option
from .incremental import add_documents

__all__ = ["COMMANDS", "add"]


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@graph_option
@jurisdiction_option
@year_option
@click.option("--exact-similar", is_flag=True,
              help="Recompute SIMILAR_TO over the whole graph, as a rebuild does (slow on large graphs). "
                   "By default the new tasks are scored against the old ones and only their links change.")
@quiet_option
def add(inputs, graph_dir, jurisdiction, year, exact_similar, quiet):
    """Add the documents in INPUTS to the graph built in --graph, without a rebuild.

    Tables, database and files change as `mandategraph build` of the old and
    new inputs together would write them; SIMILAR_TO gets the new tasks'
    links (with --exact-similar, exactly the rebuild's). A document already
    in the graph is skipped.
    """
    result = add_documents(inputs, graph_dir, similar="exact" if exact_similar else "incremental",
                           jurisdiction=jurisdiction, year=year)
    click.echo(f"added: {len(result.added)}  already in the graph: {len(result.unchanged)}  "
               f"failed: {len(result.errors)}")
    if not quiet:
        changed = ", ".join(f"{stem} +{w}" for stem, (_, w) in sorted(result.rows.items()) if w)
        if changed:
            click.echo(f"rows written: {changed}")
        if result.similar.get("mode") == "incremental":
            s = result.similar
            click.echo(f"SIMILAR_TO: {s.get('scored', 0)} of {s.get('reach', 0)} old tasks in reach scored; "
                       f"links +{s.get('added', 0)} -{s.get('removed', 0)}")
        click.echo("seconds: " + "  ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
    for _, msg in result.errors:
        click.echo(f"Error: {msg}", err=True)
    if result.errors:
        sys.exit(1)


COMMANDS = [add]
