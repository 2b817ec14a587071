"""Line protocol encoding of readings: every field type, escaping, and what is refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.line_protocol import UnencodableReading, encode, encode_batch, escape_tag
from ingest.readings import Reading

T0 = 1_700_000_000_123_456_789


def make_reading(**changes: object) -> Reading:
    values: dict[str, object] = {
        "facility": "HQ-01",
        "unit": "fridge-3",
        "sensor_id": "s-42",
        "device_time_ns": T0,
        "temperature_c": 4.37,
        "received_at_ns": T0 + 250_000_000,
    }
    values.update(changes)
    return Reading(**values)  # type: ignore[arg-type]


def test_a_minimal_reading_has_temperature_and_receipt_time_at_device_time() -> None:
    assert encode(make_reading()) == (
        "temperature,facility=HQ-01,unit=fridge-3,sensor=s-42 "
        f"temperature_c=4.37,received_at_ns={T0 + 250_000_000}i {T0}"
    )


def test_every_optional_field_is_written_with_its_type() -> None:
    line = encode(make_reading(seq=17, battery_pct=87.5, door_open=True, power_on=False))
    fields = line.split(" ")[1]
    assert fields == (
        f"temperature_c=4.37,received_at_ns={T0 + 250_000_000}i,seq=17i,"
        "battery_pct=87.5,door_open=true,power_on=false"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [(5.0, "5.0"), (-20.5, "-20.5"), (1e-05, "1e-05"), (5, "5.0"), (-0.0, "-0.0")],
)
def test_temperatures_are_written_as_floats(value: float, written: str) -> None:
    assert f" temperature_c={written}," in encode(make_reading(temperature_c=value))


def test_a_false_door_and_a_zero_sequence_are_written_not_dropped() -> None:
    line = encode(make_reading(seq=0, door_open=False))
    assert ",seq=0i," in line and line.split(" ")[1].endswith(",door_open=false")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("fridge 3", "fridge\\ 3"),
        ("a,b", "a\\,b"),
        ("k=v", "k\\=v"),
        ("o'brien, cold room = 2", "o'brien\\,\\ cold\\ room\\ \\=\\ 2"),
        ("Kühlschrank", "Kühlschrank"),
    ],
)
def test_commas_spaces_and_equals_signs_in_tags_are_escaped(raw: str, escaped: str) -> None:
    line = encode(make_reading(unit=raw, sensor_id=raw, facility=raw))
    assert line.startswith(f"temperature,facility={escaped},unit={escaped},sensor={escaped} ")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("field", ["temperature_c", "battery_pct"])
def test_non_finite_numbers_are_refused_naming_the_field(field: str, value: float) -> None:
    with pytest.raises(UnencodableReading, match=field):
        encode(make_reading(**{field: value}))


@pytest.mark.parametrize(
    ("tag", "value", "why"),
    [
        ("unit", "", "non-empty"),
        ("sensor_id", "s\n1", "control character"),
        ("facility", "a\tb", "control character"),
        ("unit", "back\\slash", "backslash"),
        ("unit", "ends-with\\", "backslash"),
    ],
)
def test_tags_that_line_protocol_cannot_carry_are_refused(tag: str, value: str, why: str) -> None:
    with pytest.raises(UnencodableReading, match=why):
        encode(make_reading(**{tag: value}))


@pytest.mark.parametrize(
    "changes",
    [{"device_time_ns": 2**63}, {"received_at_ns": -(2**63) - 1}, {"seq": True}, {"seq": 1.0}],
)
def test_integers_must_be_64_bit_ints(changes: dict[str, object]) -> None:
    with pytest.raises(UnencodableReading, match="64-bit integer"):
        encode(make_reading(**changes))


def test_a_sensor_moved_to_another_unit_is_written_to_the_new_unit() -> None:
    assert ",unit=fridge-3," in encode(make_reading(unit="fridge-3"))
    assert ",unit=freezer-1," in encode(make_reading(unit="freezer-1"))
    assert ",facility=CLINIC-9," in encode(make_reading(unit="freezer-1", facility="CLINIC-9"))


def test_a_batch_keeps_the_positions_of_the_lines_and_of_the_refused() -> None:
    batch = [
        make_reading(device_time_ns=T0),
        make_reading(temperature_c=float("nan")),
        make_reading(device_time_ns=T0 + 2),
        make_reading(unit=""),
    ]
    lines, indices, refused = encode_batch(batch)
    assert indices == [0, 2]
    assert [line.rsplit(" ", 1)[1] for line in lines] == [str(T0), str(T0 + 2)]
    assert [index for index, _ in refused] == [1, 3]
    assert "temperature_c is nan" in refused[0][1]


def _unescape_tag_set(series: str) -> list[tuple[str, str]]:
    """A reference reader of a series key: split on unescaped commas and equals signs."""
    parts = re.split(r"(?<!\\),", series)[1:]
    pairs = [re.split(r"(?<!\\)=", part) for part in parts]
    return [(k, re.sub(r"\\([, =])", r"\1", v)) for k, v in pairs]


printable_tag = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\\"
    ),
    min_size=1,
).filter(str.isprintable)


@given(facility=printable_tag, unit=printable_tag, sensor=printable_tag)
def test_any_printable_tag_reads_back_unchanged(facility: str, unit: str, sensor: str) -> None:
    line = encode(make_reading(facility=facility, unit=unit, sensor_id=sensor))
    series = re.split(r"(?<!\\) ", line)[0]
    assert _unescape_tag_set(series) == [("facility", facility), ("unit", unit), ("sensor", sensor)]


def test_escape_tag_names_the_tag_it_refuses() -> None:
    with pytest.raises(UnencodableReading, match="tag sensor"):
        escape_tag("sensor", "")
