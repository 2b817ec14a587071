"""The contract every telemetry store keeps.

``write`` either stores the whole batch durably and returns, reports the readings it
refused (and stored all the others), or raises ``SinkUnavailable`` having stored nothing
that the caller may count on, in which case the caller retries the whole batch later.
Writes are keyed on (sensor_id, device_time_ns), so writing a reading twice stores it once.
A store that refuses our credentials, or does not know the database, org or bucket we were
configured with, raises ``SinkMisconfigured``: retrying cannot help, so it is not a
``SinkUnavailable``; nothing of the batch is acknowledged and the process should stop loudly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ingest.readings import Reading


class SinkUnavailable(Exception):
    """The store could not be reached or answered 5xx: retry later, acknowledge nothing."""


class SinkMisconfigured(Exception):
    """The store refused our credentials or names (401/403/404): fix the configuration."""


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int  # position in the batch given to write()
    reason: str


@dataclass(frozen=True, slots=True)
class WriteResult:
    written: int
    rejected: tuple[Rejected, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Bucket:
    """One downsampled window: excursions survive as min and max, never only as a mean."""

    start_ns: int
    count: int
    min_c: float
    max_c: float
    mean_c: float


class Sink(Protocol):
    def write(self, readings: Sequence[Reading]) -> WriteResult: ...

    def close(self) -> None: ...
