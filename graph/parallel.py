"""Work that streams: results in input order, a bounded number in flight (a process pool for
extraction and validation, one background thread for store writes)."""
from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, window: int) -> Iterator[R]:
    """Like ``pool.map`` but never more than ``window`` items submitted and unread: ``map``
    submits everything at once, and when the consumer (one writer) is slower than the workers
    their results pile up in memory."""
    pending: deque[Future] = deque()
    with ProcessPoolExecutor(max_workers=jobs, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_CHECK_SECONDS = 1.0


def die_with_parent(parent: int) -> None:
    """Worker initializer: the worker ends when its parent does, however the parent ends.

    Pool workers wait on a pipe whose write end they hold themselves, so a parent killed by
    SIGKILL or SIGTERM (no cleanup) left them waiting forever. On Linux the kernel sends
    SIGKILL when the parent goes (PR_SET_PDEATHSIG); everywhere a thread also checks once a
    second that the parent is still the parent. Workers only read and extract: nothing is
    left half-written when they die."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the thread below does it
    if os.getppid() != parent:  # the parent was gone before the line above
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="policykg-parent-watch").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


class Background:
    """Calls ``fn(item)`` for each submitted item on one background thread, in submission order,
    with at most ``in_flight`` calls unfinished (``submit`` then waits for the oldest); with
    ``background=False`` it calls inline. Results come back in submission order, from
    ``submit`` (the calls finished so far) and ``drain`` (all the rest). For the store's writes,
    which release the GIL: the caller goes on preparing the next batch meanwhile."""

    def __init__(self, fn: Callable[[T], R], in_flight: int, background: bool = True, name: str = "policykg-writer"):
        self.fn, self.in_flight = fn, in_flight
        self.pool = ThreadPoolExecutor(1, thread_name_prefix=name) if background else None
        self.futures: deque[Future[R]] = deque()

    def submit(self, item: T) -> list[R]:
        if self.pool is None:
            return [self.fn(item)]
        self.futures.append(self.pool.submit(self.fn, item))
        done = []
        while len(self.futures) > self.in_flight:
            done.append(self.futures.popleft().result())
        return done + self.ready()

    def ready(self) -> list[R]:
        """Results of the calls finished so far, oldest first."""
        done = []
        while self.futures and self.futures[0].done():
            done.append(self.futures.popleft().result())
        return done

    def drain(self) -> list[R]:
        """Wait for every call; their results, oldest first."""
        done = [f.result() for f in self.futures]
        self.futures.clear()
        return done

    def close(self) -> None:
        """Stop the thread: a running call finishes, calls not started are dropped."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
