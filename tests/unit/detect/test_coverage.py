"""The transport record's coverage of a journey (rule 27)."""

from __future__ import annotations

from ingest.detect.coverage import CoverageTolerance, journey_coverage
from ingest.detect.profiles import FRIDGE

MIN = 60 * 1_000_000_000
EVERY = 5 * MIN


def test_a_logger_reading_every_five_minutes_covers_its_journey() -> None:
    times = [i * EVERY for i in range(0, 12 * 12)]  # 12 h
    temps = [12.0 if 12 <= i < 24 else 5.0 for i in range(len(times))]

    record = journey_coverage(times, temps, 0, 12 * 60 * MIN, 300, FRIDGE)

    assert record.covers and record.problems == () and record.gaps == ()
    assert (record.min_c, record.max_c) == (5.0, 12.0)
    assert record.minutes_above == 60.0 and record.minutes_below == 0.0
    assert record.unknown_minutes == 0.0
    assert record.mkt_c is not None and 5.0 < record.mkt_c < 12.0


def test_late_start_early_end_and_a_silence_each_break_the_record() -> None:
    times = [40 * MIN + i * EVERY for i in range(10)] + [200 * MIN + i * EVERY for i in range(5)]

    record = journey_coverage(times, [5.0] * len(times), 0, 300 * MIN, 300, FRIDGE)

    assert not record.covers
    assert record.problems == (
        "the first reading came 40 min after dispatch",
        "the last reading came 80 min before arrival",
        "no reading for 115 min on the road",
    )
    assert [(g.start_ns // MIN, g.end_ns // MIN) for g in record.gaps] == [
        (0, 40),
        (85, 200),
        (220, 300),
    ]


def test_the_tolerance_is_a_setting_and_no_reading_never_covers() -> None:
    times = [40 * MIN + i * EVERY for i in range(10)]
    lenient = CoverageTolerance(edge_minutes=45, max_gap_minutes=60)

    assert journey_coverage(times, [5.0] * 10, 0, 125 * MIN, 300, FRIDGE, lenient).covers
    empty = journey_coverage([], [], 0, 60 * MIN, 300, FRIDGE)
    assert not empty.covers and empty.problems == ("no reading during the journey",)
    assert empty.min_c is None and empty.mkt_c is None
