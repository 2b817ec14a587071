"""Settling a refused InfluxDB write, against a hand-written InfluxDB that answers like 1.6.7.

The fake's answers copy what the real influxd 1.6.7 was seen to send (the integration tests
check the same behaviour against the real server): parse errors named line by line, write
errors (field type conflicts) counted as ``dropped=N`` without naming lines, and parse
errors hidden when a write error happens in the same request.
"""

from __future__ import annotations

import pytest

from ingest.sinks.base import Rejected, SinkMisconfigured, SinkUnavailable
from ingest.sinks.influx_errors import error_message, failure
from ingest.sinks.partial_writes import parse_error, write_lines

CONFLICT = (
    'field type conflict: input field "temperature_c" on measurement "temperature" is type '
    "float, already exists as type string"
)


class FakeInflux:
    """Stores good lines; answers bad ones the way influxd 1.6.7 does."""

    def __init__(self, unparsable: set[str], conflicting: set[str], *, atomic: bool = False):
        self.unparsable = unparsable
        self.conflicting = conflicting
        self.atomic = atomic  # a stricter server that stores nothing of a refused batch
        self.stored: set[str] = set()
        self.requests: list[int] = []

    def post(self, lines: list[str]) -> str | None:
        self.requests.append(len(lines))
        bad_parse = [line for line in lines if line in self.unparsable]
        dropped = [line for line in lines if line in self.conflicting]
        if not (self.atomic and (bad_parse or dropped)):
            self.stored.update(set(lines) - self.unparsable - self.conflicting)
        if dropped:
            return f"partial write: {CONFLICT} dropped={len(dropped)}"
        if bad_parse:
            named = "\n".join(
                f"unable to parse '{line}': invalid field format" for line in bad_parse
            )
            return f"partial write: {named} dropped=0"
        return None


def lines_of(n: int) -> list[str]:
    return [f"temperature,sensor=s{i} temperature_c={i}.5 {1000 + i}" for i in range(n)]


def test_a_clean_batch_is_one_request() -> None:
    lines = lines_of(8)
    server = FakeInflux(set(), set())
    assert write_lines(lines, list(range(8)), server.post) == []
    assert server.requests == [8] and server.stored == set(lines)


def test_named_unparsable_lines_are_rejected_and_the_rest_is_stored() -> None:
    lines = lines_of(10)
    server = FakeInflux({lines[2], lines[7]}, set())
    rejected = write_lines(lines, list(range(100, 110)), server.post)
    assert [r.index for r in rejected] == [102, 107]
    assert all("invalid field format" in r.reason for r in rejected)
    assert server.stored == set(lines) - {lines[2], lines[7]}


def test_unnamed_dropped_lines_are_found_by_rewriting_halves() -> None:
    lines = lines_of(16)
    server = FakeInflux(set(), {lines[3], lines[12]})
    rejected = write_lines(lines, list(range(16)), server.post)
    assert rejected == [Rejected(3, CONFLICT), Rejected(12, CONFLICT)]
    assert server.stored == set(lines) - {lines[3], lines[12]}
    assert len(server.requests) < 16  # bisection, not one request per line


def test_a_parse_error_hidden_behind_a_type_conflict_is_still_found() -> None:
    lines = lines_of(9)
    server = FakeInflux({lines[8]}, {lines[2], lines[5]})
    rejected = write_lines(lines, list(range(9)), server.post)
    assert [r.index for r in rejected] == [2, 5, 8]
    assert "could not parse" in rejected[2].reason
    assert server.stored == set(lines) - {lines[2], lines[5], lines[8]}


def test_when_every_line_is_dropped_the_count_settles_it_without_bisecting() -> None:
    lines = lines_of(1000)
    server = FakeInflux(set(), set(lines))
    rejected = write_lines(lines, list(range(1000)), server.post)
    assert len(rejected) == 1000 and server.requests == [1000]


def test_a_server_that_stores_nothing_of_a_refused_batch_still_gets_every_good_line() -> None:
    lines = lines_of(12)
    server = FakeInflux({lines[0]}, {lines[6]}, atomic=True)
    rejected = write_lines(lines, list(range(12)), server.post)
    assert [r.index for r in rejected] == [0, 6]
    assert server.stored == set(lines) - {lines[0], lines[6]}


def test_duplicate_lines_in_a_batch_are_both_rejected() -> None:
    lines = lines_of(3)
    batch = [*lines, lines[1]]
    server = FakeInflux({lines[1]}, set())
    assert [r.index for r in write_lines(batch, [0, 1, 2, 3], server.post)] == [1, 3]


def test_the_line_is_found_even_when_it_holds_the_quote_colon_separator() -> None:
    line = "temperature,unit=o':\\ x temperature_c=1.0 1"
    parsed = parse_error(f"unable to parse '{line}': bad timestamp", {line})
    assert parsed.named == {line: "InfluxDB could not parse the line: bad timestamp"}


def test_a_write_error_message_gives_its_reason_and_dropped_count() -> None:
    parsed = parse_error(f"partial write: {CONFLICT} dropped=2", set())
    assert parsed.named == {} and parsed.other == CONFLICT and parsed.dropped == 2


def test_error_bodies_of_both_api_versions_give_their_message() -> None:
    assert error_message(b'{"error":"database not found: \\"x\\""}\n') == 'database not found: "x"'
    assert error_message(b'{"code":"invalid","message":"bad"}') == "bad"
    assert error_message(b"404 page not found\n") == "404 page not found"
    assert error_message(b"", "Bad Gateway") == "Bad Gateway"


@pytest.mark.parametrize(
    ("status", "message", "kind", "says"),
    [
        (401, "authorization failed", SinkMisconfigured, "refused the credentials"),
        (403, "forbidden", SinkMisconfigured, "check COLDCHAIN_X"),
        (404, 'database not found: "x"', SinkMisconfigured, "database not found"),
        (404, "404 page not found", SinkMisconfigured, "COLDCHAIN_TELEMETRY_STORE"),
        (500, "retention policy not found: short", SinkMisconfigured, "retention policy"),
        (405, "method not allowed", SinkMisconfigured, "refused the request"),
        (500, "timeout", SinkUnavailable, "answered 500"),
        (503, "hinted handoff queue not empty", SinkUnavailable, "503"),
        (429, "too many requests", SinkUnavailable, "429"),
    ],
)
def test_statuses_map_to_retry_or_fix(
    status: int, message: str, kind: type[Exception], says: str
) -> None:
    error = failure(status, message, store="InfluxDB at x", credentials="COLDCHAIN_X")
    assert type(error) is kind and says in str(error)
