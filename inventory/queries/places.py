"""Places by code: what telemetry and the alarms know of the ledger's storage units and
facility tree (they name both by code; the ledger by id and materialized path).

- ``unit_places(uow, codes)``: each known unit's profile, facility and time zone, in one
  query per 500 codes (a batch of units seen for the first time costs one round trip).
- ``facility_chain(uow, code)``: the facility and its ancestors up to the root, from its
  materialized path in one query (the escalation chain of an alarm).
- ``root_facilities(uow)``: the facilities with no parent (a province's store).
- ``facility_codes_under(uow, path)`` / ``unit_codes_under(uow, path)``: every facility or
  unit in a subtree (``None``: everywhere), one indexed ``LIKE 'path%'`` query each.
- ``subtree_rows(uow, path)``: the facilities of a subtree as plain rows, by path (the tree
  a subtree report rolls up), inside the caller's unit of work.
- ``facility_subtrees(uow, path)``: each facility of a subtree with the codes of its own
  subtree, from one read (the cold-chain performance report's roll-up).

Invariants: read-only, one short transaction each (``subtree_rows``: the caller's); an
unknown code is absent from the answer (``facility_chain`` raises ``NotFound``), never
guessed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select

from inventory import models as m
from inventory.domain.facilities import ancestor_ids, check_path
from inventory.errors import NotFound
from inventory.results import FacilityView, facility_view
from inventory.unit_of_work import UnitOfWork

_CHUNK = 500


@dataclass(frozen=True)
class UnitPlace:
    """A storage unit by code, with the facility it is in."""

    unit: str  # storage unit code
    storage_unit_id: int
    profile: str  # "2-8" | "freezer" | "ultracold"
    facility: str  # facility code
    facility_id: int
    time_zone: str  # the facility's IANA time zone


def unit_places(uow: UnitOfWork, unit_codes: Collection[str]) -> dict[str, UnitPlace]:
    """The known units among ``unit_codes``, by code."""
    codes = sorted(set(unit_codes))
    unit, facility = m.StorageUnit, m.Facility
    found: dict[str, UnitPlace] = {}
    for i in range(0, len(codes), _CHUNK):
        stmt = (
            select(unit.code, unit.id, unit.profile, facility.code, facility.id, facility.timezone)
            .join(facility, facility.id == unit.facility_id)
            .where(unit.code.in_(codes[i : i + _CHUNK]))
        )
        with uow:
            rows = uow.session.execute(stmt).all()
        for code, unit_id, profile, facility_code, facility_id, zone in rows:
            found[code] = UnitPlace(code, unit_id, profile, facility_code, facility_id, zone)
    return found


def facility_chain(uow: UnitOfWork, facility_code: str) -> list[str]:
    """``facility_code`` first, then each ancestor up to the root (clinic → … → province)."""
    with uow:
        path = uow.session.scalar(select(m.Facility.path).where(m.Facility.code == facility_code))
        if path is None:
            raise NotFound(f"facility {facility_code!r} does not exist")
        ids = ancestor_ids(path)
        stmt = select(m.Facility.id, m.Facility.code).where(m.Facility.id.in_(ids))
        codes = {facility_id: code for facility_id, code in uow.session.execute(stmt)}
    return [codes[i] for i in reversed(ids) if i in codes]


def facility_codes_under(uow: UnitOfWork, path: str | None) -> list[str]:
    """Every facility in the subtree at ``path`` (itself included), by path."""
    stmt = select(m.Facility.code).order_by(m.Facility.path)
    if path is not None:
        stmt = stmt.where(m.Facility.path.startswith(check_path(path)))
    with uow:
        return list(uow.session.scalars(stmt))


def facility_subtrees(uow: UnitOfWork, path: str) -> list[tuple[str, list[str]]]:
    """Every facility in the subtree at ``path`` (by path) with the codes of itself and of
    every facility below it: one read of the subtree (``subtree_rows``), not one per
    facility."""
    with uow:
        rows = subtree_rows(uow, check_path(path))
    below: dict[int, list[str]] = {row.id: [] for row in rows}
    for row in rows:
        for ancestor in ancestor_ids(row.path):
            if ancestor in below:
                below[ancestor].append(row.code)
    return [(row.code, below[row.id]) for row in rows]


def subtree_rows(uow: UnitOfWork, path: str) -> Sequence[Row[Any]]:
    """The facilities of the subtree at ``path`` (itself included), by path: ``id``,
    ``code``, ``name``, ``level``, ``parent_id``, ``path`` and ``timezone``. Run on the unit
    of work's connection, already open, without the ORM's row handling (a province has
    thousands)."""
    f = m.Facility
    stmt = (
        select(f.id, f.code, f.name, f.level, f.parent_id, f.path, f.timezone)
        .where(f.path.startswith(path))
        .order_by(f.path)
    )
    return list(uow.session.connection().execute(stmt))


def unit_codes_under(uow: UnitOfWork, path: str | None) -> list[str]:
    """Every storage unit of the facilities in the subtree at ``path``, by code."""
    stmt = select(m.StorageUnit.code).order_by(m.StorageUnit.code)
    if path is not None:
        stmt = stmt.join(m.Facility, m.Facility.id == m.StorageUnit.facility_id).where(
            m.Facility.path.startswith(check_path(path))
        )
    with uow:
        return list(uow.session.scalars(stmt))


def root_facilities(uow: UnitOfWork) -> list[FacilityView]:
    """The facilities with no parent (a province's store), ordered by code."""
    with uow:
        stmt = select(m.Facility).where(m.Facility.parent_id.is_(None)).order_by(m.Facility.code)
        return [facility_view(f) for f in uow.session.scalars(stmt)]
