"""SQLAlchemy rows of the `ingest` package (2.0 style, stable constraint names for Alembic)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit import naming
from kit.columns import UTCDateTime


class Base(DeclarativeBase):
    metadata = naming.metadata()


class SensorRow(Base):
    """A registered sensor and how often it reports (offline after 3 × the interval)."""

    __tablename__ = "sensors"
    __table_args__ = (CheckConstraint("reporting_interval_s > 0", name="interval_positive"),)

    sensor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reporting_interval_s: Mapped[int] = mapped_column(Integer, default=600)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SensorBindingRow(Base):
    """Sensor ``sensor_id`` measured storage unit ``unit_code`` during [valid_from, valid_to)."""

    __tablename__ = "sensor_bindings"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_interval"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sensor_id: Mapped[str] = mapped_column(String(64), ForeignKey("sensors.sensor_id"), index=True)
    facility_code: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class UnregisteredSensorRow(Base):
    """A sensor heard on the wire but not in the registry (policy ``flag``): where and when."""

    __tablename__ = "unregistered_sensors"

    sensor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_code: Mapped[str] = mapped_column(String(64))  # from the last topic seen
    unit_code: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    readings: Mapped[int] = mapped_column(Integer)


class DeadLetterRow(Base):
    """A message (or list item) that could not be stored, kept for inspection and replay."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("uq_dead_letters_letter_key", "letter_key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # SHA-256 of topic, reason, part and payload (ingest/dead_letters.py): a redelivery of
    # the same bad message adds no row. NULL only on letters stored before migration 0013.
    letter_key: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # first 4 KiB
    payload_size: Mapped[int] = mapped_column(Integer)  # size before truncation
    reason: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# --- end of the telemetry pipeline section ---


# --- embedded telemetry store: readings keyed on (sensor, device time) ---
# (owned by the telemetry stores, ingest/sinks/embedded.py and ingest/queries.py; migration
# 0004_readings creates exactly this table)


class TelemetryReadingRow(Base):
    """One reading in the embedded store; (sensor_id, device_time_ns) is the point's key, so
    writing a reading again overwrites it, as InfluxDB does."""

    __tablename__ = "telemetry_readings"
    __table_args__ = (Index("ix_telemetry_readings_unit_device_time_ns", "unit", "device_time_ns"),)

    sensor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_time_ns: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    facility: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(64))
    temperature_c: Mapped[float] = mapped_column(Double)
    received_at_ns: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    battery_pct: Mapped[float | None] = mapped_column(Double, nullable=True)
    door_open: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    power_on: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class TelemetryHourlyRow(Base):
    """An hour of a unit's readings, rolled up once its raw readings left every retention
    horizon (domain rule 18): min, max, mean and count, so the record of that hour stays."""

    __tablename__ = "telemetry_hourly"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour_ns: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # the hour's start
    facility: Mapped[str] = mapped_column(String(64))
    min_c: Mapped[float] = mapped_column(Double)
    max_c: Mapped[float] = mapped_column(Double)
    mean_c: Mapped[float] = mapped_column(Double)
    readings: Mapped[int] = mapped_column(Integer)


# --- end of the embedded telemetry store section ---


# --- alarm notifications: contacts and the durable outbox ---
# (owned by ingest/notify/; migration 0006_notifications creates exactly these tables)


