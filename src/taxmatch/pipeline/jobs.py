"""Batches as durable jobs: submitted, claimed by a worker, processed, approved, released.

Every state lives in the `jobs` table, so a worker killed at any point leaves
a job that another worker (or the same one, restarted) claims again once its
heartbeat is stale. Processing is idempotent (decisions are replaced, ledger
entries are unique per batch and row, result files appear atomically), so a
batch processed twice is answered once.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from taxmatch.agreement import Agreement
from taxmatch.db.clients import Client, Role
from taxmatch.db.schema import jobs
from taxmatch.errors import (
    AccessDenied,
    Conflict,
    InputError,
    NotFound,
    RateLimited,
    TaxmatchError,
    TooLarge,
)
from taxmatch.pipeline import batch as pipeline
from taxmatch.pipeline import release
from taxmatch.pipeline import results as answers
from taxmatch.settings import Settings

STALE_AFTER = dt.timedelta(minutes=2)
REQUEST_SUFFIXES = {".csv": ".csv", ".parquet": ".parquet"}


def _folder(store: Path, kind: str, batch_id: str) -> Path:
    return store / kind / batch_id.replace(":", "_")


def results_file(store: Path, batch_id: str, name: str = "results.csv") -> Path:
    return _folder(store, "results", batch_id) / name


def _request_file(folder: Path) -> Path:
    return next(p for p in folder.iterdir() if p.stem == "requests")


def _check_upload(folder: Path, client: Client, agreement: Agreement, settings: Settings) -> tuple[str, int]:
    manifest, requests = pipeline.read_batch(
        _request_file(folder), folder / "manifest.json", agreement, "manifest"
    )
    if manifest.requesting_agency != client.agency:
        raise AccessDenied(f"this client acts for {client.agency!r}, not {manifest.requesting_agency!r}")
    if len(requests.rows) > settings.max_rows_per_batch:
        raise TooLarge(
            f"{len(requests.rows):,} rows is more than the {settings.max_rows_per_batch:,} allowed",
            fix="Split the batch.",
        )
    return answers.batch_id(manifest), len(requests.rows)


def submit(
    engine: Engine,
    settings: Settings,
    agreement: Agreement,
    client: Client,
    manifest: bytes,
    requests: bytes,
    filename: str,
    now: dt.datetime,
) -> tuple[str, bool]:
    """Check a batch whole, store and queue it; (batch_id, created). The same file twice is one batch."""
    suffix = REQUEST_SUFFIXES.get(Path(filename).suffix.lower())
    if suffix is None:
        raise InputError(
            f"request file {filename!r} is neither .csv nor .parquet",
            fix="Send the interchange CSV or Parquet.",
        )
    store = settings.store_path
    (store / "uploads").mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=store / "uploads"))
    try:
        (staging / "manifest.json").write_bytes(manifest)
        (staging / f"requests{suffix}").write_bytes(requests)
        batch_id, rows = _check_upload(staging, client, agreement, settings)
        try:
            with engine.begin() as conn:
                if conn.execute(select(jobs.c.batch_id).where(jobs.c.batch_id == batch_id)).first():
                    return batch_id, False
                _within_daily_limit(conn, client, settings, now)
                # The row first: a twin submission racing this one waits here and then fails on the
                # key, before it could touch the files of the batch it duplicates.
                conn.execute(
                    jobs.insert().values(
                        batch_id=batch_id,
                        agency=client.agency,
                        submitted_by=client.client_id,
                        status="queued",
                        rows=rows,
                        created_at=now,
                        updated_at=now,
                    )
                )
                target = _folder(store, "uploads", batch_id)
                shutil.rmtree(target, ignore_errors=True)  # left by a submission that failed to commit
                staging.rename(target)
        except IntegrityError:
            return batch_id, False
        return batch_id, True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _within_daily_limit(conn: Connection, client: Client, settings: Settings, now: dt.datetime) -> None:
    since = now - dt.timedelta(days=1)
    today = conn.execute(
        select(func.count())
        .select_from(jobs)
        .where(jobs.c.agency == client.agency, jobs.c.created_at >= since)
    ).scalar_one()
    if today >= settings.batches_per_day:
        raise RateLimited(
            f"{client.agency} has submitted {today} batches in the last 24 hours",
            fix=f"The limit is {settings.batches_per_day}; try again later.",
        )


def claim(
    engine: Engine, worker: str, now: dt.datetime, stale_after: dt.timedelta = STALE_AFTER
) -> str | None:
    """Take the oldest queued job, or one whose worker stopped beating; None when there is none."""
    stale = and_(jobs.c.status == "running", jobs.c.heartbeat_at < now - stale_after)
    claimable = or_(jobs.c.status == "queued", stale)
    with engine.begin() as conn:
        for (batch_id,) in conn.execute(select(jobs.c.batch_id).where(claimable).order_by(jobs.c.created_at)):
            taken = conn.execute(
                update(jobs)
                .where(jobs.c.batch_id == batch_id, claimable)
                .values(status="running", worker=worker, heartbeat_at=now, updated_at=now, stage="starting")
            )
            if taken.rowcount == 1:
                return str(batch_id)
    return None


def _beat(engine: Engine, batch_id: str, stage: str) -> None:
    """The worker is alive and at this stage (shown to the requester as the batch's progress)."""
    with engine.begin() as conn:
        stamp = dt.datetime.now(dt.UTC)
        conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id)
            .values(heartbeat_at=stamp, updated_at=stamp, stage=stage[:120])
        )


