"""CLI commands of the loaders: extract, formats."""
from __future__ import annotations

COMMANDS: list = []
