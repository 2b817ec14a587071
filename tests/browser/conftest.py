"""Browser tests of the staff pages: the real application served by uvicorn on a free port
(its clock fixed after the telemetry feed), driven by Playwright's Python package through
Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser download cannot work
here) at a phone's 360 × 740. Every test saves screenshots under its ``tmp_path``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from api.app import create_app
from api.deps import ApiDeps
from tests.access_builders import PASSWORD
from tests.e2e.conftest import Caller, Programme, admin, api_as, make_token, programme  # noqa: F401
from tests.pages.conftest import client, database_url, deps, fed, make_user  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(deps: ApiDeps) -> Iterator[str]:  # noqa: F811
    port = _free_port()
    # log_config=None: uvicorn leaves the process's logging alone (its own configuration
    # would stop uvicorn.error reaching the root logger for every later test)
    config = uvicorn.Config(
        create_app(deps), host="127.0.0.1", port=port, log_level="warning", log_config=None
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the pages' server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def account(deps: ApiDeps) -> Any:  # noqa: F811
    """``account("staff", facility_id)``: a new user's (name, password)."""
    counter = iter(range(1, 1000))

    def make(role: str, facility_id: int | None = None) -> tuple[str, str]:
        name = f"{role}-web-{next(counter)}"
        make_user(deps, name, role, facility_id)
        return name, PASSWORD

    return make


class Shots:
    """Screenshots of one test, numbered in order, under its tmp_path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(tmp_path: Path) -> Shots:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return Shots(folder)


def sign_in(page: Page, base: str, name: str, secret: str) -> None:
    page.goto(f"{base}/board")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/board")


def fits_the_screen(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def kept_together(page: Page) -> int:
    """How many durations, dates and moments the page keeps on one line (``span.nowrap``);
    fails if any is broken across two lines (a number from its unit)."""
    rects: list[int] = page.locator(".nowrap").evaluate_all(
        "els => els.map(e => e.getClientRects().length)"
    )
    assert all(n == 1 for n in rects), rects
    return len(rects)
