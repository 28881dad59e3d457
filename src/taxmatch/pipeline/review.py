"""A reviewer's verdict on a held row, taken and recorded with who, when and why.

A verdict is taken only while its batch is processed and not yet released, so
every row still gets exactly one answer: release.py writes the verdicts into
the released files and accounts confirmed rows in the ledger with the rest.
The rule itself is rules/verdict.py; this module is the step around it.
"""

from __future__ import annotations

import logging
from typing import Any

from taxmatch.db import decisions, protected, queue, verdicts
from taxmatch.db.clients import Client
from taxmatch.db.queue import JobStatus
from taxmatch.errors import AccessDenied, Conflict, NotFound
from taxmatch.pipeline.context import Context
from taxmatch.reasons import Outcome, Reason, join
from taxmatch.rules.decide import Authority
from taxmatch.rules.verdict import Held, Verdict, settle

log = logging.getLogger(__name__)


def _held_row(ctx: Context, batch_id: str, request_id: str, reviewer: Client) -> dict[str, Any]:
    """The stored REVIEW row, once the batch is known to be open for verdicts by this reviewer."""
    job = queue.find(ctx.engine, batch_id)
    row = decisions.get(ctx.engine, batch_id, request_id)
    if job is None or row is None:
        raise NotFound(
            f"no row {request_id!r} in batch {batch_id!r}",
            fix="Take the ids from GET /reviews. Calls are not reviewed; send such rows as a batch.",
        )
    if job["submitted_by"] == reviewer.client_id:
        raise AccessDenied("the client that submitted a batch may not review its rows")
    if job["status"] != JobStatus.PROCESSED:
        raise Conflict(f"batch {batch_id!r} is {job['status']}; verdicts are taken only before release")
    if row["outcome"] != Outcome.REVIEW.value:
        raise Conflict(f"row {request_id!r} is {row['outcome']}, not held for review")
    return row


def record(
    ctx: Context, batch_id: str, request_id: str, reviewer: Client, verdict: Verdict, note: str
) -> dict[str, Any]:
    """Take a verdict on one held row; a confirmation is accounted in the ledger at release."""
    now = ctx.now()
    row = _held_row(ctx, batch_id, request_id, reviewer)
    held_reasons = tuple(Reason(code) for code in row["reason_codes"].split(";") if code)
    held = Held.stored(held_reasons, row["subject_tin"], row["levels"])
    authority = Authority.of(ctx.agreement, now.date(), protected.active(ctx.engine, now.date()))
    outcome, reasons = settle(held, verdict, note, authority)
    verdict_row = {
        "batch_id": batch_id,
        "request_id": request_id,
        "reviewer": reviewer.client_id,
        "verdict": verdict.value,
        "note": note.strip(),
        "held_reasons": row["reason_codes"],
        "outcome": outcome.value,
        "reason_codes": join(list(reasons)),
        "disclosure_id": None,  # given at release, with the batch's other disclosures
        "decided_at": now,
    }
    verdicts.settle(ctx.engine, verdict_row, row["subject_tin"] if outcome is Outcome.VERIFIED else None)
    log.info(
        "batch %s row %s: %s by %s -> %s", batch_id, request_id, verdict.value, reviewer.client_id, outcome
    )
    return verdict_row
