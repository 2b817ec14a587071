"""The programme window: the only instants, days and periods a caller may name.

Invariant: every time a request carries (a movement's ``occurred_at``, a lot's expiry, a
stock card's or storage history's bounds, an allocation's or target's period, a report's
day, a telemetry window) is checked here, once, before it reaches a query: it lies inside
[earliest, latest] (by default 2000-01-01 to 2099-12-31, ``COLDCHAIN_EARLIEST_DATE`` /
``COLDCHAIN_LATEST_DATE``), a range starts before it ends, and a movement did not happen in
the future (beyond a small clock skew). So no date arithmetic downstream (a local day in a
zone at +14:00, a day after the last) can leave Python's date range, and every refusal is
an ``InvalidInput`` (422) that names the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inventory.errors import InvalidInput

CLOCK_SKEW = timedelta(minutes=5)
LIMITS = (date(1900, 1, 1), date(2199, 12, 31))
"""What the window itself may be: telemetry counts nanoseconds since 1970 in 64 bits."""
"""How far ahead of the server's clock a device's ``occurred_at`` may be."""


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """[earliest, latest], both local days included, read as UTC for instants."""

    earliest: date = date(2000, 1, 1)
    latest: date = date(2099, 12, 31)

    def __post_init__(self) -> None:
        if not LIMITS[0] <= self.earliest < self.latest <= LIMITS[1]:
            raise ValueError(
                f"the programme window {self.earliest} to {self.latest} must start before it"
                f" ends, within {LIMITS[0]} to {LIMITS[1]}"
            )

    @property
    def start(self) -> datetime:
        return datetime.combine(self.earliest, time.min, UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the window."""
        return datetime.combine(self.latest + timedelta(days=1), time.min, UTC)

    def check_instant(self, name: str, at: datetime) -> datetime:
        """``at`` in UTC when it is aware and inside the window."""
        if at.utcoffset() is None:
            raise InvalidInput(f"{name} must be timezone-aware, got {at.isoformat()}")
        try:
            utc = at.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+14:00 is before the year 1 in UTC
            utc = None
        if utc is None or not self.start <= utc < self.end:
            raise InvalidInput(f"{name} {at.isoformat()} is outside {self._named()}")
        return utc

    def check_day(self, name: str, day: date) -> date:
        if not self.earliest <= day <= self.latest:
            raise InvalidInput(f"{name} {day.isoformat()} is outside {self._named()}")
        return day

    def check_range(
        self,
        start: datetime | None,
        end: datetime | None,
        names: tuple[str, str] = ("start", "end"),
    ) -> None:
        """Each given bound inside the window; both given: start before end."""
        first = None if start is None else self.check_instant(names[0], start)
        last = None if end is None else self.check_instant(names[1], end)
        if first is not None and last is not None and not first < last:
            raise InvalidInput(
                f"{names[0]} ({start.isoformat() if start else ''}) must be before"
                f" {names[1]} ({end.isoformat() if end else ''})"
            )

    def check_days(
        self, first: date | None, last: date | None, names: tuple[str, str] = ("first", "last")
    ) -> None:
        """A period of local days, both included: inside the window, first ≤ last."""
        if first is not None:
            self.check_day(names[0], first)
        if last is not None:
            self.check_day(names[1], last)
        if first is not None and last is not None and last < first:
            raise InvalidInput(f"{names[1]} ({last}) is before {names[0]} ({first})")

    def check_occurred(self, at: datetime, now: datetime) -> datetime:
        """A movement's time: inside the window and not later than now + the clock skew."""
        utc = self.check_instant("occurred_at", at)
        if utc > now + CLOCK_SKEW:
            raise InvalidInput(f"occurred_at {at.isoformat()} is in the future")
        return at

    def _named(self) -> str:
        return f"the programme window {self.earliest} to {self.latest}"


DEFAULT_WINDOW = TimeWindow()


def local_days(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """Local days ``first`` … ``last`` (both included) in the IANA ``zone``, as the UTC
    instants [start, end). Days already checked against the window never leave the date
    range, whatever the zone's offset."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end
