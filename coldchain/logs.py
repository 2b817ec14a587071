"""Process logging, configured once at start (``coldchain serve``, ``ingest``, ``demo``).

One handler on the root logger writes one line per record to stderr: text for a terminal
(``COLDCHAIN_LOG_FORMAT=text``) or a JSON object per line for a log shipper (``json``:
time, level, logger, message, request id, the record's extra fields such as the access
line's method, path, status, duration_ms and user, and the exception). Records of an API
request carry its id (``api.request_context``).

Invariant: no token or secret is written. ``RedactSecrets`` runs on the handler, so on
every record of every library, before any formatter: it replaces bearer and other
``Authorization`` values, ``token=``/``password=``/``secret=``-like parameters, quoted
``"password": "..."``-like pairs and the password of a URL with ``[REDACTED]``, in the
message, its extra fields (an extra named like a secret is redacted whole) and the
exception text, and the row PostgreSQL quotes in a constraint error ("Failing row
contains (...)"). SQL parameters never reach an error message in the first place
(``db.make_engine`` hides them).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from api.request_context import RequestIdFilter
from coldchain.settings import Settings

REDACTED = "[REDACTED]"
_SECRET_WORD = r"[\w-]*(?:token|password|passwd|secret|api[_-]?key|signature)[\w-]*"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: Bearer x / Basic x / Token x, in header dumps and dicts alike.
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(\w+\s+)?[^\s\"',;}]+"),
        rf"\g<1>\g<2>{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*"), rf"\g<1>{REDACTED}"),
    # "secret": "x", 'password': 'x'
    (
        re.compile(rf"(?i)([\"']?{_SECRET_WORD}[\"']?\s*[:=]\s*)([\"'])(?:(?!\2).)*\2"),
        rf"\g<1>\g<2>{REDACTED}\g<2>",
    ),
    # token=x, ?access_token=x&, password=x (any length)
    (re.compile(rf"(?i)\b({_SECRET_WORD}\s*=\s*)(?![\"'\[])[^\s&\"',;)}}]+"), rf"\1{REDACTED}"),
    # X-Api-Key: x, token: x; only a word of 8 or more, so that prose ("…_TOKEN: the …")
    # stays readable: every secret coldchain issues or accepts is longer.
    (
        re.compile(rf"(?i)\b({_SECRET_WORD}\s*:\s*)(?![\"'\[])[^\s&\"',;)}}]{{8,}}"),
        rf"\1{REDACTED}",
    ),
    # PostgreSQL's own error detail quotes the refused row, secrets and all.
    (re.compile(r"(Failing row contains )\(.*\)"), rf"\1({REDACTED})"),
    # scheme://user:password@host
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
)

# An extra field of one of these names is redacted whole, whatever its value looks like.
_SECRET_KEY = re.compile(rf"(?i)^(?:{_SECRET_WORD}|authorization|credentials?)$")

# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "request_tag",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites the record in place: message (args merged in), extras, exception, stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key in _STANDARD or value is None:
                continue
            if _SECRET_KEY.match(key):
                setattr(record, key, REDACTED)
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        )
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``; the request id only inside a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request_tag)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = "" if request_id is None else f" [{request_id}]"
        return super().format(record)


class _DropMigrationPreamble(logging.Filter):
    """Alembic says which dialect it uses every time a migration context is made, i.e. on
    every readiness probe (``db.current_revisions``): two lines of noise each time."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl ", "Will assume "))


class _CurrentStderr:
    """``sys.stderr`` as it is at each write (it may be swapped after start, as tests do)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handlers with ours (so calling it twice is harmless)."""
    handler: logging.StreamHandler[Any] = logging.StreamHandler(stream or _CurrentStderr())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request at INFO (every InfluxDB write, every webhook): debug only.
    quiet = logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(quiet)
    migration_log = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, _DropMigrationPreamble) for f in migration_log.filters):
        migration_log.addFilter(_DropMigrationPreamble())
    logging.captureWarnings(True)
    return handler
