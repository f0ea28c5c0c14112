"""The `mandategraph` command: thin wrappers over the library's functions.

Each subpackage contributes its commands in a ``commands*.py`` module that
defines ``COMMANDS``; only this module prints errors and sets exit codes.
"""
from __future__ import annotations

import importlib
import sys

import click

from .errors import MandateGraphError

__all__ = ["main", "cli"]

# Modules whose COMMANDS are added to the group, in help order.
_COMMAND_MODULES = (
    "mandategraph.loaders.commands",
    "mandategraph.graph.commands",
    "mandategraph.graph.commands_cypher",
    "mandategraph.viz.commands",
    "mandategraph.graph.commands_incremental",
    "mandategraph.graph.commands_rdf",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mandategraph")
def cli() -> None:
    """Turn government-information-disclosure work plans into a knowledge graph.

    Typical use: `mandategraph build data/documents --out out`, then `query`,
    `cypher`, `sparql`, `viz`, `export rdf` on the built folder.
    """


for _name in _COMMAND_MODULES:
    for _cmd in importlib.import_module(_name).COMMANDS:
        cli.add_command(_cmd)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="mandategraph", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MandateGraphError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
