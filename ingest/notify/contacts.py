"""Alarm contacts: who hears about a facility's alarms, on which channel, at which address.

The recipients of a notice are the active contacts of the facility codes it names
(``AlarmNotice.notify_facilities``: the alarm's facility and, as it escalates, its county,
city and province). Invariants: an address is checked for its channel before it is stored,
and a webhook URL must reach an allowed target (``targets.py``: no loopback, link-local,
private … unless an administrator allows it); (facility, channel, address) is unique, so
adding a contact again updates it (idempotent); removing deactivates, so the outbox's history
keeps naming whom it notified. A webhook secret is stored sealed (``secret_box.py``) and is
never returned; adding a contact again without a secret keeps the one it has: only
``clear_secret`` erases it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast, get_args
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, insert, select, update

from ingest.models import AlarmContactRow
from ingest.notify.config import WebhookConfig
from ingest.notify.errors import ContactNotFound, InvalidContact, NoSecretKey
from ingest.notify.signing import key_bytes
from ingest.notify.targets import Resolver, check_webhook_url, system_resolver

Channel = Literal["webhook", "mqtt", "email"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+$")
_TOPIC_FORBIDDEN = frozenset("+#\x00")


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    facility_code: str
    channel: Channel
    address: str
    name: str
    active: bool
    has_secret: bool  # a webhook signing key is set (never shown)


def check_contact(
    facility_code: str, channel: str, address: str, name: str, secret: str | None
) -> Channel:
    """The channel, once the contact is known usable; ``InvalidContact`` says what is not."""
    if channel not in CHANNELS:
        raise InvalidContact(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if not facility_code or len(facility_code) > 64:
        raise InvalidContact("facility code must have 1 to 64 characters")
    if not name or len(name) > 200:
        raise InvalidContact("name must have 1 to 200 characters")
    if not address or len(address) > 500:
        raise InvalidContact("address must have 1 to 500 characters")
    if secret is not None:
        if channel != "webhook":
            raise InvalidContact("a secret is for webhooks only")
        key_bytes(secret)  # whsec_<base64 of 24-64 bytes>, or 16 to 200 characters
    _check_address(channel, address)
    return channel


def _check_address(channel: str, address: str) -> None:
    if channel == "webhook":
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidContact(f"webhook address {address!r} is not an http(s) URL")
    elif channel == "mqtt":
        if _TOPIC_FORBIDDEN.intersection(address) or address.startswith("$"):
            raise InvalidContact(f"MQTT topic {address!r} must not contain + # or start with $")
    elif not _EMAIL.match(address):
        raise InvalidContact(f"e-mail address {address!r} is not name@domain")


def add_contact(
    engine: Engine,
    facility_code: str,
    channel: str,
    address: str,
    name: str,
    *,
    secret: str | None = None,
    clear_secret: bool = False,
    webhook: WebhookConfig | None = None,
    resolve: Resolver = system_resolver,
) -> Contact:
    """Add (or re-activate and update) the contact for (facility, channel, address).

    ``secret`` replaces the webhook's secret (sealed with ``webhook.secrets``; without a
    box, ``NoSecretKey``); ``clear_secret`` erases it; neither keeps what is stored.
    ``webhook`` (default: public targets only, no key) says which targets are allowed.
    """
    rules = webhook or WebhookConfig()
    checked = check_contact(facility_code, channel, address, name, secret)
    if secret is not None and clear_secret:
        raise InvalidContact("give a new secret or clear_secret, not both")
    if checked == "webhook":
        check_webhook_url(address, rules.allowed, resolve)
    values: dict[str, object] = {"name": name, "active": True}
    if secret is not None:
        if rules.secrets is None:
            raise NoSecretKey()
        values["sealed_secret"] = rules.secrets.seal(secret)
    elif clear_secret:
        values["sealed_secret"] = None
    with engine.begin() as conn:
        existing = conn.execute(
            select(AlarmContactRow.id).where(
                AlarmContactRow.facility_code == facility_code,
                AlarmContactRow.channel == checked,
                AlarmContactRow.address == address,
            )
        ).scalar_one_or_none()
        if existing is None:
            conn.execute(
                insert(AlarmContactRow),
                {
                    **values,
                    "facility_code": facility_code,
                    "channel": checked,
                    "address": address,
                    "created_at": datetime.now(UTC),
                },
            )
        else:
            conn.execute(
                update(AlarmContactRow).where(AlarmContactRow.id == existing).values(**values)
            )
        return _one(conn, facility_code, checked, address)


def remove_contact(engine: Engine, contact_id: int) -> Contact:
    """Deactivate a contact: it receives nothing more; its past deliveries stay."""
    with engine.begin() as conn:
        done = conn.execute(
            update(AlarmContactRow).where(AlarmContactRow.id == contact_id).values(active=False)
        )
        if done.rowcount == 0:
            raise ContactNotFound(contact_id)
        row = conn.execute(
            select(AlarmContactRow.__table__).where(AlarmContactRow.id == contact_id)
        ).one()
    return _contact(row)


def list_contacts(
    engine: Engine, facility_code: str | None = None, *, include_inactive: bool = False
) -> list[Contact]:
    """Contacts by facility, channel and id (one facility's when ``facility_code`` is set)."""
    query = select(AlarmContactRow.__table__)
    if facility_code is not None:
        query = query.where(AlarmContactRow.facility_code == facility_code)
    if not include_inactive:
        query = query.where(AlarmContactRow.active.is_(True))
    query = query.order_by(
        AlarmContactRow.facility_code, AlarmContactRow.channel, AlarmContactRow.id
    )
    with engine.connect() as conn:
        return [_contact(row) for row in conn.execute(query)]


def recipients(conn: Connection, facility_codes: Iterable[str]) -> list[Contact]:
    """The active contacts of these facilities, in id order (inside the caller's tx)."""
    codes = sorted(set(facility_codes))
    if not codes:
        return []
    rows = conn.execute(
        select(AlarmContactRow.__table__)
        .where(AlarmContactRow.facility_code.in_(codes), AlarmContactRow.active.is_(True))
        .order_by(AlarmContactRow.id)
    )
    return [_contact(row) for row in rows]


def _one(conn: Connection, facility_code: str, channel: str, address: str) -> Contact:
    row = conn.execute(
        select(AlarmContactRow.__table__).where(
            AlarmContactRow.facility_code == facility_code,
            AlarmContactRow.channel == channel,
            AlarmContactRow.address == address,
        )
    ).one()
    return _contact(row)


def _contact(row: object) -> Contact:
    r = cast(AlarmContactRow, row)  # a Row with the table's columns
    return Contact(
        id=r.id,
        facility_code=r.facility_code,
        channel=cast(Channel, r.channel),
        address=r.address,
        name=r.name,
        active=bool(r.active),
        has_secret=r.sealed_secret is not None,
    )
