"""Small look-ups the pages share: the time zone a unit's times are shown in."""

from __future__ import annotations

from api.deps import ApiDeps


def unit_time_zone(deps: ApiDeps, unit_code: str | None) -> str | None:
    """The IANA zone of the unit's facility (None: unknown or no unit, shown in UTC)."""
    if unit_code is None:
        return None
    info = deps.unit_directory.unit(unit_code) if deps.unit_directory is not None else None
    return info.time_zone if info is not None else None
