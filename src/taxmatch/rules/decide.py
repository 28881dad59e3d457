"""The one disclosure rule of DESIGN.md, and nowhere else: a pure function.

From a request's gate reasons and its scored candidates (one per taxpayer) to
a decision. Anything short of a lawful, verified, unique, authorised match is
not VERIFIED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from taxmatch.agreement import Agreement
from taxmatch.reasons import INFORMATIONAL, Outcome, Reason
from taxmatch.rules.levels import CONFIRMS_NOTHING, DISAGREE, EXACT, SIMILAR, Levels


@dataclass(frozen=True)
class Candidate:
    """One taxpayer's best-scoring record against one request."""

    tin: str
    match_weight: float
    match_probability: float
    levels: Levels
    # What the model added up, for explanation only: (comparison, level, bits).
    weights: Sequence[tuple[str, str, float]] = ()


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    chosen: Candidate | None = None
    best: Candidate | None = None
    runner_up: Candidate | None = None
    candidates: int = 0
    # REVIEW only: the candidate a reviewer may confirm (it matches on name and address).
    held: Candidate | None = None

    @property
    def subject(self) -> Candidate | None:
        """The candidate this row is about: the one disclosed, the one held, or else the best found."""
        return self.chosen or self.held or self.best


@dataclass(frozen=True)
class Authority:
    """Rule 4's facts as of the moment of release."""

    in_force_today: bool
    safeguards_in_good_standing: bool
    # IRC 6103(i)(6): taxpayers about whom nothing may be disclosed (the disclosure office's list).
    protected: frozenset[str] = frozenset()

    @classmethod
    def of(cls, agreement: Agreement, today: dt.date, protected: frozenset[str] = frozenset()) -> Authority:
        return cls(agreement.in_force(today), agreement.recipient_safeguards.in_good_standing, protected)

    @property
    def refusal(self) -> str:
        """Why nothing may be disclosed now; empty when disclosure is allowed."""
        if not self.in_force_today:
            return "the agreement is not in force today"
        if not self.safeguards_in_good_standing:
            return "the recipient has open safeguard findings without a corrective action plan"
        return ""


def _holds_the_tin_under_another_name(c: Candidate) -> bool:
    # A name two slips off that the date of birth does not also confirm is not the TIN holder's name.
    return c.levels.tin is EXACT and c.levels.name in (DISAGREE, SIMILAR) and not c.levels.on_name_and_address


def _no_match(ranked: Sequence[Candidate]) -> tuple[Reason, ...]:
    tin_holders = [c for c in ranked if c.levels.tin is EXACT]
    if any(_holds_the_tin_under_another_name(c) for c in tin_holders):
        return (Reason.TIN_OTHER_PERSON,)
    if tin_holders:
        return (Reason.ADDRESS_NOT_ON_FILE,)
    # Scored candidates that matched neither way are told apart from finding nobody (internally).
    return (Reason.NO_NAME_ADDRESS_MATCH,) if ranked else (Reason.NO_CANDIDATE,)


def _mismatch(candidate: Candidate, ranked: Sequence[Candidate]) -> tuple[Reason, ...]:
    reasons = []
    if candidate.levels.tin not in CONFIRMS_NOTHING:
        reasons.append(Reason.TIN_MISMATCH)
        if any(_holds_the_tin_under_another_name(c) for c in ranked):
            reasons.append(Reason.TIN_OTHER_PERSON)
    if candidate.levels.dob is DISAGREE:
        reasons.append(Reason.DOB_MISMATCH)
    return tuple(reasons)


def _is_namesake(a: Candidate, b: Candidate) -> bool:
    return a.levels.same_person_named_at_same_address and b.levels.same_person_named_at_same_address


def _answer(
    outcome: Outcome,
    reasons: Sequence[Reason],
    ranked: Sequence[Candidate],
    chosen: Candidate | None = None,
    held: Candidate | None = None,
) -> Decision:
    return Decision(
        outcome,
        tuple(dict.fromkeys(reasons)),
        chosen=chosen,
        best=ranked[0] if ranked else None,
        runner_up=ranked[1] if len(ranked) > 1 else None,
        candidates=len(ranked),
        held=held,
    )


def decide(
    gate_reasons: Sequence[Reason],
    candidates: Sequence[Candidate],
    agreement: Agreement,
    authority: Authority,
) -> Decision:
    """Apply the one rule. `candidates` holds at most one entry per taxpayer.

    Informational gate codes (a malformed optional identifier, answered as if absent)
    never decide anything; they are carried beside whatever the rule decides.
    """
    notes = tuple(r for r in gate_reasons if r in INFORMATIONAL)
    decided = _decide([r for r in gate_reasons if r not in INFORMATIONAL], candidates, agreement, authority)
    return replace(decided, reasons=decided.reasons + notes) if notes else decided


def _decide(
    gate_reasons: Sequence[Reason],
    candidates: Sequence[Candidate],
    agreement: Agreement,
    authority: Authority,
) -> Decision:
    ranked = sorted(candidates, key=lambda c: (-c.match_weight, c.tin))
    if gate_reasons:
        return _answer(Outcome.REJECTED, gate_reasons, ranked)
    plausible = [c for c in ranked if c.levels.on_name_and_address]
    if not plausible:
        differs = [c for c in ranked if c.levels.only_the_given_name_differs]
        if differs:  # Margie for Margarita, TIN and all: a reviewer's case, never a disclosure by itself
            return _answer(Outcome.REVIEW, [Reason.GIVEN_NAME_DIFFERS], ranked, held=differs[0])
        return _answer(Outcome.NO_MATCH, _no_match(ranked), ranked)
    consistent = [c for c in plausible if c.levels.identifiers_agree]
    if not consistent:
        near = [c for c in plausible if c.levels.near_miss]
        if near:
            return _answer(Outcome.REVIEW, [Reason.IDENTIFIER_NEAR_MISS], ranked, held=near[0])
        return _answer(Outcome.NO_MATCH, _mismatch(plausible[0], ranked), ranked)
    suffixed = [c for c in consistent if c.levels.suffix is EXACT]
    if suffixed:  # the suffix given agrees exactly (Jr on file): that outranks a record with none
        consistent = suffixed
    top = consistent[0]
    if (
        len(consistent) > 1
        and top.match_weight - consistent[1].match_weight < agreement.ambiguity_margin_bits
    ):
        namesake = _is_namesake(top, consistent[1])
        reason = Reason.NAMESAKE_AT_ADDRESS if namesake else Reason.AMBIGUOUS_CANDIDATES
        return _answer(Outcome.REVIEW, [reason], ranked, held=top)
    if top.match_probability < agreement.match_threshold:
        return _answer(Outcome.REVIEW, [Reason.BELOW_THRESHOLD], ranked, held=top)
    held = [Reason.AGREEMENT_NOT_IN_FORCE] if not authority.in_force_today else []
    if not authority.safeguards_in_good_standing:
        held.append(Reason.RECIPIENT_SAFEGUARDS_OPEN)
    if held:
        return _answer(Outcome.REVIEW, held, ranked, held=top)
    if top.tin in authority.protected:  # a perfect match, and still nothing may leave (6103(i)(6))
        return _answer(Outcome.NO_MATCH, [Reason.WITHHELD_6103I6], ranked)
    reasons = [Reason.MATCH_NAME_ADDRESS]
    if top.levels.tin is EXACT:
        reasons.append(Reason.MATCH_TIN_CONFIRMED)
    if top.levels.dob is EXACT:
        reasons.append(Reason.MATCH_DOB_CONFIRMED)
    return _answer(Outcome.VERIFIED, reasons, ranked, chosen=top)
