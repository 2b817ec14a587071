"""Inventory ledger: facilities, storage units, products, lots, movements, shipments.

Revision ID: 0001_inventory
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_inventory"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "level IN ('province', 'city', 'county', 'township', 'clinic', 'mobile_team')",
            name=op.f("ck_facilities_level"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["facilities.id"], name=op.f("fk_facilities_parent_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("code", name=op.f("uq_facilities_code")),
    )
    op.create_index(op.f("ix_facilities_parent_id"), "facilities", ["parent_id"], unique=False)
    op.create_index(op.f("ix_facilities_path"), "facilities", ["path"], unique=False)
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("doses_per_vial", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("freeze_sensitive", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "profile IN ('2-8', 'freezer', 'ultracold')", name=op.f("ck_products_profile")
        ),
        sa.CheckConstraint("doses_per_vial > 0", name=op.f("ck_products_doses_per_vial")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
        sa.UniqueConstraint("gtin", name=op.f("uq_products_gtin")),
    )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("doses", sa.Integer(), nullable=False),
        sa.Column("set_by_facility_id", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("doses >= 0", name=op.f("ck_allocations_doses")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_allocations_period")),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_allocations_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_allocations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_facility_id"],
            ["facilities.id"],
            name=op.f("fk_allocations_set_by_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
        sa.UniqueConstraint(
            "facility_id",
            "product_id",
            "period_start",
            name=op.f("uq_allocations_facility_id_product_id_period_start"),
        ),
    )
    op.create_index(
        op.f("ix_allocations_facility_id"), "allocations", ["facility_id"], unique=False
    )
    op.create_index(op.f("ix_allocations_product_id"), "allocations", ["product_id"], unique=False)
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin_facility_id", sa.Integer(), nullable=False),
        sa.Column("destination_facility_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("lead_time_minutes", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('created', 'dispatched', 'received', 'partially_received', 'lost')",
            name=op.f("ck_shipments_status"),
        ),
        sa.CheckConstraint("lead_time_minutes >= 0", name=op.f("ck_shipments_lead_time_minutes")),
        sa.ForeignKeyConstraint(
            ["destination_facility_id"],
            ["facilities.id"],
            name=op.f("fk_shipments_destination_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_facility_id"],
            ["facilities.id"],
            name=op.f("fk_shipments_origin_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
    )
    op.create_index(
        op.f("ix_shipments_destination_facility_id"),
        "shipments",
        ["destination_facility_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipments_origin_facility_id"), "shipments", ["origin_facility_id"], unique=False
    )
    op.create_index(
        "ix_shipments_status_dispatched_at", "shipments", ["status", "dispatched_at"], unique=False
    )
    op.create_table(
        "storage_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fridge', 'freezer', 'cold_room', 'cold_box')",
            name=op.f("ck_storage_units_kind"),
        ),
        sa.CheckConstraint(
            "profile IN ('2-8', 'freezer', 'ultracold')", name=op.f("ck_storage_units_profile")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_storage_units_facility_id_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_units")),
        sa.UniqueConstraint("code", name=op.f("uq_storage_units_code")),
    )
    op.create_index(
        op.f("ix_storage_units_facility_id"), "storage_units", ["facility_id"], unique=False
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("storage_unit_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("nonnegative", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('stock', 'quarantine', 'in_transit', 'supplier', 'administered', 'wasted', 'adjustment')",
            name=op.f("ck_accounts_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_accounts_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_accounts_shipment_id_shipments")
        ),
        sa.ForeignKeyConstraint(
            ["storage_unit_id"],
            ["storage_units.id"],
            name=op.f("fk_accounts_storage_unit_id_storage_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("key", name=op.f("uq_accounts_key")),
    )
    op.create_index(op.f("ix_accounts_facility_id"), "accounts", ["facility_id"], unique=False)
    op.create_index(op.f("ix_accounts_shipment_id"), "accounts", ["shipment_id"], unique=False)
    op.create_index(
        op.f("ix_accounts_storage_unit_id"), "accounts", ["storage_unit_id"], unique=False
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("reverses_movement_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("dose_number", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('receipt', 'dispatch', 'shipment_receipt', 'shipment_lost', 'transfer', 'administration', 'wastage', 'count', 'quarantine', 'release', 'destruction', 'recall', 'reversal')",
            name=op.f("ck_movements_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_movements_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_movement_id"],
            ["movements.id"],
            name=op.f("fk_movements_reverses_movement_id_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_movements_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_movements_idempotency_key")),
        sa.UniqueConstraint("reverses_movement_id", name=op.f("uq_movements_reverses_movement_id")),
    )
    op.create_index(
        "ix_movements_facility_id_occurred_at",
        "movements",
        ["facility_id", "occurred_at"],
        unique=False,
    )
    op.create_index(op.f("ix_movements_shipment_id"), "movements", ["shipment_id"], unique=False)
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("vvm_stage", sa.Integer(), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recall_reference", sa.String(length=200), nullable=True),
        sa.Column("recall_movement_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "vvm_stage IS NULL OR vvm_stage BETWEEN 1 AND 4", name=op.f("ck_lots_vvm_stage")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_lots_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["recall_movement_id"],
            ["movements.id"],
            name=op.f("fk_lots_recall_movement_id_movements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint(
            "product_id", "lot_number", "expiry", name=op.f("uq_lots_product_id_lot_number_expiry")
        ),
        sa.UniqueConstraint("recall_movement_id", name=op.f("uq_lots_recall_movement_id")),
    )
    op.create_index(op.f("ix_lots_lot_number"), "lots", ["lot_number"], unique=False)
    op.create_table(
        "balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("doses", sa.Integer(), nullable=False),
        sa.Column("nonnegative", sa.Boolean(), nullable=False),
        sa.CheckConstraint("doses >= 0 OR NOT nonnegative", name=op.f("ck_balances_nonnegative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_balances_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_balances_lot_id_lots")),
        sa.PrimaryKeyConstraint("account_id", "lot_id", name=op.f("pk_balances")),
    )
    op.create_index(op.f("ix_balances_lot_id"), "balances", ["lot_id"], unique=False)
    op.create_table(
        "movement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("doses", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("doses <> 0", name=op.f("ck_movement_lines_doses")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_movement_lines_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_movement_lines_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_movement_lines_movement_id_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movement_lines")),
    )
    op.create_index(
        "ix_movement_lines_account_lot",
        "movement_lines",
        ["account_id", "lot_id", "occurred_at", "doses"],
        unique=False,
    )
    op.create_index(
        "ix_movement_lines_lot_account",
        "movement_lines",
        ["lot_id", "account_id", "occurred_at", "doses"],
        unique=False,
    )
    op.create_index(
        op.f("ix_movement_lines_movement_id"), "movement_lines", ["movement_id"], unique=False
    )
    op.create_table(
        "shipment_discrepancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dispatched_doses", sa.Integer(), nullable=False),
        sa.Column("received_doses", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('shortfall', 'excess', 'unknown_lot')",
            name=op.f("ck_shipment_discrepancies_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_shipment_discrepancies_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.id"],
            name=op.f("fk_shipment_discrepancies_movement_id_movements"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_discrepancies_shipment_id_shipments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_discrepancies")),
    )
    op.create_index(
        op.f("ix_shipment_discrepancies_lot_id"), "shipment_discrepancies", ["lot_id"], unique=False
    )
    op.create_index(
        op.f("ix_shipment_discrepancies_movement_id"),
        "shipment_discrepancies",
        ["movement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipment_discrepancies_shipment_id"),
        "shipment_discrepancies",
        ["shipment_id"],
        unique=False,
    )
    op.create_table(
        "shipment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("dispatched_doses", sa.Integer(), nullable=False),
        sa.Column("received_doses", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "dispatched_doses >= 0", name=op.f("ck_shipment_lines_dispatched_doses")
        ),
        sa.CheckConstraint(
            "received_doses IS NULL OR received_doses >= 0",
            name=op.f("ck_shipment_lines_received_doses"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_shipment_lines_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_lines_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
        sa.UniqueConstraint(
            "shipment_id", "lot_id", name=op.f("uq_shipment_lines_shipment_id_lot_id")
        ),
    )
    op.create_index(op.f("ix_shipment_lines_lot_id"), "shipment_lines", ["lot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shipment_lines_lot_id"), table_name="shipment_lines")
    op.drop_table("shipment_lines")
    op.drop_index(
        op.f("ix_shipment_discrepancies_shipment_id"), table_name="shipment_discrepancies"
    )
    op.drop_index(
        op.f("ix_shipment_discrepancies_movement_id"), table_name="shipment_discrepancies"
    )
    op.drop_index(op.f("ix_shipment_discrepancies_lot_id"), table_name="shipment_discrepancies")
    op.drop_table("shipment_discrepancies")
    op.drop_index(op.f("ix_movement_lines_movement_id"), table_name="movement_lines")
    op.drop_index("ix_movement_lines_lot_account", table_name="movement_lines")
    op.drop_index("ix_movement_lines_account_lot", table_name="movement_lines")
    op.drop_table("movement_lines")
    op.drop_index(op.f("ix_balances_lot_id"), table_name="balances")
    op.drop_table("balances")
    op.drop_index(op.f("ix_lots_lot_number"), table_name="lots")
    op.drop_table("lots")
    op.drop_index(op.f("ix_movements_shipment_id"), table_name="movements")
    op.drop_index("ix_movements_facility_id_occurred_at", table_name="movements")
    op.drop_table("movements")
    op.drop_index(op.f("ix_accounts_storage_unit_id"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_shipment_id"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_facility_id"), table_name="accounts")
    op.drop_table("accounts")
    op.drop_index(op.f("ix_storage_units_facility_id"), table_name="storage_units")
    op.drop_table("storage_units")
    op.drop_index("ix_shipments_status_dispatched_at", table_name="shipments")
    op.drop_index(op.f("ix_shipments_origin_facility_id"), table_name="shipments")
    op.drop_index(op.f("ix_shipments_destination_facility_id"), table_name="shipments")
    op.drop_table("shipments")
    op.drop_index(op.f("ix_allocations_product_id"), table_name="allocations")
    op.drop_index(op.f("ix_allocations_facility_id"), table_name="allocations")
    op.drop_table("allocations")
    op.drop_table("products")
    op.drop_index(op.f("ix_facilities_path"), table_name="facilities")
    op.drop_index(op.f("ix_facilities_parent_id"), table_name="facilities")
    op.drop_table("facilities")
