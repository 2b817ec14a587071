"""Signing in and out, the session cookie's flags, the throttle on failed sign-ins, and the
language chosen and remembered."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text

from access import services
from access.errors import TooManyAttempts
from api.app import create_app
from api.deps import ApiDeps
from coldchain.settings import Settings
from coldchain.wiring import build_api_deps
from tests.access_builders import PASSWORD, cheap_passwords
from tests.pages.conftest import CSRF, NOW, PageClient, make_user
from tests.unit.notify.builders import TEST_SECRET_KEY


def test_signing_in_lands_on_the_board_and_signing_out_ends_the_session(
    person: Any, client: TestClient
) -> None:
    browser: PageClient = person("admin")
    cookie = browser.last.headers["set-cookie"] if browser.last else ""
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert browser.get("/").headers["location"] == "/board"
    assert browser.get("/board").status_code == 200
    out = browser.post("/sign-out", {})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    assert browser.get("/board").status_code == 303  # sent to sign in again


def test_a_refresh_after_the_session_ended_sends_the_whole_page_to_sign_in(
    client: TestClient,
) -> None:
    browser = PageClient(client.app)
    refresh = {"HX-Request": "true", "HX-Current-URL": "http://clinic.example/units/F1?range=7d"}
    answer = browser.http.get("/units/F1/chart", params={"range": "7d"}, headers=refresh)
    assert answer.status_code == 200 and answer.text == ""  # nothing swapped into the chart
    assert answer.headers["HX-Redirect"] == "/sign-in?next=/units/F1%3Frange%3D7d"
    for sly in ("//evil.example/x", "http://clinic.example//evil.example/x", "javascript:x"):
        answer = browser.http.get("/board", headers={"HX-Request": "true", "HX-Current-URL": sly})
        back = answer.headers["HX-Redirect"].removeprefix("/sign-in?next=")
        assert back in ("/x", "/board")  # a path of this site, never another site
    assert browser.get("/board").headers["location"] == "/sign-in?next=/board"


def test_a_wrong_key_is_refused_beside_the_field_and_then_throttled(client: TestClient) -> None:
    browser = PageClient(client.app)
    browser.get("/sign-in")
    for _ in range(5):
        answer = browser.post("/sign-in", {"name": "nobody", "password": "wrong"})
        assert answer.status_code == 422
        assert "That user name and password do not match." in answer.text
        assert 'value="nobody"' in answer.text  # what was typed is kept
    answer = browser.post("/sign-in", {"name": "nobody", "password": "wrong"})
    assert "Too many failed attempts" in answer.text


def test_a_tampered_session_cookie_is_anonymous(person: Any) -> None:
    browser: PageClient = person("admin")
    value = browser.http.cookies.get("coldchain_session")
    assert value
    browser.http.cookies.set("coldchain_session", value[:-2] + "xx")
    assert browser.get("/board").status_code == 303


def test_the_language_is_chosen_and_remembered(person: Any) -> None:
    browser: PageClient = person("admin")
    assert "Status board" in browser.get("/board").text
    answer = browser.post("/language", {"language": "zh_Hans", "next": "/board"})
    assert answer.status_code == 303 and answer.headers["location"] == "/board"
    page = browser.get("/board").text
    assert "设备状态" in page and 'lang="zh-Hans"' in page
    assert "设备状态" in browser.get("/alarms").text or "报警" in browser.get("/alarms").text


def test_the_browser_language_is_the_default(client: TestClient) -> None:
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录" in page.text


def test_pages_are_not_in_the_api_document(client: TestClient, deps: ApiDeps) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api/")]
    assert client.get("/api/v1/nothing-here").headers["content-type"] == "application/json"
    assert client.get("/nothing-here").headers["content-type"].startswith("text/html")


def test_disabling_the_user_ends_their_session(person: Any, deps: ApiDeps) -> None:
    browser: PageClient = person("admin")
    assert browser.get("/board").status_code == 200
    name = browser.get("/board").text.split('class="who">')[1].split("<")[0]
    services.disable_user(deps.access_uow(), name, now=deps.clock())
    assert browser.get("/board").status_code == 303


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def _process(database_url: str, clock: Clock) -> Iterator[TestClient]:
    """Another API process on the same database: its own engine, app and memory."""
    built = build_api_deps(Settings(database_url=database_url, secret_key=TEST_SECRET_KEY))
    deps = dataclasses.replace(built, clock=clock, passwords=cheap_passwords())
    try:
        with TestClient(create_app(deps), follow_redirects=False) as second:
            yield second
    finally:
        built.session_factory.kw["bind"].dispose()


def _fail(http: TestClient, name: str, password: str = "wrong-password") -> Response:
    token = CSRF.search(http.get("/sign-in").text)
    assert token
    answer: Response = http.post(
        "/sign-in", data={"name": name, "password": password, "csrf": token.group(1)}
    )
    return answer


def test_the_throttle_is_shared_by_every_process_on_the_database(
    database_url: str, deps: ApiDeps
) -> None:
    clock = Clock(NOW)
    make_user(deps, "nurse-throttled", "admin")
    with _process(database_url, clock) as first, _process(database_url, clock) as second:
        _shared_by_both(first, second, clock)


def _shared_by_both(first: TestClient, second: TestClient, clock: Clock) -> None:
    for _ in range(5):
        assert _fail(first, "Nurse-Throttled").status_code == 422
    # the other process has never seen this name fail, and still refuses the right password
    answer = _fail(second, "nurse-throttled", PASSWORD)
    assert answer.status_code == 422
    assert "Too many failed attempts. Wait 15 minutes and try again." in answer.text
    clock.now = NOW + timedelta(minutes=9, seconds=30)
    assert "Wait 6 minutes" in _fail(second, "nurse-throttled", PASSWORD).text
    clock.now = NOW + timedelta(minutes=15)  # the first failures leave the window
    assert _fail(second, "nurse-throttled", PASSWORD).status_code == 303


def test_old_failures_expire_and_are_deleted(deps: ApiDeps, engine: Engine) -> None:
    keys = ("name:someone", "addr:10.0.0.7")
    uow = deps.access_uow()
    for minute in range(5):
        services.record_sign_in_failure(uow, keys, NOW + timedelta(minutes=minute))
    with pytest.raises(TooManyAttempts) as refused:
        services.check_sign_in_allowed(uow, ["addr:10.0.0.7"], NOW + timedelta(minutes=5))
    assert refused.value.wait_minutes == 10
    services.check_sign_in_allowed(uow, ["name:someone-else"], NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=15, seconds=1)  # the first failure is out of the window
    services.check_sign_in_allowed(uow, keys, later)
    services.record_sign_in_failure(uow, ["addr:10.0.0.8"], NOW + timedelta(minutes=40))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key_hash FROM sign_in_failures")).scalars().all()
    assert len(rows) == 1  # only the recent one; the others were deleted
    assert "10.0.0.8" not in rows[0] and len(rows[0]) == 64  # a digest, not what was typed
