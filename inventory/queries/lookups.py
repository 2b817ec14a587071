"""Look-ups by id, code or lot number, returning the same frozen views the services return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, select

from inventory import models as m
from inventory.errors import NotFound
from inventory.results import (
    FacilityView,
    LotView,
    MovementView,
    ProductView,
    StorageUnitView,
    facility_view,
    lot_view,
    movement_view,
    product_view,
    storage_unit_view,
)
from inventory.unit_of_work import UnitOfWork

T = TypeVar("T", bound=m.Base)


@dataclass(frozen=True)
class MovementDetail:
    movement: MovementView
    reversed_by: int | None


def _first(uow: UnitOfWork, model: type[T], where: ColumnElement[bool], missing: str) -> T:
    """The first row of ``model`` that matches ``where`` (inside the caller's unit of work),
    or ``NotFound`` saying ``missing``."""
    row = uow.session.scalars(select(model).where(where)).first()
    if row is None:
        raise NotFound(missing)
    return row


def get_facility(uow: UnitOfWork, facility_id: int) -> FacilityView:
    with uow:
        return facility_view(uow.repo.get(m.Facility, facility_id, "facility"))


def facility_by_code(uow: UnitOfWork, code: str) -> FacilityView:
    with uow:
        missing = f"no facility with code {code!r}"
        return facility_view(_first(uow, m.Facility, m.Facility.code == code, missing))


def subtree(uow: UnitOfWork, facility_id: int) -> list[FacilityView]:
    """The facility and every facility below it, ordered by path."""
    with uow:
        root = uow.repo.get(m.Facility, facility_id, "facility")
        stmt = (
            select(m.Facility)
            .where(m.Facility.path.startswith(root.path))
            .order_by(m.Facility.path)
        )
        return [facility_view(f) for f in uow.session.scalars(stmt)]


def get_storage_unit(uow: UnitOfWork, unit_id: int) -> StorageUnitView:
    with uow:
        return storage_unit_view(uow.repo.get(m.StorageUnit, unit_id, "storage unit"))


def storage_unit_by_code(uow: UnitOfWork, code: str) -> StorageUnitView:
    with uow:
        missing = f"no storage unit with code {code!r}"
        return storage_unit_view(_first(uow, m.StorageUnit, m.StorageUnit.code == code, missing))


def storage_units_of(uow: UnitOfWork, facility_id: int) -> list[StorageUnitView]:
    with uow:
        stmt = select(m.StorageUnit).where(m.StorageUnit.facility_id == facility_id)
        return [
            storage_unit_view(u) for u in uow.session.scalars(stmt.order_by(m.StorageUnit.code))
        ]


def get_product(uow: UnitOfWork, product_id: int) -> ProductView:
    with uow:
        return product_view(uow.repo.get(m.Product, product_id, "product"))


def product_by_code(uow: UnitOfWork, code: str) -> ProductView:
    with uow:
        missing = f"no product with code {code!r}"
        return product_view(_first(uow, m.Product, m.Product.code == code, missing))


def all_products(uow: UnitOfWork) -> list[ProductView]:
    """Every registered product, by code (a programme has tens, not thousands)."""
    with uow:
        stmt = select(m.Product).order_by(m.Product.code)
        return [product_view(p) for p in uow.session.scalars(stmt)]


def product_by_gtin(uow: UnitOfWork, gtin: str) -> ProductView:
    with uow:
        missing = f"no product with GTIN {gtin}"
        return product_view(_first(uow, m.Product, m.Product.gtin == gtin, missing))


def get_lot(uow: UnitOfWork, lot_id: int) -> LotView:
    with uow:
        return lot_view(uow.repo.get(m.Lot, lot_id, "lot"))


def find_lots(
    uow: UnitOfWork, lot_number: str, product_id: int | None = None, expiry: date | None = None
) -> list[LotView]:
    """Lots with this number (several when products share it), optionally narrowed."""
    with uow:
        stmt = select(m.Lot).where(m.Lot.lot_number == lot_number.strip())
        if product_id is not None:
            stmt = stmt.where(m.Lot.product_id == product_id)
        if expiry is not None:
            stmt = stmt.where(m.Lot.expiry == expiry)
        return [lot_view(lot) for lot in uow.session.scalars(stmt.order_by(m.Lot.id))]


def get_movement(uow: UnitOfWork, movement_id: int) -> MovementDetail:
    with uow:
        row = uow.repo.get(m.Movement, movement_id, "movement")
        view = movement_view(row, uow.repo.movement_lines(movement_id))
        return MovementDetail(view, uow.repo.reversal_of(movement_id))
