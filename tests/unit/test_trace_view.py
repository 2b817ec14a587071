"""The terminal drawing of a lot trace, on a hand-built trace: province -> county -> clinic,
a shortfall on the first leg, doses given and wasted at the clinic, stock held there."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from coldchain.trace_view import (
    Node,
    conservation_line,
    draw,
    render_candidates,
    render_trace,
)
from inventory.queries import (
    Conservation,
    LotCandidates,
    LotTrace,
    TraceFacility,
    TraceShipment,
    TraceUnit,
)
from inventory.queries.trace import LotCandidate
from inventory.results import DiscrepancyView, LotView

DAY1 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
DAY2 = datetime(2024, 3, 2, 9, 30, tzinfo=UTC)
DAY3 = datetime(2024, 3, 3, 8, 0, tzinfo=UTC)


def unit(unit_id: int, code: str, usable: int, held: int = 0) -> TraceUnit:
    return TraceUnit(unit_id, code, usable, held, usable + held, 0, DAY1, DAY3)


def facility(
    facility_id: int, code: str, level: str, usable: int, units: tuple[TraceUnit, ...], **kw: object
) -> TraceFacility:
    fields: dict[str, object] = {
        "received_from": (),
        "shipped_to": (),
        "received_from_supplier": 0,
        "received_by_shipment": 0,
        "dispatched": 0,
        "administered": 0,
        "wasted": (),
        "adjusted": 0,
        "held": 0,
        "first_in": DAY1,
        "last_movement": DAY3,
        **kw,
    }
    return TraceFacility(
        facility_id=facility_id,
        code=code,
        name=code,
        level=level,
        usable=usable,
        units=units,
        **fields,  # type: ignore[arg-type]
    )


def make_trace() -> LotTrace:
    province = facility(
        1, "GD", "province", 600, (unit(11, "GD-CR1", 600),), received_from_supplier=1000
    )
    county = facility(4, "GD-K1", "county", 290, (unit(14, "GD-K1-F1", 290),))
    clinic = facility(
        17,
        "GD-K1-C1",
        "clinic",
        50,
        (unit(117, "GD-K1-C1-F1", 50, held=15),),
        held=15,
        administered=30,
        wasted=(("broken", 5),),
    )
    shortfall = DiscrepancyView(1, "shortfall", 400, 390, "one box crushed")
    first = TraceShipment(
        1, 1, "GD", 4, "GD-K1", "partially_received", 400, 390, DAY1, DAY2, (shortfall,)
    )
    second = TraceShipment(2, 4, "GD-K1", 17, "GD-K1-C1", "received", 100, 100, DAY2, DAY3, ())
    return LotTrace(
        lot=LotView(1, 7, "L100", date(2030, 1, 31), None, None, None),
        product_code="MMR",
        state="active",
        holds=(),
        roots=(1,),
        facilities=(province, county, clinic),
        shipments=(first, second),
        administered_by_facility=((17, 30),),
        wastage_by_reason=(("broken", 5), ("lost", 10)),
        held_now=((17, 117, 15),),
        conservation=Conservation(1000, 940, 15, 0, 30, 15, 0, True),
    )


def test_draw_puts_branches_before_children_and_bars_between_them() -> None:
    tree = Node("root", ["a note"], [Node("first", children=[Node("inner")]), Node("last")])

    assert draw(tree) == [
        "root",
        "│  a note",
        "├─ first",
        "│  └─ inner",
        "└─ last",
    ]


def test_the_tree_follows_the_shipments_from_province_to_clinic() -> None:
    text = render_trace(make_trace())

    lines = text.splitlines()
    tree = lines[lines.index("Where it went") + 1 :]
    assert tree[0] == "GD (province)"
    assert "│  from the supplier: 1000" in tree
    assert tree[3:7] == [
        "└─ shipment 1 → GD-K1 (partially received)",
        "   │  sent 400 on 2024-03-01 02:00 UTC",
        "   │  received 390 on 2024-03-02 09:30 UTC",
        "   │  ! shortfall: 400 sent, 390 received (one box crushed)",
    ]
    assert "   └─ GD-K1 (county)" in tree
    assert any(line.startswith("         └─ GD-K1-C1 (clinic)") for line in tree)
    assert "               administered: 30" in tree


def test_the_header_and_the_sections_show_what_happened_to_the_lot() -> None:
    text = render_trace(make_trace())

    assert text.startswith("Lot L100 · product MMR · expires 2030-01-31 · active\n")
    assert "Doses administered\n  GD-K1-C1        30" in text
    assert "Wastage by reason\n  broken         5\n  lost          10" in text
    assert "Held (quarantined, DO NOT USE)\n  GD-K1-C1 / GD-K1-C1-F1        15" in text
    assert "GD-K1-C1 / GD-K1-C1-F1 (15 held)        65" in text
    assert "In transit\n  (none)" in text


def test_the_conservation_line_says_that_it_holds() -> None:
    line = conservation_line(make_trace())

    assert line == (
        "received 1000 = on hand 955 + in transit 0 + administered 30 + wasted 15: holds ✓"
    )


def test_the_conservation_line_says_when_it_does_not_hold() -> None:
    trace = make_trace()
    broken = dataclasses.replace(
        trace, conservation=Conservation(1000, 940, 15, 0, 30, 5, 3, False)
    )

    line = conservation_line(broken)

    assert "+ adjusted 3" in line
    assert "DOES NOT HOLD ✗ (off by 7)" in line
    assert "projection differs" in line


def test_a_facility_reached_by_two_shipments_is_drawn_once() -> None:
    trace = make_trace()
    again = TraceShipment(3, 1, "GD", 4, "GD-K1", "dispatched", 20, None, DAY3, None, ())
    twice = dataclasses.replace(trace, shipments=(*trace.shipments, again))

    text = render_trace(twice)

    assert text.count("GD-K1 (county)") == 1
    assert "to GD-K1 (shown above)" in text
    assert "In transit\n  shipment 3 GD → GD-K1        20" in text


def test_candidates_list_each_product_and_ask_for_one() -> None:
    found = LotCandidates(
        "L100",
        (
            LotCandidate(1, 7, "MMR", "L100", "2030-01-31"),
            LotCandidate(9, 8, "BCG", "L100", "2030-05-31"),
        ),
    )

    text = render_candidates(found)

    assert "lot number L100 names 2 lots" in text
    assert "  MMR  lot L100  expires 2030-01-31  (lot id 1)" in text
    assert "  BCG  lot L100  expires 2030-05-31  (lot id 9)" in text
    assert "--product CODE" in text
