"""Every view of a row's taxpayer data is recorded (IRC 7213A; issue 11).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accesses",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("viewer", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.String(80), nullable=False),
        sa.Column("request_id", sa.String(200), nullable=False),
        sa.Column("via", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("accesses_by_row", "accesses", ["batch_id", "request_id"])


def downgrade() -> None:
    op.drop_index("accesses_by_row", table_name="accesses")
    op.drop_table("accesses")
