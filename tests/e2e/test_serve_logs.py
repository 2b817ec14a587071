"""`coldchain serve` as an operator runs it, with JSON logs: every line is JSON, every request
has one access line with its request id (echoed to the client) and its user, and neither the
token a client sent (header or query string) nor a webhook's secret is anywhere in the output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from access.services import BOOTSTRAP_ADMIN_NAME
from tests.servers import free_port
from tests.unit.notify.builders import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "ops-bootstrap-0d5c2e7a9b41f836"
SECRET = "hmac-key-9f2b7c1d5e3a8f60"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=f"sqlite:///{tmp_path}/coldchain.db",
        COLDCHAIN_API_PORT=str(port),
        COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN=TOKEN,
        COLDCHAIN_LOG_FORMAT="json",
        COLDCHAIN_SECRET_KEY=TEST_SECRET_KEY,  # webhook secrets are sealed with it
    )
    output = tmp_path / "serve.log"
    with open(output, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "coldchain.cli", "serve"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, output.read_text()
            try:
                if client.get("/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        yield client, output
    finally:
        client.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def entries(output: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.read_text().splitlines() if line.strip()]


def test_serve_logs_json_lines_with_request_ids_and_never_a_token_or_secret(
    serve: tuple[httpx.Client, Path],
) -> None:
    client, output = serve
    admin = {"Authorization": f"Bearer {TOKEN}"}
    me = client.get("/me", headers={**admin, "X-Request-ID": "probe-me-1"})
    assert me.status_code == 200 and me.headers["X-Request-ID"] == "probe-me-1"
    assert client.get("/me", params={"token": TOKEN}).status_code == 401  # token in the URL
    assert client.get("/me", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 401
    facility = {"code": "PRV-1", "name": "Province", "level": "province", "timezone": "UTC"}
    assert client.post("/facilities", json=facility, headers=admin).status_code == 201
    hook = {"channel": "webhook", "address": "https://h.example.org/a", "name": "duty"}
    added = client.post(
        "/facilities/PRV-1/contacts",
        json={**hook, "secret": SECRET},
        headers={**admin, "X-Request-ID": "add-hook"},
    )
    assert added.status_code == 201 and added.json()["has_secret"] is True
    refused = client.post(
        f"/facilities/PRV-1/contacts?secret={SECRET}",
        json={**hook, "address": "", "secret": SECRET},
        headers=admin,
    )
    assert refused.status_code == 422
    client.close()
    time.sleep(0.3)  # the last access line is written after the answer

    text = output.read_text()
    assert TOKEN not in text and SECRET not in text
    lines = entries(output)  # every line is JSON, uvicorn's own included
    assert any(e["logger"].startswith("uvicorn") for e in lines)
    access = [e for e in lines if e["logger"] == "api.access"]
    by_id = {e["request_id"]: e for e in access}
    assert by_id["probe-me-1"]["user"] == BOOTSTRAP_ADMIN_NAME
    assert (by_id["probe-me-1"]["method"], by_id["probe-me-1"]["path"]) == ("GET", "/api/v1/me")
    assert by_id["probe-me-1"]["status"] == 200
    assert by_id["add-hook"]["status"] == 201 and by_id["add-hook"]["user"] == BOOTSTRAP_ADMIN_NAME
    unauthenticated = [e for e in access if e["path"] == "/api/v1/me" and e["status"] == 401]
    assert len(unauthenticated) == 2 and all(e["user"] is None for e in unauthenticated)
    assert [e["status"] for e in access if e["method"] == "POST"] == [201, 201, 422]
    assert all(isinstance(e["duration_ms"], float) and e["request_id"] for e in access)
