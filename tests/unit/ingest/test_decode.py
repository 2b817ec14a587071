"""Decode and validate: every reading becomes a Reading or a Rejection with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from ingest import decode as d
from ingest.decode import DecodeConfig
from ingest.registry import (
    Binding,
    RegistrySnapshot,
    SensorDirectory,
    SensorInfo,
    static_directory,
    to_ns,
)
from ingest.wire import encode_batch, encode_reading, reading_payload, topic_for
from tests.unit.ingest.builders import NOW, NOW_NS, PREFIX, decoder

TOPIC = topic_for(PREFIX, "F1", "U1", "S1")
AN_HOUR_AGO = NOW_NS // 1_000_000_000 - 3600


def reasons(payload: bytes, topic: str = TOPIC, config: DecodeConfig | None = None) -> list[str]:
    readings, rejections = decoder(config).decode(topic, payload, NOW_NS)
    assert readings == []
    return [r.reason for r in rejections]


def test_a_valid_reading_decodes_with_device_and_receive_times() -> None:
    payload = encode_reading("S1", AN_HOUR_AGO, 4.5, seq=7, battery=88, door=False, power=True)
    readings, rejections = decoder().decode(TOPIC, payload, NOW_NS)
    assert rejections == []
    (reading,) = readings
    assert (reading.facility, reading.unit, reading.sensor_id) == ("F1", "U1", "S1")
    assert reading.device_time_ns == AN_HOUR_AGO * 1_000_000_000
    assert reading.received_at_ns == NOW_NS
    assert (reading.temperature_c, reading.seq, reading.battery_pct) == (4.5, 7, 88.0)
    assert (reading.door_open, reading.power_on) == (False, True)


def test_rfc3339_timestamps_with_z_or_offset_give_the_same_instant() -> None:
    z = b'{"sensor":"S1","ts":"2024-05-01T07:00:00.250Z","t":5}'
    offset = b'{"sensor":"S1","ts":"2024-05-01T09:00:00.250+02:00","t":5}'
    (a,), _ = decoder().decode(TOPIC, z, NOW_NS)
    (b,), _ = decoder().decode(TOPIC, offset, NOW_NS)
    expected = to_ns(datetime(2024, 5, 1, 7, 0, 0, 250_000, tzinfo=UTC))
    assert a.device_time_ns == b.device_time_ns == expected


def test_epoch_seconds_keep_microseconds_exactly() -> None:
    (reading,), _ = decoder().decode(TOPIC, b'{"sensor":"S1","ts":1714543200.123456,"t":5}', NOW_NS)
    assert reading.device_time_ns == 1_714_543_200_123_456_000


def test_a_buffered_list_stores_the_good_items_and_rejects_the_bad_one_alone() -> None:
    items = [reading_payload("S1", AN_HOUR_AGO + i, 5.0) for i in range(3)]
    items[1]["t"] = "warm"
    readings, rejections = decoder().decode(TOPIC, encode_batch(items), NOW_NS)
    assert [r.device_time_ns // 1_000_000_000 - AN_HOUR_AGO for r in readings] == [0, 2]
    (rejection,) = rejections
    assert rejection.reason == d.BAD_FIELD
    assert rejection.detail.startswith("item 1 of 3: t must be a number")
    assert rejection.item is not None and orjson.loads(rejection.item)["t"] == "warm"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", d.NOT_JSON),
        (b'{"sensor":"S1","ts":1714540000,"t":NaN}', d.NOT_FINITE),
        (b'{"sensor":"S1","ts":1714540000,"t":1e999}', d.NOT_FINITE),
        (b"[]", d.NOT_AN_OBJECT),
        (b"42", d.NOT_AN_OBJECT),
        (b'{"ts":1714540000,"t":5}', d.MISSING_FIELD),
        (b'{"sensor":"S1","t":5}', d.MISSING_FIELD),
        (b'{"sensor":"S1","ts":1714540000}', d.MISSING_FIELD),
        (b'{"sensor":"S1","ts":1714540000,"t":"5"}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":1714540000,"t":true}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":"yesterday","t":5}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":"2024-05-01T07:00:00","t":5}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":"2024-05-01","t":5}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":true,"t":5}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":1714540000,"t":5,"seq":1.5}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":1714540000,"t":5,"door":"open"}', d.BAD_FIELD),
        (b'{"sensor":"S1","ts":1714540000,"t":5,"battery":140}', d.IMPOSSIBLE_VALUE),
        (b'{"sensor":"S1","ts":1714540000,"t":-100.5}', d.IMPOSSIBLE_VALUE),
        (b'{"sensor":"S1","ts":1714540000,"t":70.01}', d.IMPOSSIBLE_VALUE),
        (b'{"sensor":"S1","ts":86400,"t":5}', d.IMPOSSIBLE_VALUE),
        (b'{"sensor":"S2","ts":1714540000,"t":5}', d.SENSOR_MISMATCH),
    ],
)
def test_each_bad_payload_is_rejected_with_its_reason(payload: bytes, reason: str) -> None:
    assert reasons(payload) == [reason]


def test_the_temperature_limits_are_inclusive_and_configurable() -> None:
    config = DecodeConfig(min_temperature_c=-30, max_temperature_c=30)
    ok = b'{"sensor":"S1","ts":1714540000,"t":30}'
    assert decoder(config).decode(TOPIC, ok, NOW_NS)[0] != []
    too_cold = b'{"sensor":"S1","ts":1714540000,"t":-30.5}'
    assert reasons(too_cold, config=config) == [d.IMPOSSIBLE_VALUE]


def test_a_timestamp_beyond_the_future_limit_is_rejected_and_within_it_kept() -> None:
    now_s = NOW_NS // 1_000_000_000
    four_min = encode_reading("S1", now_s + 240, 5.0)
    six_min = encode_reading("S1", now_s + 360, 5.0)
    assert len(decoder().decode(TOPIC, four_min, NOW_NS)[0]) == 1
    assert reasons(six_min) == [d.FUTURE_TIMESTAMP]
    assert reasons(four_min, config=DecodeConfig(max_future_s=60)) == [d.FUTURE_TIMESTAMP]


def test_an_oversize_payload_is_refused_unparsed_with_its_size_and_the_limit() -> None:
    config = DecodeConfig(max_payload_bytes=1024)
    items = [reading_payload("S1", AN_HOUR_AGO + i, 5.0) for i in range(40)]
    big = encode_batch(items)  # well-formed readings, only too many bytes
    assert len(big) > 1024
    readings, rejections = decoder(config).decode(TOPIC, big, NOW_NS)
    assert readings == []
    (rejection,) = rejections
    assert rejection.reason == d.TOO_LARGE
    assert f"{len(big)} bytes" in rejection.detail and "1024 bytes" in rejection.detail
    assert len(decoder().decode(TOPIC, big, NOW_NS)[0]) == 40  # the default limit admits it


def test_the_default_payload_limit_refuses_a_300_kb_message() -> None:
    huge = b'{"sensor":"S1","ts":1714540000,"t":5.0,"pad":"' + b"x" * 300_000 + b'"}'
    assert reasons(huge) == [d.TOO_LARGE]


@pytest.mark.parametrize(
    "topic",
    [
        "coldchain/v1/F1/U1/S1",
        "coldchain/v2/F1/U1/S1/reading",
        "coldchain/v1/F1/U1/S1/status",
        "coldchain/v1/F1//S1/reading",
        "coldchain/v1/F1/U1/S1/reading/extra",
    ],
)
def test_a_reading_on_a_foreign_topic_is_rejected(topic: str) -> None:
    assert reasons(encode_reading("S1", AN_HOUR_AGO, 5.0), topic=topic) == [d.BAD_TOPIC]


def test_the_binding_at_device_time_decides_the_unit_not_the_topic() -> None:
    moved = to_ns(NOW) - 30 * 60 * 1_000_000_000  # moved from U1 to U2 half an hour ago
    since = to_ns(datetime(2020, 1, 1, tzinfo=UTC))
    snapshot = RegistrySnapshot(
        sensors={
            "S1": SensorInfo(
                "S1", 600, (Binding("F1", "U1", since, moved), Binding("F1", "U2", moved, None))
            )
        }
    )
    dec = d.Decoder(DecodeConfig(), static_directory(snapshot))
    before = encode_reading("S1", (moved // 1_000_000_000) - 60, 5.0)
    after = encode_reading("S1", (moved // 1_000_000_000) + 60, 5.0)
    topic_u2 = topic_for(PREFIX, "F1", "U2", "S1")
    (old,), _ = dec.decode(topic_u2, before, NOW_NS)  # buffered reading, sent after the move
    (new,), _ = dec.decode(topic_u2, after, NOW_NS)
    assert (old.unit, new.unit) == ("U1", "U2")
    assert dec.observations.take().unit_mismatches == 1


def test_unknown_sensor_is_rejected_under_the_reject_policy() -> None:
    dec = decoder(DecodeConfig(unknown_sensor_policy="reject"), ("S9", "F1", "U1"))
    readings, rejections = dec.decode(TOPIC, encode_reading("S1", AN_HOUR_AGO, 5.0), NOW_NS)
    assert readings == []
    assert [r.reason for r in rejections] == [d.UNKNOWN_SENSOR]


def test_unknown_sensor_is_stored_and_recorded_under_the_flag_policy() -> None:
    dec = decoder(DecodeConfig(unknown_sensor_policy="flag"), ("S9", "F1", "U1"))
    for i in range(3):
        readings, _ = dec.decode(TOPIC, encode_reading("S1", AN_HOUR_AGO + i, 5.0), NOW_NS)
        assert [(r.facility, r.unit) for r in readings] == [("F1", "U1")]
    seen = dec.observations.take().unregistered
    assert list(seen) == ["S1"] and seen["S1"].readings == 3
    assert dec.observations.take().unregistered == {}


def test_a_registered_sensor_outside_its_bindings_is_unbound_not_unknown() -> None:
    start = to_ns(datetime(2024, 5, 1, tzinfo=UTC))
    snapshot = RegistrySnapshot(
        sensors={"S1": SensorInfo("S1", 600, (Binding("F1", "U1", start, None),))}
    )
    dec = d.Decoder(DecodeConfig(unknown_sensor_policy="reject"), static_directory(snapshot))
    early = encode_reading("S1", start // 1_000_000_000 - 60, 5.0)
    assert [r.reason for r in dec.decode(TOPIC, early, NOW_NS)[1]] == [d.UNBOUND_SENSOR]


def test_a_miss_reloads_the_registry_at_most_every_few_seconds() -> None:
    loads: list[int] = []
    clock = [0.0]

    def load() -> RegistrySnapshot:
        loads.append(1)
        return RegistrySnapshot(sensors={})

    directory = SensorDirectory(load, refresh_s=60, miss_refresh_s=5, clock=lambda: clock[0])
    directory.refresh()
    for _ in range(100):
        directory.sensor("nobody")
    clock[0] = 5.0
    directory.sensor("nobody")
    assert len(loads) == 2


def test_an_unregistered_sensor_is_recorded_at_once_then_at_most_every_minute() -> None:
    dec = decoder(DecodeConfig(unknown_sensor_policy="flag"))
    payload = encode_reading("S1", AN_HOUR_AGO, 5.0)
    dec.decode(TOPIC, payload, NOW_NS)
    assert list(dec.take_observations().unregistered) == ["S1"]
    dec.decode(TOPIC, payload, NOW_NS + 10 * 1_000_000_000)
    assert dec.take_observations().unregistered == {}
    dec.decode(TOPIC, payload, NOW_NS + 61 * 1_000_000_000)
    again = dec.take_observations().unregistered
    assert again["S1"].readings == 2  # the count held back in between is not lost
