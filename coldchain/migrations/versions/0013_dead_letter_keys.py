"""Dead letters keyed on their content, so that a redelivered bad message adds no row.

Revision ID: 0013_dead_letter_keys
Revises: 0012_exact_balances
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_dead_letter_keys"
down_revision: str | None = "0012_exact_balances"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Letters stored before this revision keep a NULL key (NULLs never collide).
    op.add_column("dead_letters", sa.Column("letter_key", sa.String(length=64), nullable=True))
    op.create_index("uq_dead_letters_letter_key", "dead_letters", ["letter_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_dead_letters_letter_key", table_name="dead_letters")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("letter_key")
