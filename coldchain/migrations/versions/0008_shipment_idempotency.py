"""Shipment creation idempotent on a client's key, like every movement.

Revision ID: 0008_shipment_idempotency
Revises: 0007_dose_targets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_shipment_idempotency"
down_revision: str | None = "0007_dose_targets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shipments", sa.Column("idempotency_key", sa.String(length=200), nullable=True))
    op.add_column(
        "shipments", sa.Column("request_fingerprint", sa.String(length=64), nullable=True)
    )
    op.create_index("uq_shipments_idempotency_key", "shipments", ["idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_shipments_idempotency_key", table_name="shipments")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("request_fingerprint")
        batch.drop_column("idempotency_key")
