"""`coldchain trace LOT` prints the excursions the lot sat through: a clinic fridge's heat
excursion (``tests/e2e/ledger_feed.py``) under the clinic in the tree, and in its section;
a lot of the same fridge that left before it prints none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import Result
from typer.testing import CliRunner

from coldchain import db
from coldchain.cli import app as cli
from inventory import services
from inventory.commands import TransferStock
from tests.builders import key, make_facility, make_lot, make_product, make_uow, stock_up
from tests.e2e.ledger_feed import feed_heat
from tests.unit.alarms.fakes import T0, at


def run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["trace", *args], env={"COLDCHAIN_DATABASE_URL": database_url})


@pytest.fixture
def clinic_with_excursion(sqlite_url: str) -> str:
    """Clinic KX-C1: lot L100 sits in fridge KX-C1-U1 through the heat excursion; lot L200
    moves to KX-C1-U2 at T0 + 30 min, before it."""
    engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    clinic = make_facility(uow, "KX-C1", "clinic", units=2)
    mmr = make_product(uow, "MMR")
    stayed = make_lot(uow, mmr, "L100", date(2030, 1, 31))
    left = make_lot(uow, mmr, "L200", date(2030, 1, 31))
    stock_up(uow, clinic.units[0], stayed, 100, T0 - timedelta(days=1))
    stock_up(uow, clinic.units[0], left, 50, T0 - timedelta(days=1))
    move = TransferStock(clinic.units[0].id, clinic.units[1].id, left.id, 50, "n", key(), at(30))
    services.transfer_stock(uow, move)
    feed_heat(engine, "KX-C1", "KX-C1-U1")
    engine.dispose()
    return sqlite_url


def test_the_cli_trace_prints_the_excursion_under_the_clinic(clinic_with_excursion: str) -> None:
    result = run(clinic_with_excursion, "L100")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    [line] = [line for line in lines if "⚠ excursion" in line]
    assert line.startswith("   ⚠ excursion 2024-03-01 01:00 → 11:10 UTC, 610 min above +8.0,")
    assert "MKT 12.3 °C" in line and "who-heat ALARM" in line
    assert line.endswith("(KX-C1-U1: 100 doses of the lot; 100 quarantined for it)")
    assert lines[lines.index(line) - 1].lstrip().startswith("on hand: 100")
    section = lines.index("Excursions while the lot was there")
    assert lines[section + 1].startswith("  KX-C1 / KX-C1-U1  2024-03-01 01:00 → 11:10 UTC  ")


def test_the_cli_trace_of_a_lot_that_left_before_prints_none(clinic_with_excursion: str) -> None:
    result = run(clinic_with_excursion, "L200")

    assert result.exit_code == 0, result.output
    assert "⚠" not in result.stdout
    assert "Excursions while the lot was there\n  (none)" in result.stdout