class AlarmContactRow(Base):
    """Who hears about a facility's alarms, on which channel and where.

    ``address`` is a URL (webhook), a topic (mqtt) or an e-mail address (email). A removed
    contact is deactivated, not deleted: the outbox keeps pointing at whom it notified.
    """

    __tablename__ = "alarm_contacts"
    __table_args__ = (
        CheckConstraint("channel IN ('webhook', 'mqtt', 'email')", name="known_channel"),
        Index(
            "uq_alarm_contacts_facility_code_channel_address",
            "facility_code",
            "channel",
            "address",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_code: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(200))
    # The webhook's signing secret, sealed (Fernet under COLDCHAIN_SECRET_KEY); never plain.
    sealed_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationOutboxRow(Base):
    """One delivery of one notice to one recipient, written before ``notify`` returns.

    ``recipient`` is ``contact:{id}`` or ``alarm-topic``; (notice_id, recipient) is unique,
    so the same notice enqueued twice is delivered once. ``payload`` is the notice as JSON.
    ``status``: pending → delivered | failed (attempts exhausted or channel not configured).
    ``claimed_until`` is a dispatcher's lease on a pending row (expired leases are resumed).
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="known_status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("uq_notification_outbox_notice_id_recipient", "notice_id", "recipient", unique=True),
        Index("ix_notification_outbox_due", "status", "channel", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("alarm_contacts.id"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    alarm_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


# --- end of the alarm notifications section ---


# --- excursion episodes and alarms: persisted detection events, lifecycle, last seen ---
# (owned by ingest/alarms/; migration 0005_alarms creates exactly these tables)

QUARANTINE_SCOPES = ("none", "freeze_sensitive", "all")
NULLABLE_JSON = JSON(none_as_null=True)  # Python None is SQL NULL ("not known yet")


class ExcursionEpisodeRow(Base):
    """One excursion episode of a storage unit (domain rule 2), keyed by the detector's key.

    Inserted open (``end_at`` NULL, statistics NULL) at the first out-of-range reading and
    completed once when it closes. ``exposed_lots`` (NULL: not known yet) is the ledger's
    answer for [start, end); ``quarantine_scope`` says what must be quarantined and
    ``quarantined_at`` when the ledger confirmed it (NULL with a scope: still to do).
    """

    __tablename__ = "excursion_episodes"
    __table_args__ = (
        CheckConstraint(
            "quarantine_scope IN ('none', 'freeze_sensitive', 'all')", name="quarantine_scope"
        ),
        Index("ix_excursion_episodes_unit_code_start_at", "unit_code", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    facility_code: Mapped[str] = mapped_column(String(64), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))  # of the reading that opened it
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration_minutes: Mapped[float | None] = mapped_column(Double, nullable=True)
    min_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    min_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    max_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    max_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    mean_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    mkt_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    minutes_above: Mapped[float | None] = mapped_column(Double, nullable=True)
    minutes_below: Mapped[float | None] = mapped_column(Double, nullable=True)
    unknown_minutes: Mapped[float | None] = mapped_column(Double, nullable=True)
    reading_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    late_reading_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    freeze_exposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rules: Mapped[list[dict[str, object]]] = mapped_column(JSON)  # snapshot when recorded
    exposed_lots: Mapped[list[dict[str, object]] | None] = mapped_column(
        NULLABLE_JSON, nullable=True
    )
    quarantine_scope: Mapped[str] = mapped_column(String(24))
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlarmRow(Base):
    """One alarm: a detector rule that fired, or a silent sensor (``SENSOR_OFFLINE``), or a
    facility alarm of the programme's routine (``unit_code`` NULL: a lot about to expire, a day
    that does not reconcile, the ledger check's findings, kept in ``details``).

        ``raised_at`` is the device time of the reading that fired it (offline: when the silence
        passed the threshold); ``recorded_at`` is when it was stored (wall clock, the base of
        re-notification and escalation). ``state`` goes raised → cleared once, only from the
        detector or the offline job; acknowledgement is recorded beside it and never clears it.
    """

    __tablename__ = "alarms"
    __table_args__ = (
        CheckConstraint("state IN ('raised', 'cleared')", name="state"),
        CheckConstraint("severity IN ('warning', 'alarm')", name="severity"),
        CheckConstraint(
            "quarantine_scope IN ('none', 'freeze_sensitive', 'all')", name="quarantine_scope"
        ),
        CheckConstraint("escalation_level >= 0", name="escalation_level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)  # rule id or SENSOR_OFFLINE
    severity: Mapped[str] = mapped_column(String(16))
    facility_code: Mapped[str] = mapped_column(String(64), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    sensor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    episode_key: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cleared_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    peak_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    unknown_minutes: Mapped[float | None] = mapped_column(Double, nullable=True)
    rule: Mapped[dict[str, object] | None] = mapped_column(NULLABLE_JSON, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    acknowledgement_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer)
    exposed_lots: Mapped[list[dict[str, object]] | None] = mapped_column(
        NULLABLE_JSON, nullable=True
    )
    quarantine_scope: Mapped[str] = mapped_column(String(24))
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # a facility alarm's particulars (findings, lot, day); None for unit alarms
    details: Mapped[dict[str, object] | None] = mapped_column(NULLABLE_JSON, nullable=True)


class AlarmAcknowledgementRow(Base):
    """Every acknowledgement of an alarm, in order (the alarm row keeps the latest)."""

    __tablename__ = "alarm_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alarm_id: Mapped[int] = mapped_column(Integer, ForeignKey("alarms.id"), index=True)
    user: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alarm_state: Mapped[str] = mapped_column(String(16))  # raised | cleared when acknowledged
    # what was done, from ``ingest.alarms.services.ACK_ACTIONS``; None: not said (older rows)
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AlarmFollowUpRow(Base):
    """Work the alarm follow-up worker still owes a change the recorder committed: the
    exposure, notice and quarantine of a raised alarm, the notice of a cleared one, the
    exposure and quarantine of a closed or freeze-exposed episode. Written in the same
    transaction as the change, so a crash between the two loses nothing; ``done_at`` is set
    once the work is done (every step of it is idempotent, so doing it twice is harmless)."""

    __tablename__ = "alarm_follow_ups"
    __table_args__ = (
        CheckConstraint("kind IN ('raised', 'cleared', 'freeze', 'ended')", name="kind"),
        Index("ix_alarm_follow_ups_pending", "done_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    row_id: Mapped[int] = mapped_column(Integer)  # alarms.id (raised, cleared) or episodes.id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SensorLastSeenRow(Base):
    """The newest device time heard from each sensor (the SENSOR_OFFLINE job's input)."""

    __tablename__ = "sensor_last_seen"

    sensor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_code: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(64))
    last_seen_ns: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DetectorStateRow(Base):
    """Where each storage unit's detector stood (``UnitDetector.state``: open episode, each
    rule's run or window, newest device time): a restarted ingest resumes from it and
    replays only the readings after ``newest_ns``. Written in the same transaction as the
    batch's episode and alarm rows, so it never disagrees with them."""

    __tablename__ = "detector_states"

    facility_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    newest_ns: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- end of the excursion episodes and alarms section ---


# --- stored daily figures of storage units: what the status board reads ---
# (owned by ingest/alarms/day_figures.py; migration 0023_unit_day_figures creates exactly this)


class UnitDayFigureRow(Base):
    """One local day of one storage unit (today: so far), summarised from its daily summary
    (domain rule 7): observed, too hot, too cold and unknown minutes and the mean kinetic
    temperature. Written by the ``day_figures`` job, read for the status board's time in
    range and the cold-chain performance report, so that neither reads days of raw readings
    for thousands of units."""

    __tablename__ = "unit_day_figures"

    unit_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    observed_minutes: Mapped[float] = mapped_column(Double)
    above_minutes: Mapped[float] = mapped_column(Double)
    below_minutes: Mapped[float] = mapped_column(Double)
    unknown_minutes: Mapped[float] = mapped_column(Double)
    # the day's mean kinetic temperature (None: nothing observed, or stored before 0035)
    mkt_c: Mapped[float | None] = mapped_column(Double, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- end of the stored daily figures section ---
