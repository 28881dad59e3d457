"""The protected list (IRC 6103(i)(6)) and the record of every change to it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protected",
        sa.Column("tin", sa.String(9), primary_key=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date),
    )
    op.create_table(
        "protected_changes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("tin", sa.String(9), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("expires_on", sa.Date),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("protected_changes")
    op.drop_table("protected")
