"""The reference of a temperature excursion, as the ledger records it (pure).

A quarantine the alarms ask for cites the excursion that caused it: an episode, one of its
alarms, or its freeze exposure. The citation is one string, ``{facility}/{unit}/{rule}/
{start in ns}`` — the identity the detector gives the event (stable across replays, so a
retry cites the same string). ``ExcursionRef`` is the only place that renders or parses
it; the ledger stores it as the movement's ``reference`` and derives the idempotency key of
the quarantine from it (``quarantine_key``).

Invariants: ``parse(ref.render()) == ref``; a string that is not such a reference (a manual
quarantine's free text, a SENSOR_OFFLINE key) does not parse (``InvalidInput``;
``ExcursionRef.find`` answers None). The end of an excursion is not part of its identity:
an open episode's end moves, its reference does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from inventory.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_LENGTH = 180  # the idempotency key adds "quarantine:" and must stay within 200


@dataclass(frozen=True, slots=True)
class ExcursionRef:
    """An excursion (episode), alarm or freeze exposure of one storage unit, by identity."""

    facility: str  # facility code
    unit: str  # storage unit code
    rule: str  # "excursion" (the episode), "freeze-exposure", or an alarm's rule id
    start_ns: int  # device time the excursion (or the alarm's run) began, ns since epoch

    def __post_init__(self) -> None:
        for what, part in (("facility", self.facility), ("unit", self.unit), ("rule", self.rule)):
            if not part or "/" in part or part != part.strip():
                raise InvalidInput(f"an excursion reference's {what} must be a code without '/'")
        if self.start_ns < 0:
            raise InvalidInput("an excursion reference starts at or after 1970-01-01")
        if len(self.render()) > _MAX_LENGTH:
            raise InvalidInput(f"an excursion reference is at most {_MAX_LENGTH} characters")

    @property
    def start(self) -> datetime:
        """The start as aware UTC (microsecond precision; the reference keeps nanoseconds)."""
        return _EPOCH + timedelta(microseconds=self.start_ns // 1000)

    def render(self) -> str:
        return f"{self.facility}/{self.unit}/{self.rule}/{self.start_ns}"

    def __str__(self) -> str:
        return self.render()

    def with_rule(self, rule: str) -> ExcursionRef:
        """The sibling event of the same excursion (same unit, same start): e.g. the
        episode's freeze exposure from the episode's reference."""
        return replace(self, rule=rule)

    def quarantine_key(self) -> str:
        """The idempotency key of the one quarantine movement that cites this reference."""
        return f"quarantine:{self.render()}"

    @classmethod
    def parse(cls, text: str) -> ExcursionRef:
        """The reference ``text`` renders; ``InvalidInput`` when it is not one."""
        parts = text.split("/") if isinstance(text, str) else []
        if len(parts) != 4 or not parts[3].isdigit():
            raise InvalidInput(f"{text!r} is not an excursion reference (facility/unit/rule/ns)")
        return cls(parts[0], parts[1], parts[2], int(parts[3]))

    @classmethod
    def find(cls, text: str | None) -> ExcursionRef | None:
        """``parse`` for a movement's free ``reference``: None when it cites no excursion."""
        if text is None:
            return None
        try:
            return cls.parse(text)
        except InvalidInput:
            return None
