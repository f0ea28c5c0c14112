"""Which files a run reads: the documents named, and those inside the folders named.

:func:`find_documents` is the one place that decides it, for ``extract``,
``build`` and ``add``. It never prints: it returns what it found with a
report of what it left out and why (:class:`Found`), and the command
prints that report. Inside a folder:

- documents are the ``.txt``, ``.htm``, ``.html`` and ``.docx`` files;
  every other file is named as skipped with the reason (``.pdf``: convert
  it to text first);
- hidden files and folders (a leading ``.``) and Office lock files
  (``~$…``) are skipped and named;
- symbolic links are followed, files and folders alike; a link to a folder
  read already (a loop, or a second way into the same folder) is skipped
  and named, so a walk always ends;
- two files with the same bytes are read once, the first in order, and the
  second is named as a duplicate.
- a folder that cannot be listed (no permission, gone meanwhile) is named
  as skipped with the reason.

A file named directly is read whatever its name (the user asked for it),
but a duplicate of one read before is still read once.

Each document comes back as a :class:`DocumentPath`: the path to open,
carrying in ``source`` the name the graph and the extraction contract give
it, its path relative to the folder named (``a/plan.txt``) or, for a file
named directly, its file name.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import ReadError

__all__ = ["DOCUMENT_SUFFIXES", "DocumentPath", "Found", "file_checksum", "find_documents", "skip_reason"]

DOCUMENT_SUFFIXES = (".txt", ".htm", ".html", ".docx")
_LOOKED_FOR = ", ".join(DOCUMENT_SUFFIXES)

# Suffixes of files that hold a plan but are not read, with what to do about them.
_NOT_READ = {
    ".pdf": "PDF is not read; convert it to text",
    ".doc": "old Word format (.doc) is not read; save it as .docx",
    ".wps": "WPS format is not read; save it as .docx",
    ".rtf": "RTF is not read; save it as .docx or text",
    ".odt": "OpenDocument text is not read; save it as .docx",
    ".xls": "spreadsheets are not read; save the table as text (tab-separated)",
    ".xlsx": "spreadsheets are not read; save the table as text (tab-separated)",
    ".et": "spreadsheets are not read; save the table as text (tab-separated)",
}


class DocumentPath(str):
    """A document's path (a ``str``, so it opens and prints as one) with the
    name the graph gives the document in ``source``."""

    source: str

    def __new__(cls, path: str, source: str):
        self = super().__new__(cls, path)
        self.source = source
        return self

    def __reduce__(self):  # pickled to worker processes with its source
        return DocumentPath, (str(self), self.source)


@dataclass
class Found:
    """What :func:`find_documents` found, and what it left out and why."""

    files: list[DocumentPath] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, path of the same bytes read)
    empty: list[str] = field(default_factory=list)  # folders named that hold no document

    def notices(self) -> list[str]:
        """One line per file left out, for stderr (``skipped: …`` and ``duplicate: …``)."""
        return ([f"skipped: {p} ({why})" for p, why in self.skipped]
                + [f"duplicate: {p} has the same content as {first}; read once" for p, first in self.duplicates])

    def errors(self) -> list[ReadError]:
        """One error per folder named that holds no document."""
        return [no_documents(d) for d in self.empty]

    def error(self, inputs: Iterable[str | Path]) -> ReadError | None:
        """The error of a run given ``inputs`` when it found no document at all, else None."""
        if self.files:
            return None
        errors = self.errors()
        return errors[0] if len(errors) == 1 and len(self.empty) == len(list(inputs)) else \
            no_documents(", ".join(str(p) for p in inputs))


def no_documents(where: str) -> ReadError:
    return ReadError(str(where), f"no documents found (looked for {_LOOKED_FOR})")


def skip_reason(name: str) -> str | None:
    """Why a file of this name inside a folder is not read, or None when it is a document.

    >>> skip_reason("plan.txt"), skip_reason("plan.PDF"), skip_reason(".plan.txt"), skip_reason("~$plan.docx")
    (None, 'PDF is not read; convert it to text', 'hidden file', 'Office lock file')
    >>> skip_reason("notes.md")
    'not a document (.md); documents are .txt, .htm, .html, .docx'
    """
    if name.startswith("~$"):
        return "Office lock file"
    if name.startswith("."):
        return "hidden file"
    suffix = os.path.splitext(name)[1].lower()
    if suffix in DOCUMENT_SUFFIXES:
        return None
    if suffix in _NOT_READ:
        return _NOT_READ[suffix]
    return f"not a document ({suffix or 'no suffix'}); documents are {_LOOKED_FOR}"


def _shown(path: str) -> str:
    return os.path.normpath(path)


def _walk(folder: str, found: Found, seen: set[str]) -> list[DocumentPath]:
    """The documents under ``folder`` (links followed, each real folder once); the rest into ``found``."""
    inside: set[str] = set()  # the folder's own tree, links not followed: read under its own name
    for root, dirs, _ in os.walk(folder, onerror=lambda exc: None):  # the walk below names what fails
        inside.add(os.path.realpath(root))
    out: list[DocumentPath] = []

    def unreadable(exc: OSError) -> None:  # a folder that cannot be listed: named, not skipped silently
        where = exc.filename if exc.filename is not None else folder
        found.skipped.append((_shown(os.fsdecode(where)) + os.sep,
                              f"folder cannot be read: {exc.strerror or exc}"))

    for root, dirs, files in os.walk(folder, followlinks=True, onerror=unreadable):
        seen.add(os.path.realpath(root))
        keep = []
        for d in sorted(dirs):
            path = os.path.join(root, d)
            if d.startswith("."):
                found.skipped.append((_shown(path) + os.sep, "hidden folder"))
                continue
            real = os.path.realpath(path)
            link = os.path.islink(path)
            if real in seen or (link and real in inside):
                what = f"symbolic link to {os.readlink(path)}, " if link else ""
                where = "read already" if real in seen else "read under its own path"
                found.skipped.append((_shown(path) + os.sep, f"{what}a folder {where}"))
                continue
            seen.add(real)
            keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            path = os.path.join(root, f)
            if os.path.islink(path) and not os.path.exists(path):
                why = f"broken symbolic link to {os.readlink(path)}"
            else:
                why = skip_reason(f)
            if why is not None:
                found.skipped.append((_shown(path), why))
                continue
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            out.append(DocumentPath(_shown(path), rel))
    return out


def find_documents(inputs: Iterable[str | Path]) -> Found:
    """The documents of ``inputs`` (files and folders), in order, with the report of what was left out.

    Files named come in the order given; the documents of a folder sorted by
    path; when every input is a folder, all of them sorted by path.
    Missing paths are kept: reading them fails with their own error.
    """
    inputs = [str(p) for p in inputs]
    found = Found()
    seen: set[str] = set()
    files: list[DocumentPath] = []
    for p in inputs:
        if os.path.isdir(p):
            docs = _walk(p, found, seen)
            if not docs:
                found.empty.append(p)
            files += docs
        else:
            files.append(DocumentPath(p, Path(p).name))
    if inputs and all(os.path.isdir(p) for p in inputs):
        files.sort()
    found.files = _read_once(files, found)
    return found


def _read_once(files: list[DocumentPath], found: Found) -> list[DocumentPath]:
    """``files`` less those with the same bytes as one before them (only files of equal size are hashed)."""
    sizes: dict[int, int] = {}
    stat: list[int | None] = []
    for f in files:
        try:
            size = os.stat(f).st_size
        except OSError:
            size = None  # fails when read, with its own error
        stat.append(size)
        if size:
            sizes[size] = sizes.get(size, 0) + 1
    out, first_of = [], {}
    for f, size in zip(files, stat):
        if size and sizes[size] > 1:
            digest = file_checksum(f)
            if digest is not None:
                if digest in first_of:
                    found.duplicates.append((str(f), str(first_of[digest])))
                    continue
                first_of[digest] = f
        out.append(f)
    return out


def file_checksum(path: str | Path) -> str | None:
    """The SHA-256 of the file's bytes (hex), the checksum a document's id comes from; None when it
    cannot be read (missing, a folder, no permission)."""
    try:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None
