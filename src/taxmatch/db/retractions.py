"""Retractions in the store: which disclosures a selector reaches, and their retraction entries.

A retraction never deletes: it appends one entry per disclosure to the same
ledger (kind "retraction", `retracts` naming the disclosure, at most once,
which the unique index enforces), under the retraction's id, and a row in
`retractions` says who asked for it, who carried it out, when and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, String, and_, literal, select, update
from sqlalchemy.orm import aliased

from taxmatch.audit import RETRACTION
from taxmatch.db import ledger as log
from taxmatch.db.schema import decisions, ledger, retractions

IN_CHUNK = 5_000  # ids per IN list: far below every database's limit on parameters
ORIGINAL = aliased(ledger, name="original")


@dataclass(frozen=True)
class Selection:
    """Which disclosures: exactly one selector (a date range counts as one), as the command gave it."""

    batch: str | None = None
    official: str | None = None
    case: str | None = None
    reason: str | None = None
    disclosed_from: dt.date | None = None
    disclosed_to: dt.date | None = None
    ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        found = {k: v for k, v in asdict(self).items() if v not in (None, ())}
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in found.items()}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> Selection:
        """The selection as_json stored (dates as ISO text, ids as a list)."""
        dates = {k: dt.date.fromisoformat(v) for k, v in stored.items() if k.startswith("disclosed_")}
        return cls(**(stored | dates | ({"ids": tuple(stored["ids"])} if "ids" in stored else {})))

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.batch is not None:
            found.append(ledger.c.batch_id == self.batch)
        if self.official is not None:
            found.append(ledger.c.official_name == self.official)
        if self.case is not None:
            found.append(ledger.c.case_number == self.case)
        if self.reason is not None:  # the decision's codes, as the disclosure office recorded them
            codes = literal(";", String) + decisions.c.reason_codes + literal(";", String)
            found.append(codes.like(f"%;{self.reason};%"))
        if self.disclosed_from is not None:
            found.append(ledger.c.disclosed_at >= self.disclosed_from.isoformat())
        if self.disclosed_to is not None:
            found.append(ledger.c.disclosed_at < (self.disclosed_to + dt.timedelta(days=1)).isoformat())
        return found


def _disclosures(selection: Selection) -> Select[Any]:
    """Every disclosure entry the selection reaches, with its decision's reason codes."""
    joined = ledger.outerjoin(
        decisions,
        and_(decisions.c.batch_id == ledger.c.batch_id, decisions.c.request_id == ledger.c.request_id),
    )
    done = select(ORIGINAL.c.seq).where(ORIGINAL.c.retracts == ledger.c.disclosure_id).exists()
    return (
        select(ledger, decisions.c.reason_codes, done.label("retracted"))
        .select_from(joined)
        .where(ledger.c.kind.is_(None), *selection.conditions())
        .order_by(ledger.c.seq)
    )


def selected(engine: Engine, selection: Selection) -> list[dict[str, Any]]:
    """The disclosures the selection reaches (`retracted` says which already are), in ledger order."""
    with engine.connect() as conn:
        if not selection.ids:
            return [dict(r) for r in conn.execute(_disclosures(selection)).mappings()]
        found: list[dict[str, Any]] = []
        for chunk in _chunks(selection.ids):
            query = _disclosures(selection).where(ledger.c.disclosure_id.in_(chunk))
            found.extend(dict(r) for r in conn.execute(query).mappings())
    return sorted(found, key=lambda r: int(r["seq"]))


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def propose(
    engine: Engine,
    retraction_id: str,
    recipient: str,
    why: str,
    selection: Selection,
    by: str,
    now: dt.datetime,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            retractions.insert().values(
                retraction_id=retraction_id,
                recipient=recipient,
                why=why,
                selector=selection.as_json(),
                proposed_by=by,
                proposed_at=now,
            )
        )


def get(engine: Engine, retraction_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = conn.execute(select(retractions).where(retractions.c.retraction_id == retraction_id)).first()
    return dict(found._mapping) if found else None


def listing(engine: Engine, recipient: str | None = None) -> list[dict[str, Any]]:
    """Every retraction, newest first (only the carried-out ones of one recipient, when given)."""
    query = select(retractions).order_by(retractions.c.proposed_at.desc())
    if recipient is not None:
        query = query.where(retractions.c.recipient == recipient, retractions.c.approved_at.is_not(None))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def carry_out(
    engine: Engine,
    retraction_id: str,
    why: str,
    originals: Sequence[dict[str, Any]],
    by: str,
    now: dt.datetime,
) -> int:
    """Append a retraction entry for each disclosure not yet retracted, and mark the retraction done;
    returns how many entries it appended (none when another retraction took them all first)."""

    def attempt(conn: Connection) -> int:
        taken = _already(conn, [str(o["disclosure_id"]) for o in originals])
        entries = [_entry(o, retraction_id, why, now) for o in originals if o["disclosure_id"] not in taken]
        log.chain_onto(conn, entries)
        conn.execute(
            update(retractions)
            .where(retractions.c.retraction_id == retraction_id)
            .values(approved_by=by, approved_at=now, entries=len(entries))
        )
        return len(entries)

    return log.retrying(engine, attempt)


def _already(conn: Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        found.update(conn.execute(select(ledger.c.retracts).where(ledger.c.retracts.in_(chunk))).scalars())
    return found


def _entry(original: dict[str, Any], retraction_id: str, why: str, now: dt.datetime) -> dict[str, object]:
    """A retraction entry: about the same taxpayer, official, case and recipient as the disclosure."""
    kept = ("tin", "fields", "statute", "official_name", "official_title", "case_number", "recipient")
    return {
        **{k: original[k] for k in kept},
        "batch_id": retraction_id,
        "request_id": original["disclosure_id"],  # unique within the retraction, as a batch's row is
        "disclosed_at": now.isoformat(),
        "kind": RETRACTION,
        "retracts": original["disclosure_id"],
        "why": why,
    }


def notice(engine: Engine, retraction_id: str) -> list[dict[str, Any]]:
    """The recipient's notice: each retracted disclosure as it was disclosed, and when and why retracted."""
    query = (
        select(
            ORIGINAL.c.disclosure_id,
            ORIGINAL.c.request_id,
            ORIGINAL.c.batch_id,
            ORIGINAL.c.disclosed_at,
            ledger.c.disclosed_at.label("retracted_at"),
            ledger.c.why,
        )
        .select_from(ledger.join(ORIGINAL, ORIGINAL.c.disclosure_id == ledger.c.retracts))
        .where(ledger.c.batch_id == retraction_id, ledger.c.kind == RETRACTION)
        .order_by(ledger.c.seq)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def of_disclosure(engine: Engine, disclosure_id: str) -> dict[str, Any] | None:
    """The retraction entry of one disclosure, if it was retracted."""
    query = select(ledger).where(ledger.c.retracts == disclosure_id)
    with engine.connect() as conn:
        found = conn.execute(query).first()
    return dict(found._mapping) if found else None
