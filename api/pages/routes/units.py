"""A storage unit: its temperature chart over 24 h / 7 d / 30 d / 90 d (min/max envelope
per bucket, the profile's band, excursions shaded, door and power events), its daily
summaries (the Fridge-tag record of the last 7 days) and the lots in it now, with why any
is held. ``/units/{code}/chart`` is the chart alone (the same rendering), which the page
re-fetches every ``REFRESH_S`` seconds with htmx."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from api.pages.chart import (
    DEFAULT_RANGE,
    EACH_EVENT_RANGES,
    RANGES,
    REFRESH_S,
    chart_data,
    chart_window,
    event_counts,
    unit_events,
)
from api.pages.messages import HOLD_REASONS
from api.pages.web import Page, SignedInPage
from api.places import ensure_read_unit
from ingest.detect import get_profile
from inventory import queries

router = APIRouter()


@router.get("/units/{unit_code}")
def unit_page(page: SignedInPage, unit_code: str, range: str = DEFAULT_RANGE) -> Response:
    chart = _chart(page, unit_code, range)
    deps, unit, facility = page.deps, chart["unit"], chart["facility"]
    summaries = []
    if deps.telemetry is not None:
        today = page.now.astimezone(ZoneInfo(facility.timezone)).date()
        summaries = deps.alarm_queries().daily_summaries(
            unit_code, today - timedelta(days=6), today
        )
    stock = queries.stock_on_hand(deps.inventory_uow(), storage_unit_id=unit.id)
    return page.render(
        "unit.html",
        **chart,
        ranges=list(RANGES),
        refresh_s=REFRESH_S,
        summaries=list(reversed(summaries)),
        stock=stock,
        hold_reasons=HOLD_REASONS,
    )


@router.get("/units/{unit_code}/chart")
def unit_chart(page: SignedInPage, unit_code: str, range: str = DEFAULT_RANGE) -> Response:
    """The chart's fragment: what the unit page shows under its range links."""
    return page.render("unit_chart.html", **_chart(page, unit_code, range))


def _chart(page: Page, unit_code: str, range: str) -> dict[str, Any]:
    deps = page.deps
    ensure_read_unit(deps, page.who, unit_code)  # unknown or outside: 404
    uow = deps.inventory_uow()
    unit = queries.storage_unit_by_code(uow, unit_code)
    facility = queries.get_facility(uow, unit.facility_id)
    profile = get_profile(unit.profile)
    window = chart_window(range, page.now)
    alarms = deps.alarm_queries()
    episodes = alarms.episodes(unit=unit_code, start=window.start, end=window.end)
    buckets, events, counts = [], [], []
    if deps.telemetry is not None:
        flags = deps.telemetry.flag_readings(unit_code, start=window.start, end=window.end)
        events = unit_events(flags)
        if window.name not in EACH_EVENT_RANGES:
            counts, events = event_counts(events, window.every_s), []
        buckets = deps.telemetry.buckets(
            unit=unit_code, start=window.start, end=window.end, every_s=window.every_s
        )
    return {
        "unit": unit,
        "facility": facility,
        "profile": profile,
        "window": window,
        "chart": chart_data(
            window, buckets, profile.low_c, profile.high_c, episodes, events, counts
        ),
        "events": events,
        "event_counts": counts,
        "buckets": buckets,
        "episodes": episodes,
        "zone": facility.timezone,
        "status": next(iter(alarms.unit_status([unit_code])), None),
    }
