"""Embedded telemetry store: readings keyed on (sensor, device time).

Revision ID: 0004_readings
Revises: 0003_telemetry
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_readings"
down_revision: str | None = "0003_telemetry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
