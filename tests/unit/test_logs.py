"""Log lines: secrets redacted wherever they hide in a record, JSON and text formats."""

from __future__ import annotations

import logging

import pytest

from coldchain.logs import REDACTED, redact
from coldchain.settings import load_settings
from tests.logs import captured_logs

TOKEN = "q3Vb1yH8-xZ_0pLr5TfW2nKc7dMe9sAu4jGh6iOo1Ey"
SECRET = "webhook-signing-key-7d1e"

log = logging.getLogger("tests.logs")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer "),
        (f"headers={{'authorization': 'Bearer {TOKEN}'}}", "'authorization': 'Bearer "),
        (f"(b'authorization', b'Bearer {TOKEN}')", "b'Bearer "),
        (f"Authorization: Token {TOKEN}", "Authorization: Token "),
        (f"GET /api/v1/me?token={TOKEN}&x=1", "/api/v1/me?token="),
        (f"https://hooks.example.org/a?access_token={TOKEN}", "?access_token="),
        (f"password={SECRET} and more", "password="),
        (f"{{'secret': '{SECRET}', 'name': 'duty'}}", "{'secret': '"),
        (f'{{"password": "{SECRET}"}}', '{"password": "'),
        (f"Contact(name='duty', secret='{SECRET}')", "secret='"),
        (f"COLDCHAIN_INFLUX_TOKEN: {TOKEN}", "COLDCHAIN_INFLUX_TOKEN: "),
        (f"postgresql+psycopg://coldchain:{SECRET}@db:5432/coldchain", "coldchain:"),
    ],
)
def test_a_secret_in_any_usual_place_is_redacted(line: str, kept: str) -> None:
    redacted = redact(line)
    assert TOKEN not in redacted and SECRET not in redacted
    assert REDACTED in redacted
    assert kept in redacted  # the key stays, so the line still says what was there


@pytest.mark.parametrize(
    "line",
    [
        "token 12 for admin 'ops' revoked; bootstrap admin token from the settings created",
        "COLDCHAIN_BOOTSTRAP_ADMIN_TOKEN: the bootstrap admin token must be at least 16",
    ],
)
def test_lines_without_secrets_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_secrets_in_arguments_extras_and_exceptions_never_reach_the_output() -> None:
    with captured_logs() as logs:
        log.info(
            "calling %s",
            f"https://hook.example.org/?token={TOKEN}",
            extra={"authorization": TOKEN, "api_token": TOKEN},
        )
        log.warning("sent headers %s", {"Authorization": f"Bearer {TOKEN}"})
        try:
            raise RuntimeError(f"refused: password={SECRET}")
        except RuntimeError:
            log.exception("delivery failed")
    assert TOKEN not in logs.text and SECRET not in logs.text
    entries = logs.entries()
    assert entries[0]["message"] == f"calling https://hook.example.org/?token={REDACTED}"
    assert entries[0]["authorization"] == entries[0]["api_token"] == REDACTED
    assert "Bearer [REDACTED]" in entries[1]["message"]
    assert entries[2]["level"] == "ERROR"
    assert f"RuntimeError: refused: password={REDACTED}" in entries[2]["exception"]


def test_json_lines_carry_time_level_logger_and_extra_fields() -> None:
    with captured_logs() as logs:
        log.info("batch written", extra={"readings": 500, "store": "influxdb-v1"})
    (entry,) = logs.entries()
    assert entry["level"] == "INFO" and entry["logger"] == "tests.logs"
    assert entry["message"] == "batch written"
    assert entry["readings"] == 500 and entry["store"] == "influxdb-v1"
    assert entry["time"].endswith("+00:00")
    assert "request_id" not in entry  # outside a request


def test_the_text_format_and_the_level_are_honoured() -> None:
    with captured_logs(log_format="text", level="warning") as logs:
        log.info("not shown")
        log.warning("shown with password=%s", SECRET)
    (line,) = logs.text.splitlines()
    assert line.endswith(f"WARNING tests.logs shown with password={REDACTED}")


def test_an_unknown_log_format_fails_at_start_up_naming_the_variable() -> None:
    from coldchain.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="COLDCHAIN_LOG_FORMAT"):
        load_settings(log_format="xml")
