"""The daily doses report's cumulative read model, its vocabulary: a series per facility
and product of physical stock (the lines of its stock and quarantine accounts) or of doses
administered with one dose number (0: recorded without one), with a row per UTC day."""

from __future__ import annotations

from datetime import UTC, date, datetime

SeriesKey = tuple[int, int, str, int]  # (facility, product, measure, dose number or 0)
PHYSICAL = "physical"
ADMINISTERED = "administered"


def utc_day(at: datetime) -> date:
    """The UTC day an instant falls on (the read model's day)."""
    return at.astimezone(UTC).date()
