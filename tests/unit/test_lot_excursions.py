"""The pure parts of the lot trace's excursions: a lot's storage intervals grouped into
stays, the doses of the lot in a unit during an episode, and the doses quarantined for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coldchain.lot_excursions import doses_during, quarantined_doses, stays
from inventory.queries.history import StorageInterval

T0 = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def span(unit: int, doses: int, start: float, end: float) -> StorageInterval:
    return StorageInterval(unit, 7, 3, "L100", doses, h(start), h(end))


def test_contiguous_intervals_in_one_unit_are_one_stay() -> None:
    found = stays([span(1, 100, 0, 5), span(2, 30, 2, 9), span(1, 80, 5, 9)])

    assert [(s.storage_unit_id, s.start, s.end) for s in found] == [
        (1, h(0), h(9)),
        (2, h(2), h(9)),
    ]
    assert [i.doses for i in found[0].intervals] == [100, 80]


def test_a_lot_that_left_and_came_back_has_two_stays() -> None:
    found = stays([span(1, 100, 0, 5), span(1, 40, 7, 9)])

    assert [(s.start, s.end) for s in found] == [(h(0), h(5)), (h(7), h(9))]


def test_doses_during_an_episode_count_every_dose_present_at_some_moment() -> None:
    [stay] = stays([span(1, 100, 0, 5), span(1, 80, 5, 6), span(1, 120, 6, 9)])

    assert doses_during(stay, h(4), h(7)) == 140  # 100 at the start, 40 more arrived
    assert doses_during(stay, h(5), h(6)) == 80  # the interval ending at 5 is not in it
    assert doses_during(stay, h(8), None) == 120  # an open episode runs to the stay's end


def test_quarantined_doses_are_those_citing_the_episode_net_of_reversals() -> None:
    held = [
        (10, "who-heat/1", 0, 80),  # quarantined for the alarm of this episode
        (11, "who-heat/9", 0, 5),  # another episode's alarm
        (12, None, 10, -80),  # the first one reversed
        (13, "who-heat/1", 0, 20),  # quarantined again
    ]

    assert quarantined_doses(held, {"excursion/1", "who-heat/1"}) == 20
    assert quarantined_doses(held, {"excursion/2"}) == 0
