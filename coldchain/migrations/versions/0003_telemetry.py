"""Telemetry: sensor registry, bindings to storage units, dead letters.

Revision ID: 0003_telemetry
Revises: 0002_access
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_telemetry"
down_revision: str | None = "0002_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sensors",
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("reporting_interval_s", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reporting_interval_s > 0", name=op.f("ck_sensors_interval_positive")
        ),
        sa.PrimaryKeyConstraint("sensor_id", name=op.f("pk_sensors")),
    )
    op.create_table(
        "sensor_bindings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from",
            name=op.f("ck_sensor_bindings_valid_interval"),
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"],
            ["sensors.sensor_id"],
            name=op.f("fk_sensor_bindings_sensor_id_sensors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensor_bindings")),
    )
    op.create_index(
        op.f("ix_sensor_bindings_sensor_id"), "sensor_bindings", ["sensor_id"], unique=False
    )
    op.create_table(
        "unregistered_sensors",
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sensor_id", name=op.f("pk_unregistered_sensors")),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_size", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(op.f("ix_dead_letters_reason"), "dead_letters", ["reason"], unique=False)
    op.create_index(
        op.f("ix_dead_letters_received_at"), "dead_letters", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dead_letters_received_at"), table_name="dead_letters")
    op.drop_index(op.f("ix_dead_letters_reason"), table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_table("unregistered_sensors")
    op.drop_index(op.f("ix_sensor_bindings_sensor_id"), table_name="sensor_bindings")
    op.drop_table("sensor_bindings")
    op.drop_table("sensors")
