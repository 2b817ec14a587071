"""InfluxDB v2 API sink: line protocol written through influxdb-client to ``/api/v2/write``.

Only the client's SYNCHRONOUS write API is used, one request per batch that coldchain
itself assembled: the client's batching mode keeps unbounded memory, drops a batch once its
retries run out, and its ``flush()`` does nothing (influxdb-client-python #697). Answers
mean the same as for the v1 sink (``influx_errors``): 400/422 are settled line by line,
429/5xx and connection errors raise ``SinkUnavailable``, 401/403/404 ``SinkMisconfigured``.
"""

from __future__ import annotations

from collections.abc import Sequence

import urllib3
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

from ingest.line_protocol import encode_batch
from ingest.readings import Reading
from ingest.sinks.base import Rejected, SinkUnavailable, WriteResult
from ingest.sinks.influx_errors import PARTIAL, error_message, failure
from ingest.sinks.partial_writes import write_lines

_CREDENTIALS = "COLDCHAIN_INFLUX_TOKEN and COLDCHAIN_INFLUX_ORG"


class InfluxV2Sink:
    """Writes readings to ``bucket`` of ``org`` on the InfluxDB at ``url``."""

    def __init__(
        self, url: str, org: str, bucket: str, token: str, timeout_s: float = 10.0
    ) -> None:
        self._url = url.rstrip("/")
        self._org = org
        self._bucket = bucket
        self._timeout_s = timeout_s
        # retries=False: the caller retries whole batches; a hidden retry would only delay it.
        self._client = InfluxDBClient(
            url=self._url, token=token, org=org, timeout=int(timeout_s * 1000), retries=False
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    def write(self, readings: Sequence[Reading]) -> WriteResult:
        lines, indices, refused = encode_batch(readings)
        rejected = [Rejected(index, reason) for index, reason in refused]
        rejected += write_lines(lines, indices, self._post)
        rejected.sort(key=lambda r: r.index)
        return WriteResult(written=len(readings) - len(rejected), rejected=tuple(rejected))

    def close(self) -> None:
        self._write_api.close()  # type: ignore[no-untyped-call]
        self._client.close()  # type: ignore[no-untyped-call]

    @property
    def _store(self) -> str:
        return f"InfluxDB at {self._url} (org {self._org!r}, bucket {self._bucket!r})"

    def _post(self, lines: list[str]) -> str | None:
        body = "\n".join(lines).encode()
        try:
            self._write_api.write(
                bucket=self._bucket,
                org=self._org,
                record=body,
                write_precision=WritePrecision.NS,  # type: ignore[arg-type]  # a str constant
            )
        except ApiException as exc:
            status = int(exc.status or 0)
            message = exc.message or error_message(exc.body, str(exc.reason))
            if status in PARTIAL:
                return str(message)
            raise failure(
                status, str(message), store=self._store, credentials=_CREDENTIALS
            ) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise SinkUnavailable(
                f"{self._store} did not answer within {self._timeout_s} s"
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SinkUnavailable(f"{self._store} is unreachable: {exc}") from exc
        return None
