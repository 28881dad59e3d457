"""The REVIEW queue: rows held for a human, with what the model saw, and the verdicts on them.

The queue shows no address or TIN. One held row (`GET /reviews/row`) shows the
taxpayer data a verdict needs, side by side with the request, and every such
look is recorded (`GET /reviews/accesses`). A verdict that confirms a row
discloses it through the ledger, and the released result file carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from taxmatch.api.deps import Auditor, ContextDep, Reader, Reviewer
from taxmatch.db import accesses, decisions, held, verdicts
from taxmatch.db.accesses import Via
from taxmatch.db.clients import Role
from taxmatch.db.held import Order, State
from taxmatch.matching import explain
from taxmatch.pipeline import charts, inspection, review
from taxmatch.reasons import Outcome, Reason
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


class QueuedPublic(HeldPublic):
    held_since: dt.datetime
    verdict: Verdict | None
    became: Outcome | None


class QueuePage(BaseModel):
    """One page of the queue, and how many rows match the filters in all."""

    total: int
    offset: int
    limit: int
    rows: list[QueuedPublic]


class ReasonPublic(BaseModel):
    code: str
    meaning: str


class StepPublic(BaseModel):
    comparison: str
    level: str
    bits: float
    total: float


class CandidatePublic(BaseModel):
    """A candidate taxpayer: TIN by its last four digits, every record on file, and how it compared."""

    role: str
    tin: str
    match_weight: float
    match_probability: float
    waterfall: list[StepPublic]
    waterfall_svg: str
    on_file: list[dict[str, str | None]]
    standardised: list[dict[str, str]]
    levels: dict[str, str]


class HeldDetail(BaseModel):
    """A row as `taxmatch explain --json` tells it, with each candidate's waterfall drawn."""

    batch_id: str
    request_id: str
    outcome: Outcome
    reasons: list[ReasonPublic]
    decided_by: str
    asked: dict[str, str]
    asked_standardised: dict[str, str]
    candidates_scored: int
    candidates: list[CandidatePublic]
    bits: str
    recipient: str


class AccessPublic(BaseModel):
    seq: int
    viewer: str
    role: Role
    batch_id: str
    request_id: str
    via: Via
    at: dt.datetime


class AccessPage(BaseModel):
    total: int
    rows: list[AccessPublic]


@router.get("/queue")
def queue_page(
    ctx: ContextDep,
    _: Reader,
    batch: BatchFilter = None,
    reason: Annotated[Reason | None, Query(description="Held for this reason code.")] = None,
    older_than_days: Annotated[
        int | None, Query(ge=0, le=3660, description="Held at least this long.")
    ] = None,
    state: State = State.OPEN,
    sort: Order = Order.OLDEST,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 25,
) -> QueuePage:
    """The held rows a reviewer works through: filtered, sorted, paged, with the count of all that match."""
    before = ctx.now() - dt.timedelta(days=older_than_days) if older_than_days is not None else None
    total, rows = held.page(
        ctx.engine,
        batch=batch,
        reason=reason.value if reason else None,
        held_before=before,
        state=state,
        order=sort,
        offset=offset,
        limit=limit,
    )
    return QueuePage(total=total, offset=offset, limit=limit, rows=[QueuedPublic(**r) for r in rows])


@router.get("/row")
def held_row(
    ctx: ContextDep,
    who: Reviewer,
    batch: Annotated[str, Query(min_length=1, max_length=80)],
    request: Annotated[str, Query(min_length=1, max_length=200)],
) -> HeldDetail:
    """One row with the taxpayer data behind it, beside the request; this look is recorded (IRC 7213A)."""
    told = inspection.inspect(ctx, batch, request, who.client_id, who.role, Via.WORKBENCH)
    needed = explain.bits(ctx.agreement.match_threshold)
    for candidate in told["candidates"]:
        title = f"{candidate['role']} (TIN {candidate['tin']}): {candidate['match_weight']:+.1f} bits"
        candidate["waterfall_svg"] = charts.waterfall(title, candidate["waterfall"], needed)
    return HeldDetail.model_validate(told)


@router.get("/accesses")
def access_listing(
    ctx: ContextDep,
    _: Auditor,
    batch: BatchFilter = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Limit = 100,
) -> AccessPage:
    """Every look at a row's taxpayer data, newest first: who, when, which row, from where."""
    total, rows = accesses.listing(ctx.engine, batch, offset, limit)
    return AccessPage(total=total, rows=[AccessPublic(**r) for r in rows])


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
