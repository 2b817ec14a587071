"""Retention horizons per storage unit (domain rule 18): before which instant its records
(the temperature readings of the unit) concern no lot that still protects them.

For each unit: the earlier of ``now − 3 years`` and the first time a protecting lot (expiry
+ 5 years not passed) entered it. That is conservative: a protecting lot's stay may have
begun later than its first line in the unit, never earlier, so nothing inside any lot's
horizon is ever before the unit's horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from inventory import models as m
from inventory.domain.retention import last_protected_expiry, oldest_kept
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RetentionHorizons:
    """Records of a unit made before ``of(unit)`` may go; nothing at or after it."""

    default: datetime  # now − 3 years: units no protecting lot ever entered
    by_unit: dict[str, datetime]  # units a protecting lot entered earlier than that

    def of(self, unit_code: str) -> datetime:
        return self.by_unit.get(unit_code, self.default)


def retention_horizons(uow: UnitOfWork, now: datetime) -> RetentionHorizons:
    default = oldest_kept(now)
    line, a, u, lot = m.MovementLine, m.Account, m.StorageUnit, m.Lot
    stmt = (
        select(u.code, func.min(line.occurred_at))
        .join(a, a.id == line.account_id)
        .join(u, u.id == a.storage_unit_id)
        .join(lot, lot.id == line.lot_id)
        .where(a.kind.in_(["stock", "quarantine"]), lot.expiry >= last_protected_expiry(now))
        .group_by(u.code)
    )
    with uow:
        first_protected = {code: first for code, first in uow.session.execute(stmt)}
    return RetentionHorizons(
        default,
        {code: first for code, first in first_protected.items() if first < default},
    )
