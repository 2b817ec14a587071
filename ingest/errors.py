"""Named errors of the ingest package, under one base class.

Bad messages are not errors: they are values (``ingest.decode.Rejection``) that end as dead
letters. These exceptions are for the services around the pipeline (the sensor registry,
the dead-letter store) and for configuration that ingest cannot run with.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class of every error the ingest package raises on purpose."""


class IngestConfigurationError(IngestError):
    """The ingest settings cannot work together (e.g. a batch larger than the MQTT window)."""


class SensorNotFound(IngestError):
    """The sensor is not in the registry."""

    def __init__(self, sensor_id: str) -> None:
        super().__init__(f"sensor {sensor_id!r} is not registered")
        self.sensor_id = sensor_id


class SensorAlreadyRegistered(IngestError):
    """A sensor with this id is already registered."""

    def __init__(self, sensor_id: str) -> None:
        super().__init__(f"sensor {sensor_id!r} is already registered")
        self.sensor_id = sensor_id


class BindingConflict(IngestError):
    """A binding would overlap another binding of the same sensor, or has an empty interval."""


class StoreUnavailable(IngestError):
    """The SQL database (dead letters, registry) could not be written: retry, ack nothing."""
