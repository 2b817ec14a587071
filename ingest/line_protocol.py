"""Encode a Reading as one line of InfluxDB line protocol (the hot path of every store write).

``temperature,facility=F,unit=U,sensor=S temperature_c=4.5,received_at_ns=…i[,seq=…i]
[,battery_pct=…][,door_open=true][,power_on=false] <device_time_ns>`` with ns precision.

Invariants:
- A line is produced only if InfluxDB (1.x and 2.x alike) will read back exactly the values
  given; anything else raises ``UnencodableReading`` with a reason, before any I/O. That covers
  NaN and ±inf (line protocol has no spelling for them), empty tags, and characters whose
  meaning in tag values differs between versions (backslash) or that cannot be escaped at all
  (control characters such as a newline, which would split the line).
- Commas, spaces and equals signs in tag values are escaped with a backslash.
- The series part (measurement and tags) of a sensor is computed once and cached: tag values
  are low-cardinality, and the per-reading cost is then a dict lookup and an f-string.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.readings import Reading

MEASUREMENT = "temperature"
_FLOAT_LIMIT = 1.7976931348623157e308  # float max: a chained comparison rejects NaN and ±inf
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SERIES_CACHE_LIMIT = 100_000
_ESCAPES = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})

# sensor_id -> (facility, unit, series key); checked against the reading on every use, so a
# sensor moved to another unit gets a new series key.
_series: dict[str, tuple[str, str, str]] = {}


class UnencodableReading(ValueError):
    """The reading cannot be written as line protocol; ``reason`` says which value and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(reading: Reading) -> str:
    """One line of line protocol (no trailing newline) for ``reading``."""
    cached = _series.get(reading.sensor_id)
    if cached is not None and cached[0] == reading.facility and cached[1] == reading.unit:
        series = cached[2]
    else:
        series = _series_key(reading.facility, reading.unit, reading.sensor_id)
    t = reading.temperature_c
    if not -_FLOAT_LIMIT <= t <= _FLOAT_LIMIT:
        raise UnencodableReading(f"temperature_c is {t!r}: only finite numbers can be stored")
    line = f"{series} temperature_c={float(t)!r},received_at_ns={_int(reading.received_at_ns)}i"
    if reading.seq is not None:
        line += f",seq={_int(reading.seq)}i"
    if reading.battery_pct is not None:
        b = reading.battery_pct
        if not -_FLOAT_LIMIT <= b <= _FLOAT_LIMIT:
            raise UnencodableReading(f"battery_pct is {b!r}: only finite numbers can be stored")
        line += f",battery_pct={float(b)!r}"
    if reading.door_open is not None:
        line += ",door_open=true" if reading.door_open else ",door_open=false"
    if reading.power_on is not None:
        line += ",power_on=true" if reading.power_on else ",power_on=false"
    return f"{line} {_int(reading.device_time_ns)}"


def _int(value: int) -> int:
    # bool is an int in Python, and would print as "True"
    if type(value) is not int or not _INT64_MIN <= value <= _INT64_MAX:
        raise UnencodableReading(f"{value!r} is not a 64-bit integer")
    return value


def _series_key(facility: str, unit: str, sensor_id: str) -> str:
    key = (
        f"{MEASUREMENT},facility={escape_tag('facility', facility)},"
        f"unit={escape_tag('unit', unit)},sensor={escape_tag('sensor', sensor_id)}"
    )
    if len(_series) >= _SERIES_CACHE_LIMIT:
        _series.clear()
    _series[sensor_id] = (facility, unit, key)
    return key


def escape_tag(name: str, value: str) -> str:
    """``value`` escaped for a tag value, or ``UnencodableReading`` naming the tag."""
    if not isinstance(value, str) or not value:
        raise UnencodableReading(f"tag {name} is {value!r}: a tag value must be a non-empty string")
    if "\\" in value:
        raise UnencodableReading(
            f"tag {name}={value!r} contains a backslash, which InfluxDB versions read differently"
        )
    if not value.isprintable():
        raise UnencodableReading(f"tag {name}={value!r} contains a control character")
    return value.translate(_ESCAPES)


def encode_batch(readings: Sequence[Reading]) -> tuple[list[str], list[int], list[tuple[int, str]]]:
    """Lines for the encodable readings, their batch indices, and (index, reason) for the rest."""
    lines: list[str] = []
    indices: list[int] = []
    refused: list[tuple[int, str]] = []
    for index, reading in enumerate(readings):
        try:
            lines.append(encode(reading))
        except UnencodableReading as exc:
            refused.append((index, exc.reason))
        else:
            indices.append(index)
    return lines, indices, refused
