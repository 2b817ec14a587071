"""The return leg of a refused shipment (rule 27): a refusal puts the doses on the road back
to the sender (account kind ``in_transit_returned``), and the sender's receipt of them
(movement kind ``return_receipt``, shipment status ``returned``) lands them in its
quarantine, counted per lot (``shipment_lines.returned_doses``).

Refusals written before this revision posted the doses straight into the sender's
quarantine, so they are returned already: their shipments become ``returned``, with the
refusal's time as both ``refused_at`` and ``returned_at``.

Revision ID: 0031_shipment_returns
Revises: 0030_acknowledgement_actions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_shipment_returns"
down_revision: str | None = "0030_acknowledgement_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCOUNT_KINDS = (
    "stock",
    "quarantine",
    "in_transit",
    "supplier",
    "administered",
    "wasted",
    "adjustment",
)
_MOVEMENT_KINDS = (
    "receipt",
    "dispatch",
    "shipment_receipt",
    "shipment_lost",
    "shipment_return",
    "transfer",
    "administration",
    "wastage",
    "count",
    "quarantine",
    "release",
    "destruction",
    "recall",
    "reversal",
)
_STATUSES = ("created", "dispatched", "received", "partially_received", "lost", "refused")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(accounts: tuple[str, ...], movements: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    # On SQLite this rebuilds the tables; coldchain/migrations/env.py runs migrations with
    # foreign keys off and checks them all before the commit.
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("ck_accounts_kind", type_="check")
        batch.create_check_constraint(op.f("ck_accounts_kind"), _in("kind", accounts))
    with op.batch_alter_table("movements") as batch:
        batch.drop_constraint("ck_movements_kind", type_="check")
        batch.create_check_constraint(op.f("ck_movements_kind"), _in("kind", movements))
    with op.batch_alter_table("shipments") as batch:
        batch.drop_constraint("ck_shipments_status", type_="check")
        batch.create_check_constraint(op.f("ck_shipments_status"), _in("status", statuses))


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(length=16), type_=sa.String(length=24)
        )
    _checks(
        (*_ACCOUNT_KINDS[:3], "in_transit_returned", *_ACCOUNT_KINDS[3:]),
        (*_MOVEMENT_KINDS[:5], "return_receipt", *_MOVEMENT_KINDS[5:]),
        (*_STATUSES, "returned"),
    )
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("shipment_lines") as batch:
        batch.add_column(sa.Column("returned_doses", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_shipment_lines_returned_doses"),
            "returned_doses IS NULL OR returned_doses >= 0",
        )
    refusal = (
        "(SELECT MAX(m.occurred_at) FROM movements m"
        " WHERE m.shipment_id = shipments.id AND m.kind = 'shipment_return')"
    )
    op.execute(
        f"UPDATE shipments SET status = 'returned', refused_at = {refusal},"
        f" returned_at = {refusal} WHERE status = 'refused'"
    )
    op.execute(
        "UPDATE shipment_lines SET returned_doses = dispatched_doses WHERE shipment_id IN"
        " (SELECT id FROM shipments WHERE status = 'returned')"
    )


def downgrade() -> None:
    op.execute("UPDATE shipments SET status = 'refused' WHERE status = 'returned'")
    with op.batch_alter_table("shipment_lines") as batch:
        batch.drop_constraint("ck_shipment_lines_returned_doses", type_="check")
        batch.drop_column("returned_doses")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("returned_at")
        batch.drop_column("refused_at")
    _checks(_ACCOUNT_KINDS, _MOVEMENT_KINDS, _STATUSES)
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(length=24), type_=sa.String(length=16)
        )
