"""Typed settings, read once from the environment (prefix ``COLDCHAIN_``) and passed down.

Nothing else in the project reads ``os.environ``. A bad value fails at start-up with a
message that names the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigurationError(Exception):
    """The environment holds a setting that coldchain cannot use."""


class Settings(BaseSettings):
    """Every knob of a coldchain deployment; defaults run everything embedded."""

    model_config = SettingsConfigDict(env_prefix="COLDCHAIN_", extra="ignore")

    # SQL: the ledger, alarms, the sensor registry, the dead letters.
    database_url: str = "sqlite:///var/coldchain.db"

    # API
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # A token created with role admin on `coldchain db upgrade` when set (first start).
    bootstrap_admin_token: str | None = None

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
    ingest_batch_seconds: float = Field(default=1.0, gt=0, le=1.0)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:/// and postgresql+psycopg:// URLs are supported")
        return value


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; raise ConfigurationError naming every bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"COLDCHAIN_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"bad configuration: {problems}") from exc
    if settings.database_url.startswith("sqlite:///") and not settings.database_url.endswith(
        ":memory:"
    ):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    return settings
