"""A function called in a fresh Python process, its arguments and result pickled through files.

A build links SIMILAR_TO in a second process while it links the rest. A
forked child would share the parent's pages only until either process writes
them, and both write everywhere: reference counts of the task texts, the gc
walking the graph's objects, new objects reusing the free blocks the
extraction left. Measured on the national build, a fork cost ~1.3 GB of
copied pages within 20 s of starting (4 GB shared), the gc kept frozen or
not. A fresh interpreter holds only its imports and what it is sent.

Unlike multiprocessing's ``spawn``, the child does not import the caller's
``__main__`` module, so a script that calls ``build`` needs no
``if __name__ == "__main__"`` guard. The function must be importable by name
(a module-level function) and its arguments picklable.
"""
from __future__ import annotations

import importlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["Worker"]


class Worker:
    """``fn(*args)`` running in a new process from the moment of construction.

    >>> Worker(divmod, 7, 2).result()
    (3, 1)
    """

    def __init__(self, fn: Callable, *args):
        self._name = f"{fn.__module__}.{fn.__qualname__}"
        self._folder = Path(tempfile.mkdtemp(prefix="mandategraph-worker-"))
        try:
            with open(self._folder / "call.pickle", "wb") as fh:
                pickle.dump((fn.__module__, fn.__qualname__, args), fh, protocol=pickle.HIGHEST_PROTOCOL)
            with open(self._folder / "stderr.txt", "wb") as err:
                # The child finds this package (and whatever else the caller could import) where we do.
                env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
                self._process = subprocess.Popen([sys.executable, "-m", __name__, str(self._folder)],
                                                 stdin=subprocess.DEVNULL, stderr=err, env=env)
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    def result(self):
        """Wait for the call; its value, or the exception it raised raised here."""
        try:
            status = self._process.wait()
            try:
                with open(self._folder / "result.pickle", "rb") as fh:
                    ok, value = pickle.load(fh)
            except FileNotFoundError:
                tail = (self._folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-600:].strip()
                raise RuntimeError(f"the worker process for {self._name} ended with exit status {status} before "
                                   f"sending its result (out of memory?){': ' + tail if tail else ''}") from None
        finally:
            self.close()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the process if it still runs and remove its files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


def _run(folder: Path) -> None:
    with open(folder / "call.pickle", "rb") as fh:
        module, name, args = pickle.load(fh)
    try:
        fn = importlib.import_module(module)
        for part in name.split("."):
            fn = getattr(fn, part)
        value = (True, fn(*args))
    except BaseException as exc:  # raised again in the parent, where the build can report it
        value = (False, exc)
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # what does not pickle still reaches the parent, as text
        ok, what = value
        said = (f"returned a {type(what).__name__}" if ok  # a result's repr may be gigabytes
                else f"raised {what!r}"[:1000])
        data = pickle.dumps((False, RuntimeError(f"{module}.{name} {said}, which cannot be sent back: {exc}")))
    part = folder / "result.pickle.part"
    part.write_bytes(data)
    part.rename(folder / "result.pickle")  # whole or absent: a killed child leaves no half result


if __name__ == "__main__":
    _run(Path(sys.argv[1]))
