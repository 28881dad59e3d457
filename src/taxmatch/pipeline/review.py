"""Reviewers' verdicts on held rows, recorded with who, when and why.

A verdict is taken only while its batch is processed and not yet released, so
every row still gets exactly one answer: release.py writes the verdicts into
the released files and accounts confirmed rows in the ledger with the rest.
The rule itself is review.settle; this module is the store around it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from taxmatch.agreement import Agreement
from taxmatch.db.clients import Client
from taxmatch.db.schema import decisions, jobs, reviews
from taxmatch.errors import AccessDenied, Conflict, NotFound
from taxmatch.reasons import Outcome, Reason, join
from taxmatch.rules.decide import Authority
from taxmatch.rules.verdict import Held, Verdict, settle


def _held_row(engine: Engine, batch_id: str, request_id: str, reviewer: Client) -> dict[str, Any]:
    """The stored REVIEW row, once the batch is known to be open for verdicts by this reviewer."""
    with engine.connect() as conn:
        job = conn.execute(select(jobs).where(jobs.c.batch_id == batch_id)).mappings().first()
        row = (
            conn.execute(
                select(decisions).where(
                    decisions.c.batch_id == batch_id, decisions.c.request_id == request_id
                )
            )
            .mappings()
            .first()
        )
    if job is None or row is None:
        raise NotFound(
            f"no row {request_id!r} in batch {batch_id!r}",
            fix="Take the ids from GET /reviews. Calls are not reviewed; send such rows as a batch.",
        )
    if job["submitted_by"] == reviewer.client_id:
        raise AccessDenied("the client that submitted a batch may not review its rows")
    if job["status"] != "processed":
        raise Conflict(f"batch {batch_id!r} is {job['status']}; verdicts are taken only before release")
    if row["outcome"] != Outcome.REVIEW.value:
        raise Conflict(f"row {request_id!r} is {row['outcome']}, not held for review")
    return dict(row)


def record(
    engine: Engine,
    agreement: Agreement,
    batch_id: str,
    request_id: str,
    reviewer: Client,
    verdict: Verdict,
    note: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """Take a verdict on one held row; a confirmation is accounted in the ledger at release."""
    row = _held_row(engine, batch_id, request_id, reviewer)
    held_reasons = tuple(Reason(code) for code in row["reason_codes"].split(";") if code)
    held = Held(held_reasons, row["subject_tin"], row["levels"])
    outcome, reasons = settle(held, verdict, note, Authority.of(agreement, now.date()))
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
    _store(engine, verdict_row, row["subject_tin"] if outcome is Outcome.VERIFIED else None)
    return verdict_row


def _store(engine: Engine, verdict: dict[str, Any], matched_tin: str | None) -> None:
    """Record the verdict and the row's new answer together, once: a second reviewer racing is refused."""
    settled = Conflict(f"row {verdict['request_id']!r} was settled by another verdict a moment ago")
    held = (
        (decisions.c.batch_id == verdict["batch_id"])
        & (decisions.c.request_id == verdict["request_id"])
        & (decisions.c.outcome == Outcome.REVIEW.value)
    )
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                update(decisions)
                .where(held)
                .values(
                    outcome=verdict["outcome"], reason_codes=verdict["reason_codes"], matched_tin=matched_tin
                )
            )
            if changed.rowcount != 1:
                raise settled
            conn.execute(reviews.insert().values(**verdict))
    except IntegrityError:
        raise settled from None
