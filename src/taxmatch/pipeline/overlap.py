"""Score the next chunk while this one is decided and written.

A batch answers its chunks in order, and each chunk has two kinds of work: the
engine's scoring (DuckDB's or Spark's own threads, outside Python's lock) and
everything around it in Python (the gate, standardising, deciding, storing and
writing). Done one after the other, one core waits while the other works. Here
the scoring of chunk k+1 runs in one background thread while the caller decides
and writes chunk k, so the engine's time hides behind Python's. The order of the
answers, and the answers themselves, are as if the chunks were done one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

Item = TypeVar("Item")
Ready = TypeVar("Ready")
Scored = TypeVar("Scored")


@contextmanager
def ahead(
    items: Iterable[Item],
    prepare: Callable[[Item], Ready],
    work: Callable[[Ready], Scored],
    *,
    background: bool = True,
) -> Iterator[Iterator[tuple[Item, Ready, Scored]]]:
    """Each item, in order, with `prepare(item)` (in the caller's thread) and `work` of that (in one
    background thread, one item ahead of the caller). `background=False` does the work in the caller's
    thread (one chunk: nothing to overlap, and a scoring session kept by a service stays on one thread).

    A context manager, so that however the caller leaves (an exception part-way through a batch), the
    background work has stopped before the caller closes what it was using.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taxmatch-scoring") if background else None
    try:
        yield _pipelined(items, prepare, work, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _pipelined(
    items: Iterable[Item],
    prepare: Callable[[Item], Ready],
    work: Callable[[Ready], Scored],
    pool: ThreadPoolExecutor | None,
) -> Iterator[tuple[Item, Ready, Scored]]:
    waiting: tuple[Item, Ready, Future[Scored]] | None = None
    for item in items:
        ready = prepare(item)  # while the previous item's work runs
        if pool is None:
            yield item, ready, work(ready)
            continue
        started = pool.submit(work, ready)
        if waiting is not None:
            yield waiting[0], waiting[1], waiting[2].result()  # the caller's turn, while `started` runs
        waiting = (item, ready, started)
    if waiting is not None:
        yield waiting[0], waiting[1], waiting[2].result()


@contextmanager
def beside(work: Callable[[], Scored]) -> Iterator[Future[Scored]]:
    """`work` in one background thread while the caller does something else (a released batch's report
    counted by the database while its receipts are made in Python); as a context manager, so that the
    work has ended before the caller goes on, however it leaves."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taxmatch-beside")
    try:
        yield pool.submit(work)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class Behind:
    """Work handed off to one background thread, a piece at a time: storing a chunk's decisions while
    the next chunk is answered (SQLite and PostgreSQL's drivers leave Python's lock while the database
    works). Handing off a piece first waits for the one before, so at most one is in flight and its
    failure reaches the caller at the next hand-off or at `wait`. A context manager: however the caller
    leaves, the piece in flight has ended before the caller goes on (to clear a batch stopped part-way).
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taxmatch-storing")
        self._last: Future[None] | None = None

    def hand(self, work: Callable[[], None]) -> None:
        self.wait()
        self._last = self._pool.submit(work)

    def wait(self) -> None:
        """Until the piece in flight has ended; its failure, if it failed."""
        last, self._last = self._last, None
        if last is not None:
            last.result()

    def __enter__(self) -> Behind:
        return self

    def __exit__(self, *_: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
