"""The reviewers' verdicts table is named for what it holds: `reviews` becomes `verdicts`.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("reviews", "verdicts")


def downgrade() -> None:
    op.rename_table("verdicts", "reviews")
