"""The status board's rows (pure): one per storage unit, with the state a person acts on.

States, worst first: ``alarm`` (a temperature alarm raised), ``offline`` (its sensor is
silent, or the unit never reported), ``warning`` (a warning raised, or an excursion open
without an alarm yet), ``ok``. Within a state the unit whose oldest open alarm is oldest
comes first, then by code, so the board reads as a to-do list. A province has thousands of
units: the board shows them ``PAGE_ROWS`` at a time (the worst on the first page), the
counts always over all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ingest.alarms.ports import SENSOR_OFFLINE
from ingest.alarms.views import AlarmView, UnitStatus
from ingest.detect.events import to_utc
from inventory.queries import UnitHolding

STATES = ("alarm", "offline", "warning", "ok")
PAGE_ROWS = 100
_RANK = {state: rank for rank, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class BoardRow:
    unit: UnitHolding
    state: str
    temperature_c: float | None
    measured_at: datetime | None
    last_seen: datetime | None
    open_alarms: tuple[AlarmView, ...]
    time_in_range_percent: float | None  # the last 7 complete days; None: not known

    @property
    def oldest_alarm_at(self) -> datetime | None:
        return min((a.raised_at for a in self.open_alarms), default=None)


def board_state(status: UnitStatus | None) -> str:
    open_alarms = status.open_alarms if status is not None else ()
    heat_or_cold = [a for a in open_alarms if a.type != SENSOR_OFFLINE]
    if any(a.severity == "alarm" for a in heat_or_cold):
        return "alarm"
    if status is None or status.latest is None or len(heat_or_cold) < len(open_alarms):
        return "offline"
    if heat_or_cold or status.open_episode is not None:
        return "warning"
    return "ok"


def board_rows(
    units: Sequence[UnitHolding],
    statuses: Mapping[str, UnitStatus],
    time_in_range: Mapping[str, float | None],
) -> list[BoardRow]:
    rows = []
    for unit in units:
        status = statuses.get(unit.unit_code)
        latest = status.latest if status is not None else None
        rows.append(
            BoardRow(
                unit=unit,
                state=board_state(status),
                temperature_c=latest.temperature_c if latest else None,
                measured_at=to_utc(latest.device_time_ns) if latest else None,
                last_seen=to_utc(latest.received_at_ns) if latest else None,
                open_alarms=_alarms_first(status.open_alarms) if status is not None else (),
                time_in_range_percent=time_in_range.get(unit.unit_code),
            )
        )
    return sorted(rows, key=_worst_first)


def _alarms_first(alarms: Sequence[AlarmView]) -> tuple[AlarmView, ...]:
    """A unit's open alarms, alarms before warnings, the oldest first within each."""
    return tuple(sorted(alarms, key=lambda a: (a.severity != "alarm", a.raised_at, a.id)))


def _worst_first(row: BoardRow) -> tuple[int, float, str]:
    oldest = row.oldest_alarm_at
    return (_RANK[row.state], oldest.timestamp() if oldest else float("inf"), row.unit.unit_code)


def counts(rows: Sequence[BoardRow]) -> dict[str, int]:
    found = dict.fromkeys(STATES, 0)
    for row in rows:
        found[row.state] += 1
    return found


@dataclass(frozen=True, slots=True)
class BoardPage:
    rows: Sequence[BoardRow]  # the rows of this page
    number: int  # 1 …
    pages: int  # at least 1
    first: int  # 1-based position of the first row shown (0: no rows)
    last: int
    total: int


def page_of(rows: Sequence[BoardRow], number: int, size: int = PAGE_ROWS) -> BoardPage:
    """Page ``number`` of ``rows`` (a number past the end shows the last page)."""
    pages = max(1, -(-len(rows) // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    shown = rows[start : start + size]
    return BoardPage(shown, number, pages, start + 1 if shown else 0, start + len(shown), len(rows))
