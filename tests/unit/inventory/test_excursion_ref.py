"""``ExcursionRef``: the one reference string of an excursion, rendered and parsed; the
same string the detector gives the event, so the ledger and the alarms agree on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.alarms.exposure import freeze_reference
from ingest.detect import make_key
from ingest.detect.rules import EXCURSION, FREEZE_EXPOSURE
from inventory.domain.excursions import ExcursionRef
from inventory.errors import InvalidInput

START_NS = 1_764_201_600_123_456_789  # 2025-11-27 00:00:00.123456789 UTC


def test_a_reference_renders_the_detectors_key_and_parses_back() -> None:
    key = make_key("CL-1", "CL-1-F1", "who-heat", START_NS)
    ref = ExcursionRef.parse(key)

    assert ref == ExcursionRef("CL-1", "CL-1-F1", "who-heat", START_NS)
    assert ref.render() == str(ref) == key
    assert ref.start == datetime(2025, 11, 27, 0, 0, 0, 123456, tzinfo=UTC)
    assert ref.quarantine_key() == f"quarantine:{key}"


def test_the_freeze_exposure_of_an_episode_is_its_sibling_reference() -> None:
    episode = make_key("CL-1", "CL-1-F1", EXCURSION, START_NS)

    sibling = ExcursionRef.parse(episode).with_rule(FREEZE_EXPOSURE)

    assert sibling.render() == freeze_reference("CL-1", "CL-1-F1", episode)


@pytest.mark.parametrize(
    "text",
    [
        "heat in the fridge",  # a manual quarantine's reason
        "CL-1/CL-1-F1/SENSOR_OFFLINE/s-17/100",  # an offline alarm: no excursion
        "CL-1/CL-1-F1/who-heat/-5",
        "CL-1/CL-1-F1/who-heat/soon",
        "CL-1//who-heat/5",
    ],
)
def test_what_is_not_an_excursion_reference_does_not_parse(text: str) -> None:
    with pytest.raises(InvalidInput):
        ExcursionRef.parse(text)
    assert ExcursionRef.find(text) is None


def test_a_reference_refuses_parts_it_could_not_render_back() -> None:
    with pytest.raises(InvalidInput):
        ExcursionRef("CL/1", "F1", "who-heat", 5)
    with pytest.raises(InvalidInput):
        ExcursionRef("CL-1", "F" * 190, "who-heat", 5)
