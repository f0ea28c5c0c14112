"""The `mandategraph` command: thin wrappers over the library's functions.

Each subpackage contributes its commands in a ``commands*.py`` module that
defines ``COMMANDS``; only this module prints errors and sets exit codes.
The command modules import the heavy packages (pandas, networkx, rdflib,
LadybugDB, matplotlib …) inside the commands, so ``--help`` stays fast
(tests/test_cli_edges.py checks that it imports none of them).
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
@click.option("--debug", is_flag=True, help="Show the traceback of an error instead of a one-line message.")
def cli(debug) -> None:
    """Turn government-information-disclosure work plans into a knowledge graph.

    Typical use: `mandategraph build data/documents --out out`, then `query`,
    `cypher`, `sparql`, `viz`, `export rdf` on the built folder.
    """


for _name in _COMMAND_MODULES:
    for _cmd in importlib.import_module(_name).COMMANDS:
        cli.add_command(_cmd)


def _command_of(args: list[str]) -> tuple[str, bool]:
    """The command named in ``args`` (``neo4j push`` for a subcommand) and whether --debug comes before it."""
    group, names, debug = cli, [], False
    for arg in args:
        if arg == "--debug" and group is cli:
            debug = True
        elif isinstance(group, click.Group) and arg in group.commands:
            names.append(arg)
            group = group.commands[arg]
        elif not arg.startswith("-") and names:
            break
    return " ".join(names) or "mandategraph", debug


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    command, debug = _command_of(args)
    try:
        cli.main(args=args, prog_name="mandategraph", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # `mandategraph … | head`: the reader has gone, say nothing
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except MandateGraphError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # anything unplanned: one line, the traceback with --debug
        if debug:
            raise
        cause = " ".join(str(exc).split()) or "(no message)"
        click.echo(f"Error: {command}: {type(exc).__name__}: {cause} (--debug shows the traceback)", err=True)
        sys.exit(1)
