"""Choose the threshold and ambiguity margin from measured error rates, not by taste.

`sweep` re-applies the decision rule to rows that were gated and scored once,
under each (threshold, margin) pair, and counts against ground truth what
would have been disclosed: wrong-person disclosures against automatic recall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taxmatch.agreement import Agreement
from taxmatch.reasons import Outcome, Reason
from taxmatch.rules.decide import Authority, Candidate, decide

THRESHOLDS = (0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999)
MARGINS = (2.0, 5.0, 10.0, 15.0)


@dataclass(frozen=True)
class Point:
    threshold: float
    margin_bits: float
    verified: int
    wrong_person: int
    recalled: int
    findable: int
    reviewed: int
    rows: int
    # Wrong-person disclosures had the probability alone decided (no name/address/identifier rule).
    wrong_by_probability_alone: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.findable if self.findable else 0.0

    @property
    def review_rate(self) -> float:
        return self.reviewed / self.rows if self.rows else 0.0


def sweep(
    reasons: Sequence[Sequence[Reason]],
    found: Mapping[int, list[Candidate]],
    truth: Sequence[Mapping[str, str]],
    agreement: Agreement,
    thresholds: Sequence[float] = THRESHOLDS,
    margins: Sequence[float] = MARGINS,
) -> list[Point]:
    """One point per (threshold, margin); `truth[i]` is the ground truth of row i."""
    authority = Authority(in_force_today=True, safeguards_in_good_standing=True)
    findable = sum(1 for t in truth if t["expected_outcome"] == "VERIFIED")
    points = []
    for threshold in thresholds:
        for margin in margins:
            terms = agreement.model_copy(
                update={"match_threshold": threshold, "ambiguity_margin_bits": margin}
            )
            verified = wrong = right = reviewed = alone = 0
            for i, t in enumerate(truth):
                best = max(found.get(i, []), key=lambda c: c.match_weight, default=None)
                if best is not None and not reasons[i] and best.match_probability >= threshold:
                    alone += best.tin != t["true_tin"]
                d = decide(reasons[i], found.get(i, []), terms, authority)
                reviewed += d.outcome is Outcome.REVIEW
                if d.chosen is not None:
                    verified += 1
                    wrong += d.chosen.tin != t["true_tin"]
                    right += d.chosen.tin == t["true_tin"] and t["expected_outcome"] == "VERIFIED"
            points.append(
                Point(threshold, margin, verified, wrong, right, findable, reviewed, len(truth), alone)
            )
    return points


def markdown(points: Sequence[Point]) -> str:
    lines = [
        "| threshold | margin (bits) | verified | wrong person | automatic recall | REVIEW rate "
        "| wrong person, probability alone |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p.threshold} | {p.margin_bits:g} | {p.verified:,} | {p.wrong_person} | {p.recall:.4f} | "
        f"{p.review_rate:.4f} | {p.wrong_by_probability_alone:,} |"
        for p in points
    ]
    return "\n".join(lines)
