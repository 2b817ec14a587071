"""Bindings added to the registry's snapshot (a logger's window on a shipment)."""

from __future__ import annotations

from ingest.registry import Binding, RegistrySnapshot, SensorInfo, with_bindings

HOUR = 3_600 * 1_000_000_000


def test_an_unregistered_logger_gets_its_windows_and_interval() -> None:
    window = Binding("PROV", "shipment-4", 1 * HOUR, 9 * HOUR)

    snapshot = with_bindings(RegistrySnapshot(sensors={}), {"TL-1": (300, (window,))})

    logger = snapshot.sensors["TL-1"]
    assert logger.reporting_interval_s == 300
    assert logger.binding_at(2 * HOUR) == window
    assert logger.binding_at(9 * HOUR) is None  # half-open: off at detach


def test_a_cold_box_sensor_travels_and_then_reads_its_box_again() -> None:
    box = Binding("PROV", "PROV-CB1", 0, None)
    registered = RegistrySnapshot(sensors={"CB-1": SensorInfo("CB-1", 600, (box,))})
    journey = Binding("PROV", "shipment-4", 1 * HOUR, 9 * HOUR)

    sensor = with_bindings(registered, {"CB-1": (300, (journey,))}).sensors["CB-1"]

    assert sensor.reporting_interval_s == 600  # its own, registered
    assert sensor.binding_at(0) == box
    assert sensor.binding_at(5 * HOUR) == journey  # the later window wins while it lasts
    assert sensor.binding_at(10 * HOUR) == box
