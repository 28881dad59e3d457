"""Process one batch: intake, gate, standardise, match, decide, ledger, result files.

Everything that can refuse the batch (files, manifest, store) is checked
before anything is written; then every row gets exactly one decision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from taxmatch import runtime
from taxmatch.agreement import Agreement
from taxmatch.db import decisions, protected
from taxmatch.errors import Location, ManifestError
from taxmatch.interchange import Manifest
from taxmatch.matching import reference
from taxmatch.matching.search import Search, WholeMaster
from taxmatch.pipeline import (
    accounting,
    answer_files,
    answering,
    chunking,
    intake,
    manifests,
    overlap,
    oversight,
    results,
    scoring_process,
    transparency,
)
from taxmatch.pipeline.context import Context
from taxmatch.pipeline.results import Answer, BatchReport
from taxmatch.rules import gate
from taxmatch.rules.decide import Authority

log = logging.getLogger(__name__)
Step = answering.Step
quiet = answering.quiet
Advance = Callable[[int, int], None]  # rows answered so far, rows in the batch
# Rows answered at a time: a chunk's Python objects, candidates and all, bound the pipeline's own memory
# whatever the batch's size. Smaller chunks cost more (at 10M / 1.28M, 50,000 a chunk: 182.7 s against
# 165-169 s, docs/benchmarks.md 2026-12-07e, once chunks searched an index rather than scanned).
CHUNK_ROWS = 100_000


def unwatched(done: int, total: int) -> None:
    """A progress reporter that reports nothing."""


@dataclass(frozen=True)
class Submission:
    """A request file and the manifest that covers it, checked and ready to answer.

    `kind` is '' for a batch file and 'call' for an interactive call, which is a
    batch of its own (see results.batch_id).
    """

    manifest: Manifest
    requests: intake.RequestFile
    kind: str = ""

    @property
    def batch_id(self) -> str:
        return results.batch_id(self.manifest, self.kind)


def check(manifest: Manifest, requests: intake.RequestFile, agreement: Agreement, label: str) -> Submission:
    """Refuse the batch whole if the manifest does not cover this file or fails under the agreement."""
    broken = gate.integrity(manifest, requests.sha256)
    if broken:
        raise ManifestError(
            f"integrity failure: {broken}",
            where=Location(label, column="request_file_sha256"),
            fix="Nothing was processed or stored. Compute the digest over the exact bytes sent; a request "
            "file re-saved after signing (CRLF line endings, a byte-order mark) is a common cause.",
        )
    problems = gate.check_manifest(manifest, agreement, requests.sha256)
    if problems:
        raise ManifestError(
            "the batch is legally insufficient: " + "; ".join(problems),
            where=Location(label),
            fix="Nothing was processed or stored; send a corrected manifest.",
        )
    return Submission(manifest, requests)


@runtime.fewer_collections()  # reading a large file makes millions of row objects, as processing does
def read_batch(
    request_path: Path,
    manifest_path: Path,
    agreement: Agreement,
    manifest_label: str | None = None,
    max_rows: int | None = None,
) -> Submission:
    """Read a manifest and its request file, and refuse the batch whole if the manifest does not hold
    (or the file holds more than `max_rows` rows)."""
    manifest = manifests.read(manifest_path)
    requests = intake.read_requests(request_path, max_rows)
    return check(manifest, requests, agreement, manifest_label or str(manifest_path))


@runtime.fewer_collections()
def process(
    ctx: Context,
    submission: Submission,
    out_dir: Path,
    *,
    search: Search | None = None,
    released: bool = True,
    step: Step = quiet,
    keep_answers: bool = False,
    chunk_rows: int | None = None,
    advance: Advance = unwatched,
    receipts: bool = True,
    second_process: bool | None = None,
) -> BatchReport:
    """Answer every row of a submission; raise a TaxmatchError (writing nothing) if it cannot be processed.

    The rows are answered `chunk_rows` at a time, so memory follows the chunk, not
    the batch; whatever needs the whole batch (duplicates, caseloads) is carried
    across chunks. `search`: where candidates come from (the whole master by
    default); `released`: the answers leave with processing (the CLI, interactive
    calls), so their disclosures are accounted now. A service batch is accounted
    when a disclosure officer releases it (release.py), not before.
    `keep_answers`: keep every Answer in the report (small batches only);
    `step` hears each stage of each chunk, `advance` the rows answered after each chunk.
    When the answers leave now, the disclosure log is checkpointed, and `receipts`
    puts checkpoint.txt and receipts.jsonl beside the results (a call has no files
    to put them beside: its checkpoint is kept in the store).
    `second_process`: gate and score the chunks in a second process (scoring_process.py; the whole
    master's search only); by default, for a large batch on the default engine.
    """
    started, now = time.perf_counter(), ctx.now()
    requests, bid = submission.requests, submission.batch_id
    log.info("batch %s: %d rows from %s", bid, len(requests), requests.path)
    ref = reference.open_reference(ctx.layout, ctx.budget)
    authority = Authority.of(ctx.agreement, now.date(), protected.active(ctx.engine, now.date()))
    owned, search = search is None, search or WholeMaster(ref)
    report = BatchReport(bid, kept=False)  # kept in request order below, when asked
    prior_bits = ref.prior_bits  # read from the saved model: once, not once per row
    decisions.clear_batch(ctx.engine, bid)
    size = chunk_rows or CHUNK_ROWS
    # A large batch on the default engine is gated and scored in a second process (scoring_process.py),
    # in scoring_process.FEWEST_CHUNKS chunks at least, so that the two processes work at once (1M / 100k:
    # 32.9 s -> 27.6 s). It starts now, so that its start-up runs beside the checks of the whole batch below.
    large = len(requests) >= scoring_process.SECOND_PROCESS_ROWS
    second = (owned and large) if second_process is None else second_process
    if second and chunk_rows is None:
        size = min(size, -(-len(requests) // scoring_process.FEWEST_CHUNKS))
    early = (
        scoring_process.SecondProcess(ctx, submission.manifest.signed_on, now.date(), ref) if second else None
    )
    kept: list[tuple[int, Answer]] = []
    try:
        order = chunking.by_locality(requests)
        first = next(chunking.slices(order, size), None)
        if early is not None and first is not None:  # gated and scored beside the whole-batch checks below
            early.send_first(requests.columns_at(first))
        overloaded = chunking.overloaded(ctx, requests, now)
        job = answering.Answering(ctx, submission.manifest.signed_on, search, authority, now, overloaded)
        repeated = chunking.repeated(requests)  # the first row about a person stands, in file order
        pending = accounting.Pending.begin(ctx, bid) if released else None
        # A batch of one chunk (an interactive call) is sorted back in memory; a larger one through DuckDB.
        files: answer_files.Held | answer_files.Staged = (
            answer_files.Held(out_dir) if len(requests) <= size else answer_files.Staged(out_dir, ctx.budget)
        )
        with files, overlap.Behind() as storing:
            scoring = (
                _scored(early.settled(overloaded), requests, order, size, repeated, step)
                if early is not None
                else _scored(answering.InProcess(job), requests, order, size, repeated, step)
            )
            with scoring as chunks:
                for positions, chunk, found in chunks:
                    step("deciding")
                    answers = job.answer(chunk, found)
                    if pending is not None:  # numbered now: the files and the store carry their ids
                        answers = pending.note(positions, chunk.table, answers)
                    step("writing results")
                    answering.record(ctx, bid, prior_bits, files, positions, chunk.table, answers, storing)
                    report.add(answers)
                    kept += zip(positions, answers, strict=True) if keep_answers else []
                    advance(report.rows, len(requests))
                    if len(requests) > size:  # a batch of chunks, not a call: where its time goes
                        log.info(
                            "batch %s: %d rows answered at %.1f s",
                            bid,
                            report.rows,
                            time.perf_counter() - started,
                        )
            storing.wait()  # every decision stored before the batch that makes them count
            log.info("batch %s: every row answered at %.1f s", bid, time.perf_counter() - started)
            decisions.finish_batch(
                ctx.engine, results.batch_record(submission.manifest, requests, report, now)
            )
            step("writing the answer files in request order")
            # Accounted as they leave: committed once the files are written, before they take their names.
            ids = accounting.account(ctx, bid, pending, files, now) if pending is not None else {}
        ordered = [a for _, a in sorted(kept, key=lambda pair: pair[0])]
        report.answers = [
            replace(a, disclosure_id=ids.get(a.request_id, "")) if a.decision.chosen else a for a in ordered
        ]
        del ids, pending, kept, ordered, repeated  # 1.5 GB at 7.6M rows, not needed by the receipts below
    except BaseException:
        decisions.clear_batch(ctx.engine, bid)  # a batch stopped part-way is a batch not processed
        raise
    finally:
        if early is not None:
            early.close()  # already, unless the batch stopped before its chunks
        if owned:
            search.close()
    if released:
        log.info("batch %s: answer files written at %.1f s", bid, time.perf_counter() - started)
        step("signing the disclosure log's checkpoint")
        if receipts:  # a batch's files: its receipts, and its report for the disclosure office
            oversight.write_released(ctx, bid, out_dir)
        else:
            transparency.make(ctx)
    log.info(
        "batch %s: answered %d rows in %.1f s: %s",
        bid,
        report.rows,
        time.perf_counter() - started,
        ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())),
    )
    return report


@contextmanager
def _scored(
    scoring: answering.Scoring[answering.Sent],
    requests: intake.RequestFile,
    order: pa.Array,
    size: int,
    repeated: Sequence[bool],
    step: Step,
) -> Iterator[Iterator[tuple[list[int], answering.Chunk, answering.Found]]]:
    """The batch's chunks in `order`, each with its gate reasons and candidates, the next one scored
    while the caller answers this one (overlap.py)."""
    ahead = overlap.ahead(
        chunking.slices(order, size),
        lambda at: scoring.prepare(requests.columns_at(at), [repeated[p] for p in at], step),
        scoring.score,
        background=len(requests) > size,  # one chunk has nothing to overlap
    )
    try:
        with ahead as chunks:
            yield ((at, *scored) for at, _, scored in chunks)
    finally:
        scoring.close()
