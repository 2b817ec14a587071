"""Typed settings, read once from the environment (prefix ``COLDCHAIN_``) and passed down.

Nothing else in the project reads ``os.environ``. A bad value fails at start-up with a
message that names the variable.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from inventory.domain.time_window import TimeWindow


class ConfigurationError(Exception):
    """The environment holds a setting that coldchain cannot use."""


class Settings(BaseSettings):
    """Every knob of a coldchain deployment; defaults run everything embedded."""

    model_config = SettingsConfigDict(env_prefix="COLDCHAIN_", extra="ignore")

    # SQL: the ledger, alarms, the sensor registry, the dead letters.
    database_url: str = "sqlite:///var/coldchain.db"
    # `coldchain demo` seeds and serves this one, never database_url: its admin token is
    # published in the README, so it must not land in the database `serve` serves.
    demo_database_url: str = "sqlite:///var/demo.db"
    # The demo's broker when COLDCHAIN_MQTT_URL is unset: "auto" starts Mosquitto when its
    # binary is installed, else the embedded amqtt broker (MQTT 3.1.1); or force either.
    demo_broker: Literal["auto", "mosquitto", "embedded"] = "auto"

    # Logs (coldchain/logs.py): one line per record on stderr, secrets redacted.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # API
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # A token created with role admin on `coldchain db upgrade` when set (first start).
    bootstrap_admin_token: str | None = None
    # Days a new staff token lives when its issuer names no lifetime; 0: never expires.
    staff_token_days: int = Field(default=90, ge=0, le=3650)

    # MQTT: empty means an embedded broker for the demo.
    mqtt_url: str | None = None  # mqtt://host:port
    mqtt_topic_prefix: str = "coldchain/v1"
    mqtt_client_id: str = "coldchain-ingest"
    mqtt_username: str | None = None
    mqtt_password: str | None = None

    # Telemetry store: "embedded" (SQL table), "influxdb-v1" or "influxdb-v2".
    telemetry_store: Literal["embedded", "influxdb-v1", "influxdb-v2"] = "embedded"
    influx_url: str = "http://127.0.0.1:8086"
    influx_database: str = "coldchain"  # v1
    influx_retention_policy: str | None = None  # v1
    influx_username: str | None = None  # v1
    influx_password: str | None = None  # v1
    influx_org: str | None = None  # v2
    influx_bucket: str | None = None  # v2
    influx_token: str | None = None  # v2

    # Ingest batching.
    ingest_batch_size: int = Field(default=500, ge=1, le=20_000)
    ingest_batch_seconds: float = Field(default=0.5, gt=0, le=1.0)

    # Ingest pipeline (ingest/README.md). MQTT 5 by default; "3.1.1" for brokers without
    # it (amqtt): the batch then stays within the broker's inflight window.
    mqtt_protocol: Literal["5", "3.1.1"] = "5"
    mqtt_receive_maximum: int | None = Field(default=None, ge=2, le=65_535)  # 4 × batch
    mqtt_broker_inflight: int = Field(default=20, ge=1)  # 3.1.1: broker's max_inflight
    mqtt_session_expiry_s: int = Field(default=0xFFFFFFFF, ge=1, le=0xFFFFFFFF)  # never
    mqtt_shared_group: str | None = None  # scale-out: $share/{group}/...
    mqtt_shard_facilities: str = ""  # topic shard: comma-separated facility codes; "" = all
    ingest_unknown_sensor_policy: Literal["reject", "flag"] = "flag"
    ingest_min_temperature_c: float = -100.0
    ingest_max_temperature_c: float = 70.0
    ingest_max_future_s: float = Field(default=300.0, ge=0)
    ingest_max_payload_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    ingest_retry_initial_s: float = Field(default=0.2, gt=0)
    ingest_retry_max_s: float = Field(default=5.0, gt=0)
    ingest_registry_refresh_s: float = Field(default=60.0, gt=0)
    ingest_metrics_host: str = "127.0.0.1"
    ingest_metrics_port: int = Field(default=9108, ge=0, le=65535)  # 0: no /metrics

    # Alarms (ingest/alarms/README.md): follow-up of unacknowledged alarms, SENSOR_OFFLINE.
    alarm_renotify_minutes: float = Field(default=30.0, gt=0)  # N: notify again every N min
    alarm_escalate_minutes: float = Field(default=60.0, gt=0)  # M: one level up every M min
    alarm_offline_factor: float = Field(default=3.0, gt=0)  # silent > factor × interval
    alarm_jobs_interval_s: float = Field(default=60.0, gt=0)  # how often the jobs run
    # the scheduler's lease (kit/lease.py): one process runs the jobs; another takes over
    # this long after it stops renewing (keep it above 2 × the interval and the clock skew)
    jobs_lease_s: float = Field(default=180.0, gt=0)
    daily_close_at: time = time(18, 0)  # each facility's local cut-off of the daily close
    # A shipment's transport record (rule 27) covers its journey when the first and last
    # readings are this close to dispatch and arrival and no silence on the road is longer.
    transit_edge_minutes: float = Field(default=30.0, ge=0, le=1440)
    transit_max_gap_minutes: float = Field(default=60.0, gt=0, le=1440)
    # A programme that wants every shipment logged: accepting one that carried no logger
    # (no transport record) then needs a supervisor's override with a reason, like a record
    # that does not cover the journey; off: a shipment without a logger is not checked.
    transport_record_required: bool = False

    # Alarm notifications (ingest/notify/README.md): webhook, MQTT alarm topic, e-mail.
    alarm_mqtt_topic: str = "coldchain/v1/alarms"  # + /{facility}/{unit}; needs MQTT_URL
    notify_webhook_timeout_s: float = Field(default=5.0, gt=0, le=120)
    notify_mqtt_timeout_s: float = Field(default=5.0, gt=0, le=120)  # wait for the PUBACK
    notify_max_attempts: int = Field(default=10, ge=1)
    notify_retry_initial_s: float = Field(default=2.0, gt=0)
    notify_retry_max_s: float = Field(default=300.0, gt=0)
    notify_workers_per_channel: int = Field(default=4, ge=1, le=64)
    notify_ack_url: str | None = None  # e-mails: where to acknowledge; {alarm_id} filled in
    # Webhooks reach public addresses only; these (host names, IPs, CIDRs, comma-separated)
    # are allowed although loopback, private, link-local … (e.g. an in-house receiver).
    notify_webhook_allowed_hosts: str = ""
    # Fernet key sealing webhook secrets at rest (several, comma-separated: the first seals,
    # any opens). Unset: webhook secrets are refused (409). ingest/notify/README.md.
    secret_key: SecretStr | None = None
    # Signs the staff pages' session cookies (at least 32 characters). Unset: a random key
    # per process (sessions end at a restart; several API processes need one shared key).
    session_key: SecretStr | None = Field(default=None, min_length=32)
    secure_cookies: bool = False  # the pages' cookies only over HTTPS (set it behind TLS)
    smtp_host: str | None = None  # unset: no e-mail (e-mail deliveries recorded as failed)
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "coldchain@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)

    # The programme window (inventory/domain/time_window.py): every time, day or period a
    # client names lies in it, and a movement's occurred_at is not before it.
    earliest_date: date = date(2000, 1, 1)
    latest_date: date = date(2099, 12, 31)

    @model_validator(mode="after")
    def _window(self) -> Self:
        try:
            TimeWindow(self.earliest_date, self.latest_date)
        except ValueError as exc:
            raise ValueError(f"COLDCHAIN_EARLIEST_DATE / COLDCHAIN_LATEST_DATE: {exc}") from exc
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url", "demo_database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:/// and postgresql+psycopg:// URLs are supported")
        return value


def _problem(loc: tuple[int | str, ...], message: str) -> str:
    """One bad value, named by its variable (a rule over several names them itself)."""
    if not loc:
        return message.removeprefix("Value error, ")
    return f"COLDCHAIN_{'_'.join(str(p) for p in loc).upper()}: {message}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; raise ConfigurationError naming every bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_problem(err["loc"], err["msg"]) for err in exc.errors())
        raise ConfigurationError(f"bad configuration: {problems}") from exc
    for url in (settings.database_url, settings.demo_database_url):
        if url.startswith("sqlite:///") and not url.endswith(":memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return settings
