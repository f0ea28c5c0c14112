"""CLI commands of the loaders: ``extract`` and ``formats``."""
from __future__ import annotations

import json
import sys

import click

from ..errors import MandateGraphError
from ..options import format_option, jurisdiction_option, quiet_option, year_option
from .extract import iter_extract
from .inputs import find_documents
from .reading import READERS

__all__ = ["COMMANDS", "extract", "formats"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@jurisdiction_option
@year_option
@click.option("--encoding", default=None, metavar="NAME", help="Text encoding, overriding detection (e.g. gb18030).")
@click.option("--reader", type=click.Choice(sorted(READERS)), default=None, help="Input format, overriding detection.")
@format_option(choices=("jsonl", "table"), default="jsonl")
@quiet_option
def extract(files, jurisdiction, year, encoding, reader, fmt, quiet):
    """Extract tasks, lead and assist units and deadlines from FILES (or folders).

    Prints one JSON object per task (JSON Lines). Text that could not be
    placed and files that failed are reported on stderr; the exit status is 1
    if any file failed, or a folder held no document, and the other files
    are still extracted. Files left out of a folder (not documents, hidden,
    Office lock files, the same content as another) and what reading
    changed (control characters blanked) are named on stderr, unless -q.
    """
    found = find_documents(files)
    if not quiet:
        for line in found.notices():
            click.echo(line, err=True)
    failed = 0
    for error in found.errors():
        failed += 1
        click.echo(f"Error: {error}", err=True)
    for path, result in iter_extract(found.files, jurisdiction=jurisdiction, year=year, encoding=encoding,
                                     format=reader):
        if isinstance(result, MandateGraphError):
            failed += 1
            click.echo(f"Error: {result}", err=True)
            continue
        if not quiet:
            for line in result.notices:
                click.echo(f"notice: {line}", err=True)
        if fmt == "jsonl":
            out = sys.stdout
            for task in result.tasks:
                out.write(json.dumps(task.contract(), ensure_ascii=False) + "\n")
        else:
            _print_table(result)
        for u in result.unplaced:
            click.echo(f"{path}:{u.line}: not placed ({u.reason}): {u.text}", err=True)
        if not quiet and sys.stderr.isatty():
            m = result.meta
            click.echo(f"{path}: {m.jurisdiction.name or '?'} {m.year or '?'}: {len(result.tasks)} tasks, "
                       f"{len(result.unplaced)} not placed", err=True)
    if failed:
        sys.exit(1)


def _print_table(result) -> None:
    m = result.meta
    click.echo(f"# {m.source} — {m.title} ({m.jurisdiction.name}, {m.year})")
    for t in result.tasks:
        lead = "、".join(u.raw for u in t.lead) or "-"
        assist = "、".join(u.raw for u in t.assist) or "-"
        deadline = t.deadline.raw if t.deadline else "-"
        text = t.text if len(t.text) <= 40 else t.text[:39] + "…"
        click.echo(f"{'/'.join(t.path):<16} {t.source:<5} {text}  | 牵头: {lead} | 配合: {assist} | {deadline}")


@click.command()
def formats():
    """List the registered readers, writers and stores."""
    from ..graph.registry import STORES, WRITERS

    click.echo("readers: " + ", ".join(sorted(READERS)))
    click.echo("writers: " + ", ".join(sorted(WRITERS)))
    click.echo("stores:  " + ", ".join(sorted(STORES)))


COMMANDS = [extract, formats]
