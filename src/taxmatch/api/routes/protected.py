"""The protected list over HTTP: kept by the disclosure office, read by auditors, never by requesters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from taxmatch.api.deps import Auditor, ContextDep, require
from taxmatch.db import protected
from taxmatch.db.clients import Client, Role
from taxmatch.db.protected import Category, Change

router = APIRouter(prefix="/protected", tags=["protected"])
Keeper = Annotated[Client, Depends(require(Role.DISCLOSURE_OFFICER, Role.ADMIN))]
Tin = Annotated[str, Field(min_length=9, max_length=11, description="SSN or ITIN, dashes allowed.")]


class ProtectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tin: Tin
    category: Category
    reference: Annotated[str, Field(min_length=1, max_length=200)]
    expires_on: dt.date | None = None


class ProtectionPublic(BaseModel):
    tin: str
    category: Category
    reference: str
    added_by: str
    added_at: dt.datetime
    expires_on: dt.date | None


class Removal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    why: Annotated[str, Field(min_length=10, max_length=4000, description="Why, for the record.")]


class ChangePublic(BaseModel):
    seq: int
    action: Change
    tin: str
    category: Category
    reference: str
    expires_on: dt.date | None
    by: str
    at: dt.datetime
    why: str


@router.get("")
def listing(ctx: ContextDep, _: Keeper) -> list[ProtectionPublic]:
    """Every protected TIN, for the disclosure office only."""
    return [ProtectionPublic.model_validate(r) for r in protected.listing(ctx.engine)]


@router.post("", status_code=status.HTTP_201_CREATED)
def add(body: ProtectionCreate, ctx: ContextDep, who: Keeper) -> ProtectionPublic:
    """Protect a taxpayer: a match on this TIN is withheld from now on, and at every later release."""
    protected.add(
        ctx.engine, body.tin, body.category, body.reference, who.client_id, ctx.now(), body.expires_on
    )
    found = [r for r in protected.listing(ctx.engine) if r["tin"] == body.tin.replace("-", "")]
    return ProtectionPublic.model_validate(found[0])


@router.post("/{tin}/remove")
def remove(tin: str, body: Removal, ctx: ContextDep, who: Keeper) -> dict[str, str]:
    """Lift a protection, with the reason on record."""
    protected.remove(ctx.engine, tin, who.client_id, body.why, ctx.now())
    return {"removed": tin}


@router.get("/changes")
def changes(ctx: ContextDep, _: Auditor) -> list[ChangePublic]:
    """Every change to the list, oldest first: who, when, what, why."""
    return [ChangePublic.model_validate(r) for r in protected.changes(ctx.engine)]
