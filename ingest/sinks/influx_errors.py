"""What an InfluxDB HTTP answer means for a writer: stored, refused in part, retry, or fix.

One table for the v1 (``/write``) and v2 (``/api/v2/write``) sinks, so both treat the same
status the same way:

- 2xx: stored. 400, 413 and 422: refused in part (``partial_writes`` settles which lines).
- 401/403: credentials refused; 404: unknown database, retention policy, org or bucket (or
  an InfluxDB without this API); other 4xx: a request this server does not take. All are
  ``SinkMisconfigured``: retrying cannot help.
- 429 and 5xx: ``SinkUnavailable``, except 1.x's 500 "retention policy not found", which is
  a configuration error.
"""

from __future__ import annotations

import json

from ingest.sinks.base import SinkMisconfigured, SinkUnavailable

PARTIAL = frozenset({400, 413, 422})


def error_message(body: bytes | str | None, fallback: str = "") -> str:
    """The message in an InfluxDB error body: ``{"error": …}`` (1.x) or ``{"message": …}``."""
    if not body:
        return fallback
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        decoded = json.loads(text)
    except ValueError:
        return text.strip()
    if isinstance(decoded, dict):
        for key in ("error", "message"):
            if isinstance(decoded.get(key), str):
                return str(decoded[key])
    return text.strip()


def failure(status: int, message: str, *, store: str, credentials: str) -> Exception:
    """The exception for a status that is neither success nor a partial write."""
    if status in (401, 403):
        return SinkMisconfigured(
            f"{store} refused the credentials ({status}: {message}); check {credentials}"
        )
    if status == 404 and "page not found" in message:
        return SinkMisconfigured(
            f"{store} has no such API ({status}: {message}); is it the InfluxDB version that "
            "COLDCHAIN_TELEMETRY_STORE names?"
        )
    if status == 404 or "retention policy not found" in message:
        return SinkMisconfigured(f"{store} does not know what we write to ({status}: {message})")
    if status == 429 or status >= 500:
        return SinkUnavailable(f"{store} answered {status}: {message}")
    return SinkMisconfigured(f"{store} refused the request ({status}: {message})")
