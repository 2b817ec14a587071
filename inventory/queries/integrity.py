"""Ledger self-check: every invariant of the ledger, re-derived from the rows.

Returns a list of problems (empty when the ledger is sound) rather than stopping at the
first: movements whose lines do not sum to zero per lot, a ``balances`` projection that
differs from the sum of the lines (its balance, and the lot trace's read model: doses in,
first arrival, last line; a pair with lines and no row), a negative balance on a real stock
account, a lot whose doses do not conserve, and a shipment whose lines are not accounted
for: a dispatched shipment's in-transit account holds exactly what its lines say was
dispatched, lot by lot; a planned one holds nothing yet; a received, partly received or lost
one holds nothing any more, and a received one has a received quantity on every line. The
return leg likewise: a refused shipment's ``in_transit_returned`` account holds exactly what
was dispatched (and its in-transit account nothing); every other shipment's return leg is
empty, so a refused shipment is accounted for once its return is received (``returned``,
with a returned quantity on every line) or marked lost.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from inventory import models as m
from inventory.unit_of_work import UnitOfWork


def verify_ledger(uow: UnitOfWork) -> list[str]:
    problems: list[str] = []
    line = m.MovementLine
    with uow:
        session = uow.session
        unbalanced = session.execute(
            select(line.movement_id, line.lot_id, func.sum(line.doses))
            .group_by(line.movement_id, line.lot_id)
            .having(func.sum(line.doses) != 0)
        )
        problems += [
            f"movement {mid}: lines of lot {lot} sum to {total:+d}, not 0"
            for mid, lot, total in unbalanced
        ]
        derived_rows = session.execute(
            select(
                line.account_id,
                line.lot_id,
                func.sum(line.doses),
                func.coalesce(func.sum(line.doses).filter(line.doses > 0), 0),
                func.min(line.occurred_at).filter(line.doses > 0),
                func.max(line.occurred_at),
            ).group_by(line.account_id, line.lot_id)
        )
        from_lines: dict[tuple[int, int], int] = {}
        read_model: dict[tuple[int, int], tuple[int, Any, Any]] = {}
        for a, lot, total, doses_in, first_in, last_at in derived_rows:
            from_lines[(a, lot)] = int(total)
            read_model[(a, lot)] = (int(doses_in), first_in, last_at)
        b = m.Balance
        projection: dict[tuple[int, int], tuple[int, bool]] = {}
        stored_model: dict[tuple[int, int], tuple[int, Any, Any]] = {}
        for a, lot, doses, nonnegative, came_in, first, last in session.execute(
            select(
                b.account_id, b.lot_id, b.doses, b.nonnegative, b.doses_in, b.first_in, b.last_at
            )
        ):
            projection[(a, lot)] = (doses, nonnegative)
            stored_model[(a, lot)] = (int(came_in), first, last)
        kinds = {i: k for i, k in session.execute(select(m.Account.id, m.Account.kind))}
        road_of: dict[int, tuple[int | None, str]] = {
            a: (s, kind)
            for a, s, kind in session.execute(
                select(m.Account.id, m.Account.shipment_id, m.Account.kind).where(
                    m.Account.kind.in_(_ROAD)
                )
            )
        }
        shipments = {i: s for i, s in session.execute(select(m.Shipment.id, m.Shipment.status))}
        shipped: dict[tuple[int, int], int] = defaultdict(int)
        unreceived: set[int] = set()
        unreturned: set[int] = set()
        for shipment_id, lot_id, dispatched, received, returned in session.execute(
            select(
                m.ShipmentLine.shipment_id,
                m.ShipmentLine.lot_id,
                m.ShipmentLine.dispatched_doses,
                m.ShipmentLine.received_doses,
                m.ShipmentLine.returned_doses,
            )
        ):
            shipped[shipment_id, lot_id] += dispatched
            if received is None:
                unreceived.add(shipment_id)
            if returned is None:
                unreturned.add(shipment_id)
    for pair in sorted(set(from_lines) | set(projection)):
        derived = from_lines.get(pair, 0)
        stored, nonnegative = projection.get(pair, (0, False))
        if derived != stored:
            problems.append(
                f"balance of account {pair[0]}, lot {pair[1]} is {stored}, lines say {derived}"
            )
        if read_model.get(pair) != stored_model.get(pair, (0, None, None)):
            problems.append(
                f"read model of account {pair[0]}, lot {pair[1]} (doses in, first in, last) is "
                f"{stored_model.get(pair)}, lines say {read_model.get(pair)}"
            )
        if nonnegative and stored < 0:
            problems.append(f"account {pair[0]} holds {stored} doses of lot {pair[1]}")
        if kinds.get(pair[0]) in ("stock", "quarantine", *_ROAD) and derived < 0:
            problems.append(f"real account {pair[0]} has {derived} doses of lot {pair[1]}")
    per_lot: dict[int, int] = defaultdict(int)
    for (_, lot), total in from_lines.items():
        per_lot[lot] += total
    problems += [f"lot {lot} does not conserve: {t:+d}" for lot, t in sorted(per_lot.items()) if t]
    on_road: dict[str, dict[tuple[int, int], int]] = {k: defaultdict(int) for k in _ROAD}
    for (account, lot), total in from_lines.items():
        road, kind = road_of.get(account, (None, ""))
        if road is not None:
            on_road[kind][road, lot] += total
    problems += _unaccounted_shipments(shipments, shipped, on_road, unreceived)
    problems += [
        f"shipment {s} (returned): a line has no returned quantity"
        for s in sorted(unreturned)
        if shipments.get(s) == "returned"
    ]
    return problems


_ROAD = ("in_transit", "in_transit_returned")
# The status in which each leg of the road holds what was dispatched (empty otherwise).
_LEG_FULL = {"in_transit": "dispatched", "in_transit_returned": "refused"}
_LEG_NAME = {"in_transit": "in transit", "in_transit_returned": "the return leg"}


def _unaccounted_shipments(
    shipments: dict[int, str],
    shipped: dict[tuple[int, int], int],
    on_road: dict[str, dict[tuple[int, int], int]],
    unreceived: set[int],
) -> list[str]:
    problems: list[str] = []
    for kind in _ROAD:
        legs = on_road[kind]
        for shipment_id, lot in sorted(set(shipped) | set(legs)):
            status = shipments.get(shipment_id, "unknown")
            holds = legs.get((shipment_id, lot), 0)
            full = status == _LEG_FULL[kind]
            expected = shipped.get((shipment_id, lot), 0) if full else 0
            if holds != expected:
                problems.append(
                    f"shipment {shipment_id} ({status}): {_LEG_NAME[kind]} holds {holds} doses"
                    f" of lot {lot}, its lines say {expected}"
                )
    problems += [
        f"shipment {s} ({shipments[s]}): a line has no received quantity"
        for s in sorted(unreceived)
        if shipments.get(s) in ("received", "partially_received")
    ]
    return problems
