"""Every query over the jobs table: the durable queue of submitted batches.

A job moves queued -> running -> processed -> released, or running -> failed.
A running job whose worker stops beating is claimable again. The life cycle
(what each move means) is pipeline/jobs.py; here are the moves themselves.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from taxmatch.db.schema import jobs


class JobStatus(StrEnum):
    """Where a submitted batch is in its life; the stored and published value."""

    QUEUED = "queued"
    RUNNING = "running"
    PROCESSED = "processed"
    FAILED = "failed"
    RELEASED = "released"


def exists(conn: Connection, batch_id: str) -> bool:
    return conn.execute(select(jobs.c.batch_id).where(jobs.c.batch_id == batch_id)).first() is not None


def submitted_since(conn: Connection, agency: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many batches this agency has submitted since `since`, and when the first of them was."""
    query = select(func.count(), func.min(jobs.c.created_at)).where(
        jobs.c.agency == agency, jobs.c.created_at >= since
    )
    count, first = conn.execute(query).one()
    return int(count), first


def enqueue(
    conn: Connection, batch_id: str, agency: str, submitted_by: str, rows: int, now: dt.datetime
) -> None:
    conn.execute(
        jobs.insert().values(
            batch_id=batch_id,
            agency=agency,
            submitted_by=submitted_by,
            status=JobStatus.QUEUED.value,
            rows=rows,
            created_at=now,
            updated_at=now,
        )
    )


def claim(engine: Engine, worker: str, now: dt.datetime, stale_after: dt.timedelta) -> str | None:
    """Take the oldest queued job, or one whose worker stopped beating; None when there is none."""
    stale = and_(jobs.c.status == JobStatus.RUNNING.value, jobs.c.heartbeat_at < now - stale_after)
    claimable = or_(jobs.c.status == JobStatus.QUEUED.value, stale)
    with engine.begin() as conn:
        for (batch_id,) in conn.execute(select(jobs.c.batch_id).where(claimable).order_by(jobs.c.created_at)):
            taken = conn.execute(
                update(jobs)
                .where(jobs.c.batch_id == batch_id, claimable)
                .values(
                    status=JobStatus.RUNNING.value,
                    worker=worker,
                    heartbeat_at=now,
                    updated_at=now,
                    stage="starting",
                )
            )
            if taken.rowcount == 1:
                return str(batch_id)
    return None


def beat(engine: Engine, batch_id: str, stage: str, now: dt.datetime) -> None:
    """The worker is alive and at this stage (shown to the requester as the batch's progress)."""
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id)
            .values(heartbeat_at=now, updated_at=now, stage=stage[:120])
        )


def finish(engine: Engine, batch_id: str, status: JobStatus, error: str | None, now: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id)
            .values(status=status.value, error=error, stage=None, updated_at=now)
        )


def mark_released(engine: Engine, batch_id: str, officer: str, now: dt.datetime) -> bool:
    """Processed -> released, once; False if the job was not processed at that moment."""
    with engine.begin() as conn:
        done = conn.execute(
            update(jobs)
            .where(jobs.c.batch_id == batch_id, jobs.c.status == JobStatus.PROCESSED.value)
            .values(status=JobStatus.RELEASED.value, approved_by=officer, updated_at=now)
        )
    return done.rowcount == 1


def find(engine: Engine, batch_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.batch_id == batch_id)).mappings().first()
    return dict(row) if row is not None else None


def listing(engine: Engine, agency: str | None = None) -> list[dict[str, Any]]:
    """Every job, newest first; only this agency's when one is named."""
    query = select(jobs).order_by(jobs.c.created_at.desc())
    if agency is not None:
        query = query.where(jobs.c.agency == agency)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
