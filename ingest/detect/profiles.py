"""Temperature profiles: the range a storage unit must stay in (domain rule 1).

Invariant: in range is inclusive of both bounds (+2.0 and +8.0 are in range for ``2-8``);
a reading is out of range when it is strictly below ``low_c`` or strictly above ``high_c``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.detect.errors import InvalidDetectionConfig, UnknownProfile


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    low_c: float
    high_c: float
    # A reading at or below this opens the freeze-sensitive product signal (the ledger
    # quarantines freeze-sensitive stock on any excursion below 0 °C). None: no signal, as
    # in freezers, where every reading is below 0 °C by design.
    freeze_signal_c: float | None = None

    def __post_init__(self) -> None:
        if not self.low_c < self.high_c:
            raise InvalidDetectionConfig(
                f"profile {self.name!r}: low {self.low_c} must be below high {self.high_c}"
            )

    def in_range(self, temperature_c: float) -> bool:
        return self.low_c <= temperature_c <= self.high_c


FRIDGE = Profile("2-8", 2.0, 8.0, freeze_signal_c=0.0)
FREEZER = Profile("freezer", -25.0, -15.0)
ULTRACOLD = Profile("ultracold", -90.0, -60.0)

PROFILES: dict[str, Profile] = {p.name: p for p in (FRIDGE, FREEZER, ULTRACOLD)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(name) from None
