"""The pure parts of exposure: a lot's storage intervals grouped into stays, the doses of
the lot in a unit during an excursion, and the doses quarantined citing it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inventory.domain.excursions import ExcursionRef
from inventory.queries.exposure import ExcursionHold, LotStay, doses_citing, exposed_doses, stays
from inventory.queries.history import StorageInterval

T0 = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
HEAT = ExcursionRef("CL-1", "CL-1-F1", "who-heat", 1_000)
EPISODE = ExcursionRef("CL-1", "CL-1-F1", "excursion", 1_000)
OTHER = ExcursionRef("CL-1", "CL-1-F1", "who-heat", 9_000)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def span(unit: int, doses: int, start: float, end: float) -> StorageInterval:
    return StorageInterval(unit, 7, 3, "L100", doses, h(start), h(end))


def stay_of(*spans: StorageInterval) -> LotStay:
    [(unit, run)] = stays(spans)
    return LotStay(7, unit, "CL-1-F1", 1, "CL-1", run[0].start, None, run)


def test_contiguous_intervals_in_one_unit_are_one_stay() -> None:
    found = stays([span(1, 100, 0, 5), span(2, 30, 2, 9), span(1, 80, 5, 9)])

    assert [(unit, run[0].start, run[-1].end) for unit, run in found] == [
        (1, h(0), h(9)),
        (2, h(2), h(9)),
    ]
    assert [i.doses for i in found[0][1]] == [100, 80]


def test_a_lot_that_left_and_came_back_has_two_stays() -> None:
    found = stays([span(1, 100, 0, 5), span(1, 40, 7, 9)])

    assert [(run[0].start, run[-1].end) for _, run in found] == [(h(0), h(5)), (h(7), h(9))]


def test_doses_during_an_excursion_count_every_dose_present_at_some_moment() -> None:
    stay = stay_of(span(1, 100, 0, 5), span(1, 80, 5, 6), span(1, 120, 6, 9))

    assert stay.doses_during(h(4), h(7)) == 140  # 100 at the start, 40 more arrived
    assert stay.doses_during(h(5), h(6)) == 80  # the interval ending at 5 is not in it
    assert stay.doses_during(h(8), None) == 120  # an open episode runs to the stay's end
    assert stay.until == h(9)


def test_exposed_doses_count_a_return_after_the_lot_had_left_again() -> None:
    assert exposed_doses([span(1, 50, 0, 2), span(1, 30, 4, 6)]) == 80
    assert exposed_doses([]) == 0


def test_quarantined_doses_are_those_citing_the_excursion_net_of_reversals() -> None:
    holds = [
        ExcursionHold(10, HEAT, None, 80),  # quarantined for the alarm of this episode
        ExcursionHold(11, OTHER, None, 5),  # another episode's alarm
        ExcursionHold(12, None, 10, -80),  # the first one reversed
        ExcursionHold(13, HEAT, None, 20),  # quarantined again
        ExcursionHold(14, None, None, 7),  # a manual quarantine citing no excursion
    ]

    assert doses_citing(holds, {EPISODE, HEAT}) == 20
    assert doses_citing(holds, {EPISODE}) == 0
