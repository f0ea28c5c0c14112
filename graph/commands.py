"""CLI command of the graph: ``build``."""
from __future__ import annotations

import sys

import click

from ..options import DEFAULT_GRAPH, jurisdiction_option, quiet_option, year_option

__all__ = ["COMMANDS", "build"]

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
@quiet_option
def build(inputs, out, jurisdiction, year, continues_threshold, similar_threshold, details_threshold,
          continues_relative, continues_level, similar_top_k, workers, quiet):
    """Extract every document in INPUTS (files or folders) and build the graph in --out.

    The build is written beside --out and replaces it whole once complete (a
    killed build leaves the old one); a second build or an add into the same
    folder meanwhile is refused.
    """
    from .build import BuildOptions, build as build_folder
    from .summary import format_summary

    options = BuildOptions(continues_threshold, similar_threshold, details_threshold, workers,
                           continues_relative=continues_relative, continues_level=continues_level,
                           similar_top_k=similar_top_k or None)
    show = not quiet and sys.stderr.isatty()
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=None, unit="doc", file=sys.stderr, desc="extract")

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(1)

    result = build_folder(inputs, out, options, progress, jurisdiction=jurisdiction, year=year)
    if bar is not None:
        bar.close()
    click.echo(format_summary(result.summary))
    click.echo(f"written: {out}/ (tables/, graph.lbug, extract.jsonl, summary.json)")
    for path, msg in result.errors:
        click.echo(f"Error: {msg}", err=True)
    if result.errors:
        sys.exit(1)


COMMANDS = [build]
