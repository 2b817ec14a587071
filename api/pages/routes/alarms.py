"""Alarms: the list (filters: state, type, facility, unit) and one alarm with its figures,
the lots and doses it exposed, the escalation ladder (who was told when, by which channel,
who acknowledged with what) and the acknowledgement form (an action from the list and a
required comment)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access.errors import Forbidden
from api.pages.messages import ACK_ACTIONS
from api.pages.places import unit_time_zone
from api.pages.web import FormPage, Page, SignedInPage
from api.places import (
    ensure_read_at_code,
    ensure_write_at_code,
    facility_codes_in_scope,
)
from api.schemas.bounds import Id
from ingest.alarms.services import acknowledge_alarm

router = APIRouter()
PAGE_SIZE = 100
Text = Annotated[str, Query(max_length=64)]


@router.get("/alarms")
def alarm_list(
    page: SignedInPage,
    state: Literal["raised", "cleared", "all"] = "raised",
    type: Text = "",
    facility: Text = "",
    unit: Text = "",
) -> Response:
    deps = page.deps
    codes = facility_codes_in_scope(deps, page.who, facility or None)
    alarms = deps.alarm_queries().alarms(
        state=None if state == "all" else state,
        facility_codes=codes,
        alarm_type=type or None,
        unit=unit or None,
        limit=PAGE_SIZE,
    )
    zones = {a.unit: unit_time_zone(deps, a.unit) for a in alarms}
    return page.render(
        "alarms.html",
        alarms=alarms,
        zones=zones,
        filters={"state": state, "type": type, "facility": facility, "unit": unit},
    )


@router.get("/alarms/{alarm_id}")
def alarm_detail(page: SignedInPage, alarm_id: Id, done: str = "") -> Response:
    return _render_detail(page, alarm_id, errors={}, values={}, done=done == "ack")


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(page: FormPage, alarm_id: Id) -> Response:
    deps, who = page.deps, page.who
    detail = deps.alarm_queries().alarm(alarm_id)
    ensure_write_at_code(deps, who, detail.alarm.facility)  # outside: 404 on the pages
    action, comment = page.form.get("action", ""), page.form.get("comment", "").strip()
    errors = {}
    if action not in ACK_ACTIONS:
        errors["action"] = page.gettext("Choose what you did.")
    if not comment:
        errors["comment"] = page.gettext("Write what you did and what you saw.")
    if errors:
        values = {"action": action, "comment": comment}
        return _render_detail(page, alarm_id, errors=errors, values=values, status_code=422)
    acknowledge_alarm(
        deps.alarms_uow(),
        alarm_id,
        user=who.name,
        comment=f"{ACK_ACTIONS[action]}: {comment}",
        notifier=deps.notifier,
    )
    return page.redirect(f"/alarms/{alarm_id}?done=ack")


def _render_detail(
    page: Page,
    alarm_id: int,
    *,
    errors: dict[str, str],
    values: dict[str, str],
    done: bool = False,
    status_code: int = 200,
) -> Response:
    deps = page.deps
    queries = deps.alarm_queries()
    detail = queries.alarm(alarm_id)
    ensure_read_at_code(deps, page.who, detail.alarm.facility)
    episode = (
        queries.episode_by_key(detail.alarm.episode_key).episode
        if detail.alarm.episode_key
        else None
    )
    return page.render(
        "alarm.html",
        status_code=status_code,
        alarm=detail.alarm,
        acknowledgements=detail.acknowledgements,
        notifications=queries.notifications(alarm_id),
        episode=episode,
        may_acknowledge=_may_acknowledge(page, detail.alarm.facility),
        zone=unit_time_zone(deps, detail.alarm.unit),
        actions=ACK_ACTIONS,
        errors=errors,
        values=values,
        done=done,
    )


def _may_acknowledge(page: Page, facility_code: str) -> bool:
    """The API's rule (admin, or a writer whose scope covers the alarm's facility)."""
    try:
        ensure_write_at_code(page.deps, page.who, facility_code)
    except Forbidden:
        return False
    return True
