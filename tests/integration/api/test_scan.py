"""POST /api/v1/scan: what a pack's barcode says, or why it cannot be read."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from access.principal import Role
from tests.integration.api.conftest import TokenMaker, bearer

GTIN = "09506000134352"


@pytest.fixture
def viewer(make_token: TokenMaker) -> dict[str, str]:
    return bearer(make_token("nurse", Role.VIEWER))


def test_a_bracketed_scan_returns_its_parts(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/scan",
        headers=viewer,
        json={"code": f"(01){GTIN}(17)280200(10)AB-12(21)SN1(3103)001250"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "kind": "gs1",
        "gtin": GTIN,
        "expiry": "2028-02-29",
        "lot": "AB-12",
        "serial": "SN1",
        "other": {"3103": "001250"},
        "symbology": None,
        "trace_code": None,
        "product_code": None,
    }


def test_a_raw_data_matrix_scan_with_gs_separators_is_read(
    client: TestClient, viewer: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/scan", headers=viewer, json={"code": f"]d201{GTIN}10L42\u001d17260531"}
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["symbology"], body["lot"], body["expiry"]) == ("]d2", "L42", "2026-05-31")


def test_a_china_trace_code_gives_its_product_code(
    client: TestClient, viewer: dict[str, str]
) -> None:
    response = client.post("/api/v1/scan", headers=viewer, json={"code": "81234567890123456789"})

    body = response.json()
    assert (body["kind"], body["product_code"]) == ("china_trace_code", "8123456")


def test_a_bad_check_digit_is_422_with_the_expected_digit(
    client: TestClient, viewer: dict[str, str]
) -> None:
    response = client.post("/api/v1/scan", headers=viewer, json={"code": f"(01){GTIN[:-1]}9(10)L1"})

    assert response.status_code == 422
    assert response.json() == {
        "error": "BadCheckDigit",
        "detail": "AI (01) 09506000134359: check digit is 9, expected 2 (misread or mistyped code)",
    }


def test_an_unknown_ai_is_422_naming_it(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.post("/api/v1/scan", headers=viewer, json={"code": f"(01){GTIN}(05)1"})

    assert response.status_code == 422
    assert response.json()["error"] == "UnknownApplicationIdentifier"
    assert "(05)" in response.json()["detail"]


def test_a_missing_code_is_422_naming_the_field(client: TestClient, viewer: dict[str, str]) -> None:
    response = client.post("/api/v1/scan", headers=viewer, json={})

    assert response.status_code == 422
    assert response.json()["detail"] == "body.code: Field required"


def test_scanning_needs_a_token(client: TestClient) -> None:
    assert client.post("/api/v1/scan", json={"code": f"(01){GTIN}"}).status_code == 401
