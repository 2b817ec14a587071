"""A storage unit: its temperature chart over 24 h / 7 d / 30 d / 90 d (min/max envelope
per bucket, the profile's band, excursions shaded), its daily summaries (the Fridge-tag
record of the last 7 days) and the lots in it now, with why any is held."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from api.pages.chart import (
    DEFAULT_RANGE,
    EVENT_RANGES,
    RANGES,
    chart_data,
    chart_window,
    unit_events,
)
from api.pages.messages import HOLD_REASONS
from api.pages.web import SignedInPage
from api.places import ensure_read_unit
from ingest.detect import get_profile
from inventory import queries

router = APIRouter()


@router.get("/units/{unit_code}")
def unit_page(page: SignedInPage, unit_code: str, range: str = DEFAULT_RANGE) -> Response:
    deps = page.deps
    ensure_read_unit(deps, page.who, unit_code)  # unknown or outside: 404
    uow = deps.inventory_uow()
    unit = queries.storage_unit_by_code(uow, unit_code)
    facility = queries.get_facility(uow, unit.facility_id)
    profile = get_profile(unit.profile)
    window = chart_window(range, page.now)
    alarms = deps.alarm_queries()
    episodes = alarms.episodes(unit=unit_code, start=window.start, end=window.end)
    buckets, summaries, events = [], [], []
    if deps.telemetry is not None:
        if window.name in EVENT_RANGES:
            raw = deps.telemetry.raw_readings(unit_code, start=window.start, end=window.end)
            events = unit_events(raw)
        buckets = deps.telemetry.buckets(
            unit=unit_code, start=window.start, end=window.end, every_s=window.every_s
        )
        today = page.now.astimezone(ZoneInfo(facility.timezone)).date()
        summaries = alarms.daily_summaries(unit_code, today - timedelta(days=6), today)
    stock = queries.stock_on_hand(uow, storage_unit_id=unit.id)
    return page.render(
        "unit.html",
        unit=unit,
        facility=facility,
        profile=profile,
        window=window,
        ranges=list(RANGES),
        chart=chart_data(window, buckets, profile.low_c, profile.high_c, episodes, events),
        events=events,
        buckets=buckets,
        episodes=episodes,
        summaries=list(reversed(summaries)),
        stock=stock,
        zone=facility.timezone,
        hold_reasons=HOLD_REASONS,
        status=next(iter(alarms.unit_status([unit_code])), None),
    )
