"""Telemetry through the API: the unit status board, downsampled readings of a unit or a
sensor (from the embedded store and from a real InfluxDB), daily Fridge-tag summaries, and
the scope of each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from access.principal import Role
from api.app import create_app
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from ingest.sinks.influx_v1 import InfluxV1Sink
from tests.e2e.conftest import ApiAs, Caller, Programme, TokenMaker
from tests.e2e.telemetry_feed import (
    CLINIC,
    CLINIC_UNIT,
    CLINIC_UNIT_2,
    COUNTY,
    COUNTY_UNIT,
    OTHER_CLINIC,
    OTHER_UNIT,
    PROVINCE_UNIT,
    Feed,
    feed_programme,
    sensor_of,
)
from tests.servers import InfluxDB
from tests.unit.alarms.fakes import T0, reading

WINDOW = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=2)).isoformat()}


@pytest.fixture
def fed(programme: Programme, admin: Caller, engine: Engine) -> Feed:
    unit = {"code": CLINIC_UNIT_2, "facility_id": programme.clinic, "kind": "fridge"}
    admin.ok(admin.post("/storage-units", unit), 201)
    return feed_programme(engine)


def board(caller: Caller, **params: Any) -> dict[str, dict[str, Any]]:
    return {s["unit"]: s for s in caller.ok(caller.get("/units/status", **params))}


def test_the_status_board_shows_state_latest_reading_and_open_alarms(
    fed: Feed, admin: Caller
) -> None:
    units = board(admin)
    assert {code: s["state"] for code, s in units.items()} == {
        PROVINCE_UNIT: "offline",
        COUNTY_UNIT: "excursion",
        CLINIC_UNIT: "alarm",
        CLINIC_UNIT_2: "ok",
        OTHER_UNIT: "alarm",
    }
    hot = units[OTHER_UNIT]
    assert hot["latest"]["temperature_c"] == 12.0
    assert hot["latest"]["sensor_id"] == sensor_of(OTHER_UNIT)
    assert hot["latest"]["measured_at"] == (T0 + timedelta(minutes=70)).isoformat().replace(
        "+00:00", "Z"
    )
    assert hot["last_seen"] == hot["latest"]["received_at"]
    assert [a["type"] for a in hot["open_alarms"]] == ["early-heat"]
    assert hot["open_episode"]["open"] is True
    back = units[CLINIC_UNIT]
    assert back["latest"]["temperature_c"] == 5.0 and back["open_episode"] is None
    assert [a["type"] for a in back["open_alarms"]] == ["cumulative-heat"]
    silent = units[PROVINCE_UNIT]
    assert silent["latest"] is None and silent["last_seen"] is None
    assert [a["type"] for a in silent["open_alarms"]] == ["SENSOR_OFFLINE"]
    assert list(board(admin, limit=2, offset=1)) == sorted(units)[1:3]


def test_the_status_board_shows_only_units_in_scope(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    assert set(board(clinic_staff)) == {CLINIC_UNIT, CLINIC_UNIT_2}
    county_viewer = api_as("viewer", facility_id=programme.county)
    assert set(board(county_viewer)) == {COUNTY_UNIT, CLINIC_UNIT, CLINIC_UNIT_2, OTHER_UNIT}
    assert set(board(county_viewer, facility=OTHER_CLINIC)) == {OTHER_UNIT}
    assert set(board(admin, facility=CLINIC)) == {CLINIC_UNIT, CLINIC_UNIT_2}
    assert clinic_staff.get("/units/status", facility=COUNTY).status_code == 403
    assert admin.get("/units/status", facility="NOWHERE").status_code == 404
    assert Caller(admin.client, None).get("/units/status").status_code == 401


def test_a_single_hot_reading_survives_downsampling_as_the_max(fed: Feed, admin: Caller) -> None:
    hourly = admin.ok(admin.get(f"/units/{COUNTY_UNIT}/readings", every=3600, **WINDOW))
    assert hourly["unit"] == COUNTY_UNIT and hourly["every_s"] == 3600
    first, second = hourly["buckets"]
    assert (first["count"], first["min_c"], first["max_c"]) == (6, 5.0, 15.0)
    assert first["mean_c"] == pytest.approx(40.0 / 6)
    assert first["mean_c"] < 8.0  # the mean alone would hide the excursion
    assert (second["count"], second["min_c"], second["max_c"]) == (2, 9.0, 9.0)
    assert second["start"] == first["end"]

    fine = admin.ok(admin.get(f"/units/{COUNTY_UNIT}/readings", every=600, **WINDOW))
    assert [b["max_c"] for b in fine["buckets"]] == [5.0, 5.0, 15.0, 5.0, 5.0, 5.0, 9.0, 9.0]
    assert all(b["count"] == 1 for b in fine["buckets"])


def test_readings_refuse_windows_that_cannot_be_answered(fed: Feed, admin: Caller) -> None:
    path = f"/units/{COUNTY_UNIT}/readings"
    backwards = admin.get(path, start=WINDOW["end"], end=WINDOW["start"])
    assert backwards.status_code == 422 and backwards.json()["error"] == "TelemetryQueryError"
    too_many = admin.get(path, start=WINDOW["start"], end="2025-03-01T00:00:00Z", every=60)
    assert too_many.status_code == 422 and "windows" in too_many.json()["detail"]
    naive = admin.get(path, start="2024-03-01T00:00:00", end=WINDOW["end"])
    assert naive.status_code == 422 and "start" in naive.json()["detail"]
    unknown = admin.get("/units/NO-SUCH-UNIT/readings", **WINDOW)
    assert unknown.status_code == 404 and unknown.json()["error"] == "UnknownUnit"


def test_a_bucket_width_outside_a_minute_to_90_days_is_refused_not_crashed(
    fed: Feed, admin: Caller
) -> None:
    paths = (f"/units/{CLINIC_UNIT}/readings", f"/sensors/{sensor_of(CLINIC_UNIT)}/readings")
    for path in paths:
        for every in (100_000_000_000_000, 90 * 86_400 + 1, 59, 2**63):
            refused = admin.get(path, every=every, **WINDOW)
            assert refused.status_code == 422, refused.text
            assert "query.every" in refused.json()["detail"]
        widest = admin.ok(admin.get(path, every=90 * 86_400, **WINDOW))
        assert sum(b["count"] for b in widest["buckets"]) > 0


def test_readings_are_shown_only_in_scope(fed: Feed, api_as: ApiAs, programme: Programme) -> None:
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    mine = clinic_staff.ok(clinic_staff.get(f"/units/{CLINIC_UNIT}/readings", **WINDOW))
    assert mine["buckets"][1]["max_c"] == 12.0
    assert clinic_staff.get(f"/units/{OTHER_UNIT}/readings", **WINDOW).status_code == 403
    summaries = clinic_staff.get(f"/units/{OTHER_UNIT}/daily-summaries", first="2024-03-01")
    assert summaries.status_code == 403


def test_a_sensors_readings_follow_its_bindings(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    sensor = sensor_of(CLINIC_UNIT)
    found = admin.ok(admin.get(f"/sensors/{sensor}/readings", every=3600, **WINDOW))
    assert found["sensor"] == sensor and found["unit"] is None
    assert [b["count"] for b in found["buckets"]] == [6, 6]
    assert found["buckets"][1]["max_c"] == 12.0
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    assert clinic_staff.get(f"/sensors/{sensor}/readings", **WINDOW).status_code == 200
    other_staff = api_as("staff", facility_id=programme.other_clinic)
    assert other_staff.get(f"/sensors/{sensor}/readings", **WINDOW).status_code == 403
    unknown = admin.get("/sensors/s-nobody/readings", **WINDOW)
    assert unknown.status_code == 404 and unknown.json()["error"] == "SensorNotFound"


def test_daily_summaries_give_each_local_day_its_extremes_and_alarms(
    fed: Feed, admin: Caller
) -> None:
    path = f"/units/{CLINIC_UNIT}/daily-summaries"
    before, day = admin.ok(admin.get(path, first="2024-02-29", last="2024-03-01"))
    assert before["day"] == "2024-02-29" and before["reading_count"] == 0
    assert before["alarms"] == [] and before["max_c"] is None
    assert day["day"] == "2024-03-01" and day["time_zone"] == "Asia/Shanghai"
    assert day["start"] == "2024-02-29T16:00:00Z" and day["complete"] is True
    assert day["reading_count"] == 70
    assert (day["min_c"], day["max_c"]) == (5.0, 12.0)
    assert day["max_at"] == "2024-03-01T01:00:00Z"
    assert 600 <= day["minutes_above"] <= 620 and day["minutes_at_or_below_freeze"] == 0
    assert day["alarms"] == ["cumulative-heat", "early-heat", "who-heat"]
    cool = admin.ok(
        admin.get(f"/units/{CLINIC_UNIT_2}/daily-summaries", first="2024-03-01", last="2024-03-01")
    )
    assert [(d["max_c"], d["minutes_above"], d["alarms"]) for d in cool] == [(5.0, 0, [])]
    backwards = admin.get(path, first="2024-03-02", last="2024-03-01")
    assert backwards.status_code == 422 and backwards.json()["error"] == "InvalidQuery"


@pytest.fixture
def influx_api(influxdb: InfluxDB, database_url: str, make_token: TokenMaker) -> Iterator[Caller]:
    """The API wired by the composition root to read telemetry from a real InfluxDB 1.x."""
    settings = Settings(
        database_url=database_url, telemetry_store="influxdb-v1", influx_url=influxdb.url
    )
    deps = build_api_deps(settings)
    with TestClient(create_app(deps)) as client:
        yield Caller(client, make_token("influx-admin", Role.ADMIN))
    deps.session_factory.kw["bind"].dispose()


def test_readings_come_from_influxdb_when_it_is_the_configured_store(
    programme: Programme, influx_api: Caller, influxdb: InfluxDB
) -> None:
    temps = [5.0, 5.0, 15.0, 5.0, 5.0, 5.0, 9.0, 9.0]
    readings = [
        reading(i * 10, t, unit=COUNTY_UNIT, facility=COUNTY, sensor="s-influx")
        for i, t in enumerate(temps)
    ]
    sink = InfluxV1Sink(influxdb.url, "coldchain")
    try:
        assert sink.write(readings).rejected == ()
    finally:
        sink.close()
    hourly = influx_api.ok(influx_api.get(f"/units/{COUNTY_UNIT}/readings", every=3600, **WINDOW))
    assert [(b["count"], b["max_c"]) for b in hourly["buckets"]] == [(6, 15.0), (2, 9.0)]
    units = board(influx_api, facility=COUNTY)
    assert units[COUNTY_UNIT]["latest"]["temperature_c"] == 9.0
    assert units[CLINIC_UNIT]["latest"] is None


def test_default_windows_are_the_last_day_and_the_last_week(fed: Feed, admin: Caller) -> None:
    """Without start/end: the last 24 h of readings; without first/last: the last 7 local
    days. The feed is from 2024, so both answer empty rather than fail."""
    assert admin.ok(admin.get(f"/units/{CLINIC_UNIT}/readings"))["buckets"] == []
    week = admin.ok(admin.get(f"/units/{CLINIC_UNIT}/daily-summaries"))
    days = [date.fromisoformat(d["day"]) for d in week]
    assert days == [days[0] + timedelta(days=i) for i in range(7)]
    assert all(d["reading_count"] == 0 for d in week)
