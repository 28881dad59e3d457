"""Liveness and readiness: the only operations open without credentials."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from taxmatch.api.deps import ContextDep
from taxmatch.errors import NoMasterLoaded
from taxmatch.matching import reference

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    taxpayers: int
    master_loaded_at: str


@router.get("/health")
def health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/ready")
def ready(ctx: ContextDep) -> Ready:
    """The database answers and a master file (with its model) is loaded."""
    with ctx.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    try:
        ref = reference.open_reference(ctx.layout)
    except NoMasterLoaded as exc:  # anonymous callers are not told where the store lives
        raise NoMasterLoaded(exc.what, fix="The operator runs `taxmatch master load`.") from None
    return Ready(status="ready", taxpayers=ref.meta["taxpayers"], master_loaded_at=ref.meta["loaded_at"])
