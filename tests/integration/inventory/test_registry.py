"""Facilities, storage units, products and lots: codes, paths, time zones, lot identity."""

from __future__ import annotations

from datetime import date

import pytest

from inventory import queries, services
from inventory.commands import CreateFacility, CreateStorageUnit, RegisterLot
from inventory.errors import InvalidInput, NotFound
from inventory.unit_of_work import UnitOfWork
from tests.builders import make_facility_tree, make_lot, make_product


def test_paths_list_the_ancestors_and_subtrees_are_prefix_queries(uow: UnitOfWork) -> None:
    tree = make_facility_tree(uow, cities=2, counties_per_city=1, clinics_per_county=2)
    clinic = tree.clinics[3]
    assert clinic.facility.path == (
        f"/{tree.province.id}/{tree.cities[1].id}/{tree.counties[1].id}/{clinic.id}/"
    )
    below_city = [f.id for f in queries.subtree(uow, tree.cities[1].id)]
    assert below_city == [tree.cities[1].id, tree.counties[1].id, tree.clinics[2].id, clinic.id]
    assert len(queries.subtree(uow, tree.province.id)) == 1 + 2 + 2 + 4


def test_facility_rules_are_enforced_with_a_message(uow: UnitOfWork) -> None:
    tree = make_facility_tree(uow, cities=1, counties_per_city=1, clinics_per_county=1)
    with pytest.raises(InvalidInput, match="facility code 'GD' is already used"):
        services.create_facility(uow, CreateFacility("GD", "again", "province", "Asia/Shanghai"))
    with pytest.raises(InvalidInput, match="not an IANA time zone"):
        services.create_facility(
            uow, CreateFacility("X1", "x", "clinic", "China/Beijing", tree.counties[0].id)
        )
    with pytest.raises(InvalidInput, match="a city cannot sit under a clinic"):
        services.create_facility(
            uow, CreateFacility("X2", "x", "city", "Asia/Shanghai", tree.clinics[0].id)
        )
    with pytest.raises(NotFound, match="facility 9999 does not exist"):
        services.create_facility(uow, CreateFacility("X3", "x", "clinic", "Asia/Shanghai", 9999))
    with pytest.raises(InvalidInput, match="storage unit code 'GD-U1' is already used"):
        services.create_storage_unit(uow, CreateStorageUnit("GD-U1", tree.province.id, "fridge"))
    with pytest.raises(InvalidInput, match="storage unit kind 'shelf'"):
        services.create_storage_unit(uow, CreateStorageUnit("GD-U9", tree.province.id, "shelf"))
    assert queries.storage_unit_by_code(uow, "GD-U1").facility_id == tree.province.id
    assert queries.facility_by_code(uow, tree.clinics[0].facility.code).level == "clinic"


def test_a_lot_is_product_number_and_expiry(uow: UnitOfWork) -> None:
    mmr = make_product(uow, "MMR", gtin="09501101530003")
    bcg = make_product(uow, "BCG")
    first = make_lot(uow, mmr, " K2024 ", date(2026, 5, 31))
    again = services.register_lot(uow, RegisterLot(mmr.id, "K2024", date(2026, 5, 31)))
    assert again == first and first.lot_number == "K2024"
    other_expiry = make_lot(uow, mmr, "K2024", date(2026, 6, 30))
    other_product = make_lot(uow, bcg, "K2024", date(2026, 5, 31))
    assert len({first.id, other_expiry.id, other_product.id}) == 3
    assert {lot.id for lot in queries.find_lots(uow, "K2024")} == {
        first.id,
        other_expiry.id,
        other_product.id,
    }
    assert [lot.id for lot in queries.find_lots(uow, "K2024", product_id=bcg.id)] == [
        other_product.id
    ]
    assert queries.product_by_gtin(uow, "09501101530003").id == mmr.id
    with pytest.raises(InvalidInput, match="GTIN '09501101530003' is already used"):
        make_product(uow, "MMR2", gtin="09501101530003")
    with pytest.raises(InvalidInput, match="wrong check digit"):
        make_product(uow, "MMR3", gtin="09501101530004")
