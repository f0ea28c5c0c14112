"""Typed errors of mandategraph: the library raises them, the CLI prints them."""
from __future__ import annotations

__all__ = [
    "MandateGraphError",
    "ReadError",
    "ParseError",
    "UnknownNameError",
    "StoreError",
    "QueryError",
    "JurisdictionError",
]


class MandateGraphError(Exception):
    """Base class of every error mandategraph raises on purpose."""


class ReadError(MandateGraphError):
    """A file could not be read or decoded (names the file and what was tried)."""

    def __init__(self, path: str, reason: str, *, tried: tuple[str, ...] = (), hint: str = ""):
        self.path = str(path)
        self.reason = reason
        self.tried = tried
        self.hint = hint
        msg = f"{self.path}: {reason}"
        if tried:
            msg += f" (tried: {', '.join(tried)})"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class ParseError(MandateGraphError):
    """Text could not be parsed; points at the file, line and span with a caret."""

    def __init__(self, path: str, reason: str, *, text: str = "", offset: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.offset = offset
        self.line: int | None = None
        excerpt = ""
        if offset is not None and text:
            self.line = text.count("\n", 0, offset) + 1
            start = text.rfind("\n", 0, offset) + 1
            end = text.find("\n", offset)
            end = len(text) if end < 0 else end
            line_text = text[start:end]
            col = offset - start
            lo = max(0, col - 30)
            window = line_text[lo: col + 30]
            excerpt = f"\n    {window}\n    {' ' * _display_width(window[: col - lo])}^"
        where = f"{self.path}:{self.line}" if self.line else self.path
        super().__init__(f"{where}: {reason}{excerpt}")


class UnknownNameError(MandateGraphError, KeyError):
    """An unknown reader, writer, store, query or format name; lists the known ones."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]):
        self.kind, self.name, self.known = kind, name, sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class StoreError(MandateGraphError):
    """A store or server refused or failed an operation."""


class QueryError(MandateGraphError):
    """A query is malformed, or its parameters do not fit."""


class JurisdictionError(MandateGraphError):
    """A jurisdiction a user named is unknown or ambiguous; ``candidates`` are the GB/T 2260 codes it may mean."""

    def __init__(self, name: str, message: str, *, candidates: list[str] | tuple[str, ...] = ()):
        self.name, self.candidates = name, tuple(candidates)
        super().__init__(message)


def _display_width(s: str) -> int:
    # CJK characters take two columns in a terminal, so the caret lines up.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
