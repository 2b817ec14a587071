"""Every coded value a page shows reads as words in Chinese: no rule id (``who-heat``,
``cumulative-heat``), alarm type, movement kind, wastage or hold reason, shipment status or
acknowledgement action is shown raw. Each page is rendered in Chinese after a programme
with alarms, a count, a wastage, a recall, a shipment and an acknowledgement."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import Engine, select, update

from api.pages.messages import (
    ACK_ACTIONS,
    ALARM_TYPES,
    DISCREPANCY_KINDS,
    HOLD_REASONS,
    LOT_STATES,
    MOVEMENT_KINDS,
    NOTICE_KINDS,
    SHIPMENT_STATES,
    WASTAGE_REASONS,
)
from ingest.alarms.facility_alarms import LEDGER_CHECK, LOT_EXPIRING, STOCK_RECONCILIATION
from ingest.alarms.ports import SENSOR_OFFLINE
from ingest.detect.rules import DEFAULT_RULES
from ingest.models import AlarmRow
from tests.e2e.conftest import Caller, Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, Feed
from tests.pages.conftest import PageClient
from tests.pages.ledger import journey
from tests.pages.test_alarms import alarm_ids

RAW = sorted(
    set(ALARM_TYPES)
    | set(MOVEMENT_KINDS)
    | set(WASTAGE_REASONS)
    | set(HOLD_REASONS)
    | set(SHIPMENT_STATES)
    | set(DISCREPANCY_KINDS)
    | set(LOT_STATES)
    | set(NOTICE_KINDS)
    | set(ACK_ACTIONS)
)
WORD = re.compile(r"(?<![\w-])(" + "|".join(re.escape(r) for r in RAW) + r")(?![\w-])")
COUNT_UNIT = "GD-K1-C1-F1"
OWN = "district-heat-2h"  # a rule id the catalogue has no name for


def visible(page: str) -> str:
    """What a reader sees: the text outside tags, scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_every_rule_and_alarm_type_has_a_name() -> None:
    rule_ids = {rule.id for rules in DEFAULT_RULES.values() for rule in rules}
    types = rule_ids | {SENSOR_OFFLINE, LOT_EXPIRING, STOCK_RECONCILIATION, LEDGER_CHECK}
    assert types <= set(ALARM_TYPES), types - set(ALARM_TYPES)


def test_no_page_shows_a_coded_value_in_chinese(
    fed: Feed, admin: Caller, programme: Programme, person: Any
) -> None:
    shipment = journey(admin, programme)["shipment"]
    waste = {
        "storage_unit_id": programme.clinic_unit,
        "lot_id": programme.lot_a,
        "doses": 2,
        "reason": "broken",
    }
    admin.ok(admin.post("/movements/wastage", waste), 201)
    boss: PageClient = person("admin")
    boss.get("/board")
    boss.post("/language", {"language": "zh_Hans", "next": "/board"})
    boss.get(f"/units/{COUNT_UNIT}/count")
    a = programme.lot_a
    counted = boss.post(
        f"/units/{COUNT_UNIT}/count", {f"counted_{a}": "150", f"reason_{a}": "破损"}
    )
    assert counted.status_code == 303
    alarms = alarm_ids(boss.get("/alarms", state="all").text)
    assert alarms
    boss.get(f"/alarms/{alarms[0]}")
    acked = boss.post(
        f"/alarms/{alarms[0]}/acknowledge", {"action": "kept_cold", "comment": "关好了门"}
    )
    assert acked.status_code == 303
    pages = [
        "/board",
        "/alarms?state=all",
        "/alarms?state=cleared",
        *(f"/alarms/{i}" for i in alarms),
        f"/units/{CLINIC_UNIT}",
        f"/units/{COUNT_UNIT}",
        f"/units/{COUNT_UNIT}/count",
        "/stock?facility=GD-K1-C1",
        f"/stock/card?unit={programme.clinic_unit}&lot={a}",
        f"/trace?lot_id={a}",
        "/shipments?facility=GD-K1-C1",
        f"/shipments/{shipment}",
    ]
    shown = {}
    for path in pages:
        answer = boss.http.get(path)  # (PageClient.get would drop the query)
        assert answer.status_code == 200, path
        assert 'lang="zh-Hans"' in answer.text
        shown[path] = sorted(set(WORD.findall(visible(answer.text))))
    assert {path: raw for path, raw in shown.items() if raw} == {}
    card = visible(boss.get("/stock/card", unit=programme.clinic_unit, lot=a).text)
    assert "实物盘点" in card and "破损" in card  # the count and its lot's reason
    assert "报废" in card  # the wastage


def test_a_rule_of_the_programmes_own_shows_its_id_labelled(
    fed: Feed, person: Any, engine: Engine
) -> None:
    """A rule id with no name in the catalogue (a rule a programme added) is never shown
    bare: rule “X” in English, 规则“X” in Chinese, wherever the alarm types are named."""
    with engine.begin() as conn:
        conn.execute(update(AlarmRow).where(AlarmRow.type == "early-heat").values(type=OWN))
        own = conn.scalars(select(AlarmRow.id).where(AlarmRow.type == OWN)).all()
    assert own
    boss: PageClient = person("admin")
    report = "/reports/cold-chain?facility=GD&first=2024-03-01&last=2024-03-01"
    pages = ["/board", "/alarms?state=all", f"/alarms/{own[0]}", f"/units/{CLINIC_UNIT}", report]
    for language, labelled in (("en", f"rule “{OWN}”"), ("zh_Hans", f"规则“{OWN}”")):
        boss.get("/board")
        boss.post("/language", {"language": language, "next": "/board"})
        for path in pages:
            answer = boss.http.get(path)  # (PageClient.get would drop the query)
            assert answer.status_code == 200, path
            text = visible(answer.text)
            assert labelled in text, (language, path)
            assert text.count(OWN) == text.count(labelled), (language, path)  # never bare
    filtered = boss.http.get("/alarms", params={"type": OWN}).text
    assert f'<option value="{OWN}" selected>规则“{OWN}”</option>' in filtered  # the filter too
