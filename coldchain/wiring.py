"""Builds the running pieces from settings: engine, unit-of-work factories, the API app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from api.app import ApiDeps, create_app
from api.pages.config import PagesConfig
from coldchain import db
from coldchain.access_wiring import token_lifetimes
from coldchain.alarms_to_trace import LedgerLotExcursions
from coldchain.db import Engine
from coldchain.facility_tree import LedgerFacilityPaths
from coldchain.health import readiness_checks, readiness_probe
from coldchain.settings import ConfigurationError, Settings
from coldchain.transport_record import LedgerTransportRecords
from ingest.config import IngestConfig, MqttConfig, mqtt_endpoint, receive_maximum_for
from ingest.decode import DecodeConfig
from ingest.notify.config import NotifyConfig, WebhookConfig
from ingest.queries import TelemetryReader
from ingest.sinks.base import Sink
from ingest.wire import subscription_for
from inventory.domain.time_window import TimeWindow
from inventory.unit_of_work import UnitOfWork
from kit.clock import Clock, utc_now


def time_window(settings: Settings) -> TimeWindow:
    """The programme window (COLDCHAIN_EARLIEST_DATE / _LATEST_DATE)."""
    return TimeWindow(settings.earliest_date, settings.latest_date)


def build_api_deps(settings: Settings, clock: Clock = utc_now) -> ApiDeps:
    """What the API's routers need: the session factory (the ledger's and the access units
    of work are built on it, ``ApiDeps.inventory_uow()``), the ledger's facility paths
    for the scope checks and token issuing, and the readiness checks of ``/health/ready``;
    every part on one ``clock`` (a test's fixed one too: the transport records' "now")."""
    engine = db.make_engine(settings.database_url)
    session_factory = db.make_session_factory(engine)
    deps = ApiDeps(
        session_factory=session_factory,
        clock=clock,
        facility_paths=LedgerFacilityPaths(UnitOfWork(session_factory)),
        lot_excursions=LedgerLotExcursions.over(session_factory, clock),
        token_lifetimes=token_lifetimes(settings),
        readiness=readiness_probe(readiness_checks(settings)),
        window=time_window(settings),
        pages=pages_config(settings),
        transport_record_required=settings.transport_record_required,
    )
    return with_telemetry(deps, settings, engine)


def pages_config(settings: Settings) -> PagesConfig:
    """The staff pages' session key (COLDCHAIN_SESSION_KEY; a random one when unset) and
    cookie flags."""
    key = settings.session_key
    if key is None:
        return PagesConfig(secure_cookies=settings.secure_cookies)
    return PagesConfig(session_key=key.get_secret_value(), secure_cookies=settings.secure_cookies)


def with_telemetry(deps: ApiDeps, settings: Settings, engine: Engine) -> ApiDeps:
    """``deps`` with what the telemetry, alarm and contact routes need: the configured
    store's reader, unit and sensor look-ups over the ledger and the sensor registry, and a
    notifier that only writes the outbox (the dispatcher of ``coldchain ingest`` delivers
    what it holds; the API process starts no channel)."""
    import dataclasses

    from coldchain.alarms_to_ledger import InventoryUnitDirectory
    from coldchain.facility_tree import LedgerUnitScopes
    from coldchain.sensor_intervals import reporting_interval_of
    from ingest.alarms.queries import AlarmQueries
    from ingest.detect.coverage import CoverageTolerance
    from ingest.notify.dispatcher import build_notifier
    from ingest.registry import RegistrySnapshot, SensorDirectory, load_snapshot

    ledger = UnitOfWork(db.make_session_factory(engine))
    sensors = SensorDirectory(lambda: load_snapshot(engine))

    def registry() -> RegistrySnapshot:
        sensors.maybe_refresh()
        return sensors.snapshot

    notify = notify_config(settings)
    reader = build_telemetry_reader(settings, engine)
    records = LedgerTransportRecords(
        UnitOfWork(db.make_session_factory(engine), clock=deps.clock, window=deps.window),
        reader,
        AlarmQueries(db.make_session_factory(engine), clock=deps.clock),
        CoverageTolerance(settings.transit_edge_minutes, settings.transit_max_gap_minutes),
        clock=deps.clock,
    )
    return dataclasses.replace(
        deps,
        telemetry=reader,
        transport_records=records,
        unit_scopes=LedgerUnitScopes(ledger, deps.facility_paths),
        unit_directory=InventoryUnitDirectory(
            ledger, reporting_interval_s=reporting_interval_of(registry)
        ),
        sensor_bindings=sensors,
        notifier=build_notifier(engine, notify),
        webhooks=notify.webhook or webhook_config(settings),
    )


def build_app(settings: Settings) -> FastAPI:
    return create_app(build_api_deps(settings))


@contextmanager
def inventory_unit_of_work(settings: Settings) -> Iterator[UnitOfWork]:
    """A unit of work on the ledger for one CLI command; the engine closes after."""
    engine = db.make_engine(settings.database_url)
    try:
        yield UnitOfWork(db.make_session_factory(engine), window=time_window(settings))
    finally:
        engine.dispose()


@contextmanager
def lot_trace_sources(settings: Settings) -> Iterator[tuple[UnitOfWork, LedgerLotExcursions]]:
    """The ledger and the lot excursions look-up for `coldchain trace`; the engine closes
    after."""
    engine = db.make_engine(settings.database_url)
    try:
        session_factory = db.make_session_factory(engine)
        uow = UnitOfWork(session_factory, window=time_window(settings))
        yield uow, LedgerLotExcursions.over(session_factory)
    finally:
        engine.dispose()


@contextmanager
def transport_records(settings: Settings) -> Iterator[LedgerTransportRecords]:
    """Shipments' transport records (rule 27) for the CLI; the engine closes after."""
    from ingest.alarms.queries import AlarmQueries
    from ingest.detect.coverage import CoverageTolerance

    engine = db.make_engine(settings.database_url)
    try:
        session_factory = db.make_session_factory(engine)
        yield LedgerTransportRecords(
            UnitOfWork(session_factory, window=time_window(settings)),
            build_telemetry_reader(settings, engine),
            AlarmQueries(session_factory),
            CoverageTolerance(settings.transit_edge_minutes, settings.transit_max_gap_minutes),
        )
    finally:
        engine.dispose()


