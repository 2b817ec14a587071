"""Captured log output for tests: coldchain's logging configured into a buffer, then the
root logger put back as it was (pytest's own capture handlers included)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from coldchain.logs import configure_logging
from coldchain.settings import Settings


class CapturedLogs:
    def __init__(self) -> None:
        self.buffer = io.StringIO()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def entries(self) -> list[dict[str, Any]]:
        """Each line as JSON (the capture must be in json format)."""
        return [json.loads(line) for line in self.text.splitlines()]


@contextmanager
def captured_logs(log_format: str = "json", level: str = "INFO") -> Iterator[CapturedLogs]:
    root = logging.getLogger()
    handlers, old_level = list(root.handlers), root.level
    chatty = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    captured = CapturedLogs()
    configure_logging(Settings(log_format=log_format, log_level=level), captured.buffer)
    try:
        yield captured
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(old_level)
        for name, chatty_level in chatty.items():
            logging.getLogger(name).setLevel(chatty_level)
        logging.captureWarnings(False)
