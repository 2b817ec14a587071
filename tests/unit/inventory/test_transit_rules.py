"""The pure rules of shipments on the road (rule 27)."""

from __future__ import annotations

from datetime import date

import pytest

from inventory.domain.gs1 import Gs1Error
from inventory.domain.transit import (
    check_acceptance,
    logger_from_scan,
    refuse_transit_code,
    shipment_of,
    transit_unit_code,
    transport_profile,
)
from inventory.errors import InvalidInput, InvalidState

TODAY = date(2026, 12, 3)


def test_a_transit_code_names_its_shipment_and_nothing_else() -> None:
    assert shipment_of(transit_unit_code(42)) == 42
    for code in ("shipment-0", "shipment-", "shipment-4x", "SHIPMENT-4", "fridge-4", "shipment-04"):
        assert shipment_of(code) is None
    with pytest.raises(InvalidInput, match="reserved"):
        refuse_transit_code("Shipment-9")
    refuse_transit_code("GD-CR1")


def test_the_transport_profile_is_the_products_common_one_else_a_cold_box() -> None:
    assert transport_profile(["freezer", "freezer"]) == "freezer"
    assert transport_profile(["freezer", "2-8"]) == "2-8"
    assert transport_profile([]) == "2-8"


def test_a_logger_label_names_its_sensor() -> None:
    assert logger_from_scan("  TL-7 ", TODAY) == "TL-7"
    assert logger_from_scan("(8004)0950600013435TL7", TODAY) == "0950600013435TL7"
    assert logger_from_scan("(21)TL-9", TODAY) == "TL-9"
    with pytest.raises(InvalidInput, match="asset identifier"):
        logger_from_scan("(01)09506000134352", TODAY)
    with pytest.raises(Gs1Error):
        logger_from_scan("(01)09506000134353", TODAY)  # bad check digit


def test_an_incomplete_record_needs_an_override_with_a_reason() -> None:
    assert check_acceptance(1, True, None) is None
    assert check_acceptance(1, None, None) is None  # no logger: nothing to check
    assert check_acceptance(1, False, " box checked by hand ") == "box checked by hand"
    with pytest.raises(InvalidState, match="override"):
        check_acceptance(1, False, " ")
