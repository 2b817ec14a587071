"""Telemetry and alarms behind the API tests, made the way ``coldchain ingest`` makes them:
readings observed by the ``AlarmRecorder`` (hand-written fake ledger, unit directory and
notifier from ``tests/unit/alarms/fakes.py``) and then written to the embedded store; the
offline job run once for a silent sensor.

``feed_programme`` fills the ``programme`` tree of ``tests/e2e/conftest.py`` (plus a second
fridge in the first clinic) so that each unit shows one state on the status board:

| unit | facility | readings (every 10 min from T0) | status |
| --- | --- | --- | --- |
| GD-K1-C1-F1 | clinic GD-K1-C1 | 1 h at 5 °C, 610 min at 12 °C, back to 5 °C | alarm (cumulative-heat raised; early-heat and who-heat cleared; episode closed, lot exposed) |
| GD-K1-C1-F2 | clinic GD-K1-C1 | 5 °C | ok |
| GD-K1-C2-F1 | clinic GD-K1-C2 | 30 min at 5 °C, then 12 °C | alarm (early-heat raised, episode open) |
| GD-K1-F1 | county GD-K1 | 5 °C with one 15 °C reading at 20 min, then 9 °C at 60 and 70 min | excursion |
| GD-CR1 | province GD | none; its sensor is bound and silent | offline |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from coldchain.db import make_session_factory
from ingest.alarms.ports import UnitInfo
from ingest.alarms.recorder import AlarmRecorder
from ingest.alarms.services import check_offline_sensors
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.queries import EmbeddedTelemetryReader
from ingest.registry import bind_sensor, register_sensor
from ingest.sinks.embedded import EmbeddedSink
from tests.unit.alarms.fakes import T0, FakeLedger, FakeNotifier, FakeUnits, make_lot, reading

PROVINCE, COUNTY, CLINIC, OTHER_CLINIC = "GD", "GD-K1", "GD-K1-C1", "GD-K1-C2"
PROVINCE_UNIT, COUNTY_UNIT = "GD-CR1", "GD-K1-F1"
CLINIC_UNIT, CLINIC_UNIT_2, OTHER_UNIT = "GD-K1-C1-F1", "GD-K1-C1-F2", "GD-K1-C2-F1"

HEAT_AND_BACK = [5.0] * 6 + [12.0] * 61 + [5.0] * 3
STILL_HOT = [5.0] * 3 + [12.0] * 5
ONE_SPIKE_THEN_WARM = [5.0, 5.0, 15.0, 5.0, 5.0, 5.0, 9.0, 9.0]
COOL = [5.0] * 6
EXPOSED = make_lot(7, 250)  # in the clinic fridge during its heat episode


def sensor_of(unit: str) -> str:
    return f"s-{unit}"


@dataclass
class Feed:
    engine: Engine
    ledger: FakeLedger = field(default_factory=FakeLedger)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    units: FakeUnits = field(default_factory=lambda: FakeUnits(units={}, chains={}))

    def __post_init__(self) -> None:
        self.uow = AlarmsUnitOfWork(make_session_factory(self.engine), clock=lambda: T0)
        self.sink = EmbeddedSink(self.engine)
        self.recorder = AlarmRecorder(
            self.uow, self.units, self.ledger, self.notifier, EmbeddedTelemetryReader(self.engine)
        )

    def publish(self, facility: str, unit: str, temps: Sequence[float], batch: int = 25) -> None:
        """One reading every 10 minutes from T0, observed and then stored, batch by batch."""
        self.units.units[unit] = UnitInfo(facility, "2-8", "Asia/Shanghai")
        readings = [
            reading(i * 10, temp, unit=unit, facility=facility, sensor=sensor_of(unit))
            for i, temp in enumerate(temps)
        ]
        for i in range(0, len(readings), batch):
            chunk = readings[i : i + batch]
            self.recorder.observe(chunk)
            assert self.sink.write(chunk).rejected == ()

    def bind(self, facility: str, unit: str) -> None:
        register_sensor(self.engine, sensor_of(unit), reporting_interval_s=600, now=T0)
        bind_sensor(
            self.engine,
            sensor_of(unit),
            facility=facility,
            unit=unit,
            valid_from=T0 - timedelta(days=1),
        )

    def silent_sensor(self, facility: str, unit: str) -> None:
        """A bound sensor never heard from, past 3 × its interval: SENSOR_OFFLINE raised."""
        self.bind(facility, unit)
        check_offline_sensors(self.uow, self.notifier, T0 + timedelta(hours=2))


def feed_programme(engine: Engine) -> Feed:
    """The table above (the programme's units must exist, plus ``CLINIC_UNIT_2``)."""
    feed = Feed(engine)
    feed.ledger.lots[CLINIC_UNIT] = [EXPOSED]
    feed.silent_sensor(PROVINCE, PROVINCE_UNIT)  # before other sensors are bound
    feed.publish(CLINIC, CLINIC_UNIT, HEAT_AND_BACK)
    feed.publish(CLINIC, CLINIC_UNIT_2, COOL)
    feed.publish(OTHER_CLINIC, OTHER_UNIT, STILL_HOT)
    feed.publish(COUNTY, COUNTY_UNIT, ONE_SPIKE_THEN_WARM)
    feed.bind(CLINIC, CLINIC_UNIT)
    return feed
