"""Settle a refused InfluxDB write: which lines of the batch were not stored, and why.

InfluxDB answers a batch holding bad lines with 400 (2.x: 422 for a field type conflict)
and stores the good lines anyway. Its message names lines it could not parse
(``unable to parse '<line>': <reason>``) but not lines it dropped on write (``field type
conflict … dropped=N``), and 1.x hides parse errors entirely when a write error happens in
the same request. So the message is used where it names lines, and the rest is found by
re-writing: first the remainder, then halves of it. Rewriting is harmless because a point
(series, timestamp) written twice is stored once.

Invariant: every line ends up either answered 2xx in some request, or returned as
``Rejected`` with the server's reason; nothing is assumed stored on the strength of a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass

from ingest.sinks.base import Rejected

# Writes ``lines`` as one request. Returns None when all were stored, or the server's error
# message when it refused the batch in part (400/413/422). Raises SinkUnavailable or
# SinkMisconfigured for anything else.
PostLines = Callable[[list[str]], str | None]

_DROPPED = re.compile(r"\s*dropped=(\d+)\s*$")
_UNPARSABLE = "unable to parse '"


@dataclass(frozen=True, slots=True)
class ParsedError:
    named: dict[str, str]  # line -> reason, for the lines the server says it could not parse
    other: str  # what remains of the message: a write error such as a field type conflict
    dropped: int | None  # the server's count of parsed points it did not store


def parse_error(message: str, known: Container[str]) -> ParsedError:
    """Split an InfluxDB write error into named bad lines, other errors and ``dropped=N``."""
    text = message.strip()
    dropped = None
    match = _DROPPED.search(text)
    if match:
        dropped = int(match.group(1))
        text = text[: match.start()]
    named: dict[str, str] = {}
    others: list[str] = []
    for segment in text.split("\n"):
        found = _named_line(segment, known)
        if found is not None:
            named[found[0]] = f"InfluxDB could not parse the line: {found[1]}"
        elif segment.strip():
            others.append(segment.strip().removeprefix("partial write: "))
    return ParsedError(named, "; ".join(others), dropped)


def _named_line(segment: str, known: Container[str]) -> tuple[str, str] | None:
    start = segment.find(_UNPARSABLE)
    if start < 0:
        return None
    start += len(_UNPARSABLE)
    # The line itself may contain "': ", so try each occurrence until one is a line we sent.
    end = segment.find("': ", start)
    while end >= 0:
        if segment[start:end] in known:
            return segment[start:end], segment[end + 3 :]
        end = segment.find("': ", end + 1)
    return None


def write_lines(lines: list[str], indices: list[int], post: PostLines) -> list[Rejected]:
    """Write ``lines`` (batch positions ``indices``); return the refused ones, by index."""
    if not lines:
        return []
    error = post(lines)
    if error is None:
        return []
    rejected: list[Rejected] = []
    _settle(lines, indices, error, post, rejected)
    rejected.sort(key=lambda r: r.index)
    return rejected


def _settle(
    lines: list[str], indices: list[int], error: str, post: PostLines, out: list[Rejected]
) -> None:
    """``error`` is the server's answer to writing exactly ``lines``."""
    parsed = parse_error(error, set(lines))
    rest_lines: list[str] = []
    rest_indices: list[int] = []
    for line, index in zip(lines, indices, strict=True):
        reason = parsed.named.get(line)
        if reason is None:
            rest_lines.append(line)
            rest_indices.append(index)
        else:
            out.append(Rejected(index, reason))
    if not rest_lines:
        return
    if parsed.named:
        # The good lines were most likely stored with the answer above; writing them again
        # proves it (and finds any bad line the message did not name).
        again = post(rest_lines)
        if again is not None:
            _settle(rest_lines, rest_indices, again, post, out)
        return
    reason = parsed.other or error
    if len(rest_lines) == 1 or parsed.dropped == len(rest_lines):
        out.extend(Rejected(index, reason) for index in rest_indices)
        return
    middle = len(rest_lines) // 2
    for part_lines, part_indices in (
        (rest_lines[:middle], rest_indices[:middle]),
        (rest_lines[middle:], rest_indices[middle:]),
    ):
        again = post(part_lines)
        if again is not None:
            _settle(part_lines, part_indices, again, post, out)
