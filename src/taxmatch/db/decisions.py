"""Every query over the batches and decisions tables.

The row shapes are the pipeline's (pipeline/results.py); here they are only
stored and read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    distinct,
    exists,
    func,
    literal_column,
    select,
    update,
)

from taxmatch.db import bulk
from taxmatch.db.schema import batches, decisions, verdicts
from taxmatch.errors import InputError
from taxmatch.reasons import Outcome, Reason

PAGE = 50_000  # rows updated at a time


def clear_batch(engine: Engine, batch_id: str) -> None:
    """Clear an earlier run of this batch: a batch processed again replaces its decisions.

    A batch with nothing stored (every interactive call, most batches) is only read: the deletes
    were a write transaction and a commit on every call, 3 ms of one (docs/benchmarks.md).
    """
    stored = exists().where(batches.c.batch_id == batch_id) | exists().where(decisions.c.batch_id == batch_id)
    with engine.begin() as conn:
        if conn.execute(select(stored)).scalar():
            conn.execute(batches.delete().where(batches.c.batch_id == batch_id))
            conn.execute(decisions.delete().where(decisions.c.batch_id == batch_id))


def add(engine: Engine, columns: bulk.Columns, count: int) -> None:
    """Record the decisions of the next `count` rows of a started batch, given a column at a time.

    Until finish_batch records the batch itself, its decisions are not read by
    anything (every reader joins the batches table), so a batch stopped part-way
    is a batch not processed, not half of one.

    The rows go a thousand to a statement (bulk.py): a batch stores them in a thread beside its busy
    main thread, where a driver's executemany waited for Python's lock after every row.
    """
    with engine.begin() as conn:
        bulk.insert_columns(conn, decisions, columns, count)


def finish_batch(engine: Engine, batch: Mapping[str, Any]) -> None:
    """Record the batch: its decisions, already added, now count."""
    with engine.begin() as conn:
        conn.execute(batches.insert(), [dict(batch)])


def _answered_since(since: dt.datetime) -> Select[Any]:
    return (
        select(decisions.c.official, decisions.c.case_number)
        .join(batches, batches.c.batch_id == decisions.c.batch_id)
        .where(batches.c.processed_at >= since)
    )


def _in_chunks(officials: Iterable[str]) -> Iterator[list[str]]:
    wanted = sorted({o for o in officials if o})
    for start in range(0, len(wanted), 500):
        yield wanted[start : start + 500]


def case_counts(engine: Engine, officials: Iterable[str], since: dt.datetime) -> dict[str, int]:
    """How many distinct case numbers each named official asked about since `since` (any batch, any
    outcome): one number per official, however many requests the store holds."""
    found: dict[str, int] = {}
    with engine.connect() as conn:
        for chunk in _in_chunks(officials):
            query = (
                select(decisions.c.official, func.count(distinct(decisions.c.case_number)))
                .join(batches, batches.c.batch_id == decisions.c.batch_id)
                .where(batches.c.processed_at >= since, decisions.c.official.in_(chunk))  # by the index
                .group_by(decisions.c.official)
            )
            found.update({o: int(n) for o, n in conn.execute(query)})
    return found


def caseloads(engine: Engine, officials: Iterable[str], since: dt.datetime) -> dict[str, set[str]]:
    """Each named official's case numbers in requests answered since `since` (any batch, any outcome)."""
    found: dict[str, set[str]] = {o: set() for chunk in _in_chunks(officials) for o in chunk}
    with engine.connect() as conn:
        for chunk in _in_chunks(officials):
            query = _answered_since(since).distinct().where(decisions.c.official.in_(chunk))
            for official, case in conn.execute(query):
                found[official].add(case)
    return found


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


def get(engine: Engine, batch_id: str, request_id: str) -> dict[str, Any] | None:
    query = select(decisions).where(decisions.c.batch_id == batch_id, decisions.c.request_id == request_id)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row is not None else None


HELD_SHOWN = (
    "batch_id",
    "request_id",
    "reason_codes",
    "candidates",
    "match_probability",
    "runner_up_probability",
    "levels",
)


