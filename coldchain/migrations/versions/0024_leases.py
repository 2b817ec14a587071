"""Leases: one holder of a name at a time (the scheduler's lease, so one scheduler runs jobs).

Revision ID: 0024_leases
Revises: 0023_unit_day_figures
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_leases"
down_revision: str | None = "0023_unit_day_figures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
