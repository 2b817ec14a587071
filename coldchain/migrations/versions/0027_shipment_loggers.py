"""Shipments in transit (rule 27): loggers attached to shipments, holds asked for on the
road, and the receiver's decision on the transport record.

Revision ID: 0027_shipment_loggers
Revises: 0026_daily_closes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_shipment_loggers"
down_revision: str | None = "0026_daily_closes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_STATUSES = ("created", "dispatched", "received", "partially_received", "lost")
_KINDS = (
    "receipt",
    "dispatch",
    "shipment_receipt",
    "shipment_lost",
    "transfer",
    "administration",
    "wastage",
    "count",
    "quarantine",
    "release",
    "destruction",
    "recall",
    "reversal",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(statuses: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    # On SQLite this rebuilds the tables; coldchain/migrations/env.py runs migrations with
    # foreign keys off and checks them all before the commit.
    with op.batch_alter_table("shipments") as batch:
        batch.drop_constraint("ck_shipments_status", type_="check")
        batch.create_check_constraint(op.f("ck_shipments_status"), _in("status", statuses))
    with op.batch_alter_table("movements") as batch:
        batch.drop_constraint("ck_movements_kind", type_="check")
        batch.create_check_constraint(op.f("ck_movements_kind"), _in("kind", kinds))


def upgrade() -> None:
    # A refused shipment (status ``refused``) goes back to the sender (``shipment_return``).
    _checks((*_STATUSES, "refused"), (*_KINDS[:4], "shipment_return", *_KINDS[4:]))
    op.create_table(
        "shipment_loggers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("reporting_interval_s", sa.Integer(), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attached_by", sa.String(length=200), nullable=False),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detached_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "reporting_interval_s > 0", name=op.f("ck_shipment_loggers_reporting_interval_s")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_loggers_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_loggers")),
        sa.UniqueConstraint(
            "shipment_id", "sensor_id", name=op.f("uq_shipment_loggers_shipment_id_sensor_id")
        ),
    )
    op.create_index(
        op.f("ix_shipment_loggers_shipment_id"), "shipment_loggers", ["shipment_id"], unique=False
    )
    op.create_index(
        "uq_shipment_loggers_open_sensor",
        "shipment_loggers",
        ["sensor_id"],
        unique=True,
        sqlite_where=sa.text("detached_at IS NULL"),
        postgresql_where=sa.text("detached_at IS NULL"),
    )
    op.create_table(
        "shipment_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_shipment_holds_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_holds_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_holds")),
        sa.UniqueConstraint(
            "reference", "lot_id", name=op.f("uq_shipment_holds_reference_lot_id")
        ),
    )
    op.create_index(
        op.f("ix_shipment_holds_shipment_id"), "shipment_holds", ["shipment_id"], unique=False
    )
    op.create_table(
        "shipment_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("record_complete", sa.Boolean(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accept', 'accept_quarantined', 'refuse')",
            name=op.f("ck_shipment_decisions_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.id"],
            name=op.f("fk_shipment_decisions_movement_id_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_decisions_shipment_id_shipments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_decisions")),
        sa.UniqueConstraint("movement_id", name=op.f("uq_shipment_decisions_movement_id")),
    )
    op.create_index(
        op.f("ix_shipment_decisions_shipment_id"),
        "shipment_decisions",
        ["shipment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_shipment_decisions_shipment_id"), table_name="shipment_decisions")
    op.drop_table("shipment_decisions")
    op.drop_index(op.f("ix_shipment_holds_shipment_id"), table_name="shipment_holds")
    op.drop_table("shipment_holds")
    op.drop_index("uq_shipment_loggers_open_sensor", table_name="shipment_loggers")
    op.drop_index(op.f("ix_shipment_loggers_shipment_id"), table_name="shipment_loggers")
    op.drop_table("shipment_loggers")
    _checks(_STATUSES, _KINDS)
