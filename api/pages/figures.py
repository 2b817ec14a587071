"""Time in range of many units over the last 7 days, for the status board: read from the
stored daily figures (``unit_day_figures``, written by the ``day_figures`` job of
``coldchain ingest``), never from 7 days of raw readings per unit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from api.deps import ApiDeps


def seven_day_time_in_range(deps: ApiDeps, unit_codes: Sequence[str]) -> dict[str, float | None]:
    """Per unit code, in-range minutes ÷ observed minutes × 100 over the stored days of the
    last 7 (today so far included, as the job last stored it); a unit without stored days
    is left out (not known)."""
    today = deps.today()
    return deps.alarm_queries().stored_time_in_range(unit_codes, today - timedelta(days=6), today)
