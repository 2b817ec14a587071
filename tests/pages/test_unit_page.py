"""A storage unit's page: the chart's data keeps each period's highest reading, the profile
band and the excursions; the daily record; the lots in the unit; ranges; scope."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any

from api.pages.chart import UnitEvent, event_counts, unit_events
from ingest.readings import Reading
from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import (
    CLINIC,
    CLINIC_UNIT,
    CLINIC_UNIT_2,
    COUNTY_UNIT,
    OTHER_UNIT,
    Feed,
    sensor_of,
)
from tests.unit.alarms.fakes import T0, reading

CHART = re.compile(r'<script type="application/json" id="chart-data">(.*?)</script>', re.S)


def chart_of(html: str) -> dict[str, Any]:
    found = CHART.search(html)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_chart_keeps_a_single_hot_reading_and_shades_the_excursion(
    fed: Feed, person: Any
) -> None:
    admin = person("admin")
    page = admin.get(f"/units/{COUNTY_UNIT}", range="24h")
    assert page.status_code == 200
    chart = chart_of(page.text)
    assert max(chart["max"]) == 15.0  # the one 15 °C reading is not averaged away
    assert (chart["low"], chart["high"]) == (2.0, 8.0)
    hot = admin.get(f"/units/{CLINIC_UNIT}", range="7d")
    assert chart_of(hot.text)["excursions"]  # the heat episode is shaded
    assert "Daily record" in hot.text and 'aria-current="true">7 days' in hot.text


def test_every_range_answers_and_an_unknown_one_is_the_default(fed: Feed, person: Any) -> None:
    admin = person("admin")
    for name in ("24h", "7d", "30d", "90d", "nonsense"):
        assert admin.get(f"/units/{CLINIC_UNIT}", range=name).status_code == 200


def test_another_clinics_unit_and_an_unknown_unit_are_not_found(
    fed: Feed, person: Any, programme: Programme
) -> None:
    staff = person("staff", programme.clinic)
    assert staff.get(f"/units/{CLINIC_UNIT}").status_code == 200
    page = staff.get(f"/units/{OTHER_UNIT}")
    assert page.status_code == 404 and "12.0" not in page.text
    assert staff.get("/units/NO-SUCH-UNIT").status_code == 404


def test_door_and_power_events_are_the_changes_of_the_readings_flags() -> None:
    def at(minute: int, door: bool | None = None, power: bool | None = None) -> Reading:
        return Reading("F", "U", "s", minute * 60 * 10**9, 5.0, 0, door_open=door, power_on=power)

    readings = [at(0, False, True), at(5, True), at(10), at(15, False), at(20, power=False)]
    readings += [at(25, power=False), at(30, power=True)]
    events = [(e.at_s // 60, e.kind) for e in unit_events(readings)]
    assert events == [
        (5, "door_opened"),
        (15, "door_closed"),
        (20, "power_lost"),
        (30, "power_back"),
    ]


def test_door_openings_and_power_cuts_are_counted_per_bucket() -> None:
    events = [
        UnitEvent(3600, "door_opened"),
        UnitEvent(3700, "door_closed"),
        UnitEvent(7000, "door_opened"),
        UnitEvent(7100, "power_lost"),
        UnitEvent(4 * 3600 * 5, "power_back"),  # a return counts nothing
        UnitEvent(4 * 3600 * 6 + 1, "power_lost"),
    ]
    assert [(c.start_s, c.door_openings, c.power_cuts) for c in event_counts(events, 14400)] == [
        (0, 2, 1),
        (4 * 3600 * 6, 0, 1),
    ]


def flagged(minute: float, *, door: bool | None = None, power: bool | None = None) -> Reading:
    sensor = sensor_of(CLINIC_UNIT_2)
    one = reading(minute, 5.0, unit=CLINIC_UNIT_2, facility=CLINIC, sensor=sensor)
    return dataclasses.replace(one, door_open=door, power_on=power)


def test_the_long_ranges_count_door_and_power_events_per_bucket(fed: Feed, person: Any) -> None:
    day = 24 * 60
    fed.sink.write(
        [
            flagged(-10 * day, power=False),
            flagged(-10 * day + 30, power=True),
            flagged(-3 * day, door=True),
            flagged(-3 * day + 10, door=False),
            flagged(-3 * day + 20, door=True),
            flagged(-3 * day + 30, door=False),
        ]
    )
    admin = person("admin")
    ten_days_ago = int((T0 - timedelta(days=10)).timestamp())
    three_days_ago = int((T0 - timedelta(days=3)).timestamp())
    for name, every in (("30d", 4 * 3600), ("90d", 12 * 3600)):
        page = admin.get(f"/units/{CLINIC_UNIT_2}", range=name).text
        chart = chart_of(page)
        assert chart["events"] == [] and chart["every"] == every
        assert chart["counts"] == [
            [ten_days_ago // every * every, 0, 1],
            [three_days_ago // every * every, 2, 0],
        ]
        assert "Door openings" in page and "Power cuts" in page  # the table without JS
    week = chart_of(admin.get(f"/units/{CLINIC_UNIT_2}", range="7d").text)
    assert [kind for _at, kind in week["events"]] == ["door_opened", "door_closed"] * 2
    assert week["counts"] == []


def test_the_chart_fragment_is_the_pages_chart_alone(
    fed: Feed, person: Any, programme: Programme
) -> None:
    staff = person("staff", programme.clinic)
    fragment = staff.get(f"/units/{CLINIC_UNIT}/chart", range="7d")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "Daily record" not in fragment.text
    page = staff.get(f"/units/{CLINIC_UNIT}", range="7d").text
    assert chart_of(fragment.text) == chart_of(page)
    assert 'hx-get="/units/GD-K1-C1-F1/chart?range=7d"' in page
    assert 'hx-trigger="every 60s, refresh"' in page
    assert staff.get(f"/units/{OTHER_UNIT}/chart").status_code == 404
    assert staff.get("/units/NO-SUCH-UNIT/chart").status_code == 404
