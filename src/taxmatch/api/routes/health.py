"""Liveness and readiness: the only operations open without credentials."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from taxmatch.api.deps import EngineDep, SettingsDep
from taxmatch.errors import NoMasterLoaded
from taxmatch.matching import reference

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/ready")
def ready(engine: EngineDep, settings: SettingsDep) -> dict[str, object]:
    """The database answers and a master file (with its model) is loaded."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    try:
        ref = reference.open_reference(settings.store_path)
    except NoMasterLoaded as exc:  # anonymous callers are not told where the store lives
        raise NoMasterLoaded(exc.what, fix="The operator runs `taxmatch master load`.") from None
    return {"status": "ready", "taxpayers": ref.meta["taxpayers"], "master_loaded_at": ref.meta["loaded_at"]}
