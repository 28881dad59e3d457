"""An official's cases read from one index: the caseload count no longer visits the decision rows.

At 1.3M decisions the count cost an interactive call 81 ms (issue 13).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("decisions_by_official_case", "decisions", ["official", "case_number", "batch_id"])
    op.drop_index("decisions_by_official", table_name="decisions")


def downgrade() -> None:
    op.create_index("decisions_by_official", "decisions", ["official"])
    op.drop_index("decisions_by_official_case", table_name="decisions")
