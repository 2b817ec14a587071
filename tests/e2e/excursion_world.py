"""The world of the excursion end-to-end test: a clinic's ledger, its fridge sensor, the
readings of one heat excursion, and the environment of the real ``coldchain ingest``.

Everything is written the way production writes it: the ledger through the inventory
services, the sensor through the registry. Times are laid out from ``now`` (device time in
the recent past, never in the future), so the test runs on the wall clock like a deployment:

| device time (S = now − 12 h) | fridge CLN1-FR1 (readings every 5 min) | ledger |
| --- | --- | --- |
| now − 3 d | | HB-A 500, MR-B 300, HB-C 200 received into the fridge; MR-D 150 at the province |
| now − 2 d | | 100 doses of HB-A given (400 left) |
| S − 1 h | | HB-C moved to CLN1-FR2: it LEFT before the excursion |
| S … S + 25 min | +5.0 °C | |
| S + 30 min | +12.0 °C: the episode opens | |
| S + 2 h / S + 3 h | | MR-D shipped by the province, received in the fridge: ARRIVED during it |
| S + 630 min | +12.0 °C: 600 min above +8.0 °C, the WHO heat alarm fires | |
| S + 655 min | +5.0 °C: the episode closes | |
| S + 690 min | | HB-E 120 received into the fridge, after the excursion |
| S + 715 min | +5.0 °C, the last reading (now − 5 min) | |

Expected exposure (alarm [S+30, S+630), episode [S+30, S+655)): HB-A 400, MR-B 300,
MR-D 150; not HB-C (gone), not HB-E (came later).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from coldchain.db import make_session_factory
from ingest import registry
from ingest.wire import encode_batch, reading_payload, topic_for
from inventory import commands as cmd
from inventory import services
from inventory.domain.shipments import ReceivedLot
from inventory.unit_of_work import UnitOfWork
from tests.integration.ingest.harness import Sent
from tests.servers import Mosquitto

PREFIX = "coldchain/v1"
PROVINCE, CLINIC = "PROV", "CLN1"
FRIDGE, OTHER_FRIDGE, COLD_ROOM = "CLN1-FR1", "CLN1-FR2", "PROV-CR1"
SENSOR = "SN-CLN1-FR1"
USER = "e2e"
READING_EVERY = timedelta(minutes=5)
READINGS = 144  # S … S + 715 min
HOT = range(6, 131)  # readings 6 … 130 (S + 30 … S + 650 min) at +12.0 °C
FIRES = 126  # S + 630 min: the reading that completes 600 min
CLOSES = 131  # S + 655 min: the first in-range reading again
_keys = itertools.count(1)


def _key() -> str:
    return f"e2e-{next(_keys)}"


@dataclass(frozen=True)
class ClinicLedger:
    """Ids and codes of what ``seed_clinic`` wrote."""

    start: datetime  # S: the first reading
    clinic: int
    fridge: int
    other_fridge: int
    lots: dict[str, int]  # lot number -> lot id

    def at(self, reading: int) -> datetime:
        """The device time of reading number ``reading``."""
        return self.start + reading * READING_EVERY


def seed_clinic(engine: Engine, now: datetime) -> ClinicLedger:
    """The province -> clinic tree, two products, five lots and their history (table above),
    the fridge's sensor (every 5 min) bound to it."""
    uow = UnitOfWork(make_session_factory(engine))
    start = now - timedelta(hours=12)
    province = _facility(uow, PROVINCE, "province", None)
    clinic = _facility(uow, CLINIC, "clinic", province)
    cold_room = _unit(uow, COLD_ROOM, province, "cold_room")
    fridge, other_fridge = _unit(uow, FRIDGE, clinic), _unit(uow, OTHER_FRIDGE, clinic)
    hepb = _product(uow, "HEPB-10", freeze_sensitive=True)
    mr = _product(uow, "MR-10", freeze_sensitive=False)
    expiry = now.date() + timedelta(days=365)
    lots = {
        number: _lot(uow, product, number, expiry)
        for number, product in (
            ("HB-A", hepb),
            ("MR-B", mr),
            ("HB-C", hepb),
            ("MR-D", mr),
            ("HB-E", hepb),
        )
    }
    long_ago = now - timedelta(days=3)
    for number, unit, doses in (
        ("HB-A", fridge, 500),
        ("MR-B", fridge, 300),
        ("HB-C", fridge, 200),
        ("MR-D", cold_room, 150),
    ):
        _receive(uow, unit, lots[number], doses, long_ago)
    services.administer_doses(
        uow,
        cmd.AdministerDoses(fridge, lots["HB-A"], 100, USER, _key(), now - timedelta(days=2)),
    )
    services.transfer_stock(
        uow,
        cmd.TransferStock(
            fridge, other_fridge, lots["HB-C"], 200, USER, _key(), start - timedelta(hours=1)
        ),
    )
    _ship(uow, province, clinic, cold_room, fridge, mr, lots["MR-D"], 150, start)
    _receive(uow, fridge, lots["HB-E"], 120, start + timedelta(minutes=690))
    registry.register_sensor(engine, SENSOR, reporting_interval_s=300, now=now)
    registry.bind_sensor(
        engine, SENSOR, facility=CLINIC, unit=FRIDGE, valid_from=now - timedelta(days=2)
    )
    return ClinicLedger(start, clinic, fridge, other_fridge, lots)


