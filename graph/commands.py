"""CLI command of the graph: ``build``."""
from __future__ import annotations

import sys

import click

from ..options import DEFAULT_GRAPH, jurisdiction_option, year_option

__all__ = ["COMMANDS", "build", "StageBars"]

# BuildOptions' defaults, written out so that --help need not import the build (pandas, networkx …);
# tests/test_cli_edges.py checks that they agree.
DEFAULTS = {"continues_threshold": 0.15, "similar_threshold": 0.35, "details_threshold": 0.25,
            "continues_relative": 0.6, "continues_level": 0.3, "similar_top_k": 3}


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "-o", default=DEFAULT_GRAPH, show_default=True, type=click.Path(file_okay=False),
              help="Build folder to write.")
@jurisdiction_option
@year_option
@click.option("--continues-threshold", type=float, default=DEFAULTS["continues_threshold"], show_default=True,
              help="Minimum similarity for CONTINUES (same jurisdiction, later year).")
@click.option("--similar-threshold", type=float, default=DEFAULTS["similar_threshold"], show_default=True,
              help="Minimum similarity for SIMILAR_TO (other jurisdictions, same or near year).")
@click.option("--details-threshold", type=float, default=DEFAULTS["details_threshold"], show_default=True,
              help="Minimum similarity for DETAILS (annex row ↔ prose item).")
@click.option("--continues-relative", type=click.FloatRange(0, 1), default=DEFAULTS["continues_relative"], show_default=True,
              help="CONTINUES also needs this share of the best score of both its tasks (0: off).")
@click.option("--continues-level", type=click.FloatRange(0, 1), default=DEFAULTS["continues_level"], show_default=True,
              help="CONTINUES also needs this share of its plan pair's level, the median score of the "
                   "pairs of tasks each other's best (0: off).")
@click.option("--similar-top-k", type=click.IntRange(min=0), default=DEFAULTS["similar_top_k"], show_default=True,
              help="Keep a SIMILAR_TO link only among the k best of one of its tasks (0: keep all).")
@click.option("--workers", type=int, default=0, help="Extraction processes (default: one per core for many files).")
@click.option("--quiet", "-q", is_flag=True,
              help="Print only the totals (documents, nodes, edges) on stdout and only errors on stderr: "
                   "no progress, no notices of files left out, no list per jurisdiction and year.")
@click.option("--force", is_flag=True,
              help="Replace --out even when it is not a build, or holds files that neither a build nor "
                   "mandategraph's commands write there (without it, the build refuses and names them).")
def build(inputs, out, jurisdiction, year, continues_threshold, similar_threshold, details_threshold,
          continues_relative, continues_level, similar_top_k, workers, quiet, force):
    """Extract every document in INPUTS (files or folders) and build the graph in --out.

    The build is written beside --out and replaces it whole once complete (a
    killed build leaves the old one), with what other commands wrote into it
    (rdf/, report/, answers/, sparql.oxigraph/, plots/); a second build or an
    add into the same folder meanwhile is refused. A non-empty --out that is
    not a build, or a build holding anything else, is refused with what
    would be deleted, unless --force. Files left out of a folder (not documents,
    hidden, the same content as another) and what reading changed (control
    characters blanked) are named on stderr, and a progress bar per stage is
    drawn there when it is a terminal, unless -q. The summary lists the tasks
    of the first 20 jurisdiction-years; summary.json has them all.
    """
    from .build import BuildOptions, build as build_folder
    from .summary import format_summary

    options = BuildOptions(continues_threshold, similar_threshold, details_threshold, workers,
                           continues_relative=continues_relative, continues_level=continues_level,
                           similar_top_k=similar_top_k or None)
    with StageBars.for_cli(quiet) as bars:
        result = build_folder(inputs, out, options, bars.progress, bars.notice, force=force,
                              jurisdiction=jurisdiction, year=year)
    click.echo(format_summary(result.summary, totals_only=quiet))
    if not quiet:
        click.echo(f"written: {out}/ (tables/, graph.lbug, extract.jsonl, summary.json)")
    for path, msg in result.errors:
        click.echo(f"Error: {msg}", err=True)
    if result.errors:
        sys.exit(1)


class StageBars:
    """Draws the :class:`~mandategraph.graph.build.Progress` events of a build or an add on a stream,
    one tqdm bar per stage (the stage's bar closed when the next one starts), and prints notices
    above the bar. Bars only when ``bars`` (the stream a terminal, no -q); notices unless ``quiet``."""

    def __init__(self, stream=None, *, bars: bool = True, quiet: bool = False):
        self.stream = stream if stream is not None else sys.stderr
        self.bars = bars and not quiet
        self.quiet = quiet
        self.bar = None
        self.stage = None

    @classmethod
    def for_cli(cls, quiet: bool, stream=None) -> "StageBars":
        stream = stream if stream is not None else sys.stderr
        return cls(stream, bars=not quiet and stream.isatty(), quiet=quiet)

    def progress(self, event) -> None:
        if not self.bars:
            return
        if event.stage != self.stage:
            self.close()
            from tqdm import tqdm

            self.stage = event.stage
            import shutil

            width = shutil.get_terminal_size((100, 20)).columns or 100
            self.bar = tqdm(total=event.total, desc=f"{event.stage:<13}", file=self.stream, leave=True,
                            unit="", ncols=min(width, 120), bar_format=None if event.total and event.total > 1
                            else "{desc}: {elapsed}{postfix}")
        bar = self.bar
        if event.total is not None and bar.total != event.total:
            bar.total = event.total
        if event.done > bar.n:
            bar.update(event.done - bar.n)
        if event.item:
            bar.set_postfix_str(event.item[-40:], refresh=False)

    def notice(self, line: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            click.echo(line, file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
            self.stage = None

    def __enter__(self) -> "StageBars":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


COMMANDS = [build]
