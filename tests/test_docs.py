"""The README documents every command, and every command has help."""
from __future__ import annotations

from pathlib import Path

import click
import pytest

from mandategraph.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + name, cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + name + " ")


@pytest.mark.parametrize("name, cmd", list(_commands(cli)))
def test_command_is_documented_and_has_help(name, cmd):
    assert cmd.help and cmd.help.strip(), f"{name} has no help"
    assert f"mandategraph {name}" in README, f"README does not show `mandategraph {name}`"


def test_readme_names_the_two_commands():
    assert "bash .ci/main" in README and "bash .ci/run" in README
