"""Releasing a processed batch: the moment its disclosures leave, so the moment they are accounted.

A service batch is processed without touching the ledger. When a disclosure
officer releases it, every VERIFIED row (the model's and the reviewers') is
appended to the ledger, and the result and decision files are completed with
the disclosure ids and the reviewers' verdicts. Each step is idempotent (the
ledger keeps one entry per batch and row, files are replaced whole), so a
release interrupted at any point is simply done again.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, bindparam, select, update

from taxmatch.agreement import Agreement
from taxmatch.db import ledger
from taxmatch.db.schema import batches, decisions, reviews
from taxmatch.errors import Conflict
from taxmatch.interchange import DECISION_COLUMNS, DISCLOSED_COLUMNS, RESULT_COLUMNS
from taxmatch.matching import reference
from taxmatch.pipeline import intake
from taxmatch.pipeline.output import write_csv_files
from taxmatch.reasons import Outcome
from taxmatch.rules.decide import Authority


def _same_row(a: Table, b: Table) -> ColumnElement[bool]:
    return and_(a.c.batch_id == b.c.batch_id, a.c.request_id == b.c.request_id)


def _given_row(table: Table) -> ColumnElement[bool]:
    return and_(table.c.batch_id == bindparam("b_batch"), table.c.request_id == bindparam("b_request"))


def _check_authority(agreement: Agreement, now: dt.datetime) -> None:
    """Rule 4 holds at the moment of release, not only when the batch was processed."""
    refusal = Authority.of(agreement, now.date()).refusal
    if refusal:
        raise Conflict(f"nothing may be released: {refusal}", fix="Release once disclosure is allowed again.")


def _verified(engine: Engine, batch_id: str) -> tuple[list[tuple[str, str]], str, dict[str, dict[str, Any]]]:
    """(request id, TIN) of every row to disclose, the request file, and the reviewers' verdicts."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(decisions.c.request_id, decisions.c.matched_tin).where(
                decisions.c.batch_id == batch_id, decisions.c.outcome == Outcome.VERIFIED.value
            )
        ).all()
        request_file = conn.execute(
            select(batches.c.request_file).where(batches.c.batch_id == batch_id)
        ).scalar_one()
        found = conn.execute(
            select(reviews, decisions.c.subject_tin)
            .join(decisions, _same_row(decisions, reviews))
            .where(reviews.c.batch_id == batch_id)
        ).mappings()
        verdicts = {r["request_id"]: dict(r) for r in found}
    return [(r.request_id, r.matched_tin) for r in rows], str(request_file), verdicts


def _record_ids(engine: Engine, batch_id: str, ids: dict[str, str], verdicts: dict[str, Any]) -> None:
    if not ids:
        return
    given = [{"b_batch": batch_id, "b_request": rid, "b_id": did} for rid, did in ids.items()]
    confirmed = [g for g in given if g["b_request"] in verdicts]
    with engine.begin() as conn:
        conn.execute(
            update(decisions).where(_given_row(decisions)).values(disclosure_id=bindparam("b_id")),
            given,
        )
        if confirmed:
            conn.execute(
                update(reviews).where(_given_row(reviews)).values(disclosure_id=bindparam("b_id")),
                confirmed,
            )


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _complete_files(
    folder: Path, store: Path, ids: dict[str, str], verdicts: dict[str, dict[str, Any]]
) -> None:
    """The result and decision files with disclosure ids, and each reviewer's verdict in place of REVIEW."""
    confirmed = [v["subject_tin"] for v in verdicts.values() if v["outcome"] == Outcome.VERIFIED.value]
    addresses = reference.last_known(reference.open_reference(store), confirmed) if confirmed else {}
    results, decided = _read(folder / "results.csv"), _read(folder / "decisions.csv")
    for row in [*results, *decided]:
        verdict = verdicts.get(row["request_id"])
        if verdict is not None:
            row.update(outcome=verdict["outcome"], reason_codes=verdict["reason_codes"])
        row["disclosure_id"] = ids.get(row["request_id"], "")
    for row in decided:
        if (verdict := verdicts.get(row["request_id"])) is not None:
            row["matched_tin"] = verdict["subject_tin"] if row["disclosure_id"] else ""
    for row in results:
        if (verdict := verdicts.get(row["request_id"])) is not None:
            disclosed = addresses.get(verdict["subject_tin"], ()) if row["disclosure_id"] else ()
            row.update(zip(DISCLOSED_COLUMNS, disclosed or ("",) * len(DISCLOSED_COLUMNS), strict=True))
    write_csv_files(
        {
            folder / "results.csv": (RESULT_COLUMNS, results),
            folder / "decisions.csv": (DECISION_COLUMNS, decided),
        }
    )


def account(
    engine: Engine, store: Path, agreement: Agreement, batch_id: str, folder: Path, now: dt.datetime
) -> dict[str, str]:
    """Account every disclosure of the batch and complete its files; request id -> disclosure id."""
    _check_authority(agreement, now)
    verified, request_file, verdicts = _verified(engine, batch_id)
    asked = {r["request_id"]: r for r in intake.read_requests(Path(request_file)).rows}
    items = [ledger.Disclosure.of(batch_id, asked[rid], tin, agreement) for rid, tin in verified]
    ids = ledger.append(engine, items, now)
    _record_ids(engine, batch_id, ids, verdicts)
    _complete_files(folder, store, ids, verdicts)
    return ids
