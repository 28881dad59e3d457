"""The master's blocks standardised on every core, back in file order.

Standardising is Python: names and addresses, once per distinct value of a block. In one process it
was 584 s of a 10M-taxpayer master's 747 s load, on one of the machine's two cores
(docs/benchmarks.md, 2026-12-07b). Here worker processes standardise blocks side by side, while the
loading process reads and checks the file and writes each block back in the order read: the
reference is the one process's, row for row (tests/matching/test_reference.py). At most one
block more than there are workers is in flight, so memory follows the block, not the file.

A small file stays in the loading process: a worker takes seconds to start (its imports and the
reference tables), which a file of a block or two would not win back.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa

from taxmatch import runtime
from taxmatch.errors import EngineError
from taxmatch.matching import master_file
from taxmatch.standardise.table import load_tables, standardise

# A file of fewer bytes is standardised in the loading process (see the module's docstring).
PARALLEL_BYTES = 4 * master_file.BLOCK_BYTES


def processes_for(path: Path) -> int:
    """How many worker processes standardise this file: one per core the process may use, none for a
    small file or a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores if cores > 1 and path.stat().st_size >= PARALLEL_BYTES else 0


class Standardiser:
    """Blocks standardised by `processes` worker processes (in this process when it is 0)."""

    def __init__(self, today: dt.date, processes: int) -> None:
        self.today, self.processes = today, processes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Standardiser:
        if self.processes:
            self._pool = runtime.worker_pool(self.processes, load_tables)
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map(self, blocks: Iterable[pa.Table]) -> Iterator[pa.Table]:
        """Each block with its standard columns (standardise.table.standardise), in the order given."""
        if self._pool is None:
            yield from (standardise(block, self.today) for block in blocks)
            return
        pending: deque[Future[pa.Table]] = deque()
        for block in blocks:
            pending.append(self._pool.submit(standardise, block, self.today))
            if len(pending) > self.processes:  # one block waiting for each worker, no more
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(future: Future[pa.Table]) -> pa.Table:
    try:
        return future.result()
    except BrokenProcessPool as exc:  # a worker was killed (out of memory, most likely) or could not start
        raise EngineError(
            "a process standardising the master file stopped before it answered",
            fix="Nothing was loaded; the master loaded before stays in use. Check that the machine has "
            "memory for one block of the file in each of its cores' processes, then load the file again.",
        ) from exc
