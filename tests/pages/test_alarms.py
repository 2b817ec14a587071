"""Alarms on the pages: the list and its filters, the detail with exposed lots and the
ladder, acknowledging with an action and a required comment (a refused form changes
nothing and keeps what was typed), scope (another clinic's alarm is 404) and CSRF."""

from __future__ import annotations

import re
import typing
from typing import Any

from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, OTHER_UNIT, Feed

ALARM_LINK = re.compile(r'href="/alarms/(\d+)"')


def alarm_ids(html: str) -> list[int]:
    return [int(i) for i in ALARM_LINK.findall(html)]


def first_alarm_of(browser: Any, unit: str) -> int:
    return alarm_ids(browser.get("/alarms", unit=unit).text)[0]


def cards(html: str) -> str:
    """The list of alarms (after the filters, whose type menu names every type)."""
    return html.split('<ul class="cards">', 1)[1]


def test_the_list_shows_open_alarms_and_filters(fed: Feed, person: Any) -> None:
    admin = person("admin")
    open_alarms = cards(admin.get("/alarms").text)
    assert "Too warm for 30 minutes" in open_alarms and "Sensor silent" in open_alarms
    assert "Too warm for 10 hours" not in open_alarms  # who-heat: cleared
    assert "Too warm for 10 hours" in cards(admin.get("/alarms", state="cleared").text)
    only_heat = admin.get("/alarms", type="early-heat")
    assert '<option value="early-heat" selected>' in only_heat.text
    assert "Sensor silent" not in cards(only_heat.text)
    only_other = admin.get("/alarms", unit=OTHER_UNIT).text
    assert OTHER_UNIT in only_other and CLINIC_UNIT not in only_other
    assert admin.get("/alarms", state="nonsense").status_code == 400


def test_the_detail_shows_exposed_doses_and_acknowledging_records_it(
    fed: Feed, person: Any, programme: Programme
) -> None:
    staff = person("staff", programme.clinic)
    alarm = first_alarm_of(staff, CLINIC_UNIT)
    page = staff.get(f"/alarms/{alarm}")
    assert page.status_code == 200 and "250" in page.text  # the exposed lot's doses
    refused = staff.post(f"/alarms/{alarm}/acknowledge", {"action": "moved_stock", "comment": " "})
    assert refused.status_code == 422
    assert "Write what you did and what you saw." in refused.text
    assert 'value="moved_stock" checked' in refused.text  # what was chosen is kept
    assert "Acknowledged by" not in refused.text
    done = staff.post(
        f"/alarms/{alarm}/acknowledge",
        {"action": "moved_stock", "comment": "moved to the county fridge"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/alarms/{alarm}?done=ack"
    shown = staff.get(f"/alarms/{alarm}", done="ack").text
    assert "Your acknowledgement was recorded." in shown
    assert "Moved the stock to another unit: moved to the county fridge" in shown
    (ack,) = staff_api_acknowledgements(fed, alarm)
    assert (ack.action, ack.comment) == ("moved_stock", "moved to the county fridge")


def staff_api_acknowledgements(fed: Feed, alarm: int) -> tuple[Any, ...]:
    """The acknowledgements as stored (the page keeps the action apart from the comment)."""
    from coldchain.db import make_session_factory
    from ingest.alarms.queries import AlarmQueries

    return tuple(AlarmQueries(make_session_factory(fed.engine)).alarm(alarm).acknowledgements)


def test_the_pages_name_every_action_the_alarms_room_knows() -> None:
    from api.pages.messages import ACK_ACTIONS
    from api.schemas.alarms import AckAction
    from ingest.alarms.services import ACK_ACTIONS as ROOM_ACTIONS

    assert tuple(ACK_ACTIONS) == ROOM_ACTIONS
    assert typing.get_args(AckAction) == ROOM_ACTIONS


def test_another_clinics_alarm_is_not_found_and_cannot_be_acknowledged(
    fed: Feed, person: Any, programme: Programme
) -> None:
    admin = person("admin")
    theirs = first_alarm_of(admin, OTHER_UNIT)
    staff = person("staff", programme.clinic)
    assert OTHER_UNIT not in staff.get("/alarms", state="all").text
    page = staff.get(f"/alarms/{theirs}")
    assert page.status_code == 404 and OTHER_UNIT not in page.text
    csrf = staff.csrf("/alarms")
    answer = staff.post(
        f"/alarms/{theirs}/acknowledge", {"action": "other", "comment": "x"}, csrf=csrf
    )
    assert answer.status_code == 404
    assert "Acknowledged by" not in admin.get(f"/alarms/{theirs}").text


def test_a_form_without_its_csrf_token_changes_nothing(
    fed: Feed, person: Any, programme: Programme
) -> None:
    staff = person("staff", programme.clinic)
    alarm = first_alarm_of(staff, CLINIC_UNIT)
    fields = {"action": "kept_cold", "comment": "fine"}
    assert staff.post(f"/alarms/{alarm}/acknowledge", fields, csrf=None).status_code == 403
    assert staff.post(f"/alarms/{alarm}/acknowledge", fields, csrf="forged").status_code == 403
    assert "Acknowledged by" not in staff.get(f"/alarms/{alarm}").text


def test_a_viewer_sees_no_acknowledge_form(fed: Feed, person: Any) -> None:
    viewer = person("viewer")
    alarm = first_alarm_of(viewer, CLINIC_UNIT)
    assert 'action="/alarms/' not in viewer.get(f"/alarms/{alarm}").text
