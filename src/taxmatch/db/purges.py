"""What is past its retention, and the record of each purge. The accounting itself is never touched:
the batches and ledger tables, and each decision's outcome, reasons, official, case and request as asked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, and_, func, null, select, update

from taxmatch.db.queue import JobStatus
from taxmatch.db.schema import batches, decisions, jobs, purges

CALL_MARK = ":call-"  # an interactive call's batch id (pipeline/results.batch_id)


def settled_uploads(engine: Engine, before: dt.datetime) -> list[str]:
    """Batches released or failed before `before`: their uploaded files are needed no more."""
    done = jobs.c.status.in_([JobStatus.RELEASED.value, JobStatus.FAILED.value])
    query = select(jobs.c.batch_id).where(done, jobs.c.updated_at < before).order_by(jobs.c.batch_id)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def released_results(engine: Engine, before: dt.datetime) -> list[str]:
    """Batches released before `before`: their result files have been there to download long enough."""
    query = select(jobs.c.batch_id).where(
        jobs.c.status == JobStatus.RELEASED.value, jobs.c.updated_at < before
    )
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(jobs.c.batch_id)).scalars())


def answered_calls(engine: Engine, before: dt.datetime) -> list[str]:
    query = select(batches.c.batch_id).where(
        batches.c.batch_id.contains(CALL_MARK, autoescape=True), batches.c.processed_at < before
    )
    with engine.connect() as conn:
        return list(conn.execute(query.order_by(batches.c.batch_id)).scalars())


def _detailed(before: dt.datetime) -> Any:
    old = select(batches.c.batch_id).where(batches.c.processed_at < before)
    return and_(decisions.c.batch_id.in_(old), decisions.c.explanation.is_not(None))


def count_details(engine: Engine, before: dt.datetime) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(decisions).where(_detailed(before))
        return int(conn.execute(query).scalar_one())


def clear_details(engine: Engine, before: dt.datetime) -> int:
    """Forget how each old decision was reached (weights, probabilities, levels); keep what it was."""
    cleared: dict[str, Any] = {
        "explanation": null(),  # SQL NULL: a JSON column would store None as the JSON literal null
        "match_probability": None,
        "runner_up_probability": None,
        "levels": {},
    }
    with engine.begin() as conn:
        return int(conn.execute(update(decisions).where(_detailed(before)).values(**cleared)).rowcount)


def record(engine: Engine, at: dt.datetime, by: str, counts: dict[str, int]) -> None:
    with engine.begin() as conn:
        conn.execute(purges.insert().values(at=at, by=by, **counts))


def listing(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(purges).order_by(purges.c.seq)).mappings()]
