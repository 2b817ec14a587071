"""Migration 0031: a refusal written before the return leg existed posted straight into the
sender's quarantine, so its shipment is returned already; the upgrade says so (status,
times, returned quantities), the ledger check finds nothing, and the old refusal is still
reversed as what it was."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import text

from coldchain import db
from inventory import queries, services
from inventory.commands import DispatchItem, DispatchShipment, ReverseMovement
from tests.builders import (
    T0,
    key,
    make_facility_tree,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
    stock_up,
)

BEFORE = "0031_shipment_returns-1"
REFUSED = T0 + timedelta(hours=9)


def _legacy_refusal(url: str, shipment_id: int, unit_id: int, facility_id: int, lot: int) -> None:
    """What ``refuse_shipment`` posted before 0031: in transit -> the dispatch unit's
    quarantine, one movement, the balances projection kept."""
    engine = db.make_engine(url)
    at = {"at": REFUSED}
    with engine.begin() as conn:
        transit = conn.execute(
            text("SELECT id FROM accounts WHERE key = :k"), {"k": f"in_transit:s{shipment_id}"}
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO accounts (key, kind, storage_unit_id, facility_id, nonnegative)"
                " VALUES (:k, 'quarantine', :u, :f, :t)"
            ),
            {"k": f"quarantine:u{unit_id}", "u": unit_id, "f": facility_id, "t": True},
        )
        held = conn.execute(
            text("SELECT id FROM accounts WHERE key = :k"), {"k": f"quarantine:u{unit_id}"}
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO movements (kind, occurred_at, recorded_at, user_name, facility_id,"
                " reason, idempotency_key, request_fingerprint, shipment_id) VALUES"
                " ('shipment_return', :at, :at, 'receiver', :f, 'box warm', 'legacy-refusal',"
                " 'x', :s)"
            ),
            {**at, "f": facility_id, "s": shipment_id},
        )
        movement = conn.execute(
            text("SELECT id FROM movements WHERE idempotency_key = 'legacy-refusal'")
        ).scalar_one()
        for account, doses in ((transit, -40), (held, 40)):
            conn.execute(
                text(
                    "INSERT INTO movement_lines (movement_id, account_id, lot_id, doses,"
                    " occurred_at) VALUES (:m, :a, :l, :d, :at)"
                ),
                {**at, "m": movement, "a": account, "l": lot, "d": doses},
            )
        conn.execute(
            text(
                "UPDATE balances SET doses = 0, last_at = :at WHERE account_id = :a AND lot_id = :l"
            ),
            {**at, "a": transit, "l": lot},
        )
        conn.execute(
            text(
                "INSERT INTO balances (account_id, lot_id, doses, nonnegative, doses_in,"
                " first_in, last_at) VALUES (:a, :l, 40, :t, 40, :at, :at)"
            ),
            {**at, "a": held, "l": lot, "t": True},
        )
        conn.execute(
            text("UPDATE shipments SET status = 'refused' WHERE id = :s"), {"s": shipment_id}
        )
    engine.dispose()


def test_a_refusal_from_before_the_return_leg_is_returned_after_the_upgrade(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    uow = make_uow(engine)
    tree = make_facility_tree(uow, cities=1, counties_per_city=1, clinics_per_county=1)
    lot = make_lot(uow, make_product(uow, "MMR"), "L1")
    stock_up(uow, tree.province.unit, lot, 100)
    shipment = make_shipment(uow, tree.province, tree.cities[0])
    services.dispatch_shipment(
        uow,
        DispatchShipment(
            shipment.id,
            tree.province.unit.id,
            (DispatchItem(lot.product_id, 40),),
            "dispatcher",
            key(),
            T0 + timedelta(hours=1),
        ),
    )
    engine.dispose()
    command.downgrade(db.alembic_config(database_url), BEFORE)
    _legacy_refusal(database_url, shipment.id, tree.province.unit.id, tree.province.id, lot.id)

    db.upgrade(database_url)

    engine = db.make_engine(database_url)
    uow = make_uow(engine)
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.refused_at, view.returned_at) == ("returned", REFUSED, REFUSED)
    assert [line.returned for line in view.lines] == [40]
    assert queries.verify_ledger(uow) == []
    stock = queries.stock_on_hand(uow, storage_unit_id=tree.province.unit.id)
    assert [(x.usable.doses, x.held.doses) for x in stock.lines] == [(60, 40)]

    with engine.connect() as conn:
        refusal_id = conn.execute(
            text("SELECT id FROM movements WHERE idempotency_key = 'legacy-refusal'")
        ).scalar_one()
    services.reverse_movement(uow, ReverseMovement(refusal_id, "refused by mistake", "r", key()))
    view = queries.get_shipment(uow, shipment.id)
    assert (view.status, view.refused_at, [x.returned for x in view.lines]) == (
        "dispatched",
        None,
        [None],
    )
    assert queries.verify_ledger(uow) == []
    engine.dispose()
