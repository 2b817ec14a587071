"""Benchmark: MQTT → InfluxDB throughput of coldchain's ingest against its ceiling.

Starts its own Mosquitto and influxd (tests/servers.py), then for each consumer: creates
its persistent QoS 1 session, has a publisher process queue the same readings from many
simulated sensors at the broker, and times the consumer draining them at full speed:

  (a) raw      a paho subscriber at QoS 1 that only counts (the ceiling of one process),
               MQTT 5 like ingest (and, printed for information, MQTT 3.1.1 and the
               same subscriber with coldchain's paho speed-ups, ingest/paho_speedups.py)
  (b) naive    the naive bridge: one InfluxDB write per message (on fewer messages)
  (c) ingest   the real `coldchain ingest` process (decode, validate, batch, write, ack)

then counts what InfluxDB holds (lost, duplicates) and measures the per-message decode cost.
Every consumer and the publisher run in their own processes. The last line printed is one
JSON object. Run: ``.venv/bin/python bench/ingest.py [readings] [sensors]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.wire import encode_reading, subscription_for, topic_for  # noqa: E402
from tests.servers import free_port, start_influxdb, start_mosquitto  # noqa: E402

PREFIX = "coldchain/v1"
BASE_S = 1_700_000_000


def readings(n: int, sensors: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(n):
        sensor = f"S-{i % sensors:05d}"
        unit = f"U-{(i % sensors) // 4:04d}"
        payload = encode_reading(sensor, BASE_S + i // sensors, 4.0 + (i % 40) / 10, seq=i)
        out.append((topic_for(PREFIX, f"F-{(i % sensors) // 100:03d}", unit, sensor), payload))
    return out


# --- child processes (this file run with a role) ---


def _client(client_id: str, port: int, *, publisher: bool = False) -> object:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    v5 = client_id.endswith("-v5")
    make = mqtt.Client
    if "fast" in client_id:
        from ingest import paho_speedups

        paho_speedups.install()
        make = paho_speedups.ReadManyClient
    client = make(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        clean_session=None if v5 else False,
    )
    if publisher:
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        props.ReceiveMaximum = 2000  # what coldchain ingest announces for a 500 batch
        client.connect("127.0.0.1", port, 60, clean_start=False, properties=props)
    else:
        client.connect("127.0.0.1", port, 60)
    return client


def role_session(port: int, client_id: str) -> None:
    """Create a persistent QoS 1 session subscribed to every reading, then leave."""
    client = _client(client_id, port)
    client.loop_start()  # type: ignore[attr-defined]
    info = client.subscribe(subscription_for(PREFIX), qos=1)  # type: ignore[attr-defined]
    time.sleep(0.5)
    del info
    client.disconnect()  # type: ignore[attr-defined]
    client.loop_stop()  # type: ignore[attr-defined]


def role_publish(port: int, n: int, sensors: int) -> None:
    client = _client("bench-publisher", port, publisher=True)
    client.loop_start()  # type: ignore[attr-defined]
    infos = [client.publish(t, p, qos=1) for t, p in readings(n, sensors)]  # type: ignore[attr-defined]
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()  # type: ignore[attr-defined]
    client.loop_stop()  # type: ignore[attr-defined]


def role_consume(port: int, client_id: str, n: int, influx_url: str) -> None:
    """Count (raw) or write each message to InfluxDB (naive) until n arrived; print the rate."""
    import httpx
    import orjson

    http = httpx.Client(base_url=influx_url) if influx_url != "-" else None
    state = {"count": 0, "first": 0.0, "last": 0.0}

    def on_message(_c: object, _u: object, msg: object) -> None:
        now = time.perf_counter()
        if state["count"] == 0:
            state["first"] = now
        if http is not None:
            doc = orjson.loads(msg.payload)  # type: ignore[attr-defined]
            sensor = doc["sensor"]
            line = f"temperature,sensor={sensor} temperature_c={float(doc['t'])} {doc['ts']}"
            http.post("/write", params={"db": "naive", "precision": "s"}, content=line)
        state["count"] += 1
        state["last"] = now

    client = _client(client_id, port)
    client.on_message = on_message  # type: ignore[attr-defined]
    client.loop_start()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 600
    while state["count"] < n and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()  # type: ignore[attr-defined]
    client.loop_stop()  # type: ignore[attr-defined]
    elapsed = max(state["last"] - state["first"], 1e-9)
    print(json.dumps({"count": state["count"], "per_s": state["count"] / elapsed}))


# --- the conductor ---


def run_role(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return out.stdout


def publish(port: int, n: int, sensors: int) -> float:
    started = time.perf_counter()
    run_role("publish", str(port), str(n), str(sensors))
    return n / (time.perf_counter() - started)


def subscriber_rate(port: int, client_id: str, n: int, sensors: int, influx: str) -> float:
    run_role("session", str(port), client_id)
    publish(port, n, sensors)
    result = json.loads(run_role("consume", str(port), client_id, str(n), influx))
    assert result["count"] == n, result
    return float(result["per_s"])


def metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    return 0.0


def ingest_rate(port: int, influx_url: str, n: int, sensors: int, workdir: Path) -> float:
    metrics_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCHAIN_")}
    env.update(
        COLDCHAIN_DATABASE_URL=f"sqlite:///{workdir}/coldchain.db",
        COLDCHAIN_MQTT_URL=f"mqtt://127.0.0.1:{port}",
        COLDCHAIN_MQTT_CLIENT_ID="bench-ingest",
        COLDCHAIN_TELEMETRY_STORE="influxdb-v1",
        COLDCHAIN_INFLUX_URL=influx_url,
        COLDCHAIN_INFLUX_DATABASE="coldchain",
        COLDCHAIN_INGEST_METRICS_PORT=str(metrics_port),
    )
    subprocess.run(
        [sys.executable, "-m", "coldchain.cli", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    log = open(workdir / "ingest.log", "wb")  # noqa: SIM115 - lives with the process
    argv = [sys.executable, "-m", "coldchain.cli", "ingest"]
    # First run creates the session, then we stop it and queue the readings for it.
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    _wait_for(lambda: b"subscription granted" in (workdir / "ingest.log").read_bytes())
    proc.terminate()
    proc.wait(30)
    publish(port, n, sensors)
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    first: tuple[float, float] | None = None
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            try:
                acked = metric(metrics_port, "coldchain_ingest_messages_acked_total")
            except OSError:
                time.sleep(0.02)
                continue
            now = time.perf_counter()
            if first is None and acked > 0:
                first = (now, acked)
            if acked >= n:
                assert first is not None
                return (n - first[1]) / (now - first[0])
            time.sleep(0.02)
        raise TimeoutError("ingest did not acknowledge every reading in time")
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise TimeoutError("condition not met")


def influx_counts(influx: object) -> tuple[int, int]:
    result = influx.query("SELECT temperature_c FROM temperature GROUP BY *", "coldchain")  # type: ignore[attr-defined]
    keys = []
    for statement in result.get("results", []):
        for series in statement.get("series", []):
            keys.extend((series["tags"]["sensor"], v[0]) for v in series["values"])
    return len(keys), len(keys) - len(set(keys))


def decode_cost_us(sensors: int) -> float:
    from ingest.decode import DecodeConfig, Decoder
    from ingest.registry import EMPTY_SNAPSHOT, static_directory

    msgs = readings(20_000, sensors)
    decoder = Decoder(DecodeConfig(), static_directory(EMPTY_SNAPSHOT))
    now = (BASE_S + 10**6) * 10**9
    started = time.perf_counter()
    for topic, payload in msgs:
        decoder.decode(topic, payload, now)
    return (time.perf_counter() - started) / len(msgs) * 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000
    sensors = int(sys.argv[2]) if len(sys.argv) > 2 else 3_000
    naive_n = min(n, 3_000)
    with tempfile.TemporaryDirectory(prefix="coldchain-bench-") as tmp:
        work = Path(tmp)
        broker = start_mosquitto(work / "mosquitto")
        influx = start_influxdb(work / "influxdb")
        try:
            influx.create_database("naive")
            raw = subscriber_rate(broker.port, "bench-raw-v5", n, sensors, "-")
            print(f"raw paho QoS 1 subscriber, MQTT 5: {raw:,.0f} msg/s ({n} messages)")
            raw311 = subscriber_rate(broker.port, "bench-raw", n, sensors, "-")
            print(f"raw paho QoS 1 subscriber, MQTT 3.1.1: {raw311:,.0f} msg/s (information)")
            fast = subscriber_rate(broker.port, "bench-rawfast-v5", n, sensors, "-")
            print(f"raw, MQTT 5, with coldchain's paho speed-ups: {fast:,.0f} msg/s (information)")
            naive = subscriber_rate(broker.port, "bench-naive", naive_n, sensors, influx.url)
            print(f"naive bridge, one write per message: {naive:,.0f} msg/s ({naive_n})")
            rate = ingest_rate(broker.port, influx.url, n, sensors, work)
            print(f"coldchain ingest: {rate:,.0f} readings/s ({n})")
            stored, duplicates = influx_counts(influx)
            decode_us = decode_cost_us(sensors)
            print(f"decode + validate: {decode_us:.1f} µs per message")
        finally:
            broker.kill()
            influx.kill()
    summary = {
        "readings": n,
        "sensors": sensors,
        "raw_per_s": round(raw),
        "raw_mqtt311_per_s": round(raw311),
        "raw_speedups_per_s": round(fast),
        "naive_per_s": round(naive),
        "ingest_per_s": round(rate),
        "ingest_vs_raw": round(rate / raw, 3),
        "ingest_vs_raw_speedups": round(rate / fast, 3),
        "stored": stored,
        "lost": n - (stored - duplicates),
        "duplicates": duplicates,
        "decode_us_per_message": round(decode_us, 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    roles = {"session": role_session, "publish": role_publish, "consume": role_consume}
    if len(sys.argv) > 1 and sys.argv[1] in roles:
        role = sys.argv[1]
        args = sys.argv[2:]
        if role == "session":
            role_session(int(args[0]), args[1])
        elif role == "publish":
            role_publish(int(args[0]), int(args[1]), int(args[2]))
        else:
            role_consume(int(args[0]), args[1], int(args[2]), args[3])
    else:
        main()
