"""What each disclosure disclosed, and retractions (issue 9).

A ledger entry gains the digest of the values it disclosed (hashed into the
entry) and the values themselves; a retraction is an entry of its own kind
that names the disclosure it retracts, at most once. Entries written before
this hash exactly as they did: the new fields are hashed only when set.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in (
        sa.Column("kind", sa.String(16)),
        sa.Column("retracts", sa.String(32)),
        sa.Column("why", sa.Text),
        sa.Column("disclosed_sha256", sa.String(64)),
        sa.Column("disclosed", sa.Text),
    ):
        op.add_column("ledger", column)
    op.create_index("one_retraction_per_disclosure", "ledger", ["retracts"], unique=True)
    op.create_table(
        "retractions",
        sa.Column("retraction_id", sa.String(80), primary_key=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("selector", sa.JSON, nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("entries", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("retractions")
    op.drop_index("one_retraction_per_disclosure", table_name="ledger")
    for name in ("disclosed", "disclosed_sha256", "why", "retracts", "kind"):
        with op.batch_alter_table("ledger") as batch:
            batch.drop_column(name)
