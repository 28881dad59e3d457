"""The accounting ledger (IRC 6103(p)(3)(A)): one hash-chained entry per disclosure and per retraction.

Each entry's hash covers its fields and the previous entry's hash, so an
overseer holding any later hash can detect a changed, removed or reordered
entry without trusting the operator (the hashing and the check are
taxmatch.audit's, shared with the overseer's verifier). A disclosure entry
records who asked, under what authority, about whom, and the digest of what
was disclosed (db/disclosure.py shapes it); the values themselves are kept beside it.
Appending is idempotent per (batch, request): re-processing a batch never adds
a second entry for a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from taxmatch import audit
from taxmatch.db import bulk
from taxmatch.db.disclosure import Disclosure, Disclosures
from taxmatch.db.schema import ledger
from taxmatch.errors import LedgerError, LogContended

APPEND_ATTEMPTS = 50
T = TypeVar("T")
GENESIS, FIELDS, entry_hash = audit.GENESIS, audit.FIELDS, audit.entry_hash


FIELDS_OF_DISCLOSURE = tuple(Disclosure.__dataclass_fields__)


def disclosure_id(seq: int) -> str:
    return f"TXM-{seq:010d}"


class Numbering:
    """Disclosure ids after a head, given one at a time: a row the log holds for the batch keeps its id
    (a re-run), a new one takes the next place. Placing a batch (`place`) and noting its disclosures as
    they are answered (pipeline/accounting.py) number by this one rule, so the ids noted are the ids
    placed unless the log moved."""

    def __init__(self, known: Mapping[str, str], after: int) -> None:
        self.known, self.after, self.count = known, after, 0

    def id_of(self, request_id: str) -> str:
        if given := self.known.get(request_id):
            return given
        self.count += 1
        return disclosure_id(self.after + self.count)


def append(engine: Engine, items: Sequence[Disclosure], now: dt.datetime) -> dict[str, str]:
    """Append entries for rows not yet in the ledger; returns request_id -> disclosure_id for all."""

    def attempt(conn: Connection) -> dict[str, str]:
        known = _existing(conn, items)
        fresh = [i for i in items if i.request_id not in known]
        columns = _stamped({f: [getattr(i, f) for i in fresh] for f in FIELDS_OF_DISCLOSURE}, now)
        seq, prev = _head(conn)
        _chain(conn, columns, len(fresh), seq, prev)
        return known | {i.request_id: disclosure_id(seq + n) for n, i in enumerate(fresh, start=1)}

    return retrying(engine, attempt)


def retrying(engine: Engine, attempt: Callable[[Connection], T]) -> T:
    """Run `attempt` in a transaction until no other writer took the sequence numbers it chained.

    A worker, interactive calls, reviewers and retractions may append at the same
    moment. Each attempt extends the chain from the head it read; if another writer
    took that sequence number first, the unique keys refuse the whole attempt and
    it is made again from the new head, so the chain never forks and no row is lost.
    """
    for _ in range(APPEND_ATTEMPTS - 1):
        try:
            with engine.begin() as conn:
                return attempt(conn)
        except IntegrityError:
            continue
    with engine.begin() as conn:
        return attempt(conn)


def _head(conn: Connection) -> tuple[int, str]:
    """The log's last sequence number and hash (0 and GENESIS when it is empty)."""
    newest = select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    head = conn.execute(newest).first()
    return (int(head.seq), str(head.entry_hash)) if head else (0, GENESIS)


def _chain(
    conn: Connection, columns: dict[str, Sequence[object]], count: int, seq: int, prev: str
) -> tuple[int, str]:
    """Place `count` entries, given a column at a time, after (seq, prev): their sequence numbers, ids,
    previous hashes and own hashes, added to `columns` (chain_onto reads them there); insert them.
    The new head."""
    if not count:  # every one the log held already (a release again)
        return seq, prev
    numbers = range(seq + 1, seq + count + 1)
    columns |= {"seq": list(numbers), "disclosure_id": [disclosure_id(n) for n in numbers]}
    hashes = audit.entry_hashes(columns, count, prev)
    columns |= {"prev_hash": [prev, *hashes[:-1]], "entry_hash": hashes}
    bulk.insert_columns(conn, ledger, columns, count)  # a national batch's are hundreds of thousands
    return seq + count, hashes[-1]


