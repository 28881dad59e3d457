"""Every query over the checkpoints table: the signed heads of the Merkle tree over the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from taxmatch.db.schema import checkpoints


def latest(engine: Engine, at_most: int | None = None) -> dict[str, Any] | None:
    """The checkpoint of the largest size (of no more than `at_most` entries), or None before the first."""
    query = select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1)
    if at_most is not None:
        query = query.where(checkpoints.c.size <= at_most)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


def every(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(checkpoints).order_by(checkpoints.c.size)).mappings()]


def record(engine: Engine, size: int, root: str, frontier: list[str], note: str, at: dt.datetime) -> str:
    """Keep a new checkpoint; if another writer kept one of this size first, that one's note."""
    try:
        with engine.begin() as conn:
            conn.execute(
                checkpoints.insert(),
                [{"size": size, "root": root, "frontier": frontier, "note": note, "made_at": at}],
            )
        return note
    except IntegrityError:
        with engine.connect() as conn:
            kept: str = conn.execute(
                select(checkpoints.c.note).where(checkpoints.c.size == size)
            ).scalar_one()
        return kept
