"""Answer one chunk of a batch: the gate, standardising, scoring, deciding, and recording the answers.

batch.py reads the files, refuses what cannot be processed and walks the chunks;
this module is what happens to each of them. Scoring is its own step, so that
the engine can score the next chunk while this one is decided and written
(overlap.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pyarrow as pa

from taxmatch.agreement import Agreement
from taxmatch.db import decisions
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.matching.search import Search
from taxmatch.pipeline import answer_files, overlap, results
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import Answer
from taxmatch.reasons import Reason
from taxmatch.rules import batch_checks, gate, gate_table
from taxmatch.rules.decide import Authority, Candidate, Decision, decide
from taxmatch.standardise.table import standardise

Step = Callable[[str], None]
Found = dict[int, list[Candidate]]  # scored candidates by row index in the chunk
Sent = TypeVar("Sent")  # a chunk on its way to scoring


def quiet(_: str) -> None:
    """A step reporter that reports nothing."""


@dataclass(frozen=True)
class Chunk:
    """A chunk's request rows (the request columns, as plain text), the gate's reasons for each, and its
    lawful rows standardised (None when no row is lawful), with their row index as `uid`.

    The rows stay columns: what this process records of them is made a column at a time
    (results.Decided.stored, accounting.Pending.note), not from a dictionary per row.
    """

    table: pa.Table
    reasons: list[list[Reason]]
    standard: pa.Table | None


@dataclass(frozen=True)
class Answering:
    """What every chunk of one batch is answered under."""

    ctx: Context
    signed_on: dt.date
    search: Search
    authority: Authority
    now: dt.datetime
    overloaded: frozenset[str]

    def answer(self, chunk: Chunk, found: Found) -> list[Answer]:
        """Each row's one decision, with what it would disclose."""
        agreement, authority = self.ctx.agreement, self.authority
        decided = [decide(r, found.get(i, []), agreement, authority) for i, r in enumerate(chunk.reasons)]
        return _answers(chunk.table.column("request_id").to_pylist(), decided, self.search)


class Scoring(Protocol[Sent]):
    """How a chunk reaches its candidates: `prepare` in the pipeline's thread, as the chunk is taken;
    `score` (which may run in a background thread, overlap.py) to the gate's reasons and candidates."""

    def prepare(self, table: pa.Table, repeated: Sequence[bool], step: Step) -> Sent: ...

    def score(self, sent: Sent) -> tuple[Chunk, Found]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class InProcess:
    """The gate and standardising in the pipeline's thread; scoring by the batch's search (any engine)."""

    answering: Answering

    def prepare(self, table: pa.Table, repeated: Sequence[bool], step: Step = quiet) -> Chunk:
        """The gate's reasons for a chunk's rows, and its lawful rows standardised for scoring.
        `repeated`: whether each row repeats an earlier row about the same person (chunking.repeated)."""
        job, rows = self.answering, table.select(batch_checks.CHUNK_COLUMNS).to_pylist()
        in_batch = batch_checks.check_chunk(rows, job.overloaded, repeated)
        reasons, standard = gated(in_batch, table, job.ctx.agreement, job.signed_on, job.now.date(), step)
        return Chunk(table, reasons, standard)

    def score(self, sent: Chunk) -> tuple[Chunk, Found]:
        """The chunk's candidates: the engine's work, which may run beside the previous chunk's writing."""
        return sent, {} if sent.standard is None else self.answering.search.score(sent.standard)

    def close(self) -> None:
        """Nothing to stop: the search is closed by whoever opened it."""


def assess(
    rows: list[dict[str, str]],
    agreement: Agreement,
    signed_on: dt.date,
    search: Search,
    today: dt.date,
    earlier: Mapping[str, Set[str]] | None = None,
) -> tuple[list[list[Reason]], Found]:
    """The gate's reasons for every row of a batch held whole, and the scored candidates of the lawful
    ones (by row index). `earlier`: the officials' case numbers already answered
    (see batch_checks.overloaded)."""
    overloaded = batch_checks.overloaded(batch_checks.caseloads(rows), agreement, earlier)
    table = pa.table({c: pa.array([r.get(c, "") for r in rows], pa.string()) for c in REQUEST_COLUMNS})
    repeated = batch_checks.Duplicates().flags(rows)
    in_batch = batch_checks.check_chunk(rows, overloaded, repeated)
    reasons, standard = gated(in_batch, table, agreement, signed_on, today, quiet)
    return reasons, {} if standard is None else search.score(standard)


def gated(
    in_batch: Mapping[int, list[Reason]],
    table: pa.Table,
    agreement: Agreement,
    signed_on: dt.date,
    today: dt.date,
    step: Step,
) -> tuple[list[list[Reason]], pa.Table | None]:
    """The gate's reasons for each row of a chunk (its own checks, then `in_batch`: those that need the
    whole batch, batch_checks.check_chunk), and its lawful rows standardised for scoring, with their
    row index as `uid` (None when no row is lawful). A second process gates its first chunk before the
    whole batch is checked, with no `in_batch`; `with_batch_reasons` and `unlawful_dropped` finish it
    when it comes back (scoring_process.py)."""
    step("checking each request against the law and the agreement")
    reasons = with_batch_reasons(gate_table.check_rows(table, agreement, signed_on, today), in_batch)
    step("matching lawful requests against the master file")
    return reasons, _lawful_standardised(table, reasons, today)


def with_batch_reasons(
    reasons: list[list[Reason]], in_batch: Mapping[int, list[Reason]]
) -> list[list[Reason]]:
    """Each row's own reasons, then those of the whole batch (batch_checks.check_chunk), in that order."""
    return [found + in_batch.get(i, []) for i, found in enumerate(reasons)] if in_batch else reasons


def unlawful_dropped(found: Found, reasons: list[list[Reason]], in_batch: Mapping[int, object]) -> Found:
    """The candidates of rows still lawful once the batch's own reasons are added: a row scored before
    they were known, and rejected by them, is decided as if it had never been scored."""
    dropped = {i for i in in_batch if not gate.lawful(reasons[i])}
    return {i: c for i, c in found.items() if i not in dropped} if dropped else found


def _lawful_standardised(table: pa.Table, reasons: list[list[Reason]], today: dt.date) -> pa.Table | None:
    lawful = [i for i, r in enumerate(reasons) if gate.lawful(r)]
    if not lawful:
        return None
    positions = pa.array(lawful, pa.int64())
    return standardise(table.take(positions), today).append_column("uid", positions)


def _answers(request_ids: list[str], decided: list[Decision], search: Search) -> list[Answer]:
    """Each row's answer with what it would disclose; disclosure ids come when the answers leave
    (accounting.py for the CLI and calls, release.py for a service batch)."""
    addresses = search.last_known([d.chosen.tin for d in decided if d.chosen is not None])
    return [
        Answer(request_id, d, "", addresses.get(d.chosen.tin, ()) if d.chosen else ())
        for request_id, d in zip(request_ids, decided, strict=True)
    ]


def record(
    ctx: Context,
    bid: str,
    prior_bits: float,
    files: answer_files.Held | answer_files.Staged,
    positions: list[int],
    requests: pa.Table,
    answers: list[Answer],
    storing: overlap.Behind,
) -> None:
    """A chunk's answers into the answer files (at their places in the request file), and to the store
    by `storing`, which stores them while the next chunk is answered. Both a column at a time."""
    decided = results.Decided(answers)
    files.add_at(positions, results.result_columns(answers), decided.file_columns())
    stored = decided.stored(bid, requests, prior_bits)
    storing.hand(lambda: decisions.add(ctx.engine, stored, len(answers)))
