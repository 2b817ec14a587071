"""User accounts through the API (SQLite and PostgreSQL), as the composition root wires it:
admins create, list and disable users; a disabled user's tokens are refused with 401; a
staff user needs a scope; nobody but an admin manages users."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import PREFIX, ApiAs, Caller, Programme

PASSWORD = "correct horse battery"


def create_user(admin: Caller, **body: Any) -> Any:
    return admin.client.post(PREFIX + "/users", json=body, headers=admin.headers)


def disable(admin: Caller, user_id: int) -> Any:
    return admin.client.post(PREFIX + f"/users/{user_id}/disable", headers=admin.headers)


def test_an_admin_creates_a_scoped_user_whose_password_is_never_shown(
    admin: Caller, programme: Programme
) -> None:
    created = create_user(
        admin, name="wang", role="staff", facility_id=programme.county, password=PASSWORD
    )

    user = admin.ok(created, 201)
    assert PASSWORD not in created.text and "hash" not in created.text
    assert (user["name"], user["role"], user["facility_id"]) == ("wang", "staff", programme.county)
    assert user["has_password"] is True and user["disabled_at"] is None
    assert user["created_by"] == "admin-1"
    listed = admin.ok(admin.get("/users"))
    assert [u["name"] for u in listed] == ["admin-1", "wang"]
    assert listed[0]["last_used_at"] is not None  # the admin's token, just now


def test_an_unscoped_staff_user_and_a_scope_that_does_not_exist_are_refused(
    admin: Caller, programme: Programme
) -> None:
    unscoped = create_user(admin, name="he", role="staff", password=PASSWORD)
    nowhere = create_user(admin, name="he", role="viewer", facility_id=999_999)
    short = create_user(admin, name="he", role="viewer", password="Zq9#xk")

    assert unscoped.status_code == 422 and unscoped.json()["error"] == "InvalidScope"
    assert "staff must be scoped to a facility" in unscoped.json()["detail"]
    assert nowhere.status_code == 422 and nowhere.json()["error"] == "UnknownScopeFacility"
    assert short.status_code == 422 and "body.password" in short.json()["detail"]
    assert "Zq9#xk" not in short.text  # a refused password is never echoed
    assert create_user(admin, name="admin-1", role="viewer").status_code == 409


def test_only_admins_manage_users(api_as: ApiAs, admin: Caller, programme: Programme) -> None:
    county_staff = api_as("staff", facility_id=programme.county)
    supervisor = api_as("supervisor", facility_id=programme.province)

    for caller in (county_staff, supervisor, api_as("viewer")):
        assert caller.get("/users").status_code == 403
        refused = create_user(caller, name="x", role="viewer", password=PASSWORD)
        assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
        assert disable(caller, 1).status_code == 403


def test_a_disabled_users_tokens_are_refused_at_once_and_it_gets_no_new_ones(
    api_as: ApiAs, admin: Caller, programme: Programme
) -> None:
    nurse = api_as("staff", facility_id=programme.clinic)
    me = nurse.ok(nurse.get("/me"))
    assert nurse.get("/stock", facility_id=programme.clinic).status_code == 200

    disabled = admin.ok(disable(admin, me["user_id"]))
    again = admin.ok(disable(admin, me["user_id"]))

    assert disabled["disabled_by"] == "admin-1" and again["disabled_at"] == disabled["disabled_at"]
    refused = nurse.get("/stock", facility_id=programme.clinic)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "NotAuthenticated",
        "detail": f"API token {me['token_id']} belongs to a disabled user",
    }
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    reissue = {"name": me["name"], "role": "staff", "facility_id": programme.clinic}
    conflict = admin.client.post(PREFIX + "/tokens", json=reissue, headers=admin.headers)
    assert conflict.status_code == 409 and "disabled" in conflict.json()["detail"]
    names = {u["name"]: u for u in admin.ok(admin.get("/users"))}
    assert names[me["name"]]["disabled_at"] is not None  # kept, never deleted
    active = admin.ok(admin.get("/users", include_disabled="false"))
    assert me["name"] not in {u["name"] for u in active}


def test_disabling_names_an_existing_user_and_never_oneself(admin: Caller) -> None:
    me = admin.ok(admin.get("/me"))

    missing = disable(admin, 4_000)
    myself = disable(admin, me["user_id"])

    assert missing.status_code == 404 and missing.json()["error"] == "UserNotFound"
    assert myself.status_code == 409 and "may not disable itself" in myself.json()["detail"]
    assert admin.get("/me").status_code == 200


def test_tokens_show_who_issued_them_and_when_they_were_last_used(admin: Caller) -> None:
    issued = admin.client.post(
        PREFIX + "/tokens", json={"name": "li", "role": "viewer"}, headers=admin.headers
    )
    token = admin.ok(issued, 201)
    assert (token["created_by"], token["last_used_at"]) == ("admin-1", None)

    viewer = Caller(admin.client, token["token"])
    viewer.ok(viewer.get("/me"))

    listed = {t["name"]: t for t in admin.ok(admin.get("/tokens"))}
    assert listed["li"]["last_used_at"] is not None
    assert listed["admin-1"]["created_by"] == "cli"  # issued by the test, as the CLI does
