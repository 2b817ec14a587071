"""Webhook contacts through the API: a target that is not public is refused (422, saying
why), a secret is kept when the contact is added again and erased only when asked, never
shown, stored sealed; a server without a secret key refuses secrets (409)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from api.deps import ApiDeps
from ingest.models import AlarmContactRow
from ingest.notify.config import WebhookConfig
from tests.e2e.conftest import ApiAs, Caller, Programme

CLINIC = "GD-K1-C1"
PATH = f"/facilities/{CLINIC}/contacts"
SECRET = "whsec_dGhlIG9wcyBkZXNrJ3MgMzItYnl0ZSB3ZWJob29rISE="
HOOK = {"channel": "webhook", "address": "https://ops.example.org/alarms", "name": "Ops"}


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local"),
        ("http://127.0.0.1:9108/metrics", "loopback"),
        ("http://localhost:8000/api/v1/tokens", "loopback"),
        ("http://10.0.0.8/hook", "private"),
        ("http://[fd00::8]/hook", "private"),
        ("http://100.64.1.1/hook", "shared address space"),
    ],
)
def test_staff_cannot_point_a_webhook_at_an_internal_target(
    programme: Programme, api_as: ApiAs, address: str, why: str
) -> None:
    staff = api_as("staff", facility_id=programme.clinic)
    refused = staff.post(PATH, {**HOOK, "address": address}, key=None)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "TargetNotAllowed"
    assert why in refused.json()["detail"]
    assert staff.ok(staff.get(PATH, include_inactive="true")) == []


def test_a_secret_is_kept_on_re_adding_erased_only_when_asked_and_never_shown(
    programme: Programme, api_as: ApiAs, engine: Engine
) -> None:
    staff = api_as("staff", facility_id=programme.clinic)
    added = staff.ok(staff.post(PATH, {**HOOK, "secret": SECRET}, key=None), 201)
    assert added["has_secret"] and SECRET not in str(added)
    again = staff.ok(staff.post(PATH, {**HOOK, "name": "Night ops"}, key=None), 201)
    assert (again["id"], again["has_secret"], again["name"]) == (added["id"], True, "Night ops")
    listed = staff.get(PATH)
    assert SECRET not in listed.text and listed.json()[0]["has_secret"] is True
    with engine.connect() as conn:
        [stored] = conn.execute(select(AlarmContactRow.sealed_secret)).scalars()
    assert (
        stored is not None and SECRET not in stored and SECRET.removeprefix("whsec_") not in stored
    )

    both = staff.post(PATH, {**HOOK, "secret": SECRET, "clear_secret": True}, key=None)
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    cleared = staff.ok(staff.post(PATH, {**HOOK, "clear_secret": True}, key=None), 201)
    assert cleared["has_secret"] is False


def test_a_bad_secret_is_refused_without_echoing_it(programme: Programme, admin: Caller) -> None:
    bad = "whsec_" + "%" * 40
    refused = admin.post(PATH, {**HOOK, "secret": bad}, key=None)
    assert refused.status_code == 422 and "base64" in refused.json()["detail"]
    assert bad not in refused.text


def test_a_server_without_a_secret_key_refuses_a_webhook_secret(
    programme: Programme, deps: ApiDeps, admin: Caller
) -> None:
    keyless = replace(deps, webhooks=WebhookConfig())
    with TestClient(create_app(keyless)) as client:
        caller = Caller(client, admin.token)
        refused = caller.post(PATH, {**HOOK, "secret": SECRET}, key=None)
        assert refused.status_code == 409, refused.text
        assert "COLDCHAIN_SECRET_KEY" in refused.json()["detail"]
        assert caller.ok(caller.get(PATH, include_inactive="true")) == []
        unsigned = caller.ok(caller.post(PATH, HOOK, key=None), 201)
        assert unsigned["has_secret"] is False
