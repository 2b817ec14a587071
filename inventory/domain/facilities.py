"""Facilities and storage units: the tree of the programme, and where doses physically sit.

Invariant: a facility's ``path`` is its ancestors' ids from the root down, ending with its
own id (``/1/4/17/``), so a subtree is ``path LIKE prefix || '%'``; a child sits strictly
below its parent's level; every facility names a valid IANA time zone.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inventory.errors import InvalidInput


class FacilityLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    CLINIC = "clinic"
    MOBILE_TEAM = "mobile_team"


RANK = {
    FacilityLevel.PROVINCE: 0,
    FacilityLevel.CITY: 1,
    FacilityLevel.COUNTY: 2,
    FacilityLevel.TOWNSHIP: 3,
    FacilityLevel.CLINIC: 4,
    FacilityLevel.MOBILE_TEAM: 4,
}


class StorageKind(StrEnum):
    FRIDGE = "fridge"
    FREEZER = "freezer"
    COLD_ROOM = "cold_room"
    COLD_BOX = "cold_box"


class Profile(StrEnum):
    TWO_EIGHT = "2-8"
    FREEZER = "freezer"
    ULTRACOLD = "ultracold"


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{what} {value!r} is not one of: {allowed}") from None


def check_parent(level: FacilityLevel, parent_level: FacilityLevel | None) -> None:
    if parent_level is not None and RANK[parent_level] >= RANK[level]:
        raise InvalidInput(f"a {level.value} cannot sit under a {parent_level.value}")


def validate_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None


def child_path(parent_path: str | None, facility_id: int) -> str:
    return f"{parent_path or '/'}{facility_id}/"


def ancestor_ids(path: str) -> tuple[int, ...]:
    """Ids from the root down to (and including) the facility itself."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


_PATH = re.compile(r"/(?:\d+/)+")


def check_path(path: str) -> str:
    """A materialized path looks like ``/1/4/17/`` (ids from the root down); ``InvalidInput``
    otherwise, so that ``/1`` can never be read as a prefix of ``/17/``."""
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise InvalidInput(f"facility path {path!r} is not of the form '/1/4/17/'")
    return path
