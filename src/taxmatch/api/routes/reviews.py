"""The REVIEW queue: rows held for a human, with what the model saw, and the verdicts on them.

The queue shows no address or TIN. A verdict that confirms a row discloses it
through the ledger, and the released result file carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from taxmatch.api.deps import ContextDep, Reader, Reviewer
from taxmatch.db import decisions, verdicts
from taxmatch.pipeline import review
from taxmatch.reasons import Outcome
from taxmatch.rules.verdict import MIN_NOTE, Verdict

router = APIRouter(prefix="/reviews", tags=["reviews"])
BatchFilter = Annotated[str | None, Query(max_length=80)]
Limit = Annotated[int, Query(ge=1, le=1000)]


class HeldPublic(BaseModel):
    """A held row as a reviewer first sees it: why it is held and what the model saw; no address, no TIN."""

    batch_id: str
    request_id: str
    reason_codes: str
    candidates: int
    match_probability: float | None
    runner_up_probability: float | None
    levels: dict[str, str]


class VerdictPublic(BaseModel):
    """A verdict as auditors read it: who, when, why, what the row was held for and what it became."""

    batch_id: str
    request_id: str
    reviewer: str
    verdict: Verdict
    note: str
    held_reasons: str
    outcome: Outcome
    reason_codes: str
    disclosure_id: str | None
    decided_at: dt.datetime


class VerdictCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: Annotated[str, Field(min_length=1, max_length=80)]
    request_id: Annotated[str, Field(min_length=1, max_length=200)]
    verdict: Verdict
    note: Annotated[str, Field(min_length=MIN_NOTE, max_length=4000, description="Why, for the record.")]


class VerdictTaken(BaseModel):
    batch_id: str
    request_id: str
    verdict: Verdict
    outcome: Outcome
    reason_codes: str
    disclosure_id: str | None


@router.get("")
def queue(ctx: ContextDep, _: Reader, batch: BatchFilter = None, limit: Limit = 100) -> list[HeldPublic]:
    """Rows answered REVIEW, oldest batch first; `batch` narrows to one batch."""
    return [HeldPublic(**r) for r in decisions.held(ctx.engine, batch, limit)]


@router.get("/verdicts")
def verdict_listing(
    ctx: ContextDep, _: Reader, batch: BatchFilter = None, limit: Limit = 100
) -> list[VerdictPublic]:
    """Verdicts taken on held rows, oldest first: who, when, why, what the row was held for and became."""
    return [VerdictPublic(**r) for r in verdicts.listing(ctx.engine, batch, limit)]


@router.post("")
def decide_held(body: VerdictCreate, ctx: ContextDep, who: Reviewer) -> VerdictTaken:
    """Settle one held row, with a reason: confirm the held taxpayer (a disclosure) or reject.

    Only before the batch is released, never by its submitter, and a confirmation
    only where the held taxpayer matches on name and on the requester's address.
    """
    taken = review.record(ctx, body.batch_id, body.request_id, who, body.verdict, body.note)
    return VerdictTaken(**{k: taken[k] for k in VerdictTaken.model_fields})
