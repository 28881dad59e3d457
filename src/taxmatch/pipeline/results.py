"""The answer to each request row: its result and decision rows, its stored record, and the files.

Every row of every batch is recorded (6103(p)(3)(A) accounting covers
requests, not only disclosures): outcome, reasons, the taxpayer matched,
the comparison levels and what the model added up to reach them. The files
these rows go into are answer_files.py's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
import pyarrow as pa

from taxmatch import json_table
from taxmatch.interchange import DISCLOSED_COLUMNS, REQUEST_COLUMNS, Manifest
from taxmatch.matching import weights
from taxmatch.pipeline import intake
from taxmatch.reasons import Outcome, Reason, for_requester, join
from taxmatch.rules import batch_checks
from taxmatch.rules.decide import Candidate, Decision
from taxmatch.rules.levels import COLUMNS as LEVELS
from taxmatch.rules.levels import Levels
from taxmatch.standardise.table import map_distinct


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


@lru_cache(maxsize=4096)  # candidates share a few hundred distinct Levels (matching/scorer.py)
def _published(levels: Levels) -> dict[str, str]:
    """The four published levels; shared by every row with these levels, so never changed."""
    return {k: str(v) for k, v in levels.columns().items()}


_NOBODY = dict.fromkeys(LEVELS, "")  # the levels of a row about nobody


def _probabilities(d: Decision) -> tuple[float | None, float | None]:
    """The probability of the candidate the row is about, and of the next best one."""
    subject = d.subject
    runner = d.best if subject is not d.best else d.runner_up
    return (subject.match_probability if subject else None, runner.match_probability if runner else None)


def _shown(probability: float | None) -> str:
    return "" if probability is None else f"{probability:.6g}"


Columns = dict[str, list[Any]]  # column name -> its value for each row, in row order


class Decided:
    """A chunk's decisions a column at a time: what decisions.csv and the store both take from each.

    A batch records millions of rows. Made a column at a time, without a dictionary
    per row for each file and for the store, 100,000 rows of the 1.28M batch took
    the pipeline's thread 2.2-2.5 s instead of 3.8-4.0 s (docs/benchmarks.md, 2026-12-06c).
    """

    def __init__(self, answers: Sequence[Answer]) -> None:
        self.answers = answers
        self.decisions = made = [a.decision for a in answers]
        self.request_ids = [a.request_id for a in answers]
        self.outcomes = [d.outcome.value for d in made]
        self.candidates = [d.candidates for d in made]
        self.subjects = [d.subject for d in made]
        self.matched = [d.chosen.tin if d.chosen else "" for d in made]
        self.reason_codes = [join(d.reasons) for d in made]
        self.probabilities = list(map(_probabilities, made))
        self.levels = [_NOBODY if c is None else _published(c.levels) for c in self.subjects]

    def file_columns(self) -> Columns:
        """decisions.csv's columns."""
        columns: Columns = {
            "request_id": self.request_ids,
            "outcome": self.outcomes,
            "reason_codes": self.reason_codes,
            "disclosure_id": [a.disclosure_id for a in self.answers],
            "matched_tin": self.matched,
            "candidates": self.candidates,
            "match_probability": [_shown(p) for p, _ in self.probabilities],
            "runner_up_probability": [_shown(p) for _, p in self.probabilities],
        }
        return columns | {k: [levels[k] for levels in self.levels] for k in LEVELS}

    def stored(self, bid: str, requests: pa.Table, prior_bits: float) -> Columns:
        """The decisions table's columns (db/schema.py), with each row's request as asked (`requests`:
        the request columns of the answers' rows, in their order).

        The request as asked, the official and the case are made from the columns, never a dictionary
        per row (json_table.py; 0.56 s -> 0.13 s a 100,000 rows, docs/benchmarks.md, 2026-12-07d)."""
        return {
            "batch_id": [bid] * len(self.answers),
            "request_id": self.request_ids,
            "outcome": self.outcomes,
            "reason_codes": self.reason_codes,
            "matched_tin": [t or None for t in self.matched],
            "subject_tin": [c.tin if c else None for c in self.subjects],
            "candidates": self.candidates,
            "match_probability": [p for p, _ in self.probabilities],
            "runner_up_probability": [p for _, p in self.probabilities],
            "levels": self.levels,  # JSON: the decision file's four columns
            "disclosure_id": [a.disclosure_id or None for a in self.answers],
            # JSON already (orjson writes a Fragment as it is): db/bulk.py stores it as the column's text.
            "asked": list(map(orjson.Fragment, json_table.objects(requests.select(REQUEST_COLUMNS)))),
            "official": map_distinct(requests["official_name"], _official, pa.string()).to_pylist(),
            "case_number": map_distinct(requests["case_number"], _case, pa.string()).to_pylist(),
            "explanation": self._explanations(prior_bits),
        }

    def _explanations(self, prior_bits: float) -> list[dict[str, Any]]:
        """Each row's subject and runner-up as explained, their weights' JSON made all at once."""
        runners = [d.runner_up for d in self.decisions]
        every = [*self.subjects, *runners]
        made = weights.stored([c.weights if c else None for c in every])
        explained = list(map(_explained, every, made))
        count = len(runners)
        return [
            {"prior_bits": prior_bits, "subject": explained[n], "runner_up": explained[count + n]}
            for n in range(count)
        ]


