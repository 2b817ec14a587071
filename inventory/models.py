"""SQLAlchemy rows of the `inventory` package (2.0 style, stable constraint names for Alembic).

Invariants kept by the database itself: unique natural keys (facility, unit and product
codes, GTIN, lot identity, account key, idempotency key), a movement is reversed at most
once (unique ``reverses_movement_id``), a line never moves zero doses, and a real stock
account's balance is never negative (``ck_balances_nonnegative``). The ledger tables
(``movements``, ``movement_lines``) are append-only; ``balances`` is their projection,
updated in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit import naming
from kit.columns import UTCDateTime


class Base(DeclarativeBase):
    metadata = naming.metadata()


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


LEVELS = ("province", "city", "county", "township", "clinic", "mobile_team")
UNIT_KINDS = ("fridge", "freezer", "cold_room", "cold_box")
PROFILES = ("2-8", "freezer", "ultracold")
ACCOUNT_KINDS = (
    "stock",
    "quarantine",
    "in_transit",
    "in_transit_returned",
    "supplier",
    "administered",
    "wasted",
    "adjustment",
)
MOVEMENT_KINDS = (
    "receipt",
    "dispatch",
    "shipment_receipt",
    "shipment_lost",
    "shipment_return",
    "return_receipt",
    "transfer",
    "administration",
    "wastage",
    "count",
    "quarantine",
    "release",
    "destruction",
    "recall",
    "reversal",
)
SHIPMENT_STATUSES = (
    "created",
    "dispatched",
    "received",
    "partially_received",
    "lost",
    "refused",
    "returned",
)
DISCREPANCY_KINDS = ("shortfall", "excess", "unknown_lot")
RECEIPT_DECISIONS = ("accept", "accept_quarantined", "refuse")


class Facility(Base):
    __tablename__ = "facilities"
    __table_args__ = (CheckConstraint(_in("level", LEVELS), name="level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # "/1/4/17/": ids from the root down, ending with this facility's own id.
    path: Mapped[str] = mapped_column(String(255), index=True)


class StorageUnit(Base):
    __tablename__ = "storage_units"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint(_in("profile", PROFILES), name="profile"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("doses_per_vial > 0", name="doses_per_vial"),
        CheckConstraint(_in("profile", PROFILES), name="profile"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    doses_per_vial: Mapped[int] = mapped_column(Integer)
    profile: Mapped[str] = mapped_column(String(16))
    freeze_sensitive: Mapped[bool] = mapped_column(Boolean)


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_number", "expiry"),
        CheckConstraint("vvm_stage IS NULL OR vvm_stage BETWEEN 1 AND 4", name="vvm_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_number: Mapped[str] = mapped_column(String(40), index=True)
    expiry: Mapped[date] = mapped_column(Date)
    vvm_stage: Mapped[int | None] = mapped_column(Integer)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reference: Mapped[str | None] = mapped_column(String(200))
    recall_movement_id: Mapped[int | None] = mapped_column(ForeignKey("movements.id"), unique=True)


class VvmObservation(Base):
    """A VVM reading of a lot (``stage`` set), or a voiding entry that corrects one
    (``voids_id`` set, no stage). Append-only: a wrong reading is voided, never edited."""

    __tablename__ = "vvm_observations"
    __table_args__ = (
        CheckConstraint("(stage IS NULL) <> (voids_id IS NULL)", name="reading_or_void"),
        CheckConstraint("stage IS NULL OR stage BETWEEN 1 AND 4", name="stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    stage: Mapped[int | None] = mapped_column(Integer)
    voids_id: Mapped[int | None] = mapped_column(ForeignKey("vvm_observations.id"), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    storage_unit_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint(_in("kind", ACCOUNT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    storage_unit_id: Mapped[int | None] = mapped_column(ForeignKey("storage_units.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    nonnegative: Mapped[bool] = mapped_column(Boolean)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(_in("status", SHIPMENT_STATUSES), name="status"),
        CheckConstraint("lead_time_minutes >= 0", name="lead_time_minutes"),
        Index("ix_shipments_status_dispatched_at", "status", "dispatched_at"),
        Index("uq_shipments_idempotency_key", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    destination_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    lead_time_minutes: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A refusal sends the doses back (``refused``); the sender's receipt of them (``returned``).
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Creation is idempotent when the request carries a key (NULLs never collide).
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))


class ShipmentLine(Base):
    """Per lot: doses dispatched, (once received) doses counted at arrival, and (a refused
    shipment once its return is received) doses counted back at the sender."""

    __tablename__ = "shipment_lines"
    __table_args__ = (
        UniqueConstraint("shipment_id", "lot_id"),
        CheckConstraint("dispatched_doses >= 0", name="dispatched_doses"),
        CheckConstraint("received_doses IS NULL OR received_doses >= 0", name="received_doses"),
        CheckConstraint("returned_doses IS NULL OR returned_doses >= 0", name="returned_doses"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    dispatched_doses: Mapped[int] = mapped_column(Integer)
    received_doses: Mapped[int | None] = mapped_column(Integer)
    returned_doses: Mapped[int | None] = mapped_column(Integer)


class Movement(Base):
    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind"),
        Index("ix_movements_facility_id_occurred_at", "facility_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_name: Mapped[str] = mapped_column(String(200))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))
    reverses_movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movements.id"), unique=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"), index=True)
    dose_number: Mapped[int | None] = mapped_column(Integer)


class MovementLine(Base):
    """One line of a movement. ``occurred_at`` is a copy of its movement's (both immutable)
    so that per-lot and per-account history is read from the covering indexes alone."""

    __tablename__ = "movement_lines"
    __table_args__ = (
        CheckConstraint("doses <> 0", name="doses"),
        Index("ix_movement_lines_lot_account", "lot_id", "account_id", "occurred_at", "doses"),
        Index("ix_movement_lines_account_lot", "account_id", "lot_id", "occurred_at", "doses"),
        # Reports over a period (a day's flows, a month's wastage, a year's consumption) read
        # only the period's lines of each account, with what they join on, from this alone.
        Index(
            "ix_movement_lines_account_time",
            "account_id",
            "occurred_at",
            "lot_id",
            "doses",
            "movement_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    doses: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Balance(Base):
    """Projection of ``movement_lines`` per (account, lot), kept in the posting transaction:
    the current doses, and the figures the lot trace shows per account (doses that came in,
    when they first came in, when the last line was), so a trace reads one row per account
    instead of every line of the lot."""

    __tablename__ = "balances"
    __table_args__ = (CheckConstraint("doses >= 0 OR NOT nonnegative", name="nonnegative"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), primary_key=True, index=True)
    # 64-bit: a balance sums many lines (each at most MAX_LINE_DOSES), so it stays exact.
    doses: Mapped[int] = mapped_column(BigInteger)
    # Copied from the account so that a row-level CHECK can refuse a negative balance.
    nonnegative: Mapped[bool] = mapped_column(Boolean)
    doses_in: Mapped[int] = mapped_column(BigInteger, default=0)  # sum of the positive lines
    first_in: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first positive line
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # latest line


CUMULATIVE_MEASURES = ("physical", "administered")


class CumulativeSeries(Base):
    """One running total of the daily doses report's cumulative read model: a facility's
    physical stock of a product (the lines of its stock and quarantine accounts), or the
    doses of a product it administered with one dose number (0: recorded without one)."""

    __tablename__ = "cumulative_series"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id", "measure", "dose_number"),
        CheckConstraint(_in("measure", CUMULATIVE_MEASURES), name="measure"),
        CheckConstraint("dose_number >= 0", name="dose_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    measure: Mapped[str] = mapped_column(String(16))
    dose_number: Mapped[int] = mapped_column(Integer)  # 0: administrations without a number


class CumulativeDay(Base):
    """A series on one UTC day that has lines (even when they net to zero): the day's net
    ``change`` and the ``running`` total of every line up to the end of the day, kept in the
    posting transaction (a backdated line also adds to every later day's running total).
    The total before an instant is the latest row of an earlier day plus that day's lines."""

    __tablename__ = "cumulative_days"

    series_id: Mapped[int] = mapped_column(ForeignKey("cumulative_series.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # UTC
    change: Mapped[int] = mapped_column(BigInteger)
    running: Mapped[int] = mapped_column(BigInteger)


class ShipmentDiscrepancy(Base):
    __tablename__ = "shipment_discrepancies"
    __table_args__ = (CheckConstraint(_in("kind", DISCREPANCY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    dispatched_doses: Mapped[int] = mapped_column(Integer)
    received_doses: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class CountDifference(Base):
    """One lot of a physical count whose counted doses differ from the books, with the
    counter's reason for that lot (NULL: none given, as a count through the API may be).
    Append-only like the movement it belongs to; the stock card shows the reason on the
    lot's adjustment line."""

    __tablename__ = "count_differences"
    __table_args__ = (UniqueConstraint("movement_id", "lot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    book_doses: Mapped[int] = mapped_column(BigInteger)
    counted_doses: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)


class Allocation(Base):
    """A quota of doses of a product for a facility and period, set by its parent."""

    __tablename__ = "allocations"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id", "period_start"),
        CheckConstraint("doses >= 0", name="doses"),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    doses: Mapped[int] = mapped_column(Integer)
    set_by_facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DoseTarget(Base):
    """Doses a site should give per day of a product's dose number over a period, and the
    population that dose is meant to cover (for cumulative coverage)."""

    __tablename__ = "dose_targets"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id", "dose_number", "period_start"),
        CheckConstraint("dose_number >= 1", name="dose_number"),
        CheckConstraint("daily_target >= 0", name="daily_target"),
        CheckConstraint(
            "target_population IS NULL OR target_population >= 0", name="target_population"
        ),
        CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    dose_number: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    daily_target: Mapped[int] = mapped_column(Integer)
    target_population: Mapped[int | None] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsumptionMonth(Base):
    """Read model of the stock status report (rule 25): the doses used (the lines of the
    facility's administered and wasted accounts, reversals netted) per facility, product and
    calendar month in the facility's own time zone (``month``: its first day). Kept in the
    posting transaction (``repository/consumption.py``); every triple with a line has a row,
    even when its lines net to zero."""

    __tablename__ = "consumption_months"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    doses: Mapped[int] = mapped_column(BigInteger)


class StockLevel(Base):
    """The minimum and maximum months of stock a facility should hold of a product (rule 25;
    without a row, its level's default)."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id"),
        CheckConstraint("min_months >= 0 AND max_months >= min_months", name="months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    min_months: Mapped[float] = mapped_column(Double)
    max_months: Mapped[float] = mapped_column(Double)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EligiblePopulation(Base):
    """The people a site should vaccinate with a product in a calendar year (coverage's
    denominator, rule 22), loaded from a CSV file or set one by one."""

    __tablename__ = "eligible_populations"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id", "year"),
        CheckConstraint("population >= 0", name="population"),
        CheckConstraint("year BETWEEN 1900 AND 2199", name="year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DailyClose(Base):
    """A facility's local day closed at its cut-off (rule 22): the reconciliation of each
    product checked once, ``flagged`` when one did not balance (a STOCK_RECONCILIATION alarm
    was raised for it)."""

    __tablename__ = "daily_closes"
    __table_args__ = (UniqueConstraint("facility_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flagged: Mapped[bool] = mapped_column(Boolean)


class ShipmentLogger(Base):
    """A logger (or a cold box's sensor) travelling with a shipment (domain rule 27): its
    readings in ``[attached_at, detached_at)`` are the shipment's. A logger is on one open
    shipment at a time (the partial unique index), and once on a given shipment."""

    __tablename__ = "shipment_loggers"
    __table_args__ = (
        UniqueConstraint("shipment_id", "sensor_id"),
        CheckConstraint("reporting_interval_s > 0", name="reporting_interval_s"),
        Index(
            "uq_shipment_loggers_open_sensor",
            "sensor_id",
            unique=True,
            sqlite_where=text("detached_at IS NULL"),
            postgresql_where=text("detached_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    sensor_id: Mapped[str] = mapped_column(String(64))
    reporting_interval_s: Mapped[int] = mapped_column(Integer)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attached_by: Mapped[str] = mapped_column(String(200))
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detached_by: Mapped[str | None] = mapped_column(String(200))


class ShipmentHold(Base):
    """A lot of a shipment to be held when it arrives: an excursion in transit asked for a
    quarantine while the doses were on the road (no unit holds them yet). The receipt puts
    the lot into the receiving unit's quarantine. Append-only; one row per (excursion, lot)."""

    __tablename__ = "shipment_holds"
    __table_args__ = (UniqueConstraint("reference", "lot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    reference: Mapped[str] = mapped_column(String(200))  # the excursion (ExcursionRef)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(200))


class ShipmentDecision(Base):
    """The receiver's decision on a shipment after reading its transport record (rule 27):
    accept, accept with the exposed lots quarantined, or refuse; a record that did not cover
    the journey was accepted only with a supervisor's override and its reason. Kept per
    movement (the receipt or the return), so a reversed receipt's decision is history."""

    __tablename__ = "shipment_decisions"
    __table_args__ = (CheckConstraint(_in("decision", RECEIPT_DECISIONS), name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(24))
    record_complete: Mapped[bool | None] = mapped_column(Boolean)  # None: not checked
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
