"""Embedded telemetry store: readings keyed on (sensor, device time).

Revision ID: 0004_readings
Revises: 0003_telemetry
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_readings"
down_revision: str | None = "0003_telemetry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telemetry_readings",
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("device_time_ns", sa.BigInteger(), nullable=False),
        sa.Column("facility", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("temperature_c", sa.Double(), nullable=False),
        sa.Column("received_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("battery_pct", sa.Double(), nullable=True),
        sa.Column("door_open", sa.Boolean(), nullable=True),
        sa.Column("power_on", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("sensor_id", "device_time_ns", name=op.f("pk_telemetry_readings")),
    )
    op.create_index(
        "ix_telemetry_readings_unit_device_time_ns",
        "telemetry_readings",
        ["unit", "device_time_ns"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_telemetry_readings_unit_device_time_ns", table_name="telemetry_readings")
    op.drop_table("telemetry_readings")