def result_columns(answers: Sequence[Answer]) -> Columns:
    """results.csv's columns: nothing beyond the agreement, and never an internal-only code."""
    shown = [_public(a.decision.outcome, a.decision.reasons) for a in answers]
    disclosed = [a.disclosed or _UNDISCLOSED for a in answers]
    columns: Columns = {
        "request_id": [a.request_id for a in answers],
        "outcome": [outcome for outcome, _ in shown],
        "reason_codes": [codes for _, codes in shown],
    }
    columns |= {c: [d[i] for d in disclosed] for i, c in enumerate(DISCLOSED_COLUMNS)}
    return columns | {"disclosure_id": [a.disclosure_id for a in answers]}


_UNDISCLOSED = ("",) * len(DISCLOSED_COLUMNS)


@lru_cache(maxsize=4096)  # a batch's rows share a few dozen outcomes with their codes
def _public(outcome: Outcome, codes: tuple[Reason, ...]) -> tuple[str, str]:
    """The outcome and codes as the requester reads them (reasons.for_requester), as text."""
    shown, public = for_requester(outcome, codes)
    return shown.value, join(public)


def _row(columns: Columns) -> dict[str, Any]:
    return {c: values[0] for c, values in columns.items()}


def decision_row(answer: Answer) -> dict[str, Any]:
    """One answer's row of decisions.csv."""
    return _row(Decided([answer]).file_columns())


def result_row(answer: Answer) -> dict[str, Any]:
    """One answer's row of results.csv."""
    return _row(result_columns([answer]))


@lru_cache(maxsize=65_536)  # a batch names a few thousand officials and cases, again and again
def _official(name: str) -> str:
    return batch_checks.official_key({"official_name": name})[:200]


@lru_cache(maxsize=65_536)
def _case(number: str) -> str:
    return batch_checks.case_key({"case_number": number})[:200]


def batch_id(manifest: Manifest, kind: str = "") -> str:
    """One batch per agreement and request-file digest: the same file sent twice is the same batch.

    An interactive call ('call') is a batch of its own kind, so that a call and a
    batch file that happen to hold the same bytes are still answered apart.
    """
    digest = manifest.request_file_sha256.strip().lower()[:20]
    return f"{manifest.agreement_id}:{kind}-{digest}" if kind else f"{manifest.agreement_id}:{digest}"


def _explained(candidate: Candidate | None, stored_weights: object) -> dict[str, Any] | None:
    if candidate is None:
        return None
    return {
        "tin": candidate.tin,
        "match_weight": candidate.match_weight,
        "match_probability": candidate.match_probability,
        "weights": stored_weights,  # (comparison, level, bits) triples: JSON arrays (weights.stored)
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
