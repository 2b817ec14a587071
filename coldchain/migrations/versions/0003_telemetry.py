"""Telemetry: sensor registry, bindings to storage units, dead letters.

Revision ID: 0003_telemetry
Revises: 0002_access
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_telemetry"
down_revision: str | None = "0002_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
