"""Dose targets: how many doses of a product's dose number a site should give per day over
a period, and the population that dose is meant to cover (the daily doses report, rule 22).

Invariant: the periods of one (site, product, dose number) never overlap, so each local day
has at most one target; setting a target with the same period start replaces it.
"""

from __future__ import annotations

from inventory import models as m
from inventory.commands import SetDoseTarget
from inventory.errors import InvalidInput
from inventory.results import DoseTargetView, dose_target_view
from inventory.services._runner import once_more_if_raced, required_text
from inventory.unit_of_work import UnitOfWork


def set_dose_target(uow: UnitOfWork, command: SetDoseTarget) -> DoseTargetView:
    user = required_text(command.user, "user")
    _check(command)
    return once_more_if_raced(lambda: _upsert(uow, command, user))


def _check(command: SetDoseTarget) -> None:
    def whole(value: object, name: str, least: int) -> None:
        if type(value) is not int or value < least:
            raise InvalidInput(f"{name} must be an integer ≥ {least}, got {value!r}")

    whole(command.dose_number, "dose_number", 1)
    whole(command.daily_target, "daily_target", 0)
    if command.target_population is not None:
        whole(command.target_population, "target_population", 0)
    if command.period_end < command.period_start:
        raise InvalidInput("a target period cannot end before it starts")


def _upsert(uow: UnitOfWork, command: SetDoseTarget, user: str) -> DoseTargetView:
    with uow:
        facility = uow.repo.get(m.Facility, command.facility_id, "facility")
        product = uow.repo.get(m.Product, command.product_id, "product")
        row = None
        for target in uow.repo.dose_targets_for_update(
            facility.id, product.id, command.dose_number
        ):
            if target.period_start == command.period_start:
                row = target
            elif (
                target.period_start <= command.period_end
                and command.period_start <= target.period_end
            ):
                raise InvalidInput(
                    f"{facility.code} already has a target for {product.code} dose"
                    f" {command.dose_number} from {target.period_start} to {target.period_end};"
                    " periods of one dose may not overlap (end that one first)"
                )
        if row is None:
            row = m.DoseTarget(
                facility_id=facility.id,
                product_id=product.id,
                dose_number=command.dose_number,
                period_start=command.period_start,
            )
        row.period_end = command.period_end
        row.daily_target = command.daily_target
        row.target_population = command.target_population
        row.set_by = user
        row.set_at = uow.clock()
        uow.repo.add(row)
        view = dose_target_view(row)
        uow.commit()
        return view
