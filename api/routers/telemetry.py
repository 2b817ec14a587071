"""Telemetry of storage units and sensors: the status board, downsampled readings from the
configured store (embedded SQL or InfluxDB) and the daily Fridge-tag summaries.

Every window keeps min and max next to mean and count (a single hot reading is never
averaged away). A scoped caller sees only the units of its subtree; an unknown unit is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api.deps import CurrentPrincipal, Deps, telemetry
from api.places import ensure_read_sensor, ensure_read_unit, unit_codes_in_scope
from api.schemas.bounds import Limit, Offset
from api.schemas.common import error_responses
from api.schemas.telemetry import DailySummaryPublic, ReadingsPublic, UnitStatusPublic
from ingest.queries import MAX_BUCKETS, MAX_EVERY_S, MIN_EVERY_S

router = APIRouter(
    tags=["telemetry"],
    responses=error_responses(401, 403, 404, 422, 503, s404="unknown unit, sensor or facility"),
)


@dataclass(frozen=True, slots=True)
class ReadingWindow:
    start: datetime
    end: datetime
    every_s: int


def reading_window(
    deps: Deps,
    start: Annotated[AwareDatetime | None, Query(description="default: end - 24 h")] = None,
    end: Annotated[AwareDatetime | None, Query(description="default: now")] = None,
    every: Annotated[
        int,
        Query(
            ge=MIN_EVERY_S,
            le=MAX_EVERY_S,
            description=f"seconds per bucket; at most {MAX_BUCKETS} buckets in [start, end)",
        ),
    ] = 3600,
) -> ReadingWindow:
    """Start before end (the store checks), both in the programme window."""
    for name, moment in (("start", start), ("end", end)):
        if moment is not None:
            deps.window.check_instant(name, moment)
    until = end if end is not None else deps.clock()
    return ReadingWindow(start or until - timedelta(days=1), until, every)


Window = Annotated[ReadingWindow, Depends(reading_window)]


@router.get("/units/status", response_model=list[UnitStatusPublic])
def status_board(
    deps: Deps,
    who: CurrentPrincipal,
    facility: Annotated[str | None, Query(description="a facility code: its subtree")] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[UnitStatusPublic]:
    """Per unit (by code): state (alarm > offline > excursion > ok), the newest reading and
    when it was seen, open alarms and the open episode."""
    telemetry(deps)
    codes = unit_codes_in_scope(deps, who, facility)[offset : offset + limit]
    return [UnitStatusPublic.of(s) for s in deps.alarm_queries().unit_status(codes)]


@router.get("/units/{unit_code}/readings", response_model=ReadingsPublic)
def unit_readings(
    unit_code: str, deps: Deps, who: CurrentPrincipal, window: Window
) -> ReadingsPublic:
    """Count, min, max and mean per bucket of ``every`` seconds over [start, end)."""
    ensure_read_unit(deps, who, unit_code)
    buckets = telemetry(deps).buckets(
        unit=unit_code, start=window.start, end=window.end, every_s=window.every_s
    )
    return ReadingsPublic.of(
        buckets,
        unit=unit_code,
        sensor=None,
        start=window.start,
        end=window.end,
        every_s=window.every_s,
    )


@router.get("/sensors/{sensor_id}/readings", response_model=ReadingsPublic)
def sensor_readings(
    sensor_id: str, deps: Deps, who: CurrentPrincipal, window: Window
) -> ReadingsPublic:
    """Like a unit's readings, for one registered sensor (wherever it was bound)."""
    ensure_read_sensor(deps, who, sensor_id, window.start, window.end)
    buckets = telemetry(deps).buckets(
        sensor=sensor_id, start=window.start, end=window.end, every_s=window.every_s
    )
    return ReadingsPublic.of(
        buckets,
        unit=None,
        sensor=sensor_id,
        start=window.start,
        end=window.end,
        every_s=window.every_s,
    )


@router.get(
    "/units/{unit_code}/daily-summaries",
    response_model=list[DailySummaryPublic],
)
def daily_summaries(
    unit_code: str,
    deps: Deps,
    who: CurrentPrincipal,
    first: Annotated[date | None, Query(description="first local day; default last - 6")] = None,
    last: Annotated[date | None, Query(description="last local day; default today")] = None,
) -> list[DailySummaryPublic]:
    """Per local day (the facility's time zone): min and max with times, mean, MKT, minutes
    above +8, below +2 and at or below −0.5 °C, and the alarms raised that day. first is
    not after last, at most 92 days apart; both in the programme window."""
    ensure_read_unit(deps, who, unit_code)
    telemetry(deps)
    for name, day in (("first", first), ("last", last)):
        if day is not None:  # the alarms' queries check first <= last and the span
            deps.window.check_day(name, day)
    until = last if last is not None else deps.today()
    since = first if first is not None else until - timedelta(days=6)
    summaries = deps.alarm_queries().daily_summaries(unit_code, since, until)
    return [DailySummaryPublic.of(s) for s in summaries]
