"""Process one batch: intake, gate, standardise, match, decide, ledger, result files.

Everything that can refuse the batch (files, manifest, store) is checked
before anything is written; then every row gets exactly one decision.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from taxmatch import gate, intake, ledger, matcher, reference
from taxmatch.agreement import Agreement
from taxmatch.decide import Authority, Candidate, Decision, decide
from taxmatch.errors import Location, ManifestError
from taxmatch.interchange import DECISION_COLUMNS, DISCLOSED_COLUMNS, RESULT_COLUMNS
from taxmatch.output import write_csv_files
from taxmatch.reasons import join
from taxmatch.standardise import standardise
from taxmatch.store import batches, connect, decisions

log = logging.getLogger(__name__)
Step = Callable[[str], None]
LEVELS = ("name_agreement", "address_agreement", "tin_agreement", "dob_agreement")


@dataclass(frozen=True)
class Answer:
    request_id: str
    decision: Decision
    disclosure_id: str = ""
    disclosed: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchReport:
    batch_id: str
    answers: list[Answer]

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(a.decision.outcome.value for a in self.answers)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(r.value for a in self.answers for r in a.decision.reasons)


def batch_id(manifest: gate.Manifest) -> str:
    return f"{manifest.agreement_id}:{manifest.request_file_sha256.strip().lower()[:20]}"


def _match(
    rows: list[dict[str, str]], lawful: list[int], ref: reference.Reference, today: dt.date
) -> dict[int, list[Candidate]]:
    if not lawful:
        return {}
    table = pa.Table.from_pylist([rows[i] for i in lawful])
    table = standardise(table, today).append_column("uid", pa.array(lawful, pa.int64()))
    return matcher.score(table, ref)


def _last_known(ref: reference.Reference, tins: list[str]) -> dict[str, tuple[str, ...]]:
    if not tins:
        return {}
    con = duckdb.connect()
    con.register("wanted", pa.table({"tin": pa.array(sorted(set(tins)), pa.string())}))
    found = con.sql(
        "SELECT k.tin, street_address, unit, city, state, zip FROM read_parquet(?) k JOIN wanted USING (tin)",
        params=[str(ref.last_known)],
    ).fetchall()
    con.close()
    return {row[0]: tuple(row[1:]) for row in found}


def _levels(decision: Decision) -> dict[str, str]:
    c = decision.chosen or decision.best
    if c is None:
        return dict.fromkeys(LEVELS, "")
    return dict(zip(LEVELS, (c.name, c.address, c.tin_level, c.dob), strict=True))


def _decision_row(answer: Answer) -> dict[str, Any]:
    d = answer.decision
    subject = d.chosen or d.best
    runner = d.best if d.chosen is not None and d.best is not d.chosen else d.runner_up
    return {
        "request_id": answer.request_id,
        "outcome": d.outcome.value,
        "reason_codes": join(list(d.reasons)),
        "disclosure_id": answer.disclosure_id,
        "matched_tin": d.chosen.tin if d.chosen else "",
        "candidates": d.candidates,
        "match_probability": f"{subject.match_probability:.6g}" if subject else "",
        "runner_up_probability": f"{runner.match_probability:.6g}" if runner else "",
        **_levels(d),
    }


def _result_row(answer: Answer) -> dict[str, Any]:
    d = answer.decision
    row: dict[str, Any] = {
        "request_id": answer.request_id,
        "outcome": d.outcome.value,
        "reason_codes": join(list(d.reasons)),
        "disclosure_id": answer.disclosure_id,
    }
    row.update(zip(DISCLOSED_COLUMNS, answer.disclosed or ("",) * 5, strict=True))
    return row


def process(
    request_path: Path,
    manifest_path: Path,
    out_dir: Path,
    store: Path,
    agreement: Agreement,
    now: dt.datetime,
    step: Step = lambda _: None,
) -> BatchReport:
    """Answer every row of a batch; raise a TaxmatchError (writing nothing) if it cannot be processed."""
    today = now.date()
    step("reading the manifest and request file")
    manifest = intake.read_manifest(manifest_path)
    requests = intake.read_requests(request_path)
    problems = gate.check_manifest(manifest, agreement, requests.sha256)
    if problems:
        raise ManifestError(
            "the batch is legally insufficient: " + "; ".join(problems),
            where=Location(str(manifest_path)),
            fix="Nothing was processed; send a corrected manifest.",
        )
    ref = reference.open_reference(store)
    engine = connect(store)
    step("checking each request against the law and the agreement")
    in_batch = gate.check_batch(requests.rows, agreement)
    reasons = [
        gate.check_row(r, agreement, manifest.signed_on, today) + in_batch.get(i, [])
        for i, r in enumerate(requests.rows)
    ]
    step("matching lawful requests against the master file")
    found = _match(requests.rows, [i for i, r in enumerate(reasons) if not r], ref, today)
    step("deciding")
    authority = Authority.of(agreement, today)
    decided = [decide(reasons[i], found.get(i, []), agreement, authority) for i in range(len(requests.rows))]
    answers = _account(requests.rows, decided, batch_id(manifest), agreement, ref, engine, now)
    step("writing results")
    _persist(engine, manifest, requests, answers, now)
    write_csv_files(
        {
            out_dir / "results.csv": (RESULT_COLUMNS, (_result_row(a) for a in answers)),
            out_dir / "decisions.csv": (DECISION_COLUMNS, (_decision_row(a) for a in answers)),
        }
    )
    return BatchReport(batch_id(manifest), answers)


def _account(
    rows: list[dict[str, str]],
    decided: list[Decision],
    bid: str,
    agreement: Agreement,
    ref: reference.Reference,
    engine: Any,
    now: dt.datetime,
) -> list[Answer]:
    """Look up what may be disclosed and record each disclosure in the ledger first."""
    verified = [(row, d) for row, d in zip(rows, decided, strict=True) if d.chosen is not None]
    addresses = _last_known(ref, [d.chosen.tin for _, d in verified if d.chosen])
    items = [
        ledger.Disclosure(
            bid,
            row["request_id"],
            d.chosen.tin,
            ";".join(agreement.disclosable_fields),
            row["statute"],
            row["official_name"],
            row["official_title"],
            row["case_number"],
            agreement.recipient,
        )
        for row, d in verified
        if d.chosen
    ]
    ids = ledger.append(engine, items, now)
    return [
        Answer(
            row["request_id"],
            d,
            ids.get(row["request_id"], "") if d.chosen else "",
            addresses.get(d.chosen.tin, ()) if d.chosen else (),
        )
        for row, d in zip(rows, decided, strict=True)
    ]


def _persist(
    engine: Any,
    manifest: gate.Manifest,
    requests: intake.RequestFile,
    answers: list[Answer],
    now: dt.datetime,
) -> None:
    bid = batch_id(manifest)
    outcomes = Counter(a.decision.outcome.value for a in answers)
    with engine.begin() as conn:
        conn.execute(batches.delete().where(batches.c.batch_id == bid))
        conn.execute(decisions.delete().where(decisions.c.batch_id == bid))
        conn.execute(
            batches.insert(),
            [
                {
                    "batch_id": bid,
                    "agreement_id": manifest.agreement_id,
                    "requesting_agency": manifest.requesting_agency,
                    "signer_name": manifest.signer_name,
                    "signer_title": manifest.signer_title,
                    "signed_on": manifest.signed_on,
                    "request_file": str(requests.path),
                    "request_file_sha256": requests.sha256,
                    "rows": len(answers),
                    "outcomes": dict(outcomes),
                    "processed_at": now,
                }
            ],
        )
        conn.execute(decisions.insert(), [_stored_decision(bid, a) for a in answers])


def _stored_decision(bid: str, answer: Answer) -> dict[str, Any]:
    row = _decision_row(answer)
    return {
        "batch_id": bid,
        "request_id": answer.request_id,
        "outcome": row["outcome"],
        "reason_codes": row["reason_codes"],
        "matched_tin": row["matched_tin"] or None,
        "candidates": row["candidates"],
        "match_probability": float(row["match_probability"]) if row["match_probability"] else None,
        "runner_up_probability": float(row["runner_up_probability"])
        if row["runner_up_probability"]
        else None,
        "levels": {k: row[k] for k in LEVELS},
        "disclosure_id": answer.disclosure_id or None,
    }
