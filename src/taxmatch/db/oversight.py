"""The figures of an oversight report, counted by the database (GROUP BY), never row by row in Python.

Every count is over a scope: a period of days [first, last], UTC, or one batch
(its report, beside its results). In a period, a disclosure or a retraction
counts by the time its entry was written, a decision by the time its batch (or
interactive call) was answered, a verdict by the time it was given. For one
batch: its disclosures, the retractions of them, its decisions and verdicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    and_,
    distinct,
    func,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from taxmatch.audit import Kind
from taxmatch.db.schema import batches, decisions, ledger, retractions, verdicts

ORIGINAL = aliased(ledger, name="original")
RETRACTION = aliased(ledger, name="retraction")


@dataclass(frozen=True)
class Period:
    """A period of days (both ends kept), or, with `batch`, one batch whenever it was answered."""

    first: dt.date | None = None
    last: dt.date | None = None
    batch: str | None = None

    def holds(self, column: Any) -> Any:
        """A time column within the period."""
        held = []
        if self.first is not None:
            held.append(column >= dt.datetime.combine(self.first, dt.time(), dt.UTC))
        if self.last is not None:
            held.append(column < dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), dt.UTC))
        return and_(true(), *held)

    def rows_of(self, table: Any) -> Any:
        """A table's rows answered in the scope (decisions, verdicts: by their batch)."""
        held = table.c.batch_id == self.batch if self.batch is not None else true()
        return and_(held, self.holds(batches.c.processed_at))

    def entries(self) -> Any:
        """Log entries in the scope (their times are ISO text): a batch's disclosures and retractions."""
        held = []
        if self.first is not None:
            held.append(ledger.c.disclosed_at >= self.first.isoformat())
        if self.last is not None:
            held.append(ledger.c.disclosed_at < (self.last + dt.timedelta(days=1)).isoformat())
        if self.batch is not None:
            held.append(ledger.c.seq.in_(self._of_batch()))
        return and_(true(), *held)

    def _of_batch(self) -> Any:
        """The places of the batch's entries and of the retractions of them, as one list: the log is then
        read in its own order, not in the order of an index. A log's retractions are few, so each is
        checked against the batch, rather than each of the batch's disclosures against the
        retractions. Asked the other way, a report of 614,908 disclosures numbered in ZIP order
        (request ids in another order) took 4.6-9.7 s a figure on SQLite (docs/benchmarks.md,
        2026-12-06f)."""
        ours = select(ORIGINAL.c.seq).where(ORIGINAL.c.batch_id == self.batch)
        of_ours = (
            select(ORIGINAL.c.seq)
            .where(ORIGINAL.c.disclosure_id == RETRACTION.c.retracts, ORIGINAL.c.batch_id == self.batch)
            .exists()
        )
        return union_all(ours, select(RETRACTION.c.seq).where(RETRACTION.c.retracts.is_not(None), of_ours))


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return _read(conn, query)


def _read(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings()]


