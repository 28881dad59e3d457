"""Batches: submitted by a requester, processed by a worker, released by a second person."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from taxmatch.api.deps import Anyone, ContextDep, Insider, Officer, Requester, SettingsDep
from taxmatch.api.media import CSV, HTML, JSONL, TEXT
from taxmatch.db.clients import Client
from taxmatch.db.queue import JobStatus
from taxmatch.errors import Conflict, TooLarge
from taxmatch.pipeline import jobs, oversight, transparency
from taxmatch.pipeline.context import Context

router = APIRouter(prefix="/batches", tags=["batches"])
MANIFEST_LIMIT = 1_000_000


class BatchPublic(BaseModel):
    """What a requester may see of its batch."""

    batch_id: str
    status: JobStatus
    stage: str | None = None  # while running: what the worker is doing now
    rows: int
    created_at: dt.datetime
    updated_at: dt.datetime


class Submitted(BaseModel):
    batch_id: str
    created: bool


def _public(job: dict[str, Any]) -> BatchPublic:
    return BatchPublic(**{k: job[k] for k in BatchPublic.model_fields})


async def _read(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            f"{upload.filename or 'the upload'} is larger than {limit:,} bytes", fix="Split the batch."
        )
    return data


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def submit(
    ctx: ContextDep,
    settings: SettingsDep,
    who: Requester,
    manifest: Annotated[UploadFile, File(description="The signed manifest (YAML or JSON).")],
    requests: Annotated[UploadFile, File(description="The request file (CSV or Parquet).")],
) -> Submitted:
    """Submit a batch (manifest + request file). Checked whole before anything is stored; idempotent."""
    manifest_bytes = await _read(manifest, MANIFEST_LIMIT)
    request_bytes = await _read(requests, settings.max_upload_bytes)
    # Checking a large file takes seconds of CPU: off the event loop, so /health and calls stay answered.
    batch_id, created = await run_in_threadpool(
        jobs.submit, ctx, settings, who, manifest_bytes, request_bytes, requests.filename or "requests.csv"
    )
    return Submitted(batch_id=batch_id, created=created)


@router.get("")
def listing(ctx: ContextDep, who: Anyone) -> list[BatchPublic]:
    """Batches this client may see (a requester: its own agency's)."""
    return [_public(j) for j in jobs.listing(ctx, who)]


@router.get("/{batch_id}")
def status_of(batch_id: str, ctx: ContextDep, who: Anyone) -> BatchPublic:
    """A batch's status: queued, running, processed, failed or released."""
    return _public(jobs.get(ctx, batch_id, who))


def _released(ctx: Context, batch_id: str, who: Client, name: str, media: str) -> FileResponse:
    job = jobs.get(ctx, batch_id, who)
    if job["status"] != JobStatus.RELEASED:
        raise Conflict(
            f"batch {batch_id!r} is {job['status']}; results go out only once released",
            fix="A disclosure officer approves the release.",
        )
    return FileResponse(ctx.layout.results(batch_id) / name, media_type=media, filename=name)


@router.get("/{batch_id}/results", response_class=FileResponse, responses=CSV)
def results(batch_id: str, ctx: ContextDep, who: Anyone) -> FileResponse:
    """The result file, once a disclosure officer has released it."""
    return _released(ctx, batch_id, who, "results.csv", "text/csv")


@router.get("/{batch_id}/checkpoint", response_class=FileResponse, responses=TEXT)
def checkpoint(batch_id: str, ctx: ContextDep, who: Anyone) -> FileResponse:
    """The signed checkpoint of the disclosure log that covers the released batch (C2SP signed note)."""
    return _released(ctx, batch_id, who, transparency.CHECKPOINT_FILE, "text/plain")


@router.get("/{batch_id}/receipts", response_class=FileResponse, responses=JSONL)
def receipts(batch_id: str, ctx: ContextDep, who: Anyone) -> FileResponse:
    """One JSON line per disclosure: its leaf in the log and the inclusion proof against the checkpoint."""
    return _released(ctx, batch_id, who, transparency.RECEIPTS_FILE, "application/jsonl")


@router.get("/{batch_id}/report", response_class=FileResponse, responses=HTML)
def report(batch_id: str, ctx: ContextDep, who: Insider) -> FileResponse:
    """The released batch's report (HTML, charts inline): officials against the cap, reasons, retractions,
    the checkpoint it covers. For the disclosure office and auditors: it names internal reason codes."""
    return _released(ctx, batch_id, who, oversight.REPORT, "text/html")


@router.get("/{batch_id}/decisions", response_class=FileResponse, responses=CSV)
def decisions(batch_id: str, ctx: ContextDep, who: Insider) -> FileResponse:
    """The internal decision file (matched TINs, probabilities). Never for requesters."""
    job = jobs.get(ctx, batch_id, who)
    if job["status"] not in {JobStatus.PROCESSED, JobStatus.RELEASED}:
        raise Conflict(f"batch {batch_id!r} is {job['status']}", fix="Wait until it is processed.")
    return FileResponse(
        ctx.layout.results(batch_id) / "decisions.csv", media_type="text/csv", filename="decisions.csv"
    )


@router.post("/{batch_id}/approve")
def approve(batch_id: str, ctx: ContextDep, who: Officer) -> BatchPublic:
    """Release a processed batch's results (with reviewers' verdicts): an officer other than the submitter."""
    jobs.approve(ctx, batch_id, who)
    return _public(jobs.get(ctx, batch_id, who))
