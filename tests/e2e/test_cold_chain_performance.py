"""The cold-chain performance report through the API, over the telemetry of
``tests/e2e/telemetry_feed.py``: time in range with too hot and unknown time apart, MKT,
excursions and alarms by type, acknowledgement times and offline units, per unit, facility
and subtree; scoped like the status board."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import ApiAs, Caller, Programme
from tests.e2e.telemetry_feed import (
    CLINIC,
    CLINIC_UNIT,
    CLINIC_UNIT_2,
    COUNTY,
    OTHER_CLINIC,
    PROVINCE,
    PROVINCE_UNIT,
    Feed,
    feed_programme,
)

DAY = {"first": "2024-03-01", "last": "2024-03-01"}


@pytest.fixture
def fed(programme: Programme, admin: Caller, engine: Engine) -> Feed:
    unit = {"code": CLINIC_UNIT_2, "facility_id": programme.clinic, "kind": "fridge"}
    admin.ok(admin.post("/storage-units", unit), 201)
    return feed_programme(engine)


def report(caller: Caller, facility: str) -> dict[str, Any]:
    answer: dict[str, Any] = caller.ok(
        caller.get("/reports/cold-chain-performance", facility=facility, **DAY)
    )
    return answer


def test_performance_per_unit_facility_and_subtree(fed: Feed, admin: Caller) -> None:
    (heat,) = admin.ok(admin.get("/alarms", type="who-heat", unit=CLINIC_UNIT))
    acked = admin.post(f"/alarms/{heat['id']}/acknowledge", {"comment": "moved"}, key=None)
    waited = datetime.fromisoformat(admin.ok(acked)["acknowledged_at"]) - datetime.fromisoformat(
        heat["raised_at"]
    )
    whole = report(admin, PROVINCE)
    units = {u["unit"]: u["figures"] for u in whole["units"]}
    hot = units[CLINIC_UNIT]
    assert hot["above_minutes"] == 610.0 and hot["below_minutes"] == 0.0
    assert hot["time_in_range_percent"] == round(
        100 * hot["in_range_minutes"] / hot["observed_minutes"], 2
    )
    assert hot["unknown_minutes"] > 0  # before the first reading of the local day
    assert hot["observed_minutes"] + hot["unknown_minutes"] == 1440.0
    assert hot["excursions"] == 1 and hot["alarms_by_type"]["who-heat"] == 1
    assert hot["mkt_c"] > 8.0
    minutes = round(waited.total_seconds() / 60, 1)
    assert hot["median_ack_minutes"] == hot["p90_ack_minutes"] == minutes
    cool = units[CLINIC_UNIT_2]
    assert (cool["time_in_range_percent"], cool["excursions"], cool["alarms"]) == (100.0, 0, 0)
    silent = units[PROVINCE_UNIT]
    assert silent["observed_minutes"] == 0 and silent["time_in_range_percent"] is None
    assert silent["units_offline"] == 1  # its offline alarm, raised the day before, was open
    assert silent["alarms"] == 0  # and is not counted as raised in the period

    facilities = {f["facility"]: f for f in whole["facilities"]}
    clinic = facilities[CLINIC]["own"]
    assert clinic["units"] == 2
    assert clinic["observed_minutes"] == hot["observed_minutes"] + cool["observed_minutes"]
    province = facilities[PROVINCE]
    assert province["own"]["units"] == 1 and province["subtree"]["units"] == 5
    assert province["subtree"]["units_offline"] == 1
    assert province["subtree"]["alarms"] == sum(u["alarms"] for u in units.values())


def test_performance_is_scoped_and_checked(fed: Feed, api_as: ApiAs, programme: Programme) -> None:
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    mine = report(clinic_staff, CLINIC)
    assert {u["unit"] for u in mine["units"]} == {CLINIC_UNIT, CLINIC_UNIT_2}
    refused = clinic_staff.get("/reports/cold-chain-performance", facility=COUNTY, **DAY)
    assert refused.status_code == 403
    other = clinic_staff.get("/reports/cold-chain-performance", facility=OTHER_CLINIC, **DAY)
    assert other.status_code == 403
    unknown = clinic_staff.get("/reports/cold-chain-performance", facility="NOPE", **DAY)
    assert unknown.status_code == 404
    too_long = clinic_staff.get(
        "/reports/cold-chain-performance", facility=CLINIC, first="2024-01-01", last="2024-06-01"
    )
    assert too_long.status_code == 422 and "92 days" in too_long.text
    backwards = clinic_staff.get(
        "/reports/cold-chain-performance", facility=CLINIC, first="2024-03-02", last="2024-03-01"
    )
    assert backwards.status_code == 422


def test_the_cli_prints_the_same_figures(fed: Feed, admin: Caller, database_url: str) -> None:
    from typer.testing import CliRunner

    from coldchain.cli import app as cli

    hot = {u["unit"]: u["figures"] for u in report(admin, PROVINCE)["units"]}[CLINIC_UNIT]
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "cold-chain-performance",
            CLINIC,
            "--first",
            DAY["first"],
            "--last",
            DAY["last"],
        ],
        env={"COLDCHAIN_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Cold-chain performance, {DAY['first']} to {DAY['last']} (local days): {CLINIC} and below"
    )
    (unit_line,) = [line for line in lines if line.startswith(f"  {CLINIC_UNIT}:")]
    assert f"{hot['time_in_range_percent']:.1f} % in range" in unit_line
    assert f"too hot {hot['above_minutes']:g} min" in unit_line
    assert "1 excursion(s)" in unit_line and "who-heat 1" in unit_line

    unknown = CliRunner().invoke(
        cli,
        [
            "report",
            "cold-chain-performance",
            "NOPE",
            "--first",
            DAY["first"],
            "--last",
            DAY["last"],
        ],
        env={"COLDCHAIN_DATABASE_URL": database_url},
    )
    assert unknown.exit_code == 1 and "no facility with code 'NOPE'" in unknown.output


def test_the_csv_has_the_same_figures_and_is_scoped(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    import csv
    import io

    figures = report(admin, CLINIC)
    answer = admin.get("/reports/cold-chain-performance.csv", facility=CLINIC, **DAY)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith("\ufeff".encode()) and b"\r\n" in answer.content
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    (own,) = [r for r in rows if r["scope"] == "own" and r["facility"] == CLINIC]
    assert int(own["units"]) == figures["facilities"][0]["own"]["units"] == 2
    (hot,) = [r for r in rows if r["unit"] == CLINIC_UNIT]
    assert float(hot["above_minutes"]) == 610.0 and "who-heat=1" in hot["alarms_by_type"]
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    refused = clinic_staff.get("/reports/cold-chain-performance.csv", facility=COUNTY, **DAY)
    assert refused.status_code == 403
