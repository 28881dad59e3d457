"""The accounting ledger, for auditors: entries and their verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from taxmatch.api.deps import EngineDep, require
from taxmatch.db import ledger
from taxmatch.db.clients import Client, Role
from taxmatch.db.schema import ledger as ledger_table

router = APIRouter(prefix="/ledger", tags=["ledger"])
Auditor = Annotated[Client, Depends(require(Role.AUDITOR, Role.DISCLOSURE_OFFICER, Role.ADMIN))]


@router.get("/verify")
def verify(engine: EngineDep, _: Auditor) -> dict[str, object]:
    """Re-check the whole hash chain; a broken chain is a 500 naming the first bad entry."""
    return {"verified": True, "entries": ledger.verify(engine)}


@router.get("")
def entries(
    engine: EngineDep,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Ledger entries in order, from sequence number `after` + 1."""
    query = select(ledger_table).where(ledger_table.c.seq > after).order_by(ledger_table.c.seq).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
