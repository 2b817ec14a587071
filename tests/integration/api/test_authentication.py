"""Every route but health needs a valid bearer token; roles and scopes decide the rest."""

from __future__ import annotations

from fastapi.testclient import TestClient

from access.principal import Role
from api.deps import ApiDeps
from tests.integration.api.conftest import FakeFacilityPaths, TokenMaker, bearer


def test_health_answers_without_a_token(client: TestClient) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_no_token_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": "NotAuthenticated",
        "detail": "send an API token as 'Authorization: Bearer <token>'",
    }


def test_an_unknown_token_is_401(client: TestClient, make_token: TokenMaker) -> None:
    make_token("admin", Role.ADMIN)

    response = client.get("/api/v1/me", headers=bearer("not-a-real-token"))

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"] == "unknown or revoked API token"


def test_another_auth_scheme_is_401(client: TestClient, make_token: TokenMaker) -> None:
    secret = make_token("admin", Role.ADMIN)

    response = client.get("/api/v1/me", headers={"Authorization": f"Basic {secret}"})

    assert response.status_code == 401


def test_me_tells_a_staff_member_its_role_and_scope(
    client: TestClient, make_token: TokenMaker
) -> None:
    secret = make_token("wang", Role.STAFF, facility_id=4)

    response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "wang"
    assert body["role"] == "staff"
    assert (body["facility_id"], body["scope_path"]) == (4, "/1/4/")
    assert body["read_only"] is False


def test_a_scope_that_no_longer_resolves_fails_closed(
    client: TestClient, make_token: TokenMaker, deps: ApiDeps
) -> None:
    paths = deps.facility_paths
    assert isinstance(paths, FakeFacilityPaths)
    paths.paths[999] = "/1/999/"
    secret = make_token("ghost", Role.VIEWER, facility_id=999)
    del paths.paths[999]  # the ledger no longer resolves the scope

    body = client.get("/api/v1/me", headers=bearer(secret)).json()
    stock = client.get("/api/v1/probe/facilities/5/stock", headers=bearer(secret))

    assert (body["facility_id"], body["scope_path"], body["read_only"]) == (999, None, True)
    assert stock.status_code == 403
    assert "which is unknown, so it may read nowhere" in stock.json()["detail"]


def test_staff_records_movements_inside_its_subtree(
    client: TestClient, make_token: TokenMaker
) -> None:
    secret = make_token("wang", Role.STAFF, facility_id=4)

    response = client.post("/api/v1/probe/facilities/17/movements", headers=bearer(secret))

    assert response.status_code == 200
    assert response.json() == {"facility_id": 17, "by": "wang"}


def test_staff_outside_its_subtree_gets_403_saying_why(
    client: TestClient, make_token: TokenMaker
) -> None:
    secret = make_token("wang", Role.STAFF, facility_id=4)

    response = client.post("/api/v1/probe/facilities/5/movements", headers=bearer(secret))

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "Forbidden"
    assert "facility /1/5/ is outside the scope of staff 'wang'" in body["detail"]


def test_viewer_reads_but_may_not_record_movements(
    client: TestClient, make_token: TokenMaker
) -> None:
    secret = make_token("zhao", Role.VIEWER)

    assert client.get("/api/v1/probe/facilities/5/stock", headers=bearer(secret)).status_code == 200
    response = client.post("/api/v1/probe/facilities/5/movements", headers=bearer(secret))
    assert response.status_code == 403
    assert response.json()["detail"] == "viewer 'zhao' is read-only"


def test_admin_writes_anywhere(client: TestClient, make_token: TokenMaker) -> None:
    secret = make_token("root", Role.ADMIN)

    response = client.post("/api/v1/probe/facilities/1/movements", headers=bearer(secret))

    assert response.status_code == 200


def test_an_unknown_facility_is_404_through_the_ledgers_error(
    client: TestClient, make_token: TokenMaker
) -> None:
    secret = make_token("root", Role.ADMIN)

    response = client.get("/api/v1/probe/facilities/404/stock", headers=bearer(secret))

    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "no facility has id 404"}


def test_openapi_documents_bearer_auth(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()

    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/api/docs").status_code == 200
