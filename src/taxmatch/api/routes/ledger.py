"""The accounting ledger, for auditors: entries and their verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from taxmatch.api.deps import Auditor, ContextDep
from taxmatch.db import ledger

router = APIRouter(prefix="/ledger", tags=["ledger"])


class Verified(BaseModel):
    verified: bool
    entries: int


class EntryPublic(BaseModel):
    """One disclosure as the ledger records it (IRC 6103(p)(3)(A) accounting)."""

    seq: int
    disclosure_id: str
    batch_id: str
    request_id: str
    tin: str
    fields: str
    statute: str
    official_name: str
    official_title: str
    case_number: str
    recipient: str
    disclosed_at: str
    prev_hash: str
    entry_hash: str


@router.get("/verify")
def verify(ctx: ContextDep, _: Auditor) -> Verified:
    """Re-check the whole hash chain; a broken chain is a 500 naming the first bad entry."""
    return Verified(verified=True, entries=ledger.verify(ctx.engine))


@router.get("")
def entries(
    ctx: ContextDep,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    """Ledger entries in order, from sequence number `after` + 1."""
    return [EntryPublic.model_validate(e) for e in ledger.entries(ctx.engine, after, limit)]
