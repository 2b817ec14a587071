"""A cold box breaks on the road, and the logger says so only at arrival: its buffered
readings reach the real ``coldchain ingest`` hours late, in one burst, after the receipt.
They are filed under the shipment by device time (the logger's window on it), run through
the same detection as a fridge (the transport profile, 2-8), raise the WHO heat alarm at
the sender's facility, are told to the sender's and the receiver's contacts, and the lots
the shipment carried are quarantined where they were received (domain rule 27).

| device time (D = now − 16 h) | logger TL-1 on shipment N (every 5 min) | ledger |
| --- | --- | --- |
| D | +5.0 °C | dispatched PROV → CLN1 (HB-A 300, MR-B 100), logger attached |
| D + 1 h … D + 12 h | +12.0 °C: the episode; WHO heat fires at D + 11 h | |
| D + 12 h … D + 14 h | +5.0 °C | |
| D + 14 h (now − 2 h) | | received into CLN1-FR1; the logger comes off |
| now | the whole buffer published in one burst | |
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from coldchain.db import make_session_factory
from coldchain.transport_record import LedgerTransportRecords
from ingest.alarms.queries import AlarmQueries
from ingest.notify.contacts import add_contact
from ingest.queries import EmbeddedTelemetryReader
from ingest.wire import encode_batch, reading_payload, topic_for
from inventory import commands as cmd
from inventory import queries, services
from inventory.domain.shipments import ReceivedLot
from inventory.unit_of_work import UnitOfWork
from tests.e2e.excursion_world import PREFIX, ingest_env
from tests.integration.ingest.harness import IngestProcess, Publisher, Sent
from tests.integration.notify.receivers import HttpReceiver, wait_until
from tests.servers import Mosquitto
from tests.unit.notify.builders import LOCAL_WEBHOOKS

LOGGER = "TL-1"
EVERY = timedelta(minutes=5)
WAIT_S = 60.0
USER = "e2e"


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, HttpReceiver]]:
    sender, receiver = HttpReceiver(), HttpReceiver()
    yield sender, receiver
    sender.close()
    receiver.close()


def test_a_logger_uploaded_after_arrival_alarms_both_ends_and_holds_what_it_carried(
    engine: Engine,
    mosquitto: Mosquitto,
    database_url: str,
    tmp_path: Path,
    receivers: tuple[HttpReceiver, HttpReceiver],
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, arrived = now - timedelta(hours=16), now - timedelta(hours=2)
    uow = UnitOfWork(make_session_factory(engine))
    world = _seed(uow, dispatched, arrived)
    sender, receiver = receivers
    for facility, hook in (("PROV", sender), ("CLN1", receiver)):
        add_contact(engine, facility, "webhook", hook.url(), "on duty", webhook=LOCAL_WEBHOOKS)
    env = ingest_env(mosquitto, database_url, COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    ingest = IngestProcess(env, tmp_path / "ingest.log").start()
    publisher = Publisher(mosquitto, client_id="logger-tl-1")
    try:
        publisher.publish(_burst(dispatched, arrived))  # hours late, one message
        publisher.settle()

        for hook in (sender, receiver):
            notice = _raised(hook)
            assert (notice["facility"], notice["unit"]) == ("PROV", world["unit"])
            assert _time(notice["started_at"]) == dispatched + timedelta(hours=1)
            assert _time(notice["fired_at"]) == dispatched + timedelta(hours=11)
        units = AlarmQueries(make_session_factory(engine))
        wait_until(
            lambda: _held(uow, world["fridge"]) == {"HB-A": 300, "MR-B": 100},
            WAIT_S,
            "the shipment's lots held in the receiving fridge",
        )
        [episode] = units.episodes(unit=world["unit"])
        assert episode.start_at == dispatched + timedelta(hours=1)
        assert episode.end_at == dispatched + timedelta(hours=12)
        assert queries.verify_ledger(uow) == []

        # The receiver's transport record shows the whole journey and what went wrong.
        record = LedgerTransportRecords(uow, EmbeddedTelemetryReader(engine), units).for_shipment(
            world["shipment"]
        )
        assert record.covers and record.reading_count == 168
        assert (record.min_c, record.max_c, record.minutes_above) == (5.0, 12.0, 660.0)
        assert [x.key for x in record.excursions] == [episode.key]
        assert "who-heat" in {a.type for a in record.alarms}
    finally:
        publisher.close()
        ingest.ensure_stopped()


def test_a_logger_read_at_the_door_holds_the_lots_that_the_receipt_then_quarantines(
    engine: Engine, mosquitto: Mosquitto, database_url: str, tmp_path: Path
) -> None:
    """The receiver uploads the logger before receiving: the alarm asks for a hold while
    the shipment is still in transit, and the receipt lands the lots held."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    dispatched, arrived = now - timedelta(hours=16), now - timedelta(hours=2)
    uow = UnitOfWork(make_session_factory(engine))
    world = _seed(uow, dispatched, arrived, receive=False)
    env = ingest_env(mosquitto, database_url)
    ingest = IngestProcess(env, tmp_path / "ingest.log").start()
    publisher = Publisher(mosquitto, client_id="logger-tl-1")
    try:
        publisher.publish(_burst(dispatched, arrived))
        publisher.settle()
        wait_until(
            lambda: len(queries.shipment_holds(uow, world["shipment"])) == 2,
            WAIT_S,
            "the alarm's hold on the shipment's two lots",
        )
    finally:
        publisher.close()
        ingest.ensure_stopped()
    record = LedgerTransportRecords(
        uow, EmbeddedTelemetryReader(engine), AlarmQueries(make_session_factory(engine))
    ).for_shipment(world["shipment"], until=arrived)
    assert record.covers and {h.lot_number for h in record.holds} == {"HB-A", "MR-B"}

    world["receive"]()

    assert _held(uow, world["fridge"]) == {"HB-A": 300, "MR-B": 100}
    assert queries.verify_ledger(uow) == []


