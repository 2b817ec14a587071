"""Stock on hand, the stock card, the lot trace (search, scan, recall) and daily doses on the
pages, on a small journey made through the API; scope: a clinic's staff sees only its own
stock and no trace that leaves its subtree."""

from __future__ import annotations

from typing import Any

import pytest

from api.pages.routes import trace as trace_pages
from inventory.queries import TraceBranch
from tests.e2e.conftest import EXPIRY_A, MMR_GTIN, Caller, Programme, gs1
from tests.pages.ledger import journey


def test_stock_on_hand_and_the_stock_card(admin: Caller, programme: Programme, person: Any) -> None:
    journey(admin, programme)
    staff = person("staff", programme.clinic)
    page = staff.get("/stock")
    assert page.status_code == 200
    assert "L100" in page.text and "160" in page.text  # 190 received, 30 given
    card = staff.get("/stock/card", unit=programme.clinic_unit, lot=programme.lot_a)
    assert card.status_code == 200 and "190" in card.text and "160" in card.text
    assert staff.get("/stock", facility="GD").status_code == 404  # the province: outside
    other = staff.get("/stock/card", unit=programme.province_unit, lot=programme.lot_a)
    assert other.status_code == 404


def test_the_lot_trace_by_number_and_by_scan_and_its_recall(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    boss = person("admin")
    ambiguous = boss.get("/trace", q="L100")  # an MMR and a BCG lot share the number
    assert "Several products have this lot number" in ambiguous.text
    scanned = boss.get("/trace", q=gs1(MMR_GTIN, "L100", EXPIRY_A))
    assert scanned.status_code == 200 and "GD-K1-C1" in scanned.text
    assert "fewer doses arrived: 200 → 190" in scanned.text
    assert boss.get("/trace", q="(01)09506000134353(10)X").status_code == 422  # check digit
    refused = boss.post(f"/trace/{programme.lot_a}/recall", {"reference": " "})
    assert refused.status_code == 422 and "Give the recall notice" in refused.text
    done = boss.post(f"/trace/{programme.lot_a}/recall", {"reference": "NMPA-17"})
    assert done.status_code == 200 and "recalled and on hold everywhere" in done.text
    assert "GD-K1-C1-F1" in done.text  # a holder


def test_staff_cannot_trace_a_lot_that_left_their_subtree_nor_recall(
    admin: Caller, programme: Programme, person: Any
) -> None:
    journey(admin, programme)
    staff = person("staff", programme.clinic)
    assert staff.get("/trace", lot_id=programme.lot_a).status_code == 404
    assert staff.post(f"/trace/{programme.lot_a}/recall", {"reference": "x"}).status_code in (
        403,  # no form on a page it may not see: the CSRF check refuses first
        404,
    )


def test_daily_doses_drill_down_and_csv(admin: Caller, programme: Programme, person: Any) -> None:
    journey(admin, programme)
    boss = person("admin")
    page = boss.get("/doses", facility="GD", day="2024-03-01")
    assert page.status_code == 200 and "By site" in page.text
    clinic = boss.get("/doses", facility="GD-K1-C1", day="2024-03-01")
    assert clinic.status_code == 200 and "30" in clinic.text
    csv = boss.get("/doses.csv", facility="GD-K1-C1", day="2024-03-01")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="doses-GD-K1-C1-2024-03-01.csv"' in csv.headers["content-disposition"]
    assert csv.headers["cache-control"] == "no-store"  # a report is never cached
    assert "coldchain_session" in csv.headers["set-cookie"]  # the session renewed, as pages do
    staff = person("staff", programme.other_clinic)
    assert staff.get("/doses", facility="GD-K1-C1", day="2024-03-01").status_code == 404


def doses_against_a_target(admin: Caller, p: Programme) -> None:
    """Dose 2 at the clinic on three days of late February and 1 March against 5 a day from
    25 February; dose 1 once, with no target."""
    stock = {"storage_unit_id": p.clinic_unit, "lot_id": p.lot_a, "doses": 100}
    admin.ok(admin.post("/movements/receipts", {**stock, "occurred_at": "2024-02-20T02:00Z"}), 201)
    for day, doses, number in (
        ("2024-02-26", 12, 2),
        ("2024-02-28", 20, 2),
        ("2024-02-29", 3, 1),
        ("2024-03-01", 9, 2),
    ):
        given = {
            "storage_unit_id": p.clinic_unit,
            "lot_id": p.lot_a,
            "doses": doses,
            "dose_number": number,
            "occurred_at": f"{day}T02:00:00+00:00",  # 10:00 in Shanghai
        }
        admin.ok(admin.post("/movements/administrations", given), 201)
    target = {
        "facility_id": p.clinic,
        "product_id": p.mmr,
        "dose_number": 2,
        "period_start": "2024-02-25",
        "period_end": "2024-03-31",
        "daily_target": 5,
        "target_population": 400,
    }
    admin.ok(admin.put("/dose-targets", target))


def test_daily_doses_draw_the_doses_to_date_against_the_target_line(
    admin: Caller, programme: Programme, person: Any
) -> None:
    doses_against_a_target(admin, programme)
    page = person("admin").get("/doses", facility="GD-K1-C1", day="2024-03-01")
    assert page.status_code == 200
    text = page.text
    assert text.count('<figure class="coverage-chart">') == 2  # doses 1 and 2
    # dose 2: 41 given to date against 5 a day for the 6 days since 25 February
    assert "doses to date 41" in text and "target line 30" in text
    assert "no target for this day" in text  # dose 1 has none
    assert 'stroke-dasharray="6 4"' in text  # the target line is drawn


def test_a_wide_trace_opens_branch_by_branch_without_javascript(
    admin: Caller, programme: Programme, person: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lot in more facilities than a page shows: the tree stops at a level, the branch
    below is summed with a plain link that opens it, and the way back up is linked."""
    journey(admin, programme)
    boss = person("admin")
    whole = boss.get("/trace", lot_id=programme.lot_a)
    assert "Open this branch" not in whole.text and "GD-K1-C1-F1" in whole.text  # all shown

    # The journey is province → clinic (two facilities): a page of one facility's tree shows
    # the top and the level below only; opening the top shows what it supplied.
    monkeypatch.setattr(trace_pages, "SHOWN", 1)
    top = boss.get("/trace", lot_id=programme.lot_a, under=programme.province)
    assert top.status_code == 200 and "Whole tree" in top.text
    assert "GD-K1-C1-F1" in top.text and "fewer doses arrived: 200 → 190" in top.text
    leaf = boss.get("/trace", lot_id=programme.lot_a, under=programme.clinic)
    assert f"under={programme.province}#tree" in leaf.text  # back up to the province
    assert "Showing 1 of 2 facilities" in leaf.text and "fewer doses arrived" in leaf.text
    assert boss.get("/trace", lot_id=programme.lot_a, under=999_999).status_code == 404


def test_a_wide_tree_stops_at_a_level_and_an_opened_branch_shows_what_it_supplied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def branch(f: int, parent: int | None, children: tuple[int, ...]) -> TraceBranch:
        return TraceBranch(f, parent, 0, children, 1, 0, 0, 0, 0)

    # 1 → 2, 3; 2 → 4, 5; 3 → 6
    branches = {
        1: branch(1, None, (2, 3)),
        2: branch(2, 1, (4, 5)),
        3: branch(3, 1, (6,)),
        **{f: branch(f, 2 if f < 6 else 3, ()) for f in (4, 5, 6)},
    }
    monkeypatch.setattr(trace_pages, "SHOWN", 5)
    assert trace_pages._shown(branches, [1]) == {1, 2, 3}  # 6 facilities would be too many
    assert trace_pages._shown(branches, [2]) == {2, 4, 5}
    monkeypatch.setattr(trace_pages, "SHOWN", 6)
    assert trace_pages._shown(branches, [1]) == {1, 2, 3, 4, 5, 6}
