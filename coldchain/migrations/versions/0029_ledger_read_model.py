"""The ledger's read model for national scale: the lot trace's per-account figures on
``balances`` (doses in, first in, last line), backfilled from the movement lines; and an
index of the lines by account and time for the reports over a period.

Revision ID: 0029_ledger_read_model
Revises: 0028_telemetry_hourly
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029_ledger_read_model"
down_revision: str | None = "0028_telemetry_hourly"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("balances") as batch:
        batch.add_column(
            sa.Column("doses_in", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("first_in", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
    # Pairs whose lines net to zero had no row; the read model has one for every pair.
    op.execute(
        """
        INSERT INTO balances (account_id, lot_id, doses, nonnegative, doses_in)
        SELECT l.account_id, l.lot_id, 0, a.nonnegative, 0
        FROM movement_lines l JOIN accounts a ON a.id = l.account_id
        WHERE NOT EXISTS (
            SELECT 1 FROM balances b WHERE b.account_id = l.account_id AND b.lot_id = l.lot_id
        )
        GROUP BY l.account_id, l.lot_id, a.nonnegative
        """
    )
    op.execute(
        """
        UPDATE balances SET
            doses_in = COALESCE((
                SELECT SUM(l.doses) FROM movement_lines l
                WHERE l.account_id = balances.account_id AND l.lot_id = balances.lot_id
                AND l.doses > 0), 0),
            first_in = (
                SELECT MIN(l.occurred_at) FROM movement_lines l
                WHERE l.account_id = balances.account_id AND l.lot_id = balances.lot_id
                AND l.doses > 0),
            last_at = (
                SELECT MAX(l.occurred_at) FROM movement_lines l
                WHERE l.account_id = balances.account_id AND l.lot_id = balances.lot_id)
        """
    )


    op.create_index(
        "ix_movement_lines_account_time",
        "movement_lines",
        ["account_id", "occurred_at", "lot_id", "doses", "movement_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_movement_lines_account_time", table_name="movement_lines")
    with op.batch_alter_table("balances") as batch:
        batch.drop_column("last_at")
        batch.drop_column("first_in")
        batch.drop_column("doses_in")
