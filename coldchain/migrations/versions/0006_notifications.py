"""Alarm notifications: contacts per facility and channel, and the durable outbox.

Revision ID: 0006_notifications
Revises: 0005_alarms
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_notifications"
down_revision: str | None = "0005_alarms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alarm_contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_code", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('webhook', 'mqtt', 'email')",
            name=op.f("ck_alarm_contacts_known_channel"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_contacts")),
    )
    op.create_index(
        op.f("ix_alarm_contacts_facility_code"), "alarm_contacts", ["facility_code"], unique=False
    )
    op.create_index(
        "uq_alarm_contacts_facility_code_channel_address",
        "alarm_contacts",
        ["facility_code", "channel", "address"],
        unique=True,
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')",
            name=op.f("ck_notification_outbox_known_status"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_notification_outbox_attempts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["alarm_contacts.id"],
            name=op.f("fk_notification_outbox_contact_id_alarm_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(
        op.f("ix_notification_outbox_alarm_id"), "notification_outbox", ["alarm_id"], unique=False
    )
    op.create_index(
        "ix_notification_outbox_due",
        "notification_outbox",
        ["status", "channel", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        "uq_notification_outbox_notice_id_recipient",
        "notification_outbox",
        ["notice_id", "recipient"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_notification_outbox_notice_id_recipient", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_due", table_name="notification_outbox")
    op.drop_index(op.f("ix_notification_outbox_alarm_id"), table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_index("uq_alarm_contacts_facility_code_channel_address", table_name="alarm_contacts")
    op.drop_index(op.f("ix_alarm_contacts_facility_code"), table_name="alarm_contacts")
    op.drop_table("alarm_contacts")
