"""Recall rows: who holds a lot, locked for the recall, and who held it when it was recorded.

Invariant: "as recorded" means lines up to the recall movement's id, so the answer never
changes afterwards (every movement locks its lots; a recall locks its lot exclusively).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from inventory import models as m
from inventory.errors import NotFound
from inventory.repository.base import RepositoryBase


class RecallRows(RepositoryBase):
    # -- recalls ----------------------------------------------------------------------------

    def lock_usable_holdings(self, lot_id: int) -> list[tuple[int, int, int, int]]:
        """(facility, unit, lot, doses) of every unit holding usable doses of the lot, locked."""
        b, a = m.Balance, m.Account
        stmt = (
            select(a.facility_id, a.storage_unit_id, b.lot_id, b.doses)
            .join(a, a.id == b.account_id)
            .where(b.lot_id == lot_id, a.kind == "stock", b.doses > 0)
            .order_by(b.account_id)
            .with_for_update(of=b)
        )
        return [(int(f or 0), int(u or 0), lot, d) for f, u, lot, d in self.session.execute(stmt)]

    def recalled_lot(self, movement_id: int) -> int:
        stmt = select(m.Lot.id).where(m.Lot.recall_movement_id == movement_id)
        lot_id = self.session.scalar(stmt)
        if lot_id is None:
            raise NotFound(f"movement {movement_id} is not a recall")
        return lot_id

    @staticmethod
    def _recorded_by(movement: m.Movement) -> Any:
        """Lines recorded up to ``movement`` (ids grow in commit order for one lot: every
        movement locks its lots, and a recall locks its lot exclusively)."""
        return m.MovementLine.movement_id <= movement.id

    def physical_holders_at(
        self, lot_id: int, movement: m.Movement
    ) -> list[tuple[int, str, int, str, int]]:
        """Units physically holding the lot as recorded just after ``movement``."""
        line, a, u, f = m.MovementLine, m.Account, m.StorageUnit, m.Facility
        total = func.sum(line.doses)
        stmt = (
            select(f.id, f.code, u.id, u.code, total)
            .join(a, a.id == line.account_id)
            .join(u, u.id == a.storage_unit_id)
            .join(f, f.id == u.facility_id)
            .where(
                line.lot_id == lot_id,
                a.kind.in_(["stock", "quarantine"]),
                self._recorded_by(movement),
            )
            .group_by(f.id, f.code, u.id, u.code)
            .having(total > 0)
            .order_by(f.code, u.code)
        )
        return [(fid, fc, uid, uc, int(d)) for fid, fc, uid, uc, d in self.session.execute(stmt)]

    def in_transit_at(self, lot_id: int, movement: m.Movement) -> list[tuple[int, int, int, int]]:
        """(shipment, origin, destination, doses) of the lot in transit as recorded then."""
        line, a, s = m.MovementLine, m.Account, m.Shipment
        total = func.sum(line.doses)
        stmt = (
            select(s.id, s.origin_facility_id, s.destination_facility_id, total)
            .join(a, a.id == line.account_id)
            .join(s, s.id == a.shipment_id)
            .where(line.lot_id == lot_id, a.kind == "in_transit", self._recorded_by(movement))
            .group_by(s.id, s.origin_facility_id, s.destination_facility_id)
            .having(total > 0)
            .order_by(s.id)
        )
        return [(sid, o, d, int(n)) for sid, o, d, n in self.session.execute(stmt)]
