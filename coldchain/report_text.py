"""The facility-by-facility text of the CLI's subtree reports (``coldchain doses``,
``coldchain report wastage``): each facility with figures of its own, or with sites below it
and figures in its subtree, under a line naming it; its own products indented two spaces,
then its subtree's under "all sites below and here:", indented four."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)


class RolledUp(Protocol[P_co]):
    """A facility of a subtree report: its own figures and its subtree's, per product."""

    @property
    def facility_id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def own(self) -> Sequence[P_co]: ...
    @property
    def subtree(self) -> Sequence[P_co]: ...


def facility_sections(
    facilities: Sequence[RolledUp[P]], lines: Callable[[P, str], Iterable[str]]
) -> list[str]:
    """The report's lines below its heading; ``lines(product, indent)`` writes a product."""
    out: list[str] = []
    parents = {f.parent_id for f in facilities}
    for facility in facilities:
        has_children = facility.facility_id in parents
        if not facility.own and not (has_children and facility.subtree):
            continue
        out.append("")
        out.append(f"{facility.code}  ({facility.level}) {facility.name}")
        for product in facility.own:
            out.extend(lines(product, "  "))
        if has_children and facility.subtree:
            out.append("  all sites below and here:")
            for product in facility.subtree:
                out.extend(lines(product, "    "))
    return out
