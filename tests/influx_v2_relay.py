"""A real HTTP server speaking InfluxDB 2's write API, storing into a real InfluxDB 1.x.

Debian ships only influxd 1.6.7, which has no ``/api/v2/write``: influxdb-client cannot write
to it. To test the v2 sink through influxdb-client against real storage, this relay (stdlib
``http.server`` in a thread, on a free port) takes ``POST /api/v2/write?org=&bucket=&precision=``
with ``Authorization: Token <t>``, checks what InfluxDB 2 checks, and forwards the body to
the real influxd's ``/write``:

- a missing or wrong token: 401 ``unauthorized access``; a wrong org: 404 ``organization name
  "…" not found``; an unknown bucket (database or retention policy): 404 ``bucket "…" not
  found``; an unknown precision: 400.
- bucket ``db/rp`` maps to ``db=db&rp=rp``, bucket ``db`` to ``db=db`` (the default policy),
  as InfluxDB 2's automatic DBRP mappings do; precision ``ns|us|ms|s`` maps to 1.x's
  ``n|u|ms|s`` (1.6.7 silently reads an unknown precision such as ``us`` as nanoseconds).
- influxd's answer is returned with its status in InfluxDB 2's error shape
  (``{"code", "message"}``); a field type conflict becomes 422 as in 2.x; influxd down: 503.

It also serves ``/ping``, ``/health`` and the v1-compatibility ``/query`` with Token auth
(``Authorization: Token`` or ``p=<token>``), as InfluxDB 2 does through DBRP mappings. It is a
test tool, not an InfluxDB 2: no orgs or buckets API, no Flux.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import free_port

PRECISIONS = {"ns": "n", "us": "u", "ms": "ms", "s": "s"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    relay: InfluxV2Relay


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.relay._connections.add(self.connection)

    def finish(self) -> None:
        super().finish()
        self.server.relay._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path, params = self._target()
        if path == "/ping":
            self._answer(204, None, {"X-Influxdb-Version": "2-relay", "X-Influxdb-Build": "OSS"})
        elif path == "/health":
            up = self.server.relay._forward("GET", "/ping", {}, b"", {})[0] == 204
            body = {"name": "influxdb", "status": "pass" if up else "fail", "version": "2-relay"}
            self._answer(200 if up else 503, body)
        elif path == "/query":
            self._query(params, b"")
        else:
            self._answer(404, {"code": "not found", "message": "path not found"})

    def do_POST(self) -> None:
        path, params = self._target()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/api/v2/write":
            self._write(params, body)
        elif path == "/query":
            self._query(params, body)
        else:
            self._answer(404, {"code": "not found", "message": "path not found"})

    def _target(self) -> tuple[str, dict[str, str]]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, dict(urllib.parse.parse_qsl(parts.query))

    def _authorized(self, params: dict[str, str]) -> bool:
        token = self.server.relay.token
        header = self.headers.get("Authorization", "")
        return header == f"Token {token}" or params.get("p") == token

    def _write(self, params: dict[str, str], body: bytes) -> None:
        relay = self.server.relay
        if not self._authorized(params):
            self._answer(401, {"code": "unauthorized", "message": "unauthorized access"})
            return
        org = params.get("org", "")
        if org != relay.org:
            message = f'organization name "{org}" not found'
            self._answer(404, {"code": "not found", "message": message})
            return
        precision = PRECISIONS.get(params.get("precision", "ns"))
        if precision is None:
            message = "invalid precision; valid precision units are ns, us, ms, and s"
            self._answer(400, {"code": "invalid", "message": message})
            return
        bucket = params.get("bucket", "")
        database, _, policy = bucket.partition("/")
        upstream = {"db": database, "precision": precision} | ({"rp": policy} if policy else {})
        headers = (
            {"Content-Encoding": self.headers["Content-Encoding"]}
            if (self.headers.get("Content-Encoding"))
            else {}
        )
        relay.writes.append(upstream)
        status, answer = relay._forward("POST", "/write", upstream, body, headers)
        self._relay_write_answer(status, answer, bucket)

    def _relay_write_answer(self, status: int, answer: bytes, bucket: str) -> None:
        message = _message(answer)
        if status in (200, 204):
            self._answer(204, None)
        elif status == 404 or "retention policy not found" in message:
            self._answer(404, {"code": "not found", "message": f'bucket "{bucket}" not found'})
        elif status == 400 and "field type conflict" in message:
            message = f"failure writing points to database: {message}"
            self._answer(422, {"code": "unprocessable entity", "message": message})
        elif status == 400:
            self._answer(400, {"code": "invalid", "message": message})
        else:
            self._answer(status, {"code": "internal error", "message": message})

    def _query(self, params: dict[str, str], body: bytes) -> None:
        if not self._authorized(params):
            self._answer(401, {"code": "unauthorized", "message": "unauthorized access"})
            return
        form = dict(urllib.parse.parse_qsl(body.decode())) if body else {}
        upstream = {k: v for k, v in (params | form).items() if k not in ("u", "p")}
        status, answer = self.server.relay._forward(
            "POST",
            "/query",
            {},
            urllib.parse.urlencode(upstream).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        self._answer(status, answer)

    def _answer(
        self,
        status: int,
        body: dict[str, Any] | bytes | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(data)


def _message(answer: bytes) -> str:
    try:
        return str(json.loads(answer).get("error", ""))
    except (ValueError, AttributeError):
        return answer.decode(errors="replace")


class InfluxV2Relay:
    """The relay onto the influxd at ``influx_url``; ``url`` is what a v2 client talks to."""

    def __init__(self, influx_url: str, *, org: str, token: str) -> None:
        parts = urllib.parse.urlsplit(influx_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 8086)
        self.org = org
        self.token = token
        self.port = free_port()
        self.writes: list[dict[str, str]] = []  # the /write parameters forwarded, in order
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.relay = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut open keep-alive connections, as a stopped server would."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._connections.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def _forward(
        self, method: str, path: str, params: dict[str, str], body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        target = f"{path}?{urllib.parse.urlencode(params)}" if params else path
        connection = http.client.HTTPConnection(*self._upstream, timeout=30)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError as exc:
            message = {"error": f"storage unavailable: {exc}"}
            return 503, json.dumps(message).encode()
        finally:
            connection.close()


def start_relay(influx_url: str, *, org: str = "coldchain", token: str = "t0ken") -> InfluxV2Relay:
    relay = InfluxV2Relay(influx_url, org=org, token=token)
    relay.start()
    return relay
