"""Free memory handed back to the system while another process needs it."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["return_free_memory"]


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc: musl, macOS, Windows
        return None


def return_free_memory() -> bool:
    """Give the pages the C allocator holds free back to the system; False where it cannot (not glibc).

    glibc keeps memory a process freed in its heap for the process's next
    allocations, and a national build frees gigabytes while it extracts and
    links (text, lists, frames of less than its 32 MB mmap threshold) that
    then count towards the machine's memory until the process ends. The
    build calls this once, before waiting for the SIMILAR_TO process at its
    largest: 5.1 -> 4.5 GB of the parent's RSS in 0.08 s, the tree's peak
    8,046 -> 7,707 MiB (bench/README.md). Python's own small-object arenas
    are not glibc's and keep what they hold.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
