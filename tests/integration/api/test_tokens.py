"""Token administration: admins issue tokens (shown once, stored hashed), tokens are revoked."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from access.models import ApiToken
from access.principal import Role
from access.services import TokenLifetimes
from access.token_secrets import hash_token
from api.app import create_app
from api.deps import ApiDeps
from tests.integration.api.conftest import NOW, TokenMaker, bearer


def client_at(deps: ApiDeps, now: datetime, **changes: object) -> TestClient:
    """The same API and database, on a clock that reads ``now``."""
    return TestClient(create_app(dataclasses.replace(deps, clock=lambda: now, **changes)))


def create(client: TestClient, admin: str, **body: object) -> dict[str, object]:
    response = client.post("/api/v1/tokens", headers=bearer(admin), json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_admin_issues_a_scoped_token_that_works_at_once(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)

    created = create(client, admin, name="wang", role="staff", facility_id=4)

    assert (created["name"], created["role"], created["facility_id"]) == ("wang", "staff", 4)
    assert created["revoked_at"] is None
    me = client.get("/api/v1/me", headers=bearer(str(created["token"]))).json()
    assert (me["name"], me["scope_path"], me["token_id"]) == ("wang", "/1/4/", created["id"])


def test_the_secret_is_shown_once_and_stored_only_as_its_hash(
    client: TestClient, make_token: TokenMaker, engine: Engine
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens", headers=bearer(admin), json={"name": "zhao", "role": "viewer"}
    )
    secret = response.json()["token"]

    assert response.headers["Cache-Control"] == "no-store"
    with Session(engine) as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.id == response.json()["id"])).one()
    assert stored.token_hash == hash_token(secret)
    assert secret not in stored.token_hash
    listed = client.get("/api/v1/tokens", headers=bearer(admin)).json()
    assert all("token" not in item and "token_hash" not in item for item in listed)


def test_a_second_token_for_the_same_user_keeps_its_role(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)
    first = create(client, admin, name="wang", role="staff", facility_id=4)

    second = create(client, admin, name="wang", role="staff", facility_id=4)

    assert second["user_id"] == first["user_id"]
    assert second["id"] != first["id"]


def test_the_same_name_with_another_role_is_a_409(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)
    create(client, admin, name="wang", role="staff", facility_id=4)

    response = client.post(
        "/api/v1/tokens", headers=bearer(admin), json={"name": "wang", "role": "admin"}
    )

    assert response.status_code == 409
    assert response.json()["error"] == "UserConflict"
    assert "exists as staff at facility 4" in response.json()["detail"]


def test_staff_without_a_facility_is_422_saying_why(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens", headers=bearer(admin), json={"name": "wang", "role": "staff"}
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "InvalidScope",
        "detail": "staff must be scoped to a facility; give facility_id",
    }


def test_an_unknown_role_is_422_naming_the_field(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens", headers=bearer(admin), json={"name": "x", "role": "superuser"}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "RequestValidationError"
    assert response.json()["detail"].startswith("body.role: ")


def test_only_an_admin_may_issue_tokens(client: TestClient, make_token: TokenMaker) -> None:
    staff = make_token("wang", Role.STAFF, facility_id=4)

    response = client.post(
        "/api/v1/tokens", headers=bearer(staff), json={"name": "li", "role": "admin"}
    )

    assert response.status_code == 403
    assert response.json() == {
        "error": "Forbidden",
        "detail": "staff 'wang' may not do this; needs: admin",
    }


def test_a_revoked_token_is_refused_at_once(client: TestClient, make_token: TokenMaker) -> None:
    admin = make_token("root", Role.ADMIN)
    created = create(client, admin, name="zhao", role="viewer")
    viewer = str(created["token"])
    assert client.get("/api/v1/me", headers=bearer(viewer)).status_code == 200

    response = client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin))

    assert response.status_code == 200
    assert response.json()["revoked_at"] == "2025-06-01T08:30:00Z"
    assert client.get("/api/v1/me", headers=bearer(viewer)).status_code == 401


def test_revoking_twice_keeps_the_first_revocation(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)
    created = create(client, admin, name="zhao", role="viewer")

    first = client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin)).json()
    second = client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin)).json()

    assert second == first


def test_revoked_tokens_are_listed_only_when_asked(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)
    created = create(client, admin, name="zhao", role="viewer")
    client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin))

    active = client.get("/api/v1/tokens", headers=bearer(admin)).json()
    everything = client.get(
        "/api/v1/tokens", headers=bearer(admin), params={"include_revoked": True}
    ).json()

    assert [t["name"] for t in active] == ["root"]
    assert [t["name"] for t in everything] == ["root", "zhao"]


def test_revoking_an_unknown_token_is_404(client: TestClient, make_token: TokenMaker) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.delete("/api/v1/tokens/9999", headers=bearer(admin))

    assert response.status_code == 404
    assert response.json() == {"error": "TokenNotFound", "detail": "no API token has id 9999"}


def test_a_user_may_revoke_its_own_token_but_not_anothers(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)
    wang = create(client, admin, name="wang", role="staff", facility_id=4)
    zhao = create(client, admin, name="zhao", role="viewer")

    refused = client.delete(f"/api/v1/tokens/{zhao['id']}", headers=bearer(str(wang["token"])))
    own = client.delete(f"/api/v1/tokens/{wang['id']}", headers=bearer(str(wang["token"])))

    assert refused.status_code == 403
    assert own.status_code == 200
    assert client.get("/api/v1/me", headers=bearer(str(zhao["token"]))).status_code == 200


def test_a_token_for_a_facility_that_does_not_exist_is_422_naming_the_id(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens",
        headers=bearer(admin),
        json={"name": "early", "role": "staff", "facility_id": 999},
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "UnknownScopeFacility",
        "detail": "no facility has id 999; a token's scope must be an existing facility",
    }
    listed = client.get("/api/v1/tokens", headers=bearer(admin)).json()
    assert [t["name"] for t in listed] == ["root"]  # no user, no token written


@pytest.mark.parametrize("facility_id", [0, 2**31])
def test_a_facility_id_out_of_range_is_422_naming_the_field(
    client: TestClient, make_token: TokenMaker, facility_id: int
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens",
        headers=bearer(admin),
        json={"name": "x", "role": "viewer", "facility_id": facility_id},
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.facility_id: ")


@pytest.mark.parametrize("token_id", ["9223372036854775808", "2147483648", "0"])
def test_revoking_a_token_id_out_of_range_is_422_not_500(
    client: TestClient, make_token: TokenMaker, token_id: str
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(admin))

    assert response.status_code == 422
    assert response.json()["error"] == "RequestValidationError"
    assert response.json()["detail"].startswith("path.token_id: ")


def test_a_staff_token_expires_after_the_default_90_days_and_is_refused_saying_so(
    client: TestClient, make_token: TokenMaker, deps: ApiDeps
) -> None:
    admin = make_token("root", Role.ADMIN)
    created = create(client, admin, name="wang", role="staff", facility_id=4)
    staff = bearer(str(created["token"]))
    expires = NOW + timedelta(days=90)

    assert created["expires_at"] == "2025-08-30T08:30:00Z"
    last_second = client_at(deps, expires - timedelta(seconds=1)).get("/api/v1/me", headers=staff)
    refused = client_at(deps, expires).get("/api/v1/me", headers=staff)

    assert last_second.status_code == 200
    assert last_second.json()["expires_at"] == "2025-08-30T08:30:00Z"
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert refused.json() == {
        "error": "TokenExpired",
        "detail": f"API token {created['id']} expired at 2025-08-30T08:30:00+00:00;"
        " ask an admin for a new one",
    }


def test_admin_and_viewer_tokens_never_expire_unless_asked(
    client: TestClient, make_token: TokenMaker
) -> None:
    admin = make_token("root", Role.ADMIN)

    viewer = create(client, admin, name="zhao", role="viewer")
    short = create(client, admin, name="li", role="admin", expires_in_days=7)
    long_staff = create(
        client, admin, name="wang", role="staff", facility_id=4, expires_in_days=365
    )

    assert viewer["expires_at"] is None
    assert (
        client.get("/api/v1/me", headers=bearer(str(viewer["token"]))).json()["expires_at"] is None
    )
    assert short["expires_at"] == "2025-06-08T08:30:00Z"
    assert long_staff["expires_at"] == "2026-06-01T08:30:00Z"


def test_the_staff_default_lifetime_is_the_configured_one(
    make_token: TokenMaker, deps: ApiDeps
) -> None:
    admin = make_token("root", Role.ADMIN)
    configured = client_at(deps, NOW, token_lifetimes=TokenLifetimes({Role.STAFF: 30}))

    created = create(configured, admin, name="wang", role="staff", facility_id=4)

    assert created["expires_at"] == "2025-07-01T08:30:00Z"


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_a_lifetime_out_of_range_is_422_naming_the_field(
    client: TestClient, make_token: TokenMaker, days: int
) -> None:
    admin = make_token("root", Role.ADMIN)

    response = client.post(
        "/api/v1/tokens",
        headers=bearer(admin),
        json={"name": "x", "role": "viewer", "expires_in_days": days},
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("body.expires_in_days: ")


def test_expired_tokens_are_listed_only_when_asked_with_their_expiry(
    client: TestClient, make_token: TokenMaker, deps: ApiDeps
) -> None:
    admin = make_token("root", Role.ADMIN)
    create(client, admin, name="li", role="viewer", expires_in_days=1)
    later = client_at(deps, NOW + timedelta(days=2))

    active = later.get("/api/v1/tokens", headers=bearer(admin)).json()
    everything = later.get(
        "/api/v1/tokens", headers=bearer(admin), params={"include_expired": True}
    ).json()

    assert [t["name"] for t in active] == ["root"]
    assert [(t["name"], t["expires_at"]) for t in everything] == [
        ("root", None),
        ("li", "2025-06-02T08:30:00Z"),
    ]
