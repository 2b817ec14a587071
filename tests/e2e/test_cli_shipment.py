"""``coldchain shipment``: a logger attached by scan, listed, the transport record printed,
detached; refusals said plainly with exit status 1 (rule 27)."""

from __future__ import annotations

from datetime import timedelta

from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from coldchain import db
from coldchain.cli import app as cli
from inventory import queries, services
from inventory.commands import DispatchItem, DispatchShipment, RefuseShipment
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


def run(database_url: str, *args: str) -> Result:
    env = {"COLDCHAIN_DATABASE_URL": database_url, "COLDCHAIN_TELEMETRY_STORE": "embedded"}
    return CliRunner().invoke(cli, ["shipment", *args], env=env)


def test_a_logger_through_the_cli(sqlite_url: str) -> None:
    engine: Engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    tree = make_facility_tree(uow, cities=1, counties_per_city=1, clinics_per_county=1)
    lot = make_lot(uow, make_product(uow, "MMR"), "L1")
    stock_up(uow, tree.province.unit, lot, 100)
    shipment = make_shipment(uow, tree.province, tree.cities[0])
    planned = make_shipment(uow, tree.province, tree.cities[0])
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

    attached = run(sqlite_url, "attach", str(shipment.id), "--scan", "(21)TL-3", "--user", "wu")
    assert attached.exit_code == 0, attached.output
    assert f"shipment {shipment.id}: logger TL-3 every 300 s" in attached.output
    listed = run(sqlite_url, "loggers", str(shipment.id))
    assert "logger TL-3" in listed.output and ", on" in listed.output
    record = run(sqlite_url, "record", str(shipment.id))
    assert record.exit_code == 0, record.output
    assert "DOES NOT cover the journey" in record.output
    assert "no reading during the journey" in record.output
    env = {"COLDCHAIN_DATABASE_URL": sqlite_url, "COLDCHAIN_TELEMETRY_STORE": "embedded"}
    traced = CliRunner().invoke(cli, ["trace", "L1"], env=env)
    assert traced.exit_code == 0, traced.output
    assert "transport record: DOES NOT cover the journey" in traced.output
    assert "! no reading during the journey" in traced.output
    off = run(sqlite_url, "detach", str(shipment.id), "TL-3", "--user", "li")
    assert off.exit_code == 0 and "off " in off.output

    refused = run(sqlite_url, "attach", str(planned.id), "--sensor", "TL-4", "--user", "wu")
    assert refused.exit_code == 1
    assert "a logger is attached to a shipment on the road" in refused.output
    both = run(
        sqlite_url, "attach", str(shipment.id), "--sensor", "A", "--scan", "B", "--user", "x"
    )
    assert both.exit_code == 2


def test_a_refused_shipment_received_back_through_the_cli(sqlite_url: str) -> None:
    engine: Engine = db.make_engine(sqlite_url)
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
    still_on_the_road = run(sqlite_url, "receive-return", str(shipment.id), "--user", "wu")
    assert still_on_the_road.exit_code == 1
    assert "is dispatched; it must be refused" in still_on_the_road.output
    services.refuse_shipment(
        uow, RefuseShipment(shipment.id, "box open", "receiver", key(), T0 + timedelta(hours=5))
    )

    bad = run(sqlite_url, "receive-return", str(shipment.id), "--user", "wu", "--returned", "x")
    assert bad.exit_code == 2 and "LOT_ID=DOSES" in bad.output
    no_reason = run(
        sqlite_url, "receive-return", str(shipment.id), "--user", "wu", "--returned", f"{lot.id}=35"
    )
    assert no_reason.exit_code == 1 and "needs a discrepancy reason" in no_reason.output
    args = ("--user", "wu", "--returned", f"{lot.id}=35", "--reason", "5 vials broke")
    back = run(sqlite_url, "receive-return", str(shipment.id), *args)

    assert back.exit_code == 0, back.output
    assert f"shipment {shipment.id}: returned" in back.output and "35 doses held" in back.output
    assert "shortfall sent 40, back 35 (5 vials broke)" in back.output
    assert run(sqlite_url, "receive-return", str(shipment.id), *args).output == back.output
    stock = queries.stock_on_hand(uow, storage_unit_id=tree.province.unit.id)
    assert [(x.usable.doses, x.held.doses) for x in stock.lines] == [(60, 35)]
    engine.dispose()
