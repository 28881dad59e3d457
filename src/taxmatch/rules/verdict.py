"""What a reviewer's verdict on a held row may lead to: a pure function, like decide().

A reviewer sees what the model could not settle (a close second candidate, a
namesake, a one-character slip in a TIN or date of birth, a probability under
the threshold, a given name that alone differs from a TIN holder's) and decides
it, giving a reason on record. A reviewer can turn a held row into a disclosure
only where the one rule's hard conditions still hold: the held taxpayer matches
on name (or, for a given name the reviewer judges, on surname and TIN) and on
the requester's own address, no identifier given disagrees outright, and the
agreement allows disclosure today.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from taxmatch.errors import Conflict
from taxmatch.reasons import Outcome, Reason
from taxmatch.rules.decide import Authority
from taxmatch.rules.levels import AGREES, EXACT, Levels

# Held reasons a reviewer may settle. The others (the agreement not in force, the
# recipient's safeguards) are facts about the agreement that no reviewer overrides.
CONFIRMABLE = frozenset(
    {
        Reason.BELOW_THRESHOLD,
        Reason.AMBIGUOUS_CANDIDATES,
        Reason.NAMESAKE_AT_ADDRESS,
        Reason.IDENTIFIER_NEAR_MISS,
        Reason.GIVEN_NAME_DIFFERS,
    }
)
MIN_NOTE = 10


class Verdict(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


@dataclass(frozen=True)
class Held:
    """A REVIEW row as stored: its reasons, the taxpayer it is held about, and that taxpayer's levels."""

    reasons: tuple[Reason, ...]
    tin: str | None
    levels: Levels

    @classmethod
    def stored(cls, reasons: tuple[Reason, ...], tin: str | None, columns: Mapping[str, str]) -> Held:
        """A held row from its stored decision (levels as the decision file's columns)."""
        return cls(reasons, tin, Levels.stored(columns))


def _refusal(held: Held, authority: Authority) -> str:
    """Why this row may not be confirmed; empty when it may."""
    if authority.refusal:
        return authority.refusal
    overriding = sorted(r.value for r in held.reasons if r not in CONFIRMABLE)
    if overriding:
        return f"it is held for {', '.join(overriding)}, which no reviewer can settle"
    if held.tin is None:
        return "no taxpayer is held for it"
    if Reason.GIVEN_NAME_DIFFERS in held.reasons:  # the reviewer judges the given name; the rest must hold
        if not (held.levels.address in AGREES and held.levels.tin is EXACT):
            return "the held taxpayer does not match on the requester's address and TIN"
    elif not held.levels.on_name_and_address:
        return "the held taxpayer does not match on name and on the requester's address"
    if held.levels.identifier_disagrees:
        return "an identifier given disagrees with the held taxpayer"
    return ""


def settle(
    held: Held, verdict: Verdict, note: str, authority: Authority
) -> tuple[Outcome, tuple[Reason, ...]]:
    """The row's final outcome and reasons after the verdict; Conflict if the verdict cannot stand."""
    if len(note.strip()) < MIN_NOTE:
        raise Conflict(
            "a verdict needs a reason on record",
            fix=f"Write at least {MIN_NOTE} characters saying why (what was checked, against what).",
        )
    if verdict is Verdict.REJECT:
        return Outcome.NO_MATCH, (Reason.REVIEWER_REJECTED,)
    refused = _refusal(held, authority)
    if refused:
        raise Conflict(f"this row cannot be confirmed: {refused}", fix="Reject it, with the reason.")
    if held.tin in authority.protected:  # confirmed, and still nothing may leave (6103(i)(6))
        return Outcome.NO_MATCH, (Reason.WITHHELD_6103I6,)
    return Outcome.VERIFIED, (Reason.MATCH_NAME_ADDRESS, Reason.REVIEWER_CONFIRMED)
