"""Facilities (levels, paths, time zones) and lot identity (lot numbers, GTINs, VVM)."""

from __future__ import annotations

import pytest

from inventory.domain.facilities import (
    FacilityLevel,
    ancestor_ids,
    check_parent,
    child_path,
    parse_enum,
    validate_timezone,
)
from inventory.domain.lots import (
    gs1_check_digit,
    normalise_lot_number,
    validate_gtin,
    validate_vvm_stage,
)
from inventory.errors import InvalidInput


def test_a_path_lists_the_ids_from_the_root_down_to_the_facility() -> None:
    assert child_path(None, 1) == "/1/"
    assert child_path("/1/4/", 17) == "/1/4/17/"
    assert ancestor_ids("/1/4/17/") == (1, 4, 17)


def test_a_child_sits_below_its_parent() -> None:
    check_parent(FacilityLevel.CLINIC, FacilityLevel.COUNTY)
    check_parent(FacilityLevel.MOBILE_TEAM, FacilityLevel.TOWNSHIP)
    with pytest.raises(InvalidInput, match="a city cannot sit under a county"):
        check_parent(FacilityLevel.CITY, FacilityLevel.COUNTY)
    with pytest.raises(InvalidInput):
        check_parent(FacilityLevel.CLINIC, FacilityLevel.CLINIC)


def test_time_zones_must_be_iana_names() -> None:
    assert str(validate_timezone("Asia/Urumqi")) == "Asia/Urumqi"
    with pytest.raises(InvalidInput, match="'Mars/Olympus' is not an IANA time zone"):
        validate_timezone("Mars/Olympus")


def test_unknown_levels_list_the_allowed_ones() -> None:
    with pytest.raises(InvalidInput, match="province, city, county"):
        parse_enum(FacilityLevel, "village", "facility level")


def test_gtin_check_digit() -> None:
    assert gs1_check_digit("0950110153000") == 3
    assert validate_gtin("09501101530003") == "09501101530003"
    with pytest.raises(InvalidInput, match="wrong check digit"):
        validate_gtin("09501101530004")
    with pytest.raises(InvalidInput, match="14 digits"):
        validate_gtin("9501101530003")
    assert validate_gtin(None) is None


def test_lot_numbers_are_stripped_and_never_empty() -> None:
    assert normalise_lot_number("  AB12 ") == "AB12"
    with pytest.raises(InvalidInput):
        normalise_lot_number("   ")


def test_vvm_stage_is_one_to_four() -> None:
    assert validate_vvm_stage(4) == 4
    with pytest.raises(InvalidInput):
        validate_vvm_stage(5)
