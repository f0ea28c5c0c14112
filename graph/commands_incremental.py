"""CLI commands of incremental builds: ``add`` and ``checkpoint``."""
from __future__ import annotations

import sys

import click

from ..options import graph_option, jurisdiction_option, quiet_option, year_option

__all__ = ["COMMANDS", "add", "checkpoint"]

CHECKPOINT_WAL_BYTES = 8 << 20  # = incremental.CHECKPOINT_WAL_BYTES, not imported, to keep --help fast


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@graph_option
@jurisdiction_option
@year_option
@click.option("--exact-similar", is_flag=True,
              help="Recompute SIMILAR_TO over the whole graph, as a rebuild does (slow on large graphs). "
                   "By default the new tasks are scored against the old ones and only their links change.")
@click.option("--checkpoint/--no-checkpoint", "fold", default=None,
              help="Fold the database's write-ahead log into graph.lbug and the pending rows into the tables "
                   "after the add (slow on large graphs), or never. By default each only when its log is above "
                   f"{CHECKPOINT_WAL_BYTES >> 20} MB; see `mandategraph checkpoint`.")
@quiet_option
def add(inputs, graph_dir, jurisdiction, year, exact_similar, fold, quiet):
    """Add the documents in INPUTS to the graph built in --graph, without a rebuild.

    Tables, database and files change as `mandategraph build` of the old and
    new inputs together would write them; SIMILAR_TO gets the new tasks'
    links (with --exact-similar, exactly the rebuild's). A document already
    in the graph is skipped. The database changes stay in its write-ahead
    log (graph.lbug.wal, read by every open) until it grows above
    8 MB or `mandategraph checkpoint` folds it into graph.lbug. The rows of
    the tables wait in tables/pending.json: every mandategraph command that
    reads the tables writes them in first, as do `mandategraph checkpoint`
    and the add that leaves that file above 8 MB (read the tables
    with other tools after a checkpoint).
    """
    from .incremental import add_documents

    result = add_documents(inputs, graph_dir, similar="exact" if exact_similar else "incremental",
                           checkpoint=fold, jurisdiction=jurisdiction, year=year)
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


@click.command()
@graph_option
def checkpoint(graph_dir):
    """Fold what `add` left pending: its rows into the tables, graph.lbug's write-ahead log into the database file.

    `add` commits to the log and leaves it there: folding it rewrites the
    adjacency lists its edges touched (~11 s at national size, about the same
    for one add's log as for many), while every open of the database replays
    the log (~70 ms per MB, ~1 MB per document at national size). The rows
    wait in tables/pending.json (writing them rewrites each table they touch:
    ~6 s at national size). Run this after a batch of adds, before reading
    the tables with other tools, or before copying graph.lbug alone.
    """
    from .incremental import checkpoint as checkpoint_folder

    res = checkpoint_folder(graph_dir)
    if res["pending_documents"]:
        click.echo(f"checkpoint: {res['pending_documents']} documents' rows written into the tables in "
                   f"{res['fold_seconds']:.1f} s")
    if res["wal_bytes"]:
        click.echo(f"checkpoint: {res['wal_bytes'] / 1e6:.1f} MB of log folded into graph.lbug in {res['seconds']:.1f} s")
    elif not res["pending_documents"]:
        click.echo("checkpoint: no write-ahead log and no pending rows, nothing to do")


COMMANDS = [add, checkpoint]