# What the figures read of each log entry in scope, copied once (Entries). Temporary: each connection
# has its own, gone when it closes.
_IN_SCOPE = Table(
    "entries_in_scope",
    MetaData(),
    *(
        Column(name, String)
        for name in ("day", "kind", "official_name", "case_number", "retracts", "batch_id")
    ),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class Entries:
    """The log's entries in a scope, as the figures read them: each figure of a report read the log
    itself, and every pass over a 1.28M-row batch's 612,182 entries took 2.4-5.5 s (16.5 s in all);
    copied once, the figures are counted from the copy (docs/benchmarks.md, 2026-12-07g)."""

    conn: Connection
    table: Table = _IN_SCOPE

    def rows(self, query: Any) -> list[dict[str, Any]]:
        return _read(self.conn, query)


@contextmanager
def entries(engine: Engine, period: Period) -> Iterator[Entries]:
    """The log's entries in the period, copied into a temporary table for as long as the figures read
    them."""
    wanted = select(
        func.substr(ledger.c.disclosed_at, 1, 10),
        ledger.c.kind,
        ledger.c.official_name,
        ledger.c.case_number,
        ledger.c.retracts,
        ledger.c.batch_id,
    ).where(period.entries())
    with engine.connect() as conn:
        _IN_SCOPE.drop(conn, checkfirst=True)
        _IN_SCOPE.create(conn)
        conn.execute(_IN_SCOPE.insert().from_select([c.name for c in _IN_SCOPE.columns], wanted))
        try:
            yield Entries(conn)
        finally:
            conn.rollback()  # nothing of it is kept: the copy goes with the transaction that made it
            _IN_SCOPE.drop(conn, checkfirst=True)


def entries_by_day(scope: Entries) -> list[dict[str, Any]]:
    """Disclosures and retractions per day: (day, kind, entries)."""
    t = scope.table
    query = (
        select(t.c.day, t.c.kind, func.count().label("entries")).group_by(t.c.day, t.c.kind).order_by(t.c.day)
    )
    return [r | {"kind": r["kind"] or Kind.DISCLOSURE} for r in scope.rows(query)]


def by_official(scope: Entries, top: int) -> list[dict[str, Any]]:
    """The officials with the most distinct cases: their disclosures and cases."""
    t = scope.table
    cases = func.count(distinct(t.c.case_number))
    query = (
        select(t.c.official_name.label("official"), func.count().label("disclosures"), cases.label("cases"))
        .where(t.c.kind.is_(None))
        .group_by(t.c.official_name)
        .order_by(cases.desc(), t.c.official_name)
        .limit(top)
    )
    return scope.rows(query)


def by_case(scope: Entries, top: int) -> list[dict[str, Any]]:
    """The cases with the most disclosures: (case, official, disclosures)."""
    t = scope.table
    query = (
        select(
            t.c.case_number.label("case"),
            func.min(t.c.official_name).label("official"),
            func.count().label("disclosures"),
        )
        .where(t.c.kind.is_(None))
        .group_by(t.c.case_number)
        .order_by(func.count().desc(), t.c.case_number)
        .limit(top)
    )
    return scope.rows(query)


def decided(engine: Engine, period: Period) -> list[dict[str, Any]]:
    """(outcome, reason codes as stored, rows) for every request row answered in the period."""
    joined = decisions.join(batches, batches.c.batch_id == decisions.c.batch_id)
    query = (
        select(decisions.c.outcome, decisions.c.reason_codes, func.count().label("rows"))
        .select_from(joined)
        .where(period.rows_of(decisions))
        .group_by(decisions.c.outcome, decisions.c.reason_codes)
    )
    return _rows(engine, query)


def review_backlog(engine: Engine) -> int:
    """Rows held for review that no reviewer has settled yet (whenever they were held)."""
    settled = and_(
        verdicts.c.batch_id == decisions.c.batch_id, verdicts.c.request_id == decisions.c.request_id
    )
    query = (
        select(func.count())
        .select_from(decisions.outerjoin(verdicts, settled))
        .where(decisions.c.outcome == "REVIEW", verdicts.c.batch_id.is_(None))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def verdicts_given(engine: Engine, period: Period) -> list[dict[str, Any]]:
    """(verdict, outcome, rows) of the verdicts given in the period."""
    held = verdicts.c.batch_id == period.batch if period.batch is not None else true()
    query = (
        select(verdicts.c.verdict, verdicts.c.outcome, func.count().label("rows"))
        .where(held, period.holds(verdicts.c.decided_at))
        .group_by(verdicts.c.verdict, verdicts.c.outcome)
    )
    return _rows(engine, query)


def retractions_done(scope: Entries) -> list[dict[str, Any]]:
    """Every retraction carried out in the scope, with who asked, who carried it out, and why."""
    t = scope.table
    touched = select(t.c.batch_id).where(t.c.retracts.is_not(None))
    query = (
        select(retractions)
        .where(retractions.c.approved_at.is_not(None), retractions.c.retraction_id.in_(touched))
        .order_by(retractions.c.approved_at)
    )
    return scope.rows(query)


def totals(period: Period, scope: Entries) -> dict[str, int]:
    """Batches and calls answered, disclosures and retraction entries, in the period: counted on the
    copy's connection, so that every total comes from one connection."""
    answered = scope.conn.execute(
        select(func.count(), func.coalesce(func.sum(batches.c.rows), 0)).where(period.rows_of(batches))
    ).one()
    t = scope.table
    officials = scope.conn.execute(
        select(func.count(distinct(t.c.official_name))).where(t.c.kind.is_(None))
    ).scalar_one()
    counted = select(t.c.kind, func.count()).group_by(t.c.kind)
    kinds = {Kind(kind or Kind.DISCLOSURE): int(n) for kind, n in scope.conn.execute(counted).all()}
    return {
        "batches": int(answered[0]),
        "rows": int(answered[1]),
        "disclosures": kinds.get(Kind.DISCLOSURE, 0),
        "retracted": kinds.get(Kind.RETRACTION, 0),
        "officials": int(officials),
    }
