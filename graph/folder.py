"""A build folder's life: written whole beside its place, swapped in complete, one writer at a time.

``build`` writes a new build into a staging folder beside the target
(``.OUT.build-new``, same filesystem), writes the completion marker
``BUILD_COMPLETE`` into it last, and only then swaps it in: the old folder
is renamed aside (``.OUT.build-old``), the new one renamed in, the old one
deleted. A build killed before the swap leaves the old folder as it was
(and a staging folder the next build into it deletes); one killed between
the two renames leaves no ``OUT`` and the old build aside, which the next
build or reader puts back (or, when the staging folder is complete,
finishes the swap with). What a previous build's folder held beyond the
build, the outputs mandategraph's own commands write there (``rdf/``,
``report/``, ``answers/``, ``sparql.oxigraph/``, …: :data:`DERIVED`), goes with
it; anything else in it (a file of the user's) makes the build refuse
(naming it) unless ``force``. A folder is a build when it has the marker
or, written before builds were marked, ``summary.json``, ``extract.jsonl``
and ``tables/nodes_Task.parquet`` together: a non-empty folder that is not
one is not replaced either.

A lock file beside the target (``.OUT.lock``, ``fcntl.flock``) is held for
the whole of a build (exclusive) and of an ``add``, ``checkpoint`` or fold
(shared; adds wait for one another on their own lock inside the folder):
a build into a folder another build or add is writing is refused at once,
naming the building process's pid (only an exclusive holder writes its pid
into the lock file), and so is an add into a folder being built.

Every reader of a build folder goes through :func:`check_build`
(:func:`mandategraph.graph.tables.tables_of`, :func:`~mandategraph.graph.ladybug_store.ladybug_path`,
``add``): it refuses a staging folder, and a folder holding a build's files
without the marker (a build killed while writing in place, as builds did
before they were staged), with one line saying to build again. A folder of
tables alone (``write_tables``, no ``summary.json`` or ``extract.jsonl``) is
read as before.

Test hook: with ``MANDATEGRAPH_FAULT=<stage>`` in the environment, a build
ends its process with ``os._exit(137)`` (a SIGKILL's exit status) right
after that stage (:func:`fault_point`; the stages are listed in
``FAULT_STAGES``), and with ``<stage>:wait`` it stops there until killed.
``tests/test_build_atomic.py`` kills builds there.
"""
from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Callable, Iterator

from ..errors import MandateGraphError, ReadError

__all__ = ["MARKER", "FAULT_ENV", "FAULT_STAGES", "BusyError", "check_build", "build_lock", "mark_complete",
           "unmark", "staging_path", "aside_path", "lock_path", "prepare_target", "swap_in", "recover_swap",
           "fault_point", "writing", "is_build_folder", "check_target", "derived_entries", "being_written",
           "is_staged", "foreign_entries", "sync_tree", "BUILD_WRITES", "DERIVED"]

MARKER = "BUILD_COMPLETE"  # written last: the folder holds a whole build
_MARKER_TEXT = "mandategraph build complete\n"
FAULT_ENV = "MANDATEGRAPH_FAULT"
# Where a build can be stopped by the test hook, in order.
FAULT_STAGES = ("locked", "extract", "extractions", "edge_tables", "link", "tables", "add_index", "ladybug_copy",
                "ladybug", "marked", "aside", "swapped")
_STAGING, _ASIDE, _LOCK = ".build-new", ".build-old", ".lock"
# Files only a build writes (beside tables/): a folder with one of them and no marker is a cut build.
_BUILD_FILES = ("summary.json", "extract.jsonl", "unplaced.jsonl", "add_index.npz")
# What a build writes into its folder, and what `add`/`checkpoint` (graph/incremental.py: journal, lock,
# staged and moved-aside files) and the database (graph/ladybug_store.py: log, shadow, load folder) add.
BUILD_WRITES = (MARKER, "tables", "graph.lbug", "graph.lbug.wal", "graph.lbug.shadow", "extract.jsonl",
                "unplaced.jsonl", "summary.json", "inputs.json", "add_index.npz", ".add-journal.json", ".add-lock",
                ".add-work", "*.add-tmp", "*.add-old", ".lbug-*")
