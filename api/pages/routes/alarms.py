"""Alarms: the list (filters: state, type, facility, unit) and one alarm with its figures,
the lots and doses it exposed, the escalation ladder (who was told when, by which channel,
who acknowledged with what) and the acknowledgement form (an action from the list and a
required comment)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from access.errors import Forbidden
from access.principal import Role
from api.idempotency import ledger_key
from api.pages.messages import ACK_ACTIONS
from api.pages.places import unit_time_zone
from api.pages.web import FormPage, Page, SignedInPage
from api.places import (
    ensure_read_at_code,
    ensure_write_at_code,
    ensure_write_at_unit,
    facility_codes_in_scope,
)
from api.schemas.bounds import Id
from ingest.alarms.services import acknowledge_alarm
from inventory import queries as ledger
from inventory import services
from inventory.commands import DestroyStock, ReleaseStock
from inventory.errors import InventoryError, NotFound
from inventory.results import StorageUnitView

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
    return _render_detail(page, alarm_id, errors={}, values={}, done=done)


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
        comment=comment,
        action=action,
        notifier=deps.notifier,
    )
    return page.redirect(f"/alarms/{alarm_id}?done=ack")


@router.post("/alarms/{alarm_id}/disposition")
def disposition(page: FormPage, alarm_id: Id) -> Response:
    """A supervisor releases held doses (citing the reference that allows it) or destroys
    them, lot by lot, in the alarm's unit."""
    deps, who, form = page.deps, page.who, page.form
    detail = deps.alarm_queries().alarm(alarm_id)
    ensure_read_at_code(deps, who, detail.alarm.facility)
    unit = _unit_of(page, detail.alarm.unit)
    if unit is None or not _may_dispose(page, unit.id):
        raise NotFound(f"nothing to decide on for alarm {alarm_id} here")
    errors: dict[str, str] = {}
    lot = form.get("lot", "")
    choice, reference = form.get("choice", ""), form.get("reference", "").strip()
    if choice not in ("release", "destroy"):
        errors[f"choice_{lot}"] = page.gettext("Choose release or destroy.")
    elif choice == "release" and not reference:
        errors[f"reference_{lot}"] = page.gettext(
            "A release needs the reference that allows it (a test result, a manufacturer's advice)."
        )
    if not lot.isdigit():
        errors[f"choice_{lot}"] = page.gettext("Choose release or destroy.")
    if not errors:
        key = ledger_key(who, form.get("key") or uuid.uuid4().hex)
        try:
            if choice == "release":
                services.release_stock(
                    deps.inventory_uow(),
                    ReleaseStock(unit.id, int(lot), reference, who.name, key),
                )
            else:
                services.destroy_stock(
                    deps.inventory_uow(),
                    DestroyStock(unit.id, int(lot), who.name, key, reference=reference or None),
                )
        except InventoryError as exc:
            errors[f"choice_{lot}"] = str(exc)
        else:
            return page.redirect(f"/alarms/{alarm_id}?done=disposition")
    return _render_detail(page, alarm_id, errors=errors, values=dict(form), status_code=422)


def _unit_of(page: Page, unit_code: str | None) -> StorageUnitView | None:
    if unit_code is None:
        return None
    try:
        return ledger.storage_unit_by_code(page.deps.inventory_uow(), unit_code)
    except NotFound:
        return None


def _may_dispose(page: Page, unit_id: int) -> bool:
    """Supervisors (and admins) whose scope covers the unit decide on held stock."""
    who = page.who
    if who.role not in (Role.ADMIN, Role.SUPERVISOR):
        return False
    try:
        ensure_write_at_unit(page.deps, who, unit_id)
    except Forbidden:
        return False
    return True


def _render_detail(
    page: Page,
    alarm_id: int,
    *,
    errors: dict[str, str],
    values: dict[str, str],
    done: str = "",
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
    unit = _unit_of(page, detail.alarm.unit)
    held = []
    if unit is not None and _may_dispose(page, unit.id):
        stock = ledger.stock_on_hand(deps.inventory_uow(), storage_unit_id=unit.id)
        held = [line for line in stock.lines if line.held.doses > 0]
    return page.render(
        "alarm.html",
        status_code=status_code,
        alarm=detail.alarm,
        acknowledgements=detail.acknowledgements,
        notifications=queries.notifications(alarm_id),
        episode=episode,
        may_acknowledge=_may_acknowledge(page, detail.alarm.facility),
        held=held,
        key=uuid.uuid4().hex,
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