def ingest_config(settings: Settings) -> IngestConfig:
    """The ingest pipeline's configuration, from the settings (COLDCHAIN_MQTT_*, _INGEST_*)."""
    if settings.mqtt_url is None:
        raise ConfigurationError(
            "COLDCHAIN_MQTT_URL is not set: `coldchain ingest` needs a broker (mqtt://host:port)"
        )
    host, port = mqtt_endpoint(settings.mqtt_url)
    prefix = settings.mqtt_topic_prefix
    facilities = [f.strip() for f in settings.mqtt_shard_facilities.split(",") if f.strip()]
    return IngestConfig(
        mqtt=MqttConfig(
            host=host,
            port=port,
            client_id=settings.mqtt_client_id,
            username=settings.mqtt_username,
            password=settings.mqtt_password,
            protocol=settings.mqtt_protocol,
            topic_filters=tuple(subscription_for(prefix, f) for f in facilities or ["+"]),
            shared_group=settings.mqtt_shared_group,
            receive_maximum=receive_maximum_for(
                settings.ingest_batch_size, settings.mqtt_receive_maximum
            ),
            broker_inflight=settings.mqtt_broker_inflight,
            session_expiry_s=settings.mqtt_session_expiry_s,
        ),
        decode=DecodeConfig(
            prefix=prefix,
            min_temperature_c=settings.ingest_min_temperature_c,
            max_temperature_c=settings.ingest_max_temperature_c,
            max_future_s=settings.ingest_max_future_s,
            max_payload_bytes=settings.ingest_max_payload_bytes,
            unknown_sensor_policy=settings.ingest_unknown_sensor_policy,
        ),
        batch_size=settings.ingest_batch_size,
        batch_seconds=settings.ingest_batch_seconds,
        retry_initial_s=settings.ingest_retry_initial_s,
        retry_max_s=max(settings.ingest_retry_max_s, settings.ingest_retry_initial_s),
        registry_refresh_s=settings.ingest_registry_refresh_s,
        metrics_host=settings.ingest_metrics_host,
        metrics_port=settings.ingest_metrics_port,
    )


def build_sink(settings: Settings, engine: Engine | None = None) -> Sink:
    """The telemetry store named by COLDCHAIN_TELEMETRY_STORE (ingest/README.md, "Stores").

    No I/O here: an unreachable InfluxDB shows as ``SinkUnavailable`` on the first write, a
    missing v1 database is created on the first write. ``engine`` is used by the embedded
    store; without one, the store makes (and disposes of) its own.
    """
    if settings.telemetry_store == "influxdb-v1":
        from ingest.sinks.influx_v1 import InfluxV1Sink

        return InfluxV1Sink(
            settings.influx_url,
            settings.influx_database,
            settings.influx_retention_policy,
            settings.influx_username,
            settings.influx_password,
        )
    if settings.telemetry_store == "influxdb-v2":
        from ingest.sinks.influx_v2 import InfluxV2Sink

        org, bucket, token = _influx_v2_settings(settings)
        return InfluxV2Sink(settings.influx_url, org, bucket, token)
    from ingest.sinks.embedded import EmbeddedSink

    if engine is None:
        return EmbeddedSink(db.make_engine(settings.database_url), dispose_engine=True)
    return EmbeddedSink(engine)


