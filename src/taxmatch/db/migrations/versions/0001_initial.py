"""The first store: batches, one decision per request row, the hash-chained ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(80), primary_key=True),
        sa.Column("agreement_id", sa.String(80), nullable=False),
        sa.Column("requesting_agency", sa.String(200), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("signer_title", sa.String(200), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("request_file", sa.Text, nullable=False),
        sa.Column("request_file_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("outcomes", sa.JSON, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("batch_id", sa.String(80), primary_key=True),
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.Text, nullable=False),
        sa.Column("matched_tin", sa.String(9)),
        sa.Column("candidates", sa.Integer, nullable=False),
        sa.Column("match_probability", sa.Float),
        sa.Column("runner_up_probability", sa.Float),
        sa.Column("levels", sa.JSON, nullable=False),
        sa.Column("disclosure_id", sa.String(32)),
        sa.Column("explanation", sa.JSON),
    )
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("disclosure_id", sa.String(32), nullable=False, unique=True),
        sa.Column("batch_id", sa.String(80), nullable=False),
        sa.Column("request_id", sa.String(200), nullable=False),
        sa.Column("tin", sa.String(9), nullable=False),
        sa.Column("fields", sa.String(200), nullable=False),
        sa.Column("statute", sa.String(200), nullable=False),
        sa.Column("official_name", sa.String(200), nullable=False),
        sa.Column("official_title", sa.String(200), nullable=False),
        sa.Column("case_number", sa.String(200), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("disclosed_at", sa.String(40), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("batch_id", "request_id", name="one_disclosure_per_row"),
    )


def downgrade() -> None:
    op.drop_table("ledger")
    op.drop_table("decisions")
    op.drop_table("batches")
