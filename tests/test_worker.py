"""A function called in a fresh process (SIMILAR_TO's second process during a build)."""
from __future__ import annotations

import os
import threading
import time

import pytest

from mandategraph.graph.worker import Worker


def test_a_worker_returns_what_the_function_returns():
    assert Worker(divmod, 7, 2).result() == (3, 1)


def test_an_exception_in_the_worker_is_raised_by_result():
    with pytest.raises(ValueError, match="invalid literal"):
        Worker(int, "seven").result()


def test_a_worker_that_dies_is_reported_with_its_exit_status():
    with pytest.raises(RuntimeError, match="exit status 9"):
        Worker(os._exit, 9).result()


def test_a_result_that_cannot_be_sent_back_is_an_error_naming_the_call():
    with pytest.raises(RuntimeError, match=r"_thread\.allocate_lock returned a lock, which cannot be sent back"):
        Worker(threading.Lock).result()


def test_closing_a_worker_stops_it_and_removes_its_files():
    worker = Worker(time.sleep, 60)
    started = time.perf_counter()
    worker.close()
    assert time.perf_counter() - started < 10
    assert worker._process.poll() is not None
    assert not worker._folder.exists()
