"""The daily doses page's chart (pure): doses given to date at the end of each day of the
last weeks against the straight target line (the daily target times the days of the target
period so far), drawn by the server as inline SVG: no JavaScript, readable at 360 px.

Coordinates are in a fixed ``WIDTH`` × ``HEIGHT`` view box that the page scales to its
width; the template draws the axes, the lines and the labels (through the catalogue).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from inventory.queries import DoseLine, DosesByDay

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 4, 4, 16, 20  # margins: the labels sit in them
CHART_DAYS = 14


@dataclass(frozen=True)
class CoverageChart:
    first: date
    last: date
    top: int  # the y axis' largest value (doses)
    doses: str  # polyline points of the doses given to date
    target: str | None  # polyline points of the target line (None: no target covers the day)
    last_doses: int
    last_target: int | None
    baseline_y: float
    top_y: float
    left_x: float
    right_x: float


def target_line(line: DoseLine, days: Sequence[date]) -> list[int] | None:
    """The straight line through the day's cumulative target, one daily target a day,
    starting at 0 before the target period began."""
    if line.cumulative_target is None or line.daily_target is None:
        return None
    last = days[-1]
    return [max(0, line.cumulative_target - line.daily_target * (last - day).days) for day in days]


def coverage_chart(line: DoseLine, by_day: DosesByDay | None, day: date) -> CoverageChart:
    """The chart of one dose line on ``day``: the days' doses to date (the last point is the
    report's own figure for the local day) against its target line."""
    if by_day is None or not by_day.days:
        days: tuple[date, ...] = (day,)
        given = [line.cumulative]
    else:
        days = by_day.days
        given = [*by_day.cumulative[:-1], line.cumulative]
    target = target_line(line, days)
    top = max([*given, *(target or []), 1])
    top = _round_up(top)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(days) - 1, 1)

    def points(values: Sequence[int]) -> str:
        return " ".join(
            f"{LEFT + i * step:.1f},{TOP + inner_h * (1 - v / top):.1f}"
            for i, v in enumerate(values)
        )

    return CoverageChart(
        first=days[0],
        last=days[-1],
        top=top,
        doses=points(given),
        target=points(target) if target is not None else None,
        last_doses=given[-1],
        last_target=target[-1] if target is not None else None,
        baseline_y=TOP + inner_h,
        top_y=TOP,
        left_x=LEFT,
        right_x=LEFT + inner_w,
    )


def _round_up(value: int) -> int:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    scale = 1
    while True:
        for factor in (1, 2, 5):
            if factor * scale >= value:
                return factor * scale
        scale *= 10