def run(engine: Engine, store: Path, agreement: Agreement, batch_id: str, now: dt.datetime) -> str:
    """Process a claimed job; its final status ('processed' or 'failed')."""
    folder = _folder(store, "uploads", batch_id)
    request_path = _request_file(folder)
    status, error = "processed", None
    try:
        pipeline.process(
            request_path,
            folder / "manifest.json",
            _folder(store, "results", batch_id),
            store,
            agreement,
            now,
            lambda stage: _beat(engine, batch_id, stage),
            engine=engine,
            released=False,
        )
    except TaxmatchError as exc:
        status, error = "failed", exc.message
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id)
            .values(status=status, error=error, stage=None, updated_at=dt.datetime.now(dt.UTC))
        )
    return status


def get(engine: Engine, batch_id: str, client: Client) -> dict[str, Any]:
    """A job, if this client may see it: a requester sees only its own agency's batches."""
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.batch_id == batch_id)).mappings().first()
    if row is None or (client.role is Role.REQUESTER and row["agency"] != client.agency):
        raise NotFound(f"no batch {batch_id!r}", fix="List your batches, or check the id `submit` returned.")
    return dict(row)


def listing(engine: Engine, client: Client) -> list[dict[str, Any]]:
    query = select(jobs).order_by(jobs.c.created_at.desc())
    if client.role is Role.REQUESTER:
        query = query.where(jobs.c.agency == client.agency)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def approve(
    engine: Engine, store: Path, agreement: Agreement, batch_id: str, officer: Client, now: dt.datetime
) -> None:
    """Two-person release: a disclosure officer who did not submit the batch releases its results.

    Its disclosures are accounted in the ledger and the result files completed
    (disclosure ids, reviewers' verdicts) before the status says released.
    """
    job = get(engine, batch_id, officer)
    if job["submitted_by"] == officer.client_id:
        raise AccessDenied("the client that submitted a batch may not approve its release")
    if job["status"] != "processed":
        raise Conflict(
            f"batch {batch_id!r} is {job['status']}, not processed", fix="Wait until it is processed."
        )
    release.account(engine, store, agreement, batch_id, _folder(store, "results", batch_id), now)
    with engine.begin() as conn:
        done = conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id, jobs.c.status == "processed")
            .values(status="released", approved_by=officer.client_id, updated_at=now)
        )
    if done.rowcount != 1:
        raise Conflict(f"batch {batch_id!r} changed state while being approved")
