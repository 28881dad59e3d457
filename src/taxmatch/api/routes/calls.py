"""Interactive verification: up to 25 requests answered in the call, through the same rule and ledger."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from taxmatch.api.deps import ContextDep, Requester
from taxmatch.errors import RateLimited
from taxmatch.pipeline.calls import MAX_REQUESTS, Verifier

router = APIRouter(tags=["verify"])
Text = Annotated[str, Field(max_length=10_000)]


class CallManifest(BaseModel):
    """The signed written request covering this call (spec/interchange.md section 0).

    `request_file_sha256` may be left out: the service computes it over the
    call's requests written as an interchange CSV, and returns it.
    """

    model_config = ConfigDict(extra="forbid")

    agreement_id: Annotated[str, Field(min_length=1, max_length=200)]
    requesting_agency: Annotated[str, Field(min_length=1, max_length=200)]
    signer_name: Annotated[str, Field(min_length=1, max_length=200)]
    signer_title: Annotated[str, Field(min_length=1, max_length=200)]
    signed_on: dt.date
    attestation: Annotated[str, Field(min_length=1, max_length=10_000)]
    request_file_sha256: Annotated[str | None, Field(pattern="^[0-9a-fA-F]{64}$")] = None


class Call(BaseModel):
    model_config = ConfigDict(extra="forbid")

    manifest: CallManifest
    requests: Annotated[list[dict[str, Text]], Field(min_length=1, max_length=MAX_REQUESTS)]


class CallAnswer(BaseModel):
    call_id: str
    request_file_sha256: str
    results: list[dict[str, str]]


@router.post("/verify")
def verify(call: Call, request: Request, ctx: ContextDep, who: Requester) -> CallAnswer:
    """Answer 1-25 requests now: one result row per request, in order (the result-file columns)."""
    wait = request.app.state.throttle.admit(who.client_id, time.monotonic())
    if wait:
        raise RateLimited(
            f"more than {request.app.state.throttle.limit} interactive calls in a minute",
            fix=f"Try again in {wait:.0f} s, or send the requests as a batch.",
            retry_after=wait,
        )
    verifier: Verifier = request.app.state.verifier
    done = verifier.answer(ctx, who, call.manifest.model_dump(mode="json"), call.requests)
    return CallAnswer(
        call_id=done.call_id, request_file_sha256=done.request_file_sha256, results=done.results
    )
