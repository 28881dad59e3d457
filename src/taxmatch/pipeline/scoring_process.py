"""Gate, standardise and score a batch's chunks in a second process, while this one decides and writes.

The pipeline's Python is most of a large batch's time (docs/benchmarks.md), and
Python runs one thread at a time: a background thread (overlap.py) hides only
the engine's own work. A second process takes the gate, standardising and the
DuckDB scoring of the next chunk, on the machine's other core, while this
process decides, records and writes the chunk before it. What comes back is
columns (the gate's reasons and the scored rows as Arrow), which this process
turns into candidates exactly as in one process, so the answers are the same
byte for byte (tests/pipeline/test_batch.py).

Only a large batch on the default engine uses it: a process takes a few seconds
to start (imports, the model, the term frequencies, Splink's SQL), which a batch
of one chunk would not win back, and a Spark cluster already scores elsewhere.
It is started before the checks that need the whole batch (duplicates,
caseloads), and given the batch's first chunk at once, so that its start and
that chunk run beside those checks on the other core. That chunk is therefore
gated on each row's own checks only, and the rows they leave lawful are scored;
the reasons of the whole batch are added here when it comes back, and a row they
reject loses its candidates (answering.unlawful_dropped), so it is decided as in
one process. Its rows that repeat another, or come from an overloaded official,
are scored for nothing; every later chunk carries the batch's reasons
(`Batchwide`), so that a batch from a few officials, as in 2025, is not scored
at all beyond its first chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import pyarrow as pa

from taxmatch import runtime
from taxmatch.agreement import Agreement
from taxmatch.errors import EngineError
from taxmatch.layout import Layout
from taxmatch.matching import model, reference, scorer
from taxmatch.matching.duck import Budget
from taxmatch.pipeline.answering import (
    Chunk,
    Found,
    Step,
    gated,
    quiet,
    unlawful_dropped,
    with_batch_reasons,
)
from taxmatch.pipeline.context import Context
from taxmatch.reasons import Reason
from taxmatch.rules import batch_checks

log = logging.getLogger(__name__)
# Below this many rows a batch is gated and scored in its own process (see the module's docstring): at
# 1M taxpayers and 100,000 rows, two processes took 27.6 s, one 32.9 s, start-up (3-4 s) included.
SECOND_PROCESS_ROWS = 100_000
# The fewest chunks such a batch is answered in. In a batch of a few chunks the main process waits for
# the first chunk, and the batch for the main process's last: the smaller they are, the less of it runs
# on one core. At 2M / 200,000 rows, four chunks against two: 24.3 s against 25.3 s (medians of eight
# runs each, alternating; seven of eight pairs faster), 1.3 GB at the peak against 1.6 GB
# (docs/benchmarks.md, 2026-12-08). A batch of more than 400,000 rows is chunked as before.
FEWEST_CHUNKS = 4


@dataclass(frozen=True)
class Plan:
    """What the second process answers every chunk under (sent once, when it starts)."""

    layout: Layout
    budget: Budget
    agreement: Agreement
    signed_on: dt.date
    today: dt.date


@dataclass
class _Worker:
    plan: Plan
    matcher: scorer.Matcher


_worker: list[_Worker] = []  # the second process's own state, made once by _start


def _start(plan: Plan) -> None:
    matcher = scorer.Matcher(reference.open_reference(plan.layout, plan.budget))
    # The first scoring of a session records Splink's SQL and maps the index (0.75-0.86 s for one row on
    # a slow machine, 0.15 s after: docs/benchmarks.md, 2026-12-07g): done here on the master's first
    # row, while the main process still checks the whole batch, not once the first chunk is waited for.
    # Later scorings replay the same SQL.
    first = matcher.con.sql(
        f"SELECT {', '.join((model.UID, *model.COMPARED_COLUMNS))} FROM read_parquet(?) LIMIT 1",
        params=[str(matcher.reference.parquet)],
    ).to_arrow_table()
    if first.num_rows:
        matcher.best(first)
    _worker.append(_Worker(plan, matcher))


def _started() -> None:
    """Nothing: sent first, so that the process starts (and runs _start) now, not at the first chunk."""


@dataclass(frozen=True)
class Batchwide:
    """What a chunk's rows need of the whole batch: whether each repeats an earlier row, and which
    officials are overloaded (batch_checks.check_chunk)."""

    repeated: list[bool]
    overloaded: frozenset[str]

    def reasons(self, table: pa.Table) -> dict[int, list[Reason]]:
        # check_chunk reads the rows' officials only when some are overloaded: none are, in most batches.
        rows = table.select(batch_checks.CHUNK_COLUMNS).to_pylist() if self.overloaded else None
        return batch_checks.check_chunk(rows or [{}] * table.num_rows, self.overloaded, self.repeated)


def _gate_and_score(
    table: pa.Table, batchwide: Batchwide | None
) -> tuple[list[list[Reason]], pa.Table | None]:
    """In the second process: the gate's reasons for a chunk, and the scored rows of its lawful ones.
    Without `batchwide` (the first chunk, sent before it is known), each row's own reasons only: the
    batch's are added where the chunk comes back."""
    plan, matcher = _worker[0].plan, _worker[0].matcher
    in_batch = {} if batchwide is None else batchwide.reasons(table)
    reasons, standard = gated(in_batch, table, plan.agreement, plan.signed_on, plan.today, quiet)
    return reasons, None if standard is None else matcher.best(standard)