def held(engine: Engine, batch: str | None, limit: int) -> list[dict[str, Any]]:
    """Rows answered REVIEW, oldest batch first (no address, no TIN); `batch` narrows to one batch."""
    query = (
        select(*(decisions.c[c] for c in HELD_SHOWN))
        .join(batches, batches.c.batch_id == decisions.c.batch_id)  # a batch still being processed is not
        .where(decisions.c.outcome == Outcome.REVIEW.value)
    )
    if batch is not None:
        query = query.where(decisions.c.batch_id == batch)
    query = query.order_by(decisions.c.batch_id, decisions.c.request_id).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


# Where each engine keeps a row: the order its rows lie in the table. Rows given in it are visited a
# page at a time, in sequence, by record_disclosure_ids (see there); other engines keep their own order.
STORED_ORDER = {"sqlite": "rowid", "postgresql": "ctid"}


def to_disclose(engine: Engine, batch_id: str) -> tuple[list[tuple[str, str]], str]:
    """(request id, TIN) of every VERIFIED row of the batch, in the order the rows are stored (where the
    engine says it), and the batch's request file."""
    query = select(decisions.c.request_id, decisions.c.matched_tin).where(
        decisions.c.batch_id == batch_id, decisions.c.outcome == Outcome.VERIFIED.value
    )
    if (stored := STORED_ORDER.get(engine.dialect.name)) is not None:
        # Without it, SQLite and PostgreSQL both read them by the primary key: request id order.
        query = query.order_by(literal_column(stored))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        request_file = conn.execute(
            select(batches.c.request_file).where(batches.c.batch_id == batch_id)
        ).scalar_one()
    return [(r.request_id, r.matched_tin) for r in rows], str(request_file)


def _given_row(table: Table) -> ColumnElement[bool]:
    return and_(table.c.batch_id == bindparam("b_batch"), table.c.request_id == bindparam("b_request"))


def record_disclosure_ids(
    engine: Engine, batch_id: str, ids: Mapping[str, str], confirmed: Iterable[str]
) -> None:
    """Write each row's disclosure id on its decision, and on its verdict where a reviewer confirmed it.
    A page of rows at a time, in one transaction: at 7.6M rows their parameters would be gigabytes.

    In the order `ids` gives them: give them in the order the decisions were stored, and each page of
    the table is read and rewritten once, in sequence. In any other order every update lands on a page
    of its own: on SQLite, 200,000 updates of 400,000 rows of about 2 KB took 166.6 s in another order
    against 7.4 s in the stored one (docs/benchmarks.md), and a 7.6M-row batch spent its accounting here.
    """
    if not ids:  # a batch numbered as it was answered, whose log did not move (pipeline/accounting.py)
        return
    wanted = set(confirmed)
    pairs = iter(ids.items())
    with engine.begin() as conn:
        while page := [
            {"b_batch": batch_id, "b_request": rid, "b_id": did} for rid, did in islice(pairs, PAGE)
        ]:
            conn.execute(
                update(decisions).where(_given_row(decisions)).values(disclosure_id=bindparam("b_id")), page
            )
            if on_verdicts := [g for g in page if g["b_request"] in wanted]:
                conn.execute(
                    update(verdicts).where(_given_row(verdicts)).values(disclosure_id=bindparam("b_id")),
                    on_verdicts,
                )


def withhold(engine: Engine, batch_id: str, request_ids: set[str]) -> None:
    """These VERIFIED rows are withheld under 6103(i)(6) at release: no match leaves for them."""
    if not request_ids:
        return
    given = [{"b_batch": batch_id, "b_request": rid} for rid in sorted(request_ids)]
    values = {
        "outcome": Outcome.NO_MATCH.value,
        "reason_codes": Reason.WITHHELD_6103I6.value,
        "matched_tin": None,
    }
    with engine.begin() as conn:
        conn.execute(update(decisions).where(_given_row(decisions)).values(**values), given)
