"""The storage units of a subtree with the doses each holds now: what the status board puts
next to every unit's temperature.

One grouped query over the balances (never per unit), so a province of thousands of units
costs one round trip. ``held`` counts the doses in the unit's quarantine account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, func, select

from inventory import models as m
from inventory.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class UnitHolding:
    unit_id: int
    unit_code: str
    unit_name: str
    kind: str
    profile: str
    facility_id: int
    facility_code: str
    facility_name: str
    time_zone: str
    doses: int  # in stock and in quarantine together
    held_doses: int  # in quarantine


def unit_holdings(uow: UnitOfWork, path: str | None) -> list[UnitHolding]:
    """Every storage unit of the facilities under ``path`` (None: every unit), by code."""
    u, f, a, b = m.StorageUnit, m.Facility, m.Account, m.Balance
    held = case((a.kind == "quarantine", b.doses), else_=0)
    doses = (
        select(
            a.storage_unit_id.label("unit_id"),
            cast(func.sum(b.doses), BigInteger).label("doses"),
            cast(func.sum(held), BigInteger).label("held"),
        )
        .join(a, a.id == b.account_id)
        .where(a.kind.in_(["stock", "quarantine"]), a.storage_unit_id.is_not(None))
        .group_by(a.storage_unit_id)
        .subquery()
    )
    # Columns, not entities: loading thousands of ORM rows cost ~5× the query itself.
    query = (
        select(
            u.id,
            u.code,
            u.name,
            u.kind,
            u.profile,
            f.id,
            f.code,
            f.name,
            f.timezone,
            doses.c.doses,
            doses.c.held,
        )
        .join(f, f.id == u.facility_id)
        .outerjoin(doses, doses.c.unit_id == u.id)
        .order_by(u.code)
    )
    if path is not None:
        query = query.where(f.path.startswith(path))
    with uow:
        rows = uow.session.execute(query).all()
    return [
        UnitHolding(
            unit_id=unit_id,
            unit_code=code,
            unit_name=name,
            kind=kind,
            profile=profile,
            facility_id=facility_id,
            facility_code=facility_code,
            facility_name=facility_name,
            time_zone=time_zone,
            doses=int(total or 0),
            held_doses=int(on_hold or 0),
        )
        for (
            unit_id,
            code,
            name,
            kind,
            profile,
            facility_id,
            facility_code,
            facility_name,
            time_zone,
            total,
            on_hold,
        ) in rows
    ]
