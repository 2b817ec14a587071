"""The reports' charts as server-rendered SVG (pure): geometry only, every label already
translated and formatted by the caller; ``templates/reports_macros.html`` draws a ``Chart``
as inline SVG (no JavaScript), with a title and a description for screen readers, beside
a table of the same figures.

All charts are horizontal bars 360 units wide (a phone's width; the SVG scales with the
page), one labelled row after another, so that long facility names and Chinese labels sit
on their own line above their bar:

- ``stacked_bars``: one bar of 100 % per row cut into parts (time in range, too hot, too
  cold, unknown);
- ``band_bars``: a value per row against a band (months of stock against min–max); values
  beyond the scale are drawn to its end with an arrow;
- ``grouped_bars``: a few bars per group on one scale (allocated, dispatched, received,
  administered per facility; doses wasted per reason for each product).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 360.0
LABEL_H = 20.0  # a row's label line (14-unit text)
BAR_H = 16.0
GAP = 10.0
VALUE_W = 70.0  # room at the right of grouped bars for their value
MAX_LABEL = 46  # a line's width in half-width characters (a CJK character counts 2)


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # the CSS class: its colour
    tip: str  # shown on hover (<title>)


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start | end | middle
    kind: str = "label"


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str = "grid"


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    rects: tuple[Rect, ...] = ()
    texts: tuple[Text, ...] = ()
    lines: tuple[Line, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()  # (kind, label) in drawing order


@dataclass(frozen=True, slots=True)
class Part:
    kind: str
    value: float
    tip: str


@dataclass(frozen=True, slots=True)
class StackedRow:
    label: str
    parts: tuple[Part, ...]
    note: str = ""  # at the right of the label line (a percentage)


@dataclass(frozen=True, slots=True)
class BandRow:
    label: str
    value: float | None  # None: nothing to measure (no consumption)
    low: float
    high: float
    kind: str
    value_text: str


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    bars: tuple[tuple[Part, str], ...]  # the bar and its value as text


@dataclass(frozen=True)
class Axis:
    ticks: tuple[tuple[float, str], ...] = field(default_factory=tuple)  # value, label


def width_of(text: str) -> int:
    """``text``'s width in half-width characters (a CJK character counts 2)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def shorten(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` half-width characters (wide ones count 2), with "…"."""
    used = 0
    for i, char in enumerate(label):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > limit:
            return label[: max(0, i - 1)] + "…"
    return label


def _room(note: str) -> int:
    """What is left of a label line for the label beside ``note`` (at least 12)."""
    return max(12, MAX_LABEL - width_of(note) - 2)


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def stacked_bars(rows: Sequence[StackedRow], legend: Sequence[tuple[str, str]]) -> Chart:
    """Each row's parts side by side over the full width (their share of the row's total);
    a row whose parts are all 0 draws an empty outline."""
    rects: list[Rect] = []
    texts: list[Text] = []
    lines: list[Line] = []
    y = 0.0
    for row in rows:
        texts.append(Text(0, y + 14, shorten(row.label, _room(row.note))))
        if row.note:
            texts.append(Text(WIDTH, y + 14, row.note, "end", "value"))
        top = y + LABEL_H
        total = sum(p.value for p in row.parts)
        x = 0.0
        if total > 0:
            for part in row.parts:
                width = WIDTH * part.value / total
                if width > 0:
                    rects.append(Rect(x, top, width, BAR_H, part.kind, part.tip))
                x += width
        lines.append(Line(0, top + BAR_H, WIDTH, top + BAR_H, "base"))
        y = top + BAR_H + GAP
    return Chart(WIDTH, max(y, 1.0), tuple(rects), tuple(texts), tuple(lines), tuple(legend))


def band_bars(
    rows: Sequence[BandRow],
    legend: Sequence[tuple[str, str]],
    tick_text: Callable[[float], str] = lambda v: f"{v:g}",
) -> Chart:
    """Each row's value as a bar over its band (low–high, shaded); the scale reaches past the
    highest band by half of it, and a value beyond the scale ends in an arrow."""
    highs = [r.high for r in rows] or [1.0]
    values = [r.value for r in rows if r.value is not None]
    scale = max(max(highs) * 1.5, min(max(values, default=0.0), max(highs) * 3), 1.0)
    step = nice_step(scale)
    scale = math.ceil(scale / step) * step
    plot = WIDTH - 10  # room for the arrow
    ticks = [step * i for i in range(round(scale / step) + 1)]
    rects: list[Rect] = []
    texts: list[Text] = []
    lines: list[Line] = []
    y = 0.0
    for row in rows:
        texts.append(Text(0, y + 14, shorten(row.label, _room(row.value_text))))
        texts.append(Text(WIDTH, y + 14, row.value_text, "end", "value"))
        top = y + LABEL_H
        # the grid only across the bars, never through a label line
        lines.extend(
            Line(plot * t / scale, top - 4, plot * t / scale, top + BAR_H + 4) for t in ticks
        )
        low, high = (plot * min(v, scale) / scale for v in (row.low, row.high))
        rects.append(Rect(low, top - 2, max(high - low, 1.0), BAR_H + 4, "band", ""))
        if row.value is not None:
            width = plot * min(row.value, scale) / scale
            rects.append(Rect(0, top + 3, max(width, 1.0), BAR_H - 6, row.kind, row.value_text))
            if row.value > scale:
                texts.append(Text(WIDTH, top + BAR_H - 2, "▸", "end", row.kind))
        y = top + BAR_H + GAP
    for tick in ticks:
        anchor = "start" if tick == 0 else "middle"
        texts.append(Text(plot * tick / scale, y + 14, tick_text(tick), anchor, "tick"))
    return Chart(WIDTH, y + 20, tuple(rects), tuple(texts), tuple(lines), tuple(legend))


def grouped_bars(groups: Sequence[Group], legend: Sequence[tuple[str, str]]) -> Chart:
    """Each group's label, then its bars one under the other on a scale shared by every
    group (the largest value spans the width less room for the value's text)."""
    top_value = max((p.value for g in groups for p, _ in g.bars), default=0.0)
    plot = WIDTH - VALUE_W
    rects: list[Rect] = []
    texts: list[Text] = []
    lines: list[Line] = []
    y = 0.0
    for group in groups:
        texts.append(Text(0, y + 14, shorten(group.label)))
        y += LABEL_H
        for part, value_text in group.bars:
            width = plot * part.value / top_value if top_value > 0 else 0.0
            if width > 0:
                rects.append(Rect(0, y, max(width, 1.0), BAR_H - 2, part.kind, part.tip))
            texts.append(Text(width + 4, y + 13, value_text, "start", "value"))
            y += BAR_H
        lines.append(Line(0, y, WIDTH, y, "base"))
        y += GAP
    return Chart(WIDTH, max(y, 1.0), tuple(rects), tuple(texts), tuple(lines), tuple(legend))