def _facility(uow: UnitOfWork, code: str, level: str, parent: int | None) -> int:
    command = cmd.CreateFacility(code, f"{level} {code}", level, "Asia/Shanghai", parent)
    return services.create_facility(uow, command).id


def _unit(uow: UnitOfWork, code: str, facility: int, kind: str = "fridge") -> int:
    return services.create_storage_unit(uow, cmd.CreateStorageUnit(code, facility, kind)).id


def _product(uow: UnitOfWork, code: str, *, freeze_sensitive: bool) -> int:
    command = cmd.CreateProduct(
        code, f"{code} vaccine", "Acme Biologicals", 10, freeze_sensitive=freeze_sensitive
    )
    return services.create_product(uow, command).id


def _lot(uow: UnitOfWork, product: int, number: str, expiry: date) -> int:
    return services.register_lot(uow, cmd.RegisterLot(product, number, expiry)).id


def _receive(uow: UnitOfWork, unit: int, lot: int, doses: int, at: datetime) -> None:
    services.receive_from_supplier(
        uow, cmd.ReceiveFromSupplier(unit, lot, doses, USER, _key(), occurred_at=at)
    )


def _ship(
    uow: UnitOfWork,
    origin: int,
    destination: int,
    from_unit: int,
    to_unit: int,
    product: int,
    lot: int,
    doses: int,
    start: datetime,
) -> None:
    """The province sends MR-D: dispatched at S + 2 h, received in the fridge at S + 3 h."""
    shipment = services.create_shipment(
        uow, cmd.CreateShipment(origin, destination, timedelta(hours=4), USER)
    )
    items = (cmd.DispatchItem(product_id=product, doses=doses, lot_id=lot),)
    services.dispatch_shipment(
        uow,
        cmd.DispatchShipment(
            shipment.id, from_unit, items, USER, _key(), start + timedelta(hours=2)
        ),
    )
    services.receive_shipment(
        uow,
        cmd.ReceiveShipment(
            shipment.id,
            to_unit,
            (ReceivedLot(lot, doses),),
            USER,
            _key(),
            start + timedelta(hours=3),
        ),
    )


def temperature(reading: int) -> float:
    return 12.0 if reading in HOT else 5.0


def excursion_messages(ledger: ClinicLedger, per_message: int = 24) -> list[Sent]:
    """The fridge's 144 readings as a logger republishes them: buffered JSON lists."""
    payloads = [
        reading_payload(SENSOR, ledger.at(i), temperature(i), seq=i) for i in range(READINGS)
    ]
    return [
        _sent(ledger.at(i), encode_batch(payloads[i : i + per_message]))
        for i in range(0, READINGS, per_message)
    ]


def one_reading(at: datetime, t: float, seq: int) -> Sent:
    return _sent(at, encode_batch([reading_payload(SENSOR, at, t, seq=seq)]))


def _sent(at: datetime, payload: bytes) -> Sent:
    topic = topic_for(PREFIX, CLINIC, FRIDGE, SENSOR)
    return Sent(topic, payload, SENSOR, int(at.timestamp()))


def ingest_env(mosquitto: Mosquitto, database_url: str, **extra: str) -> dict[str, str]:
    """`coldchain ingest` on the embedded telemetry store (the SQL database itself)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=database_url,
        COLDCHAIN_MQTT_URL=mosquitto.url,
        COLDCHAIN_MQTT_CLIENT_ID="ingest-e2e",
        COLDCHAIN_TELEMETRY_STORE="embedded",
        COLDCHAIN_INGEST_METRICS_PORT="0",
        COLDCHAIN_INGEST_BATCH_SECONDS="0.2",
        COLDCHAIN_NOTIFY_RETRY_INITIAL_S="0.2",
        COLDCHAIN_NOTIFY_RETRY_MAX_S="1",
        # The alarm jobs (offline, follow-up, settle) run beside the pipeline all along.
        COLDCHAIN_ALARM_JOBS_INTERVAL_S="1",
    )
    env.update(extra)
    return env


def lot_doses(lots: Sequence[dict[str, object]]) -> dict[str, int]:
    """Exposed lots (as JSON) by lot number."""
    return {str(lot["lot_number"]): int(str(lot["doses"])) for lot in lots}
