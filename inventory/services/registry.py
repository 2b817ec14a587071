"""Registering what the ledger talks about: facilities, storage units, products and lots.

Invariants: codes are unique; a facility's ``path`` is set from its parent's in the same
transaction; a child sits below its parent's level; a lot is identified by (product, lot
number, expiry) and registering it twice returns the same lot; a VVM stage given at
registration is the lot's first VVM observation (``inventory.services.vvm``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from inventory import models as m
from inventory.commands import (
    CreateFacility,
    CreateProduct,
    CreateStorageUnit,
    RecordVvmObservation,
    RegisterLot,
)
from inventory.domain.facilities import (
    FacilityLevel,
    Profile,
    StorageKind,
    check_parent,
    child_path,
    parse_enum,
    validate_timezone,
)
from inventory.domain.lots import normalise_lot_number, validate_gtin, validate_vvm_stage
from inventory.domain.quantities import MAX_DOSES_PER_VIAL, require_whole
from inventory.domain.transit import refuse_transit_code
from inventory.errors import InvalidInput
from inventory.results import (
    FacilityView,
    LotView,
    ProductView,
    StorageUnitView,
    facility_view,
    lot_view,
    product_view,
    storage_unit_view,
)
from inventory.services._runner import required_text
from inventory.services.vvm import add_reading
from inventory.unit_of_work import UnitOfWork

R = TypeVar("R")


def _transaction(uow: UnitOfWork, work: Callable[[], R], taken: str) -> R:
    """Run ``work`` in one transaction; a unique constraint that fires becomes InvalidInput."""
    try:
        with uow:
            result = work()
            uow.commit()
            return result
    except IntegrityError as exc:
        raise InvalidInput(f"{taken} already exists") from exc


def create_facility(uow: UnitOfWork, command: CreateFacility) -> FacilityView:
    code = required_text(command.code, "a facility code")
    level = parse_enum(FacilityLevel, command.level, "facility level")
    validate_timezone(command.timezone)

    def work() -> FacilityView:
        _require_free(uow, m.Facility, "code", code, "facility code")
        parent = None
        if command.parent_id is not None:
            parent = uow.repo.get(m.Facility, command.parent_id, "facility")
            check_parent(level, FacilityLevel(parent.level))
        row = m.Facility(
            code=code,
            name=required_text(command.name, "a facility name"),
            level=level.value,
            parent_id=command.parent_id,
            timezone=command.timezone,
            path="",
        )
        uow.repo.add(row)
        row.path = child_path(parent.path if parent else None, row.id)
        uow.session.flush()
        return facility_view(row)

    return _transaction(uow, work, f"facility {code}")


def create_storage_unit(uow: UnitOfWork, command: CreateStorageUnit) -> StorageUnitView:
    code = required_text(command.code, "a storage unit code")
    refuse_transit_code(code)
    kind = parse_enum(StorageKind, command.kind, "storage unit kind")
    profile = parse_enum(Profile, command.profile, "temperature profile")

    def work() -> StorageUnitView:
        _require_free(uow, m.StorageUnit, "code", code, "storage unit code")
        uow.repo.get(m.Facility, command.facility_id, "facility")
        row = m.StorageUnit(
            code=code,
            facility_id=command.facility_id,
            kind=kind.value,
            profile=profile.value,
            name=command.name.strip() or code,
        )
        uow.repo.add(row)
        return storage_unit_view(row)

    return _transaction(uow, work, f"storage unit {code}")


def create_product(uow: UnitOfWork, command: CreateProduct) -> ProductView:
    code = required_text(command.code, "a product code")
    gtin = validate_gtin(command.gtin)
    require_whole(command.doses_per_vial, "doses_per_vial", least=1, most=MAX_DOSES_PER_VIAL)
    profile = parse_enum(Profile, command.profile, "temperature profile")

    def work() -> ProductView:
        _require_free(uow, m.Product, "code", code, "product code")
        if gtin is not None:
            _require_free(uow, m.Product, "gtin", gtin, "GTIN")
        row = m.Product(
            code=code,
            name=required_text(command.name, "a product name"),
            manufacturer=required_text(command.manufacturer, "a manufacturer"),
            gtin=gtin,
            doses_per_vial=command.doses_per_vial,
            profile=profile.value,
            freeze_sensitive=bool(command.freeze_sensitive),
        )
        uow.repo.add(row)
        return product_view(row)

    return _transaction(uow, work, f"product {code}")


def register_lot(uow: UnitOfWork, command: RegisterLot) -> LotView:
    """Get or create the lot; a ``vvm_stage`` is recorded as a VVM observation at
    ``facility_id`` (on a new lot or an existing one, which it can only raise)."""
    number = normalise_lot_number(command.lot_number)
    stage = validate_vvm_stage(command.vvm_stage)
    uow.window.check_day("expiry", command.expiry)
    if stage is not None:
        if command.facility_id is None:
            raise InvalidInput("a vvm_stage at registration needs the facility that read it")
        required_text(command.user, "user")

    def work() -> LotView:
        uow.repo.get(m.Product, command.product_id, "product")
        existing = uow.repo.find_lot(command.product_id, number, command.expiry)
        if existing is not None and stage is None:
            return lot_view(existing)
        if existing is None:
            existing = m.Lot(
                product_id=command.product_id, lot_number=number, expiry=command.expiry
            )
            uow.repo.add(existing)
            uow.session.flush()
        if stage is not None:
            lot = uow.repo.lock_lots([existing.id], exclusive=True)[existing.id]
            assert command.facility_id is not None
            reading = RecordVvmObservation(
                lot.id, stage, "read at registration", command.user, command.facility_id
            )
            add_reading(uow, lot, stage, reading.reason, command.user, reading)
        return lot_view(existing)

    try:
        return _transaction(uow, work, f"lot {number}")
    except InvalidInput as exc:
        if "already exists" not in str(exc):
            raise
        # Registered concurrently: it exists now; record the reading (if any) on it.
        return _transaction(uow, work, f"lot {number}")


def _require_free(uow: UnitOfWork, model: type[m.Base], column: str, value: str, what: str) -> None:
    if uow.repo.exists(model, column, value):
        raise InvalidInput(f"{what} {value!r} is already used")
