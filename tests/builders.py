"""Small builders for ledger tests: a facility tree, products, lots, units and stock.

Everything goes through the services, so built data is exactly what production writes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from coldchain.db import make_session_factory
from inventory import services
from inventory.commands import (
    CreateFacility,
    CreateProduct,
    CreateShipment,
    CreateStorageUnit,
    ReceiveFromSupplier,
    RegisterLot,
)
from inventory.results import FacilityView, LotView, ProductView, ShipmentView, StorageUnitView
from inventory.unit_of_work import UnitOfWork

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{next(_keys)}"


def make_uow(engine: Engine, clock_at: datetime | None = None) -> UnitOfWork:
    if clock_at is None:
        return UnitOfWork(make_session_factory(engine))
    return UnitOfWork(make_session_factory(engine), clock=lambda: clock_at)


@dataclass
class Site:
    facility: FacilityView
    units: list[StorageUnitView] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.facility.id

    @property
    def unit(self) -> StorageUnitView:
        return self.units[0]


@dataclass
class Tree:
    province: Site
    cities: list[Site]
    counties: list[Site]
    clinics: list[Site]

    def all(self) -> list[Site]:
        return [self.province, *self.cities, *self.counties, *self.clinics]


def make_facility(
    uow: UnitOfWork,
    code: str,
    level: str,
    parent: Site | None = None,
    timezone: str = "Asia/Shanghai",
    units: int = 1,
) -> Site:
    facility = services.create_facility(
        uow,
        CreateFacility(code, f"{level} {code}", level, timezone, parent.id if parent else None),
    )
    site = Site(facility)
    for n in range(units):
        kind = "cold_room" if level in ("province", "city") else "fridge"
        site.units.append(
            services.create_storage_unit(
                uow, CreateStorageUnit(f"{code}-U{n + 1}", facility.id, kind)
            )
        )
    return site


def make_facility_tree(
    uow: UnitOfWork,
    *,
    cities: int = 1,
    counties_per_city: int = 1,
    clinics_per_county: int = 2,
    timezone: str = "Asia/Shanghai",
    units: int = 1,
    prefix: str = "GD",
) -> Tree:
    province = make_facility(uow, prefix, "province", None, timezone, units)
    tree = Tree(province, [], [], [])
    for c in range(cities):
        city = make_facility(uow, f"{prefix}-C{c + 1}", "city", province, timezone, units)
        tree.cities.append(city)
        for k in range(counties_per_city):
            county = make_facility(
                uow, f"{city.facility.code}-K{k + 1}", "county", city, timezone, units
            )
            tree.counties.append(county)
            for n in range(clinics_per_county):
                code = f"{county.facility.code}-TH{n + 1}"
                tree.clinics.append(make_facility(uow, code, "clinic", county, timezone, units))
    return tree


def make_product(
    uow: UnitOfWork, code: str = "MMR", doses_per_vial: int = 10, **fields: object
) -> ProductView:
    return services.create_product(
        uow,
        CreateProduct(
            code=code,
            name=str(fields.get("name", f"{code} vaccine")),
            manufacturer=str(fields.get("manufacturer", "Acme Biologicals")),
            doses_per_vial=doses_per_vial,
            profile=str(fields.get("profile", "2-8")),
            freeze_sensitive=bool(fields.get("freeze_sensitive", False)),
            gtin=fields.get("gtin"),  # type: ignore[arg-type]
        ),
    )


def make_lot(
    uow: UnitOfWork,
    product: ProductView,
    number: str = "L1",
    expiry: date = date(2030, 1, 31),
    vvm_stage: int | None = None,
) -> LotView:
    return services.register_lot(uow, RegisterLot(product.id, number, expiry, vvm_stage))


def stock_up(
    uow: UnitOfWork,
    unit: StorageUnitView,
    lot: LotView,
    doses: int,
    at: datetime = T0,
    user: str = "storekeeper",
) -> int:
    """Receive ``doses`` from the supplier into ``unit``; returns the movement id."""
    return services.receive_from_supplier(
        uow, ReceiveFromSupplier(unit.id, lot.id, doses, user, key("supply"), at)
    ).id


def make_shipment(
    uow: UnitOfWork, origin: Site, destination: Site, lead_time: timedelta = timedelta(hours=48)
) -> ShipmentView:
    return services.create_shipment(
        uow, CreateShipment(origin.id, destination.id, lead_time, "dispatcher")
    )


def assert_conserved(uow: UnitOfWork) -> None:
    """The ledger is sound and every lot's trace conserves exactly."""
    from sqlalchemy import select

    from inventory import models, queries

    assert queries.verify_ledger(uow) == []
    with uow:
        lot_ids = list(uow.session.scalars(select(models.Lot.id)))
    for lot_id in lot_ids:
        conservation = queries.trace_lot(uow, lot_id).conservation
        assert conservation.balanced, conservation
