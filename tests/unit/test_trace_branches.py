"""The lot trace as branches (what the trace page draws level by level): each facility hangs
where the depth-first walk along shipments first reached it, once, and carries its
subtree's figures summed."""

from __future__ import annotations

import dataclasses

from inventory.queries import TraceBranch, trace_branches
from tests.unit.test_trace_view import facility, make_trace, unit


def test_each_facility_hangs_once_and_its_branch_sums_its_subtree() -> None:
    trace = make_trace()
    province, county, clinic = trace.facilities
    lone = facility(30, "GD-X", "clinic", 7, (unit(130, "GD-X-F1", 7),))  # reached otherwise
    trace = dataclasses.replace(
        trace,
        facilities=(
            dataclasses.replace(province, shipped_to=(4, 17)),  # also straight to the clinic
            dataclasses.replace(county, shipped_to=(17,)),
            clinic,
            lone,
        ),
    )

    branches = trace_branches(trace)

    assert list(branches) == [1, 4, 17, 30]
    assert branches[1] == TraceBranch(1, None, 0, (4,), 3, 30, 5, 600 + 290 + 65, 15)
    assert branches[4] == TraceBranch(4, 1, 1, (17,), 2, 30, 5, 290 + 65, 15)
    assert branches[17] == TraceBranch(17, 4, 2, (), 1, 30, 5, 65, 15)
    assert branches[30] == TraceBranch(30, None, 0, (), 1, 0, 0, 7, 0)
