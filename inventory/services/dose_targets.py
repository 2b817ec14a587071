"""Dose targets: how many doses of a product's dose number a site should give per day over
a period, and the population that dose is meant to cover (the daily doses report, rule 22).

Invariant: the periods of one (site, product, dose number) never overlap, so each local day
has at most one target; setting a target with the same period start replaces it.
"""

from __future__ import annotations

from inventory import models as m
from inventory.commands import SetDoseTarget
from inventory.domain.quantities import (
    MAX_DOSE_NUMBER,
    MAX_POPULATION,
    require_doses,
    require_whole,
)
from inventory.errors import InvalidInput
from inventory.results import DoseTargetView, dose_target_view
from inventory.services._runner import once_more_if_raced, required_text
from inventory.unit_of_work import UnitOfWork

PERIOD = ("period_start", "period_end")


def set_dose_target(uow: UnitOfWork, command: SetDoseTarget) -> DoseTargetView:
    user = required_text(command.user, "user")
    _check(command)
    uow.window.check_days(command.period_start, command.period_end, PERIOD)
    return once_more_if_raced(lambda: _upsert(uow, command, user))


def _check(command: SetDoseTarget) -> None:
    require_whole(command.dose_number, "dose_number", least=1, most=MAX_DOSE_NUMBER)
    require_doses(command.daily_target, "daily_target", least=0)
    if command.target_population is not None:
        require_whole(command.target_population, "target_population", least=0, most=MAX_POPULATION)


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
