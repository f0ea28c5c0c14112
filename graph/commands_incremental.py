"""CLI commands of incremental builds: ``add`` and ``checkpoint``."""
from __future__ import annotations

import sys

import click

from ..options import graph_option, jurisdiction_option, year_option

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
@click.option("--rebuild/--one-by-one", "rebuild", default=None,
              help="Rebuild the folder from the documents it was built of plus the new ones, or add them one by "
                   "one. By default a batch of at least 12 plans (or 0.5% of the build's, when more) is rebuilt: "
                   "faster from there (see README, Benchmarks).")
@click.option("--quiet", "-q", is_flag=True,
              help="Print only the line of totals (added, already in the graph, failed) on stdout and only "
                   "errors on stderr: no progress, notices or rows.")
def add(inputs, graph_dir, jurisdiction, year, exact_similar, fold, rebuild, quiet):
    """Add the documents in INPUTS to the graph built in --graph (a large batch: by a rebuild).

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

    A batch of at least 12 plans (or 0.5% of the build's, when more) is
    faster rebuilt: the folder is built again from the documents it records
    (inputs.json) and the new ones, and the add says so on stderr; when the
    build's documents are gone, changed or fail to extract, or the folder
    holds a file no mandategraph command writes there, it says why and adds
    one by one. A rebuild replaces the folder whole: what other commands
    wrote into it (rdf/, report/, answers/, sparql.oxigraph/, plots/) is
    removed, and named on stderr; run them again. An add one by one keeps
    them (stale).
    Files left out of a folder, duplicates and what reading changed are
    named on stderr, and a progress bar per stage is drawn there when it is
    a terminal, unless -q.
    """
    from .commands import StageBars
    from .incremental import add_documents

    with StageBars.for_cli(quiet) as bars:
        result = add_documents(inputs, graph_dir, similar="exact" if exact_similar else "incremental",
                               checkpoint=fold, rebuild=rebuild, progress=bars.progress, notice=bars.notice,
                               jurisdiction=jurisdiction, year=year)
    click.echo(f"added: {len(result.added)}  already in the graph: {len(result.unchanged)}  "
               f"failed: {len(result.errors)}")
    if not quiet:
        if result.rebuilt:
            changed = ", ".join(f"{stem} {a - b:+,}" for stem, (b, a) in sorted(result.counts.items()) if a != b)
            click.echo(f"rebuilt: {changed}" if changed else "rebuilt: no rows changed")
        else:
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
