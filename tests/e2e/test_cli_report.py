"""`coldchain report wastage FACILITY --first --last [--csv FILE]` against a seeded SQLite
database: the rates per site and rolled up, the CSV for a spreadsheet, clear errors."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from coldchain import db
from coldchain.cli import app as cli
from inventory import services
from inventory.commands import AdministerDoses, RecordWastage
from inventory.domain.accounts import WastageReason
from tests.builders import T0, key, make_facility, make_lot, make_product, make_uow, stock_up


def run(database_url: str, *args: str) -> Result:
    env = {"COLDCHAIN_DATABASE_URL": database_url}
    return CliRunner().invoke(cli, ["report", *args], env=env)


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    """At the clinic on 1 March 2024 (Shanghai): 45 doses given, 5 discarded from opened
    vials, 10 expired."""
    engine: Engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    county = make_facility(uow, "GD-K1", "county")
    clinic = make_facility(uow, "GD-K1-C1", "clinic", county)
    lot = make_lot(uow, make_product(uow, "MMR"), "L100", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 100, at=T0)
    hour = timedelta(hours=1)
    unit = clinic.unit.id
    services.administer_doses(uow, AdministerDoses(unit, lot.id, 45, "nurse", key(), T0 + hour))
    for doses, reason in ((5, WastageReason.OPENED_VIAL_DISCARDED), (10, WastageReason.EXPIRED)):
        services.record_wastage(
            uow, RecordWastage(unit, lot.id, doses, reason, "nurse", key(), T0 + 2 * hour)
        )
    engine.dispose()
    return sqlite_url


def test_the_report_shows_rates_by_vial_and_reason(seeded: str) -> None:
    result = run(seeded, "wastage", "GD-K1", "--first", "2024-03-01", "--last", "2024-03-31")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Wastage, 2024-03-01 to 2024-03-31 (local days): GD-K1 and below"
    clinic = lines.index("GD-K1-C1  (clinic) clinic GD-K1-C1")
    # used 60; usage 45 ÷ 60 = 75.0 %; factor 60 ÷ 45 = 1.33
    assert lines[clinic + 1] == (
        "  MMR: 45 given, 15 wasted (5 open vial, 10 closed vial);"
        " usage 75.0 %, wastage 25.0 %, factor 1.33"
    )
    assert lines[clinic + 2] == "    by reason: expired 10, opened_vial_discarded 5"


def test_the_csv_is_written_for_a_spreadsheet(seeded: str, tmp_path: Path) -> None:
    out = tmp_path / "wastage.csv"
    args = ("wastage", "GD-K1", "--first", "2024-03-01", "--last", "2024-03-01", "--csv")
    result = run(seeded, *args, str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b",25.0," in data and b"\r\n" in data


def test_an_unknown_facility_and_a_bad_period_are_clear_errors(seeded: str) -> None:
    unknown = run(seeded, "wastage", "NOPE", "--first", "2024-03-01", "--last", "2024-03-02")
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr
    bad = run(seeded, "wastage", "GD-K1", "--first", "March", "--last", "2024-03-02")
    assert bad.exit_code == 2 and "--first must be YYYY-MM-DD" in bad.stderr
    backwards = run(seeded, "wastage", "GD-K1", "--first", "2024-03-02", "--last", "2024-03-01")
    assert backwards.exit_code == 1 and "before" in backwards.stderr


def test_the_stock_status_shows_months_of_stock_and_what_will_expire(seeded: str) -> None:
    result = run(seeded, "stock-status", "GD-K1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Stock status, ") and lines[0].endswith(": GD-K1 and below")
    clinic = lines.index("GD-K1-C1  (clinic) clinic GD-K1-C1")
    # the 2024 consumption is far older than 12 months: no AMC, status unknown
    assert lines[clinic + 1] == (
        "  MMR: 40 on hand (40 with below), no consumption: ? months, unknown"
        " (min 0.5, max 1.5, level default)"
    )
    unknown = run(seeded, "stock-status", "NOPE")
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr


def test_allocations_show_the_quota_against_what_was_received_and_given(sqlite_url: str) -> None:
    from inventory.commands import SetAllocation

    engine: Engine = db.make_engine(sqlite_url)
    uow = make_uow(engine)
    county = make_facility(uow, "GD-K2", "county")
    clinic = make_facility(uow, "GD-K2-C1", "clinic", county)
    mmr = make_product(uow, "MMR")
    services.set_allocation(
        uow,
        SetAllocation(clinic.id, mmr.id, date(2024, 3, 1), date(2024, 3, 31), 80, county.id, "cs"),
    )
    lot = make_lot(uow, mmr, "L7", date(2030, 1, 31))
    stock_up(uow, clinic.unit, lot, 50, at=T0)
    services.administer_doses(
        uow, AdministerDoses(clinic.unit.id, lot.id, 12, "nurse", key(), T0 + timedelta(hours=1))
    )
    engine.dispose()
    period = ["--first", "2024-03-01", "--last", "2024-03-31"]
    result = run(sqlite_url, "allocations", "GD-K2", "--product", "MMR", *period)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Allocations of MMR, 2024-03-01 to 2024-03-31: GD-K2 and below",
        "GD-K2 (county): allocated 0, dispatched 0, received 0, administered 0 here and 12"
        " with below; gave 80 to the level below",
        "  GD-K2-C1 (clinic): allocated 80, dispatched 0, received 0, administered 12 here and"
        " 12 with below",
    ]
    unknown = run(sqlite_url, "allocations", "GD-K2", "--product", "NOPE", *period)
    assert unknown.exit_code == 1 and "NOPE" in unknown.output
