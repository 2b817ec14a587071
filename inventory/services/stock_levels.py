"""Stock levels: the minimum and maximum months of stock a facility should hold of a product
(rule 25), set by someone who may write at the facility.

Invariant: one row per (facility, product); setting it again replaces it (who and when
kept); 0 ≤ minimum ≤ maximum ≤ 36 months.
"""

from __future__ import annotations

from sqlalchemy import select

from inventory import models as m
from inventory.commands import SetStockLevel
from inventory.domain.stock_levels import check_levels
from inventory.results import StockLevelView, stock_level_view
from inventory.services._runner import once_more_if_raced, required_text
from inventory.unit_of_work import UnitOfWork


def set_stock_level(uow: UnitOfWork, command: SetStockLevel) -> StockLevelView:
    user = required_text(command.user, "user")
    check_levels(command.min_months, command.max_months)
    return once_more_if_raced(lambda: _upsert(uow, command, user))


def _upsert(uow: UnitOfWork, command: SetStockLevel, user: str) -> StockLevelView:
    with uow:
        facility = uow.repo.get(m.Facility, command.facility_id, "facility")
        product = uow.repo.get(m.Product, command.product_id, "product")
        row = uow.session.scalars(
            select(m.StockLevel)
            .where(m.StockLevel.facility_id == facility.id, m.StockLevel.product_id == product.id)
            .with_for_update()
        ).one_or_none()
        if row is None:
            row = m.StockLevel(facility_id=facility.id, product_id=product.id)
        row.min_months = command.min_months
        row.max_months = command.max_months
        row.set_by = user
        row.set_at = uow.clock()
        uow.repo.add(row)
        view = stock_level_view(row)
        uow.commit()
        return view