def build_telemetry_reader(settings: Settings, engine: Engine) -> TelemetryReader:
    """The read side of the configured telemetry store. InfluxDB 2.x is read with InfluxQL
    through its v1-compatibility API: bucket ``db/rp`` is database ``db``, policy ``rp``;
    a bucket without ``/`` is read as the database of that name (its DBRP mapping)."""
    from ingest.queries import EmbeddedTelemetryReader, InfluxQLTelemetryReader

    if settings.telemetry_store == "influxdb-v1":
        return InfluxQLTelemetryReader(
            settings.influx_url,
            settings.influx_database,
            settings.influx_retention_policy,
            username=settings.influx_username,
            password=settings.influx_password,
        )
    if settings.telemetry_store == "influxdb-v2":
        _, bucket, token = _influx_v2_settings(settings)
        database, _, policy = bucket.partition("/")
        return InfluxQLTelemetryReader(settings.influx_url, database, policy or None, token=token)
    return EmbeddedTelemetryReader(engine)


def _influx_v2_settings(settings: Settings) -> tuple[str, str, str]:
    missing = [
        f"COLDCHAIN_INFLUX_{name.upper()}"
        for name in ("org", "bucket", "token")
        if not getattr(settings, f"influx_{name}")
    ]
    if missing:
        raise ConfigurationError(
            f"COLDCHAIN_TELEMETRY_STORE=influxdb-v2 needs {', '.join(missing)}"
        )
    assert settings.influx_org and settings.influx_bucket and settings.influx_token
    return settings.influx_org, settings.influx_bucket, settings.influx_token


def notify_config(settings: Settings, mqtt_url: str | None = None) -> NotifyConfig:
    """The alarm notifier's configuration (COLDCHAIN_NOTIFY_*, _SMTP_*, _ALARM_MQTT_TOPIC).

    Webhooks are always on. The MQTT alarm topic goes to ``mqtt_url`` (default
    COLDCHAIN_MQTT_URL; pass the embedded broker's URL in the demo); without a broker there
    is no MQTT channel. E-mail needs COLDCHAIN_SMTP_HOST. Build the notifier with
    ``ingest.notify.dispatcher.build_notifier(engine, notify_config(settings))``.
    """
    import uuid

    from ingest.notify.config import MqttChannelConfig, RetryPolicy, SmtpConfig

    url = mqtt_url or settings.mqtt_url
    mqtt = None
    if url is not None:
        host, port = mqtt_endpoint(url)
        mqtt = MqttChannelConfig(
            host=host,
            port=port,
            client_id=f"coldchain-notify-{uuid.uuid4().hex[:12]}",  # one per process
            username=settings.mqtt_username,
            password=settings.mqtt_password,
            protocol=settings.mqtt_protocol,
            alarm_topic=settings.alarm_mqtt_topic.rstrip("/"),
            publish_timeout_s=settings.notify_mqtt_timeout_s,
        )
    smtp = None
    if settings.smtp_host:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout_s=settings.smtp_timeout_s,
        )
    slowest = max(
        settings.notify_webhook_timeout_s, settings.notify_mqtt_timeout_s, settings.smtp_timeout_s
    )
    return NotifyConfig(
        webhook=webhook_config(settings),
        mqtt=mqtt,
        smtp=smtp,
        retry=RetryPolicy(
            max_attempts=settings.notify_max_attempts,
            initial_s=settings.notify_retry_initial_s,
            max_s=max(settings.notify_retry_max_s, settings.notify_retry_initial_s),
        ),
        workers_per_channel=settings.notify_workers_per_channel,
        lease_s=max(60.0, 4 * slowest),  # a send is over (or timed out) long before
        ack_url=settings.notify_ack_url,
    )


def webhook_config(settings: Settings) -> WebhookConfig:
    """Webhook sending and contact rules: timeout, the targets an administrator allows
    although not public (COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS) and the box sealing webhook
    secrets (COLDCHAIN_SECRET_KEY; unset: none). A bad value fails here, at start-up."""
    from ingest.notify.secret_box import SecretBox
    from ingest.notify.targets import AllowedTargets

    try:
        allowed = AllowedTargets.parse(settings.notify_webhook_allowed_hosts.split(","))
    except ValueError as exc:
        raise ConfigurationError(f"COLDCHAIN_NOTIFY_WEBHOOK_ALLOWED_HOSTS: {exc}") from exc
    box = None
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        try:
            box = SecretBox.from_setting(settings.secret_key.get_secret_value())
        except ValueError as exc:
            raise ConfigurationError(f"COLDCHAIN_SECRET_KEY: {exc}") from exc
    return WebhookConfig(timeout_s=settings.notify_webhook_timeout_s, allowed=allowed, secrets=box)