def chain_onto(conn: Connection, entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """Give each new entry its place after the head (sequence, id, previous hash, own hash) and insert."""
    columns: dict[str, Sequence[object]] = {
        k: [e.get(k) for e in entries] for k in {k for e in entries for k in e}
    }
    _chain(conn, columns, len(entries), *_head(conn))
    placed = ("seq", "disclosure_id", "prev_hash", "entry_hash")
    for n, entry in enumerate(entries):
        entry.update({k: columns[k][n] for k in placed})
    return entries


def _stamped(disclosures: Disclosures, now: dt.datetime) -> dict[str, Sequence[object]]:
    """Disclosures as entries: when they were disclosed, and the digest of what was."""
    count = len(disclosures["request_id"])
    return {
        **disclosures,
        "disclosed_at": [now.isoformat()] * count,
        "disclosed_sha256": [audit.disclosed_digest(d) for d in disclosures["disclosed"]],
    }


@dataclass(frozen=True)
class Placing:
    """Where a batch's disclosures stand in the log, decided before its answer files are written."""

    seq: int  # the new entries follow this one
    prev: str  # its hash
    ids: dict[str, str]  # request id -> disclosure id: those the log holds already (a re-run), and the new
    new: list[str]  # the request ids that get a new entry, in the order given


def place(engine: Engine, batch_id: str, request_ids: Sequence[str]) -> Placing:
    """The places after today's head for the rows of this batch that the log does not hold yet."""
    with engine.connect() as conn:
        known, (seq, prev) = _of_batch_ids(conn, batch_id), _head(conn)
    numbering = Numbering(known, seq)
    ids = known | {r: numbering.id_of(r) for r in request_ids}
    return Placing(seq, prev, ids, [r for r in request_ids if r not in known])


def commit(
    engine: Engine,
    placing: Placing,
    pages: Iterable[Disclosures],
    now: dt.datetime,
    ready: Callable[[], bool] = lambda: True,
) -> None:
    """Append the placed entries (pages of them, a column at a time, in the order placed) in one
    transaction.

    `ready` runs inside the transaction once every entry is in, just before it commits: the answer
    files being completed meanwhile (pipeline/accounting.py), it says whether they are; when it says
    not, the transaction is rolled back and nothing is appended.

    LogContended when another writer extended the log after `place`: nothing is
    appended then, and the batch places its entries again after the new head."""
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            if _head(conn) != (placing.seq, placing.prev):
                raise LogContended(
                    "another writer extended the disclosure log while the answers were written"
                )
            seq, prev = placing.seq, placing.prev
            for page in pages:
                seq, prev = _chain(conn, _stamped(page, now), len(page["request_id"]), seq, prev)
            if seq != placing.seq + len(placing.new):
                raise LedgerError(
                    f"{seq - placing.seq:,} entries appended where {len(placing.new):,} were placed"
                )
            if not ready():
                transaction.rollback()
    except IntegrityError as exc:  # another writer took the same places at the same moment
        raise LogContended("another writer took the disclosure log's next places") from exc


def _existing(conn: Connection, items: Sequence[Disclosure]) -> dict[str, str]:
    found: dict[str, str] = {}
    for batch_id in {i.batch_id for i in items}:
        found.update(_of_batch_ids(conn, batch_id))
    return found


def _of_batch_ids(conn: Connection, batch_id: str) -> dict[str, str]:
    """Request id -> disclosure id of every entry the log holds for this batch."""
    query = select(ledger.c.request_id, ledger.c.disclosure_id).where(ledger.c.batch_id == batch_id)
    return {str(r.request_id): str(r.disclosure_id) for r in conn.execute(query)}


def verify(engine: Engine) -> audit.Chain:
    """Re-check every entry, in order, as the overseer's verifier does; names the first bad one."""
    chain = audit.Chain()
    query = select(ledger).order_by(ledger.c.seq).execution_options(stream_results=True, yield_per=10_000)
    with engine.connect() as conn, conn.execute(query) as rows:  # closed even when an entry fails
        for row in rows.mappings():
            chain.add(dict(row))
    return chain


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ledger)).scalar_one())


def entries(engine: Engine, after: int, limit: int) -> list[dict[str, object]]:
    """Entries in order, from sequence number `after` + 1."""
    query = select(ledger).where(ledger.c.seq > after).order_by(ledger.c.seq).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def entry_hashes(engine: Engine, after: int = 0, upto: int | None = None) -> list[str]:
    """The entries' hashes in sequence order, from `after` + 1 to `upto` (the Merkle log's leaves)."""
    query = select(ledger.c.entry_hash).where(ledger.c.seq > after).order_by(ledger.c.seq)
    if upto is not None:
        query = query.where(ledger.c.seq <= upto)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars().all())  # fetched at once: a log holds millions


def sequence_of(engine: Engine, disclosure: str) -> int | None:
    """The sequence number of a disclosure id, if the ledger holds it."""
    with engine.connect() as conn:
        found = conn.execute(select(ledger.c.seq).where(ledger.c.disclosure_id == disclosure)).scalar()
    return int(found) if found is not None else None


def first_of_batch(engine: Engine, batch_id: str, upto: int) -> int | None:
    """The sequence number of the batch's first entry of no more than `upto`, if it has one."""
    query = select(func.min(ledger.c.seq)).where(ledger.c.batch_id == batch_id, ledger.c.seq <= upto)
    with engine.connect() as conn:
        found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def of_batch(engine: Engine, batch_id: str, upto: int | None = None) -> list[tuple[int, str, str]]:
    """(sequence, disclosure id, request id) of every entry of a batch (of no more than `upto`), in
    sequence order."""
    query = (
        select(ledger.c.seq, ledger.c.disclosure_id, ledger.c.request_id)
        .where(ledger.c.batch_id == batch_id)
        .order_by(ledger.c.seq)
    )
    if upto is not None:
        query = query.where(ledger.c.seq <= upto)
    with engine.connect() as conn:  # the rows as they come, not remade (612,182 entries: 6.0 s -> 4.4 s)
        return list(conn.execute(query).all())
