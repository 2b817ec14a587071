"""`coldchain trace LOT` against a seeded SQLite database: the tree, the sections, the
conservation line, and the candidates when two products share the lot number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from coldchain import db
from coldchain.cli import app as cli
from inventory import services
from inventory.commands import AdministerDoses, DispatchItem, DispatchShipment, ReceiveShipment
from inventory.domain.shipments import ReceivedLot
from tests.builders import (
    T0,
    key,
    make_facility,
    make_lot,
    make_product,
    make_shipment,
    make_uow,
    stock_up,
)

MMR_GTIN = "09506000134352"


def run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["trace", *args], env={"COLDCHAIN_DATABASE_URL": database_url})


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    """Province -> county: 400 of MMR lot L100 sent, 390 arrived, 40 given at the county;
    BCG also has a lot L100."""
    engine: Engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    province = make_facility(uow, "GD", "province")
    county = make_facility(uow, "GD-K1", "county", province)
    mmr = make_product(uow, "MMR", gtin=MMR_GTIN)
    bcg = make_product(uow, "BCG", doses_per_vial=20)
    lot = make_lot(uow, mmr, "L100", date(2030, 1, 31))
    make_lot(uow, bcg, "L100", date(2030, 5, 31))
    stock_up(uow, province.unit, lot, 1000)
    shipment = make_shipment(uow, province, county)
    items = (DispatchItem(mmr.id, 400),)
    dispatch = DispatchShipment(
        shipment.id, province.unit.id, items, "d", key(), T0 + timedelta(hours=1)
    )
    services.dispatch_shipment(uow, dispatch)
    received = (ReceivedLot(lot.id, 390, "one box crushed"),)
    services.receive_shipment(
        uow,
        ReceiveShipment(shipment.id, county.unit.id, received, "r", key(), T0 + timedelta(days=1)),
    )
    given = AdministerDoses(county.unit.id, lot.id, 40, "nurse", key(), T0 + timedelta(days=2))
    services.administer_doses(uow, given)
    engine.dispose()
    return sqlite_url


def test_trace_draws_the_lot_as_a_tree_with_its_conservation_line(seeded: str) -> None:
    result = run(seeded, "L100", "--product", "MMR")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Lot L100 · product MMR · expires 2030-01-31 · active"
    assert "GD (province)" in lines
    assert any(line.startswith("└─ shipment ") and "→ GD-K1" in line for line in lines)
    assert "   │  ! shortfall: 400 sent, 390 received (one box crushed)" in lines
    assert "   └─ GD-K1 (county)" in lines
    assert "         administered: 40" in lines
    assert lines[-1] == (
        "  received 1000 = on hand 950 + in transit 0 + administered 40 + wasted 10: holds ✓"
    )


def test_a_lot_number_shared_by_two_products_lists_them_and_asks_for_one(seeded: str) -> None:
    result = run(seeded, "L100")

    assert result.exit_code == 2
    assert "lot number L100 names 2 lots" in result.stderr
    assert "BCG" in result.stderr and "MMR" in result.stderr
    assert "--product" in result.stderr
    assert result.stdout == ""


def test_trace_finds_the_lot_by_gtin_or_by_a_scanned_code(seeded: str) -> None:
    by_gtin = run(seeded, "L100", "--gtin", MMR_GTIN)
    by_scan = run(seeded, f"(01){MMR_GTIN}(17)300131(10)L100")

    assert by_gtin.exit_code == 0 and by_scan.exit_code == 0, by_scan.output
    assert by_gtin.stdout == by_scan.stdout
    assert "product MMR" in by_gtin.stdout


def test_an_unknown_lot_or_product_exits_non_zero_saying_so(seeded: str) -> None:
    unknown = run(seeded, "L404")
    wrong_product = run(seeded, "L100", "--product", "HPV")

    assert unknown.exit_code == 1 and "no lot numbered 'L404'" in unknown.stderr
    assert wrong_product.exit_code == 1 and "no lot L100 of product HPV" in wrong_product.stderr
