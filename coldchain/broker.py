"""An embedded MQTT broker (amqtt) for the demo on a machine with no broker installed.

amqtt speaks MQTT 3.1.1 only, so ingest connects to it with protocol 3.1.1 and keeps its
batch within the broker's inflight window. A real deployment sets ``COLDCHAIN_MQTT_URL`` to
a Mosquitto (or clustered) broker and this module is never used. The broker runs in its own
process so that it never competes with ingest for the GIL.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import socket
import time
from multiprocessing.process import BaseProcess


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

    asyncio.run(main())


def start_embedded_broker(host: str = "127.0.0.1", port: int = 1883) -> BaseProcess:
    """Start amqtt in a child process and return once it accepts connections."""
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(host, port), name="coldchain-broker", daemon=True
    )
    process.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return process
        except OSError:
            if not process.is_alive():
                break
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the embedded MQTT broker did not start on {host}:{port}")
