"""Alarms: list and filter them, read one with its acknowledgement history, acknowledge one.

A scoped caller sees only the alarms of facilities in its subtree; acknowledging needs
staff in scope (or admin), records who (the token's user), when and a required comment,
and never clears the alarm (only the cause going away does).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal, Deps, WriterPrincipal
from api.places import (
    ensure_read_at_code,
    ensure_write_at_code,
    facility_codes_in_scope,
)
from api.schemas.alarms import AcknowledgementCreate, AlarmDetailPublic, AlarmPublic
from api.schemas.bounds import Id, Limit, Offset
from api.schemas.common import BAD_BODY, error_responses
from ingest.alarms.services import acknowledge_alarm

router = APIRouter(
    prefix="/alarms",
    tags=["alarms"],
    responses=error_responses(401, 403, 404, 422, s404="no alarm, or no facility of that code"),
)


@router.get("", response_model=list[AlarmPublic])
def list_alarms(
    deps: Deps,
    who: CurrentPrincipal,
    state: Literal["raised", "cleared"] | None = None,
    facility: Annotated[str | None, Query(description="a facility code: its subtree")] = None,
    type: Annotated[str | None, Query(description="rule id or SENSOR_OFFLINE")] = None,
    unit: Annotated[str | None, Query(description="a storage unit code")] = None,
    severity: Literal["warning", "alarm"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AlarmPublic]:
    """Alarms newest first (by the device time they fired), in the caller's scope."""
    codes = facility_codes_in_scope(deps, who, facility)
    alarms = deps.alarm_queries().alarms(
        state=state,
        facility_codes=codes,
        alarm_type=type,
        unit=unit,
        severity=severity,
        limit=limit,
        offset=offset,
    )
    return [AlarmPublic.of(a) for a in alarms]


@router.get("/{alarm_id}", response_model=AlarmDetailPublic)
def get_alarm(alarm_id: Id, deps: Deps, who: CurrentPrincipal) -> AlarmDetailPublic:
    detail = deps.alarm_queries().alarm(alarm_id)
    ensure_read_at_code(deps, who, detail.alarm.facility)
    return AlarmDetailPublic.of_detail(detail)


@router.post("/{alarm_id}/acknowledge", response_model=AlarmDetailPublic, responses=BAD_BODY)
def acknowledge(
    alarm_id: Id, body: AcknowledgementCreate, deps: Deps, who: WriterPrincipal
) -> AlarmDetailPublic:
    """Record who answers for the alarm and what was done; the alarm stays raised."""
    queries = deps.alarm_queries()
    ensure_write_at_code(deps, who, queries.alarm(alarm_id).alarm.facility)
    acknowledge_alarm(
        deps.alarms_uow(),
        alarm_id,
        user=who.name,
        comment=body.comment,
        action=body.action,
        notifier=deps.notifier,
    )
    return AlarmDetailPublic.of_detail(queries.alarm(alarm_id))
