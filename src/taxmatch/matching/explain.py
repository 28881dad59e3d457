"""Why a row got its answer: the waterfall of match weights, for a reviewer or a court.

A match weight is log2 of how much more likely the evidence is for the same
person than for two different people. The prior (one taxpayer in the whole
master) starts far below zero; each comparison adds or subtracts bits; the
total becomes the match probability that the agreement's threshold is held to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
