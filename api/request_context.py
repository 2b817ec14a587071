"""Request ids and the access log: one ASGI middleware around the whole application.

Each HTTP request gets an id: the client's ``X-Request-ID`` when it is sane (1 to 128
letters, digits and ``._:-``, starting with a letter or digit), otherwise a fresh one. The
id is echoed in the response's ``X-Request-ID`` and is on every log record made while the
request is handled (``RequestIdFilter``, through a context variable, which Starlette copies
into the thread pool of sync routes). When the request is over, one access line is logged
on ``api.access``: method, path, status, duration, request id and the user's name once the
token was recognised (``note_user``).

Invariant: the access line never holds the query string or a header, so a token or a
secret a client put there never reaches the log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

access_log = logging.getLogger("api.access")


@dataclass(slots=True)
class RequestContext:
    request_id: str
    user: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("coldchain_request", default=None)


def current_request_id() -> str | None:
    context = _current.get()
    return None if context is None else context.request_id


def note_user(name: str) -> None:
    """Name the caller on the access line of the request being handled (if any)."""
    context = _current.get()
    if context is not None:
        context.user = name


def accepted_request_id(value: str | None) -> str:
    """The client's id if it is sane, else a fresh one (32 hex digits)."""
    if value is not None and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` (None outside a request) on every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class RequestContextMiddleware:
    """Pure ASGI (no response buffering): ids, the response header, the access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(REQUEST_ID_HEADER)
        context = RequestContext(accepted_request_id(sent))
        reset = _current.set(context)
        started = time.perf_counter()
        status = 500  # what the server answers if the application raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = context.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Logged here, and the context is left set: the server logs the traceback next,
            # in this request's own task, and that record keeps the request id.
            _log_access(scope, status, started, context)
            raise
        _log_access(scope, status, started, context)
        _current.reset(reset)


def _log_access(scope: Scope, status: int, started: float, context: RequestContext) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    method, path = scope.get("method", "?"), scope.get("path", "?")
    access_log.info(
        "%s %s %s %.1f ms%s",
        method,
        path,
        status,
        duration_ms,
        "" if context.user is None else f" by {context.user}",
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user": context.user,
        },
    )
