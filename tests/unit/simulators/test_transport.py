"""Transport in scenarios: ``[[shipments]]`` and the ``[[loggers]]`` that ride them. A
logger publishes on its shipment's transit unit at the origin, from the dispatch to the
expected arrival; its events are timed from the dispatch; a bad section is refused with
what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from simulators.scenario import Scenario, ScenarioError, load, parse

HOUR = 3600.0
ORIGIN = datetime(2026, 11, 1, tzinfo=UTC).timestamp()


def journey(
    shipment: dict[str, Any] | None = None, logger: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "scenario": {"seed": 3, "duration": "12h"},
        "facilities": [
            {"code": "DEP", "level": "county"},
            {"code": "CLN", "level": "clinic", "parent": "DEP"},
        ],
        "units": [{"code": "DEP-FR1", "facility": "DEP", "preset": "ice_lined_refrigerator"}],
        "shipments": [
            {
                "code": "SH1",
                "origin": "DEP",
                "destination": "CLN",
                "unit": "DEP-FR1",
                "items": [{"product": "HEPB-10", "lot": "HB1", "doses": 200}],
                "dispatch_at": "2h",
                "lead_time": "6h",
            }
            | (shipment or {})
        ],
        "loggers": [{"id": "LOG1", "shipment": "SH1", "preset": "cold_box"} | (logger or {})],
    }


def logger_readings(scenario: Scenario) -> list[tuple[float, str, str, float]]:
    """(publish second, facility, unit, °C) of every reading of logger LOG1."""
    return [
        (m.publish_s, m.facility, m.unit, r.t)
        for m in scenario.messages(ORIGIN)
        if m.sensor == "LOG1"
        for r in m.readings
    ]


def test_a_shipment_reads_its_origin_destination_items_and_times() -> None:
    (shipment,) = parse(journey()).shipments
    assert (shipment.code, shipment.id, shipment.origin, shipment.destination) == (
        "SH1",
        1,
        "DEP",
        "CLN",
    )
    (item,) = shipment.items
    assert (item.product, item.lot, item.doses) == ("HEPB-10", "HB1", 200)
    assert (shipment.dispatch_s, shipment.arrival_s) == (2 * HOUR, 8 * HOUR)


def test_a_logger_publishes_on_the_transit_unit_from_dispatch_to_arrival() -> None:
    readings = logger_readings(parse(journey()))
    assert {(f, u) for _, f, u, _ in readings} == {("DEP", "shipment-1")}
    times = [t for t, *_ in readings]
    assert min(times) == 2 * HOUR and max(times) < 8 * HOUR
    assert len(times) == 6 * 12  # every 5 minutes, the transport loggers' interval
    assert all(2.0 <= c <= 8.0 for *_, c in readings)  # conditioned packs, lid shut


def test_the_ledgers_id_names_the_transit_unit() -> None:
    scenario = parse(journey()).with_shipment_ids({"SH1": 314})
    assert scenario.shipment("SH1").id == 314
    assert {u for _, _, u, _ in logger_readings(scenario)} == {"shipment-314"}
    with pytest.raises(ScenarioError, match="no shipment 'SH9'"):
        scenario.with_shipment_ids({"SH9": 1})


def test_a_lid_left_open_on_the_road_passes_plus_8_within_the_hour() -> None:
    events = [{"kind": "door_left_open", "at": "1h", "for": "4h"}]  # from the dispatch
    readings = logger_readings(parse(journey(logger={"events": events})))
    before = [c for t, *_, c in readings if t < 3 * HOUR]
    during = [c for t, *_, c in readings if 4 * HOUR <= t < 7 * HOUR]
    assert max(before) <= 8.0
    assert min(during) > 8.0


def test_unconditioned_packs_freeze_what_the_box_carries() -> None:
    events = [{"kind": "ice_packs_not_conditioned", "at": "0s"}]
    readings = logger_readings(parse(journey(logger={"events": events})))
    assert min(c for *_, c in readings) <= -0.5


def test_a_journey_still_on_the_road_when_the_scenario_ends_follows_live() -> None:
    scenario = parse(journey({"lead_time": "2d"}))
    stream = (m for m in scenario.messages(ORIGIN, follow_interval_s=60) if m.sensor == "LOG1")
    late = [next(stream).publish_s for _ in range(200)][-1]
    assert late > 12 * HOUR  # still reading after the scenario's span


def test_the_demo_sends_a_cold_box_down_the_road_that_is_still_travelling_at_the_end() -> None:
    demo = load("demo")
    (shipment,) = demo.shipments
    (logger,) = demo.loggers
    assert (shipment.origin, shipment.destination) == ("PROV", "CLN3")
    assert shipment.arrival_s > demo.duration_s > shipment.dispatch_s
    assert logger.sensor.equipment.name == "cold_box"
    above = [
        r.t for m in demo.messages(ORIGIN) if m.sensor == logger.sensor.sensor for r in m.readings
    ]
    assert sum(1 for t in above if t > 8.0) * 5 >= 10 * 60  # ten hours above +8 °C: WHO heat


def test_the_county_week_has_a_road_journey_that_breaks_the_cold_chain() -> None:
    week = load("county_week")
    assert week.shipments and week.loggers
    codes = {lg.sensor.sensor for lg in week.loggers}
    values = [r.t for m in week.messages(ORIGIN) if m.sensor in codes for r in m.readings]
    assert min(values) <= -0.5 or max(values) > 8.0


@pytest.mark.parametrize(
    ("shipment", "logger", "message"),
    [
        ({"origin": "NOWHERE"}, None, "shipments\\[0\\].origin: facility 'NOWHERE'"),
        ({"destination": "DEP"}, None, "origin and destination are both 'DEP'"),
        ({"unit": "CLN-FR9"}, None, "unit 'CLN-FR9' is not a unit of 'DEP'"),
        ({"dispatch_at": "13h"}, None, "dispatch_at must fall within"),
        ({"lead_time": "0s"}, None, "lead_time must be longer"),
        ({"items": []}, None, "items must be a non-empty list"),
        ({"items": [{"product": "HEPB-10", "doses": 0}]}, None, "doses must be at least 1"),
        ({"items": [{"product": "HEPB-10", "doses": 5, "vials": 1}]}, None, "unknown key 'vials'"),
        ({"id": 0}, None, "id must be a whole number >= 1"),
        ({"truck": "T1"}, None, "shipments\\[0\\]: unknown key 'truck'"),
        (None, {"shipment": "SH2"}, "loggers\\[0\\].shipment 'SH2' is not in"),
        (None, {"preset": "domestic_fridge"}, "not a transport container"),
        (None, {"id": "S-DEP-FR1"}, "sensor 'S-DEP-FR1' appears twice"),
        (None, {"sensor": {"interval": "1h"}}, "reads every 30 min or less"),
        (None, {"events": [{"kind": "meteor"}]}, "loggers\\[0\\].events\\[0\\]: unknown event"),
        (None, {"events": [{"kind": "power_cut"}]}, "events\\[0\\].for"),
    ],
)
def test_a_bad_journey_is_refused_with_what_is_wrong(
    shipment: dict[str, Any] | None, logger: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse(journey(shipment, logger))
