"""Named errors of excursion detection, under one base class.

Detection itself never raises on data: late, replayed or out-of-range readings are facts it
handles. These errors are for configuration that detection cannot run with (an unknown
profile, a rule set whose ids collide, a rule that can never fire), raised when the
configuration is built so that a bad unit fails at start-up, not in the hot path.
"""

from __future__ import annotations


class DetectError(Exception):
    """Base class of every error the detection package raises on purpose."""


class UnknownProfile(DetectError):
    """The profile name is not one of the known temperature profiles."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown temperature profile {name!r}")
        self.name = name


class InvalidDetectionConfig(DetectError):
    """A rule or unit configuration that cannot work (duplicate ids, non-positive times…)."""


class UnknownTimeZone(DetectError):
    """The storage unit's time zone is not an IANA name this machine knows."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown time zone {name!r}")
        self.name = name
