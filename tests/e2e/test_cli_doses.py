"""`coldchain doses FACILITY --day` against a seeded SQLite database: each site's day
against its target, the reconciliation with a count's difference flagged, the roll-up, and
clear errors for an unknown facility or a bad day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from coldchain import db
from coldchain.cli import app as cli
from inventory import services
from inventory.commands import AdministerDoses, CountedLot, RecordCount, SetDoseTarget
from tests.builders import T0, key, make_facility, make_lot, make_product, make_uow, stock_up


def run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["doses", *args], env={"COLDCHAIN_DATABASE_URL": database_url})


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    """T0 is 1 March 2024, 10:00 in Shanghai: 100 doses in at the clinic, 30 of dose 1
    given against a target of 40 for 500 people, and a count that finds 2 fewer."""
    engine: Engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    county = make_facility(uow, "GD-K1", "county")
    clinic = make_facility(uow, "GD-K1-C1", "clinic", county)
    mmr = make_product(uow, "MMR")
    lot = make_lot(uow, mmr, "L100", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 100, at=T0)
    hour = timedelta(hours=1)
    services.administer_doses(
        uow, AdministerDoses(clinic.unit.id, lot.id, 30, "nurse", key(), T0 + hour, 1)
    )
    services.record_count(
        uow, RecordCount(clinic.unit.id, (CountedLot(lot.id, 68),), "s", key(), T0 + 2 * hour)
    )
    march = (date(2024, 3, 1), date(2024, 3, 31))
    services.set_dose_target(uow, SetDoseTarget(clinic.id, mmr.id, 1, *march, 40, 500, "p"))
    engine.dispose()
    return sqlite_url


def test_the_report_shows_the_day_against_target_and_flags_the_count(seeded: str) -> None:
    assert datetime.fromisoformat("2024-03-01T02:00:00+00:00") == T0
    result = run(seeded, "GD-K1", "--day", "2024-03-01")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Daily doses, 2024-03-01 (each facility's local day): GD-K1 and below"
    assert lines[1] == "⚠ reconciliation off at: GD-K1-C1"
    clinic = lines.index("GD-K1-C1  (clinic) clinic GD-K1-C1")
    assert lines[clinic + 1] == (
        "  MMR: opening 0 + received 100 − issued 0 − given 30 − wasted 0 = closing 68"
        "  ⚠ 2 doses missing by a count"
    )
    assert lines[clinic + 2] == (
        "    dose 1: 30 given of 40 targeted (75.0 %); 30 to date of 500 people (6.0 % coverage)"
    )
    county = lines.index("GD-K1  (county) county GD-K1")
    assert lines[county + 1] == "  all sites below and here:"


def test_an_unknown_facility_and_a_bad_day_are_clear_errors(seeded: str) -> None:
    unknown = run(seeded, "NOPE", "--day", "2024-03-01")
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr
    bad = run(seeded, "GD-K1", "--day", "1 March")
    assert bad.exit_code == 2 and "--day must be YYYY-MM-DD" in bad.stderr
