"""Retractions over HTTP: one disclosure officer asks, another carries it out; the recipient reads notices."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any

from fastapi import APIRouter, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from taxmatch.api.deps import Anyone, ContextDep, Officer
from taxmatch.api.media import CSV
from taxmatch.db import retractions
from taxmatch.db.clients import Client, Role
from taxmatch.errors import NotFound
from taxmatch.interchange import RETRACTION_NOTICE_COLUMNS
from taxmatch.pipeline import retraction
from taxmatch.pipeline.atomic import write_csv
from taxmatch.pipeline.context import Context

router = APIRouter(prefix="/retractions", tags=["retractions"])
MAX_IDS = 1_000_000


class RetractionCreate(BaseModel):
    """Why, and exactly one selector (a date range counts as one)."""

    model_config = ConfigDict(extra="forbid")

    why: Annotated[str, Field(min_length=10, max_length=4000, description="The order or finding it follows.")]
    batch: str | None = None
    official: str | None = None
    case: str | None = None
    reason: str | None = None
    disclosed_from: dt.date | None = None
    disclosed_to: dt.date | None = None
    ids: Annotated[list[str], Field(max_length=MAX_IDS)] = []


class ImpactPublic(BaseModel):
    disclosures: int
    already_retracted: int
    by_batch: dict[str, int]
    by_official: dict[str, int]
    by_reason: dict[str, int]


class RetractionPublic(BaseModel):
    retraction_id: str
    recipient: str
    why: str
    selector: dict[str, Any]
    proposed_by: str
    proposed_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    entries: int | None


class Proposed(BaseModel):
    retraction: RetractionPublic
    impact: ImpactPublic


def _public(ctx: Context, retraction_id: str) -> RetractionPublic:
    return RetractionPublic.model_validate(retractions.get(ctx.engine, retraction_id))


def _visible(ctx: Context, retraction_id: str, who: Client) -> dict[str, Any]:
    """A retraction its caller may read: insiders any; a requester, its own agency's carried-out ones."""
    found = retractions.get(ctx.engine, retraction_id)
    shown = found is not None and (
        who.role is not Role.REQUESTER
        or (found["recipient"] == who.agency and found["approved_at"] is not None)
    )
    if not shown or found is None:
        raise NotFound(f"no retraction {retraction_id!r}", fix="GET /retractions lists those you may read.")
    return found


@router.post("", status_code=status.HTTP_201_CREATED)
def propose(body: RetractionCreate, ctx: ContextDep, who: Officer) -> Proposed:
    """Ask for a retraction (nothing is retracted yet): its impact, for another officer to approve."""
    chosen = retraction.selection(**body.model_dump(exclude={"why"}))
    found = retraction.impact(ctx, chosen)
    retraction_id = retraction.propose(ctx, chosen, body.why, who.client_id)
    impact = ImpactPublic(
        disclosures=found.disclosures,
        already_retracted=found.already_retracted,
        by_batch=dict(found.by_batch),
        by_official=dict(found.by_official),
        by_reason=dict(found.by_reason),
    )
    return Proposed(retraction=_public(ctx, retraction_id), impact=impact)


@router.post("/{retraction_id}/approve")
def approve(retraction_id: str, ctx: ContextDep, who: Officer) -> RetractionPublic:
    """Carry out a retraction another officer asked for: its log entries and a new checkpoint."""
    retraction.approve(ctx, retraction_id, who)
    return _public(ctx, retraction_id)


@router.get("")
def listing(ctx: ContextDep, who: Anyone) -> list[RetractionPublic]:
    """Retractions, newest first: a requester reads its own agency's carried-out ones."""
    recipient = who.agency if who.role is Role.REQUESTER else None
    return [RetractionPublic.model_validate(r) for r in retractions.listing(ctx.engine, recipient)]


@router.get("/{retraction_id}/notice", response_class=Response, responses=CSV)
def notice(retraction_id: str, ctx: ContextDep, who: Anyone) -> Response:
    """The recipient's notice (CSV): each retracted disclosure, to stop using and destroy."""
    _visible(ctx, retraction_id, who)
    body = io.StringIO(newline="")
    write_csv(body, RETRACTION_NOTICE_COLUMNS, retractions.notice(ctx.engine, retraction_id))
    return Response(
        body.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{retraction_id}.csv"'},
    )
