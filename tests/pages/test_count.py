"""A physical count on the pages: refused until every difference has a reason (nothing
posted, what was typed kept), then recorded; a blind sheet hides the books; staff of
another clinic cannot count there."""

from __future__ import annotations

from typing import Any

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
