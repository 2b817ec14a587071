"""Eligible populations: the people a site should vaccinate with a product in a year.

Revision ID: 0020_eligible_populations
Revises: 0019_stock_levels
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_eligible_populations"
down_revision: str | None = "0019_stock_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eligible_populations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("population >= 0", name=op.f("ck_eligible_populations_population")),
        sa.CheckConstraint("year BETWEEN 1900 AND 2199", name=op.f("ck_eligible_populations_year")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_eligible_populations_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_eligible_populations_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligible_populations")),
        sa.UniqueConstraint(
            "facility_id",
            "product_id",
            "year",
            name=op.f("uq_eligible_populations_facility_id_product_id_year"),
        ),
    )
    op.create_index(
        op.f("ix_eligible_populations_facility_id"),
        "eligible_populations",
        ["facility_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_eligible_populations_product_id"),
        "eligible_populations",
        ["product_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_eligible_populations_product_id"), table_name="eligible_populations")
    op.drop_index(op.f("ix_eligible_populations_facility_id"), table_name="eligible_populations")
    op.drop_table("eligible_populations")
