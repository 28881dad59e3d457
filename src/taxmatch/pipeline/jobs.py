"""Batches as durable jobs: submitted, claimed by a worker, processed, approved, released.

Every state lives in the jobs table (db/queue.py), so a worker killed at any
point leaves a job that another worker (or the same one, restarted) claims
again once its heartbeat is stale. Processing is idempotent (decisions are
replaced, ledger entries are unique per batch and row, result files appear
atomically), so a batch processed twice is answered once.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from taxmatch.db import queue, verdicts
from taxmatch.db.clients import Client, Role
from taxmatch.db.queue import JobStatus
from taxmatch.errors import AccessDenied, Conflict, NotFound, RateLimited, TaxmatchError
from taxmatch.pipeline import batch, intake, release
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings

log = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=2)
BEAT_EVERY = dt.timedelta(seconds=15)
_APPROVE_FIX = {
    JobStatus.QUEUED: "Wait until it is processed.",
    JobStatus.RUNNING: "Wait until it is processed.",
    JobStatus.FAILED: "It failed and has nothing to release; read its error and submit a corrected batch.",
    JobStatus.RELEASED: "It is already released; nothing more to approve.",
}  # well inside STALE_AFTER: a missed beat or two is no takeover
MANIFEST_FILE = "manifest.json"


def _request_file(folder: Path) -> Path:
    return next(p for p in folder.iterdir() if p.stem == "requests")


def _as_uploaded(exc: TaxmatchError, folder: Path, filename: str) -> TaxmatchError:
    """The error as the client knows its files: by the name it uploaded, never the server's path."""
    if exc.where is not None and exc.where.file.startswith(str(folder)):
        named = "manifest" if exc.where.file.endswith(MANIFEST_FILE) else Path(filename).name
        exc.where = replace(exc.where, file=named)
    return exc


def _check_upload(
    ctx: Context, folder: Path, client: Client, settings: Settings, filename: str
) -> tuple[str, int]:
    try:
        submission = batch.read_batch(
            _request_file(folder),
            folder / MANIFEST_FILE,
            ctx.agreement,
            "manifest",
            settings.max_rows_per_batch,
        )
    except TaxmatchError as exc:
        raise _as_uploaded(exc, folder, filename) from None
    if submission.manifest.requesting_agency != client.agency:
        raise AccessDenied(
            f"this client acts for {client.agency!r}, not {submission.manifest.requesting_agency!r}"
        )
    return submission.batch_id, len(submission.requests)


def submit(
    ctx: Context, settings: Settings, client: Client, manifest: bytes, requests: bytes, filename: str
) -> tuple[str, bool]:
    """Check a batch whole, store and queue it; (batch_id, created). The same file twice is one batch."""
    suffix = intake.check_suffix(filename, Path(filename).name)
    now = ctx.now()
    ctx.layout.uploads.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=ctx.layout.uploads))
    try:
        (staging / MANIFEST_FILE).write_bytes(manifest)
        (staging / f"requests{suffix}").write_bytes(requests)
        batch_id, rows = _check_upload(ctx, staging, client, settings, filename)
        try:
            with ctx.engine.begin() as conn:
                if queue.exists(conn, batch_id):
                    return batch_id, False
                _within_daily_limit(conn, client, settings, now)
                # The row first: a twin submission racing this one waits here and then fails on the
                # key, before it could touch the files of the batch it duplicates.
                queue.enqueue(conn, batch_id, client.agency, client.client_id, rows, now)
                target = ctx.layout.upload(batch_id)
                shutil.rmtree(target, ignore_errors=True)  # left by a submission that failed to commit
                staging.rename(target)
        except IntegrityError:
            return batch_id, False
        log.info("batch %s: %d rows submitted by %s for %s", batch_id, rows, client.client_id, client.agency)
        return batch_id, True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _within_daily_limit(conn: Any, client: Client, settings: Settings, now: dt.datetime) -> None:
    day = dt.timedelta(days=1)
    today, first = queue.submitted_since(conn, client.agency, now - day)
    if today >= settings.batches_per_day:
        retry = (first + day - now).total_seconds() if first is not None else day.total_seconds()
        raise RateLimited(
            f"{client.agency} has submitted {today} batches in the last 24 hours",
            fix=f"The limit is {settings.batches_per_day}; try again later.",
            retry_after=max(retry, 1.0),
        )


