"""Shipment rows: lines dispatched, received and returned per lot, and receipt discrepancies.

Invariant: a shipment's lines mirror its standing dispatch, receipt and return receipt
movements (they are cleared when those movements are reversed); discrepancy rows keep the
movement they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import aliased

from inventory import models as m
from inventory.domain.shipments import Discrepancy
from inventory.errors import NotFound
from inventory.repository.base import RepositoryBase


class ShipmentRows(RepositoryBase):
    # -- shipments --------------------------------------------------------------------------

    def set_shipment_lines(self, shipment_id: int, dispatched: Mapping[int, int]) -> None:
        self.session.execute(
            insert(m.ShipmentLine),
            [
                {"shipment_id": shipment_id, "lot_id": lot, "dispatched_doses": d}
                for lot, d in sorted(dispatched.items())
            ],
        )

    def clear_shipment_lines(self, shipment_id: int) -> None:
        self.session.execute(
            delete(m.ShipmentLine).where(m.ShipmentLine.shipment_id == shipment_id)
        )

    def record_received(self, shipment_id: int, received: Mapping[int, int]) -> None:
        existing = set(
            self.session.scalars(
                select(m.ShipmentLine.lot_id).where(m.ShipmentLine.shipment_id == shipment_id)
            )
        )
        for lot_id, doses in sorted(received.items()):
            if lot_id in existing:
                self.session.execute(
                    update(m.ShipmentLine)
                    .where(
                        m.ShipmentLine.shipment_id == shipment_id, m.ShipmentLine.lot_id == lot_id
                    )
                    .values(received_doses=doses)
                )
            else:
                self.session.execute(
                    insert(m.ShipmentLine).values(
                        shipment_id=shipment_id,
                        lot_id=lot_id,
                        dispatched_doses=0,
                        received_doses=doses,
                    )
                )

    def clear_received(self, shipment_id: int) -> None:
        line = m.ShipmentLine
        self.session.execute(
            delete(line).where(line.shipment_id == shipment_id, line.dispatched_doses == 0)
        )
        self.session.execute(
            update(line).where(line.shipment_id == shipment_id).values(received_doses=None)
        )

    def record_returned(self, shipment_id: int, returned: Mapping[int, int]) -> None:
        """The doses the sender counted back of a refused shipment, per lot (a lot that was
        not dispatched gets a line of its own)."""
        line = m.ShipmentLine
        existing = set(
            self.session.scalars(select(line.lot_id).where(line.shipment_id == shipment_id))
        )
        for lot_id, doses in sorted(returned.items()):
            if lot_id in existing:
                self.session.execute(
                    update(line)
                    .where(line.shipment_id == shipment_id, line.lot_id == lot_id)
                    .values(returned_doses=doses)
                )
            else:
                self.session.execute(
                    insert(line).values(
                        shipment_id=shipment_id,
                        lot_id=lot_id,
                        dispatched_doses=0,
                        returned_doses=doses,
                    )
                )

    def clear_returned(self, shipment_id: int) -> None:
        line = m.ShipmentLine
        self.session.execute(
            delete(line).where(
                line.shipment_id == shipment_id,
                line.dispatched_doses == 0,
                line.received_doses.is_(None),
            )
        )
        self.session.execute(
            update(line).where(line.shipment_id == shipment_id).values(returned_doses=None)
        )

    def dispatched_lots(self, shipment_id: int) -> dict[int, int]:
        line = m.ShipmentLine
        stmt = select(line.lot_id, line.dispatched_doses).where(
            line.shipment_id == shipment_id, line.dispatched_doses > 0
        )
        return {lot: doses for lot, doses in self.session.execute(stmt)}

    def standing_movement(self, shipment_id: int, kind: str) -> m.Movement | None:
        """The shipment's latest movement of ``kind`` that no reversal undid."""
        reversal = aliased(m.Movement)
        stmt = (
            select(m.Movement)
            .outerjoin(reversal, reversal.reverses_movement_id == m.Movement.id)
            .where(
                m.Movement.shipment_id == shipment_id,
                m.Movement.kind == kind,
                reversal.id.is_(None),
            )
            .order_by(m.Movement.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def dispatch_unit(self, shipment_id: int) -> int:
        """The storage unit the shipment's standing dispatch drew from."""
        reversal = aliased(m.Movement)
        reversed_ = select(reversal.reverses_movement_id).where(
            reversal.reverses_movement_id.is_not(None)
        )
        stmt = (
            select(m.Account.storage_unit_id)
            .join(m.MovementLine, m.MovementLine.account_id == m.Account.id)
            .join(m.Movement, m.Movement.id == m.MovementLine.movement_id)
            .where(
                m.Movement.shipment_id == shipment_id,
                m.Movement.kind == "dispatch",
                m.Movement.id.not_in(reversed_),
                m.Account.kind == "stock",
            )
            .limit(1)
        )
        unit = self.session.scalar(stmt)
        if unit is None:
            raise NotFound(f"shipment {shipment_id} has no standing dispatch")
        return unit

    def add_discrepancies(
        self, shipment_id: int, movement_id: int, discrepancies: Iterable[Discrepancy]
    ) -> None:
        rows = [
            {
                "shipment_id": shipment_id,
                "movement_id": movement_id,
                "lot_id": d.lot_id,
                "kind": d.kind.value,
                "dispatched_doses": d.dispatched,
                "received_doses": d.received,
                "reason": d.reason,
            }
            for d in discrepancies
        ]
        if rows:
            self.session.execute(insert(m.ShipmentDiscrepancy), rows)

    def discrepancies_of(self, movement_id: int) -> list[m.ShipmentDiscrepancy]:
        stmt = (
            select(m.ShipmentDiscrepancy)
            .where(m.ShipmentDiscrepancy.movement_id == movement_id)
            .order_by(m.ShipmentDiscrepancy.id)
        )
        return list(self.session.scalars(stmt))
