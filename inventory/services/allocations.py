"""Allocations: quotas of a product per facility and period, set by the level above.

Invariant: one quota per (facility, product, period start); only the facility's parent
sets it; setting it again replaces the figure.
"""

from __future__ import annotations

from inventory import models as m
from inventory.commands import SetAllocation
from inventory.domain.quantities import require_doses
from inventory.errors import InvalidInput
from inventory.results import AllocationView, allocation_view
from inventory.services._runner import once_more_if_raced, required_text
from inventory.unit_of_work import UnitOfWork

PERIOD = ("period_start", "period_end")


def set_allocation(uow: UnitOfWork, command: SetAllocation) -> AllocationView:
    user = required_text(command.user, "user")
    require_doses(command.doses, "an allocation's doses", least=0)
    uow.window.check_days(command.period_start, command.period_end, PERIOD)
    return once_more_if_raced(lambda: _upsert(uow, command, user))


def _upsert(uow: UnitOfWork, command: SetAllocation, user: str) -> AllocationView:
    with uow:
        facility = uow.repo.get(m.Facility, command.facility_id, "facility")
        uow.repo.get(m.Product, command.product_id, "product")
        if facility.parent_id != command.set_by_facility_id:
            raise InvalidInput(
                f"facility {facility.code}'s quota is set by its parent facility "
                f"({facility.parent_id}), not by facility {command.set_by_facility_id}"
            )
        row = uow.repo.allocation_for_update(facility.id, command.product_id, command.period_start)
        if row is None:
            row = m.Allocation(
                facility_id=facility.id,
                product_id=command.product_id,
                period_start=command.period_start,
            )
        row.period_end = command.period_end
        row.doses = command.doses
        row.set_by_facility_id = command.set_by_facility_id
        row.set_by = user
        row.set_at = uow.clock()
        uow.repo.add(row)
        view = allocation_view(row)
        uow.commit()
        return view