Scored = Future[tuple[list[list[Reason]], pa.Table | None]]


@dataclass(frozen=True)
class _Sent:
    table: pa.Table
    scored: Scored
    batchwide: Batchwide | None  # when the batch's reasons are still to be added here (the first chunk)


class SecondProcess:
    """The second process, started at once; `settled` gives its chunks' scoring (answering.Scoring)."""

    def __init__(self, ctx: Context, signed_on: dt.date, today: dt.date, ref: reference.Reference) -> None:
        plan = Plan(ctx.layout, ctx.budget, ctx.agreement, signed_on, today)
        self.labels = model.labels(ref.model())
        log.info("gating and scoring the chunks in a second process")
        self._pool = runtime.worker_pool(1, _start, plan)
        self._pool.submit(_started)
        self._first: tuple[pa.Table, Scored] | None = None

    def send_first(self, table: pa.Table) -> None:
        """Send the batch's first chunk now, before the checks of the whole batch, so that the second
        process gates and scores it while this one finds the duplicates and caseloads."""
        self._first = (table, self.send(table, None))

    def sent(self, table: pa.Table, batchwide: Batchwide) -> _Sent:
        """The chunk on its way: the first, if it was sent already (the same rows), or sent now."""
        first, self._first = self._first, None
        if first is not None and first[0].column("request_id").equals(table.column("request_id")):
            return _Sent(table, first[1], batchwide)
        if first is not None:  # not the chunk sent first: let its answer go unread
            first[1].cancel()
        return _Sent(table, self.send(table, batchwide), None)

    def settled(self, overloaded: frozenset[str]) -> Settled:
        """The chunks' scoring, once the whole batch has settled which officials are `overloaded`."""
        return Settled(self, overloaded)

    def send(self, table: pa.Table, batchwide: Batchwide | None) -> Scored:
        """Send a chunk to the second process at once, so that it works while this one answers the
        chunk before it."""
        return self._pool.submit(_gate_and_score, table, batchwide)

    def result(self, scored: Scored) -> tuple[list[list[Reason]], Found]:
        """A chunk's gate reasons and its candidates, as the second process made them."""
        try:
            reasons, best = scored.result()
        except BrokenProcessPool as exc:  # it could not start (a damaged reference) or was killed
            raise EngineError(
                "the second process that gates and scores this batch stopped before it answered "
                "(its own error, if it gave one, is printed above)",
                fix="Nothing was written. Check that the machine has the memory TAXMATCH_MEMORY_LIMIT "
                "allows, once for each process, and that the store's reference is whole (load the master "
                "file again if it is not); a program that calls taxmatch must start it under "
                "`if __name__ == '__main__':`, since the second process imports that program again. "
                "Then process the batch again.",
            ) from exc
        return reasons, {} if best is None else scorer.candidates(best, self.labels)

    def close(self) -> None:
        """Stop the second process, cancelling what it has not begun (a batch stopped part-way); again,
        nothing."""
        self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class Settled:
    """Chunks gated and scored in the second process under the reasons of the whole batch (its
    overloaded officials, each row's repeats); the first chunk, sent before they were known, is given
    them here (answering.Scoring)."""

    process: SecondProcess
    overloaded: frozenset[str]

    def prepare(self, table: pa.Table, repeated: Sequence[bool], step: Step = quiet) -> _Sent:
        step("checking each request against the law and the agreement, and matching it (second process)")
        return self.process.sent(table, Batchwide(list(repeated), self.overloaded))

    def score(self, sent: _Sent) -> tuple[Chunk, Found]:
        reasons, found = self.process.result(sent.scored)
        if sent.batchwide is not None:  # gated on its own rows only: the batch's reasons now
            in_batch = sent.batchwide.reasons(sent.table)
            reasons = with_batch_reasons(reasons, in_batch)
            found = unlawful_dropped(found, reasons, in_batch)
        return Chunk(sent.table, reasons, None), found

    def close(self) -> None:
        self.process.close()
