"""The lot trace names every excursion that overlapped the lot's stay in a unit (domain rule
19), through the API on SQLite and PostgreSQL: the clinic fridge's heat excursion
(``tests/e2e/ledger_feed.py``, episode [T0+60, T0+670) min) seen from lots that sat
through it, left before it, arrived during it, and arrived as it closed.

| lot | in the clinic fridge GD-K1-C1-F1 | expected |
| --- | --- | --- |
| MMR L100 | 100 from T0 − 1 d, 20 given at T0 + 120 min | the excursion: 100 doses, 80 quarantined by the WHO heat alarm |
| MMR L200 | 50 from T0 − 1 d, moved to GD-K1-C1-F2 at T0 + 30 min | none |
| BCG L100 | 40 from T0 + 300 min | the excursion: 40 doses, 40 quarantined |
| MMR L300 | 30 from T0 + 670 min (the closing reading) | none |
"""  # noqa: E501

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.e2e.conftest import Caller, Programme
from tests.e2e.ledger_feed import CLOSES, FIRES, MINUTES_AT, OPENS, feed_heat
from tests.unit.alarms.fakes import T0, at

CLINIC, FRIDGE, SECOND_FRIDGE = "GD-K1-C1", "GD-K1-C1-F1", "GD-K1-C1-F2"


def usp_mkt(minutes_at: dict[float, int]) -> float:
    """USP <1079> with ΔH/R = 10 000 K, each temperature weighted by its minutes."""
    total = sum(minutes_at.values())
    terms = sum(w * math.exp(-10_000 / (t + 273.15)) for t, w in minutes_at.items())
    return 10_000 / -math.log(terms / total) - 273.15


@dataclass(frozen=True)
class Lots:
    stayed: int
    left_before: int
    arrived_during: int
    arrived_at_close: int


def receive(admin: Caller, unit: int, lot: int, doses: int, when: datetime) -> None:
    body = {"storage_unit_id": unit, "lot_id": lot, "doses": doses, "occurred_at": when}
    admin.ok(admin.post("/movements/receipts", _json(body)), 201)


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in body.items()}


@pytest.fixture
def lots(admin: Caller, programme: Programme, engine: Engine) -> Lots:
    p = programme
    unit = {"code": SECOND_FRIDGE, "facility_id": p.clinic, "kind": "fridge"}
    second = admin.ok(admin.post("/storage-units", unit), 201)["id"]
    lot = {"product_id": p.mmr, "lot_number": "L300", "expiry": "2030-03-31"}
    late = admin.ok(admin.post("/lots", lot), 201)["id"]
    receive(admin, p.clinic_unit, p.lot_a, 100, T0 - timedelta(days=1))
    given = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 20}
    admin.ok(
        admin.post("/movements/administrations", _json({**given, "occurred_at": at(120)})), 201
    )
    receive(admin, p.clinic_unit, p.lot_b, 50, T0 - timedelta(days=1))
    moved = {"from_unit_id": p.clinic_unit, "to_unit_id": second, "lot_id": p.lot_b, "doses": 50}
    admin.ok(admin.post("/movements/transfers", _json({**moved, "occurred_at": at(30)})), 201)
    receive(admin, p.clinic_unit, p.lot_bcg, 40, at(300))
    receive(admin, p.clinic_unit, late, 30, at(CLOSES))
    feed_heat(engine, CLINIC, FRIDGE)
    return Lots(p.lot_a, p.lot_b, p.lot_bcg, late)


def excursions(admin: Caller, lot: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.ok(admin.get(f"/lots/{lot}/trace"))["excursions"]
    return found


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_lot_in_the_fridge_during_an_excursion_shows_it_with_minutes_and_mkt(
    admin: Caller, lots: Lots, programme: Programme
) -> None:
    [x] = excursions(admin, lots.stayed)

    assert (x["facility"], x["unit"]) == (CLINIC, FRIDGE)
    assert (x["facility_id"], x["storage_unit_id"]) == (programme.clinic, programme.clinic_unit)
    assert moment(x["start"]) == at(OPENS) and moment(x["end"]) == at(CLOSES)
    assert not x["open"]
    assert x["minutes_above"] == pytest.approx(610) and x["minutes_below"] == 0
    assert x["unknown_minutes"] == 0
    assert x["mkt_c"] == pytest.approx(usp_mkt(MINUTES_AT), abs=1e-6)
    assert (x["min_c"], x["max_c"]) == (10.0, 14.0)
    assert (x["range_low_c"], x["range_high_c"]) == (2.0, 8.0)
    assert moment(x["stay_from"]) == T0 - timedelta(days=1) and x["stay_to"] is None
    assert x["doses"] == 100  # every dose there during it, the 20 given at T0+120 too
    who = [a for a in x["alarms"] if a["rule"] == "who-heat"]
    assert [(a["severity"], moment(a["raised_at"])) for a in who] == [("alarm", at(FIRES))]
    assert x["quarantined"] and x["quarantined_doses"] == 80

    [episode] = admin.ok(admin.get("/episodes", unit=FRIDGE))
    assert x["episode_id"] == episode["id"] and x["episode_key"] == episode["key"]
    assert x["mkt_c"] == episode["mkt_c"]


def test_a_lot_that_left_the_fridge_before_the_excursion_does_not_show_it(
    admin: Caller, lots: Lots
) -> None:
    assert excursions(admin, lots.left_before) == []
    history = admin.ok(admin.get("/storage-history", lot_id=lots.left_before))
    assert history  # it was in the fridge, just not during the excursion


def test_a_lot_that_arrived_during_the_excursion_shows_it_from_its_arrival(
    admin: Caller, lots: Lots
) -> None:
    [x] = excursions(admin, lots.arrived_during)

    assert x["unit"] == FRIDGE and moment(x["stay_from"]) == at(300)
    assert moment(x["start"]) == at(OPENS) and x["minutes_above"] == pytest.approx(610)
    assert x["doses"] == 40
    assert x["quarantined"] and x["quarantined_doses"] == 40
    [stayed] = excursions(admin, lots.stayed)
    assert x["episode_id"] == stayed["episode_id"]


def test_a_lot_that_arrived_as_the_excursion_closed_does_not_show_it(
    admin: Caller, lots: Lots
) -> None:
    assert excursions(admin, lots.arrived_at_close) == []


def test_the_trace_by_number_carries_the_excursions_too(admin: Caller, lots: Lots) -> None:
    found = admin.ok(admin.get("/trace", lot_number="L200"))
    assert found["kind"] == "trace" and found["excursions"] == []
    by_id = admin.ok(admin.get(f"/lots/{lots.arrived_during}/trace"))
    assert [x["episode_key"] for x in by_id["excursions"]] == [
        x["episode_key"] for x in excursions(admin, lots.stayed)
    ]
