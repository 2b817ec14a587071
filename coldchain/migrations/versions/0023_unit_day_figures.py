"""Stored daily figures of storage units (the status board's time in range).

Revision ID: 0023_unit_day_figures
Revises: 0022_detector_states
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_unit_day_figures"
down_revision: str | None = "0022_detector_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_day_figures",
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("observed_minutes", sa.Double(), nullable=False),
        sa.Column("above_minutes", sa.Double(), nullable=False),
        sa.Column("below_minutes", sa.Double(), nullable=False),
        sa.Column("unknown_minutes", sa.Double(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_code", "day", name=op.f("pk_unit_day_figures")),
    )


def downgrade() -> None:
    op.drop_table("unit_day_figures")
