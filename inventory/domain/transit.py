"""A shipment on the road, seen as a storage unit (domain rule 27; pure).

While a shipment is in transit its doses sit in its ``in_transit`` account, and the logger
attached to it (a transport logger, or a cold box's own sensor) measures them. Telemetry
names what a sensor measures by a unit code, so the journey gets one: ``shipment-{id}``,
the *transit unit* of the shipment, at the origin facility (the sender owns the doses until
they are received). Storage units may never take a code of that form.

Invariants: ``shipment_of(transit_unit_code(n)) == n`` for every id n ≥ 1, and
``shipment_of`` answers None for every other code; the transport profile is the products'
own profile when they all share one, else ``2-8`` (a cold box); a logger is silent for at
most ``logger interval × GAP_FACTOR`` without the record having a gap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from inventory.domain.gs1 import parse_gs1
from inventory.errors import InvalidInput, InvalidState

TRANSIT_UNIT_PREFIX = "shipment-"
_TRANSIT_CODE = re.compile(r"shipment-([1-9][0-9]{0,9})")
DEFAULT_TRANSPORT_PROFILE = "2-8"
DEFAULT_LOGGER_INTERVAL_S = 300  # transport loggers report at least every 5 minutes (rule 5)
MAX_LOGGER_INTERVAL_S = 1800  # 30 minutes is the absolute floor (rule 5)
GAP_FACTOR = 3  # silence longer than 3 × the interval is a gap (rule 4)


def transit_unit_code(shipment_id: int) -> str:
    """The unit code telemetry uses for the shipment's journey."""
    return f"{TRANSIT_UNIT_PREFIX}{shipment_id}"


def shipment_of(unit_code: str) -> int | None:
    """The shipment a transit unit code names; None for any other code."""
    found = _TRANSIT_CODE.fullmatch(unit_code)
    return None if found is None else int(found.group(1))


def refuse_transit_code(code: str) -> None:
    """A storage unit cannot take a code reserved for shipments' journeys."""
    if code.strip().lower().startswith(TRANSIT_UNIT_PREFIX):
        raise InvalidInput(
            f"storage unit code {code!r} is reserved: codes starting {TRANSIT_UNIT_PREFIX!r}"
            " name shipments on the road"
        )


def logger_from_scan(text: str, today: date) -> str:
    """The sensor id a logger's label says: a GS1 label names it by its individual asset
    identifier (8004) or serial (21); any other label is the id itself."""
    raw = text.strip()
    if raw.startswith(("(", "]")) or "\x1d" in raw:
        message = parse_gs1(raw, today=today)
        found = message.get("8004") or message.serial
        if found is None:
            raise InvalidInput("the scanned label has no asset identifier (8004) or serial (21)")
        return require_sensor_id(found)
    return require_sensor_id(raw)


def transport_profile(product_profiles: Iterable[str]) -> str:
    """The temperature profile of a journey: the products' common profile (a freezer
    shipment travels frozen), else ``2-8`` (a cold box)."""
    profiles = set(product_profiles)
    return profiles.pop() if len(profiles) == 1 else DEFAULT_TRANSPORT_PROFILE


def require_logger_interval(seconds: int) -> int:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise InvalidInput("a logger's reporting interval is a whole number of seconds")
    if not 1 <= seconds <= MAX_LOGGER_INTERVAL_S:
        raise InvalidInput(
            f"a logger's reporting interval is 1 to {MAX_LOGGER_INTERVAL_S} seconds (rule 5),"
            f" not {seconds}"
        )
    return seconds


def require_sensor_id(sensor_id: str) -> str:
    if not isinstance(sensor_id, str) or not sensor_id.strip():
        raise InvalidInput("a logger is named by its sensor id")
    text = sensor_id.strip()
    if len(text) > 64:
        raise InvalidInput("a sensor id is at most 64 characters")
    return text


class ReceiptDecision(StrEnum):
    ACCEPT = "accept"
    ACCEPT_QUARANTINED = "accept_quarantined"  # every lot lands held ("do not use")
    REFUSE = "refuse"  # the doses go back to the sender


def check_acceptance(
    shipment_id: int, record_complete: bool | None, override_reason: str | None
) -> str | None:
    """A delivery whose transport record does not cover the journey (or, where a record is
    required, that has none) is accepted only with an override and its reason (China's
    Vaccine Administration Law: refuse it otherwise). Answers the override reason to record
    (None when there is none)."""
    reason = (override_reason or "").strip() or None
    if record_complete is False and reason is None:
        raise InvalidState(
            f"the transport record of shipment {shipment_id} is missing or does not cover the"
            " journey: accepting it needs a supervisor's override with a reason; otherwise"
            " refuse it"
        )
    return reason
