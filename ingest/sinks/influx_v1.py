"""InfluxDB v1 API sink: line protocol POSTed to ``/write`` on one persistent connection.

The v1 API is the one every InfluxDB shares (1.x natively, 1.8+/2.x/3 Core through their
compatibility layer), so this is the default InfluxDB store. A batch is one request with
ns precision; a refused part is settled line by line (``partial_writes``), a 5xx or an
unreachable server raises ``SinkUnavailable`` and a credential or name problem raises
``SinkMisconfigured``. Points are keyed on (series, device time), so a retried batch
overwrites itself instead of duplicating. A missing database is created on the first
write that finds it missing (``create_database=False`` turns that into a
``SinkMisconfigured``); retention policies are never created.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import httpx

from ingest.line_protocol import encode_batch
from ingest.readings import Reading
from ingest.sinks.base import Rejected, SinkMisconfigured, SinkUnavailable, WriteResult
from ingest.sinks.influx_errors import PARTIAL, error_message, failure
from ingest.sinks.partial_writes import write_lines

_CREDENTIALS = "COLDCHAIN_INFLUX_USERNAME and COLDCHAIN_INFLUX_PASSWORD"


class _DatabaseNotFound(Exception):
    """The database is missing and we may create it."""


class InfluxV1Sink:
    """Writes readings to ``database`` (and ``retention_policy``) of the InfluxDB at ``url``."""

    def __init__(
        self,
        url: str,
        database: str,
        retention_policy: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = 10.0,
        *,
        create_database: bool = True,
    ) -> None:
        self._create_database = create_database
        self._url = url.rstrip("/")
        self._database = database
        self._timeout_s = timeout_s
        self._params = {"db": database, "precision": "ns"}
        if retention_policy:
            self._params["rp"] = retention_policy
        self._client = httpx.Client(
            base_url=self._url,
            auth=httpx.BasicAuth(username, password or "") if username else None,
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def write(self, readings: Sequence[Reading]) -> WriteResult:
        lines, indices, refused = encode_batch(readings)
        rejected = [Rejected(index, reason) for index, reason in refused]
        try:
            rejected += write_lines(lines, indices, self._post)
        except _DatabaseNotFound:
            # A fresh InfluxDB: create the database once (idempotent) and write again.
            self.ensure_database()
            rejected += write_lines(lines, indices, partial(self._post, create=False))
        rejected.sort(key=lambda r: r.index)
        return WriteResult(written=len(readings) - len(rejected), rejected=tuple(rejected))

    def ensure_database(self) -> None:
        """Create the database if it is missing (idempotent). Retention policies are not
        created: their durations are an operator's decision."""
        name = self._database.replace("\\", "\\\\").replace('"', '\\"')
        response = self._request("POST", "/query", data={"q": f'CREATE DATABASE "{name}"'})
        message = error_message(response.content, response.reason_phrase)
        if response.status_code != 200:
            raise failure(
                response.status_code, message, store=self._store, credentials=_CREDENTIALS
            )
        for result in response.json().get("results", []):
            if "error" in result:
                raise SinkMisconfigured(
                    f"{self._store} could not create the database: {result['error']}"
                )

    def close(self) -> None:
        self._client.close()

    @property
    def _store(self) -> str:
        return f"InfluxDB at {self._url} (database {self._database!r})"

    def _post(self, lines: list[str], create: bool = True) -> str | None:
        body = "\n".join(lines).encode()
        response = self._request("POST", "/write", params=self._params, content=body)
        if response.status_code in (200, 204):
            return None
        message = error_message(response.content, response.reason_phrase)
        if response.status_code in PARTIAL:
            return message
        missing = response.status_code == 404 and "database not found" in message
        if missing and create and self._create_database:
            raise _DatabaseNotFound(message)
        raise failure(response.status_code, message, store=self._store, credentials=_CREDENTIALS)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise SinkUnavailable(
                f"{self._store} did not answer within {self._timeout_s} s"
            ) from exc
        except httpx.TransportError as exc:
            raise SinkUnavailable(f"{self._store} is unreachable: {exc}") from exc
