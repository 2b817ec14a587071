"""Real servers for tests: each test run starts its own Mosquitto and InfluxDB on free ports.

Nothing here is a fake: these are the Debian `mosquitto` and `influxd` binaries, started in a
temporary directory with their own configuration, and stopped (or killed, or restarted) on
demand so that fault tests can take them away mid-stream.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from coldchain.broker import mosquitto_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def require_binary(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None
    )
    if path is None:
        raise RuntimeError(
            f"`{name}` is not installed; run the README's test command, which installs it"
        )
    return path


@dataclass
class ServerProcess:
    """A server binary we start, stop, kill and restart on the same port and data dir."""

    argv: list[str]
    port: int
    workdir: Path
    log_name: str
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = open(self.workdir / self.log_name, "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        wait_for_port(self.port)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), as a service manager would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        path = self.workdir / self.log_name
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Mosquitto(ServerProcess):
    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


def start_mosquitto(
    workdir: Path, *, max_queued: int = 1_000_000, inflight: int = 1000
) -> Mosquitto:
    """Mosquitto with persistence on and queues sized so that tests never hit a limit."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(mosquitto_config(port, workdir, max_queued=max_queued, inflight=inflight))
    server = Mosquitto(
        argv=[require_binary("mosquitto"), "-c", str(conf)],
        port=port,
        workdir=workdir,
        log_name="mosquitto.log",
    )
    server.start()
    return server


@dataclass
class InfluxDB(ServerProcess):
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=0.5) as response:
                    if response.status == 204:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"influxd exited: {self.log()[-2000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"influxd on {self.url} not ready: {self.log()[-2000:]}")

    def query(self, q: str, database: str | None = None) -> dict[str, object]:
        """Run InfluxQL through /query and return the decoded JSON."""
        import json
        import urllib.parse

        params = {"q": q, "epoch": "ns"}
        if database:
            params["db"] = database
        url = f"{self.url}/query?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            result: dict[str, object] = json.loads(response.read())
            return result

    def create_database(self, name: str) -> None:
        import urllib.parse

        body = urllib.parse.urlencode({"q": f'CREATE DATABASE "{name}"'}).encode()
        with urllib.request.urlopen(f"{self.url}/query", data=body, timeout=30):
            pass

    def create_retention_policy(self, database: str, name: str) -> None:
        """``CREATE RETENTION POLICY`` (POSTed, as InfluxQL wants a statement that changes
        something), failing on the server's error, and returning once the policy is listed:
        a write right after must find it."""
        import json
        import urllib.parse

        q = f'CREATE RETENTION POLICY "{name}" ON "{database}" DURATION 3650d REPLICATION 1'
        body = urllib.parse.urlencode({"q": q, "db": database}).encode()
        with urllib.request.urlopen(f"{self.url}/query", data=body, timeout=30) as response:
            answer = json.loads(response.read())
        errors = [r["error"] for r in answer.get("results", []) if "error" in r]
        assert not errors, errors
        deadline = time.monotonic() + 10
        while True:
            shown = self.query(f'SHOW RETENTION POLICIES ON "{database}"')
            series = shown["results"][0].get("series", [])  # type: ignore[index]
            if any(row[0] == name for row in (series[0]["values"] if series else [])):
                return
            assert time.monotonic() < deadline, f"retention policy {name} never listed: {shown}"
            time.sleep(0.05)


def start_influxdb(workdir: Path) -> InfluxDB:
    """Debian's influxd (1.6.7) with its data, WAL and meta dirs under ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, rpc_port = free_port(), free_port()
    conf = workdir / "influxdb.conf"
    conf.write_text(
        "reporting-disabled = true\n"
        f'bind-address = "127.0.0.1:{rpc_port}"\n'
        f'[meta]\n  dir = "{workdir}/meta"\n'
        f'[data]\n  dir = "{workdir}/data"\n  wal-dir = "{workdir}/wal"\n'
        "  query-log-enabled = false\n"
        f'[http]\n  enabled = true\n  bind-address = "127.0.0.1:{port}"\n'
        "  log-enabled = false\n"
        '[logging]\n  level = "warn"\n'
        "[monitor]\n  store-enabled = false\n"
        "[continuous_queries]\n  enabled = false\n"
    )
    server = InfluxDB(
        argv=[require_binary("influxd"), "-config", str(conf)],
        port=port,
        workdir=workdir,
        log_name="influxd.log",
    )
    server.start()
    return server