def claim(ctx: Context, worker: str, stale_after: dt.timedelta = STALE_AFTER) -> str | None:
    """Take the oldest queued job, or one whose worker stopped beating; None when there is none."""
    return queue.claim(ctx.engine, worker, ctx.now(), stale_after)


class Heartbeat:
    """A running job's heartbeat: at every stage, and on a timer in between, so that a stage longer
    than another worker's --stale-after never looks like a dead worker (issue 10)."""

    def __init__(self, ctx: Context, batch_id: str, every: float) -> None:
        self.ctx, self.batch_id, self.every = ctx, batch_id, every
        self.stage = "starting"
        self.rows = (0, 0)  # answered, in the batch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {batch_id}", daemon=True)

    def __call__(self, stage: str) -> None:
        self.stage = stage
        self._beat()

    def advance(self, done: int, total: int) -> None:
        """Rows answered so far: shown with the stage from the next beat on."""
        self.rows = (done, total)

    @property
    def shown(self) -> str:
        """The stage, and once a chunk is answered how many rows are (what the requester sees)."""
        done, total = self.rows
        return f"{self.stage} ({done:,} of {total:,} rows answered)" if done else self.stage

    def _beat(self) -> None:
        try:
            queue.beat(self.ctx.engine, self.batch_id, self.shown, self.ctx.now())
        except SQLAlchemyError as exc:  # a busy database: the next beat will do
            log.warning("batch %s: heartbeat missed: %s", self.batch_id, exc)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._beat()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run(ctx: Context, batch_id: str, beat_every: float = BEAT_EVERY.total_seconds()) -> JobStatus:
    """Process a claimed job, beating every `beat_every` seconds; its final status (processed or failed)."""
    folder = ctx.layout.upload(batch_id)
    status, error = JobStatus.PROCESSED, None
    log.info("batch %s: processing", batch_id)
    with Heartbeat(ctx, batch_id, beat_every) as beat:
        try:
            beat("reading the manifest and request file")
            submission = batch.read_batch(_request_file(folder), folder / MANIFEST_FILE, ctx.agreement)
            answers = ctx.layout.results(batch_id)
            batch.process(ctx, submission, answers, released=False, step=beat, advance=beat.advance)
        except TaxmatchError as exc:
            status, error = JobStatus.FAILED, exc.message
            log.warning("batch %s: failed: %s", batch_id, exc.message)
    queue.finish(ctx.engine, batch_id, status, error, ctx.now())
    log.info("batch %s: %s", batch_id, status.value)
    return status


def get(ctx: Context, batch_id: str, client: Client) -> dict[str, Any]:
    """A job, if this client may see it: a requester sees only its own agency's batches."""
    row = queue.find(ctx.engine, batch_id)
    if row is None or (client.role is Role.REQUESTER and row["agency"] != client.agency):
        raise NotFound(f"no batch {batch_id!r}", fix="List your batches, or check the id `submit` returned.")
    return row


def listing(ctx: Context, client: Client) -> list[dict[str, Any]]:
    return queue.listing(ctx.engine, client.agency if client.role is Role.REQUESTER else None)


def approve(ctx: Context, batch_id: str, officer: Client) -> None:
    """Two-person release: the officer who releases a batch took no other part in it.

    Not its submitter, and not a reviewer of any of its held rows: a verdict and
    its release are two people's decisions, or the rule would be met by one.
    Its disclosures are accounted in the ledger and the result files completed
    (disclosure ids, reviewers' verdicts) before the status says released.
    """
    job = get(ctx, batch_id, officer)
    if job["submitted_by"] == officer.client_id:
        raise AccessDenied(
            "the client that submitted a batch may not approve its release",
            fix="Another disclosure officer approves it.",
        )
    if any(v["reviewer"] == officer.client_id for v in verdicts.of_batch(ctx.engine, batch_id).values()):
        raise AccessDenied(
            "this officer settled held rows of the batch and so may not also release it",
            fix="A disclosure officer who took no verdict on this batch approves it (two-person rule).",
        )
    if job["status"] != JobStatus.PROCESSED:
        raise Conflict(
            f"batch {batch_id!r} is {job['status']}, not processed",
            fix=_APPROVE_FIX[JobStatus(job["status"])],
        )
    now = ctx.now()
    release.account(ctx, batch_id, now)
    if not queue.mark_released(ctx.engine, batch_id, officer.client_id, now):
        raise Conflict(f"batch {batch_id!r} changed state while being approved")
    log.info("batch %s: released by %s", batch_id, officer.client_id)
