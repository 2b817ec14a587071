"""Excursion detection: the pure functional core of temperature monitoring.

Readings of a storage unit (device time, possibly late, out of order or replayed) go in;
past-tense events with deterministic keys come out: excursion episodes, WHO and custom
alarms raised and cleared, the freeze-exposure signal. Beside it, pure functions for mean
kinetic temperature, the daily (Fridge-tag) summary and offline sensors. No I/O, no wall
clock: everything is decided on device time. See README.md for the data flow and the
decisions.
"""

from ingest.detect.config import FRIDGE_DEFAULTS, UnitConfig
from ingest.detect.detector import Detector, DetectorCounters, UnitDetector
from ingest.detect.episodes import Episode
from ingest.detect.events import (
    AlarmCleared,
    AlarmRaised,
    Direction,
    Event,
    ExcursionEnded,
    ExcursionStarted,
    FreezeExposureDetected,
    event_id,
    make_key,
    to_utc,
)
from ingest.detect.mkt import mean_kinetic_temperature
from ingest.detect.offline import offline_sensors
from ingest.detect.profiles import FREEZER, FRIDGE, PROFILES, ULTRACOLD, Profile, get_profile
from ingest.detect.rules import (
    DEFAULT_RULES,
    Comparison,
    ContinuousRule,
    CumulativeRule,
    Rule,
    Severity,
    default_rules,
)
from ingest.detect.summary import DailySummary, day_bounds, summarise_day

__all__ = [
    "DEFAULT_RULES",
    "FREEZER",
    "FRIDGE",
    "FRIDGE_DEFAULTS",
    "PROFILES",
    "ULTRACOLD",
    "AlarmCleared",
    "AlarmRaised",
    "Comparison",
    "ContinuousRule",
    "CumulativeRule",
    "DailySummary",
    "Detector",
    "DetectorCounters",
    "Direction",
    "Episode",
    "Event",
    "ExcursionEnded",
    "ExcursionStarted",
    "FreezeExposureDetected",
    "Profile",
    "Rule",
    "Severity",
    "UnitConfig",
    "UnitDetector",
    "day_bounds",
    "default_rules",
    "event_id",
    "get_profile",
    "make_key",
    "mean_kinetic_temperature",
    "offline_sensors",
    "summarise_day",
    "to_utc",
]
