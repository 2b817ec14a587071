"""The daily doses report's cumulative read model (issue 12): per facility and product, a
series of physical stock and one of doses administered per dose number, with a row per UTC
day that has lines (the day's change, the running total to its end), backfilled from the
movement lines.

Revision ID: 0032_cumulative_read_model
Revises: 0030_acknowledgement_actions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_cumulative_read_model"
down_revision: str | None = "0030_acknowledgement_actions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every stock, quarantine and administered line with its series' key and UTC day; a
# reversal's administered doses count under the dose number of what it reverses.
_KEYED_LINES = """
    SELECT a.facility_id AS facility_id, lots.product_id AS product_id,
           CASE WHEN a.kind = 'administered' THEN 'administered' ELSE 'physical' END
               AS measure,
           CASE WHEN a.kind = 'administered'
                THEN COALESCE(mv.dose_number, rv.dose_number, 0) ELSE 0 END AS dose_number,
           {day} AS day, l.doses AS doses
    FROM movement_lines l
    JOIN accounts a ON a.id = l.account_id
    JOIN lots ON lots.id = l.lot_id
    JOIN movements mv ON mv.id = l.movement_id
    LEFT JOIN movements rv ON rv.id = mv.reverses_movement_id
    WHERE a.kind IN ('stock', 'quarantine', 'administered')
"""
_DAY = {
    "sqlite": "substr(l.occurred_at, 1, 10)",  # naive UTC text 'YYYY-MM-DD HH:MM:SS...'
    "postgresql": "CAST(timezone('UTC', l.occurred_at) AS DATE)",
}


def upgrade() -> None:
    op.create_table(
        "cumulative_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("dose_number", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "measure IN ('physical', 'administered')", name=op.f("ck_cumulative_series_measure")
        ),
        sa.CheckConstraint("dose_number >= 0", name=op.f("ck_cumulative_series_dose_number")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_cumulative_series_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cumulative_series_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cumulative_series")),
        sa.UniqueConstraint(
            "facility_id",
            "product_id",
            "measure",
            "dose_number",
            name=op.f("uq_cumulative_series_facility_id_product_id_measure_dose_number"),
        ),
    )
    op.create_index(
        op.f("ix_cumulative_series_facility_id"), "cumulative_series", ["facility_id"]
    )
    op.create_table(
        "cumulative_days",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("change", sa.BigInteger(), nullable=False),
        sa.Column("running", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["cumulative_series.id"],
            name=op.f("fk_cumulative_days_series_id_cumulative_series"),
        ),
        sa.PrimaryKeyConstraint("series_id", "day", name=op.f("pk_cumulative_days")),
    )
    keyed = _KEYED_LINES.format(day=_DAY[op.get_bind().dialect.name])
    op.execute(
        f"""
        INSERT INTO cumulative_series (facility_id, product_id, measure, dose_number)
        SELECT DISTINCT facility_id, product_id, measure, dose_number FROM ({keyed}) k
        """
    )
    op.execute(
        f"""
        INSERT INTO cumulative_days (series_id, day, change, running)
        SELECT series_id, day, change,
               SUM(change) OVER (PARTITION BY series_id ORDER BY day)
        FROM (
            SELECT s.id AS series_id, k.day AS day, SUM(k.doses) AS change
            FROM ({keyed}) k
            JOIN cumulative_series s ON s.facility_id = k.facility_id
                AND s.product_id = k.product_id AND s.measure = k.measure
                AND s.dose_number = k.dose_number
            GROUP BY s.id, k.day
        ) d
        """
    )


def downgrade() -> None:
    op.drop_table("cumulative_days")
    op.drop_index(op.f("ix_cumulative_series_facility_id"), table_name="cumulative_series")
    op.drop_table("cumulative_series")
