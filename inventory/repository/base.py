"""The repository's base: the session, entity look-ups and row locks shared by all parts.

Invariant: lots are locked in id order (shared to issue, exclusive to recall) before any
balance row, so every writer takes locks in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from inventory import models as m
from inventory.errors import NotFound

T = TypeVar("T", bound=m.Base)


class RepositoryBase:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self._account_cache: dict[str, int] = {}  # accounts are never deleted or changed
        self._account_facts_cache: dict[int, tuple[str, int | None]] = {}  # kind, facility
        self._lot_product_cache: dict[int, int] = {}  # a lot's product never changes

    # -- entities ---------------------------------------------------------------------------

    def add(self, row: m.Base) -> None:
        self.session.add(row)
        self.session.flush()

    def get(self, model: type[T], row_id: int, what: str, *, lock: bool = False) -> T:
        row = self.session.get(model, row_id, with_for_update=lock, populate_existing=lock)
        if row is None:
            raise NotFound(f"{what} {row_id} does not exist")
        return row

    def exists(self, model: type[m.Base], column: str, value: object) -> bool:
        stmt = select(model.__table__.c.id).where(model.__table__.c[column] == value).limit(1)  # type: ignore[attr-defined]
        return self.session.execute(stmt).first() is not None

    def find_lot(self, product_id: int, lot_number: str, expiry: date) -> m.Lot | None:
        stmt = select(m.Lot).where(
            m.Lot.product_id == product_id, m.Lot.lot_number == lot_number, m.Lot.expiry == expiry
        )
        return self.session.scalars(stmt).first()

    def allocation_for_update(
        self, facility_id: int, product_id: int, period_start: date
    ) -> m.Allocation | None:
        stmt = (
            select(m.Allocation)
            .where(
                m.Allocation.facility_id == facility_id,
                m.Allocation.product_id == product_id,
                m.Allocation.period_start == period_start,
            )
            .with_for_update()
        )
        return self.session.scalars(stmt).first()

    def dose_targets_for_update(
        self, facility_id: int, product_id: int, dose_number: int
    ) -> list[m.DoseTarget]:
        stmt = (
            select(m.DoseTarget)
            .where(
                m.DoseTarget.facility_id == facility_id,
                m.DoseTarget.product_id == product_id,
                m.DoseTarget.dose_number == dose_number,
            )
            .order_by(m.DoseTarget.period_start)
            .with_for_update()
        )
        return list(self.session.scalars(stmt))

    def shipment_by_key(self, key: str) -> m.Shipment | None:
        stmt = select(m.Shipment).where(m.Shipment.idempotency_key == key)
        return self.session.scalars(stmt).first()

    def storage_unit_by_code(self, code: str) -> m.StorageUnit:
        row = self.session.scalars(select(m.StorageUnit).where(m.StorageUnit.code == code)).first()
        if row is None:
            raise NotFound(f"storage unit {code!r} does not exist")
        return row

    def movement_by_key(self, key: str) -> m.Movement | None:
        stmt = select(m.Movement).where(m.Movement.idempotency_key == key)
        return self.session.scalars(stmt).first()

    def lock_lots(self, lot_ids: Iterable[int], *, exclusive: bool = False) -> dict[int, m.Lot]:
        """Lock lot rows in id order and return them by id.

        Issuing takes a shared lock (``FOR SHARE``), a recall an exclusive one, so that a
        recall and an issue of the same lot never interleave; lots are always locked before
        balances.
        """
        ids = sorted(set(lot_ids))
        if not ids:
            return {}
        stmt = (
            select(m.Lot)
            .where(m.Lot.id.in_(ids))
            .order_by(m.Lot.id)
            .with_for_update(read=not exclusive)
            .execution_options(populate_existing=True)
        )
        lots = {lot.id: lot for lot in self.session.scalars(stmt)}
        missing = [i for i in ids if i not in lots]
        if missing:
            raise NotFound(f"lot {missing[0]} does not exist")
        return lots

    # -- movements --------------------------------------------------------------------------

    def movement_lines(self, movement_id: int) -> list[tuple[m.MovementLine, m.Account]]:
        stmt = (
            select(m.MovementLine, m.Account)
            .join(m.Account, m.Account.id == m.MovementLine.account_id)
            .where(m.MovementLine.movement_id == movement_id)
            .order_by(m.MovementLine.id)
        )
        return [(ln, acct) for ln, acct in self.session.execute(stmt)]

    def reversal_of(self, movement_id: int) -> int | None:
        stmt = select(m.Movement.id).where(m.Movement.reverses_movement_id == movement_id)
        return self.session.scalars(stmt).first()

    # -- helpers ----------------------------------------------------------------------------

    def _insert(self, table: Any) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def product_code(self, product_id: int) -> str:
        code = self.session.scalar(select(m.Product.code).where(m.Product.id == product_id))
        return code or f"#{product_id}"

    def lot_number(self, lot_id: int) -> str:
        number = self.session.scalar(select(m.Lot.lot_number).where(m.Lot.id == lot_id))
        return number or f"#{lot_id}"
