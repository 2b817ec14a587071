"""Stock levels: the minimum and maximum months of stock per facility and product.

Revision ID: 0019_stock_levels
Revises: 0014_alarm_follow_ups
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_stock_levels"
down_revision: str | None = "0014_alarm_follow_ups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("min_months", sa.Double(), nullable=False),
        sa.Column("max_months", sa.Double(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_months >= 0 AND max_months >= min_months", name=op.f("ck_stock_levels_months")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_stock_levels_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_levels_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint(
            "facility_id", "product_id", name=op.f("uq_stock_levels_facility_id_product_id")
        ),
    )
    op.create_index(
        op.f("ix_stock_levels_facility_id"), "stock_levels", ["facility_id"], unique=False
    )
    op.create_index(
        op.f("ix_stock_levels_product_id"), "stock_levels", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stock_levels_product_id"), table_name="stock_levels")
    op.drop_index(op.f("ix_stock_levels_facility_id"), table_name="stock_levels")
    op.drop_table("stock_levels")
