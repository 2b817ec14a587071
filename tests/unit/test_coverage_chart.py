"""The daily doses page's chart (pure): the straight target line, the last point taken
from the report, the axis' round top."""

from __future__ import annotations

from datetime import date, timedelta

from api.pages.coverage_chart import coverage_chart, target_line
from inventory.queries import DoseLine, DosesByDay

DAY = date(2024, 3, 10)
DAYS = tuple(DAY - timedelta(days=k) for k in range(4, -1, -1))  # 6 … 10 March


def line(cumulative: int, daily: int | None, days_so_far: int) -> DoseLine:
    target = None if daily is None else daily * days_so_far
    return DoseLine(1, 3, daily, cumulative, None, None, target)


def test_the_target_line_is_straight_and_starts_at_zero() -> None:
    # 10 a day since 8 March (3 days so far on the 10th)
    assert target_line(line(25, 10, 3), DAYS) == [0, 0, 10, 20, 30]
    assert target_line(line(25, None, 3), DAYS) is None


def test_the_last_point_is_the_reports_figure_and_the_axis_is_round() -> None:
    by_day = DosesByDay(1, 1, DAYS, (1, 4, 9, 16, 24))  # UTC days; the report says 25
    chart = coverage_chart(line(25, 10, 3), by_day, DAY)
    assert chart.last_doses == 25 and chart.last_target == 30
    assert chart.top == 50
    points = [tuple(map(float, p.split(","))) for p in chart.doses.split()]
    assert len(points) == 5 and points[0][0] == chart.left_x and points[-1][0] == chart.right_x
    assert points[-1][1] == chart.baseline_y - (chart.baseline_y - chart.top_y) * 25 / 50


def test_without_history_the_chart_is_one_point() -> None:
    chart = coverage_chart(line(0, None, 1), None, DAY)
    assert chart.first == chart.last == DAY and chart.target is None and chart.top == 1
