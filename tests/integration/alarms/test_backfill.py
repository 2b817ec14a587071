"""A device that lost its connection during a power cut publishes its live reading first
and its buffered backlog after: the excursion is revealed only by readings older than the
newest one processed. The recorder replays the unit in device order from the store plus
the batch, so the episode and the WHO heat alarm are recorded as if the readings had come
in order; a replay of everything afterwards adds nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ingest.alarms.ports import NoticeKind
from ingest.alarms.views import alarm_view, episode_view
from ingest.detect import to_utc
from ingest.models import AlarmRow, ExcursionEpisodeRow
from tests.integration.alarms.conftest import AlarmWorld
from tests.unit.alarms.fakes import UNIT, make_lot, series

PLAIN_LOT = make_lot(2, 40)
# 5 °C for an hour, 12 °C from minute 60 to 660 (WHO heat fires at 660), back to 5 °C.
HEAT = series([5.0] * 6 + [12.0] * 61 + [5.0] * 3)
BEFORE, OUTAGE, AFTER = HEAT[:6], HEAT[6:67], HEAT[67:]


def test_an_excursion_revealed_by_a_late_backlog_raises_its_alarm(world: AlarmWorld) -> None:
    world.ledger.lots[UNIT] = [PLAIN_LOT]
    recorder = world.recorder()
    world.pipeline(recorder, BEFORE)
    world.pipeline(recorder, AFTER[:1])  # the live reading, at 5 °C again
    assert world.count(ExcursionEpisodeRow) == 0

    world.pipeline(recorder, OUTAGE + AFTER[1:], batch=20)  # the backlog, then the rest

    with world.uow as uow:
        [episode] = [episode_view(e) for e in uow.session.scalars(select(ExcursionEpisodeRow))]
        alarms = {a.type: alarm_view(a) for a in uow.session.scalars(select(AlarmRow))}
    assert episode.start_at == to_utc(OUTAGE[0].device_time_ns)
    assert episode.end_at == to_utc(AFTER[0].device_time_ns)
    assert episode.max_c == 12.0 and episode.reading_count == len(OUTAGE)
    assert "who-heat" in alarms
    raised = {n.rule_id for n in world.notifier.of(NoticeKind.RAISED)}
    assert "who-heat" in raised
    assert world.ledger.quarantines, "the exposed lot was not quarantined"

    before = (world.count(AlarmRow), world.count(ExcursionEpisodeRow), len(world.notifier.notices))
    world.pipeline(world.recorder(), HEAT)  # a restart; everything redelivered
    after = (world.count(AlarmRow), world.count(ExcursionEpisodeRow), len(world.notifier.notices))
    assert after == before


def test_a_backlog_while_an_alarm_is_still_raised_reproduces_its_key(world: AlarmWorld) -> None:
    """After a first excursion the cumulative-heat alarm stays raised (72 h window); a second
    power cut revealed by a late backlog adds an episode and a WHO alarm, and the still
    raised cumulative alarm keeps its one row."""
    world.ledger.lots[UNIT] = [PLAIN_LOT]
    recorder = world.recorder()
    world.pipeline(recorder, HEAT + series([5.0] * 32, start=700))  # to minute 1010
    assert {a.type for a in _alarms(world)} >= {"who-heat", "cumulative-heat"}
    second_cut = series([12.0] * 62, start=1020)  # 1020 … 1630: over 600 minutes above +8
    live = series([5.0], start=1640)
    world.pipeline(recorder, live)
    world.pipeline(recorder, second_cut, batch=25)

    alarms = _alarms(world)
    assert sorted(a.type for a in alarms if a.type == "who-heat") == ["who-heat", "who-heat"]
    assert len([a for a in alarms if a.type == "cumulative-heat"]) == 1
    assert world.count(ExcursionEpisodeRow) == 2


def _alarms(world: AlarmWorld) -> list[Any]:
    with world.uow as uow:
        return [alarm_view(a) for a in uow.session.scalars(select(AlarmRow))]
