"""The simulators publish over a real Mosquitto: every reading, in the scenario's order,
paced in simulated time; `coldchain simulate --scenario` does it from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ingest.wire import DEFAULT_PREFIX, subscription_for
from simulators.publisher import Pace, Publisher, run
from simulators.scenario import load, parse
from tests.servers import Mosquitto

ROOT = Path(__file__).resolve().parents[3]
Received = list[tuple[str, Any]]


def subscribe(broker: Mosquitto, received: Received) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda _c, _u, msg: received.append((msg.topic, orjson.loads(msg.payload)))
    client.connect(broker.host, broker.port)
    client.subscribe(subscription_for(DEFAULT_PREFIX), qos=1)
    client.loop_start()
    time.sleep(0.3)
    return client


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def flat(received: Received) -> list[dict[str, Any]]:
    return [r for _t, body in received for r in (body if isinstance(body, list) else [body])]


def small(**events: Any) -> Any:
    return parse(
        {
            "scenario": {"seed": 2, "duration": "2h"},
            "sensor": {"interval": "10m"},
            "facilities": [{"code": "F1", "level": "clinic"}],
            "units": [
                {"code": "U1", "facility": "F1", "preset": "domestic_fridge"},
                {"code": "U2", "facility": "F1", "preset": "freezer"},
            ],
            **events,
        }
    )


def test_the_demo_scenario_reaches_the_broker_reading_for_reading(mosquitto: Mosquitto) -> None:
    received: Received = []
    subscriber = subscribe(mosquitto, received)
    scenario = load("demo")
    pace = Pace(time.time(), scenario.duration_s, speed=0)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    sent = run(publisher, scenario.messages(pace.origin_s), pace)
    publisher.close()
    wait_until(lambda: len(flat(received)) >= sent)
    subscriber.loop_stop()

    # a day of 5-minute readings, and the cold box's 13 h on the road at 5 minutes
    assert sent == len(scenario.sensors) * 288 + 13 * 12
    assert len(flat(received)) == sent
    topics = {t for t, _ in received}
    assert "coldchain/v1/CLN1/CLN1-FR1/S-CLN1-FR1/reading" in topics
    assert "coldchain/v1/PROV/shipment-1/LOG-ROAD1/reading" in topics  # its transit unit
    assert max(r["ts"] for r in flat(received)) <= time.strftime(
        "%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 1)
    )  # device time never ahead of the wall clock


def test_buffered_readings_arrive_after_the_live_one(mosquitto: Mosquitto) -> None:
    received: Received = []
    subscriber = subscribe(mosquitto, received)
    scenario = small(events=[{"sensor": "S-U1", "kind": "uplink_down", "at": "20m", "for": "1h"}])
    pace = Pace(time.time(), scenario.duration_s, speed=0)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    sent = run(publisher, scenario.messages(pace.origin_s), pace)
    publisher.close()
    wait_until(lambda: len(flat(received)) >= sent)
    subscriber.loop_stop()

    u1 = [body for topic, body in received if "/U1/" in topic]
    kinds = ["batch" if isinstance(b, list) else b["seq"] for b in u1]
    assert kinds == [0, 1, 8, "batch", 9, 10, 11]  # seq 2–7 buffered, sent after seq 8
    assert [r["seq"] for r in u1[3]] == [2, 3, 4, 5, 6, 7]


def test_an_accelerated_run_is_paced_in_simulated_time(mosquitto: Mosquitto) -> None:
    received: Received = []
    subscriber = subscribe(mosquitto, received)
    scenario = small()  # 2 h at speed 3600: 2 s
    pace = Pace(time.time(), scenario.duration_s, speed=3600)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    started = time.monotonic()
    sent = run(publisher, scenario.messages(pace.origin_s), pace)
    took = time.monotonic() - started
    publisher.close()
    wait_until(lambda: len(flat(received)) >= sent)
    subscriber.loop_stop()

    assert sent == 2 * 12 and len(flat(received)) == sent
    assert 1.5 <= took <= 4.0


def test_a_stop_ends_a_live_follow(mosquitto: Mosquitto) -> None:
    scenario = small()
    pace = Pace(time.time(), scenario.duration_s, speed=0)
    publisher = Publisher(mosquitto.host, mosquitto.port)
    stop = threading.Event()
    messages = scenario.messages(pace.origin_s, follow_interval_s=0.5)
    spans: list[int] = []
    worker = threading.Thread(
        target=run,
        args=(publisher, messages, pace),
        kwargs={"stop": stop, "on_span_end": spans.append},
    )
    worker.start()
    wait_until(lambda: publisher.sent_readings >= 24 + 6)  # the span, then live readings
    stop.set()
    worker.join(5)
    publisher.close()
    assert not worker.is_alive()
    assert spans == [24]  # told once, when the span was out and following began
    assert publisher.sent_readings >= 30


def test_coldchain_simulate_publishes_a_scenario_file(mosquitto: Mosquitto, tmp_path: Path) -> None:
    received: Received = []
    subscriber = subscribe(mosquitto, received)
    file = tmp_path / "one.toml"
    file.write_text(
        '[scenario]\nduration = "1h"\n[sensor]\ninterval = "10m"\n'
        '[[facilities]]\ncode = "F1"\nlevel = "clinic"\n'
        '[[units]]\ncode = "U1"\nfacility = "F1"\npreset = "ice_lined_refrigerator"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    args = [sys.executable, "-m", "coldchain.cli", "simulate", "--scenario", str(file)]
    broker = f"mqtt://{mosquitto.host}:{mosquitto.port}"
    done = subprocess.run(
        [*args, "--speed", "0", "--broker", broker],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "published 6 readings" in done.stdout
    wait_until(lambda: len(flat(received)) >= 6)
    subscriber.loop_stop()
    assert len(flat(received)) == 6

    bad = subprocess.run(
        [*args, "--speed", "0.5", "--broker", broker],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "speed" in bad.stderr
