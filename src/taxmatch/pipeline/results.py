"""The answer to each request row: its result and decision rows, its stored record, and the files.

Every row of every batch is recorded (6103(p)(3)(A) accounting covers
requests, not only disclosures): outcome, reasons, the taxpayer matched,
the comparison levels and what the model added up to reach them. The files
these rows go into are answer_files.py's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from taxmatch.interchange import DISCLOSED_COLUMNS, REQUEST_COLUMNS, Manifest
from taxmatch.pipeline import intake
from taxmatch.reasons import for_requester, join
from taxmatch.rules import batch_checks
from taxmatch.rules.decide import Candidate, Decision
from taxmatch.rules.levels import COLUMNS as LEVELS
from taxmatch.rules.levels import Levels


@dataclass(frozen=True)
class Answer:
    request_id: str
    decision: Decision
    disclosure_id: str = ""
    disclosed: tuple[str, ...] = ()


@dataclass
class BatchReport:
    """What a batch came to: counts of its outcomes and reasons, and its answers where they are kept.

    A batch answered in chunks adds each chunk's answers; only a small one (an
    interactive call, a test) keeps them (`kept`), a large one keeps the counts.
    """

    batch_id: str
    answers: list[Answer] = field(default_factory=list)
    kept: bool = True
    rows: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        given, self.answers = self.answers, []
        self.add(given)

    def add(self, answers: list[Answer]) -> None:
        self.rows += len(answers)
        self.outcomes.update(a.decision.outcome.value for a in answers)
        self.reasons.update(r.value for a in answers for r in a.decision.reasons)
        if self.kept:
            self.answers.extend(answers)


def _levels(decision: Decision) -> dict[str, str]:
    """The subject's four published levels; blank when the row is about nobody."""
    c = decision.subject
    return dict(_NOBODY if c is None else _published(c.levels))  # a copy: the cached one stays as it is


@lru_cache(maxsize=4096)  # candidates share a few hundred distinct Levels (matching/scorer.py)
def _published(levels: Levels) -> dict[str, str]:
    return {k: str(v) for k, v in levels.columns().items()}


_NOBODY = dict.fromkeys(LEVELS, "")


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
        "reason_codes": join(d.reasons),
        "disclosure_id": answer.disclosure_id,
        "matched_tin": d.chosen.tin if d.chosen else "",
        "candidates": d.candidates,
        "match_probability": "" if subject_p is None else f"{subject_p:.6g}",
        "runner_up_probability": "" if runner_p is None else f"{runner_p:.6g}",
        **_levels(d),
    }


def result_row(answer: Answer) -> dict[str, Any]:
    """The row the requester gets: nothing beyond the agreement, and never an internal-only code."""
    outcome, codes = for_requester(answer.decision.outcome, answer.decision.reasons)
    row: dict[str, Any] = {
        "request_id": answer.request_id,
        "outcome": outcome.value,
        "reason_codes": join(codes),
        "disclosure_id": answer.disclosure_id,
    }
    row.update(zip(DISCLOSED_COLUMNS, answer.disclosed or ("",) * 5, strict=True))
    return row


def batch_id(manifest: Manifest, kind: str = "") -> str:
    """One batch per agreement and request-file digest: the same file sent twice is the same batch.

    An interactive call ('call') is a batch of its own kind, so that a call and a
    batch file that happen to hold the same bytes are still answered apart.
    """
    digest = manifest.request_file_sha256.strip().lower()[:20]
    return f"{manifest.agreement_id}:{kind}-{digest}" if kind else f"{manifest.agreement_id}:{digest}"


def _explained(candidate: Candidate | None) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return {
        "tin": candidate.tin,
        "match_weight": candidate.match_weight,
        "match_probability": candidate.match_probability,
        "weights": tuple(candidate.weights),  # (comparison, level, bits) triples: JSON arrays, as stored
    }


_BLANKS = ("",) * len(REQUEST_COLUMNS)  # what a column the request row does not have is stored as


def stored_decision(
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
        "levels": {k: row[k] for k in LEVELS},  # the decision row's, worked out once
        "disclosure_id": answer.disclosure_id or None,
        "asked": dict(zip(REQUEST_COLUMNS, map(request.get, REQUEST_COLUMNS, _BLANKS), strict=True)),
        "official": batch_checks.official_key(request)[:200],
        "case_number": batch_checks.case_key(request)[:200],
        "explanation": {
            "prior_bits": prior_bits,
            "subject": _explained(answer.decision.subject),
            "runner_up": _explained(answer.decision.runner_up),
        },
    }


def batch_record(
    manifest: Manifest, requests: intake.RequestFile, report: BatchReport, now: dt.datetime
) -> dict[str, Any]:
    """The batch's row in the store: who asked, under what signature, for which file, and the outcomes."""
    return {
        "batch_id": report.batch_id,
        "agreement_id": manifest.agreement_id,
        "requesting_agency": manifest.requesting_agency,
        "signer_name": manifest.signer_name,
        "signer_title": manifest.signer_title,
        "signed_on": manifest.signed_on,
        "request_file": str(requests.path),
        "request_file_sha256": requests.sha256,
        "rows": report.rows,
        "outcomes": dict(report.outcomes),
        "processed_at": now,
    }
