"""The wire format: what the simulators encode is what ingest decodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from ingest.wire import encode_batch, encode_reading, format_ts, reading_payload, topic_for


def test_topic_names_facility_unit_and_sensor() -> None:
    assert topic_for("coldchain/v1", "F1", "FR-2", "S-9") == "coldchain/v1/F1/FR-2/S-9/reading"


@pytest.mark.parametrize("level", ["", "a/b", "a+", "#"])
def test_a_topic_level_with_a_separator_or_wildcard_is_refused(level: str) -> None:
    with pytest.raises(ValueError):
        topic_for("coldchain/v1", "F1", level, "S1")


def test_a_reading_encodes_to_the_documented_json() -> None:
    ts = datetime(2024, 5, 1, 10, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=2)))
    payload = orjson.loads(encode_reading("S1", ts, 4.5, seq=3, door=True))
    assert payload == {
        "sensor": "S1",
        "ts": "2024-05-01T08:00:00.500000Z",
        "t": 4.5,
        "seq": 3,
        "door": True,
    }


def test_a_buffered_republish_is_a_json_list() -> None:
    items = [reading_payload("S1", 1714550400.0 + i, 5.0) for i in range(2)]
    assert orjson.loads(encode_batch(items)) == items


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError):
        format_ts(datetime(2024, 5, 1))
    assert format_ts(datetime(2024, 5, 1, tzinfo=UTC)).endswith("Z")
