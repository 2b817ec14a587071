"""Each stored daily figure of a storage unit keeps the day's mean kinetic temperature, so
that the cold-chain performance report of a province reads its units' days from
``unit_day_figures`` instead of days of raw readings per unit. Rows stored before this
revision have none (NULL): the ``day_figures`` job computes such a day again, and the report
reads the readings of a day it has no complete figures of.

Revision ID: 0035_day_figures_mkt
Revises: 0034_sign_in_failures
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035_day_figures_mkt"
down_revision: str | None = "0034_sign_in_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit_day_figures") as batch:
        batch.add_column(sa.Column("mkt_c", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit_day_figures") as batch:
        batch.drop_column("mkt_c")
