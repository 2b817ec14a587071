"""The README's first command, as a newcomer runs it: `coldchain demo` on the embedded
defaults (SQLite file, embedded amqtt broker, embedded telemetry store) brings up the
whole chain, simulated fridges → MQTT → ingest → store → alarms → API, and stops cleanly;
`coldchain serve` then refuses the demo's database while its published token is live."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from coldchain.demo import DEMO_ADMIN_TOKEN
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def get_json(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def coldchain(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Another `coldchain` command on the demo's database, as a newcomer would type it."""
    return subprocess.run(
        [sys.executable, "-m", "coldchain.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_the_demo_raises_the_heat_and_freeze_alarms_and_stops_cleanly(tmp_path: Path) -> None:
    api_port, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        # the demo runs on COLDCHAIN_DEMO_DATABASE_URL; the other commands read the same file
        # the way the README tells: COLDCHAIN_DATABASE_URL=sqlite:///var/demo.db coldchain ...
        COLDCHAIN_DEMO_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        COLDCHAIN_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        COLDCHAIN_API_PORT=str(api_port),
        COLDCHAIN_INGEST_METRICS_PORT=str(metrics_port),
    )
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [sys.executable, "-m", "coldchain.cli", "demo"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        alarms: list[dict[str, Any]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                alarms = get_json(f"http://127.0.0.1:{api_port}/api/v1/alarms")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                alarms = []
            if {"who-heat", "who-freeze"} <= {a["type"] for a in alarms}:
                break
            time.sleep(1)
        text = (tmp_path / "demo.log").read_text(errors="replace")
        assert demo.poll() is None, f"the demo exited early:\n{text[-3000:]}"
        by_type = {a["type"]: a for a in alarms}
        assert {"who-heat", "who-freeze"} <= set(by_type), f"alarms: {alarms}\n{text[-3000:]}"
        heat = get_json(f"http://127.0.0.1:{api_port}/api/v1/alarms/{by_type['who-heat']['id']}")
        assert heat["exposed_doses"] > 0  # the ledger named the lots in that fridge

        trace = coldchain(env, "trace", "HB2401")
        assert trace.returncode == 0, trace.stderr
        assert "⚠ excursion" in trace.stdout, trace.stdout
        assert "who-heat ALARM" in trace.stdout or "who-freeze ALARM" in trace.stdout

        doses = coldchain(env, "doses", "PROV")
        assert doses.returncode == 0, doses.stderr
        assert ": PROV and below" in doses.stdout and "HEPB-10: opening" in doses.stdout

        demo.send_signal(signal.SIGINT)  # Ctrl-C
        assert demo.wait(timeout=60) == 0
        assert not port_open(api_port)
        assert not port_open(metrics_port), "coldchain ingest outlived the demo"

        served = coldchain(env, "serve")  # the demo's published token is still live there
        assert served.returncode == 2, served.stderr
        assert "coldchain token revoke 1" in served.stderr
        assert not port_open(api_port)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        log.close()
