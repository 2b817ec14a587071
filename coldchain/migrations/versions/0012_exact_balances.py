"""Balances are 64-bit: a balance sums many movement lines and must stay an exact integer.

Revision ID: 0012_exact_balances
Revises: 0011_vvm_observations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_exact_balances"
down_revision: str | None = "0011_vvm_observations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.alter_column(
            "doses", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.alter_column(
            "doses", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
