"""Named errors of the alarms package, under one base class (``ingest.errors.IngestError``).

The API maps them once: ``AlarmNotFound`` / ``EpisodeNotFound`` / ``UnknownUnit`` -> 404,
``InvalidAcknowledgement`` -> 422. A refused operation has written nothing.
"""

from __future__ import annotations

from ingest.errors import IngestError


class AlarmsError(IngestError):
    """Base of every error the alarms package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlarmNotFound(AlarmsError):
    def __init__(self, alarm_id: int) -> None:
        super().__init__(f"alarm {alarm_id} does not exist")
        self.alarm_id = alarm_id


class EpisodeNotFound(AlarmsError):
    def __init__(self, episode: int | str) -> None:
        super().__init__(f"excursion episode {episode!r} does not exist")
        self.episode = episode


class UnknownUnit(AlarmsError):
    """The storage unit is not known to the unit directory (no profile, no time zone)."""

    def __init__(self, unit_code: str) -> None:
        super().__init__(f"storage unit {unit_code!r} is not known")
        self.unit_code = unit_code


class InvalidAcknowledgement(AlarmsError):
    """An acknowledgement without a user or without a comment (both are required)."""


class InvalidQuery(AlarmsError):
    """Read-side arguments that cannot be answered (e.g. a day range that runs backwards)."""
