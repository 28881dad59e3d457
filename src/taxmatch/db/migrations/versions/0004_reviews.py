"""Reviewers' verdicts on held rows, and the taxpayer each decision is about.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("subject_tin", sa.String(9)))
    op.create_table(
        "reviews",
        sa.Column("batch_id", sa.String(80), primary_key=True),
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("reviewer", sa.String(40), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("held_reasons", sa.String(400), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.String(400), nullable=False),
        sa.Column("disclosure_id", sa.String(32)),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reviews")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("subject_tin")
