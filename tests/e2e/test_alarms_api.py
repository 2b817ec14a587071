"""Alarms, episodes and alarm contacts through the API, with the roles of the ledger: lists
and filters, acknowledgement (comment required, never clears, history kept, notified),
episode detail with the exposed lots, contact management, and every scope refusal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from ingest.notify.outbox import SqlOutbox
from tests.e2e.conftest import PREFIX, ApiAs, Caller, Programme
from tests.e2e.telemetry_feed import (
    CLINIC,
    CLINIC_UNIT,
    CLINIC_UNIT_2,
    COUNTY,
    COUNTY_UNIT,
    EXPOSED,
    OTHER_CLINIC,
    OTHER_UNIT,
    PROVINCE_UNIT,
    Feed,
    feed_programme,
)


@pytest.fixture
def fed(programme: Programme, admin: Caller, engine: Engine) -> Feed:
    unit = {"code": CLINIC_UNIT_2, "facility_id": programme.clinic, "kind": "fridge"}
    admin.ok(admin.post("/storage-units", unit), 201)
    return feed_programme(engine)


def alarms(caller: Caller, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = caller.ok(caller.get("/alarms", **filters))
    return found


def alarm_of(caller: Caller, unit: str, type: str) -> dict[str, Any]:
    [found] = alarms(caller, unit=unit, type=type)
    return found


def acknowledge(caller: Caller, alarm_id: int, comment: str | None) -> Any:
    body = {} if comment is None else {"comment": comment}
    return caller.post(f"/alarms/{alarm_id}/acknowledge", body, key=None)


def test_alarms_are_listed_newest_first_and_filtered(fed: Feed, admin: Caller) -> None:
    every = alarms(admin)
    assert sorted((a["unit"], a["type"]) for a in every) == [
        (PROVINCE_UNIT, "SENSOR_OFFLINE"),
        (CLINIC_UNIT, "cumulative-heat"),
        (CLINIC_UNIT, "early-heat"),
        (CLINIC_UNIT, "who-heat"),
        (OTHER_UNIT, "early-heat"),
    ]
    assert [a["raised_at"] for a in every] == sorted((a["raised_at"] for a in every), reverse=True)
    raised = alarms(admin, state="raised")
    assert sorted((a["unit"], a["type"]) for a in raised) == [
        (PROVINCE_UNIT, "SENSOR_OFFLINE"),
        (CLINIC_UNIT, "cumulative-heat"),
        (OTHER_UNIT, "early-heat"),
    ]
    assert {a["type"] for a in alarms(admin, state="cleared")} == {"early-heat", "who-heat"}
    assert [a["unit"] for a in alarms(admin, type="who-heat")] == [CLINIC_UNIT]
    assert [a["type"] for a in alarms(admin, severity="alarm")] == ["who-heat"]
    assert {a["unit"] for a in alarms(admin, facility=CLINIC)} == {CLINIC_UNIT}
    assert len(alarms(admin, facility=COUNTY)) == 4  # the county's subtree: both clinics
    assert [a["id"] for a in alarms(admin, limit=2, offset=1)] == [a["id"] for a in every[1:3]]

    who_heat = alarm_of(admin, CLINIC_UNIT, "who-heat")
    assert who_heat["severity"] == "alarm" and who_heat["peak_c"] == 12.0
    assert who_heat["exposed_doses"] == EXPOSED.doses
    assert who_heat["rule"]["id"] == "who-heat"


def test_alarm_list_filters_that_cannot_be_answered_are_refused(fed: Feed, admin: Caller) -> None:
    unknown = admin.get("/alarms", facility="NOWHERE")
    assert unknown.status_code == 404 and "NOWHERE" in unknown.json()["detail"]
    assert admin.get("/alarms", state="sleeping").status_code == 422
    assert admin.get("/alarms", limit=0).status_code == 422
    missing = admin.get("/alarms/999999")
    assert missing.status_code == 404 and missing.json()["error"] == "AlarmNotFound"


def test_staff_see_only_the_alarms_of_their_subtree(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    assert {a["unit"] for a in alarms(clinic_staff)} == {CLINIC_UNIT}
    county_viewer = api_as("viewer", facility_id=programme.county)
    assert {a["unit"] for a in alarms(county_viewer)} == {CLINIC_UNIT, OTHER_UNIT}

    other = alarm_of(admin, OTHER_UNIT, "early-heat")
    assert clinic_staff.get(f"/alarms/{other['id']}").status_code == 403
    assert clinic_staff.get("/alarms", facility=OTHER_CLINIC).status_code == 403
    assert alarms(clinic_staff, unit=OTHER_UNIT) == []
    assert county_viewer.ok(county_viewer.get(f"/alarms/{other['id']}"))["unit"] == OTHER_UNIT
    assert Caller(clinic_staff.client, None).get("/alarms").status_code == 401


def test_acknowledging_records_who_and_why_and_never_clears(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    staff = api_as("staff", facility_id=programme.other_clinic)
    alarm = alarm_of(admin, OTHER_UNIT, "early-heat")
    assert alarm["state"] == "raised" and not alarm["acknowledged"]

    first = staff.ok(acknowledge(staff, alarm["id"], "Moved the vials to the cold box."))
    assert first["state"] == "raised" and first["cleared_at"] is None
    assert first["acknowledged"] and first["acknowledged_by"] == staff_name(staff)
    assert first["acknowledgement_comment"] == "Moved the vials to the cold box."
    staff.ok(acknowledge(staff, alarm["id"], "Technician replaced the thermostat."))

    detail = admin.ok(admin.get(f"/alarms/{alarm['id']}"))
    assert detail["state"] == "raised"
    assert [(a["comment"], a["alarm_state"]) for a in detail["acknowledgements"]] == [
        ("Moved the vials to the cold box.", "raised"),
        ("Technician replaced the thermostat.", "raised"),
    ]
    assert {a["user"] for a in detail["acknowledgements"]} == {staff_name(staff)}
    assert alarm["id"] in [a["id"] for a in alarms(admin, state="raised")]


def test_an_acknowledgement_says_what_was_done_from_the_list(fed: Feed, admin: Caller) -> None:
    alarm = alarm_of(admin, OTHER_UNIT, "early-heat")
    path = f"/alarms/{alarm['id']}/acknowledge"
    unknown = admin.post(path, {"comment": "x", "action": "prayed"}, key=None)
    assert unknown.status_code == 422 and "action" in unknown.text
    done = admin.ok(admin.post(path, {"comment": "door shut", "action": "kept_cold"}, key=None))
    assert [(a["action"], a["comment"]) for a in done["acknowledgements"]] == [
        ("kept_cold", "door shut")
    ]
    plain = admin.ok(admin.post(path, {"comment": "checked again"}, key=None))
    assert plain["acknowledgements"][-1]["action"] is None


def staff_name(caller: Caller) -> str:
    name: str = caller.ok(caller.get("/me"))["name"]
    return name


def test_an_acknowledgement_needs_a_comment(fed: Feed, admin: Caller) -> None:
    alarm = alarm_of(admin, OTHER_UNIT, "early-heat")
    missing = acknowledge(admin, alarm["id"], None)
    assert missing.status_code == 422 and "comment" in missing.json()["detail"]
    blank = acknowledge(admin, alarm["id"], "   ")
    assert blank.status_code == 422
    assert blank.json() == {
        "error": "InvalidAcknowledgement",
        "detail": "an acknowledgement needs a comment saying what was done",
    }
    detail = admin.ok(admin.get(f"/alarms/{alarm['id']}"))
    assert detail["acknowledgements"] == [] and not detail["acknowledged"]


def test_only_staff_in_scope_or_admins_acknowledge(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    other = alarm_of(admin, OTHER_UNIT, "early-heat")
    mine = alarm_of(admin, CLINIC_UNIT, "cumulative-heat")
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    clinic_viewer = api_as("viewer", facility_id=programme.clinic)
    refused = acknowledge(clinic_staff, other["id"], "not mine")
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    assert acknowledge(clinic_viewer, mine["id"], "looked at it").status_code == 403
    assert acknowledge(Caller(admin.client, None), mine["id"], "who am I").status_code == 401
    assert acknowledge(admin, 999999, "no such alarm").status_code == 404
    assert admin.ok(admin.get(f"/alarms/{other['id']}"))["acknowledgements"] == []

    assert clinic_staff.ok(acknowledge(clinic_staff, mine["id"], "checked"))["acknowledged"]
    cleared = alarm_of(admin, CLINIC_UNIT, "who-heat")
    done = admin.ok(acknowledge(admin, cleared["id"], "reviewed after the fact"))
    assert done["state"] == "cleared" and done["acknowledged_by"] == staff_name(admin)


def test_an_acknowledgement_is_queued_for_the_facility_contacts(
    fed: Feed, admin: Caller, engine: Engine
) -> None:
    hook = {"channel": "webhook", "address": "https://clinic.example.org/hook", "name": "duty"}
    admin.ok(admin.post(f"/facilities/{OTHER_CLINIC}/contacts", hook, key=None), 201)
    alarm = alarm_of(admin, OTHER_UNIT, "early-heat")
    admin.ok(acknowledge(admin, alarm["id"], "on it"))

    queued = [e for e in SqlOutbox(engine).entries() if e.notice_id.startswith("acknowledged:")]
    assert [(e.channel, e.address, e.status) for e in queued] == [
        ("webhook", "https://clinic.example.org/hook", "pending")
    ]
    assert alarm["key"] in queued[0].notice_id


def test_episode_detail_names_the_exposed_lots_and_its_alarms(fed: Feed, admin: Caller) -> None:
    [episode] = admin.ok(admin.get("/episodes", unit=CLINIC_UNIT))
    assert not episode["open"] and episode["max_c"] == 12.0 and episode["direction"] == "above"
    detail = admin.ok(admin.get(f"/episodes/{episode['id']}"))
    assert detail["exposed_lots"] == [
        {
            "lot_id": EXPOSED.lot_id,
            "product": EXPOSED.product,
            "lot_number": EXPOSED.lot_number,
            "expiry": EXPOSED.expiry.isoformat(),
            "doses": 250,
            "freeze_sensitive": False,
            "present_from": detail["exposed_lots"][0]["present_from"],
            "present_to": detail["exposed_lots"][0]["present_to"],
        }
    ]
    assert detail["exposed_doses"] == 250
    assert sorted(a["type"] for a in detail["alarms"]) == [
        "cumulative-heat",
        "early-heat",
        "who-heat",
    ]
    assert detail["minutes_above"] > 600 and detail["mkt_c"] > 8.0

    still_open = admin.ok(admin.get("/episodes", open="true"))
    assert sorted(e["unit"] for e in still_open) == sorted([COUNTY_UNIT, OTHER_UNIT])
    missing = admin.get("/episodes/999999")
    assert missing.status_code == 404 and missing.json()["error"] == "EpisodeNotFound"


def test_episodes_are_scoped_like_alarms(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    clinic_staff = api_as("staff", facility_id=programme.clinic)
    assert [e["unit"] for e in clinic_staff.ok(clinic_staff.get("/episodes"))] == [CLINIC_UNIT]
    [other] = admin.ok(admin.get("/episodes", unit=OTHER_UNIT))
    assert clinic_staff.get(f"/episodes/{other['id']}").status_code == 403
    county_staff = api_as("staff", facility_id=programme.county)
    units = {e["unit"] for e in county_staff.ok(county_staff.get("/episodes"))}
    assert units == {CLINIC_UNIT, OTHER_UNIT, COUNTY_UNIT}


def test_contacts_are_managed_by_staff_in_scope(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    staff = api_as("staff", facility_id=programme.clinic)
    path = f"/facilities/{CLINIC}/contacts"
    body = {
        "channel": "webhook",
        "address": "https://clinic.example.org/alarms",
        "name": "Clinic duty phone",
        "secret": "s" * 20,
    }
    added = staff.ok(staff.post(path, body, key=None), 201)
    assert added["facility_code"] == CLINIC and added["active"] and added["has_secret"]
    assert "secret" not in added
    again = staff.ok(staff.post(path, {**body, "name": "Night duty"}, key=None), 201)
    assert again["id"] == added["id"] and again["name"] == "Night duty"
    mail = {"channel": "email", "address": "nurse@clinic.example.org", "name": "Nurse"}
    staff.ok(staff.post(path, mail, key=None), 201)
    listed = staff.ok(staff.get(path))
    assert sorted(c["channel"] for c in listed) == ["email", "webhook"]

    bad = staff.post(path, {**mail, "address": "not-an-address"}, key=None)
    assert bad.status_code == 422 and bad.json()["error"] == "InvalidContact"

    removed = staff.client.delete(f"{PREFIX}/contacts/{added['id']}", headers=staff.headers)
    assert removed.status_code == 200 and removed.json()["active"] is False
    assert [c["channel"] for c in staff.ok(staff.get(path))] == ["email"]
    every = staff.ok(staff.get(path, include_inactive="true"))
    assert len(every) == 2


def test_contacts_outside_the_scope_are_refused(
    fed: Feed, admin: Caller, api_as: ApiAs, programme: Programme
) -> None:
    mail = {"channel": "email", "address": "nurse@other.example.org", "name": "Nurse"}
    theirs = admin.ok(admin.post(f"/facilities/{OTHER_CLINIC}/contacts", mail, key=None), 201)
    staff = api_as("staff", facility_id=programme.clinic)
    viewer = api_as("viewer", facility_id=programme.clinic)
    assert staff.get(f"/facilities/{OTHER_CLINIC}/contacts").status_code == 403
    assert staff.post(f"/facilities/{OTHER_CLINIC}/contacts", mail, key=None).status_code == 403
    assert viewer.get(f"/facilities/{CLINIC}/contacts").status_code == 403
    deleted = staff.client.delete(f"{PREFIX}/contacts/{theirs['id']}", headers=staff.headers)
    assert deleted.status_code == 403
    assert admin.ok(admin.get(f"/facilities/{OTHER_CLINIC}/contacts"))[0]["active"] is True
    assert admin.get("/facilities/NOWHERE/contacts").status_code == 404
    gone = admin.client.delete(f"{PREFIX}/contacts/999999", headers=admin.headers)
    assert gone.status_code == 404 and gone.json()["error"] == "ContactNotFound"
