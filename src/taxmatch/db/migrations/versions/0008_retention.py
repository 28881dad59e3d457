"""Each decision keeps the request as asked (the permanent accounting); purges are recorded.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("asked", sa.JSON))
    op.create_table(
        "purges",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("uploads", sa.Integer, nullable=False),
        sa.Column("results", sa.Integer, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
        sa.Column("decision_details", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("purges")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("asked")
