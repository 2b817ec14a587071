"""The README's first command, as a newcomer runs it: `coldchain demo` on the defaults
(SQLite file, Mosquitto when installed else the embedded amqtt broker, embedded telemetry
store) brings up the whole chain, simulated fridges → MQTT → ingest → store → alarms → API,
and stops cleanly on Ctrl-C; `coldchain serve` then refuses the demo's database while its
published token is live. `coldchain demo --duration` stops by itself, on either broker, and
its last line's figures are what the API answers on the database it leaves."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from coldchain import db
from coldchain.demo import DEMO_ADMIN_TOKEN, alert_topic
from coldchain.settings import Settings
from coldchain.wiring import build_app
from ingest.alarms.queries import AlarmQueries
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


def demo_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A newcomer's environment: no COLDCHAIN_ setting but the demo's file and free ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        # the demo runs on COLDCHAIN_DEMO_DATABASE_URL; the other commands read the same file
        # the way the README tells: COLDCHAIN_DATABASE_URL=sqlite:///var/demo.db coldchain ...
        COLDCHAIN_DEMO_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        COLDCHAIN_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db",
        COLDCHAIN_API_PORT=str(free_port()),
        COLDCHAIN_INGEST_METRICS_PORT=str(free_port()),
    )
    env.update({f"COLDCHAIN_{k.upper()}": v for k, v in settings.items()})
    return env


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Kill the demo and every process it started (its broker, ingest and simulators run in
    its process group), whether or not the demo itself has exited: a failed test leaves
    nothing running."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_demo(env: dict[str, str], *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``coldchain demo ARGS`` to its end, in its own process group (killed on a timeout)."""
    demo = subprocess.Popen(
        [sys.executable, "-m", "coldchain.cli", "demo", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = demo.communicate(timeout=timeout)
    finally:
        kill_group(demo)
    return subprocess.CompletedProcess(demo.args, demo.returncode, stdout, stderr)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_the_demo_raises_the_heat_and_freeze_alarms_and_stops_cleanly(tmp_path: Path) -> None:
    env = demo_env(tmp_path)
    api_port = int(env["COLDCHAIN_API_PORT"])
    metrics_port = int(env["COLDCHAIN_INGEST_METRICS_PORT"])
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [sys.executable, "-m", "coldchain.cli", "demo"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
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
        last = (tmp_path / "demo.log").read_text().strip().splitlines()[-1]
        assert json.loads(last)["alarms_raised"] >= 2  # its figures, after a Ctrl-C too
        assert not port_open(api_port)
        assert not port_open(metrics_port), "coldchain ingest outlived the demo"

        served = coldchain(env, "serve")  # the demo's published token is still live there
        assert served.returncode == 2, served.stderr
        assert "coldchain token revoke 1" in served.stderr
        assert not port_open(api_port)
    finally:
        kill_group(demo)
        log.close()


def told_of_road_heat(database_url: str) -> set[str]:
    """The addresses the road journey's heat alarm was notified to (the alarm page's list)."""
    engine = db.make_engine(database_url)
    try:
        queries = AlarmQueries(db.make_session_factory(engine))
        (road,) = [
            a
            for a in queries.alarms(alarm_type="who-heat", limit=100)
            if (a.unit or "").startswith("shipment-")
        ]
        return {n.address for n in queries.notifications(road.id)}
    finally:
        engine.dispose()


def api_answers(database_url: str) -> dict[str, int]:
    """The demo summary's questions, asked of the API on the database the demo left."""
    auth = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
    with TestClient(build_app(Settings(database_url=database_url)), headers=auth) as api:
        alarms = api.get("/api/v1/alarms", params={"limit": 1000}).json()
        root = api.get("/api/v1/facilities/1").json()
        assert root["code"] == "PROV", root
        units = [
            u["code"]
            for f in api.get("/api/v1/facilities/1/subtree").json()
            for u in api.get(f"/api/v1/facilities/{f['id']}/storage-units").json()
        ]
        shipments = {
            int(a["unit"].removeprefix("shipment-"))
            if (a["unit"] or "").startswith("shipment-")
            else a["details"]["shipment_id"]
            for a in alarms
            if (a["unit"] or "").startswith("shipment-")
            or (a["details"] and isinstance(a["details"].get("shipment_id"), int))
        }
        on_road = [a for a in alarms if (a["unit"] or "").startswith("shipment-")]
        # the road journeys' readings, from the transport record the receiver reads first
        records = [
            api.get(f"/api/v1/shipments/{n}/transport-record").json() for n in sorted(shipments)
        ]
        now = datetime.now(UTC)
        window = {
            "start": (now - timedelta(days=7)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "every": 86_400,
        }
        readings = sum(
            bucket["count"]
            for unit in units
            for bucket in api.get(f"/api/v1/units/{unit}/readings", params=window).json()["buckets"]
        )
        stock = api.get(
            "/api/v1/stock", params={"facility_id": 1, "subtree": True, "by_unit": True}
        ).json()
    held = {line["lot_id"] for line in stock["lines"] if line["held"]["doses"] > 0}
    return {
        "readings_stored": readings + sum(r["reading_count"] for r in records),
        "alarms_raised": len(alarms),
        "lots_quarantined": len(held),
        "shipments_in_transit_alarmed": len(shipments),
        "who_alarms": len({a["type"] for a in alarms} & {"who-heat", "who-freeze"}),
        "road_heat_alarms": sum(1 for a in on_road if a["type"] == "who-heat"),
        "road_records_still_on_the_road": sum(
            1 for r in records if r["status"] == "dispatched" and r["max_c"] > 8.0
        ),
        "road_alarms_at_the_sender": sum(1 for a in on_road if a["facility"] == "PROV"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["mosquitto", "embedded"])
def test_the_demo_with_a_duration_stops_by_itself_and_reports_what_the_api_answers(
    tmp_path: Path, broker: str
) -> None:
    env = demo_env(tmp_path, demo_broker=broker)
    ran = run_demo(env, "--duration", "25", timeout=180)
    output = ran.stdout + ran.stderr
    assert ran.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    name = "Mosquitto, MQTT 5" if broker == "mosquitto" else "amqtt, MQTT 3.1.1"
    assert f"{broker} MQTT broker ({name})" in ran.stdout
    assert not port_open(int(env["COLDCHAIN_API_PORT"]))
    assert not port_open(int(env["COLDCHAIN_INGEST_METRICS_PORT"])), "ingest outlived the demo"

    summary = json.loads(ran.stdout.strip().splitlines()[-1])  # the last line, one object
    answers = api_answers(env["COLDCHAIN_DEMO_DATABASE_URL"])
    assert answers.pop("who_alarms") == 2, answers  # the heat and the freeze alarm
    # the cold box with its lid open: the heat alarm on the road, at the sender's
    assert answers.pop("road_heat_alarms") == 1, answers
    assert answers.pop("road_alarms_at_the_sender") >= 1, answers
    assert answers.pop("road_records_still_on_the_road") == 1, answers
    # its notices went to the sender's officer and to the receiver's (rule 27)
    told = told_of_road_heat(env["COLDCHAIN_DEMO_DATABASE_URL"])
    assert {alert_topic("PROV"), alert_topic("CLN3")} <= told, told
    assert {k: summary[k] for k in answers} == answers
    # the scenario's day (6 sensors, 5 min) and the 13 h on the road at least, stored once
    assert summary["readings_stored"] >= 6 * 288 + 13 * 12
    assert summary["lots_quarantined"] >= 1  # the heat alarm's exposed lots are held
    # the cold box still on the road to clinic 3, its heat alarm told to sender and receiver
    assert summary["shipments_in_transit_alarmed"] == 1
