"""The demo's MQTT broker: a real Mosquitto when its binary is installed, else embedded amqtt.

``start_demo_broker`` picks: with ``mosquitto`` on the path (or in /usr/sbin, where Debian
puts it) it starts one on a free loopback port in a temporary directory, configured like
production's (``deploy/mosquitto.conf``: persistence on, per-client queue sized well above
the demo's traffic), so the demo's ingest takes the same MQTT 5 path as a deployment. Without
it, amqtt runs in a child process; amqtt speaks MQTT 3.1.1 only, so ingest connects to it
with protocol 3.1.1 and keeps its batch within the broker's inflight window. A real
deployment sets ``COLDCHAIN_MQTT_URL`` and none of this is used.

Invariant: the broker always runs in its own process (never competing with ingest for the
GIL), and ``DemoBroker.stop`` ends it and removes what it wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Literal

BrokerChoice = Literal["auto", "mosquitto", "embedded"]


def _serve(host: str, port: int) -> None:
    from amqtt.broker import Broker

    # amqtt logs every probe connection that closes without a CONNECT as an error.
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)
    logging.getLogger("transitions").setLevel(logging.WARNING)
    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
        },
    }

    async def main() -> None:
        broker = Broker(config)
        await broker.start()
        await asyncio.Event().wait()

    # Ctrl-C reaches the whole process group: stop quietly
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def _wait_for_port(host: str, port: int, alive: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            if not alive():  # type: ignore[operator]
                return False
            time.sleep(0.1)
    return False


def start_embedded_broker(host: str = "127.0.0.1", port: int = 1883) -> BaseProcess:
    """Start amqtt in a child process and return once it accepts connections."""
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(host, port), name="coldchain-broker", daemon=True
    )
    process.start()
    if _wait_for_port(host, port, process.is_alive):
        return process
    process.terminate()
    raise RuntimeError(f"the embedded MQTT broker did not start on {host}:{port}")


def mosquitto_binary() -> str | None:
    """The installed ``mosquitto``, or None (Debian installs it in /usr/sbin)."""
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").exists():
        found = "/usr/sbin/mosquitto"
    return found


def mosquitto_config(
    port: int, workdir: Path, *, max_queued: int = 1_000_000, inflight: int = 1000
) -> str:
    """A Mosquitto 2 configuration on loopback: anonymous, persistence on in ``workdir``,
    queues sized so that a demo, a test or a benchmark never reaches a limit (past one,
    Mosquitto drops messages silently)."""
    return (
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous true\n"
        # Started as root, Mosquitto drops to user `mosquitto`, which cannot write its
        # persistence file in our temp dir: a restart would then lose the queued session.
        "user root\n"
        "persistence true\n"
        f"persistence_location {workdir}/\n"
        "autosave_interval 1\n"
        f"max_queued_messages {max_queued}\n"
        "max_queued_bytes 0\n"
        f"max_inflight_messages {inflight}\n"
        "log_dest stdout\n"
        "log_type error\n"
        "log_type warning\n"
    )


@dataclass
class DemoBroker:
    """A broker the demo started: where ingest and the simulators connect, and how."""

    kind: Literal["mosquitto", "embedded"]
    url: str
    protocol: Literal["5", "3.1.1"]  # what ingest speaks to it
    _process: subprocess.Popen[bytes] | BaseProcess | None = field(default=None, repr=False)
    _workdir: Path | None = field(default=None, repr=False)

    def stop(self) -> None:
        process, self._process = self._process, None
        if isinstance(process, subprocess.Popen):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        elif process is not None:
            process.terminate()
            process.join(15)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_demo_broker(choice: BrokerChoice = "auto") -> DemoBroker:
    """Mosquitto when installed (``auto``) or asked for, else the embedded amqtt broker."""
    binary = mosquitto_binary()
    if choice == "mosquitto" and binary is None:
        raise RuntimeError(
            "COLDCHAIN_DEMO_BROKER=mosquitto but no mosquitto binary is installed"
            " (Debian: apt-get install mosquitto)"
        )
    port = free_port()
    if choice == "embedded" or binary is None:
        process = start_embedded_broker("127.0.0.1", port)
        return DemoBroker("embedded", f"mqtt://127.0.0.1:{port}", "3.1.1", process)
    workdir = Path(tempfile.mkdtemp(prefix="coldchain-demo-mosquitto-"))
    conf = workdir / "mosquitto.conf"
    conf.write_text(mosquitto_config(port, workdir))
    with (workdir / "mosquitto.log").open("wb") as log:
        popen = subprocess.Popen(
            [binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    broker = DemoBroker("mosquitto", f"mqtt://127.0.0.1:{port}", "5", popen, workdir)
    if not _wait_for_port("127.0.0.1", port, lambda: popen.poll() is None):
        text = (workdir / "mosquitto.log").read_text(errors="replace")
        broker.stop()
        raise RuntimeError(f"mosquitto did not start on 127.0.0.1:{port}: {text[-1000:]}")
    return broker
