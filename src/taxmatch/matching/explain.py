"""Why a row got its answer: the waterfall of match weights, for a reviewer or a court.

A match weight is log2 of how much more likely the evidence is for the same
person than for two different people. The prior (one taxpayer in the whole
master) starts far below zero; each comparison adds or subtracts bits; the
total becomes the match probability that the agreement's threshold is held to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from taxmatch.db.schema import decisions
from taxmatch.errors import InputError


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


def find(engine: Engine, batch: str, request_id: str) -> dict[str, Any]:
    """The stored decision for a request; `batch` may be a batch id or a unique prefix of one."""
    query = select(decisions).where(
        decisions.c.request_id == request_id, decisions.c.batch_id.startswith(batch, autoescape=True)
    )
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    if not rows:
        raise InputError(
            f"no decision for request {request_id!r} in a batch starting {batch!r}",
            fix="Check the batch id (printed by `taxmatch process`) and the request_id.",
        )
    if len(rows) > 1:
        raise InputError(
            f"{batch!r} names {len(rows)} batches holding request {request_id!r}",
            fix="Give more of the batch id.",
        )
    return rows[0]
