"""What a demo run left in its database, counted by the rooms' own queries.

``demo_summary`` is the one JSON object ``coldchain demo`` prints as its last line when it
stops: readings stored, alarms raised, lots quarantined and shipments with a transport or
overdue alarm. Every figure is read back from the database and the telemetry store through
the same queries the API answers with (the telemetry reader's windows, the alarm queries,
stock on hand), never taken from what the simulators say they published: the numbers show
what the chain kept.

Invariant: read-only; each figure matches what the API gives for the same question
(``tests/e2e/test_demo.py`` checks it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from coldchain import db
from coldchain.settings import Settings
from coldchain.wiring import build_telemetry_reader, time_window
from ingest.alarms.queries import MAX_LIMIT, AlarmQueries
from ingest.alarms.views import AlarmView
from inventory.domain.transit import shipment_of as transit_shipment_of
from inventory.queries import root_facilities, stock_on_hand, unit_codes_under
from inventory.unit_of_work import UnitOfWork

# The demo's readings lie within a few days before now (the scenario's day, then live);
# device time is never ahead of the wall clock by more than ingest's future tolerance.
READINGS_LOOKBACK = timedelta(days=7)
READINGS_AHEAD = timedelta(hours=1)
READINGS_WINDOW_S = 8 * 86_400  # one or two windows cover [now - 7 d, now + 1 h)


@dataclass(frozen=True)
class DemoSummary:
    readings_stored: int  # readings in the telemetry store, over every storage unit
    alarms_raised: int  # alarms ever raised (whatever their state now), of every type
    alarms_open: int  # of those, still raised
    lots_quarantined: int  # distinct lots with quarantined doses somewhere in the tree
    doses_quarantined: int
    shipments_in_transit_alarmed: int  # distinct shipments named by an alarm

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def shipment_of(alarm: AlarmView) -> int | None:
    """The shipment an alarm is about, or None: a transport logger's alarm is on the
    shipment's transit unit (``shipment-{id}``), an overdue alarm names it in its
    particulars."""
    if alarm.unit is not None and (on_road := transit_shipment_of(alarm.unit)) is not None:
        return on_road
    shipment = (alarm.details or {}).get("shipment_id")
    return shipment if isinstance(shipment, int) else None


def all_alarms(queries: AlarmQueries) -> list[AlarmView]:
    alarms: list[AlarmView] = []
    while True:
        page = queries.alarms(limit=MAX_LIMIT, offset=len(alarms))
        alarms.extend(page)
        if len(page) < MAX_LIMIT:
            return alarms


def demo_summary(settings: Settings, now: datetime | None = None) -> DemoSummary:
    """Count what the run stored, from ``settings.database_url`` and the telemetry store."""
    now = now or datetime.now(UTC)
    engine = db.make_engine(settings.database_url)
    try:
        session_factory = db.make_session_factory(engine)
        uow = UnitOfWork(session_factory, window=time_window(settings))
        reader = build_telemetry_reader(settings, engine)
        start, end = now - READINGS_LOOKBACK, now + READINGS_AHEAD
        # every storage unit of the ledger, and any other unit the store has heard of
        units = sorted(set(unit_codes_under(uow, None)) | set(reader.latest()))
        readings = sum(
            bucket.count
            for unit in units
            for bucket in reader.buckets(unit=unit, start=start, end=end, every_s=READINGS_WINDOW_S)
        )
        alarms = all_alarms(AlarmQueries(session_factory))
        held: dict[int, int] = {}
        for root in root_facilities(uow):
            stock = stock_on_hand(uow, facility_id=root.id, subtree=True, by_unit=True)
            for line in stock.lines:
                if line.held.doses > 0:
                    held[line.lot_id] = held.get(line.lot_id, 0) + line.held.doses
    finally:
        engine.dispose()
    return DemoSummary(
        readings_stored=readings,
        alarms_raised=len(alarms),
        alarms_open=sum(1 for a in alarms if a.state == "raised"),
        lots_quarantined=len(held),
        doses_quarantined=sum(held.values()),
        shipments_in_transit_alarmed=len({s for a in alarms if (s := shipment_of(a)) is not None}),
    )
