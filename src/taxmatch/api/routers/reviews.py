"""The REVIEW queue: rows held for a human, with what the model saw. Nothing here discloses anything."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from taxmatch.api.deps import EngineDep, require
from taxmatch.clients import Client, Role
from taxmatch.store import decisions

router = APIRouter(prefix="/reviews", tags=["reviews"])
Reviewer = Annotated[
    Client, Depends(require(Role.REVIEWER, Role.DISCLOSURE_OFFICER, Role.AUDITOR, Role.ADMIN))
]
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
    _: Reviewer,
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
