"""Excursion episodes, alarms, acknowledgements and sensor last-seen times.

Revision ID: 0005_alarms
Revises: 0004_readings
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_alarms"
down_revision: str | None = "0004_readings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCOPE = "quarantine_scope IN ('none', 'freeze_sensitive', 'all')"


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _float(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Double(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "excursion_episodes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        _time("start_at"),
        _time("end_at", nullable=True),
        _float("duration_minutes"),
        _float("min_c"),
        _time("min_at", nullable=True),
        _float("max_c"),
        _time("max_at", nullable=True),
        _float("mean_c"),
        _float("mkt_c"),
        _float("minutes_above"),
        _float("minutes_below"),
        _float("unknown_minutes"),
        sa.Column("reading_count", sa.Integer(), nullable=True),
        sa.Column("late_reading_count", sa.Integer(), nullable=True),
        _time("freeze_exposed_at", nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("exposed_lots", sa.JSON(), nullable=True),
        sa.Column("quarantine_scope", sa.String(length=24), nullable=False),
        _time("quarantined_at", nullable=True),
        _time("recorded_at"),
        sa.CheckConstraint(_SCOPE, name=op.f("ck_excursion_episodes_quarantine_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_excursion_episodes")),
        sa.UniqueConstraint("key", name=op.f("uq_excursion_episodes_key")),
    )
    op.create_index(
        op.f("ix_excursion_episodes_facility_code"),
        "excursion_episodes",
        ["facility_code"],
        unique=False,
    )
    op.create_index(
        "ix_excursion_episodes_unit_code_start_at",
        "excursion_episodes",
        ["unit_code", "start_at"],
        unique=False,
    )
    op.create_table(
        "alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=True),
        sa.Column("episode_key", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        _time("started_at"),
        _time("raised_at"),
        _time("recorded_at"),
        _time("cleared_at", nullable=True),
        _time("cleared_recorded_at", nullable=True),
        _float("peak_c"),
        _float("unknown_minutes"),
        sa.Column("rule", sa.JSON(), nullable=True),
        _time("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(length=128), nullable=True),
        sa.Column("acknowledgement_comment", sa.Text(), nullable=True),
        _time("last_notified_at", nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("exposed_lots", sa.JSON(), nullable=True),
        sa.Column("quarantine_scope", sa.String(length=24), nullable=False),
        _time("quarantined_at", nullable=True),
        sa.CheckConstraint("state IN ('raised', 'cleared')", name=op.f("ck_alarms_state")),
        sa.CheckConstraint("severity IN ('warning', 'alarm')", name=op.f("ck_alarms_severity")),
        sa.CheckConstraint(_SCOPE, name=op.f("ck_alarms_quarantine_scope")),
        sa.CheckConstraint("escalation_level >= 0", name=op.f("ck_alarms_escalation_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarms")),
        sa.UniqueConstraint("key", name=op.f("uq_alarms_key")),
    )
    for column in ("type", "facility_code", "unit_code", "episode_key", "state"):
        op.create_index(op.f(f"ix_alarms_{column}"), "alarms", [column], unique=False)
    op.create_table(
        "alarm_acknowledgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _time("acknowledged_at"),
        sa.Column("alarm_state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"], ["alarms.id"], name=op.f("fk_alarm_acknowledgements_alarm_id_alarms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_acknowledgements")),
    )
    op.create_index(
        op.f("ix_alarm_acknowledgements_alarm_id"),
        "alarm_acknowledgements",
        ["alarm_id"],
        unique=False,
    )
    op.create_table(
        "sensor_last_seen",
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("last_seen_ns", sa.BigInteger(), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("sensor_id", name=op.f("pk_sensor_last_seen")),
    )


def downgrade() -> None:
    op.drop_table("sensor_last_seen")
    op.drop_index(op.f("ix_alarm_acknowledgements_alarm_id"), table_name="alarm_acknowledgements")
    op.drop_table("alarm_acknowledgements")
    for column in ("state", "episode_key", "unit_code", "facility_code", "type"):
        op.drop_index(op.f(f"ix_alarms_{column}"), table_name="alarms")
    op.drop_table("alarms")
    op.drop_index("ix_excursion_episodes_unit_code_start_at", table_name="excursion_episodes")
    op.drop_index(op.f("ix_excursion_episodes_facility_code"), table_name="excursion_episodes")
    op.drop_table("excursion_episodes")
