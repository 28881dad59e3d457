"""Process-wide settings while a large job runs, restored when it ends."""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"  # Arrow's own setting: when an operator sets it, it stands
# The collector's thresholds while millions of acyclic objects are made. A collection walks every object
# made since the last that is still alive, so a chunk's objects (millions: candidates, decisions, their
# records) were walked whenever 200,000 more were alive: 14.5 s of a 1.28M-row batch's main process.
# Past two million, a chunk's objects are mostly let go before a collection comes: 0.9 s, and the batch
# 103 s against 118 (medians of four runs each, docs/benchmarks.md, 2026-12-08b). Cyclic garbage, which
# a batch makes little of, waits as long.
FEWER = (2_000_000, 20, 100)


def arrow_allocator() -> str:
    """Give Arrow's buffers to jemalloc, which returns freed memory to the system within a second;
    the name of the allocator in use.

    pyarrow's default, mimalloc, kept what a large batch had freed: after reading a 1,280,000-row file
    the process held 789 MiB with jemalloc's 491, and the whole-file passes after it peaked at 1,249 MiB
    against 843 (docs/benchmarks.md). Called as each taxmatch process starts (the CLI, the service, a
    batch's second process); a pyarrow built without jemalloc keeps its default.
    """
    if ARROW_POOL not in os.environ:
        with suppress(NotImplementedError):  # this pyarrow was built without it
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return str(pa.default_memory_pool().backend_name)


def worker_pool(processes: int, set_up: Callable[..., None], *args: Any) -> ProcessPoolExecutor:
    """`processes` worker processes for bulk work (a batch's second process, the master's
    standardising), spawned, never forked: a process that holds DuckDB's threads must not be forked.
    Each starts with Arrow's allocator, as every taxmatch process does, and fewer collections for as
    long as it lives, then runs `set_up(*args)`; each ends when the process that started it ends, however
    that ends (`_leave_with_parent`)."""
    spawned = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(processes, mp_context=spawned, initializer=_started, initargs=(set_up, *args))


def _started(set_up: Callable[..., None], *args: Any) -> None:
    _leave_with_parent()
    arrow_allocator()
    gc.set_threshold(*FEWER)
    set_up(*args)


def _leave_with_parent() -> None:
    """End this worker as soon as the process that started it has ended.

    A pool's worker waits for its next task, and a parent killed outright (a batch stopped by SIGTERM
    or SIGKILL) never sends it the word to stop: a batch's second process stayed, holding 1.8 GB,
    until it was killed by hand. The parent's end of the pipe the worker was started through closes
    only when the parent ends, so a thread waits on it here."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_after, args=(parent,), name="taxmatch-parent", daemon=True).start()


def _end_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)  # nothing here is worth finishing: the parent that wanted it is gone


def settle_heap() -> None:
    """Exempt everything alive now from future collections: for a long-lived server after start-up.

    The service holds hundreds of thousands of long-lived objects (libraries, the
    model, the index). A full collection rescans them all and stalled about one
    interactive call in fifty by 100-200 ms (docs/benchmarks.md); frozen, they are
    never rescanned, while the garbage that calls make is still collected.
    """
    gc.collect()
    gc.freeze()


@dataclass
class _Held:
    """How many jobs of this process hold the collector at FEWER, and its setting before the first."""

    jobs: int = 0
    before: tuple[int, int, int] = field(default_factory=gc.get_threshold)  # set as the first begins


_held, _holding = _Held(), threading.Lock()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a batch runs, then restore the interpreter's setting.

    A batch makes millions of small acyclic objects (rows, candidates, decisions);
    at the default threshold the collector rescans them all again and again,
    which cost a quarter of a 100,000-row batch's time (docs/benchmarks.md).
    The setting is the process's: where jobs overlap (the service reads an upload while it answers a
    call), the last to end restores what was set before the first began, not what the other had set.
    """
    with _holding:
        if not _held.jobs:
            _held.before = gc.get_threshold()
            gc.set_threshold(*FEWER)
        _held.jobs += 1
    try:
        yield
    finally:
        with _holding:
            _held.jobs -= 1
            if not _held.jobs:
                gc.set_threshold(*_held.before)
