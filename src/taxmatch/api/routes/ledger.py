"""The accounting ledger, for auditors: entries and their verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from taxmatch.api.deps import Auditor, ContextDep
from taxmatch.api.media import TEXT
from taxmatch.audit import Kind
from taxmatch.db import ledger
from taxmatch.pipeline import transparency

router = APIRouter(prefix="/ledger", tags=["ledger"])


class Verified(BaseModel):
    verified: bool
    entries: int
    tree_size: int
    root_hash: str  # hex SHA-256 of the Merkle tree over the entries (RFC 9162)
    verifier_key: str  # the log's published Ed25519 key, NAME+HASH+BASE64


class EntryPublic(BaseModel):
    """One entry as the ledger records it (IRC 6103(p)(3)(A) accounting): a disclosure, or the retraction
    of one (`kind` "retraction", `retracts` naming it, `batch_id` the retraction's id)."""

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
    kind: Kind | None = None
    retracts: str | None = None
    why: str | None = None
    disclosed_sha256: str | None = None
    disclosed: str | None = None


@router.get("/verify")
def verify(ctx: ContextDep, _: Auditor) -> Verified:
    """Re-check the hash chain, the Merkle tree and the store's checkpoints; a failure is a 500 naming the
    first bad entry or checkpoint. To check against checkpoints of your own, use `taxmatch ledger verify`."""
    found = transparency.verify(ctx, [])
    key = transparency.signer(ctx.layout).verifier_key
    return Verified(
        verified=True,
        entries=found.entries,
        tree_size=found.entries,
        root_hash=found.root.hex(),
        verifier_key=key,
    )


@router.get("/checkpoint", response_class=Response, responses=TEXT)
def checkpoint(ctx: ContextDep, _: Auditor) -> PlainTextResponse:
    """A signed checkpoint of the log as it is now (C2SP tlog-checkpoint in a signed note)."""
    return PlainTextResponse(transparency.make(ctx))


@router.get("")
def entries(
    ctx: ContextDep,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    """Ledger entries in order, from sequence number `after` + 1."""
    return [EntryPublic.model_validate(e) for e in ledger.entries(ctx.engine, after, limit)]
