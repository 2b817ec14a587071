"""The simulated logger: interval, noise and resolution, drop-outs, spikes, a stuck value,
low battery, clock skew, hourly uploads and store-and-forward after an outage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulators import events as ev
from simulators.ambient import Ambient
from simulators.equipment import PRESETS
from simulators.sensor import LoggedReading, Message, SensorSpec, SimulatedSensor

HOUR = 3600.0
ORIGIN = datetime(2026, 11, 1, tzinfo=UTC)


def make_sensor(spec: SensorSpec, *events: ev.Event, seed: int = 3) -> SimulatedSensor:
    return SimulatedSensor(
        "CLN1", "CLN1-FR1", "S-1", PRESETS["domestic_fridge"], seed, spec, events, Ambient()
    )


def messages(sensor: SimulatedSensor, hours: float = 24.0) -> list[Message]:
    return list(sensor.messages(ORIGIN.timestamp(), hours * HOUR))


def readings(sensor: SimulatedSensor, hours: float = 24.0) -> list[LoggedReading]:
    return [r for m in messages(sensor, hours) for r in m.readings]


def test_a_logger_reads_every_interval_one_message_a_reading() -> None:
    got = messages(make_sensor(SensorSpec(interval_s=600.0)))
    assert len(got) == 144 and not any(m.batch for m in got)
    assert [m.readings[0].seq for m in got] == list(range(144))
    assert got[1].readings[0].ts - got[0].readings[0].ts == timedelta(minutes=10)
    assert got[0].readings[0].ts == ORIGIN


def test_values_carry_the_resolution_of_the_logger() -> None:
    values = [r.t for r in readings(make_sensor(SensorSpec(resolution_c=0.5, noise_c=0.2)))]
    assert all(abs(v * 2 - round(v * 2)) < 1e-9 for v in values)
    assert len(set(values)) > 1


def test_drop_outs_leave_gaps_in_seq() -> None:
    got = readings(make_sensor(SensorSpec(dropout_rate=0.2)), hours=48)
    assert 0.7 * 288 < len(got) < 0.9 * 288
    seqs = [r.seq for r in got]
    assert seqs == sorted(seqs) and seqs[-1] >= 280


def test_a_spike_is_one_reading_far_off() -> None:
    got = [r.t for r in readings(make_sensor(SensorSpec(spike_rate=0.05, spike_c=12.0)))]
    spikes = [i for i, v in enumerate(got) if v > 12.0]
    assert spikes
    assert all(got[i - 1] < 9.0 for i in spikes if i > 0 and i - 1 not in spikes)


def test_a_stuck_sensor_repeats_its_last_value() -> None:
    stuck = ev.Event(ev.SENSOR_STUCK, 2 * HOUR, 6 * HOUR)
    cut = ev.Event(ev.POWER_CUT, 1 * HOUR, 20 * HOUR)
    got = readings(make_sensor(SensorSpec(), stuck, cut))
    during = {r.t for r in got if ORIGIN + timedelta(hours=2) <= r.ts < ORIGIN + timedelta(hours=6)}
    assert len(during) == 1
    assert max(r.t for r in got) > 8.0  # the fridge warmed all the same


def test_a_low_battery_is_reported_and_loses_readings() -> None:
    spec = SensorSpec(battery_pct=30.0, battery_drain_pct_per_day=10.0, low_battery_pct=20.0)
    got = readings(make_sensor(spec), hours=72)
    first_day = [r for r in got if r.ts < ORIGIN + timedelta(days=1)]
    last_day = [r for r in got if r.ts >= ORIGIN + timedelta(days=2)]
    assert first_day[0].battery == 30.0 and last_day[-1].battery is not None
    assert last_day[-1].battery < 20.0
    assert len(first_day) == 144 and len(last_day) < 0.85 * 144


def test_clock_skew_shifts_and_drifts_device_time() -> None:
    spec = SensorSpec(clock_offset_s=-90.0, clock_drift_ppm=100.0)
    got = readings(make_sensor(spec))
    assert got[0].ts == ORIGIN - timedelta(seconds=90)
    last_true = ORIGIN + timedelta(seconds=got[-1].seq * 600)
    drift = (got[-1].ts - last_true).total_seconds() + 90.0
    assert abs(drift - 100e-6 * got[-1].seq * 600) < 1e-3


def test_hourly_uploads_batch_six_ten_minute_readings() -> None:
    got = messages(make_sensor(SensorSpec(interval_s=600.0, upload_interval_s=HOUR)))
    assert all(m.batch for m in got)
    assert sum(len(m.readings) for m in got) == 144
    assert all(len(m.readings) <= 6 for m in got) and max(len(m.readings) for m in got) == 6
    for m in got:  # an upload is published after the readings it carries were taken
        assert all(r.ts.timestamp() <= ORIGIN.timestamp() + m.publish_s for r in m.readings)


def test_after_an_outage_the_live_reading_comes_first_then_the_buffer() -> None:
    down = ev.Event(ev.UPLINK_DOWN, 4 * HOUR, 10 * HOUR)
    got = messages(make_sensor(SensorSpec(interval_s=600.0), down))
    back = [m for m in got if m.publish_s == 10 * HOUR]
    assert [m.batch for m in back] == [False, True]
    live, buffered = back
    assert live.readings[0].ts == ORIGIN + timedelta(hours=10)
    assert len(buffered.readings) == 36  # six hours of 10-minute readings
    assert buffered.readings[0].ts == ORIGIN + timedelta(hours=4)  # with their own times
    assert not [m for m in got if 4 * HOUR <= m.publish_s < 10 * HOUR]
    assert sum(len(m.readings) for m in got) == 144


def test_a_long_buffer_is_split_into_messages_of_per_message_readings() -> None:
    down = ev.Event(ev.UPLINK_DOWN, 0.0, 20 * HOUR)
    got = messages(make_sensor(SensorSpec(interval_s=300.0, per_message=50), down))
    buffered = [m for m in got if m.batch]
    assert [len(m.readings) for m in buffered] == [50, 50, 50, 50, 40]


def test_the_same_seed_gives_the_same_messages() -> None:
    spec = SensorSpec(dropout_rate=0.1, spike_rate=0.02, upload_interval_s=HOUR)
    assert messages(make_sensor(spec)) == messages(make_sensor(spec))
    assert messages(make_sensor(spec)) != messages(make_sensor(spec, seed=4))


def test_following_live_goes_on_after_the_span_at_its_own_pace() -> None:
    sensor = make_sensor(SensorSpec(interval_s=600.0))
    stream = sensor.messages(ORIGIN.timestamp(), HOUR, follow_interval_s=10.0)
    got = [next(stream) for _ in range(9)]
    assert [m.publish_s for m in got[6:]] == [HOUR + 10.0, HOUR + 20.0, HOUR + 30.0]
    assert [m.readings[0].seq for m in got] == list(range(9))
