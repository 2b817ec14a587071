"""Eligible populations: the people a site should vaccinate with a product in a calendar year,
the denominator of coverage in the daily doses report (rule 22).

Invariant: one row per (site, product, year); setting it again replaces it (who and when
kept). A load of many rows (a CSV file) is one transaction: every row is checked first, and
one bad row writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from inventory import models as m
from inventory.commands import SetEligiblePopulation
from inventory.domain.quantities import MAX_POPULATION, require_whole
from inventory.errors import InvalidInput
from inventory.results import EligiblePopulationView, eligible_population_view
from inventory.services._runner import once_more_if_raced, required_text
from inventory.unit_of_work import UnitOfWork

MAX_ROWS = 20_000


def set_eligible_populations(
    uow: UnitOfWork, commands: Sequence[SetEligiblePopulation]
) -> list[EligiblePopulationView]:
    """Set every row, in one transaction (all or nothing)."""
    if not 1 <= len(commands) <= MAX_ROWS:
        raise InvalidInput(f"give 1 to {MAX_ROWS} eligible populations at once")
    seen: set[tuple[int, int, int]] = set()
    for n, command in enumerate(commands, start=1):
        where = f"row {n}: " if len(commands) > 1 else ""
        required_text(command.user, "user")
        try:
            require_whole(command.population, "population", least=0, most=MAX_POPULATION)
            require_whole(command.year, "year", least=1900, most=2199)
            uow.window.check_day("year", date(command.year, 1, 1))
        except InvalidInput as exc:
            raise InvalidInput(f"{where}{exc}") from None
        identity = (command.facility_id, command.product_id, command.year)
        if identity in seen:
            raise InvalidInput(f"{where}the same site, product and year appear twice")
        seen.add(identity)
    return once_more_if_raced(lambda: _upsert(uow, commands))


def _upsert(
    uow: UnitOfWork, commands: Sequence[SetEligiblePopulation]
) -> list[EligiblePopulationView]:
    with uow:
        views = []
        for command in commands:
            facility = uow.repo.get(m.Facility, command.facility_id, "facility")
            product = uow.repo.get(m.Product, command.product_id, "product")
            e = m.EligiblePopulation
            row = uow.session.scalars(
                select(e)
                .where(
                    e.facility_id == facility.id,
                    e.product_id == product.id,
                    e.year == command.year,
                )
                .with_for_update()
            ).one_or_none()
            if row is None:
                row = m.EligiblePopulation(
                    facility_id=facility.id, product_id=product.id, year=command.year
                )
            row.population = command.population
            row.set_by = command.user
            row.set_at = uow.clock()
            uow.repo.add(row)
            views.append(eligible_population_view(row))
        uow.commit()
        return views
