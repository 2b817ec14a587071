"""Daily closes: each facility's local day closed once at its cut-off.

Revision ID: 0026_daily_closes
Revises: 0025_facility_alarms
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_daily_closes"
down_revision: str | None = "0025_facility_alarms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_daily_closes_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_daily_closes")),
        sa.UniqueConstraint("facility_id", "day", name=op.f("uq_daily_closes_facility_id_day")),
    )
    op.create_index(
        op.f("ix_daily_closes_facility_id"), "daily_closes", ["facility_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_daily_closes_facility_id"), table_name="daily_closes")
    op.drop_table("daily_closes")
