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
that chunk run beside those checks on the other core. It therefore gates each
row on its own checks only, and scores the rows they leave lawful; the reasons
of the whole batch are added here as each chunk comes back, and a row they
reject loses its candidates (answering.unlawful_dropped), so it is decided as in
one process. The few rows that repeat another, or come from an overloaded
official, are scored for nothing.
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
    gated_alone,
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


def _gate_and_score(table: pa.Table) -> tuple[list[list[Reason]], pa.Table | None]:
    """In the second process: each row's own gate reasons for a chunk, and the scored rows of those
    they leave lawful (the batch's duplicates and caseloads are added where the chunk comes back)."""
    plan, matcher = _worker[0].plan, _worker[0].matcher
    reasons, standard = gated_alone(table, plan.agreement, plan.signed_on, plan.today)
    return reasons, None if standard is None else matcher.best(standard)


Scored = Future[tuple[list[list[Reason]], pa.Table | None]]


@dataclass(frozen=True)
class _Sent:
    table: pa.Table
    repeated: list[bool]
    scored: Scored


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
        self._first = (table, self.send(table))

    def sent(self, table: pa.Table) -> Scored:
        """The chunk on its way: the first, if it was sent already (the same rows), or sent now."""
        first, self._first = self._first, None
        if first is not None and first[0].column("request_id").equals(table.column("request_id")):
            return first[1]
        if first is not None:  # not the chunk sent first: let its answer go unread
            first[1].cancel()
        return self.send(table)

    def settled(self, overloaded: frozenset[str]) -> Settled:
        """The chunks' scoring, once the whole batch has settled which officials are `overloaded`."""
        return Settled(self, overloaded)

    def send(self, table: pa.Table) -> Scored:
        """Send a chunk to the second process at once, so that it works while this one answers the
        chunk before it."""
        return self._pool.submit(_gate_and_score, table)

    def result(self, scored: Scored) -> tuple[list[list[Reason]], Found]:
        """A chunk's own gate reasons and its candidates, as the second process made them."""
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
    """Chunks gated and scored in the second process, and given the reasons of the whole batch here,
    under its overloaded officials (answering.Scoring)."""

    process: SecondProcess
    overloaded: frozenset[str]

    def prepare(self, table: pa.Table, repeated: Sequence[bool], step: Step = quiet) -> _Sent:
        step("checking each request against the law and the agreement, and matching it (second process)")
        return _Sent(table, list(repeated), self.process.sent(table))

    def score(self, sent: _Sent) -> tuple[Chunk, Found]:
        own, found = self.process.result(sent.scored)
        # check_chunk reads a row's official only for an overloaded one: none, in a batch without them.
        rows = sent.table.select(batch_checks.CHUNK_COLUMNS).to_pylist() if self.overloaded else None
        in_batch = batch_checks.check_chunk(
            rows or [{}] * sent.table.num_rows, self.overloaded, sent.repeated
        )
        reasons = with_batch_reasons(own, in_batch)
        return Chunk(sent.table, reasons, None), unlawful_dropped(found, reasons, in_batch)

    def close(self) -> None:
        self.process.close()