# What mandategraph's other commands write into a build folder (.ci/main: `export rdf --out OUT/rdf`,
# `report --out OUT/report`, `query … > OUT/answers/`; graph/sparql_store.py: sparql.oxigraph/ and its
# scratch; `plot --out OUT/plots`; `neo4j push`'s checkpoint): a rebuild replaces them with the folder.
DERIVED = ("rdf", "report", "answers", "plots", "sparql.oxigraph", ".sparql-*", "neo4j-push.checkpoint.json")
# Inside tables/: the tables, and an add's pending rows, staged and moved-aside files.
_TABLE_WRITES = ("nodes_*.csv", "nodes_*.parquet", "edges_*.csv", "edges_*.parquet", "pending.json", "*.add-tmp",
                 "*.add-old")
_WRITING: set[str] = set()  # staging folders this process is writing (its own reads of them are let through)
_SWAP_WAIT = 10.0  # seconds a reader waits for a build's swap to finish


class BusyError(MandateGraphError):
    """Another build or add holds the folder's lock."""


def fault_point(stage: str) -> None:
    """Test hook: end the process now (``os._exit(137)``) when ``MANDATEGRAPH_FAULT`` names ``stage``;
    with ``stage:wait``, stop there until killed (a build that holds its lock, for the lock's tests)."""
    fault = os.environ.get(FAULT_ENV)
    if fault == stage:
        os._exit(137)
    if fault == f"{stage}:wait":
        while True:
            time.sleep(60)


def _real(out: str | Path) -> Path:
    """The target's real path: staging and lock files go beside the real folder."""
    return Path(os.path.realpath(out))


def staging_path(out: str | Path) -> Path:
    out = _real(out)
    return out.parent / f".{out.name}{_STAGING}"


def aside_path(out: str | Path) -> Path:
    out = _real(out)
    return out.parent / f".{out.name}{_ASIDE}"


def lock_path(out: str | Path) -> Path:
    out = _real(out)
    return out.parent / f".{out.name}{_LOCK}"


def is_staged(folder: Path) -> bool:
    """Whether ``folder`` is a build's staging folder or an old build it set aside."""
    name = folder.name
    return name.startswith(".") and name.endswith((_STAGING, _ASIDE))


def _target_of_staged(folder: Path) -> Path:
    name = folder.name
    for suffix in (_STAGING, _ASIDE):
        if name.endswith(suffix):
            return folder.parent / name[1:-len(suffix)]
    return folder


@contextlib.contextmanager
def writing(stage: Path) -> Iterator[None]:
    """While a build writes ``stage``, its own reads of it (the database load) pass :func:`check_build`."""
    key = str(_real(stage))
    _WRITING.add(key)
    try:
        yield
    finally:
        _WRITING.discard(key)


def being_written(folder: Path) -> bool:
    """Whether this process is writing the (staging) folder ``folder`` as a build (:func:`writing`)."""
    return bool(_WRITING) and str(_real(folder)) in _WRITING


# ---------------------------------------------------------------------------------------------- the lock


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process (an add, a fold or a checkpoint)"


@contextlib.contextmanager
def build_lock(out: str | Path, *, shared: bool = False, label: str | None = None) -> Iterator[None]:
    """Hold the lock of the build folder ``out`` (exclusive for a build, ``shared`` for an add).

    Never waits: a lock held the other way raises :class:`BusyError` naming
    the folder and the holder's pid. A shared lock whose file cannot be made
    (the parent folder is read-only, so no build can run there) is skipped.
    """
    import fcntl

    path = lock_path(out)
    try:
        fh = open(path, "a+", encoding="ascii")
    except OSError:
        if shared:
            yield
            return
        raise
    with fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            what = "being built" if shared else "being built or added to"
            raise BusyError(f"{label or out}: the folder is {what} by {_holder(path)} (lock {path}); "
                            "wait for it to finish and run this again") from None
        try:
            # Only the exclusive holder names itself: shared holders (adds) are many, and each writing its
            # pid over the others' would name one at random. A shared holder clears a pid left there
            # (no build can hold the lock meanwhile: it is stale).
            fh.seek(0, os.SEEK_END)
            if not shared or fh.tell():
                fh.seek(0)
                fh.truncate()
            if not shared:
                fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield
        finally:
            if not shared:  # released: the pid no longer holds it
                with contextlib.suppress(OSError):
                    fh.seek(0)
                    fh.truncate()
                    fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------- writing


