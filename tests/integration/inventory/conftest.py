"""A unit of work on the per-test database, and a small world to move vaccine around in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine

from inventory.results import LotView, ProductView, StorageUnitView
from inventory.unit_of_work import UnitOfWork
from tests.builders import Tree, make_facility_tree, make_lot, make_product, make_uow


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return make_uow(engine)


@dataclass
class World:
    tree: Tree
    mmr: ProductView
    early: LotView  # expires first
    late: LotView

    @property
    def store(self) -> StorageUnitView:
        """The province's first storage unit."""
        return self.tree.province.unit


@pytest.fixture
def world(uow: UnitOfWork) -> World:
    tree = make_facility_tree(uow, cities=1, counties_per_city=1, clinics_per_county=2, units=2)
    mmr = make_product(uow, "MMR", doses_per_vial=10)
    late = make_lot(uow, mmr, "LATE1", date(2030, 6, 30))
    early = make_lot(uow, mmr, "EARLY1", date(2030, 1, 31))
    return World(tree, mmr, early, late)
