"""Reviewers' verdicts on held rows: recorded, accounted in the ledger, and carried into the result files.

A verdict is taken only while its batch is processed and not yet released, so
every row still gets exactly one answer: the released file holds the verdict.
The rule itself is review.settle; this module is the store around it.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from taxmatch import intake, ledger, reference
from taxmatch.agreement import Agreement
from taxmatch.clients import Client
from taxmatch.decide import Authority
from taxmatch.errors import AccessDenied, Conflict, NotFound
from taxmatch.interchange import DECISION_COLUMNS, DISCLOSED_COLUMNS, RESULT_COLUMNS
from taxmatch.output import write_csv_files
from taxmatch.reasons import Outcome, Reason, join
from taxmatch.review import Held, Verdict, settle
from taxmatch.store import batches, decisions, jobs, reviews


def _held_row(engine: Engine, batch_id: str, request_id: str, reviewer: Client) -> dict[str, Any]:
    """The stored REVIEW row, once the batch is known to be open for verdicts by this reviewer."""
    with engine.connect() as conn:
        job = conn.execute(select(jobs).where(jobs.c.batch_id == batch_id)).mappings().first()
        row = (
            conn.execute(
                select(decisions, batches.c.request_file)
                .join(batches, batches.c.batch_id == decisions.c.batch_id)
                .where(decisions.c.batch_id == batch_id, decisions.c.request_id == request_id)
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


def _request(path: str, request_id: str) -> dict[str, str]:
    return next(r for r in intake.read_requests(Path(path)).rows if r["request_id"] == request_id)


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
    """Take a verdict on one held row; a confirmation is disclosed through the ledger first."""
    row = _held_row(engine, batch_id, request_id, reviewer)
    held_reasons = tuple(Reason(code) for code in row["reason_codes"].split(";") if code)
    held = Held(held_reasons, row["subject_tin"], row["levels"])
    outcome, reasons = settle(held, verdict, note, Authority.of(agreement, now.date()))
    disclosure_id = None
    if outcome is Outcome.VERIFIED:
        asked = _request(row["request_file"], request_id)
        item = ledger.Disclosure(
            batch_id,
            request_id,
            row["subject_tin"],
            ";".join(agreement.disclosable_fields),
            asked["statute"],
            asked["official_name"],
            asked["official_title"],
            asked["case_number"],
            agreement.recipient,
        )
        disclosure_id = ledger.append(engine, [item], now)[request_id]
    verdict_row = {
        "batch_id": batch_id,
        "request_id": request_id,
        "reviewer": reviewer.client_id,
        "verdict": verdict.value,
        "note": note.strip(),
        "held_reasons": row["reason_codes"],
        "outcome": outcome.value,
        "reason_codes": join(list(reasons)),
        "disclosure_id": disclosure_id,
        "decided_at": now,
    }
    with engine.begin() as conn:
        conn.execute(reviews.insert().values(**verdict_row))
        conn.execute(
            update(decisions)
            .where(decisions.c.batch_id == batch_id, decisions.c.request_id == request_id)
            .values(
                outcome=outcome.value,
                reason_codes=verdict_row["reason_codes"],
                disclosure_id=disclosure_id,
                matched_tin=row["subject_tin"] if disclosure_id else None,
            )
        )
    return verdict_row


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def carry_into_files(engine: Engine, store: Path, batch_id: str, folder: Path) -> int:
    """Rewrite the batch's result and decision files with its verdicts; the number of rows changed.

    Idempotent: a release interrupted after this step rewrites the same files again.
    """
    with engine.connect() as conn:
        query = select(reviews, decisions.c.subject_tin).join(
            decisions,
            (decisions.c.batch_id == reviews.c.batch_id) & (decisions.c.request_id == reviews.c.request_id),
        )
        taken = {
            r["request_id"]: dict(r)
            for r in conn.execute(query.where(reviews.c.batch_id == batch_id)).mappings()
        }
    if not taken:
        return 0
    confirmed = [v["subject_tin"] for v in taken.values() if v["disclosure_id"]]
    addresses = reference.last_known(reference.open_reference(store), confirmed)
    results, decided = _read(folder / "results.csv"), _read(folder / "decisions.csv")
    for row in results:
        if (verdict := taken.get(row["request_id"])) is not None:
            disclosed = addresses.get(verdict["subject_tin"], ()) if verdict["disclosure_id"] else ()
            row.update(outcome=verdict["outcome"], reason_codes=verdict["reason_codes"])
            row.update(disclosure_id=verdict["disclosure_id"] or "")
            row.update(zip(DISCLOSED_COLUMNS, disclosed or ("",) * len(DISCLOSED_COLUMNS), strict=True))
    for row in decided:
        if (verdict := taken.get(row["request_id"])) is not None:
            row.update(outcome=verdict["outcome"], reason_codes=verdict["reason_codes"])
            row.update(disclosure_id=verdict["disclosure_id"] or "")
            row.update(matched_tin=verdict["subject_tin"] if verdict["disclosure_id"] else "")
    write_csv_files(
        {
            folder / "results.csv": (RESULT_COLUMNS, results),
            folder / "decisions.csv": (DECISION_COLUMNS, decided),
        }
    )
    return len(taken)
