"""The record of every look at a row's taxpayer data: who, when, which row, from where (IRC 7213A)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, func, select

from taxmatch.db.clients import Role
from taxmatch.db.schema import accesses


class Via(StrEnum):
    WORKBENCH = "workbench"  # the reviewers' page (GET /reviews/row)
    EXPLAIN = "explain"  # `taxmatch explain`, on the command line


def record(
    engine: Engine, viewer: str, role: Role, batch_id: str, request_id: str, via: Via, at: dt.datetime
) -> None:
    with engine.begin() as conn:
        conn.execute(
            accesses.insert().values(
                viewer=viewer, role=role.value, batch_id=batch_id, request_id=request_id, via=via.value, at=at
            )
        )


def listing(engine: Engine, batch: str | None, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many views there are (of one batch's rows, when given), and a page of them, newest first."""
    where = [accesses.c.batch_id == batch] if batch is not None else []
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(accesses).where(*where)).scalar_one()
        rows = conn.execute(
            select(accesses).where(*where).order_by(accesses.c.seq.desc()).offset(offset).limit(limit)
        ).mappings()
        return int(total), [dict(r) for r in rows]
