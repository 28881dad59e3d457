"""The answer to each request row, and the permanent record of it.

Every row of every batch is recorded (6103(p)(3)(A) accounting covers
requests, not only disclosures): outcome, reasons, the taxpayer matched,
the comparison levels and what the model added up to reach them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from taxmatch.db.schema import batches, decisions
from taxmatch.interchange import DISCLOSED_COLUMNS
from taxmatch.pipeline import intake
from taxmatch.reasons import join
from taxmatch.rules import gate
from taxmatch.rules.decide import Candidate, Decision

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


def _levels(decision: Decision) -> dict[str, str]:
    c = decision.subject
    if c is None:
        return dict.fromkeys(LEVELS, "")
    return dict(zip(LEVELS, (c.name, c.address, c.tin_level, c.dob), strict=True))


def _probabilities(d: Decision) -> tuple[float | None, float | None]:
    """The probability of the candidate the row is about, and of the next best one."""
    subject = d.subject
    runner = d.best if subject is not d.best else d.runner_up
    return (subject.match_probability if subject else None, runner.match_probability if runner else None)


def decision_row(answer: Answer) -> dict[str, Any]:
    d = answer.decision
    subject_p, runner_p = _probabilities(d)
    return {
        "request_id": answer.request_id,
        "outcome": d.outcome.value,
        "reason_codes": join(list(d.reasons)),
        "disclosure_id": answer.disclosure_id,
        "matched_tin": d.chosen.tin if d.chosen else "",
        "candidates": d.candidates,
        "match_probability": "" if subject_p is None else f"{subject_p:.6g}",
        "runner_up_probability": "" if runner_p is None else f"{runner_p:.6g}",
        **_levels(d),
    }


def result_row(answer: Answer) -> dict[str, Any]:
    d = answer.decision
    row: dict[str, Any] = {
        "request_id": answer.request_id,
        "outcome": d.outcome.value,
        "reason_codes": join(list(d.reasons)),
        "disclosure_id": answer.disclosure_id,
    }
    row.update(zip(DISCLOSED_COLUMNS, answer.disclosed or ("",) * 5, strict=True))
    return row


def batch_id(manifest: gate.Manifest, kind: str = "") -> str:
    """One batch per agreement and request-file digest: the same file sent twice is the same batch.

    An interactive call ('call') is a batch of its own kind, so that a call and a
    batch file that happen to hold the same bytes are still answered apart.
    """
    digest = manifest.request_file_sha256.strip().lower()[:20]
    return f"{manifest.agreement_id}:{kind}-{digest}" if kind else f"{manifest.agreement_id}:{digest}"


def persist(
    engine: Engine,
    bid: str,
    manifest: gate.Manifest,
    requests: intake.RequestFile,
    answers: list[Answer],
    rows: list[dict[str, Any]],
    now: dt.datetime,
    prior_bits: float,
) -> None:
    """Record the batch and one decision per row (`rows`: their decision_row), replacing an earlier run."""
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
        conn.execute(
            decisions.insert(),
            [
                _stored_decision(bid, a, r, q, prior_bits)
                for a, r, q in zip(answers, rows, requests.rows, strict=True)
            ],
        )


def caseloads(engine: Engine, officials: Iterable[str], since: dt.datetime) -> dict[str, set[str]]:
    """Each named official's case numbers in requests answered since `since` (any batch, any outcome)."""
    wanted = sorted({o for o in officials if o})
    found: dict[str, set[str]] = {o: set() for o in wanted}
    query = (
        select(decisions.c.official, decisions.c.case_number)
        .distinct()
        .join(batches, batches.c.batch_id == decisions.c.batch_id)
        .where(batches.c.processed_at >= since)
    )
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = query.where(decisions.c.official.in_(wanted[start : start + 500]))
            for official, case in conn.execute(chunk):
                found[official].add(case)
    return found


def _explained(candidate: Candidate | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return {
        "tin": candidate.tin,
        "match_weight": candidate.match_weight,
        "match_probability": candidate.match_probability,
        "weights": candidate.weights,
    }


def _stored_decision(
    bid: str, answer: Answer, row: dict[str, Any], request: Mapping[str, str], prior_bits: float
) -> dict[str, Any]:
    subject_p, runner_p = _probabilities(answer.decision)
    return {
        "batch_id": bid,
        "request_id": answer.request_id,
        "outcome": row["outcome"],
        "reason_codes": row["reason_codes"],
        "matched_tin": row["matched_tin"] or None,
        "subject_tin": answer.decision.subject.tin if answer.decision.subject else None,
        "candidates": row["candidates"],
        "match_probability": subject_p,
        "runner_up_probability": runner_p,
        "levels": {k: row[k] for k in LEVELS},
        "disclosure_id": answer.disclosure_id or None,
        "official": gate.official_key(request)[:200],
        "case_number": gate.case_key(request)[:200],
        "explanation": {
            "prior_bits": prior_bits,
            "subject": _explained(answer.decision.subject),
            "runner_up": _explained(answer.decision.runner_up),
        },
    }
