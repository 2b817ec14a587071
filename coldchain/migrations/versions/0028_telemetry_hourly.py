"""Hourly roll-ups of the embedded store's readings once outside every retention horizon.

Revision ID: 0028_telemetry_hourly
Revises: 0027_shipment_loggers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_telemetry_hourly"
down_revision: str | None = "0027_shipment_loggers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telemetry_hourly",
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("hour_ns", sa.BigInteger(), nullable=False),
        sa.Column("facility", sa.String(length=64), nullable=False),
        sa.Column("min_c", sa.Double(), nullable=False),
        sa.Column("max_c", sa.Double(), nullable=False),
        sa.Column("mean_c", sa.Double(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit", "hour_ns", name=op.f("pk_telemetry_hourly")),
    )


def downgrade() -> None:
    op.drop_table("telemetry_hourly")
