"""The sensor registry and the dead-letter store on real SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from ingest.dead_letters import (
    MAX_PAYLOAD_BYTES,
    DeadLetter,
    SqlDeadLetterStore,
    recent_dead_letters,
    unregistered_sensors,
)
from ingest.decode import Sighting
from ingest.errors import BindingConflict, SensorAlreadyRegistered, SensorNotFound
from ingest.registry import (
    bind_sensor,
    load_snapshot,
    register_sensor,
    to_ns,
    unbind_sensor,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_moving_a_sensor_closes_its_old_binding_where_the_new_one_starts(
    engine: Engine,
) -> None:
    register_sensor(engine, "S1", reporting_interval_s=300)
    bind_sensor(engine, "S1", facility="F1", unit="FR-1", valid_from=T0)
    moved = T0 + timedelta(days=10)
    bind_sensor(engine, "S1", facility="F2", unit="FR-9", valid_from=moved)
    info = load_snapshot(engine).sensors["S1"]
    assert info.reporting_interval_s == 300
    before = info.binding_at(to_ns(moved) - 1)
    after = info.binding_at(to_ns(moved))
    assert before is not None and (before.facility, before.unit) == ("F1", "FR-1")
    assert after is not None and (after.facility, after.unit) == ("F2", "FR-9")
    assert info.binding_at(to_ns(T0) - 1) is None


def test_a_binding_overlapping_a_closed_one_is_refused(engine: Engine) -> None:
    register_sensor(engine, "S1")
    bind_sensor(
        engine, "S1", facility="F1", unit="A", valid_from=T0, valid_to=T0 + timedelta(days=5)
    )
    with pytest.raises(BindingConflict):
        bind_sensor(engine, "S1", facility="F1", unit="B", valid_from=T0 + timedelta(days=2))
    bind_sensor(engine, "S1", facility="F1", unit="B", valid_from=T0 + timedelta(days=5))
    assert len(load_snapshot(engine).sensors["S1"].bindings) == 2


def test_unbinding_ends_the_open_binding_and_unknown_sensors_are_named(engine: Engine) -> None:
    register_sensor(engine, "S1")
    with pytest.raises(SensorAlreadyRegistered):
        register_sensor(engine, "S1")
    with pytest.raises(SensorNotFound):
        bind_sensor(engine, "S2", facility="F1", unit="A", valid_from=T0)
    bind_sensor(engine, "S1", facility="F1", unit="A", valid_from=T0)
    unbind_sensor(engine, "S1", at=T0 + timedelta(hours=1))
    (binding,) = load_snapshot(engine).sensors["S1"].bindings
    assert binding.valid_to_ns == to_ns(T0 + timedelta(hours=1))
    with pytest.raises(BindingConflict):
        unbind_sensor(engine, "S1", at=T0 + timedelta(hours=2))


def test_dead_letters_keep_topic_reason_time_and_the_first_4_kib(engine: Engine) -> None:
    store = SqlDeadLetterStore(engine)
    received = to_ns(T0) + 123_456_000
    big = b"x" * 10_000
    store.record(
        [
            DeadLetter("coldchain/v1/F1/U1/S1/reading", b"{oops", "not_json", "line 1", received),
            DeadLetter("coldchain/v1/F1/U1/S2/reading", big, "bad_field", "t", received),
        ],
        {},
    )
    letters = {x.reason: x for x in recent_dead_letters(engine)}
    assert letters["not_json"].payload == b"{oops"
    assert letters["not_json"].received_at == T0 + timedelta(microseconds=123_456)
    assert letters["bad_field"].payload == big[:MAX_PAYLOAD_BYTES]
    assert letters["bad_field"].payload_size == 10_000


def test_unregistered_sightings_accumulate_across_batches(engine: Engine) -> None:
    store = SqlDeadLetterStore(engine)
    t = to_ns(T0)
    store.record([], {"S7": Sighting("F1", "U1", t, t, 3)})
    store.record([], {"S7": Sighting("F1", "U2", t + 10, t + 10, 2)})
    (seen,) = unregistered_sensors(engine)
    assert (seen.sensor_id, seen.unit, seen.readings) == ("S7", "U2", 5)


def test_a_redelivered_bad_message_adds_no_second_dead_letter(engine: Engine) -> None:
    # The crash window: the letters' transaction committed, the PUBACK never left, and the
    # broker sends the same messages again (later, and once twice within one batch).
    store = SqlDeadLetterStore(engine)
    topic = "coldchain/v1/F1/U1/S1/reading"
    first = to_ns(T0)
    bad = DeadLetter(topic, b"{oops", "not_json", "line 1", first)
    refused = [
        DeadLetter(topic, b"[...]", "sink_rejected", f"S1 at {t}: type", first, part=f"S1@{t}")
        for t in (1, 2)
    ]
    store.record([bad, *refused], {})
    again = DeadLetter(topic, b"{oops", "not_json", "line 1", first + 60_000_000_000)
    store.record([again, again, *refused], {})
    letters = recent_dead_letters(engine)
    assert sorted(x.reason for x in letters) == ["not_json", "sink_rejected", "sink_rejected"]
    (kept,) = [x for x in letters if x.reason == "not_json"]
    assert kept.received_at == T0  # the first delivery's time
    other_topic = DeadLetter("coldchain/v1/F1/U1/S2/reading", b"{oops", "not_json", "x", first)
    store.record([other_topic], {})
    assert len(recent_dead_letters(engine)) == 4
