"""Per-user accounts: passwords (Argon2id hashes), disabling instead of deleting, and the
audit of users and tokens (who created them, when they were last used).

Every column is nullable: existing users have no password (they keep using their tokens),
are not disabled, and were created by nobody recorded.

Revision ID: 0021_user_accounts
Revises: 0020_eligible_populations
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_user_accounts"
down_revision: str | None = "0020_eligible_populations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On SQLite the CHECK rebuilds the table; coldchain/migrations/env.py runs migrations
    # with foreign keys off and checks them all before the commit (api_tokens point here).
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_users_disabled_by_someone"), "(disabled_at IS NULL) = (disabled_by IS NULL)"
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("created_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("ck_users_disabled_by_someone", type_="check")
        batch.drop_column("last_used_at")
        batch.drop_column("disabled_by")
        batch.drop_column("disabled_at")
        batch.drop_column("password_hash")
        batch.drop_column("created_by")
