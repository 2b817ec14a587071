"""A storage unit's page: the chart's data keeps each period's highest reading, the profile
band and the excursions; the daily record; the lots in the unit; ranges; scope."""

from __future__ import annotations

import json
import re
from typing import Any

from api.pages.chart import unit_events
from ingest.readings import Reading
from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, COUNTY_UNIT, OTHER_UNIT, Feed

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


def test_the_long_ranges_say_where_door_and_power_events_are(fed: Feed, person: Any) -> None:
    page = person("admin").get(f"/units/{CLINIC_UNIT}", range="90d").text
    assert "Door and power events are shown for 24 hours and 7 days." in page
