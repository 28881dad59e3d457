"""The REVIEW queue as a reviewer works it: filtered, sorted and paged by the database, with its count.

A row is open while its batch waits for release and no verdict is taken on it;
settled once a reviewer took one. Rows of released batches (or of batches
answered on the command line, which leave at once) are no longer anyone's to
settle, and are not in the queue.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Engine, String, and_, func, literal, select

from taxmatch.db.decisions import HELD_SHOWN
from taxmatch.db.queue import JobStatus
from taxmatch.db.schema import batches, decisions, jobs, verdicts
from taxmatch.reasons import Outcome


class State(StrEnum):
    OPEN = "open"  # no verdict yet
    SETTLED = "settled"  # a reviewer took a verdict; it leaves with the batch
    ALL = "all"


class Order(StrEnum):
    OLDEST = "oldest"  # held longest first
    NEWEST = "newest"
    WEAKEST = "weakest"  # lowest match probability first
    STRONGEST = "strongest"


ROW = (decisions.c.batch_id, decisions.c.request_id)  # ties broken the same way every time
ORDER = {
    Order.OLDEST: (batches.c.processed_at.asc(), *ROW),
    Order.NEWEST: (batches.c.processed_at.desc(), *ROW),
    Order.WEAKEST: (decisions.c.match_probability.asc().nulls_last(), *ROW),
    Order.STRONGEST: (decisions.c.match_probability.desc().nulls_last(), *ROW),
}


def _conditions(
    batch: str | None, reason: str | None, held_before: dt.datetime | None, state: State
) -> list[ColumnElement[bool]]:
    found = [decisions.c.outcome == Outcome.REVIEW.value, jobs.c.status == JobStatus.PROCESSED.value]
    if batch is not None:
        found.append(decisions.c.batch_id == batch)
    if reason is not None:
        codes = literal(";", String) + decisions.c.reason_codes + literal(";", String)
        found.append(codes.like(f"%;{reason};%"))
    if held_before is not None:
        found.append(batches.c.processed_at < held_before)
    if state is State.OPEN:
        found.append(verdicts.c.batch_id.is_(None))
    elif state is State.SETTLED:
        found.append(verdicts.c.batch_id.is_not(None))
    return found


def page(
    engine: Engine,
    *,
    batch: str | None = None,
    reason: str | None = None,
    held_before: dt.datetime | None = None,
    state: State = State.OPEN,
    order: Order = Order.OLDEST,
    offset: int = 0,
    limit: int = 25,
) -> tuple[int, list[dict[str, Any]]]:
    """How many held rows match, and one page of them (no address, no TIN)."""
    same_row = and_(
        verdicts.c.batch_id == decisions.c.batch_id, verdicts.c.request_id == decisions.c.request_id
    )
    joined = (
        decisions.join(batches, batches.c.batch_id == decisions.c.batch_id)
        .join(jobs, jobs.c.batch_id == decisions.c.batch_id)
        .outerjoin(verdicts, same_row)
    )
    where = _conditions(batch, reason, held_before, state)
    shown = (
        *(decisions.c[c] for c in HELD_SHOWN),
        batches.c.processed_at.label("held_since"),
        verdicts.c.verdict,
        verdicts.c.outcome.label("became"),
    )
    query = select(*shown).select_from(joined).where(*where).order_by(*ORDER[order])
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
        rows = [dict(r) for r in conn.execute(query.offset(offset).limit(limit)).mappings()]
    return int(total), rows
