"""What was done about an alarm, kept with its acknowledgement (was: written into the comment).

Revision ID: 0030_acknowledgement_actions
Revises: 0029_ledger_read_model
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_acknowledgement_actions"
down_revision: str | None = "0029_ledger_read_model"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alarm_acknowledgements") as batch:
        batch.add_column(sa.Column("action", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alarm_acknowledgements") as batch:
        batch.drop_column("action")
