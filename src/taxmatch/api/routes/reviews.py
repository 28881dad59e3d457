"""The REVIEW queue: rows held for a human, with what the model saw, and the verdicts on them.

The queue shows no address or TIN. A verdict that confirms a row discloses it
through the ledger, and the released result file carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from taxmatch.api.deps import AgreementDep, EngineDep, require
from taxmatch.db.clients import Client, Role
from taxmatch.db.schema import decisions
from taxmatch.db.schema import reviews as store_reviews
from taxmatch.pipeline import review as reviews
from taxmatch.rules.verdict import MIN_NOTE, Verdict

router = APIRouter(prefix="/reviews", tags=["reviews"])
Reader = Annotated[Client, Depends(require(Role.REVIEWER, Role.DISCLOSURE_OFFICER, Role.AUDITOR, Role.ADMIN))]
Reviewer = Annotated[Client, Depends(require(Role.REVIEWER, Role.DISCLOSURE_OFFICER))]
SHOWN = (
    "batch_id",
    "request_id",
    "reason_codes",
    "candidates",
    "match_probability",
    "runner_up_probability",
    "levels",
)


@router.get("")
def queue(
    engine: EngineDep,
    _: Reader,
    batch: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Rows answered REVIEW, oldest batch first; `batch` narrows to one batch."""
    query = select(*(decisions.c[c] for c in SHOWN)).where(decisions.c.outcome == "REVIEW")
    if batch is not None:
        query = query.where(decisions.c.batch_id == batch)
    query = query.order_by(decisions.c.batch_id, decisions.c.request_id).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


@router.get("/verdicts")
def verdicts(
    engine: EngineDep,
    _: Reader,
    batch: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Verdicts taken on held rows, oldest first: who, when, why, what the row was held for and became."""
    query = select(store_reviews)
    if batch is not None:
        query = query.where(store_reviews.c.batch_id == batch)
    query = query.order_by(store_reviews.c.decided_at, store_reviews.c.batch_id, store_reviews.c.request_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: Annotated[str, Field(min_length=1, max_length=80)]
    request_id: Annotated[str, Field(min_length=1, max_length=200)]
    verdict: Verdict
    note: Annotated[str, Field(min_length=MIN_NOTE, max_length=4000, description="Why, for the record.")]


class VerdictOut(BaseModel):
    batch_id: str
    request_id: str
    verdict: str
    outcome: str
    reason_codes: str
    disclosure_id: str | None


@router.post("")
def decide_held(body: VerdictIn, engine: EngineDep, agreement: AgreementDep, who: Reviewer) -> VerdictOut:
    """Settle one held row, with a reason: confirm the held taxpayer (a disclosure) or reject.

    Only before the batch is released, never by its submitter, and a confirmation
    only where the held taxpayer matches on name and on the requester's address.
    """
    taken = reviews.record(
        engine,
        agreement,
        body.batch_id,
        body.request_id,
        who,
        body.verdict,
        body.note,
        dt.datetime.now(dt.UTC),
    )
    return VerdictOut(**{k: taken[k] for k in VerdictOut.model_fields})