def _seed(
    uow: UnitOfWork, dispatched: datetime, arrived: datetime, *, receive: bool = True
) -> dict[str, Any]:
    province = services.create_facility(
        uow, cmd.CreateFacility("PROV", "province", "province", "Asia/Shanghai")
    ).id
    clinic = services.create_facility(
        uow, cmd.CreateFacility("CLN1", "clinic", "clinic", "Asia/Shanghai", province)
    ).id
    store = services.create_storage_unit(
        uow, cmd.CreateStorageUnit("PROV-CR1", province, "cold_room")
    ).id
    fridge = services.create_storage_unit(
        uow, cmd.CreateStorageUnit("CLN1-FR1", clinic, "fridge")
    ).id
    expiry = arrived.date() + timedelta(days=365)
    lots = {}
    for number in ("HB-A", "MR-B"):
        product = services.create_product(
            uow, cmd.CreateProduct(number[:2], f"{number} vaccine", "Acme", 10)
        ).id
        lots[number] = services.register_lot(uow, cmd.RegisterLot(product, number, expiry))
        services.receive_from_supplier(
            uow,
            cmd.ReceiveFromSupplier(
                store, lots[number].id, 500, USER, f"in-{number}", dispatched - timedelta(days=1)
            ),
        )
    shipment = services.create_shipment(
        uow, cmd.CreateShipment(province, clinic, timedelta(hours=12), USER)
    )
    items = (
        cmd.DispatchItem(lots["HB-A"].product_id, 300, lots["HB-A"].id),
        cmd.DispatchItem(lots["MR-B"].product_id, 100, lots["MR-B"].id),
    )
    services.dispatch_shipment(
        uow, cmd.DispatchShipment(shipment.id, store, items, USER, "out", dispatched)
    )
    services.attach_logger(uow, cmd.AttachLogger(shipment.id, LOGGER, USER))

    def receipt() -> None:
        services.receive_shipment(
            uow,
            cmd.ReceiveShipment(
                shipment.id,
                fridge,
                (ReceivedLot(lots["HB-A"].id, 300), ReceivedLot(lots["MR-B"].id, 100)),
                USER,
                "in",
                arrived,
            ),
        )

    if receive:
        receipt()
    return {
        "unit": f"shipment-{shipment.id}",
        "fridge": fridge,
        "shipment": shipment.id,
        "receive": receipt,
    }


def _burst(dispatched: datetime, arrived: datetime) -> list[Sent]:
    count = int((arrived - dispatched) / EVERY)
    payloads = []
    for i in range(count):
        at = dispatched + i * EVERY
        hot = timedelta(hours=1) <= at - dispatched < timedelta(hours=12)
        payloads.append(reading_payload(LOGGER, at, 12.0 if hot else 5.0, seq=i))
    topic = topic_for(PREFIX, "PROV", "cold-box", LOGGER)
    return [Sent(topic, encode_batch(payloads), LOGGER, int(arrived.timestamp()))]


def _raised(hook: HttpReceiver) -> dict[str, Any]:
    def found() -> list[dict[str, Any]]:
        bodies = [json.loads(r.body) for r in hook.received()]
        return [b for b in bodies if b["kind"] == "raised" and b["rule_id"] == "who-heat"]

    wait_until(lambda: bool(found()), WAIT_S, "a raised who-heat notice")
    [notice] = found()
    return notice


def _held(uow: UnitOfWork, unit: int) -> dict[str, int]:
    stock = queries.stock_on_hand(uow, storage_unit_id=unit)
    return {line.lot_number: line.held.doses for line in stock.lines if line.held.doses}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
