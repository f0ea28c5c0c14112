"""CLI command of incremental builds: ``add``."""
from __future__ import annotations

import sys

import click

from ..options import graph_option, jurisdiction_option, quiet_option, year_option
from .build import BuildOptions
from .incremental import add_documents

__all__ = ["COMMANDS", "add"]


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@graph_option
@jurisdiction_option
@year_option
@click.option("--local-similar", is_flag=True,
              help="Link the new tasks by SIMILAR_TO within their province only (fast; not identical to a "
                   "rebuild, which recomputes SIMILAR_TO over the whole graph).")
@quiet_option
def add(inputs, graph_dir, jurisdiction, year, local_similar, quiet):
    """Add the documents in INPUTS to the graph built in --graph, without a rebuild.

    The folder ends up as `mandategraph build` of the old and new inputs
    together would write it. A document already in the graph is skipped.
    """
    result = add_documents(inputs, graph_dir, BuildOptions(), exact=not local_similar, jurisdiction=jurisdiction,
                           year=year)
    click.echo(f"added: {len(result.added)}  already in the graph: {len(result.unchanged)}  "
               f"failed: {len(result.errors)}")
    if not quiet:
        changed = ", ".join(f"{stem} +{w}" for stem, (_, w) in sorted(result.rows.items()) if w)
        if changed:
            click.echo(f"rows written: {changed}")
        click.echo("seconds: " + "  ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
    for _, msg in result.errors:
        click.echo(f"Error: {msg}", err=True)
    if result.errors:
        sys.exit(1)


COMMANDS = [add]
