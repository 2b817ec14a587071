"""The JSON form of an ``AlarmNotice``: what the webhook posts, MQTT publishes and the
outbox stores.

Invariant: ``notice_from_json(notice_to_json(n)) == n``; times are ISO-8601 in UTC
(``2024-05-01T08:00:00+00:00``), dates ``YYYY-MM-DD``, the kind its string value.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import orjson

from ingest.alarms.ports import AlarmNotice, ExposedLot, NoticeKind

SCHEMA = "coldchain.alarm-notice/1"


def notice_to_dict(notice: AlarmNotice) -> dict[str, Any]:
    """The notice's fields as JSON-ready values (plus ``schema``), in field order."""
    body: dict[str, Any] = {"schema": SCHEMA}
    for field in dataclasses.fields(notice):
        body[field.name] = _plain(getattr(notice, field.name))
    return body


def notice_to_json(notice: AlarmNotice) -> bytes:
    return orjson.dumps(notice_to_dict(notice))


def notice_from_json(data: bytes | str) -> AlarmNotice:
    raw = orjson.loads(data)
    lots = tuple(_lot(item) for item in raw["exposed_lots"])
    return AlarmNotice(
        notice_id=raw["notice_id"],
        kind=NoticeKind(raw["kind"]),
        alarm_id=int(raw["alarm_id"]),
        key=raw["key"],
        rule_id=raw["rule_id"],
        severity=raw["severity"],
        facility=raw["facility"],
        unit=raw["unit"],
        sensor=raw["sensor"],
        started_at=_time(raw["started_at"]),
        fired_at=_time(raw["fired_at"]),
        occurred_at=_time(raw["occurred_at"]),
        peak_c=None if raw["peak_c"] is None else float(raw["peak_c"]),
        escalation_level=int(raw["escalation_level"]),
        notify_facilities=tuple(raw["notify_facilities"]),
        exposed_lots=lots,
        exposed_doses=int(raw["exposed_doses"]),
        message=raw["message"],
        cleared_at=_optional_time(raw.get("cleared_at")),
        acknowledged_by=raw.get("acknowledged_by"),
        comment=raw.get("comment"),
        steps=tuple(raw.get("steps", ())),
    )


def _plain(value: object) -> Any:
    if isinstance(value, NoticeKind):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in a notice: times must be aware UTC")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ExposedLot):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _lot(raw: dict[str, Any]) -> ExposedLot:
    return ExposedLot(
        lot_id=int(raw["lot_id"]),
        product=raw["product"],
        lot_number=raw["lot_number"],
        expiry=date.fromisoformat(raw["expiry"]),
        doses=int(raw["doses"]),
        freeze_sensitive=bool(raw["freeze_sensitive"]),
        present_from=_time(raw["present_from"]),
        present_to=_time(raw["present_to"]),
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else _time(text)
