"""The alarm follow-up work queue: what the worker still owes a committed alarm change.

Revision ID: 0014_alarm_follow_ups
Revises: 0013_dead_letter_keys
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_alarm_follow_ups"
down_revision: str | None = "0013_dead_letter_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alarm_follow_ups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('raised', 'cleared', 'freeze', 'ended')",
            name=op.f("ck_alarm_follow_ups_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_follow_ups")),
    )
    op.create_index("ix_alarm_follow_ups_pending", "alarm_follow_ups", ["done_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_alarm_follow_ups_pending", table_name="alarm_follow_ups")
    op.drop_table("alarm_follow_ups")
