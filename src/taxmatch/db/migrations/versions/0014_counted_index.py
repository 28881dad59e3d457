"""A batch's decisions counted by outcome and reason codes from an index alone: the report beside a
released batch (and every period's) read each decision's whole row to count it. At 1.28M rows that
count took 3.9 s alone and 8.6 s beside the batch's receipts, the last step of the batch; from this
index, 0.15 s (docs/benchmarks.md, 2026-12-07f).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("decisions_counted", "decisions", ["batch_id", "outcome", "reason_codes"])


def downgrade() -> None:
    op.drop_index("decisions_counted", table_name="decisions")
