"""A supervisor decides on the stock an excursion put on hold, from the alarm's page:
release (a reference required) or destroy; staff see no such form and cannot post one."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Caller, Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, Feed
from tests.pages.ledger import journey
from tests.pages.test_alarms import first_alarm_of


def held(admin: Caller, p: Programme) -> None:
    journey(admin, p)  # 160 doses of L100 in the clinic fridge
    hold = {"storage_unit_id": p.clinic_unit, "reason": "heat alarm", "lot_id": p.lot_a}
    admin.ok(admin.post("/movements/quarantines", hold), 201)


def test_a_supervisor_releases_held_stock_with_a_reference(
    fed: Feed, admin: Caller, programme: Programme, person: Any
) -> None:
    held(admin, programme)
    boss = person("supervisor", programme.clinic)
    alarm = first_alarm_of(boss, CLINIC_UNIT)
    page = boss.get(f"/alarms/{alarm}")
    assert "Decide on the held stock" in page.text and "160 on hold" in page.text
    lot = str(programme.lot_a)
    refused = boss.post(f"/alarms/{alarm}/disposition", {"lot": lot, "choice": "release"})
    assert refused.status_code == 422 and "A release needs the reference" in refused.text
    done = boss.post(
        f"/alarms/{alarm}/disposition",
        {"lot": lot, "choice": "release", "reference": "stability data, WHO PQS"},
    )
    assert done.status_code == 303
    assert "Decide on the held stock" not in boss.get(f"/alarms/{alarm}").text  # none held


def test_staff_cannot_decide_on_held_stock(
    fed: Feed, admin: Caller, programme: Programme, person: Any
) -> None:
    held(admin, programme)
    staff = person("staff", programme.clinic)
    alarm = first_alarm_of(staff, CLINIC_UNIT)
    assert "Decide on the held stock" not in staff.get(f"/alarms/{alarm}").text
    answer = staff.post(
        f"/alarms/{alarm}/disposition",
        {"lot": str(programme.lot_a), "choice": "destroy"},
    )
    assert answer.status_code == 404
