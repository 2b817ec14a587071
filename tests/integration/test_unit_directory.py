"""``InventoryUnitDirectory`` (coldchain/alarms_to_ledger.py): the alarms' view of storage
units, one at a time or many in one lookup, with the same answers."""

from __future__ import annotations

from sqlalchemy import Engine, event

from coldchain.alarms_to_ledger import InventoryUnitDirectory
from ingest.alarms.ports import UnitInfo
from tests.builders import make_facility, make_uow


def test_many_units_are_resolved_in_one_query_with_the_answers_of_one_by_one(
    engine: Engine,
) -> None:
    uow = make_uow(engine)
    clinic = make_facility(uow, "CL-1", "clinic", timezone="Africa/Nairobi", units=3)
    codes = [unit.code for unit in clinic.units]
    intervals = {codes[0]: 300}

    def interval(code: str) -> int:
        return intervals.get(code, 600)

    one_by_one = InventoryUnitDirectory(make_uow(engine), reporting_interval_s=interval)
    expected = {code: one_by_one.unit(code) for code in [*codes, "nowhere"]}
    directory = InventoryUnitDirectory(make_uow(engine), reporting_interval_s=interval)
    queries: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        found = directory.units_of([*codes, "nowhere"])
        again = directory.units_of(codes)  # cached
        single = directory.unit(codes[1])  # cached by units_of
    finally:
        event.remove(engine, "before_cursor_execute", note)

    assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 1
    assert found == expected
    assert found[codes[0]] == UnitInfo("CL-1", "2-8", "Africa/Nairobi", 300)
    assert found["nowhere"] is None
    assert again == {code: found[code] for code in codes} and single == found[codes[1]]
