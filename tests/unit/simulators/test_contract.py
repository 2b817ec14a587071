"""The contract between the simulators and ingest: every message a shipped scenario
publishes is accepted by ingest's decoder, reading for reading, on its unit (a transport
logger's on its shipment's transit unit, bound from the dispatch as the ledger binds it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ingest.decode import DecodeConfig, Decoder
from ingest.registry import Binding, RegistrySnapshot, SensorInfo, static_directory, to_ns
from ingest.wire import DEFAULT_PREFIX, transit_unit
from inventory.domain.transit import transit_unit_code
from simulators.scenario import Scenario, load

ORIGIN = datetime(2026, 11, 1, tzinfo=UTC)


def decoder_for(scenario: Scenario) -> Decoder:
    since = to_ns(ORIGIN) - 86_400 * 1_000_000_000
    sensors = {
        s.sensor: SensorInfo(
            s.sensor,
            round(s.spec.interval_s),
            (Binding(s.facility, s.unit, since, None),),
        )
        for s in scenario.sensors
    }
    for logger in scenario.loggers:  # from the dispatch on: not a reading before it
        s, dispatched = logger.sensor, to_ns(ORIGIN) + round(logger.start_s * 1e9)
        sensors[s.sensor] = SensorInfo(
            s.sensor, round(s.spec.interval_s), (Binding(s.facility, s.unit, dispatched, None),)
        )
    snapshot = RegistrySnapshot(sensors=sensors)
    return Decoder(DecodeConfig(unknown_sensor_policy="reject"), static_directory(snapshot))


@pytest.mark.parametrize("name", ["demo", "county_week", "national"])
def test_ingest_accepts_everything_a_scenario_publishes(name: str) -> None:
    scenario = load(name)
    if name == "national":  # a slice of it: every preset and level, not 45 000 loggers
        scenario = replace(scenario, sensors=scenario.sensors[:300] + scenario.sensors[-300:])
    decoder = decoder_for(scenario)
    sent = accepted = 0
    for message in scenario.messages(ORIGIN.timestamp()):
        received_ns = to_ns(ORIGIN) + round(message.publish_s * 1e9)
        readings, rejections = decoder.decode(
            message.topic(DEFAULT_PREFIX), message.payload(), received_ns
        )
        assert rejections == [], rejections
        assert {(r.facility, r.unit, r.sensor_id) for r in readings} == {
            (message.facility, message.unit, message.sensor)
        }
        assert [r.device_time_ns for r in readings] == [to_ns(x.ts) for x in message.readings]
        assert [r.temperature_c for r in readings] == [x.t for x in message.readings]
        assert [(r.seq, r.battery_pct, r.door_open, r.power_on) for r in readings] == [
            (x.seq, x.battery, x.door, x.power) for x in message.readings
        ]
        sent += len(message.readings)
        accepted += len(readings)
    assert accepted == sent > 0
    assert decoder.take_observations().unit_mismatches == 0


def test_a_transport_loggers_topic_names_the_transit_unit_the_ledger_binds_it_to() -> None:
    for shipment_id in (1, 7, 4_294_967_295):
        assert transit_unit(shipment_id) == transit_unit_code(shipment_id)
    scenario = load("demo").with_shipment_ids({"ROAD1": 42})
    (logger,) = scenario.loggers
    assert (logger.sensor.facility, logger.sensor.unit) == ("PROV", transit_unit_code(42))
