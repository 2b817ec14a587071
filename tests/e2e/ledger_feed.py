"""Readings of one fridge made the way ``coldchain ingest`` makes them, with the REAL ledger
behind the alarms: observed by the ``AlarmRecorder`` (exposure and quarantine through
``coldchain.alarms_to_ledger.InventoryLedger``; fake unit directory and notifier) and then written
to the embedded store.

``HEAT`` is one heat excursion from T0 (tests/unit/alarms/fakes.py), a reading every 10 min:

| minutes | temperature | what happens |
| --- | --- | --- |
| 0 … 50 | +5.0 °C | in range |
| 60 … 350 | +10.0 °C | the episode opens at 60 |
| 360 … 660 | +14.0 °C | at 660, 600 min above +8.0 °C: the WHO heat alarm fires, the exposed lots are quarantined (reference: its key) |
| 670 … 690 | +5.0 °C | the episode closes at 670 |

So the episode is [60, 670): 300 covered minutes at +10.0 °C and 310 at +14.0 °C.
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from coldchain.alarms_to_ledger import InventoryLedger
from coldchain.db import make_session_factory
from ingest.alarms.ports import UnitInfo
from ingest.alarms.recorder import AlarmRecorder
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.queries import EmbeddedTelemetryReader
from ingest.sinks.embedded import EmbeddedSink
from inventory.unit_of_work import UnitOfWork
from tests.unit.alarms.fakes import T0, FakeNotifier, FakeUnits, reading

HEAT = [5.0] * 6 + [10.0] * 30 + [14.0] * 31 + [5.0] * 3
OPENS, CLOSES, FIRES = 60, 670, 660  # minutes after T0
MINUTES_AT = {10.0: 300, 14.0: 310}  # covered minutes of the episode at each temperature


def feed_heat(engine: Engine, facility: str, unit: str, temps: Sequence[float] = HEAT) -> None:
    """One reading every 10 minutes from T0, observed and then stored, 25 at a time."""
    sessions = make_session_factory(engine)
    units = FakeUnits(units={unit: UnitInfo(facility, "2-8", "Asia/Shanghai")}, chains={})
    recorder = AlarmRecorder(
        AlarmsUnitOfWork(sessions, clock=lambda: T0),
        units,
        InventoryLedger(UnitOfWork(sessions)),
        FakeNotifier(),
        EmbeddedTelemetryReader(engine),
    )
    sink = EmbeddedSink(engine)
    readings = [
        reading(i * 10, t, unit=unit, facility=facility, sensor=f"s-{unit}")
        for i, t in enumerate(temps)
    ]
    for i in range(0, len(readings), 25):
        chunk = readings[i : i + 25]
        recorder.observe(chunk)
        assert sink.write(chunk).rejected == ()
