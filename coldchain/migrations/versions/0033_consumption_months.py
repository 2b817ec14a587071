"""The stock status report's read model: doses used (administered and wasted lines, reversals
netted) per facility, product and calendar month in the facility's own time zone, backfilled
from the movement lines.

The backfill is one ``INSERT ... SELECT``: each line's month is found in SQL by a binary
search over the UTC instants where that zone's months start (a nested ``CASE``, a few
comparisons per line), so it is portable (SQLite has no time-zone database) and exact (the
same month bounds the report uses: midnight of the first day, local time).

Revision ID: 0033_consumption_months
Revises: 0032_cumulative_read_model
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0033_consumption_months"
down_revision: str | None = "0032_cumulative_read_model"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSUMPTION = ("administered", "wasted")


def upgrade() -> None:
    op.create_table(
        "consumption_months",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("doses", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_consumption_months_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_consumption_months_product_id_products")
        ),
        sa.PrimaryKeyConstraint(
            "facility_id", "product_id", "month", name=op.f("pk_consumption_months")
        ),
    )
    _backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("consumption_months")


def _backfill(conn: sa.Connection) -> None:
    sqlite = conn.dialect.name == "sqlite"
    lines = sa.table(
        "movement_lines",
        sa.column("account_id", sa.Integer()),
        sa.column("lot_id", sa.Integer()),
        sa.column("doses", sa.BigInteger()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
    )
    accounts = sa.table(
        "accounts", sa.column("id"), sa.column("kind"), sa.column("facility_id", sa.Integer())
    )
    facilities = sa.table("facilities", sa.column("id"), sa.column("timezone", sa.String()))
    lots = sa.table("lots", sa.column("id"), sa.column("product_id", sa.Integer()))
    target = sa.table(
        "consumption_months",
        sa.column("facility_id"),
        sa.column("product_id"),
        sa.column("month"),
        sa.column("doses"),
    )
    used = (
        lines.join(accounts, accounts.c.id == lines.c.account_id)
        .join(facilities, facilities.c.id == accounts.c.facility_id)
        .join(lots, lots.c.id == lines.c.lot_id)
    )
    consumption = accounts.c.kind.in_(CONSUMPTION)
    spans = conn.execute(
        sa.select(
            facilities.c.timezone, sa.func.min(lines.c.occurred_at), sa.func.max(lines.c.occurred_at)
        )
        .select_from(used)
        .where(consumption)
        .group_by(facilities.c.timezone)
    ).all()
    if not spans:
        return

    def instant(at: datetime) -> Any:
        """A bound UTC instant stored the way the lines' column stores it."""
        at = at.astimezone(UTC)
        value = at.replace(tzinfo=None) if sqlite else at
        return sa.literal(value, sa.DateTime(timezone=True))

    def search(months: list[date], zone: ZoneInfo, lo: int, hi: int) -> Any:
        if hi - lo == 1:
            return sa.literal(months[lo], sa.Date())
        mid = (lo + hi) // 2
        return sa.case(
            (
                lines.c.occurred_at < instant(_month_start(months[mid], zone)),
                search(months, zone, lo, mid),
            ),
            else_=search(months, zone, mid, hi),
        )

    whens = []
    for name, first, last in spans:
        zone = ZoneInfo(name)
        first = first if first.tzinfo else first.replace(tzinfo=UTC)
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        months = [_month_of(first, zone)]
        while months[-1] < _month_of(last, zone):
            months.append(_add_months(months[-1], 1))
        whens.append((facilities.c.timezone == name, search(months, zone, 0, len(months))))
    per_line = (
        sa.select(
            accounts.c.facility_id.label("facility_id"),
            lots.c.product_id.label("product_id"),
            sa.case(*whens).label("month"),
            lines.c.doses.label("doses"),
        )
        .select_from(used)
        .where(consumption)
        .subquery()
    )
    conn.execute(
        sa.insert(target).from_select(
            ["facility_id", "product_id", "month", "doses"],
            sa.select(
                per_line.c.facility_id,
                per_line.c.product_id,
                per_line.c.month,
                sa.func.sum(per_line.c.doses),
            ).group_by(per_line.c.facility_id, per_line.c.product_id, per_line.c.month),
        )
    )


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_start(month: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(month, time(0), tzinfo=zone)


def _month_of(at: datetime, zone: ZoneInfo) -> date:
    local = at.astimezone(zone)
    month = date(local.year, local.month, 1)
    if at < _month_start(month, zone):
        return _add_months(month, -1)
    following = _add_months(month, 1)
    return following if at >= _month_start(following, zone) else month
