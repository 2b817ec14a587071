"""API tokens may expire: ``api_tokens.expires_at`` (NULL: never; every existing token).

Revision ID: 0010_token_expiry
Revises: 0009_contact_secrets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_token_expiry"
down_revision: str | None = "0009_contact_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
