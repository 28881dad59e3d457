"""Why a row got its answer: the waterfall of match weights, for a reviewer or a court.

A match weight is log2 of how much more likely the evidence is for the same
person than for two different people. The prior (one taxpayer in the whole
master) starts far below zero; each comparison adds or subtracts bits; the
total becomes the match probability that the agreement's threshold is held to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from taxmatch.agreement import Agreement
from taxmatch.reasons import DESCRIPTION, Reason


@dataclass(frozen=True)
class Step:
    comparison: str
    level: str
    bits: float
    total: float


def waterfall(prior_bits: float, weights: list[list[Any]]) -> list[Step]:
    """The prior, then each comparison's contribution, with the running total."""
    steps = [Step("prior", "one taxpayer among the master", prior_bits, prior_bits)]
    total = prior_bits
    for comparison, level, bits in weights:
        total += float(bits)
        steps.append(Step(str(comparison), str(level), float(bits), total))
    return steps


BITS = (
    "A match weight is counted in bits: each bit doubles the odds that the two records are the same "
    "person. The prior starts far below zero (one taxpayer among the whole master); each comparison "
    "adds or subtracts bits; the total, turned into odds, is the match probability."
)
RULE_3 = (Reason.AMBIGUOUS_CANDIDATES, Reason.NAMESAKE_AT_ADDRESS)


def bits(probability: float) -> float:
    """A probability as match weight: log2 of its odds (the prior, or the weight a threshold needs)."""
    return math.log2(probability / (1 - probability))


def masked(tin: str | None) -> str:
    """A TIN as a reviewer's screen shows it: the last four digits."""
    return f"•••••{tin[-4:]}" if tin else ""


def _candidates(explanation: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for role, name in (("subject", "best candidate"), ("runner_up", "runner-up")):
        candidate = explanation.get(role)
        if candidate:
            steps = waterfall(explanation["prior_bits"], candidate["weights"])
            found.append(
                {
                    "role": name,
                    "tin": candidate["tin"],
                    "match_weight": candidate["match_weight"],
                    "match_probability": candidate["match_probability"],
                    "waterfall": [asdict(s) for s in steps],
                }
            )
    return found


def decided_by(
    outcome: str, reasons: list[Reason], candidates: list[dict[str, Any]], agreement: Agreement
) -> str:
    """The rule that decided the row, in words, with the agreement's numbers."""
    said = " ".join(DESCRIPTION[r] for r in reasons)
    best = candidates[0] if candidates else None
    second = candidates[1] if len(candidates) > 1 else None
    threshold, margin = agreement.match_threshold, agreement.ambiguity_margin_bits
    if outcome == "REJECTED":
        return f"Rule 1: the request is legally insufficient, so nothing was matched. {said}"
    if any(r in RULE_3 for r in reasons) and best and second:
        a, b = best["match_weight"], second["match_weight"]
        same = " The two score the same: nothing in the request tells them apart." if a == b else ""
        return (
            f"Rule 3: a second taxpayer scores within the agreement's {margin:g}-bit margin "
            f"({a:+.1f} against {b:+.1f} bits, {a - b:.1f} apart), so a reviewer decides.{same} {said}"
        )
    if Reason.BELOW_THRESHOLD in reasons and best:
        p = best["match_probability"]
        return (
            f"Rule 3: the match's probability {p:.6f} is under the agreement's threshold {threshold:g}. "
            + said
        )
    if outcome == "VERIFIED" and best:
        gap = (
            f", the runner-up {best['match_weight'] - second['match_weight']:.1f} bits behind"
            if second
            else ""
        )
        return (
            f"Rules 2 and 3: one taxpayer matches on name and on the requester's address, its probability "
            f"{best['match_probability']:.6f} is at or above the threshold {threshold:g}, and no other is "
            f"within {margin:g} bits{gap}. {said}"
        )
    return said


def story(row: Mapping[str, Any], agreement: Agreement) -> dict[str, Any]:
    """Everything `taxmatch explain` says of a stored decision, as data (what --json prints)."""
    reasons = [Reason(c) for c in str(row["reason_codes"]).split(";") if c]
    candidates = _candidates(row.get("explanation") or {})
    return {
        "batch_id": row["batch_id"],
        "request_id": row["request_id"],
        "outcome": row["outcome"],
        "reasons": [{"code": r.value, "meaning": DESCRIPTION[r]} for r in reasons],
        "decided_by": decided_by(str(row["outcome"]), reasons, candidates, agreement),
        "asked": {k: masked(v) if k == "tin" else v for k, v in (row.get("asked") or {}).items()},
        "candidates_scored": row["candidates"],
        "candidates": candidates,
        "bits": BITS,
    }
