"""A physical count on the pages: refused until every difference has a reason (nothing
posted, what was typed kept), then recorded; a blind sheet hides the books; staff of
another clinic cannot count there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from tests.e2e.conftest import Caller, Programme
from tests.pages.ledger import journey

UNIT = "GD-K1-C1-F1"


def test_a_count_is_refused_until_every_difference_has_a_reason(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)  # 160 doses of L100 in the clinic fridge
    staff = person("staff", programme.clinic)
    sheet = staff.get(f"/units/{UNIT}/count")
    assert sheet.status_code == 200 and "On the books: 160" in sheet.text
    assert "On the books" not in staff.get(f"/units/{UNIT}/count", blind="true").text
    field = f"counted_{programme.lot_a}"
    refused = staff.post(f"/units/{UNIT}/count", {field: "150"})
    assert refused.status_code == 422
    assert "The count differs from the books: say why." in refused.text
    assert 'value="150"' in refused.text  # kept
    assert "160" in staff.get("/stock").text  # nothing posted
    bad = staff.post(f"/units/{UNIT}/count", {field: "lots"})
    assert bad.status_code == 422 and "Write the number of doses you counted" in bad.text
    done = staff.post(
        f"/units/{UNIT}/count",
        {field: "150", f"reason_{programme.lot_a}": "vials broken in the door"},
    )
    assert done.status_code == 303
    stock = staff.get("/stock").text
    assert "150" in stock
    card = staff.get("/stock/card", unit=programme.clinic_unit, lot=programme.lot_a).text
    assert "vials broken in the door" in card


def test_staff_of_another_clinic_cannot_count_here(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    other = person("staff", programme.other_clinic)
    assert other.get(f"/units/{UNIT}/count").status_code == 404
    viewer = person("viewer")
    assert viewer.get(f"/units/{UNIT}/count").status_code == 404


def test_each_lot_keeps_its_own_reason_on_its_stock_card(
    admin: Caller, programme: Programme, person: Any, engine: Engine
) -> None:
    journey(admin, programme)  # 160 doses of L100 in the clinic fridge
    receipt = {"storage_unit_id": programme.clinic_unit, "lot_id": programme.lot_b, "doses": 40}
    admin.ok(admin.post("/movements/receipts", receipt), 201)
    staff = person("staff", programme.clinic)
    a, b = programme.lot_a, programme.lot_b
    staff.get(f"/units/{UNIT}/count")
    refused = staff.post(  # L200 differs without a reason: nothing posted for either lot
        f"/units/{UNIT}/count",
        {f"counted_{a}": "150", f"reason_{a}": "vials broken", f"counted_{b}": "38"},
    )
    assert refused.status_code == 422 and 'value="vials broken"' in refused.text
    too_long = staff.post(
        f"/units/{UNIT}/count",
        {f"counted_{a}": "150", f"reason_{a}": "x" * 201, f"counted_{b}": "40"},
    )
    assert too_long.status_code == 422 and "Keep the reason to 200 characters." in too_long.text
    done = staff.post(
        f"/units/{UNIT}/count",
        {
            f"counted_{a}": "150",
            f"reason_{a}": "vials broken",
            f"counted_{b}": "41",
            f"reason_{b}": "a box found behind the ice packs",
        },
    )
    assert done.status_code == 303
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT lot_id, book_doses, counted_doses, reason FROM count_differences"
                " ORDER BY lot_id"
            )
        ).all()
        notes = conn.execute(text("SELECT reason FROM movements WHERE kind = 'count'")).all()
    assert [tuple(r) for r in rows] == [
        (a, 160, 150, "vials broken"),
        (b, 40, 41, "a box found behind the ice packs"),
    ]
    assert notes == [(None,)]  # not one note of every lot's reasons
    card_a = staff.get("/stock/card", unit=programme.clinic_unit, lot=a).text
    card_b = staff.get("/stock/card", unit=programme.clinic_unit, lot=b).text
    assert "vials broken" in card_a and "behind the ice packs" not in card_a
    assert "behind the ice packs" in card_b and "vials broken" not in card_b
