"""Caseload across batches: each decision keeps the official and case it was asked for.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows stored before this revision have neither; they count as no case of no official.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("official", sa.String(200)))
        batch.add_column(sa.Column("case_number", sa.String(200)))
    op.create_index("decisions_by_official", "decisions", ["official"])


def downgrade() -> None:
    op.drop_index("decisions_by_official", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("case_number")
        batch.drop_column("official")
