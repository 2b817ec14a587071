"""Failed sign-ins in the database (the pages' throttle, shared by every process) and a
reason per lot of a physical count.

Revision ID: 0034_sign_in_failures
Revises: 0033_consumption_months
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034_sign_in_failures"
down_revision: str | None = "0033_consumption_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        "ix_sign_in_failures_key_hash_failed_at",
        "sign_in_failures",
        ["key_hash", "failed_at"],
    )
    op.create_index(op.f("ix_sign_in_failures_failed_at"), "sign_in_failures", ["failed_at"])
    op.create_table(
        "count_differences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("book_doses", sa.BigInteger(), nullable=False),
        sa.Column("counted_doses", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_count_differences_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.id"],
            name=op.f("fk_count_differences_movement_id_movements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_differences")),
        sa.UniqueConstraint(
            "movement_id", "lot_id", name=op.f("uq_count_differences_movement_id_lot_id")
        ),
    )
    op.create_index(op.f("ix_count_differences_lot_id"), "count_differences", ["lot_id"])
    op.create_index(
        op.f("ix_count_differences_movement_id"), "count_differences", ["movement_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_count_differences_movement_id"), table_name="count_differences")
    op.drop_index(op.f("ix_count_differences_lot_id"), table_name="count_differences")
    op.drop_table("count_differences")
    op.drop_index(op.f("ix_sign_in_failures_failed_at"), table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_key_hash_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
