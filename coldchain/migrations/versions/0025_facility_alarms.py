"""Facility alarms: an alarm may name no storage unit (the programme's routine), with details.

Revision ID: 0025_facility_alarms
Revises: 0024_leases
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_facility_alarms"
down_revision: str | None = "0024_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alarms") as batch:
        batch.alter_column(
            "unit_code", existing_type=sa.String(length=64), existing_nullable=False, nullable=True
        )
        batch.add_column(sa.Column("details", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM alarm_acknowledgements WHERE alarm_id IN"
               " (SELECT id FROM alarms WHERE unit_code IS NULL)")
    op.execute("DELETE FROM alarms WHERE unit_code IS NULL")
    with op.batch_alter_table("alarms") as batch:
        batch.drop_column("details")
        batch.alter_column(
            "unit_code", existing_type=sa.String(length=64), existing_nullable=True, nullable=False
        )
