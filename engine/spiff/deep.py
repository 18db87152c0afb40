"""Running SpiffWorkflow's recursive code on threads with room for it.

SpiffWorkflow parses and predicts a process by recursion, several frames per BPMN element, so a
plain sequence of a few hundred steps exceeds Python's default recursion limit. Parsing and
stepping therefore run on a small pool of threads with a large stack and a raised limit.
"""

from __future__ import annotations

import contextvars
import os
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

STACK_BYTES = 256 * 1024 * 1024
RECURSION_LIMIT = 60_000
WORKERS = 4

_jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
_local = threading.local()
_started = False
_start_lock = threading.Lock()


def _serve() -> None:
    _local.deep = True
    while True:
        fn, future = _jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(fn())
        except BaseException as err:  # handed to the caller, who re-raises it
            future.set_exception(err)
        del fn, future  # what the job held (a batch of workflows) is not kept until the next job


def _start() -> None:
    global _started
    with _start_lock:
        if _started:
            return
        sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
        previous = threading.stack_size(STACK_BYTES)
        try:
            for n in range(WORKERS):
                threading.Thread(target=_serve, name=f"samverkan-deep-{n}", daemon=True).start()
        finally:
            threading.stack_size(previous)
        _started = True


def _forget_after_fork() -> None:
    """A forked process has none of its parent's threads (a server's worker, forked after the
    master deployed processes/): it starts a pool of its own on first use, or its jobs would wait
    for threads that are not there."""
    global _jobs, _started, _start_lock
    _jobs = queue.SimpleQueue()
    _start_lock = threading.Lock()
    _started = False


os.register_at_fork(after_in_child=_forget_after_fork)


def call(fn: Callable[[], T]) -> T:
    """Run ``fn`` on a deep-stack thread and return its result (or raise its exception)."""
    if getattr(_local, "deep", False):
        return fn()
    if not _started:
        _start()
    future: Future[T] = Future()
    context = contextvars.copy_context()  # the caller's active clock goes along
    _jobs.put((lambda: context.run(fn), future))
    return future.result()