def sync_tree(folder: str | Path) -> None:
    """fsync every file and folder under ``folder`` (and ``folder`` itself): what is there is on disk."""
    folder = Path(folder)
    for root, dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                _fsync(path)
        for name in dirs:
            _fsync(Path(root) / name)
    _fsync(folder)


def mark_complete(out: str | Path) -> Path:
    """Write the completion marker: the last step of writing a build folder. The folder's files are
    synced to disk first, so that a marked build survives a crash of the machine whole."""
    sync_tree(out)
    path = Path(out) / MARKER
    with open(path, "w", encoding="ascii") as fh:
        fh.write(_MARKER_TEXT)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync(Path(out))
    return path


def unmark(out: str | Path) -> None:
    """Remove the completion marker: a build folder is being written in place."""
    (Path(out) / MARKER).unlink(missing_ok=True)


def is_build_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a build: the marker, or (a build made before the marker) its summary,
    extraction contract and Task table together. Only such a folder is replaced by a build."""
    folder = Path(folder)
    return (folder / MARKER).is_file() or all(
        (folder / name).is_file() for name in ("summary.json", "extract.jsonl", "tables/nodes_Task.parquet"))


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def foreign_entries(folder: str | Path) -> list[str]:
    """What ``folder`` (a build) holds that neither a build nor mandategraph's commands write there
    (:data:`BUILD_WRITES`, :data:`DERIVED`, and in ``tables/`` the tables): what replacing it would
    delete of someone else's. Paths relative to ``folder``, sorted; a folder ends with ``/``."""
    folder = Path(folder)
    found = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name == "tables" and entry.is_dir() and not entry.is_symlink():
            found += [f"tables/{e.name}" + ("/" if e.is_dir() else "") for e in sorted(entry.iterdir())
                      if not (e.is_file() and _matches(e.name, _TABLE_WRITES))]
        elif not _matches(name, BUILD_WRITES + DERIVED):
            found.append(name + ("/" if entry.is_dir() and not entry.is_symlink() else ""))
    return found


