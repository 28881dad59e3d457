"""Every query over the verdicts table: reviewers' verdicts on held rows, with who, when and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from taxmatch.db.schema import decisions, verdicts
from taxmatch.errors import Conflict
from taxmatch.reasons import Outcome


def settle(engine: Engine, verdict: dict[str, Any], matched_tin: str | None) -> None:
    """Record the verdict and the row's new answer together, once: a second reviewer racing is refused."""
    settled = Conflict(f"row {verdict['request_id']!r} was settled by another verdict a moment ago")
    held = (
        (decisions.c.batch_id == verdict["batch_id"])
        & (decisions.c.request_id == verdict["request_id"])
        & (decisions.c.outcome == Outcome.REVIEW.value)
    )
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                update(decisions)
                .where(held)
                .values(
                    outcome=verdict["outcome"], reason_codes=verdict["reason_codes"], matched_tin=matched_tin
                )
            )
            if changed.rowcount != 1:
                raise settled
            conn.execute(verdicts.insert().values(**verdict))
    except IntegrityError:
        raise settled from None


def listing(engine: Engine, batch: str | None, limit: int) -> list[dict[str, Any]]:
    """Verdicts oldest first: who, when, why, what the row was held for and became."""
    query = select(verdicts)
    if batch is not None:
        query = query.where(verdicts.c.batch_id == batch)
    query = query.order_by(verdicts.c.decided_at, verdicts.c.batch_id, verdicts.c.request_id).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def of_batch(engine: Engine, batch_id: str) -> dict[str, dict[str, Any]]:
    """Each verdict on this batch by request id, with the taxpayer its row was held about."""
    same_row = (decisions.c.batch_id == verdicts.c.batch_id) & (
        decisions.c.request_id == verdicts.c.request_id
    )
    query = (
        select(verdicts, decisions.c.subject_tin)
        .join(decisions, same_row)
        .where(verdicts.c.batch_id == batch_id)
    )
    with engine.connect() as conn:
        return {r["request_id"]: dict(r) for r in conn.execute(query).mappings()}
