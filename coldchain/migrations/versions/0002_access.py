"""Access: users, roles, facility scopes and API tokens.

Revision ID: 0002_access
Revises: 0001_inventory
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_access"
down_revision: str | None = "0001_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
