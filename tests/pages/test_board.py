"""The status board: every unit of the user's subtree, worst first, with its state,
temperature, last reading, doses held and open alarms; another clinic's units never show."""

from __future__ import annotations

from typing import Any

from api.pages.board import PAGE_ROWS, board_rows, page_of
from inventory.queries import UnitHolding
from tests.e2e.conftest import Programme
from tests.e2e.telemetry_feed import CLINIC_UNIT, CLINIC_UNIT_2, OTHER_UNIT, PROVINCE_UNIT, Feed


def unit_order(html: str, codes: list[str]) -> list[str]:
    return sorted((c for c in codes if c in html), key=html.index)


def test_the_board_shows_every_unit_worst_first(fed: Feed, person: Any) -> None:
    admin = person("admin")
    page = admin.get("/board")
    assert page.status_code == 200
    html = page.text
    assert "12.0\u00a0°C" in html  # the other clinic's fridge is still hot (a no-break space)
    order = unit_order(html, [CLINIC_UNIT, OTHER_UNIT, PROVINCE_UNIT, CLINIC_UNIT_2])
    # offline (a silent sensor) before a warning (early heat still raised); fine comes last
    assert order == [PROVINCE_UNIT, CLINIC_UNIT, OTHER_UNIT, CLINIC_UNIT_2] or order == [
        PROVINCE_UNIT,
        OTHER_UNIT,
        CLINIC_UNIT,
        CLINIC_UNIT_2,
    ]
    assert "unit-offline" in html and "unit-warning" in html and "unit-ok" in html


def test_staff_of_a_clinic_sees_only_its_units(
    fed: Feed, person: Any, programme: Programme
) -> None:
    staff = person("staff", programme.clinic)
    html = staff.get("/board").text
    assert CLINIC_UNIT in html and CLINIC_UNIT_2 in html
    assert OTHER_UNIT not in html and PROVINCE_UNIT not in html
    assert staff.get("/board", facility="GD-K1-C2").status_code == 404


def test_a_visitor_is_sent_to_sign_in(client: Any) -> None:
    answer = client.get("/board", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/board"


def holding(n: int) -> UnitHolding:
    code = f"U{n:04d}"
    return UnitHolding(n, code, code, "fridge", "2-8", 1, "C1", "Clinic", "UTC", 0, 0)


def test_a_province_board_shows_a_hundred_units_a_page_worst_first_counts_over_all() -> None:
    rows = board_rows([holding(n) for n in range(250)], {}, {})
    first, last = page_of(rows, 1), page_of(rows, 3)
    assert (first.first, first.last, first.total, first.pages) == (1, PAGE_ROWS, 250, 3)
    assert [r.unit.unit_code for r in first.rows] == [f"U{n:04d}" for n in range(PAGE_ROWS)]
    assert (last.first, last.last, len(last.rows)) == (201, 250, 50)
    assert page_of(rows, 99).number == 3  # past the end: the last page
    assert page_of([], 1) == page_of([], 5)  # nothing to show: one empty page
    assert page_of([], 1).first == 0
