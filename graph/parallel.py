"""Process-pool mapping that streams: results in input order, a bounded number in flight."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, window: int) -> Iterator[R]:
    """Like ``pool.map`` but never more than ``window`` items submitted and unread: ``map``
    submits everything at once, and when the consumer (one writer) is slower than the workers
    their results pile up in memory."""
    pending: deque[Future] = deque()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
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
