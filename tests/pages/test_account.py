"""Signing in and out, the session cookie's flags, the throttle on failed sign-ins, and the
language chosen and remembered."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from access import services
from api.deps import ApiDeps
from tests.pages.conftest import PageClient


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