def derived_entries(folder: str | Path) -> list[str]:
    """The outputs of mandategraph's other commands (:data:`DERIVED`) in the build folder ``folder``:
    what a rebuild of it removes."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return [e.name + ("/" if e.is_dir() else "") for e in sorted(folder.iterdir())
            if _matches(e.name, DERIVED) and not e.name.startswith(".")]


def _shown(names: list[str], limit: int = 5) -> str:
    return ", ".join(names[:limit]) + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _rmtree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _fsync(path: str | Path) -> None:
    """fsync a file or a folder, as far as the file system lets it (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover_swap(out: str | Path) -> bool:
    """Finish or undo a swap a killed build left half done (no ``OUT``, the old build aside): the
    complete staging folder is renamed in, else the old build back. Call it holding the lock."""
    out = _real(out)
    old, stage = aside_path(out), staging_path(out)
    if os.path.lexists(out) or not old.is_dir():
        return False
    if (stage / MARKER).is_file():
        os.rename(stage, out)
        _fsync(out.parent)
        _rmtree(old)
    else:
        os.rename(old, out)
        _fsync(out.parent)
    return True


def check_target(out: str | Path, label: str | None = None, force: bool = False) -> None:
    """Refuse (ReadError) to replace ``out`` when it is a non-empty folder that is not a build, or a
    build holding what a build never writes there (:func:`foreign_entries`), naming what would be
    deleted; ``force`` replaces it all the same."""
    out = _real(out)
    label = label or str(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise ReadError(label, "exists and is not a folder")
    if force:
        return
    if not is_build_folder(out):
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir())
        if names:
            raise ReadError(label, f"is not a build folder and not empty ({_shown(names, 3)}); a build replaces "
                                   "its folder whole: pick another --out, empty it, or replace it with --force")
        return
    foreign = foreign_entries(out)
    if foreign:
        raise ReadError(label, f"holds what a build does not write, which replacing it would delete: "
                               f"{_shown(foreign)}; move it out of the folder, or replace it with --force")


def prepare_target(out: str | Path, label: str | None = None, force: bool = False) -> Path:
    """Before a build into ``out`` (holding its lock): put back a half-swapped folder, delete what
    killed builds left (staging folder, old build aside), check that ``out`` may be replaced
    (:func:`check_target`: a build replaces it whole); returns the (empty, fresh) staging folder."""
    out = _real(out)
    label = label or str(out)
    recover_swap(out)
    for leftover in (staging_path(out), aside_path(out)):
        _rmtree(leftover)
    check_target(out, label, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = staging_path(out)
    stage.mkdir()
    return stage


def swap_in(stage: Path, out: str | Path, notice: Callable[[str], None] | None = None) -> None:
    """Put the complete build ``stage`` in the place of ``out``: old aside, new in, old deleted.

    Once the new build is in, deleting the old one is best-effort: when it fails, ``notice`` (else a
    warning) says so and where it was left, and the next build into ``out`` deletes it."""
    out = _real(out)
    old = aside_path(out)
    if not (stage / MARKER).is_file():
        raise ReadError(str(stage), "the build is incomplete (no BUILD_COMPLETE marker); not swapped in")
    _rmtree(old)
    if os.path.lexists(out):
        os.rename(out, old)
        fault_point("aside")
    os.rename(stage, out)
    _fsync(out.parent)
    fault_point("swapped")
    try:
        _rmtree(old)
    except OSError as exc:
        line = (f"warning: {out}: the new build is in place, but the old one could not be deleted "
                f"({exc}); it was left as {old}, which the next build into {out.name} deletes")
        if notice is not None:
            notice(line)
        else:
            warnings.warn(line, stacklevel=2)


# ---------------------------------------------------------------------------------------------- reading


def _incomplete(folder: Path, why: str, target: Path | None = None) -> ReadError:
    return ReadError(str(folder), f"the build is incomplete ({why}); run `mandategraph build INPUTS --out "
                                  f"{target or folder}` again")


def _recover_as_reader(root: Path) -> None:
    """A reader found no folder and the old build aside: a build is between its two renames, or was
    killed there. Wait for the first, recover from the second (under the lock)."""
    deadline = time.monotonic() + _SWAP_WAIT
    while not os.path.lexists(root) and aside_path(root).is_dir():
        try:
            with build_lock(root):
                recover_swap(root)
            return
        except BusyError:
            if time.monotonic() > deadline:
                raise _incomplete(root, "a build is swapping it in") from None
            time.sleep(0.05)
        except OSError as exc:  # the lock cannot be made here: leave the folder to the next build
            raise _incomplete(root, f"a killed build left it aside as {aside_path(root).name}: {exc}") from None


def build_root(folder: str | Path) -> Path:
    """The build folder of ``folder`` (``OUT`` or ``OUT/tables``)."""
    folder = Path(folder)
    if folder.name == "tables" and (folder / "nodes_Task.parquet").is_file() and not (folder / "tables").is_dir():
        return folder.parent
    return folder


def check_build(folder: str | Path) -> None:
    """Refuse (ReadError) a build folder that is incomplete: a staging folder, or a folder holding a
    build's files without its marker; put back one a killed build left aside. A folder that does not
    exist, or holds tables alone, passes (its readers say what is missing)."""
    root = build_root(folder)
    if being_written(root):
        return
    if is_staged(root):
        what = "a staging folder of a build" if root.name.endswith(_STAGING) else "an old build set aside by a build"
        raise _incomplete(root, f"{what}, not swapped in", _target_of_staged(root))
    if not os.path.lexists(root) and aside_path(root).is_dir():
        _recover_as_reader(root)
    if not root.is_dir() or (root / MARKER).is_file():
        return
    cut = [name for name in _BUILD_FILES if (root / name).exists()]
    if cut:
        raise _incomplete(root, f"no {MARKER} marker: the build writing it was stopped, "
                                 "or it was written before builds were marked")
