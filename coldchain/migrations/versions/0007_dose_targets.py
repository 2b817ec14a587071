"""Dose targets per site, product and dose number: the daily doses report (rule 22).

Revision ID: 0007_dose_targets
Revises: 0006_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_dose_targets"
down_revision: str | None = "0006_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dose_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("daily_target", sa.Integer(), nullable=False),
        sa.Column("target_population", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("dose_number >= 1", name=op.f("ck_dose_targets_dose_number")),
        sa.CheckConstraint("daily_target >= 0", name=op.f("ck_dose_targets_daily_target")),
        sa.CheckConstraint(
            "target_population IS NULL OR target_population >= 0",
            name=op.f("ck_dose_targets_target_population"),
        ),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_dose_targets_period")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_dose_targets_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_dose_targets_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_targets")),
        sa.UniqueConstraint(
            "facility_id",
            "product_id",
            "dose_number",
            "period_start",
            name=op.f("uq_dose_targets_facility_id_product_id_dose_number_period_start"),
        ),
    )
    op.create_index(
        op.f("ix_dose_targets_facility_id"), "dose_targets", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_dose_targets_product_id"), "dose_targets", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_dose_targets_product_id"), table_name="dose_targets")
    op.drop_index(op.f("ix_dose_targets_facility_id"), table_name="dose_targets")
    op.drop_table("dose_targets")
