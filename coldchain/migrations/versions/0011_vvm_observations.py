"""A supervisor role, and VVM readings as append-only observations.

Users gain the ``supervisor`` role (scoped like staff). ``vvm_observations`` holds every
VVM reading (stage, where, who, why) and every voiding entry that corrects one (a row with
no stage that names the observation it voids); ``lots.vvm_stage`` is their projection.

Revision ID: 0011_vvm_observations
Revises: 0010_token_expiry
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011_vvm_observations"
down_revision: str | None = "0010_token_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES_BEFORE = "role IN ('admin', 'staff', 'viewer')"
_ROLES_AFTER = "role IN ('admin', 'supervisor', 'staff', 'viewer')"
_SCOPED_BEFORE = "role <> 'staff' OR facility_id IS NOT NULL"
_SCOPED_AFTER = "role NOT IN ('staff', 'supervisor') OR facility_id IS NOT NULL"


def _users_checks(roles: str, scoped: str) -> None:
    # On SQLite this rebuilds the table; coldchain/migrations/env.py runs migrations with
    # foreign keys off and checks them all before the commit.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_role", type_="check")
        batch.drop_constraint("ck_users_staff_scoped", type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), roles)
        batch.create_check_constraint(op.f("ck_users_staff_scoped"), scoped)


def upgrade() -> None:
    _users_checks(_ROLES_AFTER, _SCOPED_AFTER)
    op.create_table(
        "vvm_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("voids_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("storage_unit_id", sa.Integer(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.CheckConstraint(
            "(stage IS NULL) <> (voids_id IS NULL)",
            name=op.f("ck_vvm_observations_reading_or_void"),
        ),
        sa.CheckConstraint(
            "stage IS NULL OR stage BETWEEN 1 AND 4", name=op.f("ck_vvm_observations_stage")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_vvm_observations_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_vvm_observations_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["storage_unit_id"],
            ["storage_units.id"],
            name=op.f("fk_vvm_observations_storage_unit_id_storage_units"),
        ),
        sa.ForeignKeyConstraint(
            ["voids_id"],
            ["vvm_observations.id"],
            name=op.f("fk_vvm_observations_voids_id_vvm_observations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vvm_observations")),
        sa.UniqueConstraint("voids_id", name=op.f("uq_vvm_observations_voids_id")),
    )
    op.create_index(
        op.f("ix_vvm_observations_lot_id"), "vvm_observations", ["lot_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_vvm_observations_lot_id"), table_name="vvm_observations")
    op.drop_table("vvm_observations")
    _users_checks(_ROLES_BEFORE, _SCOPED_BEFORE)
