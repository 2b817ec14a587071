"""The notice's JSON form: what the webhook posts and the outbox stores."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from ingest.alarms.ports import NoticeKind
from ingest.notify.payload import SCHEMA, notice_from_json, notice_to_json
from tests.unit.notify.builders import FIRED, make_notice


def test_a_notice_survives_the_round_trip_through_json() -> None:
    notice = make_notice(
        kind=NoticeKind.ACKNOWLEDGED, acknowledged_by="nurse", comment="moved to fridge 2"
    )
    assert notice_from_json(notice_to_json(notice)) == notice


def test_times_are_iso_8601_utc_and_the_kind_is_its_name() -> None:
    body = orjson.loads(notice_to_json(make_notice()))
    assert body["schema"] == SCHEMA
    assert body["kind"] == "raised"
    assert body["fired_at"] == "2024-05-01T18:00:00+00:00"
    assert datetime.fromisoformat(body["fired_at"]) == FIRED
    assert body["exposed_lots"][0]["expiry"] == "2025-03-31"
    assert body["exposed_lots"][0]["doses"] == 200
    assert body["notify_facilities"] == ["clinic-1"]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        notice_to_json(make_notice(fired_at=datetime(2024, 5, 1, 18, 0)))
