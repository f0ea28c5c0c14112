"""Free memory handed back to the system (graph/heap.py)."""
from __future__ import annotations

import sys

import pytest

from mandategraph.graph.heap import return_free_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and needs glibc")
def test_memory_freed_in_the_middle_of_the_heap_goes_back_to_the_system():
    # 1 KiB strings come from glibc's heap (above Python's 512-byte small objects); keeping one in 64
    # holds the heap's top up, so glibc's own trimming at free() cannot give the rest back.
    blocks = [b"x" * 1024 + bytes([k % 251]) for k in range(300_000)]
    kept = blocks[::64]
    del blocks
    before = _rss_mb()
    assert return_free_memory() is True
    after = _rss_mb()
    assert before - after > 150, (before, after)  # of ~290 MB freed
    assert all(len(b) == 1025 for b in kept)  # what was kept is intact
