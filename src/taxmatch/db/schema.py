"""The store's tables, as SQLAlchemy Core: what the migrations build and every query reads.

A change here is made with a new migration (db/migrations/versions); the
migrations never import this module, so each stays as it was written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment, stored with its offset where the database keeps one, and always read back in UTC.

    SQLite keeps no offset: its stamps came back naive, so the API showed some
    times without a timezone and others with one (issue 10). Every stamp taxmatch
    writes is UTC; a naive one read back is UTC too.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()

batches = Table(
    "batches",
    metadata,
    Column("batch_id", String(80), primary_key=True),
    Column("agreement_id", String(80), nullable=False),
    Column("requesting_agency", String(200), nullable=False),
    Column("signer_name", String(200), nullable=False),
    Column("signer_title", String(200), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("request_file", Text, nullable=False),
    Column("request_file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("outcomes", JSON, nullable=False),
    Column("processed_at", UTCDateTime(), nullable=False),
)

HELD_ROWS = "outcome = 'REVIEW'"  # the rows of the partial index decisions_held (reasons.Outcome.REVIEW)

decisions = Table(
    "decisions",
    metadata,
    Column("batch_id", String(80), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("reason_codes", Text, nullable=False),
    Column("matched_tin", String(9)),
    Column("candidates", Integer, nullable=False),
    Column("match_probability", Float),
    Column("runner_up_probability", Float),
    Column("levels", JSON, nullable=False),
    Column("disclosure_id", String(32)),
    Column("explanation", JSON),
    Column("official", String(200)),
    Column("case_number", String(200)),
    Column("subject_tin", String(9)),  # the taxpayer the row is about (disclosed, held, or best found)
    # The request row as asked (every interchange column): permanent, so that the accounting still says
    # about whom, under what authority, once the request file itself is purged.
    Column("asked", JSON),
    # An official's cases, read from the index alone (the caseload count of every call and batch).
    Index("decisions_by_official_case", "official", "case_number", "batch_id"),
    # A batch's rows counted by outcome and reasons (the oversight report) from the index alone, not
    # from every row's whole record (3.9 s at 1.28M rows; 0.15 s so).
    Index("decisions_counted", "batch_id", "outcome", "reason_codes"),
    # The rows held for review, a few in a hundred: the review queue and the backlog read these, not the
    # whole store (a scan of every batch's decisions: 33 s at 7.6M rows, for every report). The outcome
    # in it too, so that the backlog is counted from the index alone (0.05 s there, from a cold cache).
    Index(
        "decisions_held",
        "batch_id",
        "request_id",
        "outcome",
        sqlite_where=text(HELD_ROWS),
        postgresql_where=text(HELD_ROWS),
    ),
)

# A reviewer's verdict on a held (REVIEW) row: who, what, why, and what it became.
verdicts = Table(
    "verdicts",
    metadata,
    Column("batch_id", String(80), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("reviewer", String(40), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Column("held_reasons", String(400), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason_codes", String(400), nullable=False),
    Column("disclosure_id", String(32)),
    Column("decided_at", UTCDateTime(), nullable=False),
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("disclosure_id", String(32), nullable=False, unique=True),
    Column("batch_id", String(80), nullable=False),
    Column("request_id", String(200), nullable=False),
    Column("tin", String(9), nullable=False),
    Column("fields", String(200), nullable=False),
    Column("statute", String(200), nullable=False),
    Column("official_name", String(200), nullable=False),
    Column("official_title", String(200), nullable=False),
    Column("case_number", String(200), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("disclosed_at", String(40), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    # Empty for a disclosure; "retraction" for an entry that retracts the disclosure `retracts`, in a
    # retraction whose id stands in `batch_id`, with the disclosure's id as its `request_id`.
    Column("kind", String(16)),
    Column("retracts", String(32)),
    Column("why", Text),
    Column("disclosed_sha256", String(64)),  # hashed into the entry: what left, as a digest
    Column("disclosed", Text),  # the values themselves (canonical JSON), checked against the digest
    UniqueConstraint("batch_id", "request_id", name="one_disclosure_per_row"),
    Index("one_retraction_per_disclosure", "retracts", unique=True),
)

# A retraction of disclosures (courts have ordered their use stopped): asked for by one officer and,
# in the service, carried out by another; its entries are in the ledger under its id.
retractions = Table(
    "retractions",
    metadata,
    Column("retraction_id", String(80), primary_key=True),
    Column("recipient", String(200), nullable=False),
    Column("why", Text, nullable=False),
    Column("selector", JSON, nullable=False),
    Column("proposed_by", String(200), nullable=False),
    Column("proposed_at", UTCDateTime(), nullable=False),
    Column("approved_by", String(200)),
    Column("approved_at", UTCDateTime()),
    Column("entries", Integer),
)

# Signed heads of the Merkle tree over the ledger's entries (RFC 9162), one per size the log reached
# at a release or on demand. `frontier` holds the perfect subtrees' roots, so the next head costs only
# the entries appended since (merkle.Frontier).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("frontier", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("made_at", UTCDateTime(), nullable=False),
)


clients = Table(
    "clients",
    metadata,
    Column("client_id", String(40), primary_key=True),
    Column("agency", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

# One job per batch: durable state of a submitted batch, from upload to release.
jobs = Table(
    "jobs",
    metadata,
    Column("batch_id", String(80), primary_key=True),
    Column("agency", String(200), nullable=False),
    Column("submitted_by", String(40), nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | processed | failed | released
    Column("rows", Integer, nullable=False),
    Column("worker", String(80)),
    Column("heartbeat_at", UTCDateTime()),
    Column("stage", String(120)),  # what a running job is doing now (pipeline's step names)
    Column("approved_by", String(40)),
    Column("error", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# IRC 6103(i)(6): taxpayers about whom nothing may be disclosed under (i), kept by the disclosure office.
protected = Table(
    "protected",
    metadata,
    Column("tin", String(9), primary_key=True),
    Column("category", String(40), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("expires_on", Date),
)

# Every change to the protected list: who, when, what, why. Rows are only ever added.
protected_changes = Table(
    "protected_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("action", String(16), nullable=False),
    Column("tin", String(9), nullable=False),
    Column("category", String(40), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("expires_on", Date),
    Column("by", String(200), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("why", Text, nullable=False),
)

# Every look at a row's taxpayer data (IRC 7213A makes unauthorised inspection an offence): who, when,
# which row, and from where (the reviewers' workbench, `taxmatch explain`).
accesses = Table(
    "accesses",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("viewer", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("batch_id", String(80), nullable=False),
    Column("request_id", String(200), nullable=False),
    Column("via", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("accesses_by_row", "batch_id", "request_id"),
)

# Each purge of what is past its retention: when, by whom, and how much went.
purges = Table(
    "purges",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("by", String(200), nullable=False),
    Column("uploads", Integer, nullable=False),
    Column("results", Integer, nullable=False),
    Column("calls", Integer, nullable=False),
    Column("decision_details", Integer, nullable=False),
)
